"""Precedent for adjudication: similar adjudicated claims the principal may see.

While a claim is adjudicated, the engine looks up to three earlier claims that were
*adjudicated*, share one of its procedure codes (and so the medical policy that
governs it), and whose clinical notes read most like this claim's notes (BM25),
excluding the claim itself. Their ids and versions go into the ``context.retrieved``
audit event and the saved decision, so a reviewer can compare like with like.

The lookup first finds the *candidates*: permitted adjudicated claim summaries naming
one of the procedure codes, at most :data:`MAX_CANDIDATES`, best first by the index's
ranking, with the principal's scope applied inside candidate generation
(:meth:`~interlock.retrieval.index.SearchIndex.claims_matching`; remembered per
procedure codes and scope until the index changes: a batch has few distinct procedures). It then ranks the
candidates' notes, read with the scope in ``WHERE``, by BM25 against this claim's
notes. Candidates without a matching note follow in summary order.

Precedent informs; it never decides. Nothing here feeds the rules, the model or the
gate, and a failed lookup is logged and yields no precedent rather than failing the
work item. The principal's scope is pushed into the full-text query exactly as for
any search (:mod:`interlock.retrieval.access`), and every id is re-checked in memory
and against the live system of record (one query) before it is reported. When the
store holds no search index (never synced) the lookup is skipped at the cost of one
catalogue query, repeated at most every :data:`RECHECK_SECONDS`. The index is the
store's own (:func:`~interlock.retrieval.backends.search_index_for`): SQLite FTS5 or
PostgreSQL full-text search.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import Connection, Engine, Row, select

from interlock.domains.claims.context import ClaimContext, item_id_for
from interlock.domains.claims.documents import SqlDocumentSource
from interlock.policy.values import ClaimScope, IndexFilter
from interlock.retrieval.access import Selectivity
from interlock.retrieval.backends import search_index_for, synced_index_in
from interlock.retrieval.index import GENERATION_STATE, SearchIndex, match_expression, row_document
from interlock.retrieval.scope import index_predicate
from interlock.retrieval.tables import documents, sync_state
from interlock.retrieval.words import query_words

log = logging.getLogger(__name__)

PRECEDENT_LIMIT: Final = 3
#: Candidates whose notes are compared; the best by their summary's BM25 are kept.
MAX_CANDIDATES: Final = 50
RECHECK_SECONDS: Final = 30.0
# A claim summary reads "... status adjudicated. Lines: X2002 ..." (connectors.sql_documents).
_ADJUDICATED: Final = "adjudicated"
_MEMO_SIZE: Final = 512


@dataclass(frozen=True, slots=True, kw_only=True)
class Precedent:
    """One similar adjudicated claim: its id, the version that was indexed, and its context item id."""

    claim_id: str
    claim_version: str
    item_id: str


def _rank_notes(query: str | None, notes: Sequence[Row[Any, Any]]) -> list[str]:
    """Claim ids of ``notes`` by the BM25 of their best note against ``query``, best first.

    The candidates' notes (a few hundred at most) go into a throw-away in-memory FTS5
    table with the index's tokenizer, so BM25 is computed over the look-alikes only
    and its IDF favours the words that tell them apart. Querying the main index
    instead would load the posting list of every common word of the notes.
    """
    if query is None or not notes:
        return []
    scratch = sqlite3.connect(":memory:")
    try:
        scratch.execute(
            "CREATE VIRTUAL TABLE n USING fts5(claim_id UNINDEXED, body, tokenize='porter unicode61')"
        )
        scratch.executemany("INSERT INTO n VALUES (?, ?)", [(str(r.claim_id), str(r.body)) for r in notes])
        found = scratch.execute("SELECT claim_id FROM n WHERE n MATCH ? ORDER BY bm25(n), rowid", (query,))
        return list(dict.fromkeys(str(r[0]) for r in found))
    finally:
        scratch.close()


class PrecedentFinder:
    """Finds precedent in the search index of one store; never raises out of :meth:`lookup`."""

    def __init__(
        self,
        store: Engine,
        *,
        sor: Engine | None = None,
        limit: int = PRECEDENT_LIMIT,
    ) -> None:
        self.store = store
        # The system of record every reported id is re-checked against (None: index only).
        self.live_attributes = SqlDocumentSource(sor).live_attributes if sor is not None else None
        self.limit = limit
        self._index: SearchIndex | None = None
        self._checked_at: float | None = None
        self._memo: dict[tuple[tuple[str, ...], IndexFilter], tuple[str, ...]] = {}
        self._memo_generation: str | None = None
        self._lock = threading.Lock()

    def available(self) -> bool:
        """True when the store holds a synced index of the current layout (re-checked when absent)."""
        if self._index is not None:
            return True
        now = time.monotonic()
        if self._checked_at is not None and now - self._checked_at < RECHECK_SECONDS:
            return False
        self._checked_at = now
        if synced_index_in(self.store):
            # Only now: opening an index creates its tables, which a store without one must not get.
            self._index = search_index_for(self.store)
        return self._index is not None

    def lookup_ids(self, context: ClaimContext, scope: ClaimScope) -> list[str]:
        """The context item ids of :meth:`lookup`'s precedents (the engine's seam)."""
        return [p.item_id for p in self.lookup(context, scope)]

    def lookup(self, ctx: ClaimContext, scope: ClaimScope) -> tuple[Precedent, ...]:
        """Up to ``limit`` precedents for ``ctx`` under ``scope``; none when search is unavailable or fails."""
        try:
            if not self.available():
                return ()
            found = self.find(ctx, scope)
        except Exception as exc:  # search must never fail a work item
            log.warning("precedent lookup skipped: %s", type(exc).__name__)
            return ()
        return found

    def find(self, ctx: ClaimContext, scope: ClaimScope) -> tuple[Precedent, ...]:
        """The lookup itself (raises on database errors; :meth:`lookup` is the safe entry point)."""
        codes = sorted({line.procedure_code.lower() for line in ctx.lines})
        if self._index is None or not codes or self.limit <= 0:
            return ()
        index_filter = IndexFilter(claims=scope, reference_readable=False)
        seen = self._index.selectivity(index_filter)
        if not seen.permitted_keys:
            return ()
        note_words = match_expression(" ".join(n.body for n in ctx.notes))
        with self.store.connect() as conn:
            candidates = self._candidates(conn, codes, seen, index_filter, ctx.claim.claim_id)
            rows = conn.execute(
                select(documents).where(
                    documents.c.kind.in_(("note", "claim_summary")),
                    documents.c.claim_id.in_(candidates),
                    index_predicate(index_filter, documents),
                )
            ).all()
        notes = [r for r in rows if r.kind == "note"]
        summaries = [r for r in rows if r.kind == "claim_summary"]
        ranked = list(dict.fromkeys([*_rank_notes(note_words, notes), *candidates]))
        by_claim = {str(r.claim_id): r for r in summaries}
        shortlist = [row_document(by_claim[c]) for c in ranked[: 4 * self.limit] if c in by_claim]
        shortlist = [d for d in shortlist if index_filter.permits(d.attributes)]
        if self.live_attributes is not None:
            # The index may be older than the system of record: ask it, in one query.
            live = self.live_attributes([d.source_id for d in shortlist])
            shortlist = [d for d in shortlist if d.source_id in live and scope.permits(live[d.source_id])]
        out = []
        for doc in shortlist[: self.limit]:
            version = doc.source_version.split("|", 1)[0]
            out.append(
                Precedent(
                    claim_id=doc.source_id,
                    claim_version=version,
                    item_id=item_id_for("claim", doc.source_id, version),
                )
            )
        return tuple(out)

    def _candidates(
        self,
        conn: Connection,
        codes: Sequence[str],
        seen: Selectivity,
        index_filter: IndexFilter,
        claim_id: str,
    ) -> list[str]:
        """Permitted adjudicated claims naming one of ``codes``, best summary BM25 first.

        Claims of a batch share few procedures, so the list is remembered per (codes,
        scope) until the index next changes.
        """
        generation = conn.execute(
            select(sync_state.c.value).where(sync_state.c.name == GENERATION_STATE)
        ).scalar()
        key = (tuple(codes), index_filter)
        with self._lock:
            if generation != self._memo_generation:
                self._memo.clear()
                self._memo_generation = generation
            found = self._memo.get(key)
        if found is None and self._index is not None:
            matched = self._index.claims_matching(
                conn,
                required=[_ADJUDICATED],
                any_of=query_words(" ".join(codes)),
                kind="claim_summary",
                selectivity=seen,
                limit=MAX_CANDIDATES + 1,
            )
            found = tuple(dict.fromkeys(matched))
            with self._lock:
                if len(self._memo) >= _MEMO_SIZE:
                    self._memo.clear()
                self._memo[key] = found
        return [c for c in (found or ()) if c != claim_id][:MAX_CANDIDATES]
