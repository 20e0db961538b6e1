"""Which work items are sampled: a keyed hash of the idempotency key, at the configured rate."""

from __future__ import annotations

from interlock.quality.sampling import draw, is_sampled
from interlock.work.store import idempotency_key_for

KEY = b"a deployment's secret"


def _keys(n: int) -> list[str]:
    return [idempotency_key_for("claims.adjudicate", f"CLM{i:08d}", 1) for i in range(n)]


def test_the_same_item_is_always_chosen_the_same_way() -> None:
    """A retried or replayed item (same idempotency key) draws the same number in any process."""
    keys = _keys(500)
    assert [draw(KEY, k) for k in keys] == [draw(KEY, k) for k in keys]
    assert all(0.0 <= draw(KEY, k) < 1.0 for k in keys)


def test_the_share_sampled_is_the_rate() -> None:
    """Over 20,000 items, 5% are sampled to within half a percentage point (about 3.2 standard deviations)."""
    chosen = sum(is_sampled(KEY, k, 0.05) for k in _keys(20_000))
    assert abs(chosen / 20_000 - 0.05) < 0.005


def test_rate_zero_samples_nothing_and_rate_one_everything() -> None:
    """Off is off; a rate of 1 measures every automatic decision."""
    keys = _keys(200)
    assert not any(is_sampled(KEY, k, 0.0) for k in keys)
    assert all(is_sampled(KEY, k, 1.0) for k in keys)


def test_another_key_chooses_other_items() -> None:
    """The key decides which items: without it the choice cannot be predicted."""
    keys = _keys(2_000)
    one = {k for k in keys if is_sampled(KEY, k, 0.1)}
    other = {k for k in keys if is_sampled(b"another key", k, 0.1)}
    assert one != other and len(one & other) < len(one) / 2


def test_a_new_record_version_is_drawn_afresh() -> None:
    """The record version is part of the idempotency key: a changed record is a new draw."""
    v1 = idempotency_key_for("claims.adjudicate", "CLM1", 1)
    v2 = idempotency_key_for("claims.adjudicate", "CLM1", 2)
    assert draw(KEY, v1) != draw(KEY, v2)
