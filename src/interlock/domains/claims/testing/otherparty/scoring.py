"""Read back what Interlock wrote for an outside payer's backlog, and say what went wrong.

``interlock eval`` gives the headline figures (automatic share, precision). This adds
what only the world writer knows: which claims' notes settle nothing (their truth is
review because of rule 9, not because of an always-a-person rule), and, for every
claim decided wrongly or sent to a person needlessly, its scenario, note plan and the
writers of its notes, so a failure can be traced to a kind of claim or a style.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, select

from interlock.domains.claims import schema as t
from interlock.domains.claims.evaluation import Truth
from interlock.domains.claims.testing.otherparty.world import ClaimLabel, PayerReport

UNSETTLED_REASON = "notes do not settle necessity"


def _label(outcome: str, carc: str | None) -> str:
    return f"{outcome} {carc}" if carc else outcome


@dataclass(slots=True, kw_only=True)
class Scorecard:
    """How one backlog came out, with the reasons behind every miss."""

    family: str
    seed: int
    claims: int = 0
    auto_finalized: int = 0
    auto_correct: int = 0
    pended: int = 0
    #: Auto-finalized claims whose notes settle nothing (the target is none).
    unsettled_auto: list[str] = field(default_factory=list)
    #: Auto-finalized high-value or Part 2 claims that had to reach a person.
    always_person_auto: list[str] = field(default_factory=list)
    #: Wrong automatic finalizations no reading of notes explains: rules 1-8 or the amounts.
    rules_wrong: list[str] = field(default_factory=list)
    #: (scenario, note plan, truth, written) of wrong automatic finalizations.
    wrong: Counter[tuple[str, str, str, str]] = field(default_factory=Counter)
    wrong_by_writer: Counter[str] = field(default_factory=Counter)
    #: (scenario, note plan, truth) of claims a person got though the rules or notes settled them.
    needless_review: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    needless_by_writer: Counter[str] = field(default_factory=Counter)
    unsettled_by_plan: Counter[str] = field(default_factory=Counter)
    unsettled_auto_by_plan: Counter[str] = field(default_factory=Counter)

    @property
    def auto_share(self) -> float:
        """Share of the backlog finalized without a person."""
        return self.auto_finalized / self.claims if self.claims else 0.0

    @property
    def precision(self) -> float:
        """Share of automatic finalizations exactly right."""
        return self.auto_correct / self.auto_finalized if self.auto_finalized else 1.0

    def summary(self) -> dict[str, Any]:
        """Figures and the largest groups of misses, JSON-ready."""
        return {
            "family": self.family,
            "seed": self.seed,
            "claims": self.claims,
            "auto_finalized": self.auto_finalized,
            "auto_share": round(self.auto_share, 4),
            "precision": round(self.precision, 4),
            "pended": self.pended,
            "unsettled_auto": len(self.unsettled_auto),
            "unsettled_by_plan": dict(self.unsettled_by_plan),
            "unsettled_auto_by_plan": dict(self.unsettled_auto_by_plan),
            "always_person_auto": len(self.always_person_auto),
            "rules_wrong": len(self.rules_wrong),
            "wrong": [[*k, n] for k, n in self.wrong.most_common(12)],
            "wrong_by_writer": dict(self.wrong_by_writer),
            "needless_review": [[*k, n] for k, n in self.needless_review.most_common(12)],
            "needless_by_writer": dict(self.needless_by_writer),
        }


def score(sor: Engine, report: PayerReport, truth: dict[str, Truth]) -> Scorecard:
    """Compare the system of record's adjudications with ``truth``, claim by claim."""
    card = Scorecard(family=report.family, seed=report.seed)
    with sor.connect() as conn:
        status = {
            str(r.claim_id): str(r.status)
            for r in conn.execute(select(t.claims.c.claim_id, t.claims.c.status))
        }
        written = {
            str(row.claim_id): row
            for row in conn.execute(
                select(
                    t.adjudications.c.claim_id,
                    t.adjudications.c.outcome,
                    t.adjudications.c.carc_code,
                    t.adjudications.c.allowed_amount,
                    t.adjudications.c.paid_amount,
                    t.adjudications.c.decided_by,
                ).where(t.adjudications.c.claim_id.in_(list(truth)))
            )
        }
    for claim_id, want in truth.items():
        label = report.backlog[claim_id]
        card.claims += 1
        unsettled = want.outcome == "review" and label.reason == UNSETTLED_REASON
        if unsettled:
            card.unsettled_by_plan[label.note_plan or "-"] += 1
        row = written.get(claim_id)
        if row is not None and str(row.decided_by).startswith("auto:"):
            card.auto_finalized += 1
            got = (str(row.outcome), row.carc_code, Decimal(row.allowed_amount), Decimal(row.paid_amount))
            if got == (want.outcome, want.carc, want.allowed, want.paid):
                card.auto_correct += 1
                continue
            _wrong(card, label, want, got[0], got[1])
            if not (unsettled or "50" in (want.carc, got[1])) and want.outcome != "review":
                card.rules_wrong.append(claim_id)
            if unsettled:
                card.unsettled_auto.append(claim_id)
                card.unsettled_auto_by_plan[label.note_plan or "-"] += 1
            elif want.outcome == "review":
                card.always_person_auto.append(claim_id)
        elif status.get(claim_id) == "pended":
            card.pended += 1
            if want.outcome != "review":
                card.needless_review[
                    (label.scenario, label.note_plan or "-", _label(want.outcome, want.carc))
                ] += 1
                for writer in set(label.writers):
                    card.needless_by_writer[writer] += 1
    return card


def _wrong(card: Scorecard, label: ClaimLabel, want: Truth, outcome: str, carc: str | None) -> None:
    key = (label.scenario, label.note_plan or "-", _label(want.outcome, want.carc), _label(outcome, carc))
    card.wrong[key] += 1
    for writer in set(label.writers):
        card.wrong_by_writer[writer] += 1
