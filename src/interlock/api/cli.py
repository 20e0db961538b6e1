"""``interlock serve``: run the HTTP API and the review desk with uvicorn.

Registered on the main app by importing this module (see the bottom of
:mod:`interlock.cli.app`). FastAPI and uvicorn are imported only when the command
runs, so the rest of the CLI starts as fast as before.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any

import typer

from interlock.cli import configured
from interlock.cli.app import app
from interlock.cli.common import SOR_HELP, STORE_HELP, domain_named, fail, open_sor
from interlock.cli.configured import pick


@app.command("serve")
def serve(
    sor: Annotated[str | None, typer.Option("--sor", help=SOR_HELP)] = None,
    store: Annotated[str | None, typer.Option("--store", help=STORE_HELP)] = None,
    domain: Annotated[
        str | None,
        typer.Option("--domain", help="The registered domain served; --sor is its system of record."),
    ] = None,
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
    processes: Annotated[
        int | None, typer.Option(min=1, help="Server processes sharing the port (about one per core).")
    ] = None,
    insecure_cookies: Annotated[
        bool, typer.Option(help="Send the desk's session cookie over plain HTTP (local use only).")
    ] = False,
    dev_login: Annotated[
        bool,
        typer.Option(
            "--dev-login",
            help="Local trial: sign in to the desk as any active staff member and print an API key "
            "(loopback addresses only; replaces the configured token issuer and API keys).",
        ),
    ] = False,
) -> None:
    """Serve the v1 API, /metrics, /healthz, /readyz and the review desk (/desk).

    Options left out come from the settings: the [api] and [engine] sections,
    policy_file, pool_size and service_principal (see `interlock config show`).
    """
    import uvicorn  # noqa: PLC0415 - only this command needs the server

    from interlock.api.app import create_app  # noqa: PLC0415
    from interlock.api.services import Services, preflight  # noqa: PLC0415
    from interlock.api.settings import SERVE_OVERRIDES_ENV, ApiSettings, server_limits  # noqa: PLC0415
    from interlock.exceptions import InterlockError  # noqa: PLC0415
    from interlock.settings import CONFIG_ENV  # noqa: PLC0415

    conf = configured.loaded()
    api = conf.settings.api
    overrides: dict[str, Any] = {
        "sor_url": sor,
        "store_url": store,
        "domain": domain,
        "jwks_file": jwks_file,
        "jwks_url": jwks_url,
        "jwt_issuer": issuer,
        "jwt_audience": audience,
        "api_keys_file": api_keys,
        "model": model,
        "deadline_seconds": deadline,
        "queue_workers": workers,
        "cookie_secure": False if insecure_cookies else None,
    }
    count = pick(processes, api.processes)
    dev = None
    if dev_login:
        from interlock.api.devlogin import DevLogin, is_loopback  # noqa: PLC0415

        if not is_loopback(pick(host, api.host)):
            fail(
                f"--dev-login lets anyone who reaches the server act as any staff member: bind it to 127.0.0.1, not {pick(host, api.host)}"
            )
        if count > 1:
            fail("--dev-login signs tokens with a key of one process: serve it with one process")
        dev = DevLogin(service=conf.settings.service_principal)
        overrides["cookie_secure"] = False  # a loopback server speaks plain HTTP
    try:
        settings = ApiSettings.from_settings(conf, **overrides)
        if dev is not None:
            served = tuple(t.name for t in domain_named(settings.domain).tasks)
            settings = settings.model_copy(update=dev.settings_overrides(tasks=served))
    except (InterlockError, ValueError, OSError) as exc:
        fail(str(exc))
    # A mistyped system of record stops here with one line, before any file is created.
    open_sor(settings.sor_url, domain=domain_named(settings.domain)).dispose()
    try:
        if count > 1:
            preflight(settings)  # each process builds its own services
        else:
            services = Services(settings)
            services.use_configured_model()
    except (InterlockError, ValueError, OSError) as exc:
        fail(str(exc))
    if count > 1:
        # Each process builds its services from the same settings: the file and variables
        # it inherits, plus this command's options (paths and URLs, as given here).
        if conf.config_file is not None:
            os.environ[CONFIG_ENV] = str(conf.config_file)
        given = {k: str(v) if isinstance(v, Path) else v for k, v in overrides.items() if v is not None}
        os.environ[SERVE_OVERRIDES_ENV] = json.dumps(given)
        from interlock.api.processes import serve_processes  # noqa: PLC0415

        raise typer.Exit(serve_processes(count, pick(host, api.host), pick(port, api.port)))
    if dev is not None:
        services.dev_login = dev
        bound = pick(host, api.host)
        shown = f"[{bound}]" if ":" in bound else bound
        typer.echo(
            "development login (loopback only):\n"
            f"  review desk  http://{shown}:{pick(port, api.port)}/desk/login (choose a staff member)\n"
            f"  API          X-API-Key: {dev.api_key}  (service:{conf.settings.service_principal})",
            err=True,
        )
    uvicorn.run(
        create_app(settings, services=services),
        host=pick(host, api.host),
        port=pick(port, api.port),
        log_level="info",
        **server_limits(settings),
    )
