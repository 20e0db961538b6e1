"""Fixtures for the audit tests: a store holding the trail of one claim decided by the engine."""

from __future__ import annotations

import pytest

from interlock.audit.chain import AuditLog
from interlock.connectors.sql_claims import SqlClaimsConnector
from interlock.db import make_engine
from interlock.domains.claims import schema as t
from interlock.engine import ClaimsEngine
from interlock.policy.principal import service_principal
from interlock.store.metadata import store_metadata
from interlock.testing.handmade import add_claim, seed_reference
from interlock.testing.scripted import ScriptedModel
from interlock.work.store import WorkStore

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
    engine = ClaimsEngine(
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
