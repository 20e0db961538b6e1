"""The selectivity planner: every candidate path is exact over the permitted set, and the key table stays true."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select, text

from interlock.db import make_engine
from interlock.policy.values import ClaimScope, DocumentAttributes, IndexFilter, RecordMatch
from interlock.retrieval.access import (
    RESTRICTED_MAX_KEYS,
    RESTRICTED_MAX_SHARE,
    Selectivity,
    choose_text_path,
    text_expression,
)
from interlock.retrieval.index import Document, SearchIndex, match_expression
from interlock.retrieval.tables import access, access_keys, documents
from interlock.retrieval.vectors import DenseIndex, store_vectors

REGIONS = ("r0", "r1", "r2", "r3", "r4")
LOBS = ("commercial", "medicaid", "medicare_advantage")
SENSITIVITIES = ("none", "hiv", "behavioral_health")
VOCAB = [f"term{i}" for i in range(40)]


def _doc(i: int, rng: random.Random) -> Document:
    body = " ".join(rng.choices(VOCAB, k=12))
    if i % 25 == 0:
        return Document(
            doc_id=f"policy:P{i}",
            kind="policy",
            source_id=f"P{i}",
            claim_id=None,
            access_class="reference",
            region=None,
            line_of_business=None,
            sensitivity=None,
            source_version="2026-01-01",
            title="Policy",
            body=body,
        )
    return Document(
        doc_id=f"note:{i}",
        kind="note",
        source_id=str(i),
        claim_id=f"C{i}",
        access_class="claim",
        region=rng.choice(REGIONS),
        line_of_business=rng.choice(LOBS),
        sensitivity=rng.choice(SENSITIVITIES),
        source_version="v1",
        title="",
        body=body,
    )


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SearchIndex]:
    """500 random notes and policies over 5 regions x 3 lines of business x 3 sensitivities."""
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('planner') / 'store.db'}")
    built = SearchIndex(engine)
    rng = random.Random(3)
    with engine.begin() as conn:
        built.upsert(conn, [_doc(i, rng) for i in range(1, 501)])
    yield built
    engine.dispose()


def _truth(index: SearchIndex, query: str, flt: IndexFilter, k: int) -> list[str]:
    """Every match scored without a filter, filtered in memory afterwards: slow and obviously right."""
    expression = match_expression(query)
    assert expression is not None
    sql = text(
        "SELECT d.*, bm25(search_fts, 1.0, 1.0, 0.0) AS s FROM search_fts "
        "JOIN search_documents d ON d.doc_rowid = search_fts.rowid WHERE search_fts MATCH :q ORDER BY s, d.doc_rowid"
    )
    with index.engine.connect() as conn:
        rows = conn.execute(sql, {"q": text_expression(expression)}).all()
    permitted = [
        r.doc_id
        for r in rows
        if flt.permits(
            DocumentAttributes(
                access_class=r.access_class,
                region=r.region,
                line_of_business=r.line_of_business,
                sensitivity=r.sensitivity,
            )
        )
    ]
    return permitted[:k]


def _subset(values: tuple[str, ...]) -> st.SearchStrategy[frozenset[str] | None]:
    return st.none() | st.frozensets(st.sampled_from(values), min_size=1)


scopes = st.builds(
    lambda readable, pairs, sens, denied, reference: IndexFilter(
        claims=ClaimScope(
            principal_id="p",
            readable=readable,
            pairs=pairs,
            sensitivities=sens,
            phi_unmasked=False,
            reasons=(),
            denied=tuple(denied),
        ),
        reference_readable=reference,
    ),
    st.booleans(),
    st.none() | st.frozensets(st.tuples(st.sampled_from(REGIONS), st.sampled_from(LOBS)), max_size=6),
    _subset(SENSITIVITIES),
    st.lists(
        st.builds(
            RecordMatch,
            regions=_subset(REGIONS),
            lines_of_business=_subset(LOBS),
            sensitivities=_subset(SENSITIVITIES),
        ),
        max_size=2,
    ),
    st.booleans(),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(flt=scopes, words=st.lists(st.sampled_from(VOCAB), min_size=1, max_size=3), k=st.integers(1, 15))
def test_both_text_paths_return_the_exact_permitted_top_k(
    index: SearchIndex, flt: IndexFilter, words: list[str], k: int
) -> None:
    """Restricted, match-first and the planner's own choice all equal the in-memory filtered ranking."""
    query = " ".join(words)
    truth = _truth(index, query, flt, k)
    for path in ("restricted", "match_first", None):
        found = index.search_planned(query, flt, k=k, path=path)
        assert [h.document.doc_id for h in found.hits] == truth, path
        assert all(flt.permits(h.document.attributes) for h in found.hits)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(flt=scopes)
def test_selectivity_counts_exactly_the_permitted_documents(index: SearchIndex, flt: IndexFilter) -> None:
    """The key table's estimate equals a count of the documents the filter permits."""
    with index.engine.connect() as conn:
        rows = conn.execute(select(documents)).all()
    expected = sum(
        flt.permits(
            DocumentAttributes(
                access_class=r.access_class,
                region=r.region,
                line_of_business=r.line_of_business,
                sensitivity=r.sensitivity,
            )
        )
        for r in rows
    )
    seen = index.selectivity(flt)
    assert (seen.permitted_documents, seen.total_documents) == (expected, len(rows))


@pytest.mark.parametrize(
    ("permitted", "keys", "path"),
    [
        (0, 0, "empty"),
        (10, 1, "restricted"),
        (int(RESTRICTED_MAX_SHARE * 10_000), RESTRICTED_MAX_KEYS, "restricted"),
        (int(RESTRICTED_MAX_SHARE * 10_000) + 1, 1, "match_first"),
        (10, RESTRICTED_MAX_KEYS + 1, "match_first"),
    ],
)
def test_planner_restricts_narrow_scopes_and_matches_first_for_wide_ones(
    permitted: int, keys: int, path: str
) -> None:
    """Few permitted documents in few keys go into the FTS query; many, or many keys, filter matches instead."""
    selectivity = Selectivity(
        permitted_keys=tuple(range(keys)), permitted_documents=permitted, total_documents=10_000
    )
    assert choose_text_path(selectivity) == path


def _key_consistency(engine: Engine) -> None:
    with engine.connect() as conn:
        counted = {
            int(key): int(n)
            for key, n in conn.execute(select(access.c.key_id, func.count()).group_by(access.c.key_id))
        }
        recorded = {r.key_id: r.documents for r in conn.execute(select(access_keys)) if r.documents}
        mismatched = conn.execute(
            select(func.count())
            .select_from(documents.join(access, access.c.doc_rowid == documents.c.doc_rowid))
            .join(access_keys, access_keys.c.key_id == access.c.key_id)
            .where(
                (access_keys.c.access_class != documents.c.access_class)
                | access_keys.c.region.is_distinct_from(documents.c.region)
                | access_keys.c.line_of_business.is_distinct_from(documents.c.line_of_business)
                | access_keys.c.sensitivity.is_distinct_from(documents.c.sensitivity)
            )
        ).scalar_one()
        unkeyed = conn.execute(
            select(func.count())
            .select_from(documents.outerjoin(access, access.c.doc_rowid == documents.c.doc_rowid))
            .where(access.c.key_id.is_(None))
        ).scalar_one()
    assert counted == recorded
    assert (mismatched, unkeyed) == (0, 0)


def test_key_table_follows_inserts_updates_moves_and_deletes(tmp_path: Path) -> None:
    """After every kind of write, each document has the key of its attributes and the counts match."""
    index = SearchIndex(make_engine(f"sqlite:///{tmp_path / 'store.db'}"))
    rng = random.Random(5)
    docs = [_doc(i, rng) for i in range(1, 80)]
    with index.engine.begin() as conn:
        index.upsert(conn, docs)
    _key_consistency(index.engine)
    moved = docs[1]
    with index.engine.begin() as conn:
        index.upsert(conn, [_doc(i, rng) for i in range(1, 20)])  # new text and attributes
        index.update_attributes(
            conn,
            moved.doc_id,
            replace(moved, region="elsewhere"),
        )
        index.delete(conn, [d.doc_id for d in docs[40:50]])
    _key_consistency(index.engine)
    elsewhere = IndexFilter(
        claims=ClaimScope(
            principal_id="p",
            readable=True,
            pairs=frozenset({("elsewhere", moved.line_of_business or "")}),
            sensitivities=None,
            phi_unmasked=False,
            reasons=(),
        ),
        reference_readable=False,
    )
    assert [h.document.doc_id for h in index.search(moved.body, elsewhere, k=5)] == [moved.doc_id]


def test_dense_search_is_exact_on_both_paths_and_follows_attribute_changes(index: SearchIndex) -> None:
    """Range-sliced and masked cosine search equal brute force, and a moved document drops out at once."""
    rng = np.random.default_rng(1)
    with index.engine.connect() as conn:
        rows = conn.execute(select(documents)).all()
    matrix = rng.standard_normal((len(rows), 16)).astype(np.float32)
    store_vectors(index, "test:16", [(int(r.doc_rowid), matrix[i]) for i, r in enumerate(rows)])
    dense = DenseIndex(index, "test:16")
    unit = matrix / np.linalg.norm(matrix, axis=1, keepdims=True)
    narrow = IndexFilter(
        claims=ClaimScope(
            principal_id="p",
            readable=True,
            pairs=frozenset({("r1", "medicaid")}),
            sensitivities=frozenset({"none"}),
            phi_unmasked=False,
            reasons=(),
        ),
        reference_readable=True,
    )
    wide = IndexFilter(claims=replace(narrow.claims, pairs=None, sensitivities=None), reference_readable=True)
    query = rng.standard_normal(16).astype(np.float32)
    for flt, path in ((narrow, "slices"), (wide, "masked")):
        mask = np.array(
            [
                flt.permits(
                    DocumentAttributes(
                        access_class=r.access_class,
                        region=r.region,
                        line_of_business=r.line_of_business,
                        sensitivity=r.sensitivity,
                    )
                )
                for r in rows
            ]
        )
        scores = np.where(mask, unit @ (query / np.linalg.norm(query)), -np.inf)
        expected = [
            str(rows[i].doc_id) for i in np.argsort(-scores, kind="stable")[:10] if np.isfinite(scores[i])
        ]
        found, chosen = dense.search(query, index.selectivity(flt), k=10)
        assert (chosen, [d for d, _ in found]) == (path, expected)
    best = found[0][0]
    moved = index.documents_by_id([best])[best]
    with index.engine.begin() as conn:
        index.update_attributes(
            conn,
            best,
            replace(
                moved, access_class="claim", region="r0", line_of_business="commercial", sensitivity="hiv"
            ),
        )
    without_hiv = IndexFilter(
        claims=replace(wide.claims, sensitivities=frozenset({"none"})), reference_readable=True
    )
    again, _ = dense.search(query, index.selectivity(without_hiv), k=10)
    assert best not in [d for d, _ in again]


def test_an_index_of_an_older_layout_is_rebuilt_empty(tmp_path: Path) -> None:
    """Opening an index written under the previous layout drops it so the next sync rebuilds it."""
    engine = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE VIRTUAL TABLE search_fts USING fts5(title, body)")
        conn.exec_driver_sql("CREATE TABLE search_documents (doc_rowid INTEGER PRIMARY KEY, doc_id TEXT)")
        conn.exec_driver_sql("INSERT INTO search_documents VALUES (1, 'note:old')")
    index = SearchIndex(engine)
    assert index.count() == 0
    with engine.connect() as conn:
        columns = [r[1] for r in conn.exec_driver_sql("PRAGMA table_info(search_fts)")]
    assert columns == ["title", "body", "access_key"]
