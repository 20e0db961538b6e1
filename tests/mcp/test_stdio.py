"""`interlock mcp` over stdio, driven by the official MCP SDK's client as a real subprocess."""

from __future__ import annotations

import os
import sys
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
from mcp import Client, StdioServerParameters
from mcp_types import CallToolResult, Implementation
from mcp_world import HIDDEN_CANARY, VISIBLE_CANARY, World, error_text

CLIENT = Implementation(name="stdio-test-agent", version="1.0")


def run_as(world: World, who: str, body: Callable[[Client], Awaitable[None]]) -> None:
    """Start `python -m interlock mcp --as WHO` over the world and run ``body`` with a connected client."""
    params = StdioServerParameters(
        command=sys.executable,
        args=[
            "-m",
            "interlock",
            "mcp",
            "--sor",
            world.sor_url,
            "--store",
            world.store_url,
            "--as",
            who,
            "--model",
            "none",
        ],
        env={k: v for k, v in os.environ.items() if not k.startswith("INTERLOCK_")},
    )

    async def main() -> None:
        async with Client(params, client_info=CLIENT, read_timeout_seconds=60) as client:
            await body(client)

    anyio.run(main)


def ok(result: CallToolResult) -> dict[str, Any]:
    """The structured content of a successful call."""
    assert not result.is_error, result.content
    assert result.structured_content is not None
    return result.structured_content


def test_an_analyst_reads_only_within_scope_and_runs_through_the_gate(world: World) -> None:
    """As north analyst A1: tools and annotations, scoped search and summaries, an idempotent held run."""
    seen: dict[str, Any] = {}

    async def body(client: Client) -> None:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        assert {"search", "summarize", "ask", "run_task", "get_work_item", "get_review_item"} <= set(tools)
        for name, tool in tools.items():
            assert tool.output_schema is not None, name
            assert tool.annotations is not None, name
        assert tools["search"].annotations.read_only_hint is True
        assert tools["run_task"].annotations.read_only_hint is False
        assert tools["run_task"].annotations.idempotent_hint is True
        assert tools["run_task"].annotations.destructive_hint is True
        assert set(tools["run_task"].input_schema["required"]) == {"task", "record_id", "idempotency_key"}
        task_schema = tools["run_task"].input_schema["properties"]["task"]
        assert "claims.adjudicate" in task_schema.get("enum", [task_schema.get("const")])

        hidden = await client.call_tool("search", {"query": HIDDEN_CANARY})
        assert ok(hidden)["results"] == []
        visible = ok(await client.call_tool("search", {"query": VISIBLE_CANARY}))
        assert [r["record_id"] for r in visible["results"]] == ["CN-N1"]
        assert visible["results"][0]["item_id"].startswith("note:CN-N1-N1@")

        summary = ok(await client.call_tool("summarize", {"task": "claims.adjudicate", "record_id": "RV-N1"}))
        assert summary["verdict"] == "pass" and summary["statements"]
        assert all(s["citations"] for s in summary["statements"])
        outside = await client.call_tool("summarize", {"task": "claims.adjudicate", "record_id": "RV-S1"})
        missing = await client.call_tool("summarize", {"task": "claims.adjudicate", "record_id": "NO-SUCH"})
        assert outside.is_error and missing.is_error
        assert outside.model_dump() == missing.model_dump()

        args = {"task": "claims.adjudicate", "record_id": "RV-N1", "idempotency_key": "a1-run-1"}
        first = ok(await client.call_tool("run_task", args))
        again = ok(await client.call_tool("run_task", args))
        # A person's principal finalizes only through review: the gate holds the claim for a person.
        assert first["status"] == "pending_review" and first["review_id"]
        assert first["desk_url"] == f"/desk/reviews/{first['review_id']}"
        assert {**again, "replayed": False} == first and again["replayed"] is True
        review = ok(await client.call_tool("get_review_item", {"review_id": first["review_id"]}))
        assert (review["record_id"], review["status"]) == ("RV-N1", "open")
        item = ok(await client.call_tool("get_work_item", {"work_item_id": first["work_item_id"]}))
        assert item["status"] == "done" and item["route"] == "review"

        reused = await client.call_tool(
            "run_task", {"task": "claims.adjudicate", "record_id": "RV-N2", "idempotency_key": "a1-run-1"}
        )
        assert reused.is_error and "already used" in error_text(reused)
        no_key = await client.call_tool("run_task", {"task": "claims.adjudicate", "record_id": "RV-N2"})
        assert no_key.is_error and "idempotency_key" in error_text(no_key)
        blank_key = await client.call_tool(
            "run_task", {"task": "claims.adjudicate", "record_id": "RV-N2", "idempotency_key": "   "}
        )
        assert blank_key.is_error and "idempotency key is required" in error_text(blank_key)

        run_outside = await client.call_tool(
            "run_task", {"task": "claims.adjudicate", "record_id": "RV-S1", "idempotency_key": "a1-run-2"}
        )
        run_missing = await client.call_tool(
            "run_task", {"task": "claims.adjudicate", "record_id": "NO-SUCH", "idempotency_key": "a1-run-3"}
        )
        assert run_outside.is_error and run_outside.model_dump() == run_missing.model_dump()
        seen["first"] = first

    run_as(world, "A1", body)
    assert world.claim_status("RV-N1") == "pended"
    assert world.claim_status("RV-S1") == "received"  # out of scope: nothing ran
    events = world.tool_events()
    assert {e["details"]["tool"] for e in events} >= {"search", "summarize", "run_task", "get_review_item"}
    assert all(e["principal"] == "staff:A1" and e["details"]["client"] == "stdio-test-agent" for e in events)
    assert all(e["details"]["transport"] == "stdio" for e in events)
    hidden = [e for e in events if e["subject"].get("record_ref") and e["details"]["tool"] == "summarize"]
    assert len(hidden) == 2 and {e["outcome"] for e in hidden} == {"not_found"}
    assert hidden[0]["reason"] == hidden[1]["reason"]
    # What the agent wrote enters the trail only as a hash.
    text = "\n".join(world.audit_bodies())
    for sent in (HIDDEN_CANARY, VISIBLE_CANARY, "a1-run-1", "NO-SUCH", "RV-S1"):
        assert sent not in text, sent


def test_the_service_principal_commits_once_per_key(world: World) -> None:
    """As the service principal: a decision is written once; the same key answers it again, nothing more."""

    async def body(client: Client) -> None:
        args = {"task": "claims.adjudicate", "record_id": "OK-N1", "idempotency_key": "batch-7"}
        first = ok(await client.call_tool("run_task", args))
        second = ok(await client.call_tool("run_task", args))
        assert (first["status"], first["route"], first["outcome"]) == ("done", "commit", "approve")
        assert second == {**first, "replayed": True}
        # A new key for the same record asks again: the engine answers the recorded decision.
        third = ok(await client.call_tool("run_task", {**args, "idempotency_key": "batch-8"}))
        assert (third["route"], third["outcome"], third["replayed"]) == ("commit", "approve", True)

    run_as(world, "service", body)
    assert len(world.adjudications("OK-N1")) == 1
