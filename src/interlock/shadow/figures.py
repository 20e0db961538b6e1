"""Production against a candidate, from shadow records, people's decisions and a truth file (pure).

For each side: how many items it would decide without a person (its automatic share),
and the precision of those automatic decisions wherever a better judge decided the same
item: a person on the review desk (the work item's review item), and the truth file
when one is given. A precision is a share of a sample, so each comes with its Wilson
score interval at 95% (:func:`wilson_interval`), which stays inside [0, 1] and is
honest for small samples and for precisions near 1, where the normal approximation
is not. Agreement says how often the two sides decide the same (same route; for a
commit the same outcome, reason code and facts).

A decision is right when it equals the judge's: outcome, reason code and the task's
commit facts (:meth:`SideDecision.matches`). An automatic decision on a record the
truth says needs a person is wrong.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from interlock.quality.precision import wilson
from interlock.shadow.decision import ShadowRecord, SideDecision
from interlock.task import ExpectedDecision

__all__ = [
    "INTERVAL",
    "Agreement",
    "Precision",
    "ShadowComparison",
    "SideFigures",
    "compare",
    "wilson_interval",
]

#: How ``eval --shadow`` names its intervals.
INTERVAL = "wilson score interval, 95%"


def wilson_interval(successes: int, trials: int) -> tuple[float, float] | None:
    """The Wilson 95% interval of ``successes`` out of ``trials`` (``None`` for no trials).

    The one computation quality sampling uses too (:func:`interlock.quality.precision.wilson`).
    """
    return wilson(successes, trials, 0.95)


@dataclass(frozen=True, slots=True, kw_only=True)
class Precision:
    """Automatic decisions a judge also decided (``judged``) and how many were right."""

    judged: int = 0
    correct: int = 0

    @property
    def precision(self) -> float | None:
        """``correct / judged``; ``None`` when nothing was judged."""
        return self.correct / self.judged if self.judged else None

    @property
    def interval(self) -> tuple[float, float] | None:
        """The Wilson 95% interval of the precision."""
        return wilson_interval(self.correct, self.judged)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready summary."""
        interval = self.interval
        return {
            "judged": self.judged,
            "correct": self.correct,
            "precision": None if self.precision is None else round(self.precision, 4),
            "interval": None if interval is None else [round(interval[0], 4), round(interval[1], 4)],
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class SideFigures:
    """One side's figures over the compared items."""

    items: int
    automatic: int
    people: Precision
    truth: Precision | None

    @property
    def automatic_share(self) -> float:
        """Share of the items this side would decide without a person."""
        return self.automatic / self.items if self.items else 0.0

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready summary."""
        return {
            "automatic": self.automatic,
            "automatic_share": round(self.automatic_share, 4),
            "precision_vs_people": self.people.as_dict(),
            "precision_vs_truth": None if self.truth is None else self.truth.as_dict(),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class Agreement:
    """How production's and the candidate's decisions line up, item by item."""

    same: int = 0
    both_automatic_same: int = 0
    both_automatic_different: int = 0
    production_only_automatic: int = 0
    candidate_only_automatic: int = 0
    both_review: int = 0

    def as_dict(self, items: int) -> dict[str, Any]:
        """A JSON-ready summary; ``share`` is ``same / items``."""
        return {
            "same": self.same,
            "share": round(self.same / items, 4) if items else None,
            "both_automatic_same": self.both_automatic_same,
            "both_automatic_different": self.both_automatic_different,
            "production_only_automatic": self.production_only_automatic,
            "candidate_only_automatic": self.candidate_only_automatic,
            "both_review": self.both_review,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class ShadowComparison:
    """Production against one candidate configuration."""

    candidate: str
    items: int
    production: SideFigures
    shadow: SideFigures
    agreement: Agreement
    statuses: Mapping[str, int] = field(default_factory=dict)
    failures: Mapping[str, int] = field(default_factory=dict)
    models: Mapping[str, list[str]] = field(default_factory=dict)

    @property
    def failed(self) -> int:
        """Items on which the candidate failed (see ``failures`` for why)."""
        return sum(self.failures.values())

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready summary."""
        return {
            "candidate": self.candidate,
            "items": self.items,
            "production": {**self.production.as_dict(), "model_ids": self.models.get("production", [])},
            "shadow": {
                **self.shadow.as_dict(),
                "model_ids": self.models.get("candidate", []),
                "failed": self.failed,
                "failures": dict(sorted(self.failures.items())),
                "statuses": dict(sorted(self.statuses.items())),
            },
            "agreement": self.agreement.as_dict(self.items),
        }


def _precision(
    pairs: Iterable[tuple[SideDecision, ExpectedDecision | None]],
) -> Precision:
    judged = correct = 0
    for decision, judge in pairs:
        if judge is None or not decision.automatic:
            continue
        judged += 1
        correct += decision.matches(judge)
    return Precision(judged=judged, correct=correct)


def _side(
    decisions: list[tuple[ShadowRecord, SideDecision]],
    people: Mapping[str, ExpectedDecision],
    truth: Mapping[str, ExpectedDecision] | None,
) -> SideFigures:
    return SideFigures(
        items=len(decisions),
        automatic=sum(d.automatic for _, d in decisions),
        people=_precision((d, people.get(r.work_item_id)) for r, d in decisions),
        truth=None if truth is None else _precision((d, truth.get(r.record_id)) for r, d in decisions),
    )


def _agreement(records: list[ShadowRecord]) -> Agreement:
    counts: Counter[str] = Counter()
    for r in records:
        p, c = r.production, r.shadow
        counts["same"] += p.same_as(c)
        if p.automatic and c.automatic:
            counts["both_automatic_same" if p.same_as(c) else "both_automatic_different"] += 1
        elif p.automatic:
            counts["production_only_automatic"] += 1
        elif c.automatic:
            counts["candidate_only_automatic"] += 1
        else:
            counts["both_review"] += 1
    return Agreement(**counts)


def compare(
    records: Iterable[ShadowRecord],
    people: Mapping[str, ExpectedDecision],
    truth: Mapping[str, ExpectedDecision] | None = None,
) -> list[ShadowComparison]:
    """One comparison per candidate configuration, in the order of their labels.

    ``people`` maps a work item id to the decision a person wrote for it; ``truth``
    maps a record id to its correct decision.
    """
    by_candidate: dict[str, list[ShadowRecord]] = {}
    for record in records:
        by_candidate.setdefault(record.candidate, []).append(record)
    out = []
    for label in sorted(by_candidate):
        rows = by_candidate[label]
        out.append(
            ShadowComparison(
                candidate=label,
                items=len(rows),
                production=_side([(r, r.production) for r in rows], people, truth),
                shadow=_side([(r, r.shadow) for r in rows], people, truth),
                agreement=_agreement(rows),
                statuses=Counter(r.status for r in rows),
                failures=Counter(r.failure for r in rows if r.failure is not None),
                models={
                    "production": sorted({r.production.model_id for r in rows if r.production.model_id}),
                    "candidate": sorted({r.shadow.model_id for r in rows if r.shadow.model_id}),
                },
            )
        )
    return out
