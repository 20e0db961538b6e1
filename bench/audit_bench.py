"""Audit log throughput: hashed appends and verification, against plain SQL measured in the same run.

Appends (SQLite file store, WAL, the pragmas ``make_engine`` sets; each transaction
commits before the next starts):

* interlock: ``AuditLog.append`` (canonical JSON already built, leaf and chain hashes,
  head row locked and moved) in transactions of 1, 8 (one work item) and 500 events;
* baseline: the same rows inserted into a plain table with no hashing and no head.

Verification of ``--events`` events (default 1,000,000):

* chain: ``AuditLog.verify`` (every leaf, link and indexed column re-checked);
* anchored: ``verify_anchored`` against a signed checkpoint of the whole log (the
  chain walk plus reading every leaf again and rebuilding the Merkle tree head);
* baseline: reading every row's body and hashes with no checks.

Writes JSON (``--out``) and prints a short table. Usage::

    .venv/bin/python bench/audit_bench.py --events 1000000 --out bench/audit.json
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Engine, MetaData, Table, Text, select

from interlock.audit.anchor import take_checkpoint, verify_anchored
from interlock.audit.chain import AuditLog, audit_events, audit_heads, begin_write
from interlock.audit.checkpoint import generate_key, load_signer
from interlock.audit.events import AuditEvent
from interlock.db import make_engine
from interlock.store.metadata import store_metadata

T0 = datetime(2026, 1, 1, tzinfo=UTC)

plain = Table(
    "plain_events",
    MetaData(),
    Column("event_id", Text, primary_key=True),
    Column("kind", Text),
    Column("at", Text),
    Column("claim_id", Text),
    Column("work_item_id", Text),
    Column("body", Text),
)


def make_event(i: int) -> AuditEvent:
    """An event of the size the engine writes (a gate verdict with two findings)."""
    return AuditEvent(
        kind="gate.verdict",
        at=T0 + timedelta(microseconds=i),
        principal="service:interlock",
        on_behalf_of=None,
        purpose="claims.adjudicate",
        work_item_id=f"wi-{i // 8:012d}",
        subject={"claim_id": f"C{i // 8:09d}", "claim_version": 1},
        outcome="pass",
        reason="all checks pass",
        details={"gate_version": "claims-gate@1", "findings": [{"check": "rules", "severity": "info"}]},
        policy_version="claims-entitlements@1",
        source="interlock/bench",
    )


def fresh_store(folder: Path, name: str) -> Engine:
    engine = make_engine(f"sqlite:///{folder / name}")
    store_metadata.create_all(engine, tables=[audit_events, audit_heads])
    plain.create(engine)
    return engine


def time_appends(engine: Engine, events: list[AuditEvent], batch: int) -> float:
    """Seconds to append ``events`` through the audit log, ``batch`` per committed transaction."""
    log = AuditLog(engine)
    started = time.perf_counter()
    for start in range(0, len(events), batch):
        with begin_write(engine) as conn:
            log.append(conn, events[start : start + batch])
    return time.perf_counter() - started


def time_plain(engine: Engine, events: list[AuditEvent], batch: int, offset: int) -> float:
    """Seconds to insert the same rows into a plain table, with no hashing and no head."""
    started = time.perf_counter()
    for start in range(0, len(events), batch):
        rows = [
            {
                "event_id": f"p{offset}:{start + k}",
                "kind": e.kind,
                "at": e.at.isoformat(),
                "claim_id": e.claim_id,
                "work_item_id": e.work_item_id,
                "body": e.to_canonical_json().decode(),
            }
            for k, e in enumerate(events[start : start + batch])
        ]
        with begin_write(engine) as conn:
            conn.execute(plain.insert(), rows)
    return time.perf_counter() - started


def bench_appends(folder: Path) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for batch, count in ((1, 2_000), (8, 16_000), (500, 100_000)):
        events = [make_event(i) for i in range(count)]
        engine = fresh_store(folder, f"append_{batch}.db")
        hashed = time_appends(engine, events, batch)
        baseline = time_plain(engine, events, batch, batch)
        engine.dispose()
        results[f"batch_{batch}"] = {
            "events": count,
            "interlock_events_per_s": round(count / hashed),
            "baseline_events_per_s": round(count / baseline),
            "ratio_vs_baseline": round(baseline / hashed, 3),
        }
    return results


def bench_verify(folder: Path, n: int) -> dict[str, Any]:
    engine = fresh_store(folder, "verify.db")
    log = AuditLog(engine)
    started = time.perf_counter()
    for start in range(0, n, 10_000):
        with begin_write(engine) as conn:
            log.append(conn, [make_event(i) for i in range(start, min(n, start + 10_000))])
    build_seconds = time.perf_counter() - started

    started = time.perf_counter()
    with engine.connect() as conn:
        result = conn.execution_options(yield_per=2_000).execute(
            select(
                audit_events.c.seq, audit_events.c.body, audit_events.c.leaf_hash, audit_events.c.chain_hash
            )
            .where(audit_events.c.chain == "main")
            .order_by(audit_events.c.seq)
        )
        read = sum(1 for _ in result)
    baseline = time.perf_counter() - started
    assert read == n

    started = time.perf_counter()
    report = log.verify()
    chain_seconds = time.perf_counter() - started
    assert report.ok and report.count == n, report

    generate_key(folder / "k.pem", folder / "k.pub")
    signer = load_signer(folder / "k.pem")
    started = time.perf_counter()
    take_checkpoint(log, folder / "cp", signer, now=datetime.now(UTC))
    checkpoint_seconds = time.perf_counter() - started
    started = time.perf_counter()
    anchored = verify_anchored(log, folder / "cp", signer.verifier())
    anchored_seconds = time.perf_counter() - started
    assert anchored.ok, anchored
    engine.dispose()
    return {
        "events": n,
        "build_seconds": round(build_seconds, 2),
        "baseline_read_seconds": round(baseline, 2),
        "chain_verify_seconds": round(chain_seconds, 2),
        "checkpoint_seconds": round(checkpoint_seconds, 2),
        "anchored_verify_seconds": round(anchored_seconds, 2),
        "chain_ratio_vs_baseline": round(chain_seconds / baseline, 2),
        "anchored_ratio_vs_baseline": round(anchored_seconds / baseline, 2),
        "chain_verify_events_per_s": round(n / chain_seconds),
    }


def main() -> None:
    """Run both measurements, write JSON and print a table."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--events", type=int, default=1_000_000, help="Events to verify.")
    parser.add_argument("--out", type=Path, default=Path("bench/audit.json"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        results = {
            "machine": {"cpus": os.cpu_count(), "load_average_1m": round(os.getloadavg()[0], 2)},
            "append": bench_appends(folder),
            "verify": bench_verify(folder, args.events),
        }
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"{'append (SQLite, WAL)':<28}{'interlock ev/s':>16}{'plain ev/s':>14}{'ratio':>8}")
    for name, row in results["append"].items():
        print(
            f"{name:<28}{row['interlock_events_per_s']:>16,}{row['baseline_events_per_s']:>14,}"
            f"{row['ratio_vs_baseline']:>8}"
        )
    v = results["verify"]
    print(f"\nverify {v['events']:,} events     seconds   x plain read")
    print(f"{'plain read (baseline)':<28}{v['baseline_read_seconds']:>8}{1.0:>12}")
    print(f"{'chain verify':<28}{v['chain_verify_seconds']:>8}{v['chain_ratio_vs_baseline']:>12}")
    print(f"{'anchored verify':<28}{v['anchored_verify_seconds']:>8}{v['anchored_ratio_vs_baseline']:>12}")
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
