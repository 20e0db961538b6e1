"""The automatic path's state in the store: one change at a time, audited, shared by every process."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from sqlalchemy import select

from interlock.audit.chain import AuditLog, audit_events
from interlock.db import make_engine
from interlock.quality.store import close_path, path_state, reopen_path
from interlock.store.migrations import prepare_store

TASK = "claims.adjudicate"
AT = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def test_closing_and_reopening_are_audited_once_each(db_url: str) -> None:
    """Closing a closed path or reopening an open one changes nothing and audits nothing."""
    store = make_engine(db_url)
    prepare_store(store)
    assert path_state(store, TASK).state == "open" and path_state(store, TASK).changed_at is None
    assert not reopen_path(store, TASK, by="operator:ops", at=AT)
    assert close_path(store, TASK, by="interlock:quality", at=AT, reason="automatic path closed: test")
    assert not close_path(store, TASK, by="interlock:quality", at=AT, reason="again")
    state = path_state(make_engine(db_url), TASK)  # another process's view
    assert (state.state, state.reason, state.changed_by, state.opened_at) == (
        "closed",
        "automatic path closed: test",
        "interlock:quality",
        None,
    )
    assert reopen_path(store, TASK, by="operator:ops", at=AT.replace(hour=10))
    reopened = path_state(store, TASK)
    assert (reopened.state, reopened.changed_by) == ("open", "operator:ops")
    assert reopened.opened_at == AT.replace(hour=10)
    with store.connect() as conn:
        outcomes = (
            conn.execute(select(audit_events.c.kind).where(audit_events.c.kind == "config.changed"))
            .scalars()
            .all()
        )
    assert len(outcomes) == 2
    assert AuditLog(store).verify().ok


def test_workers_closing_at_once_record_one_change(db_url: str) -> None:
    """Eight threads close the same path at the same moment: one succeeds, one event is appended."""
    store = make_engine(db_url)
    prepare_store(store)
    barrier = threading.Barrier(8)
    won: list[bool] = []

    def close() -> None:
        barrier.wait()
        won.append(
            close_path(store, TASK, by="interlock:quality", at=AT, reason="automatic path closed: race")
        )

    threads = [threading.Thread(target=close) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(won) == [False] * 7 + [True]
    with store.connect() as conn:
        n = len(conn.execute(select(audit_events.c.seq).where(audit_events.c.kind == "config.changed")).all())
    assert n == 1
