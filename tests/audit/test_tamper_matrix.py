"""Every kind of tampering, at the first, middle and last event, is caught against a checkpoint.

A 2,000-event store is built and checkpointed once per backend (a SQLite file, and a
PostgreSQL database); each case works on a copy (the file copied, or a database
created from the prepared one as a template), changes it as an attacker with SQL
access would, and verifies it against the signed checkpoint. The 10,000-event run of
the same matrix is marked ``slow``.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from auditstores import BACKENDS, StoreTemplate, template_store
from sqlalchemy import Engine, Text, cast, delete, insert, literal, select, update

from interlock.audit.anchor import take_checkpoint, verify_anchored
from interlock.audit.chain import (
    GENESIS_HASH,
    AuditLog,
    audit_events,
    audit_heads,
    begin_write,
    leaf_hash,
    link_hash,
)
from interlock.audit.events import AuditEvent
from interlock.testing.audit_store import SigningKeys, anchor, append_all, rehash_from, signing_keys

T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


def make_event(i: int) -> AuditEvent:
    """A plausible gate verdict whose fields vary with ``i``."""
    return AuditEvent(
        kind="gate.verdict",
        at=T0 + timedelta(milliseconds=i),
        principal="service:interlock",
        on_behalf_of=None,
        purpose="claims.adjudicate",
        work_item_id=f"wi-{i:06d}",
        subject={"record_id": f"C{i:06d}", "record_version": 1},
        outcome="pass",
        reason="all checks pass",
        details={"n": i, "findings": []},
        policy_version="policy-1",
    )


@dataclass(frozen=True)
class Golden:
    """A checkpointed store to copy from, with the keys that signed it."""

    store: StoreTemplate
    checkpoints: Path
    keys: SigningKeys
    size: int


def build_golden(request: pytest.FixtureRequest, backend: str, folder: Path, size: int) -> Golden:
    """Append ``size`` events, generate a key and take a checkpoint of the whole log."""
    with template_store(request, backend, folder) as (store, engine):
        log = AuditLog(engine)
        append_all(log, (make_event(i) for i in range(size)))
        anchored = anchor(log, folder / "checkpoints", signing_keys(folder), now=T0 + timedelta(days=1))
    return Golden(store=store, checkpoints=anchored.directory, keys=anchored.keys, size=size)


def rows(engine: Engine) -> dict[int, dict[str, Any]]:
    with engine.connect() as conn:
        found = conn.execute(select(audit_events).order_by(audit_events.c.seq)).mappings().all()
    return {int(r["seq"]): dict(r) for r in found}


def forged_body(body: str) -> str:
    forged = body.replace('"outcome":"pass"', '"outcome":"block"')
    assert forged != body
    return forged


def modify_field(engine: Engine, p: int, n: int) -> int:
    """Change the outcome in one body, leaving its hashes as they were."""
    body = rows(engine)[p]["body"]
    with engine.begin() as conn:
        conn.execute(update(audit_events).where(audit_events.c.seq == p).values(body=forged_body(body)))
    return p


def delete_row(engine: Engine, p: int, n: int) -> int:
    """Remove one row."""
    with engine.begin() as conn:
        conn.execute(delete(audit_events).where(audit_events.c.seq == p))
    return p


def delete_tail(engine: Engine, p: int, n: int) -> int:
    """Remove every row from ``p`` on, leaving the head row as it was."""
    with engine.begin() as conn:
        conn.execute(delete(audit_events).where(audit_events.c.seq >= p))
    return p


def swap_rows(engine: Engine, p: int, n: int) -> int:
    """Exchange the contents of two neighbouring rows, keeping their positions."""
    q = p + 1 if p < n else p - 1
    stored = rows(engine)
    moved = ("kind", "at", "record_id", "work_item_id", "body", "leaf_hash", "chain_hash")
    with engine.begin() as conn:
        for here, there in ((p, q), (q, p)):
            values = {k: stored[there][k] for k in moved}
            conn.execute(update(audit_events).where(audit_events.c.seq == here).values(**values))
    return min(p, q)


def insert_forged(engine: Engine, p: int, n: int) -> int:
    """Slide rows from ``p`` up by one and put a forged row, linked to its predecessor, at ``p``."""
    stored = rows(engine)
    prev_chain = GENESIS_HASH if p == 1 else stored[p - 1]["chain_hash"]
    body = forged_body(stored[p]["body"])
    leaf = leaf_hash(body.encode())
    with engine.begin() as conn:
        conn.execute(
            update(audit_events).where(audit_events.c.seq >= p).values(seq=audit_events.c.seq + 10**9)
        )
        conn.execute(
            update(audit_events)
            .where(audit_events.c.seq >= 10**9)
            .values(seq=audit_events.c.seq - 10**9 + 1, event_id="x" + audit_events.c.event_id)
        )
        conn.execute(
            update(audit_events)
            .where(audit_events.c.seq > p)
            .values(event_id=literal("main:", Text) + cast(audit_events.c.seq, Text))
        )
        conn.execute(
            insert(audit_events).values(
                {
                    **stored[p],
                    "seq": p,
                    "body": body,
                    "leaf_hash": leaf,
                    "chain_hash": link_hash(prev_chain, leaf),
                }
            )
        )
        conn.execute(update(audit_heads).values(seq=n + 1))
    return p


def rewrite_suffix(engine: Engine, p: int, n: int) -> int:
    """Change event ``p`` and recompute every later leaf and chain hash and the head."""
    rehash_from(engine, p, forged_body)
    return p


def reset_head(engine: Engine, p: int, n: int) -> int:
    """Drop every event from ``p`` on and move the head back so that the chain still verifies."""
    stored = rows(engine)
    with engine.begin() as conn:
        conn.execute(delete(audit_events).where(audit_events.c.seq >= p))
        head_hash = GENESIS_HASH if p == 1 else stored[p - 1]["chain_hash"]
        conn.execute(update(audit_heads).values(seq=p - 1, chain_hash=head_hash))
    return p


TAMPERS: list[tuple[str, Callable[[Engine, int, int], int]]] = [
    ("modify-field", modify_field),
    ("delete-row", delete_row),
    ("delete-tail", delete_tail),
    ("swap-rows", swap_rows),
    ("insert-forged", insert_forged),
    ("rewrite-suffix-rehashed", rewrite_suffix),
    ("reset-head", reset_head),
]
POSITIONS = ["first", "middle", "last"]


def position(where: str, n: int) -> int:
    return {"first": 1, "middle": n // 2, "last": n}[where]


def run_case(
    golden: Golden, folder: Path, tamper: Callable[[Engine, int, int], int], where: str, workers: int = 1
) -> None:
    """Tamper with a copy and verify it, walking in one pass or in ``workers`` segments."""
    with golden.store.copy(folder) as engine:
        log = AuditLog(engine, verify_workers=workers, parallel_verify_from=1)
        assert verify_anchored(log, golden.checkpoints, golden.keys.verifier).ok
        expected = tamper(engine, position(where, golden.size), golden.size)
        report = verify_anchored(log, golden.checkpoints, golden.keys.verifier)
    assert not report.ok, report
    assert report.first_bad_event_id == f"main:{expected}", report


@pytest.fixture(scope="module", params=BACKENDS)
def golden(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Golden:
    """A 2,000-event checkpointed store shared by the matrix, per backend."""
    return build_golden(request, request.param, tmp_path_factory.mktemp("golden"), 2_000)


@pytest.mark.parametrize("where", POSITIONS)
@pytest.mark.parametrize(("name", "tamper"), TAMPERS, ids=[name for name, _ in TAMPERS])
def test_tampering_is_detected_and_the_first_bad_event_named(
    golden: Golden, tmp_path: Path, name: str, tamper: Callable[[Engine, int, int], int], where: str
) -> None:
    """Each tampering of a 2,000-event log fails verification against the checkpoint, naming the right event."""
    run_case(golden, tmp_path, tamper, where)


@pytest.mark.slow
@pytest.mark.parametrize("where", POSITIONS)
@pytest.mark.parametrize(("name", "tamper"), TAMPERS, ids=[name for name, _ in TAMPERS])
def test_tampering_is_detected_when_verifying_in_two_processes(
    golden: Golden, tmp_path: Path, name: str, tamper: Callable[[Engine, int, int], int], where: str
) -> None:
    """The same matrix verified in two segments (the middle event is the last of the first segment).

    Slow only because each case starts a worker process; ``test_parallel_verify``
    checks the segmented walk against the single one in the default run.
    """
    run_case(golden, tmp_path, tamper, where, workers=2)


def test_clean_log_has_no_false_alarms(golden: Golden, tmp_path: Path) -> None:
    """An untouched log, then the same log grown and checkpointed again, verifies every time."""
    checkpoints = tmp_path / "checkpoints"
    shutil.copytree(golden.checkpoints, checkpoints)
    verifier = golden.keys.verifier
    with golden.store.copy(tmp_path) as engine:
        log = AuditLog(engine)
        for round_ in range(3):
            assert verify_anchored(log, checkpoints, verifier).ok
            with begin_write(engine) as conn:
                log.append(conn, [make_event(golden.size + 100 * round_ + i) for i in range(100)])
            assert verify_anchored(log, checkpoints, verifier).ok
            take_checkpoint(log, checkpoints, golden.keys.signer, now=T0 + timedelta(days=2 + round_))
        final = verify_anchored(log, checkpoints, verifier)
    assert final.ok
    assert final.checkpoints == 4
    assert final.count == golden.size + 300


@pytest.fixture(scope="module", params=BACKENDS)
def golden10k(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Golden:
    """A 10,000-event checkpointed store per backend, built only when the slow group runs."""
    return build_golden(request, request.param, tmp_path_factory.mktemp("golden10k"), 10_000)


@pytest.mark.slow
@pytest.mark.parametrize("where", POSITIONS)
@pytest.mark.parametrize(("name", "tamper"), TAMPERS, ids=[name for name, _ in TAMPERS])
def test_tampering_is_detected_in_a_10k_log(
    golden10k: Golden, tmp_path: Path, name: str, tamper: Callable[[Engine, int, int], int], where: str
) -> None:
    """The same matrix on a 10,000-event log: every case is caught and the right event named."""
    run_case(golden10k, tmp_path, tamper, where)
