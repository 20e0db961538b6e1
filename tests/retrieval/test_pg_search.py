"""The search index on PostgreSQL: parity with SQLite, no leaks, concurrent sync, precedent.

Every test runs against a real PostgreSQL server (a throw-away database per module or
test) and skips with the reason shown when none is reachable outside CI.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import Engine, func, select, text

from interlock.db import make_engine
from interlock.domains.claims import schema as t
from interlock.domains.claims.connector import SqlClaimsConnector
from interlock.domains.claims.documents import SqlDocumentSource
from interlock.domains.claims.generator import seed
from interlock.domains.claims.precedent import PrecedentFinder
from interlock.domains.claims.testing.handmade import add_claim, seed_reference
from interlock.policy.document import default_policy
from interlock.policy.entitlements import claim_scope
from interlock.policy.principal import Principal, service_principal, staff_principal
from interlock.retrieval.backends import search_index_for, synced_index_in
from interlock.retrieval.embeddings import Vector
from interlock.retrieval.freshness import sync_index
from interlock.retrieval.index import SearchIndex
from interlock.retrieval.pg_index import PostgresSearchIndex
from interlock.retrieval.planner import Retriever
from interlock.store.metadata import store_metadata
from interlock.store.migrations import prepare_store
from pgscratch import scratch_database
from pgsearchcheck import postings_mismatches

pytestmark = pytest.mark.postgres

NOW = datetime(2026, 3, 1, tzinfo=UTC)
#: Words of the generated notes and summaries that both engines stem alike.
QUERIES = ("physical therapy", "knee pain", "adjudicated", "follow up visit", "diabetes", "mri")


@dataclass
class World:
    sor: Engine
    lite: SearchIndex
    pg: SearchIndex
    pg_url: str
    sor_url: str


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """A generated claims world indexed twice: in a SQLite store and in a PostgreSQL store."""
    root = tmp_path_factory.mktemp("pgsearch")
    sor_url = f"sqlite:///{root / 'sor.db'}"
    sor = make_engine(sor_url)
    t.metadata.create_all(sor)
    seed(sor, claims=40, seed=11, history=260)
    lite_store = make_engine(f"sqlite:///{root / 'store.db'}")
    store_metadata.create_all(lite_store)
    with scratch_database("interlock_pgsearch") as url:
        pg_url = url.render_as_string(hide_password=False)
        pg_store = make_engine(pg_url)
        prepare_store(pg_store)
        lite, pg = search_index_for(lite_store), search_index_for(pg_store)
        source = SqlDocumentSource(sor)
        sync_index(lite, source, now=NOW)
        sync_index(pg, source, now=NOW)
        yield World(sor=sor, lite=lite, pg=pg, pg_url=pg_url, sor_url=sor_url)
        pg_store.dispose()
    lite_store.dispose()
    sor.dispose()


def _staff(sor: Engine) -> list[Principal]:
    connector = SqlClaimsConnector(sor)
    with sor.connect() as conn:
        ids = conn.execute(select(t.staff.c.staff_id).order_by(t.staff.c.staff_id)).scalars().all()
    found = [connector.load_principal(i) for i in ids]
    return [p for p in found if p is not None]


def test_the_store_url_chooses_the_engine(world: World) -> None:
    assert type(world.lite) is SearchIndex
    assert isinstance(world.pg, PostgresSearchIndex)
    assert synced_index_in(world.pg.engine) and synced_index_in(world.lite.engine)
    assert world.pg.count() == world.lite.count() > 500
    assert world.pg.key_counts() == world.lite.key_counts()


def test_same_permitted_results_for_the_same_principal(world: World) -> None:
    """For every staff member and query, both indexes return the same permitted documents."""
    policy = default_policy()
    staff = _staff(world.sor)
    assert len(staff) >= 4
    compared = 0
    for principal in staff:
        flt = policy.index_filter(principal)
        for query in QUERIES:
            lite = {h.document.doc_id for h in world.lite.search(query, flt, k=100_000)}
            pg = {h.document.doc_id for h in world.pg.search(query, flt, k=100_000)}
            assert pg == lite, (principal.principal_id, query, sorted(pg ^ lite)[:5])
            compared += len(pg)
    assert compared > 1000


def test_every_path_agrees_and_ranks_best_first(world: World) -> None:
    """Restricted, match-first and threshold return the same top-k with the same scores, best first."""
    flt = default_policy().index_filter(service_principal())
    for query in QUERIES:
        ranked = {
            path: [
                (h.document.doc_id, h.score)
                for h in world.pg.search_planned(query, flt, k=10, path=path).hits
            ]
            for path in ("restricted", "match_first", "threshold")
        }
        assert ranked["restricted"] == ranked["match_first"] == ranked["threshold"]
        scores = [s for _, s in ranked["threshold"]]
        assert scores == sorted(scores, reverse=True) and len(scores) == 10


def test_no_document_of_another_region_at_any_selectivity(world: World) -> None:
    """A one-assignment analyst never gets another region's, line's or sensitivity's document."""
    with world.sor.connect() as conn:
        pairs = conn.execute(
            select(t.claims.c.region, t.claims.c.line_of_business).distinct().order_by(t.claims.c.region)
        ).all()
    policy = default_policy()
    for region, lob in pairs:
        analyst = staff_principal(
            staff_id=f"a-{region}-{lob}",
            role="analyst",
            active=True,
            assignments=frozenset({(region, lob)}),
            privileges=frozenset(),
        )
        flt = policy.index_filter(analyst)
        seen = world.pg.selectivity(flt)
        assert seen.share < 0.5
        for query in QUERIES:
            for path in ("restricted", "match_first", "threshold"):
                for hit in world.pg.search_planned(query, flt, k=1000, path=path).hits:
                    doc = hit.document
                    if doc.access_class == "reference":
                        continue
                    assert (doc.region, doc.line_of_business, doc.sensitivity) == (region, lob, "none")


def test_a_canary_in_another_region_is_never_found(tmp_path: Path, pg_url: str) -> None:
    """A word that only an out-of-scope record carries finds nothing, even for a tiny scope."""
    sor = make_engine(f"sqlite:///{tmp_path / 'sor.db'}")
    t.metadata.create_all(sor)
    seed_reference(sor)
    add_claim(sor, "N1", notes=["Knee pain after a fall; physical therapy advised."])
    add_claim(sor, "S1", region="south", line_of_business="medicaid", notes=["CANARYSOUTH knee pain"])
    add_claim(sor, "H1", sensitivity="hiv", notes=["CANARYHIV knee pain"])
    store = make_engine(pg_url)
    prepare_store(store)
    index = search_index_for(store)
    source = SqlDocumentSource(sor)
    sync_index(index, source, now=NOW)
    north = staff_principal(
        staff_id="n",
        role="analyst",
        active=True,
        assignments=frozenset({("north", "commercial")}),
        privileges=frozenset(),
    )
    retriever = Retriever(index, source)
    for query in ("canarysouth", "canaryhiv", "knee pain"):
        got = retriever.retrieve(query, north, k=50, mode="bm25")
        assert {d.document.claim_id for d in got.documents} <= {"N1", None}
    assert {d.document.claim_id for d in retriever.retrieve("knee", north, k=50).documents} == {"N1", None}
    # After S1 moves north and a sync, it is found; after it moves back, it is gone again.
    for region, expected in (("north", {"N1", "S1"}), ("south", {"N1"})):
        with sor.begin() as conn:
            conn.execute(
                t.claims.update()
                .where(t.claims.c.claim_id == "S1")
                .values(region=region, line_of_business="commercial" if region == "north" else "medicaid")
            )
        sync_index(index, source, now=NOW)
        flt = default_policy().index_filter(north)
        assert {h.document.claim_id for h in index.search("knee", flt, k=50)} - {None} == expected
    store.dispose()
    sor.dispose()


def _consistent(store: Engine) -> dict[str, int]:
    """Counts of every index table, after checking they describe the same documents exactly once."""
    with store.connect() as conn:
        counts = {
            name: int(conn.execute(text(f"SELECT count(*) FROM {name}")).scalar_one())
            for name in ("search_documents", "search_access", "search_text")
        }
        keyed = conn.execute(text("SELECT coalesce(sum(documents), 0) FROM search_access_keys")).scalar_one()
        wrong_terms = conn.execute(
            text(
                "SELECT count(*) FROM (SELECT l, count(*) AS n FROM search_text, "
                "unnest(tsvector_to_array(tsv)) AS l GROUP BY l) AS c "
                "FULL JOIN (SELECT term, documents FROM search_terms WHERE documents > 0) AS s "
                "ON s.term = c.l WHERE c.n IS DISTINCT FROM s.documents"
            )
        ).scalar_one()
        distinct_ids = conn.execute(
            select(func.count(func.distinct(text("doc_id")))).select_from(text("search_documents"))
        ).scalar_one()
    assert (
        counts["search_documents"]
        == counts["search_access"]
        == counts["search_text"]
        == keyed
        == distinct_ids
    )
    assert wrong_terms == 0
    with store.connect() as conn:
        assert postings_mismatches(conn) == 0
    return counts


def test_concurrent_sync_from_several_processes_converges(world: World, tmp_path: Path) -> None:
    """Four `interlock index sync` processes on one new PostgreSQL store: one copy of every document."""
    with scratch_database("interlock_pgsync") as url:
        store_url = url.render_as_string(hide_password=False)
        interlock = Path(sys.executable).with_name("interlock")
        (tmp_path / "interlock.toml").write_text("", encoding="utf-8")
        env = {**os.environ, "INTERLOCK_CONFIG": str(tmp_path / "interlock.toml")}
        runs = [
            subprocess.Popen(
                [str(interlock), "index", "sync", "--sor", world.sor_url, "--store", store_url, "--json"],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=env,
                text=True,
            )
            for _ in range(4)
        ]
        outputs = [r.communicate(timeout=300) for r in runs]
        assert [r.returncode for r in runs] == [0, 0, 0, 0], [e for _, e in outputs]
        store = make_engine(store_url)
        counts = _consistent(store)
        assert counts["search_documents"] == world.lite.count()
        inserted = sorted(json.loads(o)["inserted"] for o, _ in outputs)
        assert inserted == [0, 0, 0, world.lite.count()]  # one did the work; the others found nothing left
        # An incremental sync after a change touches only that document.
        with world.sor.connect() as conn:
            claim_id = conn.execute(select(t.claims.c.claim_id).limit(1)).scalar_one()
        source = SqlDocumentSource(world.sor)
        index = search_index_for(store)
        before = {d: v for d, v in index.versions().items()}
        report = sync_index(index, source, now=NOW)
        assert (report.inserted, report.updated, report.deleted) == (0, 0, 0)
        assert index.versions() == before and claim_id
        store.dispose()


def test_precedent_on_postgresql(tmp_path: Path, pg_url: str) -> None:
    """Precedent lookup finds the entitled adjudicated look-alikes in a PostgreSQL index."""
    knee = (("X2002", 1, "2000.00"),)
    note = "Eight weeks of supervised physical therapy without relief; MRI shows a medial meniscal tear."
    sor = make_engine(f"sqlite:///{tmp_path / 'sor.db'}")
    t.metadata.create_all(sor)
    seed_reference(sor)
    add_claim(sor, "NEW", lines=knee, notes=[note])
    add_claim(sor, "PAST1", lines=knee, notes=[note], status="adjudicated")
    add_claim(
        sor, "PAST2", lines=knee, notes=["Physical therapy done; meniscal tear on MRI."], status="adjudicated"
    )
    add_claim(
        sor,
        "SOUTH",
        lines=knee,
        notes=[note],
        status="adjudicated",
        region="south",
        line_of_business="medicaid",
    )
    add_claim(sor, "HIV", lines=knee, notes=[note], status="adjudicated", sensitivity="hiv")
    add_claim(sor, "OPEN", lines=knee, notes=[note])
    add_claim(sor, "VISIT", notes=[note], status="adjudicated")
    store = make_engine(pg_url)
    prepare_store(store)
    service = service_principal(assignments=frozenset({("north", "commercial")}), sensitivities=frozenset())
    scope = claim_scope(service)
    finder = PrecedentFinder(store, sor=sor)
    ctx = SqlClaimsConnector(sor).fetch_context("NEW", scope)
    assert ctx is not None
    assert finder.lookup(ctx, scope) == ()  # never synced: skipped
    sync_index(search_index_for(store), SqlDocumentSource(sor), now=NOW)
    finder = PrecedentFinder(store, sor=sor)
    found = finder.lookup(ctx, scope)
    assert [p.claim_id for p in found][:1] == ["PAST1"]
    assert {p.claim_id for p in found} == {"PAST1", "PAST2"}
    add_claim(sor, "LATE", lines=knee, notes=[note], status="adjudicated")
    sync_index(search_index_for(store), SqlDocumentSource(sor), now=NOW)
    assert "LATE" in {p.claim_id for p in finder.lookup(ctx, scope)}
    store.dispose()
    sor.dispose()


class _HashEmbedder:
    """A deterministic bag-of-words embedder (a real implementation of the protocol, not a mock)."""

    model_id = "test:hash"

    def embed(self, texts: Sequence[str]) -> list[Vector]:
        out = []
        for line in texts:
            v = np.zeros(64, dtype=np.float32)
            for w in line.lower().split():
                v[zlib.crc32(w.strip(".;,").encode()) % 64] += 1.0
            out.append(v)
        return out


def test_dense_and_hybrid_search_on_postgresql_stay_within_the_filter(tmp_path: Path, pg_url: str) -> None:
    """Vectors stored in PostgreSQL are scored over the permitted rows only; a moved claim drops out."""
    sor = make_engine(f"sqlite:///{tmp_path / 'sor.db'}")
    t.metadata.create_all(sor)
    seed_reference(sor)
    add_claim(sor, "N1", notes=["Knee pain after a fall; physical therapy advised."])
    add_claim(
        sor, "S1", region="south", line_of_business="medicaid", notes=["south clinic knee pain therapy"]
    )
    store = make_engine(pg_url)
    prepare_store(store)
    index = search_index_for(store)
    source = SqlDocumentSource(sor)
    embedder = _HashEmbedder()
    report = sync_index(index, source, now=NOW, embedder=embedder)
    assert report.embedded == index.count()
    north = staff_principal(
        staff_id="n",
        role="analyst",
        active=True,
        assignments=frozenset({("north", "commercial")}),
        privileges=frozenset(),
    )
    retriever = Retriever(index, source, embedder=embedder)
    for mode in ("dense", "hybrid"):
        got = retriever.retrieve("south clinic knee pain therapy", north, mode=mode, k=20)
        assert got.plan.mode == mode and got.documents
        assert {d.document.claim_id for d in got.documents} <= {None, "N1"}
    # A second sync embeds nothing new (the vectors are there, once each).
    assert sync_index(index, source, now=NOW, embedder=embedder).embedded == 0
    store.dispose()
    sor.dispose()
