"""The FHIR R4 AuditEvent export: valid resources, one per event, with no clinical content."""

from __future__ import annotations

import json
from pathlib import Path

from fhir.resources.R4B.auditevent import AuditEvent as FhirAuditEvent
from typer.testing import CliRunner

from interlock.audit.anchor import stored_events
from interlock.audit.chain import AuditLog
from interlock.audit.fhir import to_fhir
from interlock.cli.app import app
from interlock.db import make_engine


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
        assert resource["type"]["code"] == stored.body["kind"]
        identifiers = [e["what"]["identifier"]["value"] for e in resource["entity"]]
        assert stored.event_id in identifiers
        assert "C-KNEE" in identifiers
        assert resource["agent"][0]["who"]["identifier"]["value"] == "service:interlock"
    actions = {json.loads(line)["type"]["code"]: json.loads(line)["action"] for line in lines}
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
