"""The familiarity check in the real engine on invoices: a backlog worded unlike the history goes to people.

Two seeded ERPs on SQLite, each trained on its own (always standard) history: one whose
backlog is worded in the standard family, one whose backlog is in the held-out phrasing
family. The expense-account question is the same generic model seam as claims', so the
same gate check and the same audit measures apply.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from interlock.assembly import build_engine
from interlock.audit.chain import AuditLog, audit_events
from interlock.db import make_engine
from interlock.domains.invoices import pack
from interlock.domains.invoices.connector import SqlInvoicesConnector
from interlock.engine import EngineSettings
from interlock.models.familiarity_store import train_familiarity, unfamiliar_counts
from interlock.policy.principal import service_principal
from interlock.store.metadata import store_metadata
from interlock.store.schema import review_items
from interlock.work.store import WorkStore

ALPHA = 0.01
TASK = "invoices.approve"
NOW = datetime(2026, 5, 1, tzinfo=UTC)


@dataclass
class Run:
    sor: Engine
    store: Engine
    report: dict[str, Any]
    region: dict[str, Any]
    unfamiliar: dict[str, int]


def run(tmp: Path, *, phrasing: str, seed: int, records: int = 400) -> Run:
    """Seed, train model and region on the history, decide every invoice with the check on, score."""
    sor, store = make_engine(f"sqlite:///{tmp / 'erp.db'}"), make_engine(f"sqlite:///{tmp / 'store.db'}")
    pack.create_schema(sor)
    store_metadata.create_all(store)
    pack.seed(sor, records=records, seed=seed, truth_path=tmp / "truth.jsonl", phrasing=phrasing)
    pack.train(sor, store, now=NOW)
    region = train_familiarity(pack.DOMAIN, sor, store, now=NOW, alpha=ALPHA, seed=seed)
    assert region is not None
    engine = build_engine(
        TASK,
        connector=SqlInvoicesConnector(sor),
        store=WorkStore(store, AuditLog(store)),
        principal=service_principal(attributes={"approval_limit": Decimal("25000.00")}),
        model=pack.load_baseline(store),
        settings=EngineSettings(familiarity_alpha=ALPHA),
    )
    for invoice_id in engine.pending_records():
        engine.process(invoice_id)
    report = pack.evaluate(sor, store, tmp / "truth.jsonl")
    unfamiliar = unfamiliar_counts(store, TASK)
    shown = {k: report[k] for k in ("invoices", "automatic", "auto_share", "precision", "held_for_review")}
    print(f"\n{phrasing}: {json.dumps({**shown, **unfamiliar, 'threshold': region['threshold']})}")
    return Run(sor=sor, store=store, report=report, region=region, unfamiliar=unfamiliar)


@pytest.fixture(scope="module")
def standard(tmp_path_factory: pytest.TempPathFactory) -> Run:
    return run(tmp_path_factory.mktemp("standard"), phrasing="standard", seed=5)


@pytest.fixture(scope="module")
def heldout(tmp_path_factory: pytest.TempPathFactory) -> Run:
    return run(tmp_path_factory.mktemp("heldout"), phrasing="heldout", seed=8)


def _measures(store: Engine) -> dict[str, dict[str, Any]]:
    query = select(audit_events.c.record_id, audit_events.c.body).where(audit_events.c.kind == "gate.verdict")
    out: dict[str, dict[str, Any]] = {}
    with store.connect() as conn:
        for record_id, body in conn.execute(query.order_by(audit_events.c.seq)):
            measures = json.loads(body)["details"].get("measures", {})
            if "familiarity" in measures:
                out[str(record_id)] = measures["familiarity"]
    return out


def test_a_held_out_backlog_the_model_reads_goes_to_people_as_unfamiliar(heldout: Run) -> None:
    """Most invoices in wording the history never used are judged unfamiliar and held, with the numbers."""
    measures = _measures(heldout.store)
    unfamiliar = {r for r, m in measures.items() if m["score"] > m["threshold"]}
    print(f"\nheld-out invoices the model read: {len(measures)}, judged unfamiliar: {len(unfamiliar)}")
    assert len(measures) >= 50 and len(unfamiliar) >= 0.8 * len(measures)
    with heldout.store.connect() as conn:
        reasons = dict(conn.execute(select(review_items.c.record_id, review_items.c.reason)).all())
    for invoice_id in unfamiliar:
        assert str(reasons[invoice_id]).startswith("familiarity: unfamiliar input: score")
        assert measures[invoice_id]["alpha"] == ALPHA
        assert measures[invoice_id]["threshold"] == pytest.approx(heldout.region["threshold"], abs=1e-6)
    assert heldout.unfamiliar["routed_unfamiliar"] == len(unfamiliar)
    assert heldout.report["precision"] == 1.0


def test_a_standard_backlog_is_decided_as_before(standard: Run) -> None:
    """Wording like the history's keeps its automatic share: few unfamiliar, precision unchanged."""
    assert standard.report["precision"] == 1.0
    assert standard.report["auto_share"] >= 0.8
    assert standard.unfamiliar["unfamiliar_only"] <= round(0.01 * standard.report["invoices"])
    assert standard.region["guaranteed_coverage"] >= 1 - ALPHA
    measures = _measures(standard.store)
    assert measures and all(m["alpha"] == ALPHA for m in measures.values())
