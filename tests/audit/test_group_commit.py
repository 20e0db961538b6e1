"""Group commit: concurrent producers share transactions, nothing is acknowledged before it commits."""

from __future__ import annotations

import itertools
import multiprocessing
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Column, Connection, Engine, MetaData, Table, Text, func, insert, select

from interlock.audit.chain import AppendedEvent, AuditLog, audit_events, audit_heads, begin_write
from interlock.audit.events import AuditEvent, parse_body
from interlock.audit.group_commit import GroupCommitter
from interlock.db import make_engine
from interlock.exceptions import UsageError
from interlock.store.metadata import store_metadata

T0 = datetime(2026, 4, 1, tzinfo=UTC)

notes = Table("group_commit_notes", MetaData(), Column("note", Text, primary_key=True))
"""A stand-in for the state a work item transition changes alongside its events."""


def item_events(producer: int, item: int, size: int = 8) -> list[AuditEvent]:
    """The events of one work item, tagged so the test can find where they landed."""
    return [
        AuditEvent(
            kind="rules.evaluated",
            at=T0 + timedelta(seconds=item, microseconds=k),
            principal="service:interlock",
            on_behalf_of=None,
            purpose="claims.adjudicate",
            work_item_id=f"wi-{producer}-{item}",
            subject={"record_id": f"C{producer}{item:04d}", "record_version": 1},
            outcome="pass",
            reason="rules pass",
            details={"producer": producer, "item": item, "k": k},
        )
        for k in range(size)
    ]


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """An empty audit store plus a small state table, on a SQLite file and on PostgreSQL."""
    eng = make_engine(db_url, pool_size=10)
    store_metadata.create_all(eng, tables=[audit_events, audit_heads])
    notes.create(eng)
    yield eng
    eng.dispose()


def stored_seqs(engine: Engine) -> dict[tuple[int, int], list[int]]:
    """For each (producer, item), the seqs its events landed at, in event order."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(audit_events.c.seq, audit_events.c.body).order_by(audit_events.c.seq)
        ).all()
    found: dict[tuple[int, int], list[int]] = {}
    for seq, body in rows:
        details = parse_body(body)["details"]
        found.setdefault((int(details["producer"]), int(details["item"])), []).append(int(seq))
    return found


def in_threads(count: int, work: Callable[[int], None]) -> None:
    errors: list[BaseException] = []

    def guarded(k: int) -> None:
        try:
            work(k)
        except BaseException as exc:  # surfaced below, so a failing thread fails the test
            errors.append(exc)

    threads = [threading.Thread(target=guarded, args=(k,)) for k in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors


def wait_for(condition: Callable[[], bool], what: str) -> None:
    """Poll ``condition`` for up to 20 seconds."""
    deadline = time.monotonic() + 20
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(0.005)


def count_events(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(audit_events)).scalar_one())


def test_concurrent_producers_share_transactions_and_keep_items_together(engine: Engine) -> None:
    """8 producers, 25 items each: one valid chain, every item consecutive, fewer commits than items."""
    log = AuditLog(engine)
    watcher = make_engine(engine.url.render_as_string(hide_password=False))
    with GroupCommitter(log) as committer:

        def produce(p: int) -> None:
            for item in range(25):
                appended = committer.append(item_events(p, item))
                assert [a.seq for a in appended] == list(range(appended[0].seq, appended[0].seq + 8))
                # Acknowledged means committed: another connection already sees the last event.
                with watcher.connect() as conn:
                    seen = conn.execute(
                        select(audit_events.c.chain_hash).where(
                            audit_events.c.event_id == appended[-1].event_id
                        )
                    ).scalar_one_or_none()
                assert seen == appended[-1].chain_hash

        in_threads(8, produce)
    watcher.dispose()
    report = log.verify()
    assert report.ok, report
    assert report.count == 8 * 25 * 8
    placed = stored_seqs(engine)
    assert len(placed) == 8 * 25
    for seqs in placed.values():
        assert seqs == list(range(seqs[0], seqs[0] + 8)), "an item's events were interleaved"
    assert committer.groups < 8 * 25, "no two items ever shared a transaction"


def hold_then_queue(
    engine: Engine, committer: GroupCommitter, requests: list[Callable[[], Any]]
) -> list[Any]:
    """Hold the chain's lock, let the committer take ``requests[0]``, queue the rest, then release.

    The first request is committed alone; everything queued behind it forms the next
    group. Returns each request's result (or the exception it raised), in order.
    """
    results: list[Any] = [None] * len(requests)
    done: list[bool] = [False] * len(requests)

    def call(i: int) -> None:
        try:
            results[i] = requests[i]()
        except Exception as exc:
            results[i] = exc
        done[i] = True

    threads = [threading.Thread(target=call, args=(i,)) for i in range(len(requests))]
    with begin_write(engine) as blocker:
        AuditLog(engine).append(blocker, item_events(99, 0, size=1))
        threads[0].start()
        wait_for(lambda: committer.queued() == 0, "the committer took the first request")
        time.sleep(0.2)  # let it reach the lock
        for thread in threads[1:]:
            thread.start()
        wait_for(lambda: committer.queued() == len(requests) - 1, "every other request is queued")
        time.sleep(0.1)
        assert not any(done), "a producer was answered while its transaction could not have committed"
    for thread in threads:
        thread.join()
    return results


def test_queued_requests_are_committed_as_one_group(engine: Engine) -> None:
    """Requests queued behind a blocked commit all go into the next transaction."""
    log = AuditLog(engine)
    log.append_one(item_events(98, 0, size=1)[0])
    with GroupCommitter(log, gather_seconds=0) as committer:
        results = hold_then_queue(
            engine, committer, [partial(committer.append, item_events(p, 0)) for p in range(6)]
        )
    assert committer.groups == 2
    assert all(isinstance(r, list) and len(r) == 8 for r in results)
    assert log.verify().ok
    assert log.verify().count == 2 + 6 * 8


def test_a_failing_unit_rolls_back_alone(engine: Engine) -> None:
    """In one group, the unit that raises loses its state change and its events; the others commit."""
    log = AuditLog(engine)
    log.append_one(item_events(98, 0, size=1)[0])

    def unit(name: str, producer: int, fail: bool) -> Callable[[Connection], list[AppendedEvent]]:
        def transition(conn: Connection) -> list[AppendedEvent]:
            conn.execute(insert(notes).values(note=name))
            appended = log.append(conn, item_events(producer, 0))
            if fail:
                raise ValueError(f"{name} failed after appending")
            return appended

        return transition

    with GroupCommitter(log, gather_seconds=0) as committer:
        results = hold_then_queue(
            engine,
            committer,
            [
                lambda: committer.run(unit("first", 0, False)),
                lambda: committer.run(unit("kept", 1, False)),
                lambda: committer.run(unit("dropped", 2, True)),
                lambda: committer.run(unit("also-kept", 3, False)),
                lambda: committer.append(item_events(4, 0)),
            ],
        )
    assert committer.groups == 2
    assert isinstance(results[2], ValueError)
    assert all(isinstance(r, list) for i, r in enumerate(results) if i != 2)
    with engine.connect() as conn:
        assert set(conn.execute(select(notes.c.note)).scalars()) == {"first", "kept", "also-kept"}
    placed = stored_seqs(engine)
    assert {p for p, _ in placed} == {0, 1, 3, 4, 98, 99}
    report = log.verify()
    assert report.ok, report
    assert report.count == 2 + 4 * 8


def test_a_failed_transaction_fails_every_producer_in_it(tmp_path: Path) -> None:
    """When the group's transaction fails nobody is told their events are stored, and nothing is."""
    engine = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    log = AuditLog(engine)
    with GroupCommitter(log) as committer:
        with pytest.raises(Exception, match="no such table"):
            committer.append(item_events(0, 0))
        store_metadata.create_all(engine, tables=[audit_events, audit_heads])
        assert committer.append(item_events(0, 1))[0].seq == 1, "the committer keeps serving"
    assert log.verify().count == 8
    with pytest.raises(UsageError, match="closed"):
        committer.append(item_events(0, 2))
    engine.dispose()


def _committer_process(url: str, worker: int, items: int, barrier: Any) -> None:
    """One process: 4 threads appending work items through one group committer."""
    engine = make_engine(url, pool_size=4)
    with GroupCommitter(AuditLog(engine)) as committer:
        barrier.wait()

        def produce(k: int) -> None:
            for item in range(items):
                committer.append(item_events(worker * 10 + k, item))
                # A pause between items, as real work has: without it one process can
                # append everything before the other's first commit, and nothing interleaves.
                time.sleep(0.002)

        in_threads(4, produce)
    engine.dispose()


def test_group_committers_in_two_processes_keep_one_chain(engine: Engine) -> None:
    """Two processes, each group-committing for 4 threads, still produce one contiguous valid chain."""
    url = engine.url.render_as_string(hide_password=False)
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(2)
    procs = [ctx.Process(target=_committer_process, args=(url, w, 15, barrier)) for w in range(2)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(timeout=120)
    assert [proc.exitcode for proc in procs] == [0, 0]
    report = AuditLog(engine).verify()
    assert report.ok, report
    assert report.count == 2 * 4 * 15 * 8 == count_events(engine)
    placed = stored_seqs(engine)
    for seqs in placed.values():
        assert seqs == list(range(seqs[0], seqs[0] + 8))
    first = {seqs[0]: producer // 10 for (producer, _), seqs in placed.items()}
    order = [first[s] for s in sorted(first)]
    switches = sum(1 for a, b in itertools.pairwise(order) if a != b)
    assert switches >= 2, "the two processes never interleaved, so nothing was tested"


def test_a_unit_cannot_wait_for_its_own_committer(tmp_path: Path) -> None:
    """A unit that submits to the committer running it is refused instead of deadlocking."""
    engine = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    store_metadata.create_all(engine, tables=[audit_events, audit_heads])
    log = AuditLog(engine)
    with GroupCommitter(log) as committer:
        with pytest.raises(UsageError, match="wait for itself"):
            committer.run(lambda conn: committer.append(item_events(0, 0)))
        committer.append(item_events(0, 1))
    assert log.verify().count == 8
    engine.dispose()
