"""``interlock mcp``: serve the MCP tools over stdio as one person.

Registered on the main app by importing this module (see the bottom of
:mod:`interlock.cli.app`). The MCP SDK, the databases and the domain are imported only
when the command runs, so ``interlock --help`` stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from interlock.cli import configured
from interlock.cli.app import app
from interlock.cli.common import SOR_HELP, STORE_HELP, domain_named, fail, open_sor, resolve_principal
from interlock.cli.configured import pick

if TYPE_CHECKING:
    from interlock.policy.principal import Principal


@app.command("mcp")
def mcp_command(
    *,
    as_: Annotated[
        str, typer.Option("--as", help="The staff id the agent acts for (`service`: the service principal).")
    ],
    sor: Annotated[str | None, typer.Option("--sor", help=SOR_HELP)] = None,
    store: Annotated[str | None, typer.Option("--store", help=STORE_HELP)] = None,
    domain: Annotated[
        str | None,
        typer.Option("--domain", help="The registered domain served; --sor is its system of record."),
    ] = None,
    model: Annotated[
        str | None,
        typer.Option(
            help="Model spec behind run_task: none, baseline, openai:NAME... (default: the [models] chain)."
        ),
    ] = None,
) -> None:
    """Serve the MCP tools over stdio (search, summarize, ask, run_task...) as one staff member.

    Every tool reads only what that person may see, every decision goes through the gate,
    and every call is audited. Configure it as a stdio server in an MCP client (docs/mcp.md).
    """
    from interlock.api.services import Services  # noqa: PLC0415
    from interlock.api.settings import ApiSettings  # noqa: PLC0415
    from interlock.exceptions import InterlockError  # noqa: PLC0415
    from interlock.mcp.stdio import stdio_server_for  # noqa: PLC0415

    conf = configured.loaded()
    try:
        settings = ApiSettings.from_settings(
            conf,
            sor_url=sor,
            store_url=store,
            domain=domain,
            model=pick(model, conf.settings.models.chain),
            queue_workers=0,
        )
    except (InterlockError, ValueError, OSError) as exc:
        fail(str(exc))
    # A mistyped system of record stops here with one line, before any file is created.
    open_sor(settings.sor_url, domain=domain_named(settings.domain)).dispose()
    try:
        services = Services(settings)
    except (InterlockError, ValueError, OSError) as exc:
        fail(str(exc))
    try:
        services.use_configured_model()
        first = resolve_principal(services.connector, as_)
        if not first.active:
            fail(f"{first.principal_id} is not active in the system of record")

        def load() -> Principal | None:
            try:
                return resolve_principal(services.connector, as_)
            except InterlockError:
                return None

        stdio_server_for(services, load).run("stdio")
    except InterlockError as exc:
        fail(str(exc))
    finally:
        services.close()
