"""The MCP server over streamable HTTP, mounted in ``interlock serve`` at ``/mcp``.

``/mcp`` is an OAuth 2.1 resource server, as the MCP authorization specification asks:

* every request carries a bearer token or an API key, checked exactly as the HTTP API
  checks them (:class:`~interlock.api.auth.Authenticator`): signature, expiry, issuer,
  audience, and the staff member re-read from the system of record; an API key maps to
  its service principal and scope. The principal is found afresh for every request and
  every tool call acts as it;
* the token's audience is bound to this server: ``api.mcp_resource`` (the endpoint's
  canonical URL) when configured, else ``api.jwt_audience``; a token for another
  audience is refused;
* a request without valid credentials gets ``401`` with ``WWW-Authenticate: Bearer
  resource_metadata="…"`` naming the protected-resource metadata (RFC 9728), served at
  ``/.well-known/oauth-protected-resource`` and at ``/.well-known/oauth-protected-resource/mcp``.

The SDK's session manager runs stateless with JSON responses: no session lives in one
process, so ``serve --processes N`` needs nothing shared, and no session can be picked up
with another caller's credentials (each request is authenticated on its own). DNS
rebinding protection is not needed for the same reason: a browser page cannot make a
request carry a bearer token or an API key it does not hold.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, Final

from fastapi.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from interlock.api.auth import API_KEY_HEADER, Authenticator
from interlock.api.problems import Problem
from interlock.mcp.gateway import Client, Gateway, ToolProblem
from interlock.mcp.server import build_server, client_info

if TYPE_CHECKING:
    from fastapi import FastAPI
    from mcp.server.mcpserver import Context
    from mcp.server.streamable_http_manager import StreamableHTTPSessionManager

    from interlock.api.services import Services
    from interlock.policy.principal import Principal

__all__ = ["MCP_PATH", "METADATA_PATH", "McpMount", "mount_mcp"]

MCP_PATH: Final = "/mcp"
METADATA_PATH: Final = "/.well-known/oauth-protected-resource"
#: Where the authenticated principal waits in the request's scope for the tools.
PRINCIPAL_KEY: Final = "interlock.mcp.principal"


def _base_url(scope: Scope) -> str:
    return str(Request(scope).base_url).rstrip("/")


class HttpIdentity:
    """The principal a request to ``/mcp`` authenticated as, read back inside a tool call."""

    def principal(self, ctx: Context) -> Principal:
        """The request's principal; a call that somehow carries none is refused."""
        request = ctx.request_context.request
        found = getattr(request, "scope", {}).get(PRINCIPAL_KEY) if request is not None else None
        if found is None:
            raise ToolProblem("refused", "the request carries no authenticated principal")
        principal: Principal = found
        return principal

    def client(self, ctx: Context) -> Client:
        """The client's declared name and this server's URL, for desk links."""
        name, version = client_info(ctx)
        request = ctx.request_context.request
        base = _base_url(request.scope) if isinstance(request, Request) else None
        return Client(name=name, version=version, transport="streamable-http", base_url=base)


class McpMount:
    """The ``/mcp`` endpoint and its metadata document, and the session manager they share."""

    def __init__(self, services: Services) -> None:
        from mcp.server.transport_security import TransportSecuritySettings  # noqa: PLC0415

        self.services = services
        settings = services.settings
        self.resource = settings.mcp_resource
        self.auth = (
            Authenticator(
                settings.model_copy(update={"jwt_audience": settings.mcp_resource}),
                services.connector,
                services.policy,
            )
            if settings.mcp_resource and (settings.jwks_file or settings.jwks_url)
            else services.auth
        )
        self.server = build_server(Gateway(services), HttpIdentity())
        self.server.streamable_http_app(
            streamable_http_path=MCP_PATH,
            stateless_http=True,
            json_response=True,
            max_request_body_size=settings.max_body_bytes,
            transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
        )
        self.manager: StreamableHTTPSessionManager = self.server.session_manager

    def resource_url(self, scope: Scope) -> str:
        """The canonical URL of ``/mcp``: the configured one, else the one the request came to."""
        return self.resource or _base_url(scope) + MCP_PATH

    def metadata_url(self, scope: Scope) -> str:
        """Where the protected-resource metadata of :meth:`resource_url` is (RFC 9728 §3.1)."""
        return _base_url(scope) + METADATA_PATH + MCP_PATH

    def challenge(self, scope: Scope, problem: Problem | None) -> Response:
        """401 with the challenge an MCP client follows to find the authorization server."""
        parts = [f'resource_metadata="{self.metadata_url(scope)}"']
        if problem is not None and (Headers(scope=scope).get("authorization") or "").strip():
            # RFC 6750 §3.1: an error code only when credentials were sent (a bad token).
            parts.insert(0, 'error="invalid_token"')
        detail = (
            problem.detail if problem is not None and problem.detail else "send a bearer token or an API key"
        )
        return JSONResponse(
            {"error": "invalid_token", "error_description": detail},
            status_code=401,
            headers={"WWW-Authenticate": "Bearer " + ", ".join(parts)},
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """``/mcp`` as an ASGI app: authenticate, then hand the request to the SDK's transport."""
        headers = Headers(scope=scope)
        api_key, authorization = headers.get(API_KEY_HEADER), headers.get("authorization")
        try:
            if api_key:
                principal = self.auth.from_headers(None, api_key)
            else:
                principal = await run_in_threadpool(self.auth.from_headers, authorization, None)
        except Problem as problem:
            await self.challenge(scope, problem if (api_key or authorization) else None)(scope, receive, send)
            return
        scope[PRINCIPAL_KEY] = principal
        await self.manager.handle_request(scope, receive, send)

    async def metadata(self, request: Request) -> Response:
        """The protected-resource metadata document (RFC 9728)."""
        settings = self.services.settings
        body: dict[str, Any] = {
            "resource": self.resource_url(request.scope),
            "bearer_methods_supported": ["header"],
            "resource_name": "Interlock",
        }
        if settings.jwt_issuer:
            body["authorization_servers"] = [settings.jwt_issuer]
        if settings.jwt_algorithms:
            body["resource_signing_alg_values_supported"] = list(settings.jwt_algorithms)
        return Response(json.dumps(body), media_type="application/json")

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """The session manager's task group, for the life of the app."""
        async with self.manager.run():
            yield


def mount_mcp(app: FastAPI, services: Services) -> McpMount:
    """Add ``/mcp`` and its metadata routes to ``app``; enter :meth:`McpMount.running` in its lifespan."""
    mount = McpMount(services)
    app.router.routes.append(Route(MCP_PATH, endpoint=mount, include_in_schema=False))
    for path in (METADATA_PATH, METADATA_PATH + MCP_PATH):
        app.router.routes.append(
            Route(path, endpoint=mount.metadata, methods=["GET"], include_in_schema=False)
        )
    return mount
