"""How long revision 0002 (audit_events.claim_id renamed to record_id) takes on a large trail.

A store is brought to revision 0001 and filled with ``--events`` events written the
way code of that time wrote them (subject ``claim_id``, the ``claim_id`` column, the
same hashes), eight to a work item. Then the upgrade to the newest revision is timed,
and the chain is verified and one record looked up, to show the old trail is intact.

On SQLite the rename rebuilds the table (Alembic's batch mode copies every row); on
PostgreSQL it is a catalog change. Usage::

    .venv/bin/python bench/audit_migration_bench.py --events 1000000
    .venv/bin/python bench/audit_migration_bench.py --events 1000000 --backends sqlite

PostgreSQL runs in a scratch database created on ``--pg-url`` and dropped afterwards.
"""

from __future__ import annotations

import argparse
import secrets
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from interlock.audit.chain import GENESIS_HASH, AuditLog, leaf_hash, link_hash
from interlock.audit.events import AuditEvent
from interlock.db import make_engine, normalize_url
from interlock.store import migrations

ITEM = 8
CHUNK = 20_000
T0 = datetime(2026, 1, 1, tzinfo=UTC)
_INSERT = text(
    "INSERT INTO audit_events (chain, seq, event_id, kind, at, claim_id, work_item_id, body, "
    "leaf_hash, chain_hash) VALUES (:chain, :seq, :event_id, :kind, :at, :claim_id, :work_item_id, "
    ":body, :leaf_hash, :chain_hash)"
)


def old_event(i: int) -> AuditEvent:
    """Event ``i`` as code at revision 0001 built it: the subject names a claim."""
    return AuditEvent(
        kind="gate.verdict",
        at=T0 + timedelta(microseconds=i),
        principal="service:interlock",
        on_behalf_of=None,
        purpose="claims.adjudicate",
        work_item_id=f"wi-{i // ITEM}",
        subject={"claim_id": f"C{i // ITEM:09d}", "claim_version": 1},
        outcome="pass",
        reason="all checks pass",
        details={"gate_version": "claims-gate@1", "findings": [{"check": "rules", "severity": "info"}]},
        policy_version="claims-entitlements@1",
    )


def fill_0001(engine: Engine, events: int) -> None:
    """Write ``events`` events into a store at revision 0001, with a head row."""
    sqlite = engine.dialect.name == "sqlite"
    previous = GENESIS_HASH
    rows: list[dict[str, Any]] = []
    with engine.begin() as conn:
        for i in range(1, events + 1):
            event = old_event(i)
            body = event.to_canonical_json()
            leaf = leaf_hash(body)
            previous = link_hash(previous, leaf)
            rows.append(
                {
                    "chain": "main",
                    "seq": i,
                    "event_id": f"main:{i}",
                    "kind": event.kind,
                    # SQLite: the text SQLAlchemy's DateTime writes (always with microseconds).
                    "at": event.at.strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else event.at,
                    "claim_id": str(event.subject["claim_id"]),
                    "work_item_id": event.work_item_id,
                    "body": body.decode(),
                    "leaf_hash": leaf,
                    "chain_hash": previous,
                }
            )
            if len(rows) == CHUNK:
                conn.execute(_INSERT, rows)
                rows.clear()
        if rows:
            conn.execute(_INSERT, rows)
        conn.execute(
            text("INSERT INTO audit_heads (chain, seq, chain_hash) VALUES ('main', :n, :h)"),
            {"n": events, "h": previous},
        )


@contextmanager
def scratch(backend: str, pg_url: str) -> Iterator[str]:
    """A URL of an empty database of ``backend``, removed afterwards."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{Path(folder) / 'store.db'}"
        return
    admin = create_engine(normalize_url(pg_url), isolation_level="AUTOCOMMIT")
    name = f"interlock_migbench_{secrets.token_hex(4)}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(pg_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def run(backend: str, events: int, pg_url: str) -> None:
    """Fill, upgrade, verify and look up on one backend, and print the timings."""
    with scratch(backend, pg_url) as url:
        engine = make_engine(url)
        try:
            migrations.upgrade(engine, "0001")
            fill_0001(engine, events)
            start = time.perf_counter()
            result = migrations.upgrade(engine)
            upgrade_s = time.perf_counter() - start
            start = time.perf_counter()
            report = AuditLog(engine, verify_workers=1).verify()
            verify_s = time.perf_counter() - start
            found = len(AuditLog(engine).events_for_record(f"C{1:09d}"))
        finally:
            engine.dispose()
    print(
        f"{backend}: {events:,} events, upgrade {result.before} -> {result.after} in {upgrade_s:.2f} s; "
        f"verify ok={report.ok} ({report.count:,} events, {verify_s:.1f} s, one process); "
        f"events of record C000000001: {found}"
    )


def main() -> None:
    """Parse the arguments and run each backend."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    for backend in args.backends.split(","):
        run(backend, args.events, args.pg_url)


if __name__ == "__main__":
    main()
