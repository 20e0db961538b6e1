"""Throw-away PostgreSQL databases (and roles) for tests, on ``INTERLOCK_TEST_PG_URL``.

One place for the rule every PostgreSQL test follows: an unreachable server skips the
test with the reason shown, except in CI (``CI=true``), where it fails the run instead
of silently shrinking it; and whatever was created is dropped afterwards, even when the
test fails.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import URL, make_url

from interlock.db import normalize_url

DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def server_url() -> str:
    """The PostgreSQL server the tests use."""
    return os.environ.get("INTERLOCK_TEST_PG_URL", DEFAULT_PG_URL)


@contextmanager
def scratch_database(prefix: str = "interlock_test", *, roles: Sequence[str] = ()) -> Iterator[URL]:
    """Create a uniquely named database; yield its URL; drop it and ``roles`` afterwards."""
    admin = create_engine(
        normalize_url(server_url()),
        isolation_level="AUTOCOMMIT",
        connect_args={"connect_timeout": 3},
        pool_pre_ping=True,
    )
    name = f"{prefix}_{secrets.token_hex(6)}"
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except Exception as exc:
        admin.dispose()
        shown = make_url(server_url()).render_as_string(hide_password=True)
        message = f"PostgreSQL unreachable at {shown}: {type(exc).__name__}: {exc}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    try:
        yield make_url(server_url()).set(database=name)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            for role in roles:
                conn.exec_driver_sql(f'DROP ROLE IF EXISTS "{role}"')
        admin.dispose()
