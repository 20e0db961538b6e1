"""The invoices demo behind ``interlock demo --domain invoices``: the whole path on SQLite.

Seeds an ERP with history and a backlog, trains the expense-account baseline on the
history, decides every backlog invoice as the service principal through the same
engine and gate as every task, scores the ERP's decisions against the generator's
truth and verifies the audit trail.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.table import Table

from interlock.assembly import build_engine
from interlock.audit.chain import AuditLog
from interlock.cli.common import console, open_sor, open_store, out
from interlock.cli.configured import engine_settings, settings
from interlock.domains.invoices.connector import SqlInvoicesConnector
from interlock.domains.invoices.pack import DOMAIN, create_schema, evaluate, load_baseline, seed, train
from interlock.models.familiarity_store import coverage_line, train_familiarity, unfamiliar_counts
from interlock.policy.principal import service_principal
from interlock.work.runner import run_claims
from interlock.work.store import WorkStore


def run_demo(dir_: Path, *, records: int, seed: int, json_out: bool) -> int:
    """Seed, train, decide every invoice, evaluate; the exit code is 1 when the trail or a run failed."""
    dir_.mkdir(parents=True, exist_ok=True)
    for name in ("erp.db", "store.db", "truth.jsonl"):
        for suffix in ("", "-wal", "-shm"):
            (dir_ / (name + suffix)).unlink(missing_ok=True)
    sor_url, store_url = f"sqlite:///{dir_ / 'erp.db'}", f"sqlite:///{dir_ / 'store.db'}"
    truth_path = dir_ / "truth.jsonl"
    timings: dict[str, float] = {}

    started = time.monotonic()
    sor_engine = open_sor(sor_url, create=True)
    create_schema(sor_engine)
    seeded = _seed(sor_engine, records, seed, truth_path)
    timings["seed"] = time.monotonic() - started
    console.print(f"1/4 seeded {records} backlog invoices ({timings['seed']:.1f} s)")

    started = time.monotonic()
    store_engine = open_store(store_url)
    trained = train(sor_engine, store_engine, now=datetime.now(UTC), seed=seed)
    familiarity = train_familiarity(
        DOMAIN,
        sor_engine,
        store_engine,
        now=datetime.now(UTC),
        alpha=settings().engine.familiarity_alpha,
        seed=seed,
    )
    timings["train"] = time.monotonic() - started
    console.print(f"2/4 trained {trained['model_id']} ({timings['train']:.1f} s)")
    console.print(f"    {coverage_line(familiarity)}", highlight=False)

    started = time.monotonic()
    limit = settings().service_approval_limit
    principal = service_principal(
        settings().service_principal, attributes={} if limit is None else {"approval_limit": limit}
    )
    engine = build_engine(
        "invoices.approve",
        connector=SqlInvoicesConnector(sor_engine),
        store=WorkStore.grouped(store_engine),
        principal=principal,
        model=load_baseline(store_engine),
        settings=engine_settings(settings()),
    )
    results = run_claims(engine, engine.pending_records())
    timings["decide"] = time.monotonic() - started
    console.print(f"3/4 decided {len(results)} invoices ({timings['decide']:.1f} s)")

    started = time.monotonic()
    summary = evaluate(sor_engine, store_engine, truth_path)
    verify = AuditLog(store_engine).verify()
    timings["evaluate"] = time.monotonic() - started
    console.print(f"4/4 evaluated; audit trail {'intact' if verify.ok else 'BROKEN'} ({verify.count} events)")
    summary.update(
        {
            "seeded": seeded,
            "model_id": trained["model_id"],
            **unfamiliar_counts(store_engine, "invoices.approve"),
            "familiarity": familiarity,
            "service_approval_limit": None if limit is None else str(limit),
            "audit_ok": verify.ok,
            "audit_events": verify.count,
            "seconds": {k: round(v, 2) for k, v in timings.items()},
            "dir": str(dir_),
        }
    )
    if json_out:
        out.print_json(json.dumps(summary, default=str))
    else:
        _print(summary)
    return 1 if not verify.ok or summary.get("pending") else 0


def _seed(sor: Any, records: int, seed_value: int, truth_path: Path) -> dict[str, Any]:
    return seed(sor, records=records, seed=seed_value, truth_path=truth_path)


def _print(summary: dict[str, Any]) -> None:
    table = Table(title="invoices.approve: evaluation against the generator's truth")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for key in (
        "invoices",
        "automatic",
        "auto_share",
        "precision",
        "held_for_review",
        "routed_unfamiliar",
        "pending",
        "audit_events",
    ):
        table.add_row(key.replace("_", " "), str(summary.get(key)))
    for kind, n in sorted(summary.get("errors", {}).items()):
        table.add_row(f"errors: {kind}", str(n))
    out.print(table)
    out.print(f"files in {summary['dir']}: erp.db, store.db, truth.jsonl", highlight=False)
