"""The work store's transitions under group commit keep their fencing and their audit events."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from interlock.audit.chain import AuditLog
from interlock.audit.events import AuditEvent
from interlock.db import make_engine
from interlock.exceptions import LeaseLost
from interlock.store.metadata import store_metadata
from interlock.store.schema import work_items
from interlock.work.store import WorkStore

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _event(item_id: str, kind: str = "work.completed") -> AuditEvent:
    return AuditEvent(
        kind=kind,  # type: ignore[arg-type]
        at=NOW,
        principal="service:test",
        on_behalf_of=None,
        purpose="claims.adjudicate",
        work_item_id=item_id,
        subject={"claim_id": item_id},
        outcome="commit",
        reason="test",
        details={},
        policy_version="test@1",
        source="interlock/test",
    )


def test_a_fenced_out_worker_fails_alone_while_its_group_commits(tmp_path: Path) -> None:
    """A stale lease's completion raises LeaseLost; the others in flight commit, with their events."""
    engine = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    store_metadata.create_all(engine)
    store = WorkStore.grouped(engine)
    ids = [
        store.ensure(task="claims.adjudicate", record_id=f"C-{n}", version=1, principal="p", now=NOW)
        for n in range(8)
    ]
    leases = [store.lease(i, worker="w1", now=NOW, seconds=1) for i in ids]
    assert all(lease is not None for lease in leases)
    # The first item's lease runs out and another worker takes it over (attempt 2).
    later = NOW + timedelta(seconds=5)
    taken = store.lease(ids[0], worker="w2", now=later, seconds=60)
    assert taken is not None and taken.attempt == 2

    def complete(n: int) -> str:
        lease = leases[n]
        assert lease is not None
        try:
            store.complete(
                lease,
                route="commit",
                reason="ok",
                receipt=None,
                review=None,
                events=[_event(ids[n])],
                now=later,
            )
        except LeaseLost:
            return "fenced"
        return "done"

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(complete, range(8)))
    assert outcomes == ["fenced"] + ["done"] * 7
    with engine.connect() as conn:
        status = {
            str(r[0]): str(r[1]) for r in conn.execute(select(work_items.c.work_item_id, work_items.c.status))
        }
    assert status[ids[0]] == "leased" and all(status[i] == "done" for i in ids[1:])
    log = AuditLog(engine)
    assert [len(log.events_for_work_item(i)) for i in ids] == [0] + [1] * 7
    assert log.verify().ok
    assert store.committer is not None and store.committer.groups >= 1
    stale = leases[0]
    assert stale is not None
    with pytest.raises(LeaseLost):
        store.defer(
            stale, reason="late", not_before=later, events=[_event(ids[0], "work.deferred")], now=later
        )
    assert log.events_for_work_item(ids[0]) == []
