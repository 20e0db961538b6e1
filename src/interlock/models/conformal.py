"""Split-conformal thresholds: the one formula behind the familiarity check's promise.

Given ``n`` nonconformity scores of a calibration set that the scorer never saw, and a
miscoverage ``alpha``, the threshold is the ``ceil((n + 1)(1 - alpha))``-th smallest
score. If a new item is exchangeable with the calibration items (drawn from the same
distribution, in no particular order), its score is at most that threshold with
probability at least ``1 - alpha``: among the ``n + 1`` scores, the new one is equally
likely to hold any rank, and at most ``n + 1 - k`` ranks lie above the ``k``-th
smallest. The promise is marginal (over the draw of calibration set and item), needs
no assumption about the score's distribution, and is exact up to ties: with distinct
scores the coverage lies between ``k / (n + 1)`` and ``k / (n + 1) + 1 / (n + 1)``.

When ``k`` exceeds ``n`` the calibration set is too small for ``alpha``: the formula's
threshold is infinite, and an infinite threshold would judge every text familiar. The
familiarity check never takes that one: :func:`bounded_threshold` falls back to the
largest calibration score, which judges *more* texts unfamiliar and promises the
coverage ``n / (n + 1)`` instead of ``1 - alpha``; the fallback is reported, not hidden.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = [
    "bounded_threshold",
    "conformal_rank",
    "conformal_threshold",
    "guaranteed_coverage",
    "smallest_alpha",
]

#: Guards the rank against ``(n + 1)(1 - alpha)`` landing a hair above an integer in floating point.
_EPSILON = 1e-9


def conformal_rank(n: int, alpha: float) -> int:
    """``ceil((n + 1)(1 - alpha))``: the rank (1-based) of the threshold among ``n`` scores."""
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must lie strictly between 0 and 1, not {alpha}")
    if n < 0:
        raise ValueError("a calibration set cannot have a negative size")
    return max(1, math.ceil((n + 1) * (1.0 - alpha) - _EPSILON))


def conformal_threshold(sorted_scores: Sequence[float], alpha: float) -> float | None:
    """The split-conformal threshold, or ``None`` when ``alpha`` needs more calibration scores.

    ``sorted_scores`` must be in ascending order (the artifact keeps them so).
    """
    k = conformal_rank(len(sorted_scores), alpha)
    if k > len(sorted_scores):
        return None
    return float(sorted_scores[k - 1])


def guaranteed_coverage(n: int, alpha: float) -> float:
    """``min(k, n) / (n + 1)``: the lower bound on coverage of :func:`bounded_threshold`.

    At least ``1 - alpha`` when ``k <= n``; ``n / (n + 1)`` when the set is too small.
    """
    return min(conformal_rank(n, alpha), n) / (n + 1)


def bounded_threshold(sorted_scores: Sequence[float], alpha: float) -> tuple[float, bool]:
    """The conformal threshold, or the largest score when ``alpha`` needs more scores.

    The flag says whether the fallback was taken (the promise is then ``n / (n + 1)``).
    """
    if not sorted_scores:
        raise ValueError("no calibration scores")
    threshold = conformal_threshold(sorted_scores, alpha)
    if threshold is None:
        return float(sorted_scores[-1]), True
    return threshold, False


def smallest_alpha(n: int) -> float:
    """The smallest miscoverage a calibration set of ``n`` scores can promise: ``1 / (n + 1)``."""
    return 1.0 / (n + 1)
