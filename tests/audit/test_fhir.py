"""The FHIR R4 AuditEvent export: valid resources, one per event, with no clinical content."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B.auditevent import AuditEvent as FhirAuditEvent
from typer.testing import CliRunner

from interlock.audit.anchor import stored_events
from interlock.audit.chain import AuditLog
from interlock.audit.events import AuditEvent
from interlock.audit.fhir import CLAIM_SYSTEM, DICOM_SYSTEM, KIND_SYSTEM, record_system, to_fhir
from interlock.cli.app import app
from interlock.db import make_engine
from interlock.testing.audit_store import append_all, create_audit_tables


def test_export_writes_one_valid_resource_per_event(decided_store: str, tmp_path: Path) -> None:
    """Each line of the export parses back into a valid R4 AuditEvent naming its event, claim and principal."""
    out = tmp_path / "audit.ndjson"
    done = CliRunner().invoke(app, ["audit", "export-fhir", "--store", decided_store, "--out", str(out)])
    assert done.exit_code == 0, done.output
    engine = make_engine(decided_store)
    events = list(stored_events(AuditLog(engine)))
    engine.dispose()
    lines = out.read_text().splitlines()
    assert len(lines) == len(events) > 0
    for line, stored in zip(lines, events, strict=True):
        resource = json.loads(line)
        FhirAuditEvent.model_validate(resource)
        assert resource["resourceType"] == "AuditEvent"
        kind = next(c["code"] for c in resource["subtype"] if c["system"] == KIND_SYSTEM)
        assert kind == stored.body["kind"]
        assert resource["type"]["system"] == DICOM_SYSTEM
        identifiers = [e["what"]["identifier"]["value"] for e in resource["entity"]]
        assert stored.event_id in identifiers
        record = next(e for e in resource["entity"] if e["what"]["identifier"]["value"] == "C-KNEE")
        assert record["what"]["identifier"]["system"] == CLAIM_SYSTEM == "urn:interlock:claim"
        assert {"type": "record_version", "valueString": "1"} in record["detail"]
        assert resource["agent"][0]["who"]["identifier"]["value"] == "service:interlock"
    actions = {json.loads(line)["subtype"][-1]["code"]: json.loads(line)["action"] for line in lines}
    assert actions["context.retrieved"] == "R"
    assert actions["sor.written"] == "U"


def test_export_carries_no_free_text_or_clinical_content(decided_store: str, tmp_path: Path) -> None:
    """Neither the note, the diagnosis codes, the member id nor any free-text reason reaches the export."""
    engine = make_engine(decided_store)
    events = list(stored_events(AuditLog(engine)))
    engine.dispose()
    text = "\n".join(json.dumps(to_fhir(e)) for e in events)
    for forbidden in ("physical therapy", "meniscal", "E11.9", '"M1"', "Dr. Field"):
        assert forbidden not in text, forbidden
    for stored in events:
        if stored.body["reason"]:
            assert stored.body["reason"] not in text, stored.event_id


def _records(resource: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for e in resource["entity"] if e.get("role", {}).get("code") == "4"]


def test_records_of_any_task_export_under_their_tasks_system(tmp_path: Path) -> None:
    """A claim keeps urn:interlock:claim (old subject or new); another task's record gets urn:interlock:record:<task>."""
    engine = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    create_audit_tables(engine)
    at = datetime(2026, 6, 1, tzinfo=UTC)
    common: dict[str, Any] = {
        "principal": "service:interlock",
        "on_behalf_of": None,
        "reason": "r",
        "details": {},
    }
    events = [
        AuditEvent(
            kind="gate.verdict",
            at=at,
            purpose="claims.adjudicate",
            work_item_id="wi-1",
            subject={"claim_id": "C-1", "claim_version": 2},
            outcome="pass",
            **common,
        ),
        AuditEvent(
            kind="review.decided",
            at=at,
            purpose="claims.adjudicate",
            work_item_id="wi-1",
            subject={"record_id": "C-1", "record_version": 2, "review_id": "rv-1"},
            outcome="approve",
            **common,
        ),
        AuditEvent(
            kind="sor.written",
            at=at,
            purpose="invoices.approve",
            work_item_id="wi-2",
            subject={"record_id": "C-1", "record_version": 7},
            outcome="approved",
            **common,
        ),
        AuditEvent(
            kind="config.changed",
            at=at,
            purpose="interlock.configure",
            work_item_id=None,
            subject={},
            outcome="ok",
            **common,
        ),
    ]
    append_all(AuditLog(engine), events)
    resources = [to_fhir(e) for e in stored_events(AuditLog(engine))]
    engine.dispose()
    for resource in resources:
        FhirAuditEvent.model_validate(resource)
    identifiers = [[r["what"]["identifier"] for r in _records(res)] for res in resources]
    assert identifiers == [
        [{"system": "urn:interlock:claim", "value": "C-1"}],
        [{"system": "urn:interlock:claim", "value": "C-1"}],
        [{"system": "urn:interlock:record:invoices.approve", "value": "C-1"}],
        [],
    ]
    assert _records(resources[0])[0]["detail"] == [{"type": "record_version", "valueString": "2"}]
    assert _records(resources[1])[0]["detail"] == [
        {"type": "record_version", "valueString": "2"},
        {"type": "review_id", "valueString": "rv-1"},
    ]
    assert [r["purposeOfEvent"][0]["text"] for r in resources][2] == "invoices.approve"


@pytest.mark.parametrize(
    ("purpose", "system"),
    [
        ("claims.adjudicate", "urn:interlock:claim"),
        ("claims.ingest", "urn:interlock:claim"),
        ("invoices.approve", "urn:interlock:record:invoices.approve"),
        ("claims", "urn:interlock:record:claims"),
        ("claimsx.review", "urn:interlock:record:claimsx.review"),
        (".adjudicate", "urn:interlock:record:.adjudicate"),
    ],
)
def test_record_system_is_chosen_by_the_purposes_domain_prefix(purpose: str, system: str) -> None:
    """Only a purpose whose domain prefix is listed keeps that domain's system; anything else is per task."""
    assert record_system(purpose) == system
