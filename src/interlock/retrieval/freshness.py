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
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from interlock.retrieval.embeddings import EmbeddingClient
from interlock.retrieval.index import SearchIndex
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
        have = index.versions(conn)
        want = source.keys()
        new = sorted(want.keys() - have.keys())
        gone = sorted(have.keys() - want.keys())
        both = want.keys() & have.keys()
        changed = sorted(d for d in both if want[d][0] != have[d][0])
        moved = sorted(d for d in both if want[d][0] == have[d][0] and want[d][1] != have[d][1])
        loaded = {d.doc_id: d for d in source.load([*new, *changed, *moved])}
        index.upsert(conn, [loaded[d] for d in (*new, *changed) if d in loaded])
        for doc_id in moved:
            if doc_id in loaded:
                index.update_attributes(conn, doc_id, loaded[doc_id])
        index.delete(conn, [*gone, *(d for d in (*new, *changed, *moved) if d not in loaded)])
        if new or gone or changed or moved:
            index.analyze(conn)
        index.set_state(conn, LAST_SYNC, now.isoformat())
    embedded = embed_missing(index, embedder) if embedder is not None else 0
    return SyncReport(
        inserted=len(new),
        updated=len(changed),
        attributes_changed=len(moved),
        deleted=len(gone),
        unchanged=len(both) - len(changed) - len(moved),
        embedded=embedded,
        synced_at=now,
        seconds=time.monotonic() - started,
    )


def last_synced(index: SearchIndex) -> datetime | None:
    """When the index was last synced, or None if never."""
    value = index.get_state(LAST_SYNC)
    return None if value is None else datetime.fromisoformat(value)


def staleness(index: SearchIndex, now: datetime) -> timedelta | None:
    """Time since the last sync (None: never synced, i.e. unboundedly stale)."""
    synced = last_synced(index)
    return None if synced is None else max(now - synced, timedelta(0))
