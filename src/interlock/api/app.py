"""The FastAPI application: the v1 API, operations endpoints and the review desk in one app.

The app is thin over the engine: it authenticates, compiles the caller's scope with the
shared policy, calls the same engine, review desk and assistant the CLI calls, and
renders the result or an RFC 9457 problem.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from starlette.middleware.body_limit import RequestBodyLimitMiddleware

from interlock.api import ops, quality, routes
from interlock.api.deps import ids_are_text
from interlock.api.guards import (
    ClientNetworks,
    ContentLengthGuard,
    CredentialsFirst,
    SecurityHeaders,
    desk_csp,
)
from interlock.api.openapi import install_problem_openapi
from interlock.api.problems import install_problem_handlers
from interlock.api.services import Services
from interlock.api.settings import SERVE_OVERRIDES_ENV, ApiSettings
from interlock.clock import Clock
from interlock.from_settings import configure_telemetry
from interlock.models.base import ModelClient
from interlock.settings import load_settings
from interlock.telemetry.http_spans import SERVER_TELEMETRY, ServerSpans
from interlock.telemetry.tracing import flush_spans

API_VERSION = "1.0.0"


def create_app(
    settings: ApiSettings,
    *,
    model: ModelClient | None = None,
    clock: Clock | None = None,
    services: Services | None = None,
) -> FastAPI:
    """Build the app over ``settings`` (or over ready ``services``, which the app then owns)."""
    svc = services or Services(settings, model=model, clock=clock)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # The MCP endpoint's session manager runs for the life of the app.
        async with mcp.running():
            yield
        svc.close()
        # Spans still batched would be lost: a server stopped by SIGTERM runs no exit hooks.
        flush_spans()

    app = FastAPI(
        title="Interlock",
        version=API_VERSION,
        summary="Entitlement-scoped decisions on a system of record, with a gate, exactly-once writes and an audit trail.",
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
        lifespan=lifespan,
        dependencies=[Depends(ids_are_text)],
        # FastAPI's own request spans put the path as sent (record ids) in url.path, and its
        # exception logs carry messages: ServerSpans (below) traces requests by route template.
        telemetry=SERVER_TELEMETRY,
    )
    app.state.services = svc
    app.state.metrics = ops.metrics_registry(svc)
    install_problem_handlers(app)
    app.include_router(routes.router)
    # A domain may add routes of its own (the claims domain's FHIR intake and FHIR routes).
    for extra in svc.domain.api_routers() if svc.domain.api_routers is not None else ():
        app.include_router(extra)
    app.include_router(quality.router)
    app.include_router(ops.router)
    # The web desk imports Jinja2; mount it here so API and desk share auth and services.
    from interlock.web.desk import desk_style_hashes, mount_desk  # noqa: PLC0415 - keeps the API importable on its own

    mount_desk(app)
    # The MCP server over streamable HTTP at /mcp, authenticated like /v1 (interlock.mcp.http).
    from interlock.mcp.http import mount_mcp  # noqa: PLC0415 - the MCP SDK loads with the app only

    mcp = mount_mcp(app, svc)
    install_problem_openapi(app)
    # Added innermost first: a request meets them from the bottom of this list up.
    app.add_middleware(CredentialsFirst, auth=svc.auth)
    view = svc.domain.desk_view
    styles = desk_style_hashes((view.template_dir,) if view is not None else ())
    app.add_middleware(SecurityHeaders, desk_prefix="/desk", csp=desk_csp(styles))
    if settings.metrics_networks:
        app.add_middleware(ClientNetworks, paths=frozenset({"/metrics"}), networks=settings.metrics_networks)
    # Counts a body as it streams in (one sent without a Content-Length) and stops at the limit.
    app.add_middleware(RequestBodyLimitMiddleware, max_body_size=settings.max_body_bytes)
    app.add_middleware(ContentLengthGuard, max_body_bytes=settings.max_body_bytes)
    # Outermost: every request is a SERVER span named by its route template (no record ids).
    app.add_middleware(ServerSpans)
    return app


def app_from_env() -> FastAPI:
    """The app configured like ``interlock serve`` (for ``uvicorn --factory``).

    The settings are read as every command reads them: the file named by
    ``INTERLOCK_CONFIG``, then ``INTERLOCK_*`` variables (older flat variables such as
    ``INTERLOCK_JWKS_URL`` fill what the settings leave at its default). Spans go where
    ``[telemetry]`` says, as they do for every command.
    """
    loaded = load_settings()
    configure_telemetry(loaded.settings)
    # A process started by `interlock serve --processes N` also takes that command's options.
    overrides = ApiSettings.serve_overrides(os.environ.get(SERVE_OVERRIDES_ENV))
    settings = ApiSettings.from_settings(loaded, **overrides)
    services = Services(settings)
    try:
        services.use_configured_model()
    except BaseException:
        services.close()
        raise
    return create_app(settings, services=services)
