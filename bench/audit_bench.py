"""Audit log throughput: durable appends (three ways) and verification of a large log.

Appends, on a SQLite file (WAL, the pragmas ``make_engine`` sets, so
``synchronous=NORMAL``; also with ``synchronous=FULL``) and on PostgreSQL. Every
figure counts only committed events: a call returns after its transaction commits.

* ``single``: one event per transaction, one producer (the baseline);
* ``per_item``: one work item's 8 events per transaction, one producer;
* ``per_item_threads8``: the same from 8 threads, each committing its own transaction;
* ``group_threads4`` / ``group_threads8``: 4 or 8 producer threads each appending a
  work item's 8 events through one :class:`GroupCommitter`, which commits whatever is
  queued in one transaction and returns to each producer only after that commit.

Verification of ``--events`` events (default 1,000,000), per backend:

* ``plain_read``: reading every row's columns with a raw cursor, no checks (baseline);
* ``chain_verify_one_process``: ``AuditLog.verify`` walking in this process only;
* ``chain_verify``: ``AuditLog.verify`` as configured by default (every leaf, link and
  indexed column re-checked; in two segments on two processes for long chains);
* ``checkpoint``: ``take_checkpoint`` (a full verify, then the tree head signed);
* ``anchored_verify``: ``verify_anchored`` against that checkpoint (chain walk plus the
  Merkle tree head and a consistency proof).

Writes JSON (``--out``) and prints a short table. Usage::

    .venv/bin/python bench/audit_bench.py --events 1000000 --out bench/audit.json
    .venv/bin/python bench/audit_bench.py --backends sqlite --events 100000

PostgreSQL runs in a scratch database created on ``--pg-url`` and dropped afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from interlock.audit.anchor import take_checkpoint, verify_anchored
from interlock.audit.chain import AuditLog, audit_events, audit_heads, begin_write
from interlock.audit.checkpoint import generate_key, load_signer
from interlock.audit.events import AuditEvent
from interlock.audit.group_commit import GroupCommitter
from interlock.audit.parallel import default_workers
from interlock.db import make_engine, normalize_url
from interlock.store.metadata import store_metadata

T0 = datetime(2026, 1, 1, tzinfo=UTC)
ITEM = 8
"""Events per work item, as the engine writes them (entitlement to completion)."""


def make_event(i: int) -> AuditEvent:
    """An event of the size the engine writes (a gate verdict with one finding)."""
    return AuditEvent(
        kind="gate.verdict",
        at=T0 + timedelta(microseconds=i),
        principal="service:interlock",
        on_behalf_of=None,
        purpose="claims.adjudicate",
        work_item_id=f"wi-{i // ITEM:012d}",
        subject={"record_id": f"C{i // ITEM:09d}", "record_version": 1},
        outcome="pass",
        reason="all checks pass",
        details={"gate_version": "claims-gate@1", "findings": [{"check": "rules", "severity": "info"}]},
        policy_version="claims-entitlements@1",
        source="interlock/bench",
    )


@contextmanager
def scratch_store(
    backend: str, folder: Path, name: str, pg_url: str, sync: str = "NORMAL"
) -> Iterator[Engine]:
    """An engine on an empty audit store: a SQLite file, or a fresh PostgreSQL database."""
    if backend == "sqlite":
        engine = make_engine(f"sqlite:///{folder / name}.db")
        if sync != "NORMAL":

            @event.listens_for(engine, "connect")
            def _sync(dbapi_conn: Any, _record: Any) -> None:
                dbapi_conn.execute(f"PRAGMA synchronous={sync}")

        store_metadata.create_all(engine, tables=[audit_events, audit_heads])
        try:
            yield engine
        finally:
            engine.dispose()
        return
    admin = create_engine(normalize_url(pg_url), isolation_level="AUTOCOMMIT")
    database = f"interlock_bench_{name}_{secrets.token_hex(4)}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{database}"')
    engine = make_engine(
        make_url(pg_url).set(database=database).render_as_string(hide_password=False), pool_size=10
    )
    try:
        store_metadata.create_all(engine, tables=[audit_events, audit_heads])
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        admin.dispose()


def in_threads(threads: int, work: Callable[[int], None]) -> None:
    """Run ``work(k)`` for k in ``range(threads)`` at once and wait for all of them."""
    runners = [threading.Thread(target=work, args=(k,)) for k in range(threads)]
    for runner in runners:
        runner.start()
    for runner in runners:
        runner.join()


def append_single(log: AuditLog, events: list[AuditEvent]) -> None:
    for e in events:
        log.append_one(e)


def append_per_item(log: AuditLog, events: list[AuditEvent], threads: int = 1) -> None:
    items = [events[s : s + ITEM] for s in range(0, len(events), ITEM)]

    def produce(k: int) -> None:
        for item in items[k::threads]:
            with begin_write(log.engine) as conn:
                log.append(conn, item)

    in_threads(threads, produce)


def append_grouped(log: AuditLog, events: list[AuditEvent], threads: int) -> dict[str, Any]:
    items = [events[s : s + ITEM] for s in range(0, len(events), ITEM)]
    with GroupCommitter(log) as committer:

        def produce(k: int) -> None:
            for item in items[k::threads]:
                committer.append(item)

        in_threads(threads, produce)
    return {
        "transactions": committer.groups,
        "items_per_transaction": round(len(items) / committer.groups, 1),
    }


APPEND_MODES: list[tuple[str, int, Callable[[AuditLog, list[AuditEvent]], Any]]] = [
    ("single", 1_500, append_single),
    ("per_item", 16_000, append_per_item),
    ("per_item_threads8", 16_000, lambda log, ev: append_per_item(log, ev, 8)),
    ("group_threads4", 40_000, lambda log, ev: append_grouped(log, ev, 4)),
    ("group_threads8", 40_000, lambda log, ev: append_grouped(log, ev, 8)),
]


def bench_appends(backend: str, folder: Path, pg_url: str, sync: str) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for mode, count, run in APPEND_MODES:
        events = [make_event(i) for i in range(count)]
        with scratch_store(backend, folder, f"append_{mode}_{sync.lower()}", pg_url, sync) as engine:
            log = AuditLog(engine)
            started = time.perf_counter()
            extra = run(log, events)
            seconds = time.perf_counter() - started
            report = log.verify()
        assert report.ok and report.count == count, report
        results[mode] = {"events": count, "events_per_s": round(count / seconds), **(extra or {})}
    base = results["single"]["events_per_s"]
    for row in results.values():
        row["ratio_vs_single"] = round(row["events_per_s"] / base, 1)
    return results


def plain_read(engine: Engine) -> int:
    """Read every row's checked columns with a raw cursor and do nothing with them."""
    with engine.connect() as conn:
        dbapi_conn: Any = conn.connection.dbapi_connection
        postgres = engine.dialect.name == "postgresql"
        cursor = dbapi_conn.cursor(name="plain") if postgres else dbapi_conn.cursor()
        cursor.execute(
            "SELECT seq, event_id, kind, at, record_id, work_item_id, body, leaf_hash, chain_hash "
            "FROM audit_events ORDER BY seq"
        )
        read = 0
        while batch := cursor.fetchmany(20_000):
            read += len(batch)
        cursor.close()
    return read


def bench_verify(backend: str, folder: Path, pg_url: str, n: int) -> dict[str, Any]:
    with scratch_store(backend, folder, "verify", pg_url) as engine:
        log = AuditLog(engine)
        started = time.perf_counter()
        for start in range(0, n, 10_000):
            with begin_write(engine) as conn:
                log.append(conn, [make_event(i) for i in range(start, min(n, start + 10_000))])
        build_seconds = time.perf_counter() - started

        timings: dict[str, float] = {}

        def timed(name: str, fn: Callable[[], Any]) -> Any:
            began = time.perf_counter()
            value = fn()
            timings[name] = time.perf_counter() - began
            return value

        assert timed("plain_read", lambda: plain_read(engine)) == n
        single = timed("chain_verify_one_process", AuditLog(engine, verify_workers=1).verify)
        report = timed("chain_verify", log.verify)
        assert report.ok and report.count == n, report
        assert single == report, (single, report)
        key = folder / f"{backend}.pem"
        generate_key(key, folder / f"{backend}.pub")
        signer = load_signer(key)
        timed(
            "checkpoint",
            lambda: take_checkpoint(log, folder / f"cp_{backend}", signer, now=datetime.now(UTC)),
        )
        anchored = timed(
            "anchored_verify", lambda: verify_anchored(log, folder / f"cp_{backend}", signer.verifier())
        )
        assert anchored.ok, anchored
    base = timings["plain_read"]
    return {
        "events": n,
        "build_seconds": round(build_seconds, 1),
        **{f"{k}_seconds": round(v, 2) for k, v in timings.items()},
        **{f"{k}_ratio_vs_plain_read": round(v / base, 2) for k, v in timings.items() if k != "plain_read"},
        "chain_verify_events_per_s": round(n / timings["chain_verify"]),
    }


def print_tables(results: dict[str, Any]) -> None:
    for name, rows in results["append"].items():
        print(f"\nappend, {name:<24}{'events/s':>10}{'x single':>10}{'tx':>8}{'items/tx':>10}")
        for mode, row in rows.items():
            print(
                f"  {mode:<30}{row['events_per_s']:>10,}{row['ratio_vs_single']:>10}"
                f"{row.get('transactions', ''):>8}{row.get('items_per_transaction', ''):>10}"
            )
    for backend, v in results["verify"].items():
        print(f"\nverify {v['events']:,} events on {backend:<12}{'seconds':>9}{'x plain read':>13}")
        print(f"  {'plain read (baseline)':<34}{v['plain_read_seconds']:>9}{1.0:>13}")
        for step in ("chain_verify_one_process", "chain_verify", "checkpoint", "anchored_verify"):
            print(f"  {step:<34}{v[f'{step}_seconds']:>9}{v[f'{step}_ratio_vs_plain_read']:>13}")


def main() -> None:
    """Run the measurements, write JSON and print a table."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--events", type=int, default=1_000_000, help="Events to verify (0 skips).")
    parser.add_argument(
        "--backends", default="sqlite,postgresql", help="Comma-separated: sqlite, postgresql."
    )
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("INTERLOCK_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
        help="PostgreSQL server; a scratch database is created there and dropped.",
    )
    parser.add_argument("--skip-appends", action="store_true")
    parser.add_argument("--out", type=Path, default=Path("bench/audit.json"))
    args = parser.parse_args()
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    results: dict[str, Any] = {
        "machine": {
            "cpus": os.cpu_count(),
            "verify_workers": default_workers(),
            "load_average_1m_at_start": round(os.getloadavg()[0], 2),
        },
        "append": {},
        "verify": {},
    }
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for backend in backends:
            if not args.skip_appends:
                results["append"][f"{backend}"] = bench_appends(backend, folder, args.pg_url, "NORMAL")
                if backend == "sqlite":
                    results["append"]["sqlite_synchronous_full"] = bench_appends(
                        backend, folder, args.pg_url, "FULL"
                    )
            if args.events:
                results["verify"][backend] = bench_verify(backend, folder, args.pg_url, args.events)
    results["machine"]["load_average_1m_at_end"] = round(os.getloadavg()[0], 2)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print_tables(results)
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
