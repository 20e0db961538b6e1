"""ASGI middleware that runs before routing: body size, credentials first, response headers.

Order matters, and it is the point of this module. A request is refused as early and as
cheaply as possible:

1. :class:`ContentLengthGuard` answers ``413`` to a declared ``Content-Length`` above the
   limit before anything else runs; a body sent without one (chunked) is counted as it
   streams by Starlette's ``RequestBodyLimitMiddleware``, which stops reading at the
   limit (413 as a problem). No body is ever held beyond the limit.
2. :class:`CredentialsFirst` authenticates every ``/v1/`` request before the body is read
   or parsed: a caller without valid credentials gets ``401`` whatever it sends, and its
   body is never read. The principal found is handed to the endpoint's dependencies.
3. :class:`SecurityHeaders` adds ``nosniff`` to every response, and to the review desk's
   pages (which can show unmasked PHI) a strict Content-Security-Policy, ``DENY`` framing
   and ``no-store`` caching.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Final

from fastapi.concurrency import run_in_threadpool
from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from interlock.api.auth import API_KEY_HEADER, Authenticator
from interlock.api.problems import Problem, problem_response

#: Where the principal found by :class:`CredentialsFirst` waits for the dependencies.
PRINCIPAL_STATE: Final = "principal"


def too_large(limit: int) -> Problem:
    """413 for a body above ``limit`` bytes; the connection closes, the rest is never read."""
    return Problem(
        413,
        "content-too-large",
        "Content too large",
        f"request bodies are limited to {limit} bytes",
        headers={"Connection": "close"},
    )


class ContentLengthGuard:
    """Refuse a declared ``Content-Length`` above the limit before routing or reading."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            declared = Headers(scope=scope).get("content-length", "")
            # A malformed value never gets here: the HTTP server refuses it first.
            if declared.isdigit() and int(declared) > self.max_body_bytes:
                response = problem_response(too_large(self.max_body_bytes), Request(scope))
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


class CredentialsFirst:
    """Authenticate ``/v1/`` requests before their body is read; 401 without reading it."""

    def __init__(self, app: ASGIApp, *, auth: Authenticator, prefix: str = "/v1/") -> None:
        self.app = app
        self.auth = auth
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope["path"]).startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        api_key, authorization = headers.get(API_KEY_HEADER), headers.get("authorization")
        try:
            if api_key:  # a hash and a comparison: no need to leave the event loop
                principal = self.auth.from_headers(None, api_key)
            else:  # a signature check and a staff lookup in the system of record
                principal = await run_in_threadpool(self.auth.from_headers, authorization, None)
        except Problem as problem:
            await problem_response(problem, Request(scope))(scope, receive, send)
            return
        scope.setdefault("state", {})[PRINCIPAL_STATE] = principal
        await self.app(scope, receive, send)


#: The desk has no script at all; its one stylesheet is inline and allowed by its hash.
def desk_csp(style_hashes: Iterable[str]) -> str:
    """The desk's Content-Security-Policy: nothing but its own forms and its own style."""
    styles = " ".join(f"'{h}'" for h in style_hashes)
    return (
        "default-src 'none'; "
        f"style-src {styles}; "
        "img-src 'self' data:; "
        "form-action 'self'; "
        "base-uri 'none'; "
        "frame-ancestors 'none'"
    )


class SecurityHeaders:
    """``nosniff`` everywhere; CSP, no framing and no caching on the review desk."""

    def __init__(self, app: ASGIApp, *, desk_prefix: str, csp: str) -> None:
        self.app = app
        self.desk_prefix = desk_prefix
        self.desk_headers = {
            "Content-Security-Policy": csp,
            "X-Frame-Options": "DENY",
            "Cache-Control": "no-store",
            "Referrer-Policy": "no-referrer",
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        desk = str(scope["path"]).startswith(self.desk_prefix)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["X-Content-Type-Options"] = "nosniff"
                if desk:
                    for name, value in self.desk_headers.items():
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)


class ClientNetworks:
    """Answer ``paths`` only to clients in ``networks`` (others get the same 404 as a missing page)."""

    def __init__(self, app: ASGIApp, *, paths: frozenset[str], networks: Iterable[str]) -> None:
        self.app = app
        self.paths = paths
        self.networks = tuple(ipaddress.ip_network(n, strict=False) for n in networks)

    def _allowed(self, scope: Scope) -> bool:
        client = scope.get("client")
        if not client:
            return False
        try:
            address = ipaddress.ip_address(client[0])
        except ValueError:
            return False
        return any(address in network for network in self.networks)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] in self.paths and not self._allowed(scope):
            missing = Problem(404, "not-found", "Not found", "no such record, or you may not see it")
            await problem_response(missing, Request(scope))(scope, receive, send)
            return
        await self.app(scope, receive, send)
