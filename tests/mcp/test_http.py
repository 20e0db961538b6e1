"""`/mcp` in `interlock serve`: streamable HTTP over a live loopback server, bearer tokens and API keys."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import anyio
import httpx2 as httpx
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp_types import CallToolResult, Implementation
from mcp_world import HIDDEN_CANARY, World, error_text

from interlock.api.app import create_app
from interlock.domains.claims.testing.api_world import SERVICE_KEY
from interlock.testing.server import LiveServer, free_port

CLIENT = Implementation(name="http-test-agent", version="2.0")


class Served:
    """A live server over the world, whose MCP endpoint's canonical URL is configured."""

    def __init__(self, world: World, server: LiveServer) -> None:
        self.world = world
        self.url = server.url
        self.resource = f"{server.url}/mcp"

    def token(self, staff_id: str, **claims: Any) -> str:
        """A token for ``staff_id`` issued for the MCP endpoint (unless ``aud`` says otherwise)."""
        return self.world.issuer.token(staff_id, **{"aud": self.resource, **claims})

    def run(self, headers: dict[str, str], body: Callable[[Client], Awaitable[None]]) -> None:
        """Connect the SDK's client with ``headers`` and run ``body``."""

        async def main() -> None:
            async with httpx.AsyncClient(headers=headers, timeout=60) as http:
                transport = streamable_http_client(self.resource, http_client=http)
                async with Client(transport, client_info=CLIENT) as client:
                    await body(client)

        anyio.run(main)


@pytest.fixture
def served(world: World) -> Iterator[Served]:
    """The world behind a live server whose `api.mcp_resource` is its own /mcp URL."""
    port = free_port()
    settings = world.settings.model_copy(update={"mcp_resource": f"http://127.0.0.1:{port}/mcp"})
    with LiveServer(create_app(settings), port=port) as server:
        yield Served(world, server)


def ok(result: CallToolResult) -> dict[str, Any]:
    """The structured content of a successful call."""
    assert not result.is_error, result.content
    assert result.structured_content is not None
    return result.structured_content


def test_unauthenticated_requests_get_the_resource_metadata_challenge(served: Served) -> None:
    """401 with WWW-Authenticate naming the metadata; the metadata names this resource and the issuer."""
    hello = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
    with httpx.Client(base_url=served.url, timeout=30) as anon:
        refused = anon.post("/mcp", json=hello)
        assert refused.status_code == 401
        challenge = refused.headers["www-authenticate"]
        metadata_url = f"{served.url}/.well-known/oauth-protected-resource/mcp"
        assert challenge == f'Bearer resource_metadata="{metadata_url}"'
        for path in ("/.well-known/oauth-protected-resource", "/.well-known/oauth-protected-resource/mcp"):
            document = anon.get(path).json()
            assert document["resource"] == served.resource
            assert document["authorization_servers"] == [served.world.issuer.issuer]
            assert document["bearer_methods_supported"] == ["header"]
        # A token for another audience (the /v1 API's) is refused here, with an error code.
        api_token = served.world.issuer.token("A1")
        wrong = anon.post("/mcp", json=hello, headers={"Authorization": f"Bearer {api_token}"})
        assert wrong.status_code == 401
        assert wrong.headers["www-authenticate"].startswith(
            'Bearer error="invalid_token", resource_metadata='
        )
        # ...while the same token still serves the API it was issued for.
        assert (
            anon.get("/v1/review-items", headers={"Authorization": f"Bearer {api_token}"}).status_code == 200
        )
        assert anon.post("/mcp", json=hello, headers={"X-API-Key": "ilk_wrong"}).status_code == 401


def test_tools_over_http_act_as_the_caller(served: Served) -> None:
    """A service key commits once per key; a north analyst sees only its scope's review items and documents."""
    runs: dict[str, dict[str, Any]] = {}

    async def as_service(client: Client) -> None:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        assert tools["run_task"].annotations is not None and tools["run_task"].annotations.idempotent_hint
        args = {"task": "claims.adjudicate", "record_id": "OK-N1", "idempotency_key": "svc-1"}
        first = ok(await client.call_tool("run_task", args))
        assert (first["status"], first["route"]) == ("done", "commit")
        assert ok(await client.call_tool("run_task", args)) == {**first, "replayed": True}
        reused = await client.call_tool("run_task", {**args, "record_id": "RV-N1"})
        assert reused.is_error and "already used" in error_text(reused)
        for claim in ("RV-N1", "RV-S1"):
            run = ok(
                await client.call_tool(
                    "run_task",
                    {"task": "claims.adjudicate", "record_id": claim, "idempotency_key": f"svc-{claim}"},
                )
            )
            assert run["status"] == "pending_review"
            assert run["desk_url"] == f"{served.url}/desk/reviews/{run['review_id']}"
            runs[claim] = run
        # The service principal may see the south canary: the index is not empty for it.
        assert ok(await client.call_tool("search", {"query": HIDDEN_CANARY}))["results"]

    served.run({"X-API-Key": SERVICE_KEY}, as_service)
    assert len(served.world.adjudications("OK-N1")) == 1

    async def as_analyst(client: Client) -> None:
        mine = ok(await client.call_tool("get_review_item", {"review_id": runs["RV-N1"]["review_id"]}))
        assert mine["record_id"] == "RV-N1"
        theirs = await client.call_tool("get_review_item", {"review_id": runs["RV-S1"]["review_id"]})
        unknown = await client.call_tool("get_review_item", {"review_id": "rv-000000000000000000000000"})
        assert theirs.is_error and theirs.model_dump() == unknown.model_dump()
        item_theirs = await client.call_tool("get_work_item", {"work_item_id": runs["RV-S1"]["work_item_id"]})
        item_unknown = await client.call_tool(
            "get_work_item", {"work_item_id": "wi-000000000000000000000000"}
        )
        assert item_theirs.is_error and item_theirs.model_dump() == item_unknown.model_dump()
        assert ok(await client.call_tool("search", {"query": HIDDEN_CANARY}))["results"] == []
        record = await client.read_resource("interlock://claims.adjudicate/RV-N1")
        assert '"record_id": "RV-N1"' in record.contents[0].text  # type: ignore[union-attr]

    served.run({"Authorization": f"Bearer {served.token('A1')}"}, as_analyst)
    events = served.world.tool_events()
    by_principal = {e["principal"] for e in events}
    assert by_principal == {"service:batch", "staff:A1"}
    assert all(
        e["details"]["client"] == "http-test-agent" and e["details"]["transport"] == "streamable-http"
        for e in events
    )
