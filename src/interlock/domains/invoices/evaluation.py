"""Scoring what was written to the ERP against a truth file.

For every invoice of the truth file: what the ERP now says (a decision row and its
postings, or the invoice on hold, or still waiting) against the policy's correct
outcome. An automatic decision (``decided_by`` ``auto:...``) is right only when its
outcome, reason code, approved amount and every posting equal the truth's to the cent.
The report gives the share decided automatically, the precision of those decisions,
errors by kind (an invoice that needed a person but was decided automatically is its own kind) and a
breakdown by the generator's scenario when the truth names one.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from interlock.domains.invoices import schema as t

__all__ = ["EvaluationReport", "evaluate", "read_truth", "score"]

Postings = tuple[tuple[int, str, str, Decimal], ...]


def read_truth(path: Path) -> list[dict[str, Any]]:
    """The truth file: one JSON object a line."""
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


@dataclass(frozen=True, slots=True, kw_only=True)
class _Written:
    status: str
    outcome: str | None
    reason: str | None
    amount: Decimal | None
    postings: Postings
    decided_by: str | None


@dataclass(slots=True)
class EvaluationReport:
    """Counts of one evaluation; :meth:`as_dict` is what ``interlock eval`` prints."""

    invoices: int = 0
    automatic: int = 0
    automatic_correct: int = 0
    held: int = 0
    by_person: int = 0
    pending: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    error_ids: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    by_scenario: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))

    def as_dict(self) -> dict[str, Any]:
        """Shares, precision, errors by kind (with up to five ids each) and the scenario breakdown."""
        return {
            "invoices": self.invoices,
            "automatic": self.automatic,
            "automatic_correct": self.automatic_correct,
            "auto_share": round(self.automatic / self.invoices, 4) if self.invoices else 0.0,
            "precision": round(self.automatic_correct / self.automatic, 4) if self.automatic else None,
            "held_for_review": self.held,
            "decided_by_people": self.by_person,
            "pending": self.pending,
            "errors": dict(self.errors),
            "error_examples": {kind: ids[:5] for kind, ids in self.error_ids.items()},
            "by_scenario": {name: dict(counts) for name, counts in sorted(self.by_scenario.items())},
        }


def _written(sor: Engine, ids: Iterable[str]) -> dict[str, _Written]:
    wanted = sorted(set(ids))
    found: dict[str, _Written] = {}
    with sor.connect() as conn:
        status = dict(
            conn.execute(
                select(t.invoices.c.invoice_id, t.invoices.c.status).where(
                    t.invoices.c.invoice_id.in_(wanted)
                )
            ).all()
        )
        decisions = conn.execute(
            select(t.invoice_decisions)
            .where(t.invoice_decisions.c.invoice_id.in_(wanted))
            .order_by(t.invoice_decisions.c.decided_at, t.invoice_decisions.c.decision_id)
        ).mappings()
        latest = {str(d["invoice_id"]): dict(d) for d in decisions}
        postings: dict[str, list[tuple[int, str, str, Decimal]]] = defaultdict(list)
        ids_of_decisions = [d["decision_id"] for d in latest.values()]
        for p in conn.execute(
            select(t.invoice_postings)
            .where(t.invoice_postings.c.decision_id.in_(ids_of_decisions))
            .order_by(t.invoice_postings.c.decision_id, t.invoice_postings.c.line_no)
        ).mappings():
            postings[str(p["decision_id"])].append(
                (int(p["line_no"]), str(p["gl_account"]), str(p["cost_center"]), Decimal(str(p["amount"])))
            )
    for invoice_id in wanted:
        d = latest.get(invoice_id)
        found[invoice_id] = _Written(
            status=str(status.get(invoice_id, "missing")),
            outcome=None if d is None else str(d["outcome"]),
            reason=None if d is None else d["reason_code"],
            amount=None if d is None else Decimal(str(d["approved_amount"])),
            postings=() if d is None else tuple(postings[str(d["decision_id"])]),
            decided_by=None if d is None else str(d["decided_by"]),
        )
    return found


def _truth_postings(row: Mapping[str, Any]) -> Postings:
    return tuple((int(n), str(a), str(c), Decimal(str(m))) for n, a, c, m in row.get("postings", []))


def score(truth: list[dict[str, Any]], written: Mapping[str, _Written]) -> EvaluationReport:
    """Compare each invoice's written state with its truth (pure)."""
    report = EvaluationReport()
    for row in truth:
        invoice_id, scenario = str(row["invoice_id"]), str(row.get("scenario") or row["outcome"])
        w = written[invoice_id]
        report.invoices += 1
        counts = report.by_scenario[scenario]
        counts["invoices"] += 1

        def error(kind: str, invoice_id: str = invoice_id, counts: Counter[str] = counts) -> None:
            report.errors[kind] += 1
            report.error_ids[kind].append(invoice_id)
            counts["errors"] += 1

        if w.outcome is None:
            if w.status == "on_hold":
                report.held += 1
                counts["held"] += 1
            else:
                report.pending += 1
                counts["pending"] += 1
            continue
        if not (w.decided_by or "").startswith("auto:"):
            report.by_person += 1
            counts["by_person"] += 1
            continue
        report.automatic += 1
        counts["automatic"] += 1
        expected = str(row["outcome"])
        if expected == "review":
            error("review_decided")
        elif w.outcome != expected:
            error(f"{expected}_written_as_{w.outcome}")
        elif expected == "reject" and w.reason != row.get("reason"):
            error("wrong_reason")
        elif w.amount != Decimal(str(row.get("approved_amount", "0.00"))):
            error("wrong_amount")
        elif expected == "approve" and w.postings != _truth_postings(row):
            error("wrong_postings")
        else:
            report.automatic_correct += 1
            counts["correct"] += 1
    return report


def evaluate(sor: Engine, truth_path: Path) -> dict[str, Any]:
    """Score the ERP's decisions against the truth file at ``truth_path``."""
    truth = read_truth(truth_path)
    return score(truth, _written(sor, (str(r["invoice_id"]) for r in truth))).as_dict()
