"""How interlock connects to a PostgreSQL system of record: a least-privilege role, and
the acting principal carried into row-level security.

**The role.** :func:`reader_role_sql` creates (when missing) a role that owns nothing and
may do only what interlock does: SELECT the reference schema's tables, INSERT the two
tables of a finalization, and UPDATE one column, ``claims.status``. Owning a table or
holding ``BYPASSRLS`` would switch row-level security off for it, so
:func:`reader_role_problems` checks for both after the grants.

**The principal.** The row-level security policies compiled by
:mod:`interlock.policy.rls` read the principal from settings. :func:`apply_principal`
sets them with ``set_config(name, value, true)``: *transaction-local*. That choice is
what keeps results right when connections are shared:

* a pooled connection (SQLAlchemy's pool, or pgbouncer in transaction mode, where
  consecutive transactions of one client may run on different server connections and
  one server connection serves many clients) never carries one principal's settings
  into another's transaction: at COMMIT or ROLLBACK they are gone, and a transaction
  that sets nothing sees no protected row;
* statements prepared by psycopg (after five executions) or cached as generic plans
  stay correct, because ``current_setting`` is evaluated when the statement runs,
  never folded into the plan.

A session-level ``SET`` would be wrong on both counts: it outlives the transaction
and leaks into whichever request next gets the connection.

:func:`bind_principals` makes this automatic for an engine: every transaction begins by
applying the principal of the current context (:func:`acting_as`), so the SQL
connector's queries run under row-level security without passing the principal down.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from typing import Any, Final

from sqlalchemy import Connection, Engine, event, text

from interlock.exceptions import ConfigurationError
from interlock.policy.principal import Principal
from interlock.policy.rls import cleared_settings, quote_ident, quote_literal, session_settings
from interlock.task import SorAccess

_ACTING: ContextVar[Principal | None] = ContextVar("interlock_acting_principal", default=None)
_SET_SQL: Final = "SELECT " + ", ".join(
    f"set_config(:name{i}, :value{i}, true)" for i in range(len(cleared_settings()))
)


def reader_role_sql(role: str, access: SorAccess, *, login: bool = False, schema: str = "public") -> str:
    """SQL that creates ``role`` if missing and leaves it exactly interlock's privileges.

    ``access`` is the domain's declaration (``Domain.access``): what it reads, the
    tables its write-back inserts into and the columns it updates.

    Idempotent: privileges on the schema's tables are revoked first, so running it again
    after interlock needs less also takes away what is no longer needed.
    """
    name, sch = quote_ident(role), quote_ident(schema)
    tables = ", ".join(f"{sch}.{quote_ident(t)}" for t in access.read_tables)
    login_kw = "LOGIN" if login else "NOLOGIN"
    statements = [
        "BEGIN;",
        "DO $interlock$\nBEGIN\n"
        f"  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = {quote_literal(role)}) THEN\n"
        f"    CREATE ROLE {name} {login_kw};\n"
        "  END IF;\nEND\n$interlock$;",
        f"ALTER ROLE {name} {login_kw} NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {sch} FROM {name};",
        f"GRANT USAGE ON SCHEMA {sch} TO {name};",
        f"GRANT SELECT ON {tables} TO {name};",
        *(f"GRANT INSERT ON {sch}.{quote_ident(t)} TO {name};" for t in access.insert_tables),
        *(
            f"GRANT UPDATE ({', '.join(quote_ident(c) for c in cols)}) ON {sch}.{quote_ident(t)} TO {name};"
            for t, cols in access.update_columns.items()
        ),
        "COMMIT;",
    ]
    return "\n".join(statements) + "\n"


def reader_role_problems(conn: Connection, role: str, access: SorAccess) -> list[str]:
    """Why row-level security would not bind ``role`` (empty: it would)."""
    row = conn.execute(
        text("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = :role"), {"role": role}
    ).first()
    if row is None:
        return [f"role {role!r} does not exist"]
    problems = []
    if row.rolsuper:
        problems.append(f"role {role!r} is a superuser: row-level security does not apply to it")
    if row.rolbypassrls:
        problems.append(f"role {role!r} has BYPASSRLS")
    owned = conn.execute(
        text(
            "SELECT c.relname FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner "
            "WHERE r.rolname = :role AND c.relname = ANY(:tables) AND c.relkind = 'r'"
        ),
        {"role": role, "tables": list(access.read_tables)},
    ).scalars()
    problems.extend(f"role {role!r} owns {t}: row-level security does not apply to the owner" for t in owned)
    return problems


def execute_script(engine: Engine, script: str) -> None:
    """Run a script of several statements (its own BEGIN/COMMIT included) as one round trip."""
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT")
        dbapi: Any = conn.connection.dbapi_connection
        with dbapi.cursor() as cursor:
            try:
                cursor.execute(script)  # no parameters: the driver sends the text as it is
            except Exception:
                # A failed statement leaves the script's transaction open and aborted.
                with suppress(Exception):
                    cursor.execute("ROLLBACK")
                raise


# -- the acting principal ---------------------------------------------------------------


def _params(settings: Mapping[str, str]) -> dict[str, str]:
    params: dict[str, str] = {}
    for i, (name, value) in enumerate(settings.items()):
        params[f"name{i}"], params[f"value{i}"] = name, value
    return params


def apply_principal(conn: Connection, principal: Principal | None) -> None:
    """Identify ``principal`` (None: nobody) to row-level security for this transaction.

    The settings end with the transaction; call it again after every commit. Only
    PostgreSQL has the settings; on another database this is an error, not a no-op,
    so nobody believes rows are protected where they are not.
    """
    if conn.dialect.name != "postgresql":
        raise ConfigurationError("principal settings for row-level security need PostgreSQL")
    settings = session_settings(principal) if principal is not None else cleared_settings()
    conn.execute(text(_SET_SQL), _params(settings))


def acting_principal() -> Principal | None:
    """The principal that transactions begun now act as (None: nobody, settings cleared)."""
    return _ACTING.get()


@contextmanager
def acting_as(principal: Principal) -> Iterator[None]:
    """Transactions begun inside this block (on a :func:`bind_principals` engine) act as ``principal``."""
    token = _ACTING.set(principal)
    try:
        yield
    finally:
        _ACTING.reset(token)


def bind_principals(engine: Engine) -> Engine:
    """Make every transaction on ``engine`` start by applying the acting principal.

    Outside :func:`acting_as` the settings are cleared, so a forgotten block reads
    nothing rather than what the previous principal could read.
    """
    if engine.dialect.name != "postgresql":
        raise ConfigurationError("principal settings for row-level security need PostgreSQL")

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        principal = _ACTING.get()
        settings = session_settings(principal) if principal is not None else cleared_settings()
        # The DB-API cursor, not conn.execute: the SQLAlchemy transaction is still being
        # set up. psycopg opens the server transaction with this very statement.
        dbapi: Any = conn.connection.dbapi_connection
        with dbapi.cursor() as cursor:
            cursor.execute(
                "SELECT " + ", ".join("set_config(%s, %s, true)" for _ in settings),
                [x for pair in settings.items() for x in pair],
            )

    return engine


def secure_rows(engine: Engine, *, enabled: bool) -> Engine:
    """Bind principals on ``engine`` when ``enabled`` (the ``sor_row_security`` setting).

    The one place a process turns the setting into a bound engine, so the CLI and the
    API refuse the same way: a setting that asks for row-level security on a database
    without it is a configuration error at start-up, not rows believed protected.
    """
    if not enabled:
        return engine
    try:
        return bind_principals(engine)
    except ConfigurationError as exc:
        raise ConfigurationError(
            f"sor_row_security: {exc} (the system of record is {engine.dialect.name})"
        ) from None
