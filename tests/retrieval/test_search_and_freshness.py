"""Entitlement-filtered search, incremental sync and freshness, on real SQLite files."""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import Engine

from interlock.clock import FrozenClock
from interlock.db import make_engine
from interlock.domains.claims import schema as t
from interlock.domains.claims.connector import SqlClaimsConnector
from interlock.domains.claims.documents import SqlDocumentSource
from interlock.domains.claims.testing.handmade import add_claim, seed_reference
from interlock.exceptions import StaleIndex
from interlock.policy.entitlements import index_filter
from interlock.policy.principal import Principal
from interlock.retrieval.embeddings import Vector
from interlock.retrieval.freshness import sync_index
from interlock.retrieval.index import SearchIndex, match_expression
from interlock.retrieval.planner import Retriever, reciprocal_rank_fusion

T0 = datetime(2026, 3, 1, tzinfo=UTC)


@pytest.fixture
def world(tmp_path: Path) -> tuple[Engine, SearchIndex, SqlDocumentSource, FrozenClock]:
    """A hand-written SOR with one north and one south claim, and an empty index in a store file."""
    sor = make_engine(f"sqlite:///{tmp_path / 'sor.db'}")
    t.metadata.create_all(sor)
    seed_reference(sor)
    add_claim(sor, "N1", notes=["Six weeks of physical therapy completed; knee pain persists."])
    add_claim(
        sor,
        "S1",
        member_id="M2",
        region="south",
        line_of_business="medicaid",
        notes=["Physical therapy for the knee, south clinic."],
    )
    index = SearchIndex(make_engine(f"sqlite:///{tmp_path / 'store.db'}"))
    return sor, index, SqlDocumentSource(sor), FrozenClock(T0)


def _staff(connector: SqlClaimsConnector, staff_id: str) -> Principal:
    principal = connector.load_principal(staff_id)
    assert principal is not None
    return principal


def test_search_returns_only_permitted_documents_ranked_by_bm25(
    world: tuple[Engine, SearchIndex, SqlDocumentSource, FrozenClock],
) -> None:
    """A north analyst's search sees north notes and policies, never the south note, however many match."""
    sor, index, source, clock = world
    sync_index(index, source, now=clock.now())
    a1 = _staff(SqlClaimsConnector(sor), "A1")
    hits = index.search("physical therapy knee", index_filter(a1), k=10)
    ids = {h.document.doc_id for h in hits}
    assert "note:N1-N1" in ids and "note:S1-N1" not in ids and "claim:S1" not in ids
    assert hits == sorted(hits, key=lambda h: -h.score)
    old = _staff(SqlClaimsConnector(sor), "OLD")
    assert index.search("physical therapy knee", index_filter(old), k=10) == []


def test_query_text_cannot_inject_fts_syntax() -> None:
    """Quotes, operators and column filters in a question become plain quoted words."""
    assert match_expression('knee" OR body:* NEAR(') == '"knee" OR "body" OR "near"'
    assert match_expression("!!!") is None


def test_sync_applies_only_changes(world: tuple[Engine, SearchIndex, SqlDocumentSource, FrozenClock]) -> None:
    """A second sync with no change touches nothing; inserts, updates, attribute moves and deletes are counted."""
    sor, index, source, clock = world
    first = sync_index(index, source, now=clock.now())
    assert first.inserted == index.count() and first.updated == 0
    again = sync_index(index, source, now=clock.now())
    assert (again.inserted, again.updated, again.attributes_changed, again.deleted) == (0, 0, 0, 0)
    add_claim(sor, "N2", notes=["Arthroscopy scheduled."])
    with sor.begin() as conn:
        conn.execute(t.claims.update().where(t.claims.c.claim_id == "N1").values(version=2))
        conn.execute(t.claims.update().where(t.claims.c.claim_id == "S1").values(sensitivity="hiv"))
        conn.execute(t.clinical_notes.delete().where(t.clinical_notes.c.claim_id == "S1"))
    report = sync_index(index, source, now=clock.now())
    assert report.inserted == 2  # claim N2 and its note
    assert report.updated == 2  # claim N1 and its note (version bumped)
    assert report.attributes_changed == 1  # claim S1's summary: same version, new sensitivity
    assert report.deleted == 1  # S1's note


def test_region_change_is_never_served_under_old_attributes(
    world: tuple[Engine, SearchIndex, SqlDocumentSource, FrozenClock],
) -> None:
    """Moving a claim south: before sync a bounded query refuses or reads live; after sync the old assignee sees none of it."""
    sor, index, source, clock = world
    sync_index(index, source, now=clock.now())
    a1 = _staff(SqlClaimsConnector(sor), "A1")
    retriever = Retriever(index, source, clock=clock)
    before = retriever.retrieve("physical therapy knee", a1)
    assert any(d.document.claim_id == "N1" for d in before.documents)
    with sor.begin() as conn:
        conn.execute(
            t.claims.update()
            .where(t.claims.c.claim_id == "N1")
            .values(region="south", line_of_business="medicaid")
        )
    clock.advance(600)
    with pytest.raises(StaleIndex):
        retriever.retrieve("physical therapy knee", a1, max_staleness=timedelta(seconds=60))
    live = retriever.retrieve(
        "physical therapy knee", a1, max_staleness=timedelta(seconds=60), on_stale="live"
    )
    assert live.read_live and not any(d.document.claim_id == "N1" for d in live.documents)
    unbounded = retriever.retrieve("physical therapy knee", a1)
    assert not any(d.document.claim_id == "N1" for d in unbounded.documents)
    assert unbounded.withheld >= 1 and not unbounded.complete
    assert unbounded.staleness == timedelta(seconds=600)
    sync_index(index, source, now=clock.now())
    after = retriever.retrieve("physical therapy knee arthroscopy claim", a1, k=50)
    assert not any(d.document.claim_id == "N1" for d in after.documents)
    assert after.withheld == 0
    a2 = _staff(SqlClaimsConnector(sor), "A2")
    assert any(d.document.claim_id == "N1" for d in retriever.retrieve("physical therapy", a2).documents)


def test_refresh_policy_syncs_before_answering(
    world: tuple[Engine, SearchIndex, SqlDocumentSource, FrozenClock],
) -> None:
    """With on_stale=refresh a never-synced index is synced first and reports zero staleness."""
    sor, index, source, clock = world
    a1 = _staff(SqlClaimsConnector(sor), "A1")
    got = Retriever(index, source, clock=clock).retrieve(
        "physical therapy", a1, max_staleness=timedelta(seconds=1), on_stale="refresh"
    )
    assert got.refreshed and got.staleness == timedelta(0) and got.documents


class _HashEmbedder:
    """A deterministic bag-of-words embedder (a real implementation of the protocol, not a mock)."""

    model_id = "test:hash"

    def embed(self, texts: Sequence[str]) -> list[Vector]:
        out = []
        for text in texts:
            v = np.zeros(64, dtype=np.float32)
            for w in text.lower().split():
                v[zlib.crc32(w.strip(".;,").encode()) % 64] += 1.0
            out.append(v)
        return out


def test_hybrid_search_stays_within_the_filter(
    world: tuple[Engine, SearchIndex, SqlDocumentSource, FrozenClock],
) -> None:
    """Dense and hybrid retrieval score only permitted vectors and never return a forbidden document."""
    sor, index, source, clock = world
    embedder = _HashEmbedder()
    report = sync_index(index, source, now=clock.now(), embedder=embedder)
    assert report.embedded == index.count()
    a1 = _staff(SqlClaimsConnector(sor), "A1")
    retriever = Retriever(index, source, clock=clock, embedder=embedder)
    for mode in ("dense", "hybrid"):
        got = retriever.retrieve("south clinic physical therapy", a1, mode=mode)
        assert got.plan.mode == mode
        assert got.documents and all(d.document.claim_id in (None, "N1") for d in got.documents)


def test_reciprocal_rank_fusion_rewards_agreement() -> None:
    """A document ranked well by both rankers outranks one ranked first by only one."""
    fused = [d for d, _ in reciprocal_rank_fusion([["a", "b", "c"], ["b", "c", "a"]])]
    assert fused[0] == "b"
