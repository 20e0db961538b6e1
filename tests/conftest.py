"""Fixtures shared by every test package.

``pg_url`` gives a test its own throw-away PostgreSQL database, so tests that need a
real server (row locks, ``ON CONFLICT``, ``timestamptz``) cannot see each other's rows.
The server comes from ``INTERLOCK_TEST_PG_URL``. When it cannot be reached the test is
skipped with the reason shown, except in CI (``CI=true``), where a missing server must
fail the run instead of silently shrinking it.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from interlock.db import normalize_url

DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


@pytest.fixture
def pg_url() -> Iterator[str]:
    """Yield the URL of a fresh scratch PostgreSQL database, dropped afterwards."""
    server_url = os.environ.get("INTERLOCK_TEST_PG_URL", DEFAULT_PG_URL)
    admin = create_engine(
        normalize_url(server_url),
        isolation_level="AUTOCOMMIT",
        connect_args={"connect_timeout": 3},
        pool_pre_ping=True,
    )
    name = f"interlock_test_{secrets.token_hex(6)}"
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except Exception as exc:
        admin.dispose()
        shown = make_url(server_url).render_as_string(hide_password=True)
        message = f"PostgreSQL unreachable at {shown}: {type(exc).__name__}: {exc}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
