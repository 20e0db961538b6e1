"""Database engines from plain SQLAlchemy URLs.

Users pass URLs such as ``sqlite:///sor.db`` or ``postgresql://user@host/db``. The bare
``postgresql://`` scheme would select psycopg2, which Interlock does not ship, so it is
rewritten to the psycopg 3 driver here, in one place. SQLite connections get WAL and a
busy timeout so that a reader and a writer in different processes do not fail at once.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url


def normalize_url(url: str) -> str:
    """Return ``url`` with the PostgreSQL scheme pinned to psycopg 3."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def is_sqlite(engine: Engine) -> bool:
    """True when ``engine`` talks to SQLite."""
    return engine.dialect.name == "sqlite"


def make_engine(url: str, *, pool_size: int = 5) -> Engine:
    """Create an engine for ``url`` with the settings Interlock relies on."""
    normalized = normalize_url(url)
    if normalized.startswith("sqlite"):
        engine = create_engine(normalized, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cursor = dbapi_conn.cursor()
            # The busy timeout first: switching a new file to WAL takes a write lock, and
            # several processes opening one new database at once must wait for it, not fail.
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    return create_engine(normalized, pool_size=pool_size, pool_pre_ping=True)
