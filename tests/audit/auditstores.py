"""Audit stores to test against: scratch PostgreSQL databases and templates to copy.

Imported by ``conftest.py`` (the fixtures) and by the tamper matrix (the template).
"""

from __future__ import annotations

import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url

from interlock.db import make_engine, normalize_url
from interlock.testing.audit_store import create_audit_tables

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
"""Parameters for fixtures that run once on a SQLite file and once on PostgreSQL."""


@dataclass(frozen=True)
class PgServer:
    """The PostgreSQL server under test, handing out uniquely named scratch databases.

    Other people's tests use the same server at the same time, so every database
    gets a random name and is dropped by whoever created it.
    """

    url: str

    def _admin(self) -> Engine:
        return create_engine(normalize_url(self.url), isolation_level="AUTOCOMMIT")

    def create(self, *, template: str | None = None) -> str:
        """Create a database (a copy of ``template`` when given) and return its name."""
        name = f"interlock_audit_{secrets.token_hex(6)}"
        admin = self._admin()
        try:
            with admin.connect() as conn:
                suffix = f' TEMPLATE "{template}"' if template else ""
                conn.exec_driver_sql(f'CREATE DATABASE "{name}"{suffix}')
        finally:
            admin.dispose()
        return name

    def drop(self, name: str) -> None:
        admin = self._admin()
        try:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            admin.dispose()

    def url_of(self, name: str) -> str:
        return make_url(self.url).set(database=name).render_as_string(hide_password=False)


@dataclass(frozen=True)
class StoreTemplate:
    """A prepared audit store that tests copy before changing, on SQLite or PostgreSQL.

    SQLite copies the database file; PostgreSQL creates a database from the prepared
    one as a template. Either way each copy is independent and the original is never
    touched, so one expensive setup serves a whole matrix of destructive cases.
    """

    backend: str
    url: str
    pg: PgServer | None = None
    database: str = ""

    @contextmanager
    def copy(self, folder: Path) -> Iterator[Engine]:
        """An engine on a fresh copy of the store, disposed (and on PostgreSQL dropped) after."""
        if self.pg is None:
            target = folder / "copy.db"
            shutil.copyfile(make_url(self.url).database or "", target)
            engine = make_engine(f"sqlite:///{target}")
            try:
                yield engine
            finally:
                engine.dispose()
            return
        name = self.pg.create(template=self.database)
        engine = make_engine(self.pg.url_of(name))
        try:
            yield engine
        finally:
            engine.dispose()
            self.pg.drop(name)


@contextmanager
def template_store(
    request: pytest.FixtureRequest, backend: str, folder: Path
) -> Iterator[tuple[StoreTemplate, Engine]]:
    """An empty audit store to prepare (yielded with its engine), then kept as a template.

    The engine is disposed when the ``with`` block ends, as a template must have no
    open connections before it is copied.
    """
    if backend == "sqlite":
        url = f"sqlite:///{folder / 'template.db'}"
        engine = make_engine(url)
        template = StoreTemplate(backend=backend, url=url)
    else:
        server: PgServer = request.getfixturevalue("pg_server")
        name = server.create()
        request.addfinalizer(lambda: server.drop(name))
        engine = make_engine(server.url_of(name))
        template = StoreTemplate(backend=backend, url=server.url_of(name), pg=server, database=name)
    create_audit_tables(engine)
    try:
        yield template, engine
    finally:
        engine.dispose()
