"""Compare what Interlock wrote to the system of record against a truth file.

Precision counts an auto-finalized claim as right only when outcome, CARC, allowed
and paid all equal the truth. Review share says how many claims went to a person and
how many of those truly needed one.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from interlock.domains.claims import schema as t

RULE_OF_CARC = {"26": 1, "27": 1, "29": 2, "18": 3, "208": 4, "242": 5, "16": 6, "204": 7, "197": 8, "50": 9}


@dataclass(frozen=True, slots=True, kw_only=True)
class Truth:
    """The correct outcome of one claim."""

    claim_id: str
    outcome: str
    carc: str | None
    allowed: Decimal
    paid: Decimal


@dataclass(slots=True, kw_only=True)
class EvalReport:
    """Figures of one evaluation run."""

    claims: int = 0
    auto_finalized: int = 0
    auto_correct: int = 0
    finalized_by_staff: int = 0
    pended: int = 0
    pended_truly_review: int = 0
    unprocessed: int = 0
    errors_by_rule: Counter[str] = field(default_factory=Counter)
    outcome_mix: Counter[str] = field(default_factory=Counter)
    wrong_examples: list[dict[str, Any]] = field(default_factory=list)

    @property
    def auto_share(self) -> float:
        """Share of the backlog finalized without a person."""
        return self.auto_finalized / self.claims if self.claims else 0.0

    @property
    def precision(self) -> float:
        """Share of auto-finalized claims exactly right (1.0 when none were finalized)."""
        return self.auto_correct / self.auto_finalized if self.auto_finalized else 1.0

    @property
    def review_share(self) -> float:
        """Share of the backlog sent to a person."""
        return self.pended / self.claims if self.claims else 0.0

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready summary."""
        return {
            "claims": self.claims,
            "auto_finalized": self.auto_finalized,
            "auto_finalized_share": round(self.auto_share, 4),
            "auto_precision": round(self.precision, 4),
            "auto_correct": self.auto_correct,
            "pended": self.pended,
            "review_share": round(self.review_share, 4),
            "pended_truly_needing_review": self.pended_truly_review,
            "finalized_by_staff": self.finalized_by_staff,
            "unprocessed": self.unprocessed,
            "errors_by_rule": dict(sorted(self.errors_by_rule.items())),
            "outcome_mix": dict(sorted(self.outcome_mix.items())),
            "wrong_examples": self.wrong_examples[:10],
        }


def read_truth(path: Path) -> dict[str, Truth]:
    """Load a truth file: one JSON object a line."""
    truth: dict[str, Truth] = {}
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            row = json.loads(line)
            truth[row["claim_id"]] = Truth(
                claim_id=row["claim_id"],
                outcome=row["outcome"],
                carc=row["carc"],
                allowed=Decimal(row["allowed"]),
                paid=Decimal(row["paid"]),
            )
    return truth


def _rule_label(truth: Truth) -> str:
    if truth.outcome == "review":
        return "needs-review"
    if truth.outcome == "approve":
        return "approve"
    return f"rule {RULE_OF_CARC.get(truth.carc or '', '?')} (CARC {truth.carc})"


def evaluate(sor: Engine, truth: dict[str, Truth]) -> EvalReport:
    """Score the system of record's current state against ``truth``."""
    report = EvalReport()
    with sor.connect() as conn:
        statuses = {
            str(cid): str(status)
            for cid, status in conn.execute(
                select(t.claims.c.claim_id, t.claims.c.status).where(t.claims.c.claim_id.in_(list(truth)))
            )
        }
        adjudications = {
            str(row["claim_id"]): row
            for row in conn.execute(
                select(t.adjudications).where(t.adjudications.c.claim_id.in_(list(truth)))
            ).mappings()
        }
    for claim_id, want in truth.items():
        report.claims += 1
        status = statuses.get(claim_id)
        adj = adjudications.get(claim_id)
        if adj is not None:
            report.outcome_mix[str(adj["outcome"])] += 1
            if not str(adj["decided_by"]).startswith("auto:"):
                report.finalized_by_staff += 1
                continue
            report.auto_finalized += 1
            right = (
                want.outcome == adj["outcome"]
                and want.carc == adj["carc_code"]
                and want.allowed == Decimal(adj["allowed_amount"])
                and want.paid == Decimal(adj["paid_amount"])
            )
            if right:
                report.auto_correct += 1
            else:
                report.errors_by_rule[_rule_label(want)] += 1
                report.wrong_examples.append(
                    {
                        "claim_id": claim_id,
                        "truth": [want.outcome, want.carc, str(want.allowed), str(want.paid)],
                        "written": [
                            adj["outcome"],
                            adj["carc_code"],
                            str(adj["allowed_amount"]),
                            str(adj["paid_amount"]),
                        ],
                    }
                )
        elif status == "pended":
            report.outcome_mix["review"] += 1
            report.pended += 1
            if want.outcome == "review":
                report.pended_truly_review += 1
        else:
            report.unprocessed += 1
    return report


def threshold_for_precision(reliability: list[dict[str, Any]], target: float) -> float | None:
    """The lowest confidence threshold whose held-out precision reaches ``target``.

    ``reliability`` is the held-out reliability table of a model (bins with lower
    bound, accuracy and count). Precision at a threshold is the accuracy of every
    held-out prediction at or above it; bins are scanned from the top down so the
    answer is the widest auto-finalization that still meets the target. None when no
    threshold does (then only rules finalize automatically).
    """
    correct = 0.0
    total = 0
    best: float | None = None
    for row in sorted(reliability, key=lambda r: float(r["lower"]), reverse=True):
        correct += float(row["accuracy"]) * int(row["count"])
        total += int(row["count"])
        if total and correct / total >= target:
            best = float(row["lower"])
        elif total >= 20:
            # Keep scanning only while the estimate is too thin to be trusted.
            break
    return best
