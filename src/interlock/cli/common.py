"""Shared pieces of the CLI: opening databases, resolving principals, printing errors."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, Protocol

import typer
from rich.console import Console

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from interlock.policy.principal import Principal
    from interlock.retrieval.follow import IndexFollower
    from interlock.task import Domain

from interlock.cli.configured import settings
from interlock.exceptions import ConfigurationError

console = Console(stderr=True)
out = Console()

SOR_HELP = "System of record: a SQLAlchemy URL such as sqlite:///sor.db or postgresql://user@host/db."
STORE_HELP = "Interlock's own store: a SQLAlchemy URL such as sqlite:///store.db."


def fail(message: str, code: int = 2) -> NoReturn:
    """Print ``message`` as an error and exit with ``code``."""
    console.print(f"[red]error:[/red] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def shown(url: str) -> str:
    """``url`` as it may appear in a message: the password, if any, masked."""
    from sqlalchemy.engine import make_url  # noqa: PLC0415

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparsable URL has no password field to hide
        return url


def sqlite_file(url: str) -> Path | None:
    """The file a SQLite URL names, or ``None`` for other databases and in-memory SQLite."""
    from sqlalchemy.engine import make_url  # noqa: PLC0415

    try:
        parsed = make_url(url)
    except Exception:  # make_engine reports the malformed URL itself
        return None
    database = parsed.database
    if not parsed.drivername.startswith("sqlite") or not database or database == ":memory:":
        return None
    if database.startswith("file:"):
        return None if "mode=memory" in database else Path(database.removeprefix("file:").split("?")[0])
    return Path(database)


def require_file(url: str, what: str, hint: str) -> None:
    """Refuse a SQLite URL whose file does not exist, before anything creates an empty one.

    Opening a SQLite URL creates its file, so a mistyped path would otherwise leave an
    empty database behind and look like a store with nothing in it.
    """
    path = sqlite_file(url)
    if path is not None and not path.exists():
        fail(f"no {what} at {path} ({hint})")


def open_sor(
    url: str | None,
    *,
    acting: bool = False,
    pool_size: int | None = None,
    create: bool = False,
    domain: Domain | None = None,
) -> Engine:
    """An engine on the system of record (its schema must already exist); ``None``: the configured one.

    ``acting`` marks commands that read on behalf of a principal: with
    ``sor_row_security`` on, their transactions carry that principal for PostgreSQL's
    row-level security. Seeding, training and index syncs read as the owner instead.
    ``pool_size`` overrides the configured pool (a worker needs one per job thread).
    Only ``create`` (``sor init``, the demo) may open a SQLite file that does not exist
    or a database without the reference schema; every other command is refused with
    the command that creates it: ``domain`` names the schema expected (its
    ``record_table`` must be there; ``None``: nothing is checked).
    """
    from interlock.connectors.pg_access import secure_rows  # noqa: PLC0415
    from interlock.db import make_engine  # noqa: PLC0415

    url = url if url is not None else settings().sor_url
    init = f"interlock sor init --sor {shown(url)}" + (
        f" --domain {domain.name}" if domain is not None else ""
    )
    if not create:
        require_file(url, "system of record", f"create it with `{init}`")
    try:
        engine = make_engine(url, pool_size=pool_size or settings().pool_size)
    except Exception as exc:  # a bad URL is the user's to fix, not a stack trace
        fail(f"cannot open system of record {shown(url)!r}: {exc}")
    if not create and domain is not None and domain.record_table is not None:
        _require_sor_schema(engine, url, init, domain.record_table)
    if acting:
        try:
            secure_rows(engine, enabled=settings().sor_row_security)
        except ConfigurationError as exc:
            fail(str(exc))
    return engine


def _require_sor_schema(engine: Engine, url: str, init: str, table: str) -> None:
    """Stop with one line when the database is unreachable or lacks the reference schema."""
    from sqlalchemy import inspect  # noqa: PLC0415

    try:
        present = inspect(engine).has_table(table)
    except Exception as exc:  # the driver's message names the cause (refused, unknown host...)
        fail(f"cannot reach system of record {shown(url)}: {first_line(exc)}")
    if not present:
        fail(f"{shown(url)} has no system-of-record schema (create it with `{init}`)")


def open_store(url: str | None, *, create: bool = True) -> Engine:
    """An engine on Interlock's store at the current schema revision.

    A new store is created on open, and SQLite follows every revision on open (zero
    setup); a versioned PostgreSQL store at an older revision is refused until
    ``interlock db upgrade`` (see :func:`interlock.store.migrations.prepare_store`).
    ``None`` means the configured store. Commands that only read a store (audit,
    metrics) pass ``create=False``: a SQLite file that does not exist is refused
    instead of read as an empty store.
    """
    from interlock.db import make_engine  # noqa: PLC0415
    from interlock.store.migrations import prepare_store  # noqa: PLC0415

    url = url if url is not None else settings().store_url
    if not create:
        require_file(url, "store", "a store is created by `interlock demo`, `adjudicate` or `model train`")
    try:
        engine = make_engine(url, pool_size=settings().pool_size)
        prepare_store(engine)
        return engine
    except Exception as exc:
        fail(f"cannot open store {shown(url)!r}: {first_line(exc)}")


def has_records(engine: Engine, domain: Domain) -> bool:
    """True when the system of record already holds the domain's records (seeding twice would collide)."""
    from sqlalchemy import inspect, select  # noqa: PLC0415

    table = domain.record_table
    if table is None or domain.metadata is None or not inspect(engine).has_table(table):
        return False
    with engine.connect() as conn:
        return conn.execute(select(domain.metadata.tables[table]).limit(1)).first() is not None


def domain_named(name: str) -> Domain:
    """The registered domain ``name``, or a one-line error listing the known ones."""
    from interlock.registry import domain  # noqa: PLC0415 - imports the domain pack

    try:
        return domain(name)
    except ConfigurationError as exc:
        fail(str(exc))


def domain_of_task(task_name: str) -> Domain:
    """The registered domain owning ``task_name``, or a one-line error listing the known tasks."""
    from interlock.registry import domain_of  # noqa: PLC0415 - imports the domain packs

    try:
        return domain_of(task_name)
    except ConfigurationError as exc:
        fail(str(exc))


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (drivers append SQL and links below it)."""
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def ensure_sor_schema(engine: Engine, domain: Domain) -> None:
    """Create the domain's reference schema (used by ``sor init`` and the demos)."""
    if domain.create_schema is None:
        fail(f"domain {domain.name!r} declares no reference schema to create")
    domain.create_schema(engine)


class PrincipalSource(Protocol):
    """Anything that can load a staff member's principal (every domain's connector)."""

    def load_principal(self, staff_id: str) -> Principal | None:
        """The principal, or ``None`` for an unknown staff id."""
        ...


def resolve_principal(connector: PrincipalSource, name: str) -> Principal:
    """``service`` is the configured service principal; anything else is a staff id."""
    from interlock.policy.principal import service_principal  # noqa: PLC0415

    if name == "service":
        conf = settings()
        limit = conf.service_approval_limit
        return service_principal(
            conf.service_principal, attributes=None if limit is None else {"approval_limit": limit}
        )
    staff_id = name.removeprefix("staff:")
    principal = connector.load_principal(staff_id)
    if principal is None:
        raise ConfigurationError(f"no staff member {staff_id!r} in the system of record")
    return principal


def plural(n: int, noun: str) -> str:
    """``1 claim``, ``2 claims``: a count with its noun in the right number."""
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def is_terminal() -> bool:
    """True when standard error is a terminal (progress bars only make sense there)."""
    return sys.stderr.isatty()


@contextmanager
def index_follower(enabled: bool, pack: Domain, sor: Engine, store: Engine) -> Iterator[IndexFollower | None]:
    """The domain's search index follower while the block runs (``None`` when off or nothing to follow).

    On leaving, the records written last are synced before the command returns.
    """
    if not enabled:
        yield None
        return
    from interlock.assembly import index_follower_for  # noqa: PLC0415 - pulls in the index

    follower = index_follower_for(pack, sor, store)
    try:
        yield follower
    finally:
        if follower is not None:
            follower.close()
