"""The pure FHIR Claim mapping: identifiers, money, sensitivity and every refusal at once."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest

from interlock.domains.claims.fhir_claim import (
    ACT_CODE_SYSTEM,
    ICD10_CM_SYSTEM,
    NPI_SYSTEM,
    ClaimDraft,
    Unmappable,
    claim_id_for,
    fhir_path,
    map_claim,
    parse_claim,
)


def resource(*codes: str, labels: tuple[str, ...] = (), **changes: Any) -> dict[str, Any]:
    """A minimal valid R4 Claim with one line and the given diagnosis codes and labels."""
    claim: dict[str, Any] = {
        "resourceType": "Claim",
        "identifier": [{"system": "urn:example:ch", "value": "A-1"}],
        "status": "active",
        "use": "claim",
        "type": {"coding": [{"code": "professional"}]},
        "patient": {"reference": "Patient/M1"},
        "created": "2026-03-01T23:30:00-05:00",
        "provider": {"identifier": {"system": NPI_SYSTEM, "value": "1234567893"}},
        "priority": {"coding": [{"code": "normal"}]},
        "insurance": [{"sequence": 1, "focal": True, "coverage": {"reference": "Coverage/1"}}],
        "diagnosis": [
            {"sequence": i, "diagnosisCodeableConcept": {"coding": [{"system": ICD10_CM_SYSTEM, "code": c}]}}
            for i, c in enumerate(codes, 1)
        ],
        "supportingInfo": [{"sequence": 1, "category": {"coding": [{"code": "info"}]}, "valueString": "n"}],
        "item": [
            {
                "sequence": 1,
                "productOrService": {"coding": [{"code": "x1001"}]},
                "servicedDate": "2026-02-27",
                "locationCodeableConcept": {"coding": [{"code": "11"}]},
                "quantity": {"value": 3},
                "unitPrice": {"value": "33.33", "currency": "USD"},
            }
        ],
    }
    if labels:
        claim["meta"] = {"security": [{"system": ACT_CODE_SYSTEM, "code": code} for code in labels]}
    claim.update(changes)
    return claim


def mapped(claim: dict[str, Any]) -> ClaimDraft | list[Unmappable]:
    parsed = parse_claim(json.dumps(claim).encode())
    return parsed if isinstance(parsed, list) else map_claim(parsed)


def test_a_line_without_net_is_billed_at_unit_price_times_quantity() -> None:
    """unitPrice x quantity is the billed amount, exact in Decimal; codes are upper-cased."""
    draft = mapped(resource("E11.9"))
    assert isinstance(draft, ClaimDraft)
    assert [(ln.procedure_code, ln.units, ln.billed_amount) for ln in draft.lines] == [
        ("X1001", 3, Decimal("99.99"))
    ]
    assert draft.total_billed == Decimal("99.99")
    assert draft.notes[0].written_at == datetime(2026, 3, 2, 4, 30)  # created, in UTC


def test_the_claim_id_is_a_stable_function_of_the_identifier() -> None:
    """The same system and value always name the same claim; another system another one."""
    draft = mapped(resource())
    assert isinstance(draft, ClaimDraft)
    assert draft.claim_id == claim_id_for("urn:example:ch", "A-1")
    assert claim_id_for("urn:example:ch", "A-1") != claim_id_for("urn:example:other", "A-1")


@pytest.mark.parametrize(
    ("codes", "labels", "expected"),
    [
        ((), (), "none"),
        (("E11.9",), ("PSY",), "behavioral_health"),
        (("F32.9",), (), "behavioral_health"),
        (("F10.20",), ("PSY",), "substance_use"),
        (("B20",), (), "hiv"),
        (("E11.9",), ("ETH", "HIV"), "substance_use"),
        (("E11.9",), ("HIV",), "hiv"),
    ],
)
def test_sensitivity_is_the_strictest_of_labels_and_diagnoses(
    codes: tuple[str, ...], labels: tuple[str, ...], expected: str
) -> None:
    """A claim is as sensitive as its most sensitive label or diagnosis (Part 2 first)."""
    draft = mapped(resource(*codes, labels=labels))
    assert isinstance(draft, ClaimDraft)
    assert draft.sensitivity == expected


def test_every_unmappable_element_is_reported_at_once() -> None:
    """Several problems give several paths in one answer; a line's amount is not refused twice."""
    claim = resource(status="cancelled", use="predetermination")
    claim["item"][0]["unitPrice"]["currency"] = "CAD"
    claim["patient"] = {"reference": "Group/7"}
    problems = mapped(claim)
    assert isinstance(problems, list)
    assert [p.path for p in problems] == [
        "Claim.status",
        "Claim.use",
        "Claim.patient",
        "Claim.item[0].unitPrice.currency",
    ]


def test_fhir_paths_follow_the_fhir_names() -> None:
    """Validation locations read as FHIR paths, with resourceType under its FHIR name."""
    assert fhir_path(("item", 0, "net", "value")) == "Claim.item[0].net.value"
    assert fhir_path(("resource_type",)) == "Claim.resourceType"


def test_repeated_sequences_are_refused_not_collapsed() -> None:
    """Two diagnoses or two notes with one sequence number would collide as rows: refused by path."""
    claim = resource("E11.9", "I10")
    claim["diagnosis"][1]["sequence"] = 1
    claim["supportingInfo"].append(dict(claim["supportingInfo"][0]))
    problems = mapped(claim)
    assert isinstance(problems, list)
    assert [p.path for p in problems] == ["Claim.diagnosis[1].sequence", "Claim.supportingInfo[1].sequence"]


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"quantity": {"value": 1e30}}, "Claim.item[0].quantity.value"),
        ({"quantity": {"value": 2.5}}, "Claim.item[0].quantity.value"),
        ({"unitPrice": {"value": 1e12, "currency": "USD"}}, "Claim.item[0].unitPrice.value"),
        ({"unitPrice": {"value": -1, "currency": "USD"}}, "Claim.item[0].unitPrice.value"),
        ({"factor": 1e9}, "Claim.item[0].factor"),
    ],
)
def test_amounts_and_units_stay_within_the_columns(change: dict[str, Any], path: str) -> None:
    """Units fit INTEGER and amounts NUMERIC(12,2): anything else is refused by path, not stored."""
    claim = resource()
    claim["item"][0].update(change)
    problems = mapped(claim)
    assert isinstance(problems, list)
    assert path in [p.path for p in problems]


def test_text_a_database_cannot_store_is_refused() -> None:
    """A NUL character in a member id, diagnosis or note would break PostgreSQL: refused by path."""
    claim = resource("E11\u00009", patient={"reference": "Patient/M\u00001"})
    claim["supportingInfo"][0]["valueString"] = "a\u0000b"
    problems = mapped(claim)
    assert isinstance(problems, list)
    assert [p.path for p in problems] == [
        "Claim.patient.reference",
        "Claim.diagnosis[0].diagnosisCodeableConcept.coding[0].code",
        "Claim.supportingInfo[0].valueString",
    ]
