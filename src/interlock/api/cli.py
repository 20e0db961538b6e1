"""``interlock serve``: run the HTTP API and the review desk with uvicorn.

Registered on the main app by importing this module (see the bottom of
:mod:`interlock.cli.app`). FastAPI and uvicorn are imported only when the command
runs, so the rest of the CLI starts as fast as before.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from interlock.cli.app import app
from interlock.cli.common import SOR_HELP, STORE_HELP, fail


@app.command("serve")
def serve(
    sor: Annotated[str, typer.Option("--sor", help=SOR_HELP)],
    store: Annotated[str, typer.Option("--store", help=STORE_HELP)],
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    jwks_file: Annotated[
        Path | None, typer.Option(help="JWKS file with the token issuer's public keys.")
    ] = None,
    jwks_url: Annotated[str | None, typer.Option(help="JWKS URL of the token issuer.")] = None,
    issuer: Annotated[str | None, typer.Option(help="Required `iss` of bearer tokens.")] = None,
    audience: Annotated[str | None, typer.Option(help="Required `aud` of bearer tokens.")] = None,
    api_keys: Annotated[Path | None, typer.Option(help="TOML file of service API key hashes.")] = None,
    model: Annotated[str, typer.Option(help="Model spec: none, baseline or openai:NAME.")] = "none",
    deadline: Annotated[float, typer.Option(help="Seconds a synchronous task may take.")] = 30.0,
    workers: Annotated[int, typer.Option(help="Background threads for queued tasks.")] = 2,
    insecure_cookies: Annotated[
        bool, typer.Option(help="Send the desk's session cookie over plain HTTP (local use only).")
    ] = False,
) -> None:
    """Serve the v1 API, /metrics, /healthz, /readyz and the review desk (/desk)."""
    import uvicorn  # noqa: PLC0415 - only this command needs the server

    from interlock.api.app import create_app  # noqa: PLC0415
    from interlock.api.services import Services  # noqa: PLC0415
    from interlock.api.settings import ApiSettings  # noqa: PLC0415
    from interlock.exceptions import InterlockError  # noqa: PLC0415
    from interlock.models.registry import model_from_spec  # noqa: PLC0415

    try:
        settings = ApiSettings.from_env(
            sor_url=sor,
            store_url=store,
            jwks_file=jwks_file,
            jwks_url=jwks_url,
            jwt_issuer=issuer,
            jwt_audience=audience,
            api_keys_file=api_keys,
            model=model,
            deadline_seconds=deadline,
            queue_workers=workers,
            cookie_secure=False if insecure_cookies else None,
        )
        services = Services(settings)
        if settings.model != "none":
            services.model = model_from_spec(settings.model, services.store)
    except (InterlockError, ValueError, OSError) as exc:
        fail(str(exc))
    uvicorn.run(create_app(settings, services=services), host=host, port=port, log_level="info")
