"""One retry layer: at most three attempts, never past the work item's deadline."""

from __future__ import annotations

import time

import pytest

from interlock.exceptions import ModelOutputInvalid, ModelUnavailable
from interlock.models.resilience import MAX_ATTEMPTS, call_with_retries


def test_retryable_failures_stop_after_three_attempts() -> None:
    """A dependency that keeps failing is tried three times, then its error propagates."""
    calls: list[float] = []

    def down(timeout: float) -> str:
        calls.append(timeout)
        raise ModelUnavailable("down")

    with pytest.raises(ModelUnavailable):
        call_with_retries(down, deadline=time.monotonic() + 30)
    assert len(calls) == MAX_ATTEMPTS == 3


def test_retries_never_sleep_past_the_deadline() -> None:
    """Backoff is cut to the time left, so the call ends within the deadline plus scheduling noise."""
    started = time.monotonic()

    def down(timeout: float) -> str:
        raise ModelUnavailable("down")

    with pytest.raises(ModelUnavailable):
        call_with_retries(down, deadline=started + 0.3)
    assert time.monotonic() - started < 0.3 + 0.2


def test_each_attempt_gets_the_time_left() -> None:
    """An attempt's timeout is the remaining budget, capped, never more."""
    seen: list[float] = []

    def flaky(timeout: float) -> str:
        seen.append(timeout)
        if len(seen) < 2:
            raise ModelUnavailable("blip")
        return "ok"

    result, attempts = call_with_retries(flaky, deadline=time.monotonic() + 5, cap_seconds=2)
    assert (result, attempts) == ("ok", 2)
    assert seen[0] <= 2
    assert seen[1] <= 5


def test_invalid_output_is_not_retried() -> None:
    """A model that answered outside the contract is not asked again by the retry layer."""
    calls = 0

    def bad(timeout: float) -> str:
        nonlocal calls
        calls += 1
        raise ModelOutputInvalid("garbage")

    with pytest.raises(ModelOutputInvalid):
        call_with_retries(bad, deadline=time.monotonic() + 5)
    assert calls == 1
