"""``interlock db ...`` and ``interlock policy emit-rls``: the store's schema and PostgreSQL access.

* ``db upgrade`` / ``db current``: the store's schema revisions
  (:mod:`interlock.store.migrations`). SQLite stores also upgrade themselves on open;
  PostgreSQL stores only ever change here.
* ``db grant-reader``: the least-privilege role interlock connects to a PostgreSQL
  system of record as (:mod:`interlock.connectors.pg_access`).
* ``policy emit-rls``: the policy compiled into row-level security
  (:mod:`interlock.policy.rls`).

Each either prints SQL for review (``--sql``, or no database given) or applies it.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from sqlalchemy import Engine, Index
    from sqlalchemy.engine import Dialect

    from interlock.policy.document import PolicyDocument

from interlock.cli.app import DomainOpt, JsonOpt, StoreOpt, app
from interlock.cli.common import SOR_HELP, console, domain_named, fail, open_sor, out, sqlite_file
from interlock.cli.configured import pick, settings
from interlock.cli.retrieval_cmds import policy_app
from interlock.exceptions import InterlockError

db_app = typer.Typer(
    help="Interlock's store schema (migrations) and PostgreSQL access (roles).", no_args_is_help=True
)
app.add_typer(db_app, name="db")


def _shown(url: str) -> str:
    """``url`` fit for a terminal or a log: the password masked."""
    from sqlalchemy.engine import make_url  # noqa: PLC0415

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL at all: nothing secret to hide in a parse failure
        return url


@db_app.command("upgrade")
def db_upgrade(
    store: StoreOpt = None,
    sql: Annotated[
        bool, typer.Option("--sql", help="Print the SQL of a full upgrade instead of running it.")
    ] = False,
) -> None:
    """Bring the store to the newest schema revision (running it twice changes nothing)."""
    from interlock.db import (  # noqa: PLC0415
        make_engine,
        normalize_url,
    )
    from interlock.store import migrations  # noqa: PLC0415

    store = pick(store, settings().store_url)
    if sql:
        sys.stdout.write(migrations.upgrade_sql(normalize_url(store)))
        return
    try:
        result = migrations.upgrade(make_engine(store))
    except Exception as exc:
        fail(f"cannot upgrade store {_shown(store)}: {exc}")
    if result.adopted:
        console.print(f"adopted an unversioned store whose tables match revision {result.after}")
    if result.before == result.after and not result.adopted:
        console.print(f"store already at revision {result.after}")
    else:
        console.print(f"store upgraded from {result.before or 'nothing'} to {result.after}")


@db_app.command("current")
def db_current(
    store: StoreOpt = None,
    check: Annotated[
        bool, typer.Option("--check", help="Exit 1 unless the store is at the newest revision.")
    ] = False,
    json_out: JsonOpt = False,
) -> None:
    """Show the store's schema revision and the one this version of interlock expects."""
    from interlock.db import make_engine  # noqa: PLC0415
    from interlock.store import migrations  # noqa: PLC0415

    store = pick(store, settings().store_url)
    try:
        current, head = migrations.store_status(make_engine(store))
    except Exception as exc:
        fail(f"cannot read store {_shown(store)}: {exc}")
    if json_out:
        out.print_json(data={"current": current, "head": head, "up_to_date": current == head})
    else:
        state = "up to date" if current == head else "behind: run `interlock db upgrade`"
        out.print(f"{current or 'unversioned'} (head {head}, {state})", highlight=False)
    if check and current != head:
        raise typer.Exit(1)


@db_app.command("grant-reader")
def db_grant_reader(
    role: Annotated[str, typer.Option("--role", help="The PostgreSQL role interlock connects as.")],
    sor: Annotated[
        str | None, typer.Option("--sor", help=SOR_HELP + " Omit to print the SQL instead.")
    ] = None,
    login: Annotated[
        bool, typer.Option("--login/--no-login", help="Whether the role may log in itself.")
    ] = False,
    schema: Annotated[str, typer.Option(help="The schema holding the system of record.")] = "public",
    domain: DomainOpt = "claims",
) -> None:
    """Create or reset the least-privilege role: SELECT the system of record, write only its write target."""
    from interlock.connectors.pg_access import (  # noqa: PLC0415
        reader_role_problems,
        reader_role_sql,
    )

    pack = domain_named(domain)
    if pack.access is None:
        fail(f"domain {pack.name!r} declares no access for a least-privilege role")
    access = pack.access
    try:
        script = reader_role_sql(role, access, login=login, schema=schema)
    except InterlockError as exc:
        fail(str(exc))
    engine = _print_or_apply(script, sor, needs="roles and grants need", failure=f"cannot grant {role!r}")
    if engine is None:
        return
    try:
        with engine.connect() as conn:
            problems = reader_role_problems(conn, role, access)
    except Exception as exc:
        fail(f"cannot grant {role!r}: {exc}")
    if problems:
        fail("; ".join(problems))
    console.print(
        f"role {role} may read the system of record and write only {', '.join(access.insert_tables)}"
    )


@db_app.command("index-sor")
def db_index_sor(
    sor: Annotated[
        str | None, typer.Option("--sor", help=SOR_HELP + " Omit to print the SQL instead.")
    ] = None,
    domain: DomainOpt = "claims",
) -> None:
    """Add the indexes interlock's per-record reads need to a system of record (idempotent).

    On PostgreSQL they are built CONCURRENTLY: a plain CREATE INDEX would block
    the outside systems' inserts and updates of the live tables for the whole build.
    """
    from sqlalchemy.dialects import postgresql  # noqa: PLC0415

    ACCESS_INDEXES = domain_named(domain).access_indexes  # noqa: N806 - a constant of the domain

    if sor is None:
        sys.stdout.write("-- PostgreSQL; run outside a transaction block (CONCURRENTLY needs it)\n")
        for index in ACCESS_INDEXES:
            sys.stdout.write(_concurrent_index_sql(index, postgresql.dialect()) + ";\n")  # type: ignore[no-untyped-call]
        return
    engine = open_sor(sor)
    try:
        if engine.dialect.name == "postgresql":
            with engine.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT")
                for index in ACCESS_INDEXES:
                    conn.exec_driver_sql(_concurrent_index_sql(index, engine.dialect))
        else:
            for index in ACCESS_INDEXES:
                index.create(engine, checkfirst=True)
    except Exception as exc:
        fail(
            f"cannot create the indexes: {exc} (on PostgreSQL, an index left INVALID by a failed "
            "build must be dropped before running this again)"
        )
    console.print(
        f"{len(ACCESS_INDEXES)} access indexes present: " + ", ".join(str(i.name) for i in ACCESS_INDEXES)
    )


def _concurrent_index_sql(index: Index, dialect: Dialect) -> str:
    """``CREATE INDEX CONCURRENTLY IF NOT EXISTS`` for one of the access indexes."""
    quote = dialect.identifier_preparer.quote
    table = index.table
    assert table is not None
    columns = ", ".join(quote(str(column.name)) for column in index.columns)
    return (
        f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {quote(str(index.name))} ON {quote(table.name)} ({columns})"
    )


def _print_or_apply(script: str, sor: str | None, *, needs: str, failure: str) -> Engine | None:
    """Print ``script`` when no system of record is given (``None``), else run it there."""
    from interlock.connectors.pg_access import execute_script  # noqa: PLC0415

    if sor is None:
        sys.stdout.write(script)
        return None
    if sqlite_file(sor) is not None or sor.startswith("sqlite"):
        fail(f"{needs} a PostgreSQL system of record")  # before opening: no SQLite file is created
    engine = open_sor(sor)
    if engine.dialect.name != "postgresql":
        fail(f"{needs} a PostgreSQL system of record")
    try:
        execute_script(engine, script)
    except Exception as exc:
        fail(f"{failure}: {exc}")
    return engine


def _load_policy(path: Path | None) -> PolicyDocument:
    from interlock.policy.document import (  # noqa: PLC0415
        default_policy,
        parse_policy_toml,
    )

    if path is None:
        return default_policy()
    try:
        return parse_policy_toml(path.read_text(encoding="utf-8"))
    except OSError as exc:
        fail(f"cannot read {path}: {exc}")
    except InterlockError as exc:
        fail(str(exc))


@policy_app.command("emit-rls")
def policy_emit_rls(
    policy: Annotated[
        Path | None, typer.Option("--policy", help="A policy file (TOML); default: the shipped policy.")
    ] = None,
    sor: Annotated[
        str | None, typer.Option("--sor", help=SOR_HELP + " Apply the SQL there instead of printing it.")
    ] = None,
) -> None:
    """Compile the policy into PostgreSQL row-level security on the claim tables."""
    from interlock.policy.rls import compile_rls  # noqa: PLC0415

    document = _load_policy(policy)
    try:
        script = compile_rls(document)
    except InterlockError as exc:
        fail(str(exc))
    applied = _print_or_apply(
        script, sor, needs="row-level security needs", failure="cannot apply row-level security"
    )
    if applied is None or sor is None:
        return
    console.print(f"row-level security for policy {document.version} applied to {_shown(sor)}")
