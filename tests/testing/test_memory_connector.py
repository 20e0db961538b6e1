"""InMemoryConnector: scoped reads, exactly-once writes at the decided version, holds, outages."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from interlock.exceptions import ConnectorUnavailable, StaleRecord
from interlock.gate.approval import ApprovedCommit, mint_commit, mint_hold
from interlock.policy.principal import service_principal
from interlock.testing import InMemoryConnector, StoredRecord

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@dataclass(frozen=True)
class TeamScope:
    """A test scope: the teams a reader may see."""

    teams: frozenset[str]


@dataclass(frozen=True)
class Ctx:
    record_id: str
    record_version: int
    title: str


def _commit_changes(fields: Mapping[str, Any], w: ApprovedCommit[Decimal]) -> Mapping[str, Any]:
    return {"status": "done", "amount": str(w.payload), "outcome": w.outcome}


def _world() -> tuple[InMemoryConnector[TeamScope, Ctx, Decimal], list[str]]:
    built: list[str] = []

    def context(record: StoredRecord, scope: TeamScope) -> Ctx:
        built.append(record.record_id)
        return Ctx(record_id=record.record_id, record_version=record.version, title=record.fields["title"])

    world: InMemoryConnector[TeamScope, Ctx, Decimal] = InMemoryConnector(
        permits=lambda scope, fields: fields["team"] in scope.teams,
        context=context,
        commit=_commit_changes,
        pending_statuses={"open"},
        held_status="held",
        principals={"s1": service_principal("svc")},
    )
    world.add("A", {"team": "red", "status": "open", "title": "a"})
    world.add("B", {"team": "blue", "status": "open", "title": "b"}, version=4)
    world.add("C", {"team": "red", "status": "closed", "title": "c"})
    return world, built


RED = TeamScope(teams=frozenset({"red"}))


def _commit(record_id: str = "A", version: int = 1, key: str = "k-A") -> ApprovedCommit[Decimal]:
    return mint_commit(
        task="t.test",
        record_id=record_id,
        record_version=version,
        outcome="approve",
        reason_code=None,
        payload=Decimal("12.50"),
        decided_by="auto:test",
        rationale="r",
        idempotency_key=key,
        decided_at=NOW,
    )


def _hold(record_id: str = "A", version: int = 1, key: str = "k-A") -> Any:
    return mint_hold(
        task="t.test", record_id=record_id, record_version=version, idempotency_key=key, reason="why"
    )


def test_the_scope_predicate_runs_inside_every_read() -> None:
    """A record outside the scope reads exactly like a missing one, and its context is never built."""
    world, built = _world()
    assert world.pending_records(RED) == ["A"]
    assert world.record_version("A", RED) == 1
    assert world.record_version("B", RED) is None
    assert world.record_version("nope", RED) is None
    assert world.read_context("B", RED) is None
    ctx = world.read_context("A", RED)
    assert ctx == Ctx(record_id="A", record_version=1, title="a")
    assert built == ["A"]
    assert world.record_version("B", TeamScope(teams=frozenset({"blue"}))) == 4


def test_a_context_builder_cannot_change_the_world() -> None:
    """The builder receives a copy: mutating it leaves the stored record as it was."""

    def meddling(record: StoredRecord, scope: TeamScope) -> Ctx:
        record.fields["title"] = "changed"  # type: ignore[index]
        return Ctx(record_id=record.record_id, record_version=record.version, title="changed")

    world: InMemoryConnector[TeamScope, Ctx, Decimal] = InMemoryConnector(
        permits=lambda scope, fields: True,
        context=meddling,
        commit=_commit_changes,
        pending_statuses={"open"},
        held_status="held",
    )
    world.add("A", {"team": "red", "status": "open", "title": "a"})
    assert world.read_context("A", RED) is not None
    assert world.record("A")["title"] == "a"


def test_a_commit_applies_once_per_idempotency_key() -> None:
    """The replay of a commit returns the first receipt marked already applied and changes nothing."""
    world, _ = _world()
    first = world.write(_commit())
    assert (first.action, first.already_applied, first.reference) == ("commit", False, _commit().reference)
    assert world.record("A") == {
        "team": "red",
        "status": "done",
        "title": "a",
        "amount": "12.50",
        "outcome": "approve",
    }
    again = world.write(_commit())
    assert again.already_applied
    assert again.reference == first.reference
    assert len(world.applied) == 1


def test_a_commit_at_an_old_version_is_stale() -> None:
    """A record edited after the decision refuses the commit and keeps its fields."""
    world, _ = _world()
    assert world.edit("A", title="edited") == 2
    with pytest.raises(StaleRecord):
        world.write(_commit(version=1))
    assert world.record("A")["status"] == "open"
    assert world.applied == []


def test_a_commit_on_a_decided_record_is_stale() -> None:
    """A record that no longer awaits a decision refuses a commit under a new key."""
    world, _ = _world()
    with pytest.raises(StaleRecord):
        world.write(_commit("C", key="k-C"))
    world.write(_commit())
    with pytest.raises(StaleRecord):
        world.write(_commit(key="another-key"))


def test_a_hold_parks_the_record_and_a_person_can_still_commit_it() -> None:
    """A hold sets the held status without moving the version; a repeat is a no-op; a commit follows."""
    world, _ = _world()
    receipt = world.write(_hold())
    assert (receipt.action, receipt.already_applied) == ("hold", False)
    assert world.record("A")["status"] == "held"
    assert world.version("A") == 1
    assert world.pending_records(RED) == []
    assert world.write(_hold()).already_applied
    assert world.write(_commit()).already_applied is False
    assert world.record("A")["status"] == "done"
    with pytest.raises(StaleRecord):
        world.write(_hold())
    assert [type(w).__name__ for w in world.applied] == ["ApprovedHold", "ApprovedCommit"]


def test_down_fails_every_call_and_fail_writes_only_the_next_writes() -> None:
    """`down` raises ConnectorUnavailable everywhere; `fail_writes` fails writes before touching anything."""
    world, _ = _world()
    world.down = True
    for call in (
        lambda: world.pending_records(RED),
        lambda: world.record_version("A", RED),
        lambda: world.read_context("A", RED),
        lambda: world.write(_commit()),
        lambda: world.load_principal("s1"),
    ):
        with pytest.raises(ConnectorUnavailable):
            call()
    world.down = False
    world.fail_writes = 1
    with pytest.raises(ConnectorUnavailable):
        world.write(_commit())
    assert world.record("A")["status"] == "open"
    assert world.write(_commit()).already_applied is False


def test_principals_are_looked_up_by_staff_id() -> None:
    """A registered principal is returned; an unknown id is None."""
    world, _ = _world()
    principal = world.load_principal("s1")
    assert principal is not None
    assert principal.principal_id == "service:svc"
    assert world.load_principal("s2") is None
