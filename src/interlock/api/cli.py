"""``interlock serve``: run the HTTP API and the review desk with uvicorn.

Registered on the main app by importing this module (see the bottom of
:mod:`interlock.cli.app`). FastAPI and uvicorn are imported only when the command
runs, so the rest of the CLI starts as fast as before.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from interlock.cli import configured
from interlock.cli.app import app
from interlock.cli.common import SOR_HELP, STORE_HELP, fail
from interlock.cli.configured import pick


@app.command("serve")
def serve(
    sor: Annotated[str | None, typer.Option("--sor", help=SOR_HELP)] = None,
    store: Annotated[str | None, typer.Option("--store", help=STORE_HELP)] = None,
    host: Annotated[str | None, typer.Option(help="Interface to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="TCP port.")] = None,
    jwks_file: Annotated[
        Path | None, typer.Option(help="JWKS file with the token issuer's public keys.")
    ] = None,
    jwks_url: Annotated[str | None, typer.Option(help="JWKS URL of the token issuer.")] = None,
    issuer: Annotated[str | None, typer.Option(help="Required `iss` of bearer tokens.")] = None,
    audience: Annotated[str | None, typer.Option(help="Required `aud` of bearer tokens.")] = None,
    api_keys: Annotated[Path | None, typer.Option(help="TOML file of service API key hashes.")] = None,
    model: Annotated[str | None, typer.Option(help="Model spec: none, baseline or openai:NAME.")] = None,
    deadline: Annotated[float | None, typer.Option(help="Seconds a synchronous task may take.")] = None,
    workers: Annotated[int | None, typer.Option(help="Background threads for queued tasks.")] = None,
    insecure_cookies: Annotated[
        bool, typer.Option(help="Send the desk's session cookie over plain HTTP (local use only).")
    ] = False,
) -> None:
    """Serve the v1 API, /metrics, /healthz, /readyz and the review desk (/desk).

    Options left out come from the settings (``[api]`` section, ``interlock config show``).
    """
    import uvicorn  # noqa: PLC0415 - only this command needs the server

    from interlock.api.app import create_app  # noqa: PLC0415
    from interlock.api.services import Services  # noqa: PLC0415
    from interlock.api.settings import ApiSettings  # noqa: PLC0415
    from interlock.exceptions import InterlockError  # noqa: PLC0415
    from interlock.models.registry import model_from_spec  # noqa: PLC0415

    conf = configured.loaded()
    api = conf.settings.api
    # Left at their defaults, these three leave ApiSettings' own INTERLOCK_<FIELD> reading in charge.
    explicit = {
        name: getattr(api, name)
        for name in ("review_sla_hours", "jwt_algorithms", "cookie_secure")
        if conf.origins.get(f"api.{name}") != "default"
    }
    try:
        settings = ApiSettings.from_env(
            **explicit,
            sor_url=pick(sor, conf.settings.sor_url),
            store_url=pick(store, conf.settings.store_url),
            jwks_file=pick(jwks_file, api.jwks_file),
            jwks_url=pick(jwks_url, api.jwks_url),
            jwt_issuer=pick(issuer, api.jwt_issuer),
            jwt_audience=pick(audience, api.jwt_audience),
            api_keys_file=pick(api_keys, api.api_keys_file),
            model=pick(model, api.model),
            deadline_seconds=pick(deadline, api.deadline_seconds),
            queue_workers=pick(workers, api.queue_workers),
            cookie_secure=False if insecure_cookies else explicit.get("cookie_secure"),
        )
        services = Services(settings)
        if settings.model != "none":
            services.model = model_from_spec(
                settings.model, services.store, endpoints=configured.endpoints(conf.settings)
            )
    except (InterlockError, ValueError, OSError) as exc:
        fail(str(exc))
    uvicorn.run(
        create_app(settings, services=services),
        host=pick(host, api.host),
        port=pick(port, api.port),
        log_level="info",
    )
