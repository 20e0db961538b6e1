"""The AuditEvent export as a Bundle a FHIR server takes: PUT entries, DICOM event types, R4/R4B/R5.

Every file the command writes is read back with ``fhir.resources`` for the version
asked for, and checked against the other version's models too, so an R5 export that
still carried R4's shape (or the reverse) would fail here.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.auditevent import AuditEvent as R5AuditEvent
from fhir.resources.bundle import Bundle as R5Bundle
from fhir.resources.R4B.auditevent import AuditEvent as R4AuditEvent
from fhir.resources.R4B.bundle import Bundle as R4Bundle
from pydantic import ValidationError
from typer.testing import CliRunner

from interlock.audit.anchor import stored_events
from interlock.audit.chain import AuditLog
from interlock.audit.events import AuditEvent
from interlock.audit.fhir import (
    DICOM_SYSTEM,
    KIND_SYSTEM,
    VALIDATE_CHUNK,
    resource_id,
    validated_entries,
    write_bundle,
)
from interlock.cli.app import app
from interlock.db import make_engine
from interlock.store.metadata import store_metadata
from interlock.testing.audit_store import append_all, create_audit_tables, numbered_event

START = datetime(2026, 6, 1, tzinfo=UTC)
#: One event of each kind a payer's security team files differently, and what DICOM calls it.
EXPECTED_TYPES = {
    "context.retrieved": ("110110", None, "R"),
    "sor.written": ("110110", None, "U"),
    "claim.ingested": ("110110", None, "C"),
    "claim.refused": ("110110", None, "C"),
    "review.decided": ("110110", None, "U"),
    "entitlement.decided": ("110113", "110144", "E"),
    "config.changed": ("110113", "110129", "U"),
    "gate.verdict": ("110100", None, "E"),
    "model.called": ("110100", None, "E"),
    "route.decided": ("110100", None, "E"),
}


def _export(store: str, out: Path, *args: str) -> Any:
    done = CliRunner().invoke(app, ["audit", "export-fhir", "--store", store, "--out", str(out), *args])
    assert done.exit_code == 0, done.output
    return json.loads(out.read_text())


def _mixed_store(tmp_path: Path, count: int) -> tuple[str, list[str]]:
    """A store of ``count`` events cycling through :data:`EXPECTED_TYPES`; its URL and the kinds."""
    url = f"sqlite:///{tmp_path / 'mixed.db'}"
    engine = make_engine(url)
    store_metadata.create_all(engine)  # with the error counts an "error" outcome updates
    kinds = list(EXPECTED_TYPES)
    events: list[AuditEvent] = []
    for i in range(count):
        kind = kinds[i % len(kinds)]
        outcome = "refused" if kind == "claim.refused" else "error" if i % 97 == 0 else "ok"
        events.append(numbered_event(i, start=START, kind=kind, outcome=outcome))
    append_all(AuditLog(engine), events)
    engine.dispose()
    return url, [kinds[i % len(kinds)] for i in range(count)]


def test_a_transaction_bundle_puts_every_event_under_its_own_id(decided_store: str, tmp_path: Path) -> None:
    """--bundle: one transaction Bundle, one PUT AuditEvent/<id> per event, valid R4 (R4B models)."""
    bundle = _export(decided_store, tmp_path / "audit.json", "--bundle")
    R4Bundle.model_validate(bundle)
    engine = make_engine(decided_store)
    events = list(stored_events(AuditLog(engine)))
    engine.dispose()
    assert bundle["type"] == "transaction" and len(bundle["entry"]) == len(events) > 0
    for entry, stored in zip(bundle["entry"], events, strict=True):
        resource = entry["resource"]
        R4AuditEvent.model_validate(resource)
        assert resource["id"] == resource_id(stored.event_id) == stored.event_id.replace(":", "-")
        assert entry["request"] == {"method": "PUT", "url": f"AuditEvent/{resource['id']}"}
        assert "fullUrl" not in entry
        assert resource["type"]["system"] == DICOM_SYSTEM
        assert resource["subtype"][-1] == {"system": KIND_SYSTEM, "code": stored.body["kind"]}
    by_kind = {e["resource"]["subtype"][-1]["code"]: e["resource"] for e in bundle["entry"]}
    assert by_kind["context.retrieved"]["type"]["code"] == "110110"
    assert by_kind["entitlement.decided"]["type"]["code"] == "110113"
    assert by_kind["model.called"]["type"]["code"] == "110100"


def test_every_kind_gets_its_dicom_type_subtype_and_action(tmp_path: Path) -> None:
    """Patient Record for reads and writes of claims, Security Alert for access and configuration."""
    url, kinds = _mixed_store(tmp_path, len(EXPECTED_TYPES))
    bundle = _export(url, tmp_path / "audit.json", "--bundle", "--bundle-type", "collection")
    R4Bundle.model_validate(bundle)
    assert bundle["type"] == "collection"
    for entry, kind in zip(bundle["entry"], kinds, strict=True):
        assert "request" not in entry
        resource = entry["resource"]
        code, sub, action = EXPECTED_TYPES[kind]
        dicom_subtypes = [c["code"] for c in resource["subtype"] if c["system"] == DICOM_SYSTEM]
        assert (resource["type"]["code"], dicom_subtypes, resource["action"]) == (
            code,
            [sub] if sub else [],
            action,
        ), kind
        assert resource["outcome"] == ("4" if kind == "claim.refused" else "8" if kind == kinds[0] else "0")


def test_an_r5_bundle_validates_as_r5_and_not_as_r4(tmp_path: Path) -> None:
    """--fhir-version R5: category and code, a coded outcome, authorization; R4's models refuse it."""
    url, kinds = _mixed_store(tmp_path, len(EXPECTED_TYPES))
    bundle = _export(url, tmp_path / "r5.json", "--bundle", "--bundle-type", "batch", "--fhir-version", "R5")
    R5Bundle.model_validate(bundle)
    assert bundle["type"] == "batch"
    for entry, kind in zip(bundle["entry"], kinds, strict=True):
        resource = entry["resource"]
        R5AuditEvent.model_validate(resource)
        with pytest.raises(ValidationError):
            R4AuditEvent.model_validate(resource)
        code, sub, _ = EXPECTED_TYPES[kind]
        assert resource["category"] == [
            {
                "coding": [
                    {
                        "system": DICOM_SYSTEM,
                        "code": code,
                        "display": resource["category"][0]["coding"][0]["display"],
                    }
                ]
            }
        ]
        assert [c["code"] for c in resource["code"]["coding"]] == [*([sub] if sub else []), kind]
        assert (
            resource["outcome"]["code"]["system"]
            == "http://terminology.hl7.org/CodeSystem/audit-event-outcome"
        )
        assert resource["authorization"] == [{"text": "claims.adjudicate"}]
    r4 = _export(url, tmp_path / "r4.json", "--bundle")
    with pytest.raises(ValidationError):
        R5AuditEvent.model_validate(r4["entry"][0]["resource"])


def test_the_ndjson_export_takes_a_version_too(tmp_path: Path) -> None:
    """NDJSON stays the default; with --fhir-version R5 each line is an R5 AuditEvent."""
    url, _ = _mixed_store(tmp_path, 12)
    out = tmp_path / "audit.ndjson"
    done = CliRunner().invoke(
        app, ["audit", "export-fhir", "--store", url, "--out", str(out), "--fhir-version", "r5"]
    )
    assert done.exit_code == 0, done.output
    assert "12 FHIR R5 AuditEvent resources" in done.output
    lines = out.read_text().splitlines()
    assert len(lines) == 12
    for line in lines:
        R5AuditEvent.model_validate_json(line)


def test_base_gives_each_entry_a_full_url(tmp_path: Path) -> None:
    """--base https://fhir.example/r4: fullUrl is the base plus the entry's request URL."""
    url, _ = _mixed_store(tmp_path, 3)
    bundle = _export(url, tmp_path / "a.json", "--bundle", "--base", "https://fhir.example/r4/")
    assert [e["fullUrl"] for e in bundle["entry"]] == [
        f"https://fhir.example/r4/{e['request']['url']}" for e in bundle["entry"]
    ]
    R4Bundle.model_validate(bundle)


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--fhir-version", "R3"], "R4, R4B, R5"),
        (["--bundle", "--bundle-type", "searchset"], "transaction, batch, collection"),
        (["--bundle-type", "batch"], "add --bundle"),
        (["--base", "https://fhir.example"], "add --bundle"),
    ],
)
def test_usage_errors_name_the_choices(tmp_path: Path, args: list[str], said: str) -> None:
    """A version or Bundle type not offered, or a Bundle option without --bundle, is exit 2 and names why."""
    url, _ = _mixed_store(tmp_path, 1)
    out = tmp_path / "x.json"
    done = CliRunner().invoke(app, ["audit", "export-fhir", "--store", url, "--out", str(out), *args])
    assert done.exit_code == 2, done.output
    assert said in done.output
    assert not out.exists()


def test_an_empty_chain_is_a_bundle_without_entries(tmp_path: Path) -> None:
    """FHIR has no empty arrays: an empty trail is a valid Bundle with no entry element."""
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    engine = make_engine(url)
    create_audit_tables(engine)
    count = write_bundle(stored_events(AuditLog(engine)), tmp_path / "e.json", version="R5")
    engine.dispose()
    bundle = json.loads((tmp_path / "e.json").read_text())
    assert count == 0 and "entry" not in bundle
    R5Bundle.model_validate(bundle)


def test_entries_are_validated_before_they_are_written() -> None:
    """The check is real: an entry the models refuse (a request without a URL, an AuditEvent without agents) raises."""
    good = {
        "resource": {"resourceType": "Basic", "code": {"text": "x"}},
        "request": {"method": "PUT", "url": "Basic/1"},
    }
    validated_entries([good], "transaction", "R4")
    with pytest.raises(ValidationError):
        validated_entries([good | {"request": {"method": "PUT"}}], "transaction", "R4")
    with pytest.raises(ValidationError):
        validated_entries(
            [{"resource": {"resourceType": "AuditEvent", "recorded": "2026-01-01T00:00:00Z"}}],
            "collection",
            "R5",
        )


def test_a_long_trail_is_validated_in_chunks_for_both_versions(tmp_path: Path) -> None:
    """More events than one validation chunk: all of them exported, valid as R4B and as R5, ids unique."""
    count = VALIDATE_CHUNK * 3 + 42
    url, kinds = _mixed_store(tmp_path, count)
    engine = make_engine(url)
    for version, model in (("R4B", R4Bundle), ("R5", R5Bundle)):
        path = tmp_path / f"{version}.json"
        began = time.perf_counter()
        written = write_bundle(stored_events(AuditLog(engine)), path, version=version)  # type: ignore[arg-type]
        seconds = time.perf_counter() - began
        bundle = json.loads(path.read_text())
        model.model_validate(bundle)
        assert written == len(bundle["entry"]) == count
        ids = [e["resource"]["id"] for e in bundle["entry"]]
        assert len(set(ids)) == count
        print(f"{version}: {count} AuditEvents exported and validated in {seconds:.2f}s")
    engine.dispose()
    assert kinds.count("claim.refused") > 0
