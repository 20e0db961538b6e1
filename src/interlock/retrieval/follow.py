"""Follow-writes: the search index re-syncs each record Interlock writes, seconds after the write.

With ``[index] follow_writes`` (or ``interlock worker --follow-writes``), every write-back
of a process (a commit or a hold by the engine, a person's decision through the review
desk or the API) tells an :class:`IndexFollower` which record was written
(:class:`~interlock.work.written.Written`). The follower only notes the record id and
returns; a thread of its own then runs :func:`~interlock.retrieval.freshness.sync_records`
for the records noted meanwhile, a batch at a time, under the index's write lock (the
PostgreSQL advisory lock that ``interlock index sync`` takes), so any number of workers
sharing one index take turns and each applies only what is still different.

Why a thread and not the work item itself: the work item's transaction, its completion
and the queue's acknowledgement never wait for the index, and a broken index cannot
fail them. A failed batch is logged by exception class only (no record id, no
content), counted in ``interlock_index_follow_total{outcome="failed"}`` and left for the
next ``interlock index sync``, which still runs on its schedule: it also catches what
changed in the system of record without Interlock (and what a process stopped too
abruptly to flush). The index is reopened after a failure, so one that was repaired
(a table created again, a privilege granted back) is followed again.

The records are read back as the principal the write was made for
(:func:`~interlock.connectors.pg_access.acting_as`), so under row-level security the
follower sees what the writer saw.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Final

from sqlalchemy import Engine

from interlock.clock import Clock, SystemClock
from interlock.connectors.pg_access import acting_as
from interlock.policy.principal import Principal
from interlock.retrieval.backends import search_index_for
from interlock.retrieval.freshness import sync_records
from interlock.retrieval.index import SearchIndex
from interlock.retrieval.source import DocumentSource
from interlock.telemetry.metrics import INDEX_FOLLOW
from interlock.work.written import Written

__all__ = ["BATCH_RECORDS", "IndexFollower"]

log = logging.getLogger(__name__)

#: The most records one locked transaction of the follower syncs.
BATCH_RECORDS: Final = 200
#: How long closing a follower waits for the records still noted to be synced.
CLOSE_SECONDS: Final = 30.0


class IndexFollower:
    """Re-syncs the documents of every record written, in the background (a :class:`WriteListener`)."""

    def __init__(
        self,
        store: Engine,
        source: DocumentSource,
        *,
        clock: Clock | None = None,
        open_index: Callable[[Engine], SearchIndex] = search_index_for,
        batch: int = BATCH_RECORDS,
        name: str = "interlock-index-follow",
    ) -> None:
        self.store = store
        self.source = source
        self.clock = clock or SystemClock()
        self._open_index = open_index
        self._batch = max(1, batch)
        self._index: SearchIndex | None = None
        # Records noted, by the principal they were written for; taken a batch at a time.
        self._pending: dict[Principal, set[str]] = {}
        self._busy = False
        self._closed = False
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def written(self, event: Written) -> None:
        """Note that ``event``'s record was written; it is synced shortly, on the follower's thread."""
        with self._changed:
            if self._closed:
                return
            self._pending.setdefault(event.principal, set()).add(event.record_id)
            self._changed.notify_all()

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every record noted so far was synced or given up on; False on timeout."""
        with self._changed:
            return self._changed.wait_for(lambda: not self._pending and not self._busy, timeout)

    def close(self, timeout: float = CLOSE_SECONDS) -> bool:
        """Sync what is still noted (waiting at most ``timeout``), then stop; False when some was left."""
        started = time.monotonic()
        flushed = self.flush(timeout)
        with self._changed:
            self._closed = True
            left = sum(len(ids) for ids in self._pending.values())
            self._pending.clear()
            self._changed.notify_all()
        if left:
            log.warning("search index follower stopped with %d record(s) left for the next index sync", left)
        self._thread.join(max(0.0, timeout - (time.monotonic() - started)))
        return flushed

    # -- the follower's thread ------------------------------------------------------------

    def _run(self) -> None:
        while True:
            with self._changed:
                self._changed.wait_for(lambda: bool(self._pending) or self._closed)
                if self._closed:
                    return
                principal, record_ids = self._take()
                self._busy = True
            try:
                self._sync(principal, record_ids)
            finally:
                with self._changed:
                    self._busy = False
                    self._changed.notify_all()

    def _take(self) -> tuple[Principal, list[str]]:
        """Up to one batch of the records noted for one principal (the caller holds the lock)."""
        principal = next(iter(self._pending))
        noted = self._pending[principal]
        taken = sorted(noted)[: self._batch]
        noted.difference_update(taken)
        if not noted:
            del self._pending[principal]
        return principal, taken

    def _sync(self, principal: Principal, record_ids: Sequence[str]) -> None:
        """One locked sync of ``record_ids``; a failure is logged, counted and left for ``index sync``."""
        try:
            with acting_as(principal):
                if self._index is None:
                    self._index = self._open_index(self.store)
                sync_records(self._index, self.source, record_ids, now=self.clock.now())
        except Exception as exc:  # the index is derived: never let it take the process down
            self._index = None  # reopened next time, so a repaired index is followed again
            INDEX_FOLLOW.labels(outcome="failed").inc(len(record_ids))
            # The class only: a database error's text may quote the documents it was writing.
            log.warning(
                "search index not updated after a write (%s); %d record(s) left for the next index sync",
                type(exc).__name__,
                len(record_ids),
            )
            return
        INDEX_FOLLOW.labels(outcome="synced").inc(len(record_ids))
