"""`interlock mcp` over a PostgreSQL store: the tools search the shared PostgreSQL index, in scope only."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from mcp import Client
from mcp_world import HIDDEN_CANARY, VISIBLE_CANARY, World, make_world
from test_stdio import ok, run_as

from interlock.db import make_engine
from interlock.domains.claims.testing.api_world import TokenIssuer
from interlock.registry import domain
from interlock.retrieval.backends import search_index_for
from interlock.retrieval.freshness import sync_index
from interlock.retrieval.pg_index import PostgresSearchIndex
from interlock.store.migrations import prepare_store

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_world(tmp_path: Path, issuer: TokenIssuer, pg_url: str) -> World:
    """The MCP world with its store (work items, audit trail, search index) on PostgreSQL."""
    world = make_world(tmp_path, issuer)
    store = make_engine(pg_url)
    prepare_store(store)
    sor = make_engine(world.sor_url)
    index = search_index_for(store)
    assert isinstance(index, PostgresSearchIndex)
    sync_index(index, domain("claims").documents(sor), now=datetime.now(UTC))
    sor.dispose()
    store.dispose()
    return replace(world, settings=world.settings.model_copy(update={"store_url": pg_url}))


def test_search_and_summaries_come_from_the_postgresql_index_in_scope(pg_world: World) -> None:
    """North analyst A1 finds the north canary, never the south one, and summaries cite notes."""

    async def body(client: Client) -> None:
        assert ok(await client.call_tool("search", {"query": HIDDEN_CANARY}))["results"] == []
        visible = ok(await client.call_tool("search", {"query": VISIBLE_CANARY}))
        assert [r["record_id"] for r in visible["results"]] == ["CN-N1"]
        summary = ok(await client.call_tool("summarize", {"task": "claims.adjudicate", "record_id": "RV-N1"}))
        assert summary["verdict"] == "pass" and summary["statements"]
        assert all(s["citations"] for s in summary["statements"])
        answer = ok(
            await client.call_tool("ask", {"question": f"Which {VISIBLE_CANARY} reaction was reported?"})
        )
        assert VISIBLE_CANARY in str(answer["statements"])
        leak = ok(
            await client.call_tool("ask", {"question": f"Which {HIDDEN_CANARY} reaction was reported?"})
        )
        assert HIDDEN_CANARY not in str(leak)

    run_as(pg_world, "A1", body)
    events = pg_world.tool_events()
    assert {e["details"]["tool"] for e in events} >= {"search", "summarize", "ask"}
