"""Deferral back-off doubles from its base and stops at its ceiling."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from interlock.assembly import build_engine
from interlock.audit.chain import AuditLog
from interlock.clock import FrozenClock
from interlock.db import make_engine
from interlock.domains.claims import schema as t
from interlock.domains.claims.answer import NecessityAssessment
from interlock.domains.claims.connector import SqlClaimsConnector
from interlock.domains.claims.testing.handmade import add_claim, seed_reference
from interlock.engine import EngineSettings
from interlock.exceptions import ModelUnavailable
from interlock.policy.principal import service_principal
from interlock.store.metadata import store_metadata
from interlock.work.store import WorkStore


class DownModel:
    """A provider that is always down: every call is a retryable outage."""

    model_id = "down:always"

    def ask(self, question: object, *, timeout: float) -> NecessityAssessment:
        raise ModelUnavailable("provider is down")


def test_deferral_waits_double_until_the_ceiling(tmp_path: Path) -> None:
    """Waits go 1, 2, 4, then stay at the 5 s ceiling however many times the item is deferred."""
    sor = make_engine(f"sqlite:///{tmp_path / 'sor.db'}")
    store = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    t.metadata.create_all(sor)
    store_metadata.create_all(store)
    seed_reference(sor)
    add_claim(
        sor, "D-1", lines=(("X2002", 1, "2000.00"),), notes=("Eight weeks of physical therapy failed.",)
    )
    clock = FrozenClock(datetime(2026, 1, 5, 9, 0, tzinfo=UTC))
    engine = build_engine(
        "claims.adjudicate",
        connector=SqlClaimsConnector(sor),
        store=WorkStore(store, AuditLog(store)),
        principal=service_principal(),
        model=DownModel(),
        clock=clock,
        settings=EngineSettings(
            deadline_seconds=0.5, max_defers=20, defer_base_seconds=1.0, defer_max_seconds=5.0
        ),
    )
    for _ in range(6):
        assert engine.process("D-1").route == "defer"
        clock.advance(3600)
    waits = [
        float(e.body["details"]["retry_after_seconds"])
        for e in AuditLog(store).events_for_record("D-1")
        if e.body["kind"] == "work.deferred"
    ]
    assert waits == [1.0, 2.0, 4.0, 5.0, 5.0, 5.0]
