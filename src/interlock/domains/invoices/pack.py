"""The invoices domain pack: what :mod:`interlock.registry` finds under ``invoices``."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from interlock.domains.invoices import schema
from interlock.domains.invoices.connector import SqlInvoicesConnector
from interlock.domains.invoices.desk_view import DESK_VIEW
from interlock.domains.invoices.task import InvoicesApprove
from interlock.models.base import ModelClient
from interlock.task import Domain, ExpectedDecision, SorAccess

__all__ = [
    "BASELINE_KIND",
    "DOMAIN",
    "create_schema",
    "evaluate",
    "expected_decisions",
    "load_baseline",
    "reference_texts",
    "seed",
    "train",
]

#: The store's ``kind`` for the invoices baseline (each domain keeps its own).
BASELINE_KIND = "invoices-baseline"


def create_schema(sor: Engine) -> None:
    """Create the Alder Works ERP schema (SPEC.md) in an empty system of record."""
    schema.metadata.create_all(sor)


def load_baseline(store: Engine, *, digest: str | None = None) -> ModelClient:
    """The most recently trained expense-account baseline, or the one whose id ends in ``digest``."""
    from interlock.domains.invoices.baseline import AccountBaseline  # noqa: PLC0415 - numpy
    from interlock.models.registry import latest_artifact  # noqa: PLC0415

    return AccountBaseline.from_json(latest_artifact(store, BASELINE_KIND, digest=digest))


def reference_texts(sor: Engine) -> list[str]:
    """The decided non-PO invoices' words the familiar region is fitted on."""
    from interlock.domains.invoices.training import reference_texts as read  # noqa: PLC0415 - scikit-learn

    return read(sor)


def seed(
    sor: Engine, *, records: int, seed: int, truth_path: Path | None = None, phrasing: str = "standard"
) -> dict[str, Any]:
    """Fill an empty ERP deterministically (history and a backlog of ``records`` invoices), with truth.

    ``phrasing="heldout"`` words the backlog in the family training never sees.
    """
    from interlock.domains.invoices.generator import seed as run_seed  # noqa: PLC0415

    return dict(run_seed(sor, records=records, seed=seed, truth_path=truth_path, phrasing=phrasing))


def train(sor: Engine, store: Engine, *, now: datetime, seed: int = 0) -> dict[str, Any]:
    """Train the expense-account baseline on the ERP's decided history and store it."""
    from interlock.domains.invoices.training import train_and_store  # noqa: PLC0415 - scikit-learn

    return dict(train_and_store(sor, store, kind=BASELINE_KIND, now=now, seed=seed))


def evaluate(sor: Engine, store: Engine, truth_path: Path, **_options: Any) -> dict[str, Any]:
    """Score the decisions written to the ERP against a truth file."""
    from interlock.domains.invoices.evaluation import evaluate as run_evaluation  # noqa: PLC0415
    from interlock.models.registry import latest_metrics  # noqa: PLC0415

    summary = dict(run_evaluation(sor, truth_path))
    summary["model"] = latest_metrics(store, BASELINE_KIND)
    return summary


def expected_decisions(truth_path: Path) -> dict[str, ExpectedDecision]:
    """The truth file as each invoice's correct decision: outcome, reason code, amount, accounts.

    The facts are those :meth:`InvoicesApprove.commit_facts` records (the approved amount
    and the accounts posted to), so the comparison needs nothing of the ERP.
    """
    from decimal import Decimal  # noqa: PLC0415

    from interlock.domains.invoices.evaluation import read_truth  # noqa: PLC0415

    expected: dict[str, ExpectedDecision] = {}
    for row in read_truth(truth_path):
        outcome = str(row["outcome"])
        facts: dict[str, Any] = {}
        if outcome != "review":
            facts = {
                "approved_amount": str(Decimal(str(row.get("approved_amount", "0.00")))),
                "accounts": sorted({str(posting[1]) for posting in row.get("postings", [])}),
            }
        expected[str(row["invoice_id"])] = ExpectedDecision(
            outcome=outcome, reason_code=row.get("reason") if outcome == "reject" else None, facts=facts
        )
    return expected


def _demo(dir_: Path, *, records: int, seed: int, json_out: bool) -> int:
    from interlock.domains.invoices.demo import run_demo  # noqa: PLC0415 - the whole demo path

    return run_demo(dir_, records=records, seed=seed, json_out=json_out)


#: What Interlock may do in the ERP (SPEC.md "The write target"): read every table,
#: insert decisions and their postings, and change only an invoice's status.
ACCESS = SorAccess(
    read_tables=tuple(sorted(schema.metadata.tables)),
    insert_tables=("invoice_decisions", "invoice_postings"),
    update_columns={"invoices": ("status",)},
)


DOMAIN = Domain(
    name="invoices",
    tasks=(InvoicesApprove(),),
    connector=SqlInvoicesConnector,
    baseline=load_baseline,
    reference_texts=reference_texts,
    metadata=schema.metadata,
    record_table="invoices",
    access=ACCESS,
    demo=_demo,
    desk_view=DESK_VIEW,
    create_schema=create_schema,
    seed=seed,
    train=train,
    evaluate=evaluate,
    expected_decisions=expected_decisions,
)
