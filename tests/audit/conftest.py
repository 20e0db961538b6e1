"""Fixtures for the audit tests: stores on SQLite and PostgreSQL, keys, templates to copy.

``decided_store`` holds the trail of one claim decided by the engine. ``keys``,
``audit_engine`` and ``pg_server`` (with the templates in ``auditstores``) are the
checkpoint set-up the checkpoint, group-commit and tamper-matrix tests share; the
steps themselves live in :mod:`interlock.testing.audit_store`, so that the CLI tests
use them too.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from auditstores import PgServer
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url

from interlock.assembly import build_engine
from interlock.audit.chain import AuditLog
from interlock.db import make_engine, normalize_url
from interlock.domains.claims import schema as t
from interlock.domains.claims.connector import SqlClaimsConnector
from interlock.domains.claims.testing.handmade import add_claim, seed_reference
from interlock.domains.claims.testing.scripted import ScriptedModel
from interlock.policy.principal import service_principal
from interlock.store.metadata import store_metadata
from interlock.testing.audit_store import SigningKeys, create_audit_tables, signing_keys
from interlock.work.store import WorkStore

DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
NOTE = "Patient completed eight weeks of supervised physical therapy without relief. MRI shows a medial meniscal tear."


@pytest.fixture(scope="session")
def decided_store(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite store whose trail holds claim C-KNEE, decided end to end with the model's help."""
    tmp_path = tmp_path_factory.mktemp("decided")
    sor = make_engine(f"sqlite:///{tmp_path / 'sor.db'}")
    store_url = f"sqlite:///{tmp_path / 'store.db'}"
    store = make_engine(store_url)
    t.metadata.create_all(sor)
    store_metadata.create_all(store)
    seed_reference(sor)
    add_claim(sor, "C-KNEE", lines=(("X2002", 1, "2000.00"),), notes=(NOTE,))
    engine = build_engine(
        "claims.adjudicate",
        connector=SqlClaimsConnector(sor),
        store=WorkStore(store, AuditLog(store)),
        principal=service_principal(),
        model=ScriptedModel("met", 0.99),
    )
    result = engine.process("C-KNEE")
    assert result.route == "commit"
    sor.dispose()
    store.dispose()
    return store_url


# -- stores, keys and checkpoints shared by the chain, checkpoint and tamper tests ------


@pytest.fixture
def keys(tmp_path: Path) -> SigningKeys:
    """A fresh checkpoint key pair named ``test-log``, written to files and loaded back."""
    return signing_keys(tmp_path / "keys", name="test-log")


@pytest.fixture(scope="session")
def pg_server() -> PgServer:
    """The server named by ``INTERLOCK_TEST_PG_URL``; skipped when unreachable, failed in CI."""
    server = PgServer(os.environ.get("INTERLOCK_TEST_PG_URL", DEFAULT_PG_URL))
    admin = create_engine(normalize_url(server.url), connect_args={"connect_timeout": 3})
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except Exception as exc:
        shown = make_url(server.url).render_as_string(hide_password=True)
        message = f"PostgreSQL unreachable at {shown}: {type(exc).__name__}: {exc}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    finally:
        admin.dispose()
    return server


@pytest.fixture
def audit_engine(db_url: str) -> Iterator[Engine]:
    """An engine on an empty audit store, once on a SQLite file and once on PostgreSQL."""
    engine = make_engine(db_url)
    create_audit_tables(engine)
    yield engine
    engine.dispose()
