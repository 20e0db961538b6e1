"""The pure rules of FHIR intake that real senders meet: float noise, the unpriced visit, what cannot be kept."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from interlock.domains.claims.fhir_answer import audited_path, outcome_for, wants_fhir
from interlock.domains.claims.fhir_claim import ClaimDraft, Unmappable, read_claim


def claim(total: str, *nets: str | None, **changes: Any) -> bytes:
    """A bare Claim whose lines have the given net texts (None: no amount) and total text."""
    items = [
        {
            "sequence": i,
            "productOrService": {"coding": [{"code": "X1001"}]},
            "servicedDate": "2026-02-27",
            "locationCodeableConcept": {"coding": [{"code": "11"}]},
            **({"net": {"value": f"@{net}@", "currency": "USD"}} if net is not None else {}),
        }
        for i, net in enumerate(nets, 1)
    ]
    resource: dict[str, Any] = {
        "resourceType": "Claim",
        "identifier": [{"system": "urn:example:ch", "value": "R-1"}],
        "status": "active",
        "use": "claim",
        "type": {"coding": [{"code": "professional"}]},
        "patient": {"reference": "Patient/M1"},
        "created": "2026-03-01",
        "provider": {"identifier": {"system": "http://hl7.org/fhir/sid/us-npi", "value": "1234567893"}},
        "priority": {"coding": [{"code": "normal"}]},
        "insurance": [{"sequence": 1, "focal": True, "coverage": {"reference": "Coverage/1"}}],
        "item": items,
        "total": {"value": f"@{total}@", "currency": "USD"},
        **changes,
    }
    return json.dumps(resource).replace('"@', "").replace('@"', "").encode()


@pytest.mark.parametrize(
    ("total", "nets", "billed"),
    [
        ("1308.6999999999998", ("1308.70",), ["1308.70"]),
        ("100.10000000000001", ("80.1", "20"), ["80.10", "20.00"]),
        ("300.00", (None, "120.5"), ["179.50", "120.50"]),
        ("0.3", ("0.1", "0.2"), ["0.10", "0.20"]),
    ],
)
def test_amounts_are_exact_decimals_and_float_noise_is_rounded_to_the_cent(
    total: str, nets: tuple[str | None, ...], billed: list[str]
) -> None:
    """Totals that are float sums are their cent value; the one unpriced line takes the rest."""
    draft = read_claim(claim(total, *nets))
    assert isinstance(draft, ClaimDraft), draft
    assert [ln.billed_amount for ln in draft.lines] == [Decimal(b) for b in billed]


@pytest.mark.parametrize(
    ("total", "nets", "path"),
    [
        ("80.001", ("80.001",), "Claim.item[0].net.value"),
        ("100.00", (None, None), "Claim.item[1].net"),
        ("10.00", (None, "20.00"), "Claim.item[0].net"),
    ],
)
def test_real_fractions_of_a_cent_and_unknown_splits_are_refused(
    total: str, nets: tuple[str | None, ...], path: str
) -> None:
    """80.001 is not noise; two unpriced lines, or a rest below zero, cannot be priced."""
    problems = read_claim(claim(total, *nets))
    assert isinstance(problems, list)
    assert path in [p.path for p in problems]


def test_every_element_that_cannot_be_kept_is_named_at_once() -> None:
    """Accident, related, modifier, revenue, detail and an extension: all refused in one answer."""
    raw = json.loads(claim("80.00", "80.00"))
    raw["accident"] = {"date": "2026-02-01"}
    raw["related"] = [{"reference": {"value": "X"}}]
    raw["item"][0]["modifier"] = [{"coding": [{"code": "59"}]}]
    raw["item"][0]["revenue"] = {"coding": [{"code": "0450"}]}
    raw["item"][0]["detail"] = [{"sequence": 1, "productOrService": {"coding": [{"code": "X1001"}]}}]
    raw["item"][0]["net"]["extension"] = [{"url": "http://example.org/x", "valueString": "y"}]
    problems = read_claim(json.dumps(raw).encode())
    assert isinstance(problems, list)
    assert {p.path for p in problems} == {
        "Claim.accident",
        "Claim.related",
        "Claim.item[0].modifier",
        "Claim.item[0].revenue",
        "Claim.item[0].detail",
        "Claim.item[0].net.extension",
    }
    assert {p.code for p in problems} == {"not-supported"}


def test_a_place_of_service_in_another_system_names_the_expected_uri() -> None:
    """A valid code under the wrong system is refused by its system's path, naming the CMS URI."""
    raw = json.loads(claim("80.00", "80.00"))
    raw["item"][0]["locationCodeableConcept"] = {"coding": [{"system": "urn:other", "code": "11"}]}
    problems = read_claim(json.dumps(raw).encode())
    assert isinstance(problems, list) and len(problems) == 1
    assert problems[0].path == "Claim.item[0].locationCodeableConcept.coding[0].system"
    assert (
        "https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set"
        in problems[0].reason
    )


def test_icd_10_is_kept_as_icd_10_cm_and_nan_is_not_json() -> None:
    """The icd-10 system is accepted; NaN in the body is refused as not JSON."""
    dx = [
        {
            "sequence": 1,
            "diagnosisCodeableConcept": {
                "coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": "J01.90"}]
            },
        }
    ]
    draft = read_claim(claim("80.00", "80.00", diagnosis=dx))
    assert isinstance(draft, ClaimDraft) and draft.diagnoses == ("J01.90",)
    problems = read_claim(claim("NaN", "80.00"))
    assert isinstance(problems, list) and problems[0].code == "structure"


def test_audited_paths_keep_fhir_names_only() -> None:
    """A path into an element the sender invented is not repeated in the trail."""
    assert audited_path("Bundle.entry[4].resource.item[0].productOrService.coding[0].system") == (
        "Bundle.entry[4].resource.item[0].productOrService.coding[0].system"
    )
    assert audited_path("Claim.item[0].serviced[x]") == "Claim.item[0].serviced[x]"
    assert audited_path("Claim.AdaQuill") == "(element)"
    assert audited_path("Claim.item[0].net.value 80") == "(element)"


def test_fhir_is_negotiated_by_accept_and_any_refusal_has_an_outcome() -> None:
    """application/fhir+json in Accept asks for FHIR (not with q=0); a 409 becomes a conflict issue."""
    assert wants_fhir("application/fhir+json") and wants_fhir("text/html, application/fhir+json;q=0.9")
    assert not wants_fhir("application/json") and not wants_fhir(None)
    assert not wants_fhir("application/fhir+json;q=0")
    outcome = outcome_for(409, "already used", [{"path": "Claim.identifier", "reason": "already used"}])
    assert outcome["issue"] == [
        {
            "severity": "error",
            "code": "conflict",
            "diagnostics": "already used",
            "expression": ["Claim.identifier"],
        }
    ]
    assert isinstance(Unmappable(path="Claim", reason="x"), Unmappable)


def _bundle(*resources: dict[str, Any]) -> bytes:
    entries = [
        {"fullUrl": f"urn:uuid:00000000-0000-4000-8000-00000000000{i}", "resource": r}
        for i, r in enumerate(resources)
    ]
    return (
        json.dumps({"resourceType": "Bundle", "type": "collection", "entry": entries})
        .replace('"@', "")
        .replace('@"', "")
        .encode()
    )


def test_a_bundle_with_two_claims_is_refused_by_the_second() -> None:
    """One Claim per Bundle: the second is named."""
    one = json.loads(claim("80.00", "80.00"))
    problems = read_claim(_bundle(one, one))
    assert isinstance(problems, list)
    assert [p.path for p in problems] == ["Bundle.entry[1].resource"]


def test_a_dependants_coverage_does_not_name_the_member_by_the_subscriber_id() -> None:
    """subscriberId is the member's own id only when relationship is self; a child's Coverage gives none."""
    coverage = {
        "resourceType": "Coverage",
        "id": "cov",
        "status": "active",
        "subscriberId": "PARENT-1",
        "relationship": {"coding": [{"code": "child"}]},
        "beneficiary": {"reference": "Patient/M1"},
        "payor": [{"display": "Northwind"}],
    }
    raw = json.loads(claim("80.00", "80.00"))
    raw["insurance"][0]["coverage"] = {"reference": "#cov"}
    raw["contained"] = [coverage]
    draft = read_claim(json.dumps(raw).encode())
    assert isinstance(draft, ClaimDraft) and draft.member_id == "M1"
    coverage["relationship"] = {"coding": [{"code": "self"}]}
    problems = read_claim(json.dumps(raw).encode())
    assert isinstance(problems, list)
    assert [p.path for p in problems] == ["Claim.patient"]  # PARENT-1 and M1 disagree
