"""The search index on PostgreSQL: one index in the store, shared by every worker.

The same documents, access keys, sync state and vectors as the SQLite index
(:mod:`interlock.retrieval.tables`), and the same idea of planning: a search reads
the scope's permitted keys and their document counts from ``search_access_keys``,
then generates candidates with the scope already applied, never a top-k filtered
afterwards. Only the text engine differs. Each document's text is a ``tsvector``
(``to_tsvector('interlock_english', title || ' ' || body)``: English stemming
without PostgreSQL's stopword list) in ``search_text``, a narrow table beside its
access key, with a GIN index on the vector and a b-tree on the key; and each
(document, lexeme) pair is a *posting* in ``search_postings``: the lexeme's weight in
the document (``ts_rank`` for that lexeme alone) and the document's access key, with
the postings of every lexeme in weight order in ``ix_search_postings_impact``.

The score is BM25-like: the sum, over the query's lexemes, of the lexeme's BM25 IDF
times ``ts_rank`` of the document for that lexeme alone (a saturating term
frequency, divided by one plus the log of the document's length). Document
frequencies live in ``search_terms``, kept exact by every write of the index, as are
the postings. Three paths compute it, all exact, all giving a document the same
score (the same floating-point number):

* **threshold** (the default): the best permitted postings of each query lexeme
  first, the scope a filter of that index scan; the candidates are scored exactly
  from their postings, and lists are read deeper until the top k is proven
  (:mod:`interlock.retrieval.threshold`). Short lists are read to their end.
  Cost grows with the postings read, not with the scope;
* **restricted** (chosen when reading the permitted documents costs less: a tiny
  scope, or a narrow one searched for very common words): the permitted rows are
  read through the key index, and only they are matched and ranked;
* **match_first** (never chosen; kept as the reference the others are measured and
  tested against): the GIN index enumerates the query's matches and ``WHERE`` keeps
  the permitted ones before any is ranked.

Writers take a transaction-scoped advisory lock (:meth:`PostgresSearchIndex.begin_sync`),
so any number of processes may run ``interlock index sync`` at once. The tables come
from store revisions 0006 and 0009; a store adopted without them (tables made by
``create_all``) gets them on first open, under the same lock, and an index of an
older layout is dropped there and rebuilt by the next sync.

Dense vectors are stored as on SQLite. When the database has the pgvector extension
they are also kept in a ``vector`` column and searched inside PostgreSQL, exactly over
the permitted set (:mod:`interlock.retrieval.pg_vectors`); otherwise each process
scores them exactly from memory (:class:`~interlock.retrieval.vectors.DenseIndex`).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Final

from sqlalchemy import Connection, Engine, TextClause, inspect, select, text

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
from interlock.retrieval.threshold import (
    ListEnd,
    Round,
    choose_path,
    first_depth,
    list_depths,
    proven,
    rank_key,
)
from interlock.retrieval.vectors import DenseSearch

log = logging.getLogger(__name__)

#: The layout of the PostgreSQL index tables (see INDEX_LAYOUT for SQLite's).
PG_INDEX_LAYOUT: Final = "pg2"
_LAYOUT_STATE: Final = "index_layout"
#: Any constant: the advisory lock every writer of the index holds (not the migrations' key).
SYNC_LOCK_KEY: Final = 0x1A7E_5EA1
#: English stemming without PostgreSQL's stopword list (interlock drops its own from
#: queries), so a document matches the same words as in the SQLite index.
TS_CONFIG: Final = "interlock_english"  # written out in the SQL below

#: The PostgreSQL-only tables of the index (revisions 0006 and 0009 create the same).
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
    "CREATE TABLE IF NOT EXISTS search_terms (term text PRIMARY KEY, documents integer NOT NULL, "
    "term_id integer GENERATED BY DEFAULT AS IDENTITY UNIQUE)",
    "CREATE TABLE IF NOT EXISTS search_postings (doc_rowid integer NOT NULL, term_id integer NOT NULL, "
    "key_id integer NOT NULL, weight real NOT NULL, PRIMARY KEY (doc_rowid, term_id) INCLUDE (weight))",
    "CREATE INDEX IF NOT EXISTS ix_search_postings_impact "
    "ON search_postings (term_id, weight DESC, doc_rowid) INCLUDE (key_id)",
)
INDEX_TABLES: Final = (
    "search_documents",
    "search_access_keys",
    "search_access",
    "search_vectors",
    "search_sync_state",
    "search_text",
    "search_terms",
    "search_postings",
)

_INSERT_TEXT: Final = text(
    "INSERT INTO search_text (doc_rowid, key_id, tsv) "
    "SELECT d.doc_rowid, a.key_id, to_tsvector('interlock_english', d.title || ' ' || d.body) "
    "FROM search_documents d JOIN search_access a ON a.doc_rowid = d.doc_rowid "
    "WHERE d.doc_rowid = ANY(CAST(:rows AS integer[]))"
)
#: Counts the documents' lexemes into ``search_terms`` in one pass: new terms are inserted
#: with their counts (and get a term id), known ones are incremented. Both parts see the
#: table as it was before the statement, so no term is counted twice.
_COUNT_TERMS: Final = text(
    "WITH c AS (SELECT l, count(*) AS n FROM search_text t, unnest(tsvector_to_array(t.tsv)) AS l "
    "WHERE t.doc_rowid = ANY(CAST(:rows AS integer[])) GROUP BY l), "
    "added AS (INSERT INTO search_terms (term, documents) SELECT c.l, c.n FROM c "
    "WHERE NOT EXISTS (SELECT 1 FROM search_terms s WHERE s.term = c.l)) "
    "UPDATE search_terms s SET documents = s.documents + c.n FROM c WHERE s.term = c.l"
)
_UNCOUNT_TERMS: Final = text(
    "UPDATE search_terms s SET documents = s.documents - c.n FROM ("
    "SELECT l, count(*) AS n FROM search_text t, unnest(tsvector_to_array(t.tsv)) AS l "
    "WHERE t.doc_rowid = ANY(CAST(:rows AS integer[])) GROUP BY l) AS c WHERE s.term = c.l"
)
#: The tsquery of one lexeme, quoted in SQL exactly as :func:`_lexeme_query` quotes it in Python
#: (chr(39) is the quote, chr(92) the backslash), so the stored weight is the ranking's own number.
_LEXEME_QUERY_SQL: Final = (
    "CAST(chr(39) || replace(replace(u.lexeme, chr(92), chr(92) || chr(92)), chr(39), chr(39) || chr(39)) "
    "|| chr(39) AS tsquery)"
)
_INSERT_POSTINGS: Final = text(
    "INSERT INTO search_postings (doc_rowid, term_id, key_id, weight) "  # noqa: S608 - a constant
    f"SELECT t.doc_rowid, s.term_id, t.key_id, ts_rank(t.tsv, {_LEXEME_QUERY_SQL}, 1) "
    "FROM search_text t CROSS JOIN LATERAL unnest(t.tsv) AS u JOIN search_terms s ON s.term = u.lexeme "
    "WHERE t.doc_rowid = ANY(CAST(:rows AS integer[]))"
)
_DELETE_POSTINGS: Final = text("DELETE FROM search_postings WHERE doc_rowid = ANY(CAST(:rows AS integer[]))")
_DELETE_TEXT: Final = text("DELETE FROM search_text WHERE doc_rowid = ANY(CAST(:rows AS integer[]))")
_REKEY: Final = text("UPDATE search_text SET key_id = :k WHERE doc_rowid = :r")
_REKEY_POSTINGS: Final = text("UPDATE search_postings SET key_id = :k WHERE doc_rowid = :r")
_TERMS: Final = text(
    "SELECT l.lexeme AS lexeme, coalesce(s.documents, 0) AS n, s.term_id AS term_id FROM ("
    "SELECT DISTINCT unnest(tsvector_to_array(to_tsvector('interlock_english', w))) AS lexeme "
    "FROM unnest(CAST(:words AS text[])) AS w) AS l "
    "LEFT JOIN search_terms s ON s.term = l.lexeme ORDER BY l.lexeme"
)


@dataclass(frozen=True, slots=True, kw_only=True)
class QueryTerm:
    """One lexeme of a query: its BM25 IDF, how many documents hold it, and its id (None when none does)."""

    lexeme: str
    idf: float
    documents: int
    term_id: int | None


@functools.cache
def _round_statement(lexemes: int) -> TextClause:
    """One round of the threshold algorithm over ``lexemes`` query lexemes, in one statement.

    * ``read``: the first ``depths[i]`` permitted postings of every lexeme's list, best
      first (the scope filters the impact-ordered index scan, so only permitted postings
      count); ``ends``: how many each list gave and its last posting; a list that gave
      fewer than asked is exhausted and bounds an unread document's weight by 0, an
      open one by its last weight (``ceiling``).
    * ``known``: every document read, with the weights read; its lower bound counts an
      unknown weight as 0, its upper bound as the list's ceiling.
    * ``scored``: the exact score of every document that can still reach the top k
      (upper bound at least the k-th best lower bound), by the exhaustive paths' own
      expression; a weight neither read nor known to be 0 is looked up by primary key.

    Returned: the best :k (part 0: rowid, score) and where each list ended (part 1:
    lexeme number from 1, rowid and weight of its last posting, postings read). Weights
    travel as double precision: the text of a ``real`` read back as a double is not the
    ``real``'s value.
    """
    n = range(1, lexemes + 1)
    weights = ", ".join(f"max(weight) FILTER (WHERE i = {i}) AS w{i}" for i in n)
    ceilings = ", ".join(
        f"max(ceiling) FILTER (WHERE i = {i}) AS c{i}, bool_or(open) FILTER (WHERE i = {i}) AS o{i}"
        for i in n
    )
    low = " + ".join(f"coalesce(w{i}, 0) * :w{i}" for i in n)
    high = " + ".join(f"coalesce(w{i}, c{i}) * :w{i}" for i in n)
    unresolved = " OR ".join(f"(w{i} IS NULL AND o{i})" for i in n)
    exact = " + ".join(
        f"coalesce(w{i}, CASE WHEN o{i} THEN (SELECT p.weight FROM search_postings p "  # noqa: S608 - bound values only
        f"WHERE p.doc_rowid = b.r AND p.term_id = :t{i}) END, 0) * :w{i}"
        for i in n
    )
    return text(
        "WITH q AS (SELECT term_id, n, i FROM unnest(CAST(:terms AS integer[]), CAST(:depths AS integer[])) "  # noqa: S608 - bound values only
        "WITH ORDINALITY AS u(term_id, n, i)), "
        "read AS MATERIALIZED (SELECT q.i, p.doc_rowid, p.weight FROM q CROSS JOIN LATERAL ("
        "SELECT doc_rowid, weight FROM search_postings "
        "WHERE term_id = q.term_id AND key_id = ANY(CAST(:keys AS integer[])) "
        "ORDER BY weight DESC, doc_rowid LIMIT q.n) AS p), "
        "last AS (SELECT DISTINCT ON (i) i, doc_rowid, weight, count(*) OVER (PARTITION BY i) AS got "
        "FROM read ORDER BY i, weight, doc_rowid DESC), "
        "ends AS MATERIALIZED (SELECT q.i, coalesce(l.got, 0) AS got, l.doc_rowid, l.weight, "
        "coalesce(l.got, 0) >= q.n AS open, "
        "CASE WHEN coalesce(l.got, 0) >= q.n THEN l.weight ELSE CAST(0 AS real) END AS ceiling "
        "FROM q LEFT JOIN last l ON l.i = q.i), "
        f"bounds AS MATERIALIZED (SELECT {ceilings} FROM ends), "
        f"known AS MATERIALIZED (SELECT doc_rowid AS r, {weights} FROM read GROUP BY doc_rowid), "
        f"ranked AS MATERIALIZED (SELECT k.*, b.*, {low} AS low, {high} AS high, {unresolved} AS unresolved "
        "FROM known k CROSS JOIN bounds b), "
        "floor AS (SELECT low FROM ranked ORDER BY low DESC OFFSET :k - 1 LIMIT 1), "
        f"scored AS (SELECT b.r, {exact} AS s FROM ranked b "
        "WHERE NOT b.unresolved OR b.high >= coalesce((SELECT low FROM floor), '-Infinity')) "
        "(SELECT 0 AS part, CAST(0 AS bigint) AS i, r, s, CAST(0 AS bigint) AS n "
        "FROM scored ORDER BY s DESC, r LIMIT :k) "
        "UNION ALL (SELECT 1, i, doc_rowid, CAST(weight AS double precision), got FROM ends WHERE got > 0)"
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
        conn.execute(_DELETE_POSTINGS, rows)
        conn.execute(_DELETE_TEXT, rows)

    def _text_insert(self, conn: Connection, rows: Sequence[tuple[int, Document, int]]) -> None:
        params = {"rows": [r for r, _, _ in rows]}
        conn.execute(_INSERT_TEXT, params)
        conn.execute(_COUNT_TERMS, params)
        conn.execute(_INSERT_POSTINGS, params)

    def _text_rekey(self, conn: Connection, rowid: int, key: int) -> None:
        conn.execute(_REKEY, {"r": rowid, "k": key})
        conn.execute(_REKEY_POSTINGS, {"r": rowid, "k": key})

    def _terms(self, conn: Connection, words: Sequence[str], total: int) -> list[QueryTerm]:
        """The query's lexemes (as the documents were stemmed) with their BM25 IDF and term id."""
        return [
            QueryTerm(
                lexeme=str(r.lexeme),
                idf=bm25_idf(total, int(r.n)),
                documents=int(r.n),
                term_id=None if r.term_id is None else int(r.term_id),
            )
            for r in conn.execute(_TERMS, {"words": list(words)})
        ]

    def _text_rank(
        self, conn: Connection, words: Sequence[str], seen: Selectivity, path: TextPath | None, k: int
    ) -> tuple[list[tuple[int, float]], TextPath]:
        """The ``k`` best permitted (rowid, score) and the path taken (:func:`choose_path` when ``path`` is None).

        ``threshold`` needs every lexeme's IDF positive (always so while the term counts
        are exact); otherwise the same query runs ``match_first`` and says so.
        """
        terms = self._terms(conn, words, seen.total_documents)
        chosen = path or choose_path(seen, [t.documents for t in terms], k)
        if not terms:
            return [], chosen
        if chosen == "threshold":
            if all(t.idf > 0.0 for t in terms):
                return self._threshold_rank(conn, terms, seen, k), chosen
            chosen = "match_first"
        params: dict[str, object] = {
            "q": " | ".join(_lexeme_query(t.lexeme) for t in terms),
            "keys": list(seen.permitted_keys),
            "k": k,
        }
        parts = []
        for i, term in enumerate(terms):
            params[f"l{i}"], params[f"w{i}"] = _lexeme_query(term.lexeme), term.idf
            parts.append(f"ts_rank(t.tsv, CAST(:l{i} AS tsquery), 1) * :w{i}")
        score = " + ".join(parts)
        if chosen == "restricted":
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
        return [(int(x.r), float(x.s)) for x in conn.execute(text(sql), params)], chosen

    def _threshold_rank(
        self, conn: Connection, terms: Sequence[QueryTerm], seen: Selectivity, k: int
    ) -> list[tuple[int, float]]:
        """The exact top ``k`` from the impact-ordered postings, read deeper until it is proven."""
        held = [t for t in terms if t.term_id is not None]  # a lexeme no document holds adds 0 to every score
        if not held:
            return []
        idfs = [t.idf for t in held]
        params: dict[str, object] = {
            "terms": [t.term_id for t in held],
            "keys": list(seen.permitted_keys),
            "k": k,
        }
        for i, term in enumerate(held, start=1):
            params[f"t{i}"], params[f"w{i}"] = term.term_id, term.idf
        statement = _round_statement(len(held))
        expected = [t.documents * seen.share for t in held]
        depth, rounds = first_depth(k, expected), 0
        while True:
            rounds += 1
            asked = list_depths(expected, depth)
            top: list[tuple[int, float]] = []
            ends = [ListEnd(read=0) for _ in held]
            for x in conn.execute(statement, {**params, "depths": asked}):
                if x.part == 0:
                    top.append((int(x.r), float(x.s)))
                else:
                    ends[int(x.i) - 1] = ListEnd(read=int(x.n), last_rowid=int(x.r), last_weight=float(x.s))
            found = Round(depths=tuple(asked), top=tuple(sorted(top, key=rank_key)), ends=tuple(ends))
            if proven(found, idfs, k):
                still_open = sum(not found.exhausted(i) for i in range(len(held)))
                log.debug("threshold top %d proven in %d round(s), %d list(s) open", k, rounds, still_open)
                return list(found.top)
            depth *= 2

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

    def settle(self) -> None:
        """Vacuum the postings a sync wrote, so that reading them needs no visit to the table.

        The threshold path reads postings by index-only scans, which skip the table
        only for pages marked all-visible. Autovacuum marks them eventually (when it is
        on); this does it at once. It skips the table while another vacuum holds it,
        and a role that does not own the table only gets a warning.
        """
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM (SKIP_LOCKED) search_postings")

    @staticmethod
    def analyze(conn: Connection) -> None:
        """Refresh the planner's statistics of the tables a sync changed."""
        conn.exec_driver_sql("ANALYZE search_documents, search_text, search_access, search_postings")


def _has_pgvector(conn: Connection) -> bool:
    """True when the server has (or lets us create) the pgvector extension; never fails the caller."""
    try:
        with conn.begin_nested():
            conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS vector")
    except Exception:
        return False
    return True
