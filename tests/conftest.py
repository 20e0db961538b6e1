"""Fixtures shared by every test package.

``pg_url`` gives a test its own throw-away PostgreSQL database, so tests that need a
real server (row locks, ``ON CONFLICT``, ``timestamptz``) cannot see each other's rows.
The server comes from ``INTERLOCK_TEST_PG_URL``. When it cannot be reached the test is
skipped with the reason shown, except in CI (``CI=true``), where a missing server must
fail the run instead of silently shrinking it.

The API and review-desk tests share a live server over real SQLite databases
(``issuer``, ``adjudicated``, ``api``), built once per session and copied per test.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import httpx2 as httpx
import pytest

from interlock.api.app import create_app
from interlock.db import make_engine
from interlock.domains.claims.testing.api_world import (
    REVIEW_CLAIMS,
    SERVICE_KEY,
    ApiWorld,
    LiveServer,
    TokenIssuer,
    seed_review_world,
    settings_for,
)
from pgscratch import scratch_database


@pytest.fixture
def pg_url() -> Iterator[str]:
    """Yield the URL of a fresh scratch PostgreSQL database, dropped afterwards."""
    with scratch_database() as url:
        yield url.render_as_string(hide_password=False)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database: a SQLite file, then (marked ``postgres``) a scratch PostgreSQL one."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    url: str = request.getfixturevalue("pg_url")
    return url


# -- a live API server, shared by the API and review-desk tests ------------------------


def _checkpoint(path: Path) -> None:
    """Fold SQLite's write-ahead log into the main file so that one file is the whole database."""
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


@pytest.fixture(scope="session")
def issuer() -> TokenIssuer:
    """One identity provider (key generation is slow) for the whole session."""
    return TokenIssuer()


@pytest.fixture(scope="session")
def adjudicated(tmp_path_factory: pytest.TempPathFactory, issuer: TokenIssuer) -> Path:
    """Databases whose claims the service principal adjudicated over HTTP, built once."""
    directory = tmp_path_factory.mktemp("adjudicated")
    settings = seed_review_world(directory, issuer)
    with (
        LiveServer(create_app(settings)) as server,
        httpx.Client(base_url=server.url, headers={"X-API-Key": SERVICE_KEY}, timeout=60) as service,
    ):
        for claim_id in REVIEW_CLAIMS:
            assert service.post(f"/v1/tasks/claims.adjudicate/{claim_id}").status_code == 200
    for name in ("sor.db", "store.db"):
        _checkpoint(directory / name)
    return directory


@pytest.fixture
def api(tmp_path: Path, adjudicated: Path, issuer: TokenIssuer) -> Iterator[ApiWorld]:
    """A fresh server over a private copy of the adjudicated databases."""
    for name in ("sor.db", "store.db"):
        shutil.copy(adjudicated / name, tmp_path / name)
    settings = settings_for(tmp_path, issuer)
    sor, store = make_engine(settings.sor_url), make_engine(settings.store_url)
    with LiveServer(create_app(settings)) as server:
        yield ApiWorld(url=server.url, sor=sor, store=store, issuer=issuer)
    sor.dispose()
    store.dispose()
