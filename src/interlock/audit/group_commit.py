"""Group commit: many producers' appends made durable by one transaction.

A commit is the expensive part of an append (on PostgreSQL a WAL flush, on SQLite the
write lock and a WAL frame write), and the audit chain serializes appends, so producers
that each commit their own small transaction queue behind one another and throughput
is bound by commits per second. :class:`GroupCommitter` lets concurrent producers
(threads of one process) hand their work to one committer thread, which runs whatever
is queued in a single transaction and commits once.

Guarantees:

* **Nothing is acknowledged before it is durable.** :meth:`GroupCommitter.append` and
  :meth:`GroupCommitter.run` return only after the ``COMMIT`` of the transaction that
  holds the producer's work has returned; if that transaction fails, every producer in
  it gets the error and none of their work is stored.
* **A producer's events stay together and in order.** Each producer's events occupy
  consecutive ``seq`` numbers; the chain is the same hash chain
  :meth:`~interlock.audit.chain.AuditLog.append` builds, so it verifies as usual.
* **One unit's failure is its own.** Each :meth:`run` unit executes inside a
  ``SAVEPOINT``; if it raises, its changes (state and audit events alike) are rolled
  back to the savepoint, the exception goes to its producer, and the rest of the group
  still commits.
* **An unknown outcome is reported as a failure.** If the connection is lost while
  ``COMMIT`` is in flight, the server may have committed; producers get the error all
  the same, as they would from their own transaction. Events carry no idempotency key
  of their own, so a caller that retries should first look for its work
  (``events_for_work_item``).
* **Other writers are still serialized.** The group's transaction is opened with
  :func:`~interlock.audit.chain.begin_write` and appends through
  :class:`~interlock.audit.chain.AuditLog`, so it takes the same head lock
  (``BEGIN IMMEDIATE`` on SQLite, ``SELECT ... FOR UPDATE`` on PostgreSQL) as any
  other process appending to the chain.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Final, Generic, TypeVar

from sqlalchemy import Connection

from interlock.audit.chain import AppendedEvent, AuditLog, begin_write
from interlock.audit.events import AuditEvent
from interlock.exceptions import UsageError

T = TypeVar("T")

DEFAULT_MAX_GROUP: Final = 1_000
"""Most requests committed by one transaction; bounds how long the write lock is held."""

DEFAULT_GATHER_SECONDS: Final = 0.002
"""Longest a group waits for producers known to be active before it commits.

The producers acknowledged by one commit come straight back with their next work while
the next group is already being committed without them; on a backend whose commit waits
for a disk flush (PostgreSQL: several milliseconds) this halves the group size. Waiting
briefly for them roughly doubles it. A lone producer never waits: the wait ends as soon
as every recently active producer has a request queued."""

_ACTIVE_WINDOW: Final = 1.0
"""Seconds after its last request that a producer still counts as active."""

_STOP: Final = object()


@dataclass(slots=True)
class _Request(Generic[T]):
    """One producer's work: either events to append, or a unit to run, and its future."""

    events: Sequence[AuditEvent] | None
    unit: Callable[[Connection], T] | None
    future: Future[T] = field(default_factory=Future)


class GroupCommitter:
    """A committer thread that commits the queued work of concurrent producers together.

    Use it as a context manager (or call :meth:`close`), share one instance between the
    threads of a process, and call :meth:`append` or :meth:`run` from any of them::

        with GroupCommitter(AuditLog(engine)) as committer:
            committer.append(events)                       # durable when it returns
            committer.run(lambda conn: transition(conn))    # state change + its events

    Producers in other processes need no coordination: each process's committer takes
    the chain's lock for its transaction, as any appender does.
    """

    def __init__(
        self,
        log: AuditLog,
        *,
        max_group: int = DEFAULT_MAX_GROUP,
        gather_seconds: float = DEFAULT_GATHER_SECONDS,
    ) -> None:
        if max_group < 1:
            raise UsageError("max_group must be at least 1")
        if gather_seconds < 0:
            raise UsageError("gather_seconds must not be negative")
        self.log = log
        self.max_group = max_group
        self.gather_seconds = gather_seconds
        self._producers: dict[int, float] = {}
        self._queue: queue.SimpleQueue[_Request[Any] | object] = queue.SimpleQueue()
        self._closed = False
        self._lock = threading.Lock()
        self.groups = 0
        """Transactions committed so far (for measuring how well requests are grouped)."""
        self._thread = threading.Thread(
            target=self._serve, name=f"audit-group-commit-{log.chain}", daemon=True
        )
        self._thread.start()

    def append(self, events: Sequence[AuditEvent]) -> list[AppendedEvent]:
        """Append ``events`` (kept consecutive and in order) and return once they are committed."""
        if not events:
            return []
        request: _Request[list[AppendedEvent]] = _Request(events=list(events), unit=None)
        return self._submit(request)

    def run(self, unit: Callable[[Connection], T]) -> T:
        """Run ``unit(conn)`` in a group transaction and return its result once committed.

        ``unit`` gets a connection inside an open transaction: it may change state and
        append with ``AuditLog.append(conn, events)``, but must not commit, roll back or
        open transactions itself. If it raises, its changes are undone and the
        exception is raised here; the rest of the group is unaffected.
        """
        request: _Request[T] = _Request(events=None, unit=unit)
        return self._submit(request)

    def _submit(self, request: _Request[T]) -> T:
        # No timeout on purpose: a producer that stopped waiting could not tell whether
        # its work was committed, which is exactly what the caller must know.
        if threading.current_thread() is self._thread:
            raise UsageError("a unit cannot submit to its own group committer: it would wait for itself")
        with self._lock:
            if self._closed or not self._thread.is_alive():
                raise UsageError("the group committer is closed")
            self._producers[threading.get_ident()] = time.monotonic()
            self._queue.put(request)
        return request.future.result()

    def queued(self) -> int:
        """Requests waiting for the committer (approximate; for monitoring and tests)."""
        return self._queue.qsize()

    def close(self) -> None:
        """Commit what is queued, then stop the committer thread."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._queue.put(_STOP)
        self._thread.join()

    def __enter__(self) -> GroupCommitter:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- the committer thread ----------------------------------------------------------

    def _active_producers(self) -> int:
        """How many threads submitted within the last second (an estimate of who may come back)."""
        horizon = time.monotonic() - _ACTIVE_WINDOW
        with self._lock:
            for ident in [i for i, at in self._producers.items() if at < horizon]:
                del self._producers[ident]
            return len(self._producers)

    def _serve(self) -> None:
        stopping = False
        while not stopping:
            first = self._queue.get()
            if first is _STOP:
                return
            group: list[_Request[Any]] = [first]  # type: ignore[list-item]
            # Take whatever else queued up while the previous group was committing, then
            # wait a little for active producers that have not queued yet.
            wanted = min(self.max_group, max(1, self._active_producers()))
            deadline = time.monotonic() + self.gather_seconds
            while len(group) < self.max_group:
                try:
                    if len(group) >= wanted:
                        more = self._queue.get_nowait()
                    else:
                        more = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:
                    break
                if more is _STOP:
                    stopping = True
                    break
                group.append(more)  # type: ignore[arg-type]
            self._commit(group)

    def _commit(self, group: list[_Request[Any]]) -> None:
        """Run one group in one transaction; settle every future only after the commit."""
        live = [r for r in group if r.future.set_running_or_notify_cancel()]
        results: list[tuple[_Request[Any], bool, Any]] = []
        try:
            with begin_write(self.log.engine) as conn:
                batched = [r for r in live if r.events is not None]
                if batched:
                    # One head lock and one multi-row insert for every plain append.
                    appended = self.log.append(conn, [e for r in batched for e in r.events or ()])
                    start = 0
                    for r in batched:
                        n = len(r.events or ())
                        results.append((r, True, appended[start : start + n]))
                        start += n
                for number, r in enumerate(live):
                    if r.unit is not None:
                        results.append(_run_in_savepoint(conn, r, r.unit, number))
        except BaseException as exc:
            for r in live:
                r.future.set_exception(exc)
            if not isinstance(exc, Exception):
                raise
            return
        self.groups += 1
        for r, ok, value in results:
            if ok:
                r.future.set_result(value)
            else:
                r.future.set_exception(value)


def _run_in_savepoint(
    conn: Connection, request: _Request[Any], unit: Callable[[Connection], Any], number: int
) -> tuple[_Request[Any], bool, Any]:
    """Run one unit so that its failure rolls back only its own changes."""
    name = f"audit_unit_{number}"
    conn.exec_driver_sql(f"SAVEPOINT {name}")
    try:
        value = unit(conn)
    except Exception as exc:
        conn.exec_driver_sql(f"ROLLBACK TO SAVEPOINT {name}")
        conn.exec_driver_sql(f"RELEASE SAVEPOINT {name}")
        return request, False, exc
    conn.exec_driver_sql(f"RELEASE SAVEPOINT {name}")
    return request, True, value
