"""Finding 4: no free text reaches Interlock's store or its permanent audit trail.

A canary is a random marker: after each attempt, the whole store is searched for it, in
every table and in the database files themselves (the write-ahead log included).
"""

from __future__ import annotations

import secrets
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import pytest
from securityworld import post_fhir, review_bound_claim, scoped_world

from interlock.audit.chain import AuditLog
from interlock.audit.events import AuditEvent, id_ref
from interlock.audit.explain import explain_record
from interlock.clock import FrozenClock
from interlock.db import make_engine
from interlock.domains.claims.testing.api_world import SERVICE_KEY, ApiWorld, TokenIssuer
from interlock.domains.claims.testing.handmade import add_claim
from interlock.engine_trail import Trail
from interlock.gate.verdict import Finding, combine
from interlock.store.migrations import prepare_store


def _canary(label: str) -> str:
    return f"CANARY-{label}-{secrets.token_hex(6)}"


def _found_in_store(directory: Path, canary: str) -> list[str]:
    """Where ``canary`` occurs in the store: table names, or the database files' bytes."""
    found = []
    with sqlite3.connect(directory / "store.db") as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            for row in conn.execute(f'SELECT * FROM "{table}"'):
                if any(canary in str(value) for value in row):
                    found.append(table)
    for path in directory.glob("store.db*"):
        if canary.encode() in path.read_bytes():
            found.append(path.name)
    return found


@pytest.fixture
def world(tmp_path: Path, adjudicated: Path, issuer: TokenIssuer) -> ApiWorld:
    """A server over copies of the adjudicated databases."""
    with scoped_world(tmp_path, adjudicated, issuer) as running:
        yield running


def test_a_pend_comment_is_found_nowhere_in_the_store(world: ApiWorld, tmp_path: Path) -> None:
    """The comment of a pend (API and desk alike) is kept only as a hash: the canary is nowhere."""
    canary = _canary("PEND")
    review_id = world.review_id("RV-N1")
    with world.client("A1") as a1:
        pended = a1.post(f"/v1/review-items/{review_id}/decision", json={"action": "pend", "comment": canary})
        assert pended.status_code == 200, pended.text
    assert "review.decided" in world.audit_kinds("RV-N1")
    assert _found_in_store(tmp_path, canary) == []


def test_a_caller_supplied_id_is_logged_by_hash_only(world: ApiWorld, tmp_path: Path) -> None:
    """A refused summary of a made-up id (with a forged line in it) logs the id's hash, not its text."""
    canary = _canary("ID")
    forged = f"{canary}\n  [evt-forged] review decided approve"
    with world.client("A1") as a1:
        refused = a1.get(f"/v1/claims/{quote(forged, safe='')}/summary")
        assert refused.status_code == 404
    assert _found_in_store(tmp_path, canary) == []
    with sqlite3.connect(tmp_path / "store.db") as conn:
        bodies = [
            r[0] for r in conn.execute("SELECT body FROM audit_events WHERE kind = 'context.retrieved'")
        ]
    assert any(id_ref(forged) in body for body in bodies)


@pytest.mark.parametrize(
    ("element", "changes"),
    [
        ("diagnosis code", {"code": "JOHN SMITH 123-45-6789"}),
        ("diagnosis code with a line break", {"code": "E11.9\nSSN 123-45-6789"}),
    ],
)
def test_intake_refuses_codes_that_are_not_code_shaped(
    world: ApiWorld, tmp_path: Path, element: str, changes: dict[str, str]
) -> None:
    """A "code" holding a name and an SSN is a 422 naming the element, and is stored nowhere."""
    with world.client(api_key=SERVICE_KEY) as service:
        r = post_fhir(service, review_bound_claim(f"SHAPE-{secrets.token_hex(3)}", **changes))
    assert r.status_code == 422, r.text
    assert "diagnosisCodeableConcept.coding[0].code" in r.text
    assert "123-45-6789" not in r.text
    assert _found_in_store(tmp_path, "123-45-6789") == []


def test_intake_refuses_ids_that_are_not_id_shaped(world: ApiWorld) -> None:
    """An identifier or member id with a line break, or 60 KB long, is refused by element."""
    claim = review_bound_claim("OK-ID")
    bad_identifier = review_bound_claim("CLM-1\nforged")
    long_identifier = review_bound_claim("X" * 60_000)
    bad_member = dict(claim, patient={"reference": "Patient/M1\nforged"})
    with world.client(api_key=SERVICE_KEY) as service:
        for body, path in (
            (bad_identifier, "Claim.identifier[0].value"),
            (long_identifier, "Claim.identifier[0].value"),
            (bad_member, "Claim.patient.reference"),
        ):
            r = post_fhir(service, body)
            assert r.status_code == 422, r.text
            assert path in {e["path"] for e in r.json()["errors"]}


def test_a_code_that_is_not_code_shaped_is_cited_by_position(
    tmp_path: Path, adjudicated: Path, issuer: TokenIssuer
) -> None:
    """A bad code already in the system of record is not quoted into rules, route or completion events."""
    with scoped_world(tmp_path, adjudicated, issuer) as world:
        add_claim(
            world.sor,
            "RV-SSN",
            diagnoses=("JOHN SMITH 123-45-6789",),
            service_date=datetime(2026, 2, 9).date(),
        )
        with world.client(api_key=SERVICE_KEY) as service:
            run = service.post("/v1/tasks/claims.adjudicate/RV-SSN")
            assert run.status_code == 200, run.text
        kinds = world.audit_kinds("RV-SSN")
        assert "rules.evaluated" in kinds and "work.completed" in kinds
        with sqlite3.connect(tmp_path / "store.db") as conn:
            bodies = [r[0] for r in conn.execute("SELECT body FROM audit_events WHERE record_id = 'RV-SSN'")]
        assert not any("123-45-6789" in body for body in bodies)
        assert any("diagnosis 1 (not code-shaped)" in body for body in bodies)


def test_findings_reach_the_trail_by_position_and_hash() -> None:
    """A finding's reason (a model's or a person's words) is replaced by its position and SHA-256."""
    canary = _canary("FINDING")
    verdict = combine([Finding(check="proposal", severity="review", reason=f"model says: {canary}")])
    trail = Trail(
        task="claims.adjudicate",
        principal_id="service:x",
        policy_version="v",
        worker="w",
        clock=FrozenClock(datetime.now(UTC)),
    )
    event = trail.verdict("wi-1", {"record_id": "C1", "record_version": 1}, verdict, "claims-gate@2")
    body = event.to_canonical_json().decode()
    assert canary not in body
    assert "finding 0 proposal/review" in body and "reason_sha256" in body


def test_explain_escapes_control_characters(tmp_path: Path) -> None:
    """An event whose text holds a line break or an escape cannot forge a line in `audit explain`."""
    store = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    prepare_store(store)
    log = AuditLog(store)
    log.append_one(
        AuditEvent(
            kind="work.completed",
            at=datetime.now(UTC),
            principal="service:x",
            on_behalf_of=None,
            purpose="claims.adjudicate",
            work_item_id="wi-1",
            subject={"record_id": "C1", "record_version": 1},
            outcome="review",
            reason="fine\n  [evt-forged 2026-01-01] review decided, approve: by nobody\x1b[2J",
            details={},
            policy_version="v",
            source="test",
        )
    )
    text = explain_record("C1", log.events_for_record("C1"))
    store.dispose()
    assert len(text.splitlines()) == 4  # heading, blank, work item, the one event
    assert "\\x0a  [evt-forged" in text and "\x1b" not in text
