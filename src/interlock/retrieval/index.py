"""The search index: SQLite FTS5 over notes, medical policies and claim summaries.

Every document carries the access attributes of the record it came from (region,
line of business, sensitivity; ``access_class = 'reference'`` for medical policies,
which all active staff may read), that record's source version, and the access key
of its attributes (:mod:`interlock.retrieval.access`). A search first reads the
scope's selectivity from the key table, then generates candidates with the scope
already applied: for a narrow scope the permitted keys are part of the FTS5 query
(``restricted``), for a wide one ``WHERE`` keeps only permitted matches before any is
ranked (``match_first``). A top-k is never filtered afterwards, which would silently
lose permitted results (shared/research/retrieval.md). Every returned row is then
re-verified in memory against the same filter, and a row that fails is dropped (fail
closed).

The index lives in Interlock's store. This class is the SQLite one (FTS5, the
embedded default) and refuses another store engine; a PostgreSQL store gets
:class:`~interlock.retrieval.pg_index.PostgresSearchIndex`, which keeps the same
documents, access keys and planner and overrides only the text hooks (``_text_*``).
:func:`~interlock.retrieval.pg_index.search_index_for` picks one from the store.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal

from sqlalchemy import Connection, Engine, bindparam, func, inspect, select, text

from interlock.audit.chain import begin_write
from interlock.db import is_sqlite
from interlock.exceptions import ConfigurationError
from interlock.policy.values import AccessClass, DocumentAttributes, IndexFilter
from interlock.retrieval.access import (
    KeyBook,
    Selectivity,
    TextPath,
    choose_text_path,
    estimate,
    key_token,
    restricted_expression,
    text_expression,
)
from interlock.retrieval.tables import (
    INDEX_LAYOUT,
    access,
    access_keys,
    documents,
    index_metadata,
    sync_state,
    vectors,
)
from interlock.retrieval.words import STOPWORDS, match_expression, query_words

if TYPE_CHECKING:
    from interlock.retrieval.embeddings import Vector
    from interlock.retrieval.vectors import DenseSearch

__all__ = [
    "STOPWORDS",
    "Document",
    "DocumentKind",
    "Hit",
    "SearchIndex",
    "TextSearch",
    "documents",
    "index_metadata",
    "match_expression",
    "query_words",
    "vectors",
]

log = logging.getLogger(__name__)

DocumentKind = Literal["note", "policy", "claim_summary"]

_LAYOUT_STATE: Final = "index_layout"
GENERATION_STATE: Final = "generation"
_FTS_CREATE: Final = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_fts "
    "USING fts5(title, body, access_key, tokenize='porter unicode61')"
)
_FTS_DELETE: Final = text("DELETE FROM search_fts WHERE rowid = :r")
_FTS_INSERT: Final = text("INSERT INTO search_fts(rowid, title, body, access_key) VALUES (:r, :t, :b, :k)")
_FTS_REKEY: Final = text("UPDATE search_fts SET access_key = :k WHERE rowid = :r")
# Title and body weigh 1, the access key 0: a document scores the same on every path.
_RESTRICTED: Final = text(
    "SELECT rowid AS r, bm25(search_fts, 1.0, 1.0, 0.0) AS s FROM search_fts "
    "WHERE search_fts MATCH :q ORDER BY s, r LIMIT :k"
)
_MATCH_FIRST: Final = text(
    "SELECT search_fts.rowid AS r, bm25(search_fts, 1.0, 1.0, 0.0) AS s FROM search_fts "
    "JOIN search_access a ON a.doc_rowid = search_fts.rowid "
    "WHERE search_fts MATCH :q AND a.key_id IN :keys ORDER BY s, r LIMIT :k"
).bindparams(bindparam("keys", expanding=True))
_CLAIMS_MATCHING: Final = text(
    "SELECT d.claim_id AS c FROM search_fts "
    "JOIN search_documents d ON d.doc_rowid = search_fts.rowid "
    "JOIN search_access a ON a.doc_rowid = d.doc_rowid "
    "WHERE search_fts MATCH :q AND a.key_id IN :keys AND d.kind = :kind AND d.claim_id IS NOT NULL "
    "ORDER BY bm25(search_fts, 1.0, 1.0, 0.0), d.doc_rowid LIMIT :n"
).bindparams(bindparam("keys", expanding=True))
_CHUNK: Final = 500
_MEMO_SIZE: Final = 256


@dataclass(frozen=True, slots=True, kw_only=True)
class Document:
    """One document to index, with the access attributes and version of its source record."""

    doc_id: str
    kind: DocumentKind
    source_id: str
    claim_id: str | None
    access_class: AccessClass
    region: str | None
    line_of_business: str | None
    sensitivity: str | None
    source_version: str
    title: str
    body: str

    @property
    def attributes(self) -> DocumentAttributes:
        """The access attributes the index filter is evaluated on."""
        return DocumentAttributes(
            access_class=self.access_class,
            region=self.region,
            line_of_business=self.line_of_business,
            sensitivity=self.sensitivity,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Hit:
    """One retrieved document with its rank score (lower bm25 is better; we store -bm25)."""

    document: Document
    score: float


@dataclass(frozen=True, slots=True, kw_only=True)
class TextSearch:
    """The hits of one BM25 search, the path the planner chose and the selectivity it saw."""

    hits: tuple[Hit, ...]
    path: TextPath
    selectivity: Selectivity


def row_document(row: object) -> Document:
    """The :class:`Document` of a ``search_documents`` row."""
    m = row._mapping  # type: ignore[attr-defined]
    return Document(
        doc_id=str(m["doc_id"]),
        kind=m["kind"],
        source_id=str(m["source_id"]),
        claim_id=m["claim_id"],
        access_class=m["access_class"],
        region=m["region"],
        line_of_business=m["line_of_business"],
        sensitivity=m["sensitivity"],
        source_version=str(m["source_version"]),
        title=str(m["title"]),
        body=str(m["body"]),
    )


def _values(doc: Document) -> dict[str, object]:
    return {
        "doc_id": doc.doc_id,
        "kind": doc.kind,
        "source_id": doc.source_id,
        "claim_id": doc.claim_id,
        "access_class": doc.access_class,
        "region": doc.region,
        "line_of_business": doc.line_of_business,
        "sensitivity": doc.sensitivity,
        "source_version": doc.source_version,
        "title": doc.title,
        "body": doc.body,
    }


class SearchIndex:
    """Entitlement-filtered BM25 over the documents of one SQLite database."""

    #: The layout this engine writes (the ``index_layout`` sync state).
    layout: str = INDEX_LAYOUT

    def __init__(self, engine: Engine) -> None:
        if not is_sqlite(engine):
            raise ConfigurationError(
                f"the embedded search index needs a SQLite store (FTS5); got a {engine.dialect.name} store"
            )
        self._setup(engine)
        # The write lock first (BEGIN IMMEDIATE): processes opening one new store at once
        # would otherwise all see no tables, and all but one fail creating them.
        with begin_write(engine) as conn:
            self._ensure_layout(conn)

    def _setup(self, engine: Engine) -> None:
        self.engine = engine
        self._memo: dict[IndexFilter, Selectivity] = {}
        self._memo_generation: str | None = None
        self._memo_lock = threading.Lock()

    @contextmanager
    def begin_sync(self) -> Iterator[Connection]:
        """A transaction holding the index's write lock, so one writer at a time changes it.

        Sync reads what the index holds *inside* it: a second process that waited for
        the lock sees the first one's changes and applies only what is still missing.
        SQLite: ``BEGIN IMMEDIATE``, the database's single write lock.
        """
        with begin_write(self.engine) as conn:
            yield conn

    @staticmethod
    def _ensure_layout(conn: Connection) -> None:
        """Create the index tables; drop an index written under an older layout first."""
        names = set(inspect(conn).get_table_names())
        layout = None
        if sync_state.name in names:
            layout = conn.execute(
                select(sync_state.c.value).where(sync_state.c.name == _LAYOUT_STATE)
            ).scalar()
        if layout != INDEX_LAYOUT and names & {"search_fts", documents.name}:
            log.warning("search index layout %s is outdated; dropping it for a rebuild by sync", layout)
            conn.exec_driver_sql("DROP TABLE IF EXISTS search_fts")
            index_metadata.drop_all(conn)
        index_metadata.create_all(conn)
        conn.exec_driver_sql(_FTS_CREATE)
        if layout != INDEX_LAYOUT:
            SearchIndex.set_state(conn, _LAYOUT_STATE, INDEX_LAYOUT)

    # -- writes (used by sync) ----------------------------------------------------------

    def upsert(self, conn: Connection, docs: Iterable[Document]) -> None:
        """Insert or replace documents, their text and their access keys, inside the caller's transaction."""
        book = KeyBook(conn)
        pending = list(docs)
        for i in range(0, len(pending), _CHUNK):
            chunk = pending[i : i + _CHUNK]
            existing = {
                str(r.doc_id): (int(r.doc_rowid), r.key_id)
                for r in conn.execute(
                    select(documents.c.doc_id, documents.c.doc_rowid, access.c.key_id)
                    .outerjoin(access, access.c.doc_rowid == documents.c.doc_rowid)
                    .where(documents.c.doc_id.in_([d.doc_id for d in chunk]))
                )
            }
            fresh = [d for d in chunk if d.doc_id not in existing]
            rowids: dict[str, int] = {}
            if fresh:
                inserted = conn.execute(
                    documents.insert().returning(documents.c.doc_id, documents.c.doc_rowid),
                    [_values(d) for d in fresh],
                )
                rowids = {str(r.doc_id): int(r.doc_rowid) for r in inserted}
            text_rows: list[tuple[int, Document, int]] = []
            access_rows: list[dict[str, object]] = []
            replaced: list[int] = []
            for doc in chunk:
                key = book.key_for(doc.attributes)
                book.count(key, +1)
                if doc.doc_id in existing:
                    rowid, old_key = existing[doc.doc_id]
                    if old_key is not None:
                        book.count(int(old_key), -1)
                    conn.execute(
                        documents.update().where(documents.c.doc_rowid == rowid).values(_values(doc))
                    )
                    replaced.append(rowid)
                else:
                    rowid = rowids[doc.doc_id]
                text_rows.append((rowid, doc, key))
                access_rows.append({"doc_rowid": rowid, "key_id": key})
            if replaced:
                self._text_delete(conn, replaced)
                conn.execute(vectors.delete().where(vectors.c.doc_rowid.in_(replaced)))
                conn.execute(access.delete().where(access.c.doc_rowid.in_(replaced)))
            if text_rows:
                conn.execute(access.insert(), access_rows)
                self._text_insert(conn, text_rows)
        book.flush()
        if pending:
            self.bump_generation(conn)

    def update_attributes(self, conn: Connection, doc_id: str, doc: Document) -> None:
        """Change only a document's access attributes, key and version (its text is unchanged)."""
        found = conn.execute(
            select(documents.c.doc_rowid, access.c.key_id)
            .outerjoin(access, access.c.doc_rowid == documents.c.doc_rowid)
            .where(documents.c.doc_id == doc_id)
        ).first()
        if found is None:
            return
        rowid = int(found.doc_rowid)
        book = KeyBook(conn)
        key = book.key_for(doc.attributes)
        if found.key_id is not None:
            book.count(int(found.key_id), -1)
        book.count(key, +1)
        conn.execute(
            documents.update()
            .where(documents.c.doc_rowid == rowid)
            .values(
                access_class=doc.access_class,
                region=doc.region,
                line_of_business=doc.line_of_business,
                sensitivity=doc.sensitivity,
                source_version=doc.source_version,
            )
        )
        conn.execute(access.delete().where(access.c.doc_rowid == rowid))
        conn.execute(access.insert().values(doc_rowid=rowid, key_id=key))
        self._text_rekey(conn, rowid, key)
        book.flush()
        self.bump_generation(conn)

    def delete(self, conn: Connection, doc_ids: Sequence[str]) -> None:
        """Remove documents, their text, their access rows and their vectors."""
        book = KeyBook(conn)
        removed = 0
        for doc_id in doc_ids:
            found = conn.execute(
                select(documents.c.doc_rowid, access.c.key_id)
                .outerjoin(access, access.c.doc_rowid == documents.c.doc_rowid)
                .where(documents.c.doc_id == doc_id)
            ).first()
            if found is None:
                continue
            rowid = int(found.doc_rowid)
            if found.key_id is not None:
                book.count(int(found.key_id), -1)
            self._text_delete(conn, [rowid])
            conn.execute(vectors.delete().where(vectors.c.doc_rowid == rowid))
            conn.execute(access.delete().where(access.c.doc_rowid == rowid))
            conn.execute(documents.delete().where(documents.c.doc_rowid == rowid))
            removed += 1
        book.flush()
        if removed:
            self.bump_generation(conn)

    # -- the text engine's hooks (FTS5 here; PostgresSearchIndex overrides them) ------------

    def _text_delete(self, conn: Connection, rowids: Sequence[int]) -> None:
        """Remove the text of these documents."""
        conn.execute(_FTS_DELETE, [{"r": r} for r in rowids])

    def _text_insert(self, conn: Connection, rows: Sequence[tuple[int, Document, int]]) -> None:
        """Index the text of (rowid, document, access key) rows; their access rows exist already."""
        conn.execute(
            _FTS_INSERT, [{"r": r, "t": d.title, "b": d.body, "k": key_token(key)} for r, d, key in rows]
        )

    def _text_rekey(self, conn: Connection, rowid: int, key: int) -> None:
        """Move a document's text to another access key."""
        conn.execute(_FTS_REKEY, {"r": rowid, "k": key_token(key)})

    def _text_rank(
        self, conn: Connection, words: Sequence[str], seen: Selectivity, path: TextPath | None, k: int
    ) -> tuple[list[tuple[int, float]], TextPath]:
        """The ``k`` best permitted (rowid, score) for ``words``, best (highest) first, and the path taken.

        ``path`` None lets the engine choose (here from the selectivity alone,
        :func:`choose_text_path`); any path but ``restricted`` runs, and is reported
        as, ``match_first`` here.
        """
        chosen: TextPath = "restricted" if (path or choose_text_path(seen)) == "restricted" else "match_first"
        expression = " OR ".join(f'"{w}"' for w in words)
        if chosen == "restricted":
            ranked = conn.execute(
                _RESTRICTED, {"q": restricted_expression(expression, seen.permitted_keys), "k": k}
            ).all()
        else:
            ranked = conn.execute(
                _MATCH_FIRST,
                {"q": text_expression(expression), "keys": list(seen.permitted_keys), "k": k},
            ).all()
        return [(int(x.r), -float(x.s)) for x in ranked], chosen

    def claims_matching(
        self,
        conn: Connection,
        *,
        required: Sequence[str],
        any_of: Sequence[str],
        kind: DocumentKind,
        selectivity: Selectivity,
        limit: int,
    ) -> list[str]:
        """Claim ids of permitted ``kind`` documents with every ``required`` word and one of ``any_of``, best first.

        Words are :func:`query_words` words (letters and digits). The scope is applied
        as in :meth:`search_planned`: inside the full-text query or in ``WHERE``.
        """
        if not any_of or not selectivity.permitted_keys or limit <= 0:
            return []
        words = " AND ".join(
            [*(f'"{w}"' for w in required), "(" + " OR ".join(f'"{w}"' for w in any_of) + ")"]
        )
        query = (
            restricted_expression(words, selectivity.permitted_keys)
            if choose_text_path(selectivity) == "restricted"
            else text_expression(words)
        )
        params = {"q": query, "keys": list(selectivity.permitted_keys), "kind": kind, "n": limit}
        return [str(r.c) for r in conn.execute(_CLAIMS_MATCHING, params)]

    @staticmethod
    def analyze(conn: Connection) -> None:
        """Refresh SQLite's statistics of the document table after a sync changed it.

        Without them the query planner reads the access-attribute index for any query
        that also filters by claim id (the precedent lookup), scanning every claim
        document instead of a claim's few.
        """
        conn.exec_driver_sql("ANALYZE search_documents")

    def vectors_stored(self, conn: Connection, rows: Sequence[tuple[int, Vector]]) -> None:
        """Called in the transaction that stored unit-length vectors; an engine may keep its own copy."""

    def dense_index(self, model_id: str) -> DenseSearch:
        """Exact dense search over ``model_id``'s vectors: in this process, from an in-memory matrix."""
        from interlock.retrieval.vectors import DenseIndex  # noqa: PLC0415 - vectors imports this module

        return DenseIndex(self, model_id)

    def settle(self) -> None:
        """After a sync that wrote, outside its transaction: make the new rows cheap to read (nothing on SQLite)."""

    @staticmethod
    def bump_generation(conn: Connection) -> None:
        """Mark the index as changed, so in-memory copies (the vector matrix) reload."""
        current = conn.execute(
            select(sync_state.c.value).where(sync_state.c.name == GENERATION_STATE)
        ).scalar()
        SearchIndex.set_state(conn, GENERATION_STATE, str(int(current or 0) + 1))

    # -- reads --------------------------------------------------------------------------

    def selectivity(self, index_filter: IndexFilter) -> Selectivity:
        """What ``index_filter`` permits here: keys, permitted and total document counts."""
        with self.engine.connect() as conn:
            return self._selectivity(conn, index_filter)

    def _selectivity(self, conn: Connection, index_filter: IndexFilter) -> Selectivity:
        """The estimate for ``index_filter``, remembered until the index next changes.

        Reading one state row per search is what keeps the memo honest: every write
        bumps the generation, and a changed generation empties the memo.
        """
        generation = conn.execute(
            select(sync_state.c.value).where(sync_state.c.name == GENERATION_STATE)
        ).scalar()
        with self._memo_lock:
            if generation != self._memo_generation:
                self._memo.clear()
                self._memo_generation = generation
            found = self._memo.get(index_filter)
        if found is None:
            found = estimate(conn, index_filter)
            with self._memo_lock:
                if len(self._memo) >= _MEMO_SIZE:
                    self._memo.pop(next(iter(self._memo)))
                self._memo[index_filter] = found
        return found

    def search(self, query: str, index_filter: IndexFilter, *, k: int = 10) -> list[Hit]:
        """The ``k`` best BM25 matches among the documents ``index_filter`` permits."""
        return list(self.search_planned(query, index_filter, k=k).hits)

    def search_planned(
        self,
        query: str,
        index_filter: IndexFilter,
        *,
        k: int = 10,
        path: TextPath | None = None,
        selectivity: Selectivity | None = None,
    ) -> TextSearch:
        """Like :meth:`search`, reporting the path taken; ``path`` overrides the planner (benchmarks)."""
        words = query_words(query)
        with self.engine.connect() as conn:
            seen = selectivity if selectivity is not None else self._selectivity(conn, index_filter)
            if not words or k <= 0 or not seen.permitted_keys:
                return TextSearch(hits=(), path=path or "empty", selectivity=seen)
            ranked, chosen = self._text_rank(conn, words, seen, path, k)
            rows = {
                int(r.doc_rowid): r
                for r in conn.execute(
                    select(documents).where(documents.c.doc_rowid.in_([r for r, _ in ranked]))
                )
            }
        hits = [Hit(document=row_document(rows[r]), score=s) for r, s in ranked if r in rows]
        # Defence in depth: the scope already chose the candidates; a row that fails here
        # means the key table and the policy disagree, and it is dropped rather than served.
        kept = tuple(h for h in hits if index_filter.permits(h.document.attributes))
        return TextSearch(hits=kept, path=chosen, selectivity=seen)

    def documents_by_id(self, doc_ids: Sequence[str]) -> dict[str, Document]:
        """The stored documents with these ids (no filtering: callers filter)."""
        if not doc_ids:
            return {}
        with self.engine.connect() as conn:
            rows = conn.execute(select(documents).where(documents.c.doc_id.in_(list(doc_ids)))).all()
        return {str(r.doc_id): row_document(r) for r in rows}

    def versions(
        self, conn: Connection | None = None, *, record_ids: Sequence[str] | None = None
    ) -> dict[str, tuple[str, DocumentAttributes]]:
        """Every document's source version and access attributes (what sync compares).

        Read on ``conn`` when given (sync reads it inside its locked transaction).
        ``record_ids`` keeps only the documents that belong to those records (their
        ``claim_id``), for a sync of a few records.
        """
        if conn is None:
            with self.engine.connect() as own:
                return self.versions(own, record_ids=record_ids)
        query = select(
            documents.c.doc_id,
            documents.c.source_version,
            documents.c.access_class,
            documents.c.region,
            documents.c.line_of_business,
            documents.c.sensitivity,
        )
        if record_ids is not None:
            query = query.where(documents.c.claim_id.in_(sorted(set(record_ids))))
        rows = conn.execute(query).all()
        return {
            str(r.doc_id): (
                str(r.source_version),
                DocumentAttributes(
                    access_class=r.access_class,
                    region=r.region,
                    line_of_business=r.line_of_business,
                    sensitivity=r.sensitivity,
                ),
            )
            for r in rows
        }

    def count(self) -> int:
        """How many documents are indexed."""
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(documents)).scalar_one())

    def key_counts(self) -> dict[int, int]:
        """Documents per access key as recorded in the key table (what the planner reads)."""
        with self.engine.connect() as conn:
            return {int(r.key_id): int(r.documents) for r in conn.execute(select(access_keys))}

    def get_state(self, name: str) -> str | None:
        """A value of the sync state (for example the time of the last sync)."""
        with self.engine.connect() as conn:
            value = conn.execute(select(sync_state.c.value).where(sync_state.c.name == name)).scalar()
        return None if value is None else str(value)

    @staticmethod
    def set_state(conn: Connection, name: str, value: str) -> None:
        """Record a sync state value inside the caller's transaction."""
        conn.execute(sync_state.delete().where(sync_state.c.name == name))
        conn.execute(sync_state.insert().values(name=name, value=value))
