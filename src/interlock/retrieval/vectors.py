"""Stored document vectors and exact cosine search over the permitted set.

Vectors live in the index (``search_vectors``) and are scored from an in-memory
matrix whose rows are grouped by access key (:mod:`interlock.retrieval.access`), so
the documents a scope permits are a union of contiguous row ranges. A search scores
only those ranges (``slices``, cost proportional to the permitted set), or, when the
scope permits most of the index, every row with the forbidden ones masked out before
ranking (``masked``). Both are exact: a forbidden vector never reaches the top-k,
and recall does not depend on selectivity, unlike a post-filtered or filtered
approximate index (shared/research/retrieval.md). The matrix is reloaded when the
index's generation changes (every sync write bumps it).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Final, Literal, Protocol

import numpy as np
import numpy.typing as npt
from sqlalchemy import select, text

from interlock.retrieval.access import Selectivity
from interlock.retrieval.embeddings import EmbeddingClient, Vector
from interlock.retrieval.index import GENERATION_STATE, SearchIndex
from interlock.retrieval.tables import access, documents, vectors

#: ``pgvector``: scored inside PostgreSQL (:mod:`interlock.retrieval.pg_vectors`).
DensePath = Literal["empty", "slices", "masked", "pgvector"]
_BATCH: Final = 256
#: Above this permitted share one masked pass over every row is cheaper than gathering ranges.
MASKED_MIN_SHARE: Final = 0.5


def embed_missing(index: SearchIndex, embedder: EmbeddingClient) -> int:
    """Embed every document that has no vector from ``embedder``'s model yet."""
    query = (
        select(documents.c.doc_rowid, documents.c.title, documents.c.body)
        .outerjoin(
            vectors,
            (vectors.c.doc_rowid == documents.c.doc_rowid) & (vectors.c.model == embedder.model_id),
        )
        .where(vectors.c.doc_rowid.is_(None))
    )
    with index.engine.connect() as conn:
        missing = conn.execute(query).all()
    for i in range(0, len(missing), _BATCH):
        batch = missing[i : i + _BATCH]
        embedded = embedder.embed([f"{r.title}\n{r.body}" for r in batch])
        store_vectors(
            index, embedder.model_id, [(int(r.doc_rowid), v) for r, v in zip(batch, embedded, strict=True)]
        )
    return len(missing)


def store_vectors(index: SearchIndex, model_id: str, rows: list[tuple[int, Vector]]) -> None:
    """Store (document rowid, vector) pairs of one model in one transaction, scaled to unit length.

    Unit length makes cosine similarity a dot product, so searches never normalise.
    """
    if not rows:
        return
    with index.begin_sync() as conn:
        conn.execute(vectors.delete().where(vectors.c.doc_rowid.in_([r for r, _ in rows])))
        conn.execute(
            vectors.insert(),
            [{"doc_rowid": r, "model": model_id, "vector": _unit(v).tobytes()} for r, v in rows],
        )
        index.vectors_stored(conn, [(r, _unit(v)) for r, v in rows])
        index.bump_generation(conn)


@dataclass(frozen=True, slots=True)
class _Matrix:
    generation: str | None
    rows: npt.NDArray[np.float32]  # unit-length rows, grouped by access key
    doc_ids: tuple[str, ...]
    ranges: dict[int, tuple[int, int]]  # key id -> [start, stop) rows


class DenseSearch(Protocol):
    """Exact cosine top-k over one model's vectors among a scope's permitted documents."""

    @property
    def model_id(self) -> str:
        """The embedding model whose vectors are searched."""
        ...

    def search(
        self, query: Vector, selectivity: Selectivity, *, k: int
    ) -> tuple[list[tuple[str, float]], DensePath]:
        """The ``k`` best (doc id, cosine score), best first, and the path that found them."""
        ...


class DenseIndex:
    """Exact cosine search over one model's vectors, restricted to a scope's access keys."""

    def __init__(self, index: SearchIndex, model_id: str) -> None:
        self.index = index
        self.model_id = model_id
        self._matrix: _Matrix | None = None
        self._lock = threading.Lock()

    def _current(self) -> _Matrix:
        generation = self.index.get_state(GENERATION_STATE)
        with self._lock:
            if self._matrix is None or self._matrix.generation != generation:
                self._matrix = self._load(generation)
            return self._matrix

    def _load(self, generation: str | None) -> _Matrix:
        """Read every vector of the model and group the rows by access key.

        Vectors are read in rowid order (no sort of 300 MB of blobs inside SQLite) into
        one buffer, and regrouped by key in numpy; a vector whose document has no
        access row is left out (fail closed).
        """
        with self.index.engine.connect() as conn:
            stored = conn.execute(
                text("SELECT doc_rowid, vector FROM search_vectors WHERE model = :m ORDER BY doc_rowid"),
                {"m": self.model_id},
            ).all()
            owners = conn.execute(
                select(access.c.doc_rowid, access.c.key_id, documents.c.doc_id)
                .join(documents, documents.c.doc_rowid == access.c.doc_rowid)
                .order_by(access.c.doc_rowid)
            ).all()
        if not stored:
            return _Matrix(generation=generation, rows=np.zeros((0, 0), np.float32), doc_ids=(), ranges={})
        rowids = np.fromiter((r[0] for r in stored), dtype=np.int64, count=len(stored))
        # One buffer, one array: an array per row costs seconds at 200,000 rows.
        rows = np.frombuffer(b"".join(bytes(r[1]) for r in stored), dtype=np.float32).reshape(len(stored), -1)
        owner_rowids = np.fromiter((o.doc_rowid for o in owners), dtype=np.int64, count=len(owners))
        owner_keys = np.fromiter((o.key_id for o in owners), dtype=np.int64, count=len(owners))
        at = np.clip(np.searchsorted(owner_rowids, rowids), 0, max(len(owners) - 1, 0))
        owned = (owner_rowids[at] == rowids) if len(owners) else np.zeros(len(rowids), dtype=bool)
        keys = owner_keys[at]
        order = np.flatnonzero(owned)[np.argsort(keys[owned], kind="stable")]
        key_array = keys[order]
        unit = rows[order]  # stored at unit length by store_vectors
        starts = np.flatnonzero(np.r_[True, key_array[1:] != key_array[:-1]]) if len(order) else order
        stops = np.r_[starts[1:], len(order)]
        ranges = {int(key_array[i]): (int(i), int(j)) for i, j in zip(starts, stops, strict=True)}
        names = np.array([str(o.doc_id) for o in owners], dtype=object)
        doc_ids = tuple(names[at[order]].tolist())
        return _Matrix(generation=generation, rows=unit, doc_ids=doc_ids, ranges=ranges)

    def search(
        self, query: Vector, selectivity: Selectivity, *, k: int
    ) -> tuple[list[tuple[str, float]], DensePath]:
        """Exact cosine top-``k`` (doc id, score) among the documents of the permitted keys."""
        m = self._current()
        spans = sorted(m.ranges[key] for key in selectivity.permitted_keys if key in m.ranges)
        if k <= 0 or not spans:
            return [], "empty"
        q = np.asarray(query, dtype=np.float32)
        q = q / (float(np.linalg.norm(q)) or 1.0)
        permitted = sum(stop - start for start, stop in spans)
        if permitted >= MASKED_MIN_SHARE * m.rows.shape[0]:
            scores = np.full(m.rows.shape[0], -np.inf, dtype=np.float32)
            everything = m.rows @ q
            for start, stop in spans:
                scores[start:stop] = everything[start:stop]
            index_of = np.arange(m.rows.shape[0])
            path: DensePath = "masked"
        else:
            index_of = np.concatenate([np.arange(start, stop) for start, stop in spans])
            scores = np.concatenate([m.rows[start:stop] @ q for start, stop in spans])
            path = "slices"
        top = _top_k(scores, min(k, permitted))
        return [(m.doc_ids[int(index_of[i])], float(scores[i])) for i in top], path


def _unit(vector: Vector) -> Vector:
    """``vector`` as float32 scaled to length 1 (a zero vector stays zero)."""
    v = np.asarray(vector, dtype=np.float32)
    norm = float(np.linalg.norm(v))
    return v / norm if norm else v


def _top_k(scores: npt.NDArray[np.float32], k: int) -> list[int]:
    """Positions of the ``k`` highest finite scores, best first; ties by position (stable)."""
    if k <= 0:
        return []
    top = np.argpartition(-scores, k - 1)[:k]
    order = top[np.lexsort((top, -scores[top]))]
    return [int(i) for i in order if np.isfinite(scores[i])]
