"""Shared pieces of the CLI: opening databases, resolving principals, printing errors."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, NoReturn

import typer
from rich.console import Console

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from interlock.connectors.sql_claims import SqlClaimsConnector
    from interlock.policy.principal import Principal

from interlock.cli.configured import settings
from interlock.exceptions import ConfigurationError

console = Console(stderr=True)
out = Console()

SOR_HELP = "System of record: a SQLAlchemy URL such as sqlite:///sor.db or postgresql://user@host/db."
STORE_HELP = "Interlock's own store: a SQLAlchemy URL such as sqlite:///store.db."


def fail(message: str, code: int = 2) -> NoReturn:
    """Print ``message`` as an error and exit with ``code``."""
    console.print(f"[red]error:[/red] {message}", highlight=False)
    raise typer.Exit(code)


def open_sor(url: str | None, *, acting: bool = False, pool_size: int | None = None) -> Engine:
    """An engine on the system of record (its schema must already exist); ``None``: the configured one.

    ``acting`` marks commands that read on behalf of a principal: with
    ``sor_row_security`` on, their transactions carry that principal for PostgreSQL's
    row-level security. Seeding, training and index syncs read as the owner instead.
    ``pool_size`` overrides the configured pool (a worker needs one per job thread).
    """
    from interlock.connectors.pg_access import secure_rows  # noqa: PLC0415
    from interlock.db import make_engine  # noqa: PLC0415

    url = url if url is not None else settings().sor_url
    try:
        engine = make_engine(url, pool_size=pool_size or settings().pool_size)
    except Exception as exc:  # a bad URL is the user's to fix, not a stack trace
        fail(f"cannot open system of record {url!r}: {exc}")
    if acting:
        try:
            secure_rows(engine, enabled=settings().sor_row_security)
        except ConfigurationError as exc:
            fail(str(exc))
    return engine


def open_store(url: str | None) -> Engine:
    """An engine on Interlock's store at the current schema revision.

    A new store is created on open, and SQLite follows every revision on open (zero
    setup); a versioned PostgreSQL store at an older revision is refused until
    ``interlock db upgrade`` (see :func:`interlock.store.migrations.prepare_store`).
    ``None`` means the configured store.
    """
    from interlock.db import make_engine  # noqa: PLC0415
    from interlock.store.migrations import prepare_store  # noqa: PLC0415

    url = url if url is not None else settings().store_url
    try:
        engine = make_engine(url, pool_size=settings().pool_size)
        prepare_store(engine)
        return engine
    except Exception as exc:
        fail(f"cannot open store {url!r}: {exc}")


def ensure_sor_schema(engine: Engine) -> None:
    """Create the reference schema (used by ``sor init`` and the demo)."""
    from interlock.domains.claims import schema as sor_schema  # noqa: PLC0415

    sor_schema.metadata.create_all(engine)


def resolve_principal(connector: SqlClaimsConnector, name: str) -> Principal:
    """``service`` is the configured service principal; anything else is a staff id."""
    from interlock.policy.principal import service_principal  # noqa: PLC0415

    if name == "service":
        return service_principal(settings().service_principal)
    staff_id = name.removeprefix("staff:")
    principal = connector.load_principal(staff_id)
    if principal is None:
        raise ConfigurationError(f"no staff member {staff_id!r} in the system of record")
    return principal


def is_terminal() -> bool:
    """True when standard error is a terminal (progress bars only make sense there)."""
    return sys.stderr.isatty()
