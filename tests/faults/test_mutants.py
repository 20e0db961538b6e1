"""The invariant checker is trusted because each weakened design below makes it fail.

Each mutant removes one of the three mechanisms behind exactly-once effects, built here
by subclassing (production code keeps no switch for it): the idempotency key, the
recovery point, fencing. Each test pairs the mutant with the real design under the
same faults, so a failure is the mutant's doing and not the scenario's.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

import pytest
from faultworld import FaultWorld
from sqlalchemy import update

from interlock.audit.chain import AuditLog
from interlock.audit.events import AuditEvent
from interlock.domains.claims.answer import NecessityAssessment
from interlock.domains.claims.question import NecessityRequest
from interlock.domains.claims.testing.scripted import ScriptedModel
from interlock.engine import Engine, ItemResult
from interlock.exceptions import LeaseLost
from interlock.store.schema import work_items
from interlock.work.failpoints import Failpoints, FailpointTriggered, raise_triggered
from interlock.work.recovery import RecoveryPoint
from interlock.work.store import Lease, ReviewOpening, WorkStore

MODEL_CLAIM = "F-KNEE"

# A mutant's failure depends on the design, not the database: SQLite keeps CI fast, and
# tests/faults/test_failpoints.py runs the real design over both.
pytestmark = pytest.mark.parametrize("fault_world", ["sqlite"], indirect=True)


class FreshKeyEngine(Engine[Any, Any, Any, Any]):
    """Mutant (a): every attempt writes under a new idempotency key."""

    def _apply(self, lease: Lease, point: RecoveryPoint, subject: Mapping[str, str | int]) -> ItemResult:
        write = {**point.write, "idempotency_key": f"{lease.idempotency_key}#attempt{lease.attempt}"}
        return super()._apply(lease, replace(point, write=write), subject)


class ForgetfulStore(WorkStore):
    """Mutant (b): no recovery point; a retry decides afresh and its decision replaces the old."""

    def ensure_and_lease(
        self,
        *,
        task: str,
        record_id: str,
        version: int,
        principal: str,
        worker: str,
        now: datetime,
        seconds: float,
    ) -> tuple[str, Lease | None]:
        item_id, lease = super().ensure_and_lease(
            task=task,
            record_id=record_id,
            version=version,
            principal=principal,
            worker=worker,
            now=now,
            seconds=seconds,
        )
        if lease is None:
            return item_id, None
        with self.engine.begin() as conn:
            conn.execute(update(work_items).where(work_items.c.work_item_id == item_id).values(decision=None))
        return item_id, Lease(**{**{s: getattr(lease, s) for s in Lease.__slots__}, "decision": None})


class UnfencedStore(WorkStore):
    """Mutant (c): saves and acks ignore whose lease it is (no attempt, no status check)."""

    def _restamp(self, lease: Lease) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(work_items)
                .where(work_items.c.work_item_id == lease.work_item_id)
                .values(status="leased", attempt=lease.attempt)
            )

    def save_decision(
        self, lease: Lease, decision: dict[str, Any], events: Sequence[AuditEvent], *, now: datetime
    ) -> dict[str, Any]:
        self._restamp(lease)
        return super().save_decision(lease, decision, events, now=now)

    def complete(
        self,
        lease: Lease,
        *,
        route: str,
        reason: str,
        receipt: dict[str, Any] | None,
        review: ReviewOpening | None,
        events: Sequence[AuditEvent],
        now: datetime,
    ) -> None:
        self._restamp(lease)
        super().complete(
            lease, route=route, reason=reason, receipt=receipt, review=review, events=events, now=now
        )


class FickleModel(ScriptedModel):
    """A model that changes its mind on every call: met, then not met, then met..."""

    def assess(self, request: NecessityRequest, *, timeout: float) -> NecessityAssessment:
        """Alternate between a confident met and a confident not-met answer."""
        self.status, self.confidence = ("met", 0.99) if self.calls % 2 == 0 else ("not_met", 0.97)
        return super().assess(request, timeout=timeout)


def _crash_after_write_then_recover(world: FaultWorld, **parts: Any) -> None:
    """Every item dies right after its write; a second worker of the same design recovers."""
    dying = world.engine(failpoints=Failpoints.always(after_sor_write=raise_triggered), name="dying", **parts)
    for claim_id in ("F-RULES", "F-DENY", "F-KNEE", "F-HIGH"):
        with contextlib.suppress(FailpointTriggered):
            dying.process(claim_id)
    world.expire_leases()
    world.drain(world.engine(name="recovering", **parts))


@pytest.mark.parametrize("mutant", [False, True])
def test_without_idempotency_keys_the_checker_fails(fault_world: FaultWorld, mutant: bool) -> None:
    """A retry that writes under a fresh key is caught as audit/system-of-record divergence."""
    engine_class = FreshKeyEngine if mutant else Engine
    _crash_after_write_then_recover(fault_world, engine_class=engine_class)
    report = fault_world.check()
    if mutant:
        assert not report.ok
        assert report.divergent >= 3, report.examples  # every finalized claim
    else:
        assert report.ok, report.examples


@pytest.mark.parametrize("mutant", [False, True])
def test_without_a_recovery_point_a_fickle_model_is_caught(fault_world: FaultWorld, mutant: bool) -> None:
    """Re-asking a model that changes its mind makes the audit disagree with what was written."""
    model = FickleModel()
    store = (ForgetfulStore if mutant else WorkStore)(fault_world.store, AuditLog(fault_world.store))
    _crash_after_write_then_recover(fault_world, model=model, store=store)
    report = fault_world.check()
    if mutant:
        assert not report.ok
        assert any(MODEL_CLAIM in e for e in report.examples), report.examples
        assert model.calls == 2
    else:
        assert report.ok, report.examples
        assert model.calls == 1


@pytest.mark.parametrize("mutant", [False, True])
def test_without_fencing_a_stale_worker_acks_twice(fault_world: FaultWorld, mutant: bool) -> None:
    """A worker that stalls past its lease while another finishes the item must not ack it again."""
    store = (UnfencedStore if mutant else WorkStore)(fault_world.store, AuditLog(fault_world.store))
    rescuer = fault_world.engine(store=store, name="rescuer")

    def stall_past_lease(_name: str) -> None:
        fault_world.expire_leases()
        rescuer.process(MODEL_CLAIM)

    stalled = fault_world.engine(store=store, failpoints=Failpoints.always(after_claim=stall_past_lease))
    if mutant:
        stalled.process(MODEL_CLAIM)
    else:
        with pytest.raises(LeaseLost):
            stalled.process(MODEL_CLAIM)
    fault_world.drain(fault_world.engine(name="rest"))
    report = fault_world.check()
    if mutant:
        assert not report.ok
        assert any("acknowledged 2 times" in e for e in report.examples), report.examples
    else:
        assert report.ok, report.examples
