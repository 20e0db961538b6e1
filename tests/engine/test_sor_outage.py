"""A system of record that goes away: work is deferred, then drains when it returns."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.engine import make_url

from interlock.assembly import build_engine
from interlock.audit.chain import AuditLog
from interlock.db import make_engine, normalize_url
from interlock.domains.claims import schema as t
from interlock.domains.claims.connector import SqlClaimsConnector
from interlock.domains.claims.testing.handmade import add_claim, seed_reference
from interlock.domains.claims.testing.scripted import ScriptedModel
from interlock.engine import EngineSettings
from interlock.exceptions import ConnectorUnavailable
from interlock.policy.principal import service_principal
from interlock.store.metadata import store_metadata
from interlock.work.runner import run_claims
from interlock.work.store import WorkStore


def _set_connections(pg_url: str, allowed: bool) -> None:
    """Open or close the database to new connections and cut the existing ones."""
    name = make_url(pg_url).database
    admin = create_engine(
        normalize_url(make_url(pg_url).set(database="postgres").render_as_string(hide_password=False)),
        isolation_level="AUTOCOMMIT",
    )
    with admin.connect() as conn:
        conn.exec_driver_sql(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {"true" if allowed else "false"}')
        if not allowed:
            conn.exec_driver_sql(
                f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' AND pid <> pg_backend_pid()"
            )
    admin.dispose()


@pytest.mark.postgres
def test_sor_outage_defers_and_the_backlog_drains_after(pg_url: str, tmp_path: Path) -> None:
    """With the system of record refusing connections, items defer; once it is back they finish, once each."""
    sor = make_engine(pg_url)
    t.metadata.create_all(sor)
    seed_reference(sor)
    for n in range(3):
        add_claim(sor, f"O-{n}", lines=(("X1001", n + 1, "80.00"),))
    store = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    store_metadata.create_all(store)
    connector = SqlClaimsConnector(sor, fail_max=2, reset_seconds=0.5)
    engine = build_engine(
        "claims.adjudicate",
        connector=connector,
        store=WorkStore(store, AuditLog(store)),
        principal=service_principal(),
        model=ScriptedModel(),
        settings=EngineSettings(defer_base_seconds=0.2),
    )
    ids = connector.claim_ids(engine.scope)
    _set_connections(pg_url, allowed=False)
    try:
        with pytest.raises(ConnectorUnavailable):
            connector.claim_ids(engine.scope)
        during = run_claims(engine, ids, max_wait_seconds=1.0)
        assert {r.route for r in during} == {"defer"}
    finally:
        _set_connections(pg_url, allowed=True)
    after = run_claims(engine, ids, max_wait_seconds=30.0)
    assert sorted(r.route for r in after) == ["commit"] * 3
    with sor.connect() as conn:
        assert len(conn.execute(select(t.adjudications)).all()) == 3
    sor.dispose()
