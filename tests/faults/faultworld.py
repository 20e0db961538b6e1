"""A small hand-made backlog on SQLite and PostgreSQL, with engines built on demand.

The backlog covers the three shapes a crash can meet: a claim decided by the rules, a
claim decided with the model (rule 9), and a claim pended for a person.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from interlock.audit.chain import AuditLog
from interlock.clock import FrozenClock
from interlock.db import make_engine
from interlock.domains.claims import schema as t
from interlock.domains.claims.connector import SqlClaimsConnector
from interlock.domains.claims.invariants import InvariantReport, check_invariants
from interlock.domains.claims.testing.handmade import add_claim, seed_reference
from interlock.domains.claims.testing.scripted import ScriptedModel
from interlock.engine import Engine as TaskEngine
from interlock.engine import EngineSettings
from interlock.models.base import ModelClient
from interlock.policy.principal import service_principal
from interlock.registry import task as task_named
from interlock.store.metadata import store_metadata
from interlock.work.failpoints import Failpoints
from interlock.work.store import WorkStore
from interlock.work.worker import WorkerStats, drain

MET_NOTE = "Patient completed eight weeks of supervised physical therapy without relief. MRI shows a medial meniscal tear."
LEASE_SECONDS = 10.0
BACKLOG = ("F-RULES", "F-DENY", "F-KNEE", "F-HIGH")


@dataclass
class FaultWorld:
    """A seeded system of record and store that share one frozen clock."""

    sor: Engine
    store: Engine
    clock: FrozenClock = field(default_factory=lambda: FrozenClock(datetime(2026, 3, 1, tzinfo=UTC)))

    def engine(
        self,
        *,
        model: ModelClient | None = None,
        store: WorkStore | None = None,
        failpoints: Failpoints | None = None,
        name: str = "w",
        engine_class: type[TaskEngine[Any, Any, Any, Any]] = TaskEngine,
    ) -> TaskEngine[Any, Any, Any, Any]:
        """An engine over this world; every part can be swapped for a mutant."""
        return engine_class(
            task=task_named("claims.adjudicate"),
            connector=SqlClaimsConnector(self.sor),
            store=store or WorkStore(self.store, AuditLog(self.store)),
            principal=service_principal(),
            model=model or ScriptedModel("met", 0.99),
            settings=EngineSettings(lease_seconds=LEASE_SECONDS, defer_base_seconds=0.01),
            clock=self.clock,
            worker=name,
            failpoints=failpoints or Failpoints(),
        )

    def expire_leases(self) -> None:
        """Move time past every lease taken so far."""
        self.clock.advance(LEASE_SECONDS + 1)

    def drain(self, engine: TaskEngine[Any, Any, Any, Any]) -> None:
        """Run ``engine`` as a recovering worker until nothing is left."""
        assert drain(engine, max_seconds=30, poll_seconds=0.01, stats=WorkerStats(worker=engine.worker))

    def check(self) -> InvariantReport:
        """The invariant checker over the whole backlog."""
        return check_invariants(self.sor, self.store, BACKLOG)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def fault_world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[FaultWorld]:
    """The four-claim backlog on SQLite or on PostgreSQL."""
    if request.param == "postgres":
        url = request.getfixturevalue("pg_url")
        sor, store = make_engine(url), make_engine(url)
    else:
        sor = make_engine(f"sqlite:///{tmp_path / 'sor.db'}")
        store = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    t.metadata.create_all(sor)
    store_metadata.create_all(store)
    seed_reference(sor)
    add_claim(sor, "F-RULES", service_date=date(2026, 1, 2))
    add_claim(sor, "F-DENY", service_date=date(2026, 1, 3), diagnoses=("M54.5",))
    add_claim(
        sor, "F-KNEE", service_date=date(2026, 1, 4), lines=(("X2002", 1, "2000.00"),), notes=(MET_NOTE,)
    )
    add_claim(sor, "F-HIGH", service_date=date(2026, 1, 5), lines=(("X1001", 1, "12000.00"),))
    yield FaultWorld(sor=sor, store=store)
    sor.dispose()
    store.dispose()
