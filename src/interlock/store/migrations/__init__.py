"""The versioned schema of Interlock's store: Alembic revisions shipped inside the package.

Every change to the store's tables is an explicit revision under ``versions/``; the
revision a store is at is kept in its ``interlock_store_version`` table (not Alembic's
default name, so a store that shares a database with another Alembic application does
not collide with it). Nothing here reads an ``alembic.ini``: the configuration is built
in code, so ``interlock db upgrade`` works the same from an installed wheel.

What opening a store does (:func:`prepare_store`, decided by :func:`open_action`):

* **SQLite** is the embedded default and must work with no setup: the store is brought
  to the newest revision on open, under SQLite's write lock, so processes opening it at
  once queue instead of racing.
* **PostgreSQL** (and any other server): a store with *no* version yet (an empty
  database, or tables made by ``create_all``) is created or adopted on open, under an
  advisory lock, exactly as ``create_all`` used to create missing tables, so a first
  start needs no setup either. A store that *is* versioned is never altered on open:
  moving a live production schema to a new revision is a deploy step an operator runs
  (``interlock db upgrade``, often as a role the application does not have), so
  opening a store at an older revision fails with a message saying what to run.
* A store at a revision this code does not know (a newer interlock migrated it) is
  refused everywhere: old code must not write to a schema it does not understand.

A store whose tables were made by ``store_metadata.create_all`` (tests, the API's
start-up, stores from before versioning) has no version row. :func:`upgrade` *adopts*
it: when the tables it has match the current metadata exactly (Alembic's comparison
finds nothing but absent tables or indexes) the absent ones are created, as
``create_all`` used to, and it is stamped at the newest revision; when a table differs,
it refuses rather than guess which revision the tables correspond to.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from io import StringIO
from pathlib import Path
from typing import Any, Final, Literal

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, MetaData, inspect, text

from interlock.exceptions import ConfigurationError, StoreNotMigrated
from interlock.store.metadata import store_metadata

VERSION_TABLE: Final = "interlock_store_version"
_HERE: Final = Path(__file__).resolve().parent
#: Any constant: the key of the PostgreSQL advisory lock that serializes upgrades.
_ADVISORY_LOCK_KEY: Final = 0x1A7E_10C4


def store_tables() -> MetaData:
    """The store's ``MetaData`` with every table registered on it.

    Tables are declared in several modules; importing them here is what makes the
    metadata complete, whichever of them the caller happened to import.
    """
    from interlock.audit import chain  # noqa: PLC0415, F401 - registers audit_events, audit_heads
    from interlock.store import schema  # noqa: PLC0415, F401 - registers work and review tables

    return store_metadata


def include_name(name: str | None, type_: str, _parent: Any) -> bool:
    """Compare only the store's own tables.

    The same database may also hold the search index (derived, rebuilt by its own
    layout number), a task queue's tables, or another application's: they are not
    ours to migrate, and must not show up as "tables to drop".
    """
    if type_ == "table":
        return name in store_tables().tables
    return True


def make_config(connection: Connection | None = None, *, url: str | None = None) -> Config:
    """An Alembic configuration for the store's revisions, for ``connection`` or ``url``."""
    config = Config(output_buffer=StringIO())
    config.set_main_option("script_location", str(_HERE))
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", str(_HERE / "versions"))
    # Revision files are modules under src/: their names must be valid identifiers.
    config.set_main_option("file_template", "v%%(rev)s_%%(slug)s")
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["connection"] = connection
    return config


@cache
def known_revisions() -> frozenset[str]:
    """Every revision shipped with this code."""
    script = ScriptDirectory.from_config(make_config())
    return frozenset(r.revision for r in script.walk_revisions())


@cache
def head_revision() -> str:
    """The newest revision shipped with this code."""
    head = ScriptDirectory.from_config(make_config()).get_current_head()
    if head is None:  # pragma: no cover - the package always ships a revision
        raise ConfigurationError("no store revisions are installed")
    return head


def current_revision(connection: Connection) -> str | None:
    """The revision the store behind ``connection`` is at; None when it is not versioned."""
    context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
    return context.get_current_revision()


def schema_differences(connection: Connection) -> list[Any]:
    """What differs between the store's tables and the current metadata (empty: nothing)."""
    context = MigrationContext.configure(
        connection,
        opts={"include_name": include_name, "compare_type": True, "version_table": VERSION_TABLE},
    )
    return list(compare_metadata(context, store_tables()))


@dataclass(frozen=True, slots=True)
class UpgradeResult:
    """Where an upgrade started and ended, and whether an unversioned store was adopted."""

    before: str | None
    after: str | None
    adopted: bool


@contextmanager
def _locked(engine: Engine) -> Iterator[Connection]:
    """One transaction holding the store's migration lock; commits on success.

    SQLite: ``BEGIN IMMEDIATE`` takes the single write lock before anything is read.
    PostgreSQL: a transaction-scoped advisory lock; its DDL is transactional, so a
    failed revision leaves nothing half-applied.
    """
    from interlock.audit.chain import begin_write  # noqa: PLC0415 - import cycle via audit

    if engine.dialect.name == "sqlite":
        with begin_write(engine) as conn:
            yield conn
        return
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_LOCK_KEY})
        yield conn


def _has_store_tables(connection: Connection) -> bool:
    return bool(set(inspect(connection).get_table_names()) & set(store_tables().tables))


def _only_missing(diff: Any) -> bool:
    """A difference that only says something is absent (a whole table or an index)."""
    return isinstance(diff, tuple) and diff[0] in ("add_table", "add_index")


def _is_claims_era(conn: Connection) -> bool:
    """True for an unversioned store whose review items or audit events still have claim columns."""
    inspector = inspect(conn)
    return any(
        inspector.has_table(table) and "claim_id" in {c["name"] for c in inspector.get_columns(table)}
        for table in ("review_items", "audit_events")
    )


def upgrade(engine: Engine, revision: str = "head") -> UpgradeResult:
    """Bring the store to ``revision`` (default the newest); running it again does nothing."""
    with _locked(engine) as conn:
        config = make_config(conn)
        before = current_revision(conn)
        adopted = False
        if before is None and _has_store_tables(conn):
            if _is_claims_era(conn):
                # Made by create_all before review items were generic: that is revision 0001.
                command.stamp(config, "0001")
            else:
                diffs = schema_differences(conn)
                if diffs and all(_only_missing(d) for d in diffs):
                    # Some tables absent, the present ones exactly right: what create_all did.
                    store_tables().create_all(conn)
                    diffs = schema_differences(conn)
                if diffs:
                    shown = "; ".join(str(d) for d in diffs[:5])
                    raise ConfigurationError(
                        "the store has tables but no schema version, and they differ from this "
                        f"version's schema ({len(diffs)} difference(s): {shown}); migrate it by hand"
                    )
                command.stamp(config, "head")
            adopted = True
        command.upgrade(config, revision)
        return UpgradeResult(before=before, after=current_revision(conn), adopted=adopted)


def upgrade_sql(url: str, revision: str = "head") -> str:
    """The SQL an upgrade from an empty database to ``revision`` would run, for a DBA to review."""
    config = make_config(url=url)
    command.upgrade(config, revision, sql=True)
    buffer = config.output_buffer
    return buffer.getvalue() if isinstance(buffer, StringIO) else ""


def store_status(engine: Engine) -> tuple[str | None, str]:
    """(the store's revision, the revision this code expects)."""
    with engine.connect() as conn:
        return current_revision(conn), head_revision()


Action = Literal["ready", "upgrade"]


def open_action(*, dialect: str, current: str | None, head: str, known: frozenset[str]) -> Action:
    """What opening a store at ``current`` should do (pure: the policy of the module docstring).

    Raises :class:`StoreNotMigrated` when opening must not proceed.
    """
    if current == head:
        return "ready"
    if current is not None and current not in known:
        raise StoreNotMigrated(
            f"the store is at revision {current}, which this version of interlock does not know "
            "(a newer version migrated it): upgrade interlock"
        )
    if dialect == "sqlite" or current is None:
        return "upgrade"
    raise StoreNotMigrated(
        f"the store is at revision {current} and this version of interlock needs revision {head}"
    )


def prepare_store(engine: Engine) -> Literal["ready", "upgraded"]:
    """Make ``engine``'s store usable by this code, or explain why it is not."""
    current, head = store_status(engine)
    try:
        action = open_action(dialect=engine.dialect.name, current=current, head=head, known=known_revisions())
    except StoreNotMigrated as exc:
        if current not in known_revisions():
            raise
        shown = engine.url.render_as_string(hide_password=True)
        raise StoreNotMigrated(f"{exc}: run `interlock db upgrade --store {shown}`") from None
    if action == "ready":
        return "ready"
    upgrade(engine)
    return "upgraded"
