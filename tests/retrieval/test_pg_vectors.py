"""Dense search inside PostgreSQL with pgvector: exact over the permitted set, or the in-memory path.

These tests need a PostgreSQL server with the pgvector extension available to install
(``CREATE EXTENSION vector``). Without one they skip with the reason shown, except in
CI, where a missing extension fails the run like a missing server. The fallback (a
database where the extension cannot be installed) is checked on every server.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import Engine, create_engine, select, text

from interlock.db import make_engine, normalize_url
from interlock.domains.claims import schema as t
from interlock.domains.claims.documents import SqlDocumentSource
from interlock.domains.claims.testing.handmade import add_claim, seed_reference
from interlock.policy.document import default_policy
from interlock.policy.principal import Principal, staff_principal
from interlock.retrieval.backends import search_index_for
from interlock.retrieval.embeddings import Vector
from interlock.retrieval.freshness import sync_index
from interlock.retrieval.index import SearchIndex, documents
from interlock.retrieval.pg_index import PostgresSearchIndex
from interlock.retrieval.pg_vectors import PgVectorDense
from interlock.retrieval.planner import Retriever
from interlock.retrieval.vectors import DenseIndex, store_vectors
from interlock.store.migrations import prepare_store
from pgscratch import scratch_database, server_url

pytestmark = pytest.mark.postgres

MODEL = "test:24"
NOW = datetime(2026, 3, 1, tzinfo=UTC)


def _require_pgvector(engine: Engine) -> None:
    with engine.connect() as conn:
        available = conn.execute(text("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'")).first()
    if available is None:
        message = "the pgvector extension is not available on this PostgreSQL server"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture
def pg_store(pg_url: str) -> Iterator[Engine]:
    store = make_engine(pg_url)
    _require_pgvector(store)
    prepare_store(store)
    yield store
    store.dispose()


def _world(tmp_path: Path) -> Engine:
    """A small claims system of record: claims in several regions and lines of business."""
    sor = make_engine(f"sqlite:///{tmp_path / 'sor.db'}")
    t.metadata.create_all(sor)
    seed_reference(sor)
    regions = ("north", "south", "east")
    lines = ("commercial", "medicaid")
    for i in range(60):
        add_claim(
            sor,
            f"C{i:03d}",
            region=regions[i % 3],
            line_of_business=lines[i % 2],
            notes=[f"Visit {i}: knee pain, physical therapy week {i % 7}."],
        )
    return sor


def _random_vectors(index: SearchIndex, seed: int) -> tuple[list[str], np.ndarray]:
    """Store a random vector for every document; the document ids and unit rows, in rowid order."""
    with index.engine.connect() as conn:
        rows = conn.execute(
            select(documents.c.doc_rowid, documents.c.doc_id).order_by(documents.c.doc_rowid)
        ).all()
    matrix = np.random.default_rng(seed).standard_normal((len(rows), 24)).astype(np.float32)
    store_vectors(index, MODEL, [(int(r.doc_rowid), matrix[i]) for i, r in enumerate(rows)])
    return [str(r.doc_id) for r in rows], matrix / np.linalg.norm(matrix, axis=1, keepdims=True)


def _analyst(*pairs: tuple[str, str]) -> Principal:
    return staff_principal(
        staff_id="a", role="analyst", active=True, assignments=frozenset(pairs), privileges=frozenset()
    )


def test_pgvector_search_is_exact_over_the_permitted_set(tmp_path: Path, pg_store: Engine) -> None:
    """The in-database path returns brute force's top-k among permitted documents, and the in-memory path's."""
    sor = _world(tmp_path)
    index = search_index_for(pg_store)
    assert isinstance(index, PostgresSearchIndex)
    sync_index(index, SqlDocumentSource(sor), now=NOW)
    ids, unit = _random_vectors(index, seed=3)
    dense = index.dense_index(MODEL)
    assert isinstance(dense, PgVectorDense)
    memory = DenseIndex(index, MODEL)
    policy = default_policy()
    query = np.random.default_rng(4).standard_normal(24).astype(np.float32)
    for principal in (
        _analyst(("north", "commercial")),
        _analyst(("north", "commercial"), ("south", "medicaid")),
    ):
        flt = policy.index_filter(principal)
        selectivity = index.selectivity(flt)
        found, path = dense.search(query, selectivity, k=10)
        assert path == "pgvector"
        in_memory, _ = memory.search(query, selectivity, k=10)
        assert [d for d, _ in found] == [d for d, _ in in_memory]
        assert np.allclose([s for _, s in found], [s for _, s in in_memory], atol=1e-5)
        # Brute force over every stored vector, keeping the permitted documents only.
        docs = index.documents_by_id(ids)
        allowed = [i for i, d in enumerate(ids) if flt.permits(docs[d].attributes)]
        scores = unit[allowed] @ (query / np.linalg.norm(query))
        expected = [ids[allowed[i]] for i in np.argsort(-scores, kind="stable")[:10]]
        assert [d for d, _ in found] == expected
        assert all(flt.permits(docs[d].attributes) for d, _ in found)
    sor.dispose()


def test_a_moved_record_leaves_the_old_scope_and_hybrid_search_uses_pgvector(
    tmp_path: Path, pg_store: Engine
) -> None:
    """After a claim moves region and the index syncs, the old region's analyst no longer finds it."""
    sor = _world(tmp_path)
    index = search_index_for(pg_store)
    source = SqlDocumentSource(sor)
    sync_index(index, source, now=NOW)
    _random_vectors(index, seed=5)
    north = _analyst(("north", "commercial"))
    with sor.begin() as conn:
        conn.execute(t.claims.update().where(t.claims.c.claim_id == "C000").values(region="west"))
    sync_index(index, source, now=NOW)
    flt = default_policy().index_filter(north)
    query = np.random.default_rng(6).standard_normal(24).astype(np.float32)
    found, path = index.dense_index(MODEL).search(query, index.selectivity(flt), k=1000)
    assert path == "pgvector" and found
    docs = index.documents_by_id([d for d, _ in found])
    assert all(docs[d].claim_id != "C000" for d, _ in found)
    assert all(flt.permits(docs[d].attributes) for d, _ in found)

    class Embedder:
        model_id = MODEL

        def embed(self, texts: Sequence[str]) -> list[Vector]:
            return [query for _ in texts]

    got = Retriever(index, source, embedder=Embedder()).retrieve("knee pain", north, mode="dense", k=5)
    assert got.plan.dense_path == "pgvector"
    assert got.documents and {d.document.claim_id for d in got.documents} - {None} <= {
        f"C{i:03d}" for i in range(6, 60, 6)
    }
    sor.dispose()


def test_installing_pgvector_later_fills_the_column_from_stored_vectors(
    tmp_path: Path, pg_store: Engine
) -> None:
    """Vectors stored before the extension existed are copied into the column on the next open."""
    sor = _world(tmp_path)
    index = search_index_for(pg_store)
    sync_index(index, SqlDocumentSource(sor), now=NOW)
    with pg_store.begin() as conn:  # as if the index had been made before the extension
        conn.exec_driver_sql("ALTER TABLE search_vectors DROP COLUMN embedding")
        conn.exec_driver_sql("DROP EXTENSION vector")
    before = search_index_for(pg_store)
    assert isinstance(before.dense_index(MODEL), DenseIndex)
    _random_vectors(before, seed=7)
    with pg_store.begin() as conn:
        conn.exec_driver_sql("CREATE EXTENSION vector")
    after = search_index_for(pg_store)
    assert isinstance(after.dense_index(MODEL), PgVectorDense)
    with pg_store.connect() as conn:
        missing = conn.execute(text("SELECT count(*) FROM search_vectors WHERE embedding IS NULL")).scalar()
        state = conn.execute(text("SELECT value FROM search_sync_state WHERE name = 'pgvector'")).scalar()
    assert missing == 0 and state == "yes"
    flt = default_policy().index_filter(_analyst(("south", "medicaid")))
    query = np.random.default_rng(8).standard_normal(24).astype(np.float32)
    selectivity = after.selectivity(flt)
    found, _ = after.dense_index(MODEL).search(query, selectivity, k=5)
    in_memory, _ = DenseIndex(after, MODEL).search(query, selectivity, k=5)
    assert [d for d, _ in found] == [d for d, _ in in_memory] and len(found) == 5
    sor.dispose()


@pytest.fixture
def unprivileged_store() -> Iterator[Engine]:
    """A database owned by a role that may not install pgvector (it is not a trusted extension)."""
    role = f"interlock_owner_{secrets.token_hex(4)}"
    with scratch_database("interlock_novector", roles=[role]) as url:
        admin = create_engine(
            normalize_url(url.render_as_string(hide_password=False)), isolation_level="AUTOCOMMIT"
        )
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE ROLE "{role}" LOGIN')
            conn.exec_driver_sql(f'ALTER DATABASE "{url.database}" OWNER TO "{role}"')
            conn.exec_driver_sql(f'ALTER SCHEMA public OWNER TO "{role}"')
        admin.dispose()
        owner = url.set(username=role)
        assert server_url()
        store = make_engine(owner.render_as_string(hide_password=False))
        yield store
        store.dispose()


def test_without_the_extension_vectors_are_scored_exactly_in_memory(
    tmp_path: Path, unprivileged_store: Engine
) -> None:
    """A store whose role cannot install pgvector keeps the in-memory path, still exact and scoped."""
    prepare_store(unprivileged_store)
    sor = _world(tmp_path)
    index = search_index_for(unprivileged_store)
    sync_index(index, SqlDocumentSource(sor), now=NOW)
    with unprivileged_store.connect() as conn:
        state = conn.execute(text("SELECT value FROM search_sync_state WHERE name = 'pgvector'")).scalar()
    assert state == "no"
    _random_vectors(index, seed=9)
    dense = index.dense_index(MODEL)
    assert isinstance(dense, DenseIndex)
    flt = default_policy().index_filter(_analyst(("east", "commercial")))
    query = np.random.default_rng(10).standard_normal(24).astype(np.float32)
    found, path = dense.search(query, index.selectivity(flt), k=5)
    assert path == "slices" and found
    docs = index.documents_by_id([d for d, _ in found])
    assert all(flt.permits(docs[d].attributes) for d, _ in found)
    sor.dispose()
