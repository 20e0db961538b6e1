"""Dense search inside PostgreSQL with pgvector, exact over the permitted set.

Without pgvector every process holds the vectors of the index in memory
(:class:`~interlock.retrieval.vectors.DenseIndex`) and reloads them whenever a sync
changes the index: with many workers sharing one PostgreSQL index that is one copy
of every vector per worker, and a reload per worker after each write. When the server
offers the extension, the vectors are also kept in a ``vector`` column of
``search_vectors`` (``embedding``) and a search runs in the database: the permitted
rows are read through the key index, and only they are scored, by cosine distance,
to an exact top-k. The entitlement filter stays inside candidate generation, exactly
as on the other paths.

No approximate index (HNSW, IVFFlat) is built on the column on purpose: a filtered
approximate search returns fewer permitted documents the narrower the scope is
(docs/postgres.md), and Interlock promises exact recall at every selectivity.

The column exists only while the extension is installed in the store's database. It
is added, and filled from the stored vectors, under the index's advisory lock the
first time an index is opened after the extension appears, so an operator may
install pgvector on a running deployment.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import numpy as np
from sqlalchemy import Connection, text

from interlock.retrieval.access import Selectivity
from interlock.retrieval.embeddings import Vector
from interlock.retrieval.index import SearchIndex
from interlock.retrieval.vectors import DensePath

__all__ = ["PgVectorDense", "column_ready", "ensure_embeddings", "extension_installed", "store_embeddings"]

#: Rows converted per statement when the column is filled from stored vectors.
_BACKFILL_BATCH: Final = 500

_SEARCH: Final = text(
    "SELECT d.doc_id AS doc_id, 1 - (v.embedding <=> CAST(:q AS vector)) AS s "
    "FROM search_text t "
    "JOIN search_vectors v ON v.doc_rowid = t.doc_rowid "
    "JOIN search_documents d ON d.doc_rowid = t.doc_rowid "
    "WHERE t.key_id = ANY(CAST(:keys AS integer[])) AND v.model = :m "
    "ORDER BY v.embedding <=> CAST(:q AS vector), d.doc_rowid LIMIT :k"
)


def literal(vector: Vector) -> str:
    """``vector`` in pgvector's text form, ``[x1,x2,...]`` (``repr`` keeps every float32 digit)."""
    return "[" + ",".join(repr(float(x)) for x in np.asarray(vector, dtype=np.float32)) + "]"


def extension_installed(conn: Connection) -> bool:
    """True when the pgvector extension is installed in this database."""
    return bool(conn.execute(text("SELECT 1 FROM pg_extension WHERE extname = 'vector'")).first())


def column_ready(conn: Connection) -> bool:
    """True when ``search_vectors`` has the ``embedding`` column."""
    found = conn.execute(
        text(
            "SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND table_name = 'search_vectors' AND column_name = 'embedding'"
        )
    ).first()
    return found is not None


def ensure_embeddings(conn: Connection) -> bool:
    """Add and fill the ``embedding`` column when the extension is installed; True when in use.

    Call under the index's advisory lock. Stored vectors are unit length already
    (:func:`~interlock.retrieval.vectors.store_vectors`), so they are copied as they are.
    """
    if not extension_installed(conn):
        return False
    if not column_ready(conn):
        conn.exec_driver_sql("ALTER TABLE search_vectors ADD COLUMN embedding vector")
    while True:
        rows = conn.execute(
            text("SELECT doc_rowid, vector FROM search_vectors WHERE embedding IS NULL LIMIT :n"),
            {"n": _BACKFILL_BATCH},
        ).all()
        if not rows:
            return True
        store_embeddings(
            conn, [(int(r.doc_rowid), np.frombuffer(bytes(r.vector), dtype=np.float32)) for r in rows]
        )


def store_embeddings(conn: Connection, rows: Sequence[tuple[int, Vector]]) -> None:
    """Write the ``embedding`` of stored vectors, by document rowid."""
    if rows:
        conn.execute(
            text("UPDATE search_vectors SET embedding = CAST(:e AS vector) WHERE doc_rowid = :r"),
            [{"r": rowid, "e": literal(vector)} for rowid, vector in rows],
        )


class PgVectorDense:
    """Exact cosine top-k among a scope's permitted documents, computed by PostgreSQL."""

    def __init__(self, index: SearchIndex, model_id: str) -> None:
        self.index = index
        self.model_id = model_id

    def search(
        self, query: Vector, selectivity: Selectivity, *, k: int
    ) -> tuple[list[tuple[str, float]], DensePath]:
        """The ``k`` best (doc id, cosine score) of the permitted keys; path ``pgvector``."""
        if k <= 0 or not selectivity.permitted_keys:
            return [], "empty"
        q = np.asarray(query, dtype=np.float32)
        q = q / (float(np.linalg.norm(q)) or 1.0)
        params = {"q": literal(q), "keys": list(selectivity.permitted_keys), "m": self.model_id, "k": k}
        with self.index.engine.connect() as conn:
            found = conn.execute(_SEARCH, params).all()
        return [(str(r.doc_id), float(r.s)) for r in found], "pgvector"
