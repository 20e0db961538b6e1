"""Claims as Synthea and the HL7 examples shape them, posted to the live server: taken in, or refused whole.

Each case is posted as FHIR JSON text and must come back either as a ``ClaimResponse``
(201, claim rows in the system of record) or as one ``OperationOutcome`` naming every
expected element by its path; nothing in between, and nothing lands on a refusal.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from fhir.resources.R4B.claimresponse import ClaimResponse
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhirshapes import (
    HL7_CASES,
    HOSPITAL_NPI,
    ICD10CM,
    ORG_NPI,
    SYNTHEA_CASES,
    SYNTHEA_PATIENTS,
    SYNTHEA_STRANGER,
    as_text,
    hl7_bundle,
    hl7_claim,
    seed_parties,
    synthea_bundle,
)
from sqlalchemy import func, select

from interlock.audit.anchor import stored_events
from interlock.audit.chain import AuditLog
from interlock.domains.claims import schema as t
from interlock.domains.claims.testing.api_world import SERVICE_KEY
from interlock.domains.claims.testing.api_world import ApiWorld as Api

FHIR_IN_OUT = {"Content-Type": "application/fhir+json", "Accept": "application/fhir+json"}


@pytest.fixture
def payer(api: Api) -> Api:
    """The live server, its system of record knowing the Synthea patients, the HL7 member and their providers."""
    seed_parties(api.sor)
    return api


def _claims(api: Api) -> int:
    with api.sor.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(t.claims)).scalar_one())


def _post(client: Any, resource: dict[str, Any], headers: dict[str, str] = FHIR_IN_OUT) -> Any:
    return client.post("/v1/claims/fhir", content=as_text(resource), headers=headers)


def _check(api: Api, client: Any, name: str, resource: dict[str, Any], expected: list[str] | None) -> str:
    before = _claims(api)
    answer = _post(client, resource)
    assert answer.headers["content-type"].startswith("application/fhir+json"), (name, answer.text)
    body = answer.json()
    if expected is None:
        assert answer.status_code in (200, 201), (name, answer.text)
        ClaimResponse.model_validate(body)
        assert body["outcome"] == "queued"
        return "accepted"
    assert answer.status_code == 422, (name, answer.text)
    OperationOutcome.model_validate(body)
    paths = [p for issue in body["issue"] for p in issue.get("expression", [])]
    assert sorted(paths) == sorted(expected), (name, body)
    assert _claims(api) == before, name
    return "refused"


@pytest.mark.parametrize(
    ("family", "cases"), [("synthea", SYNTHEA_CASES), ("hl7", HL7_CASES)], ids=["synthea", "hl7"]
)
def test_each_shape_is_taken_in_or_refused_whole(
    payer: Api, family: str, cases: list[tuple[str, dict[str, Any], list[str] | None]]
) -> None:
    """Every case gets its expected answer: a valid ClaimResponse, or an OperationOutcome naming exactly its problems."""
    with payer.client(api_key=SERVICE_KEY) as service:
        results = [_check(payer, service, name, resource, expected) for name, resource, expected in cases]
    assert results.count("accepted") == sum(1 for c in cases if c[2] is None)


def test_a_synthea_claim_lands_with_its_visit_priced_from_the_total(payer: Api) -> None:
    """Float total 1308.6999999999998 becomes 1308.70; the unpriced visit takes the rest; POS from the encounter."""
    bundle = synthea_bundle(
        "float",
        procedures=(
            ("430193006", "Medication reconciliation (procedure)", "516.65"),
            ("710824005", "Assessment of health and social care needs", "431.40"),
        ),
        conditions=((("444814009", "Viral sinusitis (disorder)"), "J01.90"),),
        total="1308.6999999999998",
    )
    with payer.client(api_key=SERVICE_KEY) as service:
        created = _post(service, bundle)
        assert created.status_code == 201, created.text
        answer = created.json()
        claim_id = answer["id"]
        assert [i["itemSequence"] for i in answer["item"]] == [1, 3, 4]  # item 2 restates the diagnosis
        assert answer["total"][0]["amount"] == {"value": 1308.7, "currency": "USD"}
        assert answer["patient"]["identifier"]["value"] == "SYN1"
        run = service.post(f"/v1/tasks/claims.adjudicate/{claim_id}")
        assert run.status_code == 200, run.text
        # SNOMED procedures are kept as billed; the plan covers none of them: rule 7 denies.
        assert (run.json()["outcome"], run.json()["carc"]) == ("deny", "204")
        replay = _post(service, bundle)
        assert replay.status_code == 200
        decided = replay.json()
        ClaimResponse.model_validate(decided)
        assert decided["outcome"] == "complete"
        assert decided["adjudication"][0]["reason"]["coding"][0]["code"] == "204"
    with payer.sor.connect() as conn:
        claim = conn.execute(select(t.claims).where(t.claims.c.claim_id == claim_id)).mappings().one()
        lines = conn.execute(
            select(t.claim_lines.c.procedure_code, t.claim_lines.c.billed_amount)
            .where(t.claim_lines.c.claim_id == claim_id)
            .order_by(t.claim_lines.c.line_no)
        ).all()
        codes = conn.execute(
            select(t.claim_diagnoses.c.icd10_code).where(t.claim_diagnoses.c.claim_id == claim_id)
        ).scalars()
    assert (claim["member_id"], claim["billing_npi"], claim["place_of_service"]) == ("SYN1", ORG_NPI, "11")
    assert claim["total_billed"] == Decimal("1308.70")
    assert [tuple(ln) for ln in lines] == [
        ("185349003", Decimal("360.65")),
        ("430193006", Decimal("516.65")),
        ("710824005", Decimal("431.40")),
    ]
    assert list(codes) == ["J01.90"]


def test_an_hl7_bundle_resolves_organization_1_and_maps_icd_10(payer: Api) -> None:
    """Organization/1 in the Bundle gives the NPI; Patient/1 and Coverage agree on the member; icd-10 is kept."""
    with payer.client(api_key=SERVICE_KEY) as service:
        created = _post(service, hl7_bundle(hl7_claim(identifier=[{"system": "urn:x", "value": "H-1"}])))
    assert created.status_code == 201, created.text
    with payer.sor.connect() as conn:
        claim = (
            conn.execute(select(t.claims).where(t.claims.c.claim_id == created.json()["id"])).mappings().one()
        )
        code = conn.execute(
            select(t.claim_diagnoses.c.icd10_code).where(t.claim_diagnoses.c.claim_id == claim["claim_id"])
        ).scalar_one()
    assert (claim["member_id"], claim["billing_npi"], code) == ("AB9876", ORG_NPI, "J01.90")


def test_an_emergency_visit_takes_its_place_of_service_from_the_encounter(payer: Api) -> None:
    """Encounter class EMER is place of service 23; the provider is the hospital by its Synthea identifier."""
    case = next(c for c in SYNTHEA_CASES if c[0].startswith("emergency"))
    with payer.client(api_key=SERVICE_KEY) as service:
        created = _post(service, case[1])
    assert created.status_code == 201, created.text
    with payer.sor.connect() as conn:
        row = conn.execute(
            select(t.claims.c.place_of_service, t.claims.c.billing_npi).where(
                t.claims.c.claim_id == created.json()["id"]
            )
        ).one()
    assert tuple(row) == ("23", HOSPITAL_NPI)


def test_a_patient_the_payer_does_not_cover_is_refused_by_path(payer: Api) -> None:
    """Demographics that match no member: 422 naming Claim.patient, same wording as an unknown member id."""
    with payer.client(api_key=SERVICE_KEY) as service:
        refused = _post(service, SYNTHEA_STRANGER)
    assert refused.status_code == 422
    assert refused.json()["issue"][0]["expression"] == ["Claim.patient"]


def test_without_fhir_accept_a_refusal_is_a_problem_carrying_the_operation_outcome(payer: Api) -> None:
    """The problem+json answer keeps its errors and carries the same issues as operationOutcome."""
    claim = hl7_claim(use="preauthorization")
    with payer.client(api_key=SERVICE_KEY) as service:
        refused = _post(service, claim, headers={"Content-Type": "application/fhir+json"})
    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    problem = refused.json()
    outcome = problem["operationOutcome"]
    OperationOutcome.model_validate(outcome)
    assert [e["path"] for e in problem["errors"]] == [i["expression"][0] for i in outcome["issue"]]
    assert {"Claim.use", "Claim.provider"} <= {e["path"] for e in problem["errors"]}


def test_a_refused_claim_leaves_an_audit_event_without_values(payer: Api) -> None:
    """claim.refused names counts, codes and FHIR element paths; never the member, amounts or invented keys."""
    claim = hl7_claim(accident={"date": "2014-07-09"})
    claim["item"][0]["modifier"] = [{"coding": [{"code": "25"}]}]
    text = as_text(claim).replace(b'"status": "active"', b'"status": "active", "PeterChalmers1974": 1')
    with payer.client(api_key=SERVICE_KEY) as service:
        refused = service.post("/v1/claims/fhir", content=text, headers=FHIR_IN_OUT)
        assert refused.status_code == 422
        OperationOutcome.model_validate(refused.json())
        valid = _post(service, claim)
        assert valid.status_code == 422
    trail = stored_events(AuditLog(payer.store))
    events = [e.body for e in trail if e.body["kind"] == "claim.refused"]
    assert len(events) == 2
    invalid, unmappable = events
    assert invalid["reason"] == "fhir-invalid" and invalid["details"]["paths"] == ["(element)"]
    assert unmappable["reason"] == "claim-unmappable"
    assert {"Claim.accident", "Claim.item[0].modifier", "Claim.provider"} <= set(
        unmappable["details"]["paths"]
    )
    dumped = json.dumps(events)
    for value in ("PeterChalmers", "12345", "135.57", "happyvalley", "99213"):
        assert value not in dumped


def test_conflicts_and_entitlement_refusals_are_operation_outcomes_and_audited(payer: Api) -> None:
    """A 409 and a 403 answer FHIR callers with an OperationOutcome; each leaves a claim.refused event."""
    first = hl7_bundle(hl7_claim(identifier=[{"system": "urn:x", "value": "H-409"}]))
    changed = hl7_bundle(
        hl7_claim(
            identifier=[{"system": "urn:x", "value": "H-409"}],
            diagnosis=[
                {
                    "sequence": 1,
                    "diagnosisCodeableConcept": {"coding": [{"system": ICD10CM, "code": "F32.9"}]},
                }
            ],
        )
    )
    with payer.client(api_key=SERVICE_KEY) as service, payer.client("A1") as a1:
        assert _post(service, first).status_code == 201
        conflict = _post(service, changed)
        forbidden = _post(
            a1,
            hl7_bundle(
                hl7_claim(
                    identifier=[{"system": "urn:x", "value": "H-403"}],
                    diagnosis=changed["entry"][3]["resource"]["diagnosis"],
                )
            ),
        )
    assert conflict.status_code == 409 and conflict.json()["issue"][0]["code"] == "conflict"
    assert forbidden.status_code == 403 and forbidden.json()["issue"][0]["expression"] == [
        "Claim.meta.security"
    ]
    for answer in (conflict, forbidden):
        assert answer.headers["content-type"].startswith("application/fhir+json")
        OperationOutcome.model_validate(answer.json())
    reasons = [
        e.body["reason"] for e in stored_events(AuditLog(payer.store)) if e.body["kind"] == "claim.refused"
    ]
    assert reasons == ["identifier-conflict", "forbidden"]


def test_demographics_that_match_two_members_find_none(payer: Api) -> None:
    """SSN, birth date and family name shared by two members name nobody: refused like an unknown member."""
    _, given, family, born, ssn = SYNTHEA_PATIENTS[2]
    with payer.sor.begin() as conn:
        conn.execute(
            t.members.insert().values(
                member_id="TWIN",
                first_name=given,
                last_name=family.upper(),
                birth_date=born,
                ssn=ssn.replace("-", ""),
                address="2 Synthetic Way",
                plan_id="PPO1",
                region="north",
                coverage_start=born,
                coverage_end=None,
            )
        )
    with payer.client(api_key=SERVICE_KEY) as service:
        refused = _post(service, synthea_bundle("twin", who=SYNTHEA_PATIENTS[2], total="50.00"))
    assert refused.status_code == 422 and refused.json()["issue"][0]["expression"] == ["Claim.patient"]
