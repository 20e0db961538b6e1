"""The search index on PostgreSQL: one index in the store, shared by every worker.

The same documents, access keys, sync state and vectors as the SQLite index
(:mod:`interlock.retrieval.tables`), and the same planner: a search reads the
scope's permitted keys and their document counts from ``search_access_keys``, then
generates candidates with the scope already applied, never a top-k filtered
afterwards. Only the text engine differs. Each document's text is a ``tsvector``
(``to_tsvector('interlock_english', title || ' ' || body)``: English stemming
without PostgreSQL's stopword list) in ``search_text``, a narrow table
beside its access key, with a GIN index on the vector and a b-tree on the key:

* **restricted** (narrow scopes): the permitted rows are read through the key index,
  and only they are matched and ranked (exact over the permitted set);
* **match_first** (wide scopes): the GIN index enumerates the query's matches and
  ``WHERE`` keeps the permitted ones before any is ranked.

Both are exact and score a document identically. The score is BM25-like: the sum,
over the query's lexemes, of the lexeme's BM25 IDF times ``ts_rank`` of the document
for that lexeme alone (a saturating term frequency, divided by one plus the log of
the document's length). Document frequencies live in ``search_terms``, kept exact by
every write of the index.

Writers take a transaction-scoped advisory lock (:meth:`PostgresSearchIndex.begin_sync`),
so any number of processes may run ``interlock index sync`` at once. The tables come
from store revision 0006; a store adopted without it (tables made by ``create_all``)
gets them on first open, under the same lock.

Dense vectors are stored as on SQLite. When the database has the pgvector extension
they are also kept in a ``vector`` column and searched inside PostgreSQL, exactly over
the permitted set (:mod:`interlock.retrieval.pg_vectors`); otherwise each process
scores them exactly from memory (:class:`~interlock.retrieval.vectors.DenseIndex`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Final

from sqlalchemy import Connection, Engine, inspect, select, text

from interlock.exceptions import ConfigurationError
from interlock.retrieval.access import Selectivity, TextPath
from interlock.retrieval.embeddings import Vector
from interlock.retrieval.index import Document, DocumentKind, SearchIndex
from interlock.retrieval.pg_vectors import (
    PgVectorDense,
    column_ready,
    ensure_embeddings,
    extension_installed,
    store_embeddings,
)
from interlock.retrieval.tables import index_metadata, sync_state
from interlock.retrieval.vectors import DenseSearch

log = logging.getLogger(__name__)

#: The layout of the PostgreSQL index tables (see INDEX_LAYOUT for SQLite's).
PG_INDEX_LAYOUT: Final = "pg1"
_LAYOUT_STATE: Final = "index_layout"
#: Any constant: the advisory lock every writer of the index holds (not the migrations' key).
SYNC_LOCK_KEY: Final = 0x1A7E_5EA1
#: English stemming without PostgreSQL's stopword list (interlock drops its own from
#: queries), so a document matches the same words as in the SQLite index.
TS_CONFIG: Final = "interlock_english"  # written out in the SQL below
#: The restricted path while the scope permits at most this share of the documents
#: (bench/pg_search.py: reading the permitted rows through the key index wins below it).
PG_RESTRICTED_MAX_SHARE: Final = 0.03

#: The PostgreSQL-only tables of the index (revision 0006 creates the same).
TEXT_DDL: Final = (
    "DO $interlock$ BEGIN "
    "IF NOT EXISTS (SELECT 1 FROM pg_ts_dict WHERE dictname = 'interlock_english_stem' "
    "AND dictnamespace = current_schema()::regnamespace) THEN "
    "CREATE TEXT SEARCH DICTIONARY interlock_english_stem (TEMPLATE = snowball, Language = english); "
    "END IF; "
    "IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'interlock_english' "
    "AND cfgnamespace = current_schema()::regnamespace) THEN "
    "CREATE TEXT SEARCH CONFIGURATION interlock_english (COPY = english); "
    "ALTER TEXT SEARCH CONFIGURATION interlock_english ALTER MAPPING FOR "
    "asciiword, asciihword, hword_asciipart, word, hword, hword_part WITH interlock_english_stem; "
    "END IF; END $interlock$",
    "CREATE TABLE IF NOT EXISTS search_text ("
    "doc_rowid integer PRIMARY KEY, key_id integer NOT NULL, tsv tsvector NOT NULL)",
    "CREATE INDEX IF NOT EXISTS ix_search_text_tsv ON search_text USING gin (tsv)",
    "CREATE INDEX IF NOT EXISTS ix_search_text_key ON search_text (key_id)",
    "CREATE TABLE IF NOT EXISTS search_terms (term text PRIMARY KEY, documents integer NOT NULL)",
)
INDEX_TABLES: Final = (
    "search_documents",
    "search_access_keys",
    "search_access",
    "search_vectors",
    "search_sync_state",
    "search_text",
    "search_terms",
)

_INSERT_TEXT: Final = text(
    "INSERT INTO search_text (doc_rowid, key_id, tsv) "
    "SELECT d.doc_rowid, a.key_id, to_tsvector('interlock_english', d.title || ' ' || d.body) "
    "FROM search_documents d JOIN search_access a ON a.doc_rowid = d.doc_rowid "
    "WHERE d.doc_rowid = ANY(CAST(:rows AS integer[]))"
)
_COUNT_TERMS: Final = text(
    "INSERT INTO search_terms (term, documents) "
    "SELECT l, count(*) FROM search_text t, unnest(tsvector_to_array(t.tsv)) AS l "
    "WHERE t.doc_rowid = ANY(CAST(:rows AS integer[])) GROUP BY l "
    "ON CONFLICT (term) DO UPDATE SET documents = search_terms.documents + excluded.documents"
)
_UNCOUNT_TERMS: Final = text(
    "UPDATE search_terms s SET documents = s.documents - c.n FROM ("
    "SELECT l, count(*) AS n FROM search_text t, unnest(tsvector_to_array(t.tsv)) AS l "
    "WHERE t.doc_rowid = ANY(CAST(:rows AS integer[])) GROUP BY l) AS c WHERE s.term = c.l"
)
_DELETE_TEXT: Final = text("DELETE FROM search_text WHERE doc_rowid = ANY(CAST(:rows AS integer[]))")
_REKEY: Final = text("UPDATE search_text SET key_id = :k WHERE doc_rowid = :r")
_TERMS: Final = text(
    "SELECT l.lexeme AS lexeme, coalesce(s.documents, 0) AS n FROM ("
    "SELECT DISTINCT unnest(tsvector_to_array(to_tsvector('interlock_english', w))) AS lexeme "
    "FROM unnest(CAST(:words AS text[])) AS w) AS l "
    "LEFT JOIN search_terms s ON s.term = l.lexeme ORDER BY l.lexeme"
)


def _lexeme_query(lexeme: str) -> str:
    """A tsquery literal for one lexeme, quoted so that no character is query syntax."""
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def bm25_idf(total: int, containing: int) -> float:
    """BM25's inverse document frequency (never negative)."""
    import math  # noqa: PLC0415 - one call per query term

    return math.log(1.0 + (total - containing + 0.5) / (containing + 0.5))


class PostgresSearchIndex(SearchIndex):
    """Entitlement-filtered, BM25-like full-text search over the documents of a PostgreSQL store."""

    layout = PG_INDEX_LAYOUT

    def __init__(self, engine: Engine) -> None:
        if engine.dialect.name != "postgresql":
            raise ConfigurationError(
                f"the PostgreSQL search index needs a PostgreSQL store; got {engine.dialect.name}"
            )
        self._setup(engine)
        self._pgvector = False
        if not self._ready():
            with self.begin_sync() as conn:
                self._ensure_pg_layout(conn)
                self._pgvector = extension_installed(conn) and column_ready(conn)

    def _ready(self) -> bool:
        """True when every table exists and carries this layout (the common case: no lock).

        Also false when pgvector was installed since the index was made: the first open
        after that adds and fills the vector column.
        """
        with self.engine.connect() as conn:
            if not set(INDEX_TABLES) <= set(inspect(conn).get_table_names()):
                return False
            layout = conn.execute(
                select(sync_state.c.value).where(sync_state.c.name == _LAYOUT_STATE)
            ).scalar()
            self._pgvector = extension_installed(conn) and column_ready(conn)
            if extension_installed(conn) and not self._pgvector:
                return False
        return layout == PG_INDEX_LAYOUT

    @staticmethod
    def _ensure_pg_layout(conn: Connection) -> None:
        """Create the index tables; drop an index written under another layout first (it is derived)."""
        names = set(inspect(conn).get_table_names())
        layout = None
        if sync_state.name in names:
            layout = conn.execute(
                select(sync_state.c.value).where(sync_state.c.name == _LAYOUT_STATE)
            ).scalar()
        if layout is not None and layout != PG_INDEX_LAYOUT:
            log.warning("search index layout %s is outdated; dropping it for a rebuild by sync", layout)
            for table in reversed(INDEX_TABLES):
                conn.exec_driver_sql(f"DROP TABLE IF EXISTS {table}")
        index_metadata.create_all(conn)
        for statement in TEXT_DDL:
            conn.exec_driver_sql(statement)
        if layout != PG_INDEX_LAYOUT:
            SearchIndex.set_state(conn, _LAYOUT_STATE, PG_INDEX_LAYOUT)
            _has_pgvector(conn)  # installs the extension where this role may
        SearchIndex.set_state(conn, "pgvector", "yes" if ensure_embeddings(conn) else "no")

    @contextmanager
    def begin_sync(self) -> Iterator[Connection]:
        """A transaction holding the index's advisory lock: writers from any process take turns."""
        with self.engine.begin() as conn:
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": SYNC_LOCK_KEY})
            yield conn

    # -- dense vectors ------------------------------------------------------------------

    def vectors_stored(self, conn: Connection, rows: Sequence[tuple[int, Vector]]) -> None:
        """Keep the pgvector copy of newly stored vectors, when the database has the extension."""
        if self._pgvector:
            store_embeddings(conn, rows)

    def dense_index(self, model_id: str) -> DenseSearch:
        """In-database exact search with pgvector; the in-memory matrix without it."""
        if self._pgvector:
            return PgVectorDense(self, model_id)
        return super().dense_index(model_id)

    # -- the text engine ------------------------------------------------------------------

    def _text_delete(self, conn: Connection, rowids: Sequence[int]) -> None:
        rows = {"rows": list(rowids)}
        conn.execute(_UNCOUNT_TERMS, rows)
        conn.execute(_DELETE_TEXT, rows)

    def _text_insert(self, conn: Connection, rows: Sequence[tuple[int, Document, int]]) -> None:
        params = {"rows": [r for r, _, _ in rows]}
        conn.execute(_INSERT_TEXT, params)
        conn.execute(_COUNT_TERMS, params)

    def _text_rekey(self, conn: Connection, rowid: int, key: int) -> None:
        conn.execute(_REKEY, {"r": rowid, "k": key})

    def _terms(self, conn: Connection, words: Sequence[str], total: int) -> list[tuple[str, float]]:
        """The query's lexemes (as the documents were stemmed) with their BM25 IDF."""
        return [
            (str(r.lexeme), bm25_idf(total, int(r.n))) for r in conn.execute(_TERMS, {"words": list(words)})
        ]

    def _text_rank(
        self, conn: Connection, words: Sequence[str], seen: Selectivity, path: TextPath, k: int
    ) -> list[tuple[int, float]]:
        terms = self._terms(conn, words, seen.total_documents)
        if not terms:
            return []
        params: dict[str, object] = {
            "q": " | ".join(_lexeme_query(lexeme) for lexeme, _ in terms),
            "keys": list(seen.permitted_keys),
            "k": k,
        }
        parts = []
        for i, (lexeme, idf) in enumerate(terms):
            params[f"l{i}"], params[f"w{i}"] = _lexeme_query(lexeme), idf
            parts.append(f"ts_rank(t.tsv, CAST(:l{i} AS tsquery), 1) * :w{i}")
        score = " + ".join(parts)
        if path == "restricted":
            # OFFSET 0 keeps the match out of the sub-query: the permitted rows are read
            # through the key index first, and only they are matched and ranked.
            source = (
                "(SELECT doc_rowid, tsv FROM search_text "
                "WHERE key_id = ANY(CAST(:keys AS integer[])) OFFSET 0) AS t WHERE t.tsv @@ CAST(:q AS tsquery)"
            )
        else:
            # key_id + 0: the key index is not used, so the GIN index enumerates the matches.
            source = (
                "search_text AS t WHERE t.tsv @@ CAST(:q AS tsquery) "
                "AND t.key_id + 0 = ANY(CAST(:keys AS integer[]))"
            )
        sql = f"SELECT t.doc_rowid AS r, {score} AS s FROM {source} ORDER BY s DESC, t.doc_rowid LIMIT :k"  # noqa: S608 - bound values only
        return [(int(x.r), float(x.s)) for x in conn.execute(text(sql), params)]

    @staticmethod
    def choose_path(selectivity: Selectivity) -> TextPath:
        """Restricted up to :data:`PG_RESTRICTED_MAX_SHARE` of the documents, match-first above."""
        if selectivity.permitted_documents == 0 or not selectivity.permitted_keys:
            return "empty"
        return "restricted" if selectivity.share <= PG_RESTRICTED_MAX_SHARE else "match_first"

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
        if not any_of or not selectivity.permitted_keys or limit <= 0:
            return []
        # Words are letters and digits only (query_words), so they are no tsquery syntax.
        expression = " & ".join([*required, "(" + " | ".join(any_of) + ")"])
        sql = text(
            "SELECT d.claim_id AS c FROM search_text t JOIN search_documents d ON d.doc_rowid = t.doc_rowid "
            "CROSS JOIN to_tsquery('interlock_english', :q) AS q "
            "WHERE t.tsv @@ q AND t.key_id = ANY(CAST(:keys AS integer[])) "
            "AND d.kind = :kind AND d.claim_id IS NOT NULL "
            "ORDER BY ts_rank(t.tsv, q, 1) DESC, d.doc_rowid LIMIT :n"
        )
        params = {"q": expression, "keys": list(selectivity.permitted_keys), "kind": kind, "n": limit}
        return [str(r.c) for r in conn.execute(sql, params)]

    @staticmethod
    def analyze(conn: Connection) -> None:
        """Refresh the planner's statistics of the tables a sync changed."""
        conn.exec_driver_sql("ANALYZE search_documents, search_text, search_access")


def _has_pgvector(conn: Connection) -> bool:
    """True when the server has (or lets us create) the pgvector extension; never fails the caller."""
    try:
        with conn.begin_nested():
            conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS vector")
    except Exception:
        return False
    return True
