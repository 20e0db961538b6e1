"""Keeping the search index fresh: incremental sync and staleness.

``sync_index`` compares every document's source version *and* access attributes in
the system of record with the index, and applies only the differences (inserts,
updates, attribute-only changes, deletes) plus the new sync time in one transaction
of the index, so a reader sees either the old state or the new one, never a document
with new text under old attributes. That transaction holds the index's write lock
(:meth:`~interlock.retrieval.index.SearchIndex.begin_sync`: SQLite's write lock, a
PostgreSQL advisory lock) from the moment it reads what the index holds, so several
processes may sync one index at once: they take turns, and each applies only what
the previous one left different. Retrieval separately re-checks the returned
claim documents against the live system of record (see
:mod:`interlock.retrieval.planner`): between two syncs, a record whose attributes
changed is never served under the old ones.

``sync_records`` is the same comparison for the documents of a few records only,
under the same lock (what :mod:`interlock.retrieval.follow` runs after Interlock
writes a record). It leaves the sync time alone: the rest of the index is no
fresher for it, so staleness keeps measuring from the last full sync.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection

from interlock.policy.values import DocumentAttributes
from interlock.retrieval.embeddings import EmbeddingClient
from interlock.retrieval.index import Document, SearchIndex
from interlock.retrieval.source import DocumentSource
from interlock.retrieval.vectors import embed_missing

LAST_SYNC = "last_synced_at"


@dataclass(frozen=True, slots=True, kw_only=True)
class SyncReport:
    """What one sync changed."""

    inserted: int
    updated: int
    attributes_changed: int
    deleted: int
    unchanged: int
    embedded: int
    synced_at: datetime
    seconds: float


def sync_index(
    index: SearchIndex,
    source: DocumentSource,
    *,
    now: datetime,
    embedder: EmbeddingClient | None = None,
) -> SyncReport:
    """Apply to ``index`` only what changed in the system of record since the last sync."""
    started = time.monotonic()
    # The index is read under its write lock: a sync that waited for another one sees
    # what that one wrote and applies only what is still different (no duplicates).
    with index.begin_sync() as conn:
        diff = _apply(index, conn, have=index.versions(conn), want=source.keys(), load=source.load)
        if diff.changes:
            index.analyze(conn)
        index.set_state(conn, LAST_SYNC, now.isoformat())
    if diff.changes:
        index.settle()
    embedded = embed_missing(index, embedder) if embedder is not None else 0
    return diff.report(embedded=embedded, synced_at=now, seconds=time.monotonic() - started)


def sync_records(
    index: SearchIndex, source: DocumentSource, record_ids: Sequence[str], *, now: datetime
) -> SyncReport:
    """Apply to ``index`` what changed in the documents of ``record_ids`` only.

    The same comparison as :func:`sync_index`, under the same lock, over the documents
    the index holds for these records and those the system of record has for them now
    (:meth:`DocumentSource.record_documents`, read inside the lock, so that of two
    processes syncing one record the later one applies the later state). A record that
    is gone from the system of record, or that the reader may no longer see, loses its
    documents. Neither the sync time nor the planner's statistics change, and no
    vectors are computed: ``interlock index sync`` does all three.
    """
    started = time.monotonic()
    with index.begin_sync() as conn:
        current = {d.doc_id: d for d in source.record_documents(record_ids)}
        diff = _apply(
            index,
            conn,
            have=index.versions(conn, record_ids=record_ids),
            want={d.doc_id: (d.source_version, d.attributes) for d in current.values()},
            load=lambda ids: [current[d] for d in ids if d in current],
        )
    return diff.report(embedded=0, synced_at=now, seconds=time.monotonic() - started)


Versions = Mapping[str, tuple[str, DocumentAttributes]]


@dataclass(frozen=True, slots=True, kw_only=True)
class _Diff:
    """What one comparison of the index with the system of record found."""

    new: int
    changed: int
    moved: int
    gone: int
    unchanged: int

    @property
    def changes(self) -> bool:
        return bool(self.new or self.changed or self.moved or self.gone)

    def report(self, *, embedded: int, synced_at: datetime, seconds: float) -> SyncReport:
        return SyncReport(
            inserted=self.new,
            updated=self.changed,
            attributes_changed=self.moved,
            deleted=self.gone,
            unchanged=self.unchanged,
            embedded=embedded,
            synced_at=synced_at,
            seconds=seconds,
        )


def _apply(
    index: SearchIndex,
    conn: Connection,
    *,
    have: Versions,
    want: Versions,
    load: Callable[[Iterable[str]], list[Document]],
) -> _Diff:
    """Make the index's documents among ``have`` match ``want`` on ``conn``: insert, update, move, delete.

    A document whose text version is unchanged but whose access attributes differ only
    moves to another access key; a document that vanished between the comparison and
    the load is deleted.
    """
    new = sorted(want.keys() - have.keys())
    gone = sorted(have.keys() - want.keys())
    both = want.keys() & have.keys()
    changed = sorted(d for d in both if want[d][0] != have[d][0])
    moved = sorted(d for d in both if want[d][0] == have[d][0] and want[d][1] != have[d][1])
    loaded = {d.doc_id: d for d in load([*new, *changed, *moved])}
    index.upsert(conn, [loaded[d] for d in (*new, *changed) if d in loaded])
    for doc_id in moved:
        if doc_id in loaded:
            index.update_attributes(conn, doc_id, loaded[doc_id])
    index.delete(conn, [*gone, *(d for d in (*new, *changed, *moved) if d not in loaded)])
    return _Diff(
        new=len(new),
        changed=len(changed),
        moved=len(moved),
        gone=len(gone),
        unchanged=len(both) - len(changed) - len(moved),
    )


def last_synced(index: SearchIndex) -> datetime | None:
    """When the index was last synced, or None if never."""
    value = index.get_state(LAST_SYNC)
    return None if value is None else datetime.fromisoformat(value)


def staleness(index: SearchIndex, now: datetime) -> timedelta | None:
    """Time since the last sync (None: never synced, i.e. unboundedly stale)."""
    synced = last_synced(index)
    return None if synced is None else max(now - synced, timedelta(0))
