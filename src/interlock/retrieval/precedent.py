"""Precedent for adjudication: similar adjudicated claims the principal may see.

While a claim is adjudicated, the engine looks up to three earlier claims that were
*adjudicated*, share one of its procedure codes (and so the medical policy that
governs it), and whose clinical notes read most like this claim's notes (BM25),
excluding the claim itself. Their ids and versions go into the ``context.retrieved``
audit event and the saved decision, so a reviewer can compare like with like.

Precedent informs; it never decides. Nothing here feeds the rules, the model or the
gate, and a failed lookup is logged and yields no precedent rather than failing the
work item. The principal's scope is pushed into the full-text query exactly as for
any search (:mod:`interlock.retrieval.access`), and every id is re-checked against
the live system of record before it is reported. When the store holds no search
index (not SQLite, never synced) the lookup is skipped at the cost of one catalogue
query, repeated at most every :data:`RECHECK_SECONDS`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

from sqlalchemy import Connection, Engine, TextClause, bindparam, inspect, select, text

from interlock.db import is_sqlite
from interlock.domains.claims.context import ClaimContext, item_id_for
from interlock.policy.values import ClaimScope, IndexFilter
from interlock.retrieval.access import (
    Selectivity,
    choose_text_path,
    restricted_expression,
    text_expression,
)
from interlock.retrieval.index import SearchIndex, match_expression, row_document
from interlock.retrieval.tables import INDEX_LAYOUT, documents, sync_state

log = logging.getLogger(__name__)

PRECEDENT_LIMIT: Final = 3
RECHECK_SECONDS: Final = 30.0
_ADJUDICATED: Final = '"status adjudicated"'
# Notes of candidate claims: adjudicated summaries naming one of the claim's procedure codes.
_BY_NOTES: Final = text(
    "SELECT d.claim_id AS c, bm25(search_fts, 1.0, 1.0, 0.0) AS s FROM search_fts "
    "JOIN search_documents d ON d.doc_rowid = search_fts.rowid "
    "JOIN search_access a ON a.doc_rowid = d.doc_rowid "
    "WHERE search_fts MATCH :q AND a.key_id IN :keys AND d.kind = 'note' AND d.claim_id <> :claim "
    "AND d.claim_id IN (SELECT s.claim_id FROM search_documents s WHERE s.kind = 'claim_summary' "
    "AND s.doc_rowid IN (SELECT rowid FROM search_fts WHERE search_fts MATCH :summary)) "
    "ORDER BY s, d.doc_rowid LIMIT :n"
).bindparams(bindparam("keys", expanding=True))
_BY_SUMMARY: Final = text(
    "SELECT d.claim_id AS c, bm25(search_fts, 1.0, 1.0, 0.0) AS s FROM search_fts "
    "JOIN search_documents d ON d.doc_rowid = search_fts.rowid "
    "JOIN search_access a ON a.doc_rowid = d.doc_rowid "
    "WHERE search_fts MATCH :q AND a.key_id IN :keys AND d.kind = 'claim_summary' AND d.claim_id <> :claim "
    "ORDER BY s, d.doc_rowid LIMIT :n"
).bindparams(bindparam("keys", expanding=True))


@dataclass(frozen=True, slots=True, kw_only=True)
class Precedent:
    """One similar adjudicated claim: its id, the version that was indexed, and its context item id."""

    claim_id: str
    claim_version: str
    item_id: str


def _quoted(words: Sequence[str]) -> str:
    return " OR ".join('"' + w.replace('"', "") + '"' for w in dict.fromkeys(words) if w)


class PrecedentFinder:
    """Finds precedent in the search index of one store; never raises out of :meth:`lookup`."""

    def __init__(
        self,
        store: Engine,
        *,
        live_version: Callable[[str, ClaimScope], int | None] | None = None,
        limit: int = PRECEDENT_LIMIT,
    ) -> None:
        self.store = store
        self.live_version = live_version
        self.limit = limit
        self._index: SearchIndex | None = None
        self._checked_at: float | None = None

    def available(self) -> bool:
        """True when the store holds a synced index of the current layout (re-checked when absent)."""
        if self._index is not None:
            return True
        now = time.monotonic()
        if self._checked_at is not None and now - self._checked_at < RECHECK_SECONDS:
            return False
        self._checked_at = now
        if not is_sqlite(self.store):
            return False
        with self.store.connect() as conn:
            if not {"search_fts", "search_access", sync_state.name} <= set(inspect(conn).get_table_names()):
                return False
            states = {str(r.name): str(r.value) for r in conn.execute(select(sync_state))}
        if states.get("index_layout") == INDEX_LAYOUT and "last_synced_at" in states:
            # Only now: opening an index creates its tables, which a store without one must not get.
            self._index = SearchIndex(self.store)
        return self._index is not None

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
        if not codes or self.limit <= 0:
            return ()
        index_filter = IndexFilter(claims=scope, reference_readable=False)
        summary = f"{{title body}} : ({_ADJUDICATED}) AND {{title body}} : ({_quoted(codes)})"
        note_words = match_expression(" ".join(n.body for n in ctx.notes))
        if self._index is None:
            return ()
        seen = self._index.selectivity(index_filter)
        with self.store.connect() as conn:
            if not seen.permitted_keys:
                return ()
            ranked: list[str] = []
            if note_words is not None:
                rows = self._run(conn, _BY_NOTES, note_words, seen, ctx.claim.claim_id, summary=summary)
                ranked = list(dict.fromkeys(rows))
            if len(ranked) < self.limit:
                more = self._run(
                    conn, _BY_SUMMARY, f"{_ADJUDICATED} AND ({_quoted(codes)})", seen, ctx.claim.claim_id
                )
                ranked = list(dict.fromkeys([*ranked, *more]))
            summaries = conn.execute(
                select(documents).where(
                    documents.c.kind == "claim_summary", documents.c.claim_id.in_(ranked[: 4 * self.limit])
                )
            ).all()
        by_claim = {str(r.claim_id): r for r in summaries}
        out: list[Precedent] = []
        for claim_id in ranked:
            row = by_claim.get(claim_id)
            if row is None or not self._permitted(row, index_filter, scope):
                continue
            version = str(row.source_version).split("|", 1)[0]
            out.append(
                Precedent(
                    claim_id=claim_id, claim_version=version, item_id=item_id_for("claim", claim_id, version)
                )
            )
            if len(out) == self.limit:
                break
        return tuple(out)

    def _run(
        self,
        conn: Connection,
        statement: TextClause,
        words: str,
        seen: Selectivity,
        claim_id: str,
        *,
        summary: str | None = None,
    ) -> list[str]:
        """Run one ranked query with the scope in it; claim ids, best first (repeats possible)."""
        query = (
            restricted_expression(words, seen.permitted_keys)
            if choose_text_path(seen) == "restricted"
            else text_expression(words)
        )
        params: dict[str, object] = {
            "q": query,
            "keys": list(seen.permitted_keys),
            "claim": claim_id,
            "n": 20 * self.limit,
        }
        if summary is not None:
            params["summary"] = summary
        return [str(r.c) for r in conn.execute(statement, params)]

    def _permitted(self, row: object, index_filter: IndexFilter, scope: ClaimScope) -> bool:
        """The in-memory re-check, then the live system of record when the engine gave one."""
        doc = row_document(row)
        if not index_filter.permits(doc.attributes):
            return False
        return self.live_version is None or self.live_version(doc.source_id, scope) is not None
