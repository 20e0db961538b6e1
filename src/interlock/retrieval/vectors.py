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
from typing import Final, Literal

import numpy as np
import numpy.typing as npt
from sqlalchemy import select

from interlock.retrieval.access import Selectivity
from interlock.retrieval.embeddings import EmbeddingClient, Vector
from interlock.retrieval.index import GENERATION_STATE, SearchIndex
from interlock.retrieval.tables import access, documents, vectors

DensePath = Literal["empty", "slices", "masked"]
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
    """Store (document rowid, vector) pairs of one model in one transaction."""
    if not rows:
        return
    with index.engine.begin() as conn:
        conn.execute(vectors.delete().where(vectors.c.doc_rowid.in_([r for r, _ in rows])))
        conn.execute(
            vectors.insert(),
            [{"doc_rowid": r, "model": model_id, "vector": v.astype(np.float32).tobytes()} for r, v in rows],
        )
        index.bump_generation(conn)


@dataclass(frozen=True, slots=True)
class _Matrix:
    generation: str | None
    rows: npt.NDArray[np.float32]  # unit-length rows, grouped by access key
    doc_ids: tuple[str, ...]
    ranges: dict[int, tuple[int, int]]  # key id -> [start, stop) rows


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
        query = (
            select(access.c.key_id, documents.c.doc_id, vectors.c.vector)
            .join(access, access.c.doc_rowid == vectors.c.doc_rowid)
            .join(documents, documents.c.doc_rowid == vectors.c.doc_rowid)
            .where(vectors.c.model == self.model_id)
            .order_by(access.c.key_id, vectors.c.doc_rowid)
        )
        with self.index.engine.connect() as conn:
            found = conn.execute(query).all()
        if not found:
            return _Matrix(generation=generation, rows=np.zeros((0, 0), np.float32), doc_ids=(), ranges={})
        rows = np.vstack([np.frombuffer(r.vector, dtype=np.float32) for r in found])
        norms = np.linalg.norm(rows, axis=1, keepdims=True)
        unit = (rows / np.where(norms == 0, 1.0, norms)).astype(np.float32)
        ranges: dict[int, tuple[int, int]] = {}
        for i, r in enumerate(found):
            start, _ = ranges.get(int(r.key_id), (i, i))
            ranges[int(r.key_id)] = (start, i + 1)
        return _Matrix(
            generation=generation,
            rows=unit,
            doc_ids=tuple(str(r.doc_id) for r in found),
            ranges=ranges,
        )

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


def _top_k(scores: npt.NDArray[np.float32], k: int) -> list[int]:
    """Positions of the ``k`` highest finite scores, best first; ties by position (stable)."""
    if k <= 0:
        return []
    top = np.argpartition(-scores, k - 1)[:k]
    order = top[np.lexsort((top, -scores[top]))]
    return [int(i) for i in order if np.isfinite(scores[i])]
