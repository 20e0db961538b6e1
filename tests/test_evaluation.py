"""Choosing a confidence threshold from a held-out reliability table."""

from __future__ import annotations

from interlock.domains.claims.evaluation import threshold_for_precision


def _bin(lower: float, accuracy: float, count: int) -> dict[str, float | int]:
    return {
        "lower": lower,
        "upper": lower + 0.1,
        "mean_confidence": lower + 0.05,
        "accuracy": accuracy,
        "count": count,
    }


def test_threshold_is_the_widest_that_meets_the_target() -> None:
    """Scanning from the top, the lowest bin boundary whose cumulative precision meets the target wins."""
    table = [_bin(0.9, 1.0, 50), _bin(0.8, 0.98, 50), _bin(0.7, 0.9, 50), _bin(0.6, 0.7, 50)]
    assert threshold_for_precision(table, 0.99) == 0.8
    assert threshold_for_precision(table, 0.999) == 0.9
    assert threshold_for_precision(table, 0.9) == 0.7


def test_no_threshold_when_even_the_top_bin_misses() -> None:
    """A model that is never precise enough gets no threshold: only rules finalize."""
    assert threshold_for_precision([_bin(0.9, 0.8, 100)], 0.99) is None
    assert threshold_for_precision([], 0.99) is None
