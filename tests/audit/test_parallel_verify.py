"""Verifying in segments on several processes reports exactly what one walk reports."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, delete, insert, select, update

from interlock.audit.chain import AuditLog, audit_events, audit_heads
from interlock.audit.events import AuditEvent
from interlock.audit.parallel import segment_bounds
from interlock.testing.audit_store import append_all, numbered_event

T0 = datetime(2026, 5, 1, tzinfo=UTC)
N = 600


def event(i: int) -> AuditEvent:
    return numbered_event(i, start=T0)


def edit_body(engine: Engine, seq: int) -> None:
    with engine.begin() as conn:
        body = conn.execute(select(audit_events.c.body).where(audit_events.c.seq == seq)).scalar_one()
        conn.execute(
            update(audit_events)
            .where(audit_events.c.seq == seq)
            .values(body=body.replace("commit", "reject"))
        )


def edit_bodies(engine: Engine, *seqs: int) -> None:
    for seq in seqs:
        edit_body(engine, seq)


def delete_rows(engine: Engine, first: int, last: int) -> None:
    with engine.begin() as conn:
        conn.execute(delete(audit_events).where(audit_events.c.seq.between(first, last)))


def add_beyond_head(engine: Engine, seq: int) -> None:
    with engine.begin() as conn:
        row = conn.execute(select(audit_events).where(audit_events.c.seq == N)).mappings().one()
        conn.execute(insert(audit_events).values({**row, "seq": seq, "event_id": f"main:{seq}"}))


def move_head_hash(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(update(audit_heads).values(chain_hash="ab" * 32))


# Segments of 600 events in two are 1..300 and 301..600, in three 1..200, 201..400, 401..600.
CASES: list[tuple[str, Callable[[Engine], None]]] = [
    ("clean", lambda e: None),
    ("body-at-segment-end", lambda e: edit_body(e, 300)),
    ("body-at-segment-start", lambda e: edit_body(e, 301)),
    ("body-in-two-segments", lambda e: edit_bodies(e, 450, 120)),
    ("row-before-a-segment", lambda e: delete_rows(e, 300, 300)),
    ("gap-across-segments", lambda e: delete_rows(e, 290, 310)),
    ("tail-from-second-segment", lambda e: delete_rows(e, 350, N)),
    ("row-beyond-head", lambda e: add_beyond_head(e, N + 1)),
    ("gap-then-row-beyond-head", lambda e: add_beyond_head(e, N + 5)),
    ("head-hash", move_head_hash),
]


def test_segments_cover_the_chain_once() -> None:
    """Bounds are contiguous, start at 1, end at the head, and short chains stay whole."""
    assert segment_bounds(600, 2, parallel_from=1) == [(1, 300), (301, 600)]
    assert segment_bounds(601, 3, parallel_from=1) == [(1, 201), (202, 402), (403, 601)]
    assert segment_bounds(600, 2) == [(1, 600)]
    assert segment_bounds(0, 2, parallel_from=0) == [(1, 0)]


@pytest.mark.parametrize("workers", [2, pytest.param(3, marks=pytest.mark.slow)])
@pytest.mark.parametrize(("name", "tamper"), CASES, ids=[name for name, _ in CASES])
def test_segmented_walk_reports_what_the_single_walk_reports(
    audit_engine: Engine, name: str, tamper: Callable[[Engine], None], workers: int
) -> None:
    """Same ok, count, head hash, first bad event and reason as one walk, and the same leaves.

    Each case starts worker processes, which is why three workers run with the slow group.
    """
    append_all(AuditLog(audit_engine), (event(i) for i in range(N)), batch=200)
    tamper(audit_engine)
    single_leaves, leaves = bytearray(), bytearray()
    single = AuditLog(audit_engine, verify_workers=1).verify_collecting(single_leaves)
    log = AuditLog(audit_engine, verify_workers=workers, parallel_verify_from=1)
    assert log.verify_collecting(leaves) == single
    assert leaves == single_leaves
    assert single.ok == (name == "clean"), single
