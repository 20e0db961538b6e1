"""Precision with a Wilson score interval, and the rule that closes an automatic path (pure).

A sampled automatic decision is *upheld* when the person who decided the item blind
made the same decision. Precision is upheld / decided samples; its interval is the
Wilson score interval at the configured confidence (two-sided, 95% by default). Wilson
rather than the normal approximation because precision sits near 1, where the normal
interval collapses to a point and its coverage is poor; Wilson keeps close to its
nominal coverage down to small samples and stays inside [0, 1].

The closing rule: a task's automatic path closes when at least ``min_samples``
samples are decided (among the most recent ``window`` since the path last opened) and
the interval's upper bound is below the target. The upper bound of a two-sided 95%
interval is a one-sided 97.5% bound, so the path closes only when the data say, at
that level, that precision is below the target, not merely when the point estimate
dips below it; a path with few samples stays open however they went.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

__all__ = ["METHOD", "Measurement", "closes", "measure", "wilson"]

#: How the interval is computed, as reports name it.
METHOD = "Wilson score interval"


def wilson(upheld: int, n: int, confidence: float) -> tuple[float, float] | None:
    """The Wilson score interval of ``upheld`` successes in ``n`` trials; ``None`` when n is 0."""
    if n <= 0:
        return None
    if not 0 <= upheld <= n:
        raise ValueError(f"{upheld} successes in {n} trials")
    z = NormalDist().inv_cdf(1.0 - (1.0 - confidence) / 2.0)
    p = upheld / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    # At p = 0 or 1 the bound is exactly 0 or 1; rounding must not move it past.
    low = 0.0 if upheld == 0 else max(0.0, centre - half)
    high = 1.0 if upheld == n else min(1.0, centre + half)
    return low, high


@dataclass(frozen=True, slots=True, kw_only=True)
class Measurement:
    """Decided samples, how many were upheld, the precision and its interval (``None`` without samples)."""

    decided: int
    upheld: int
    confidence: float
    precision: float | None
    low: float | None
    high: float | None

    def as_dict(self) -> dict[str, object]:
        """The JSON form of reports and the API."""
        return {
            "decided": self.decided,
            "upheld": self.upheld,
            "precision": None if self.precision is None else round(self.precision, 6),
            "interval": None if self.low is None else [round(self.low, 6), round(self.high or 0.0, 6)],
        }


def measure(upheld: int, decided: int, confidence: float) -> Measurement:
    """The measurement of ``upheld`` agreements among ``decided`` samples."""
    bounds = wilson(upheld, decided, confidence)
    return Measurement(
        decided=decided,
        upheld=upheld,
        confidence=confidence,
        precision=upheld / decided if decided else None,
        low=None if bounds is None else bounds[0],
        high=None if bounds is None else bounds[1],
    )


def closes(m: Measurement, *, target: float | None, min_samples: int) -> bool:
    """True when ``m`` credibly shows precision below ``target`` (see the module's rule)."""
    if target is None or m.decided < min_samples or m.high is None:
        return False
    return m.high < target
