"""A SERVER span per HTTP request, named after the route template, never the path as sent.

Paths carry record ids (``/v1/tasks/claims.adjudicate/CLM00001``), and spans carry no
record ids, so ``url.path`` holds the route template (``/v1/tasks/claims.adjudicate/{claim_id}``)
and the span is named ``{method} {template}``, as the HTTP semantic conventions advise.
A request that matched no route gets neither (its path is whatever the caller typed).
Query strings are never recorded. A caller's W3C ``traceparent`` becomes the span's
parent, so a client's trace continues through Interlock into the work item's spans and
the audit events written under them.

FastAPI's own request tracing is switched off (:data:`SERVER_TELEMETRY`): it records
the path as sent in ``url.path``, and its exception logs would carry exception messages,
which may quote content. This plain ASGI middleware replaces it.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any, Final

from fastapi.telemetry import TelemetryConfig
from opentelemetry import propagate
from opentelemetry.trace import SpanKind, Status, StatusCode
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from interlock.telemetry.tracing import tracer

#: ``FastAPI(telemetry=...)``: no framework request spans or exception logs (see above).
SERVER_TELEMETRY: Final = TelemetryConfig(tracing=False, logs=False)


def route_template(scope: Scope, root_path: str) -> str | None:
    """The template of the route that matched (mounts included), or None when none did."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if not isinstance(path, str):
        return None
    mounted = str(scope.get("root_path", ""))[len(root_path) :]
    return mounted + path


class ServerSpans:
    """ASGI middleware: one SERVER span per HTTP request, with no record ids on it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the request inside its span; name the span once the route is known."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method = str(scope.get("method", "GET"))
        headers: dict[str, str] = {
            key.decode("latin-1"): value.decode("latin-1") for key, value in scope.get("headers", [])
        }
        parent = propagate.extract(headers)
        root_path = str(scope.get("root_path", ""))
        status: dict[str, int] = {}

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = int(message["status"])
            await send(message)

        attributes: MutableMapping[str, Any] = {
            "http.request.method": method,
            "url.scheme": str(scope.get("scheme", "http")),
        }
        with tracer().start_as_current_span(
            method, kind=SpanKind.SERVER, context=parent, attributes=attributes, record_exception=False
        ) as span:
            try:
                await self.app(scope, receive, sending)
            finally:
                template = route_template(scope, root_path)
                if template is not None:
                    span.update_name(f"{method} {template}")
                    span.set_attribute("http.route", template)
                    span.set_attribute("url.path", template)
                code = status.get("code", 500)
                span.set_attribute("http.response.status_code", code)
                if code >= 500:
                    span.set_status(Status(StatusCode.ERROR))
                    span.set_attribute("error.type", str(code))
