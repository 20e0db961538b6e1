"""The Wilson score interval and the closing rule: known values, coverage, and when a path closes."""

from __future__ import annotations

import math

import pytest

from interlock.quality.precision import closes, measure, wilson


@pytest.mark.parametrize(
    ("upheld", "n", "low", "high"),
    [
        # Reference values of the 95% Wilson score interval (Newcombe 1998, table I).
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
        (29, 29, 0.8830, 1.0),
    ],
)
def test_wilson_matches_published_values(upheld: int, n: int, low: float, high: float) -> None:
    """The interval of a published example, to four decimals."""
    got = wilson(upheld, n, 0.95)
    assert got is not None
    assert got == pytest.approx((low, high), abs=5e-5)


def test_no_sample_has_no_interval_and_no_precision() -> None:
    """Zero decided samples: precision and interval are unknown, never 0 or 1."""
    m = measure(0, 0, 0.95)
    assert (m.precision, m.low, m.high) == (None, None, None)
    assert wilson(0, 0, 0.95) is None


def _coverage(p: float, n: int, confidence: float) -> float:
    """The exact probability that the interval of a Binomial(n, p) draw contains p."""
    total = 0.0
    for k in range(n + 1):
        bounds = wilson(k, n, confidence)
        assert bounds is not None
        if bounds[0] <= p <= bounds[1]:
            total += math.comb(n, k) * p**k * (1 - p) ** (n - k)
    return total


@pytest.mark.parametrize(("p", "n"), [(0.9, 50), (0.95, 100), (0.8, 30), (0.98, 200)])
def test_wilson_covers_close_to_its_nominal_level(p: float, n: int) -> None:
    """Exact binomial coverage of the 95% interval stays near 95% where precision lives (0.8 to 0.98)."""
    assert _coverage(p, n, 0.95) >= 0.92


def test_the_path_closes_only_on_enough_samples_credibly_below_the_target() -> None:
    """Below min_samples never; a point estimate under the target is not enough; an upper bound under it is."""
    few = measure(5, 10, 0.95)
    assert not closes(few, target=0.99, min_samples=30)
    dipping = measure(96, 100, 0.95)  # 96%, interval up to about 98.4%
    assert not closes(dipping, target=0.98, min_samples=30)
    assert closes(dipping, target=0.99, min_samples=30)
    assert not closes(measure(100, 100, 0.95), target=0.999, min_samples=30)
    assert not closes(measure(0, 100, 0.95), target=None, min_samples=1)
