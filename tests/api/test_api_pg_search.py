"""The API's ask and summarize with a PostgreSQL store: its search index is the store's own."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx2 as httpx
import pytest

from interlock.api.app import create_app
from interlock.db import make_engine
from interlock.domains.claims.documents import SqlDocumentSource
from interlock.domains.claims.testing.api_world import LiveServer, TokenIssuer, seed_review_world
from interlock.domains.claims.testing.handmade import add_claim
from interlock.retrieval.backends import search_index_for
from interlock.retrieval.freshness import sync_index
from interlock.retrieval.pg_index import PostgresSearchIndex
from interlock.store.migrations import prepare_store
from pgscratch import scratch_database

pytestmark = pytest.mark.postgres

CANARY = "CANARYSOUTH"


@dataclass
class World:
    url: str
    issuer: TokenIssuer

    def client(self, staff_id: str) -> httpx.Client:
        return httpx.Client(
            base_url=self.url, headers={"Authorization": f"Bearer {self.issuer.token(staff_id)}"}, timeout=60
        )


@pytest.fixture
def world(tmp_path: Path, issuer: TokenIssuer) -> Iterator[World]:
    """The review payer in SQLite, the store in PostgreSQL, synced once, and a live server over both."""
    settings = seed_review_world(tmp_path, issuer)
    sor = make_engine(settings.sor_url)
    add_claim(
        sor,
        "RV-SC",
        member_id="M2",
        region="south",
        line_of_business="medicaid",
        notes=[f"{CANARY} knee arthroscopy after failed physical therapy."],
    )
    with scratch_database("interlock_apisearch") as url:
        store_url = url.render_as_string(hide_password=False)
        store = make_engine(store_url)
        prepare_store(store)
        index = search_index_for(store)
        assert isinstance(index, PostgresSearchIndex)
        sync_index(index, SqlDocumentSource(sor), now=datetime.now(UTC))
        with LiveServer(create_app(settings.model_copy(update={"store_url": store_url}))) as server:
            yield World(url=server.url, issuer=issuer)
        store.dispose()
    sor.dispose()


def _cited(body: dict[str, object]) -> set[str]:
    statements = body["statements"]
    assert isinstance(statements, list)
    return {c for s in statements for c in s["citations"]}


def test_ask_answers_with_citations_from_the_postgresql_index(world: World) -> None:
    with world.client("A1") as a1:
        r = a1.post("/v1/ask", json={"question": "What does knee arthroscopy require?"})
        assert r.status_code == 200, r.text
        body = r.json()
    assert body["verdict"] == "pass" and body["statements"]
    assert body["staleness_seconds"] is not None  # answered from a synced index, not without one
    cited = _cited(body)
    # The medical policy comes from the index only (it is no claim's context item).
    assert any(c.startswith("policy:MP-KNEE@") for c in cited), cited
    assert not any("RV-S" in c or "RV-NBH" in c for c in cited)
    assert CANARY not in r.text


def test_ask_never_reaches_another_region(world: World) -> None:
    """The canary word exists only in a south claim's note: a north analyst gets nothing of it."""
    with world.client("A1") as a1:
        r = a1.post("/v1/ask", json={"question": f"{CANARY} knee arthroscopy"})
    assert r.status_code == 200
    assert CANARY not in r.text and "RV-SC" not in r.text


def test_summarize_cites_context_items(world: World) -> None:
    with world.client("A1") as a1:
        mine = a1.get("/v1/claims/RV-N1/summary")
        other = a1.get("/v1/claims/RV-SC/summary")
    assert mine.status_code == 200, mine.text
    assert mine.json()["statements"] and _cited(mine.json())
    assert other.status_code == 404
