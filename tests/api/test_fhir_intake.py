"""FHIR R4 Claim ingest over the live server: mapping, refusals by element, entitlement, replay."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from typing import Any

import pytest
from fhirclaims import FHIR, SERVICE_DAY, fhir_claim, post
from sqlalchemy import select

from interlock.domains.claims import schema as t
from interlock.domains.claims.fhir_claim import ICD10_CM_SYSTEM, NPI_SYSTEM
from interlock.domains.claims.testing.api_world import SERVICE_KEY
from interlock.domains.claims.testing.api_world import ApiWorld as Api
from interlock.domains.claims.testing.handmade import GOOD_NPI


def test_a_fhir_claim_lands_in_the_system_of_record_and_adjudicates(api: Api) -> None:
    """A valid Claim becomes claim, lines, diagnoses and a note; the run endpoint then approves it."""
    with api.client("A1") as a1:
        created = post(a1, fhir_claim())
        assert created.status_code == 201, created.text
        body = created.json()
        claim_id = body["claim_id"]
        assert created.headers["location"] == f"/v1/claims/{claim_id}/summary"
        assert (body["status"], body["claim_version"], body["total_billed"]) == ("received", 1, "100.10")
        with api.sor.connect() as conn:
            claim = conn.execute(select(t.claims).where(t.claims.c.claim_id == claim_id)).mappings().one()
            lines = conn.execute(
                select(t.claim_lines)
                .where(t.claim_lines.c.claim_id == claim_id)
                .order_by(t.claim_lines.c.line_no)
            ).mappings()
            lines = [(r["procedure_code"], r["units"], r["billed_amount"]) for r in lines]
            codes = conn.execute(
                select(t.claim_diagnoses.c.icd10_code).where(t.claim_diagnoses.c.claim_id == claim_id)
            ).scalars()
            notes = conn.execute(
                select(t.clinical_notes.c.body, t.clinical_notes.c.author).where(
                    t.clinical_notes.c.claim_id == claim_id
                )
            ).all()
        assert (claim["member_id"], claim["billing_npi"], claim["place_of_service"]) == ("M1", GOOD_NPI, "11")
        assert (claim["region"], claim["line_of_business"], claim["sensitivity"]) == (
            "north",
            "commercial",
            "none",
        )
        assert claim["total_billed"] == Decimal("100.10") and claim["service_date"].isoformat() == SERVICE_DAY
        assert lines == [("X1001", 1, Decimal("80.00")), ("X1001", 2, Decimal("20.10"))]
        assert list(codes) == ["E11.9"]
        assert [tuple(n) for n in notes] == [("Routine follow-up.", "Good Clinic")]
    # Staff finalize only through review: the service principal runs the task, as in batch.
    with api.client(api_key=SERVICE_KEY) as service:
        run = service.post(body["adjudicate"])
        assert run.status_code == 200, run.text
        assert (run.json()["route"], run.json()["outcome"]) == ("commit", "approve"), run.text
    assert [r["outcome"] for r in api.adjudications(claim_id)] == ["approve"]


def test_reposting_the_same_identifier_returns_the_same_claim(api: Api) -> None:
    """Idempotent on Claim.identifier: same id, 200, no second row; other content is a 409."""
    with api.client(api_key=SERVICE_KEY) as service:
        first = post(service, fhir_claim("CLM-REPLAY"))
        again = post(service, fhir_claim("CLM-REPLAY"))
        assert (first.status_code, again.status_code) == (201, 200)
        assert again.json()["claim_id"] == first.json()["claim_id"] and again.json()["created"] is False
        changed = fhir_claim("CLM-REPLAY")
        changed["item"][0]["net"]["value"] = 81.00
        changed["total"]["value"] = 101.10
        conflict = post(service, changed)
        assert conflict.status_code == 409
        assert conflict.headers["content-type"] == "application/problem+json"
        assert conflict.json()["errors"][0]["path"] == "Claim.identifier"
    with api.sor.connect() as conn:
        count = conn.execute(
            select(t.claims.c.claim_id).where(t.claims.c.claim_id == first.json()["claim_id"])
        )
        assert len(count.all()) == 1
        stored = conn.execute(
            select(t.claim_lines.c.billed_amount)
            .where(t.claim_lines.c.line_no == 1)
            .where(t.claim_lines.c.claim_id == first.json()["claim_id"])
        ).scalar_one()
    assert stored == Decimal("80.00")


def _without(claim: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in claim.items() if k != key}


def _item(claim: dict[str, Any], i: int, **changes: Any) -> dict[str, Any]:
    claim = copy.deepcopy(claim)
    claim["item"][i].update(changes)
    return claim


BASE = fhir_claim()
#: (case, resource, the problem type, the element path the problem must name)
REFUSED = [
    ("no patient", _without(BASE, "patient"), "fhir-invalid", "Claim.patient"),
    ("no created", _without(BASE, "created"), "fhir-invalid", "Claim.created"),
    ("not a Claim", {**BASE, "resourceType": "Patient"}, "fhir-invalid", "Claim.resourceType"),
    ("no identifier", _without(BASE, "identifier"), "claim-unmappable", "Claim.identifier"),
    (
        "unknown member",
        fhir_claim(patient={"reference": "Patient/NOPE"}),
        "claim-unmappable",
        "Claim.patient",
    ),
    (
        "unknown provider",
        fhir_claim(provider={"reference": "Practitioner/1111111112"}),
        "claim-unmappable",
        "Claim.provider.reference",
    ),
    (
        "malformed npi",
        fhir_claim(provider={"identifier": {"system": NPI_SYSTEM, "value": "12"}}),
        "claim-unmappable",
        "Claim.provider.identifier.value",
    ),
    (
        "euro",
        _item(BASE, 0, net={"value": 80.00, "currency": "EUR"}),
        "claim-unmappable",
        "Claim.item[0].net.currency",
    ),
    ("total off", fhir_claim(total={"value": 100.11, "currency": "USD"}), "claim-unmappable", "Claim.total"),
    (
        "price times quantity off",
        _item(BASE, 1, unitPrice={"value": 10.00, "currency": "USD"}),
        "claim-unmappable",
        "Claim.item[1].net",
    ),
    (
        "fractional cents",
        _item(BASE, 0, net={"value": 80.001, "currency": "USD"}),
        "claim-unmappable",
        "Claim.item[0].net.value",
    ),
    (
        "two service dates",
        _item(BASE, 1, servicedDate="2020-01-01"),
        "claim-unmappable",
        "Claim.item[1].serviced[x]",
    ),
    ("no lines", fhir_claim(item=[]), "claim-unmappable", "Claim.item"),
    (
        "bad place of service",
        _item(BASE, 0, locationCodeableConcept={"coding": [{"code": "QQ"}]}),
        "claim-unmappable",
        "Claim.item[0].locationCodeableConcept",
    ),
    (
        "diagnosis by reference",
        fhir_claim(diagnosis=[{"sequence": 1, "diagnosisReference": {"reference": "Condition/1"}}]),
        "claim-unmappable",
        "Claim.diagnosis[0].diagnosis[x]",
    ),
    (
        "not ICD-10-CM",
        fhir_claim(
            diagnosis=[
                {
                    "sequence": 1,
                    "diagnosisCodeableConcept": {
                        "coding": [{"system": "http://snomed.info/sct", "code": "44054006"}]
                    },
                }
            ]
        ),
        "claim-unmappable",
        "Claim.diagnosis[0].diagnosisCodeableConcept.coding[0].system",
    ),
    ("a preauthorization", fhir_claim(use="preauthorization"), "claim-unmappable", "Claim.use"),
    (
        "sub-lines",
        _item(BASE, 0, detail=[{"sequence": 1, "productOrService": {"coding": [{"code": "X1001"}]}}]),
        "claim-unmappable",
        "Claim.item[0].detail",
    ),
]


@pytest.mark.parametrize(("case", "resource", "slug", "path"), REFUSED, ids=[r[0] for r in REFUSED])
def test_what_cannot_be_mapped_is_a_problem_naming_the_element(
    api: Api, case: str, resource: dict[str, Any], slug: str, path: str
) -> None:
    """Each unmappable resource is a 422 problem+json whose errors name the FHIR element; nothing lands."""
    with api.sor.connect() as conn:
        before = len(conn.execute(select(t.claims.c.claim_id)).all())
    with api.client("A1") as a1:
        response = post(a1, resource)
    assert response.status_code == 422, (case, response.text)
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == f"/problems/{slug}"
    assert path in [e["path"] for e in problem["errors"]], problem
    with api.sor.connect() as conn:
        assert len(conn.execute(select(t.claims.c.claim_id)).all()) == before


def test_an_invalid_icd10_code_is_kept_as_billed_for_rule_6(api: Api) -> None:
    """SPEC.md keeps diagnosis codes as billed: ingest accepts, adjudication denies with CARC 16."""
    claim = fhir_claim(
        "CLM-BADDX",
        diagnosis=[
            {
                "sequence": 1,
                "diagnosisCodeableConcept": {"coding": [{"system": ICD10_CM_SYSTEM, "code": "ZZZ.99"}]},
            }
        ],
    )
    with api.client(api_key=SERVICE_KEY) as service:
        created = post(service, claim)
        assert created.status_code == 201, created.text
        run = service.post(created.json()["adjudicate"]).json()
    assert (run["outcome"], run["carc"]) == ("deny", "16")


def test_ingest_outside_the_entitlement_is_refused(api: Api) -> None:
    """A1 cannot ingest for a south member (same answer as an unknown member), nor a sensitive claim."""
    south = fhir_claim("CLM-SOUTH", patient={"reference": "Patient/M2"})
    unknown = fhir_claim("CLM-SOUTH", patient={"reference": "Patient/M404"})
    with api.client("A1") as a1, api.client("AUD") as aud, api.client("SUP") as sup:
        foreign, missing = post(a1, south), post(a1, unknown)
        assert foreign.status_code == missing.status_code == 422
        assert {k: v for k, v in foreign.json().items()} == missing.json()
        psych = fhir_claim(
            "CLM-PSY",
            diagnosis=[
                {
                    "sequence": 1,
                    "diagnosisCodeableConcept": {"coding": [{"system": ICD10_CM_SYSTEM, "code": "F32.9"}]},
                }
            ],
        )
        refused = post(a1, psych)
        assert refused.status_code == 403 and refused.json()["errors"][0]["path"] == "Claim.meta.security"
        assert post(aud, fhir_claim("CLM-AUD")).status_code == 403
        with api.client("OLD") as old:  # inactive staff may read nothing, so may submit nothing
            assert post(old, fhir_claim("CLM-OLD")).status_code == 403
        # The supervisor holds both the south assignment and sensitive:behavioral_health.
        assert post(sup, south).status_code == 201
        accepted = post(sup, psych)
        assert accepted.status_code == 201 and accepted.json()["sensitivity"] == "behavioral_health"
    with api.sor.connect() as conn:
        owners = conn.execute(
            select(t.claims.c.member_id, t.claims.c.sensitivity).where(t.claims.c.claim_id.like("fhir-%"))
        ).all()
    assert sorted(tuple(r) for r in owners) == [("M1", "behavioral_health"), ("M2", "none")]


def test_a_security_label_marks_the_claim_sensitive(api: Api) -> None:
    """meta.security ETH makes a substance-use claim, which the south analyst may not submit."""
    labelled = fhir_claim(
        "CLM-ETH",
        patient={"reference": "Patient/M2"},
        meta={"security": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "ETH"}]},
    )
    with api.client("A2") as a2:
        assert post(a2, fhir_claim("CLM-ETH-PLAIN", patient={"reference": "Patient/M2"})).status_code == 201
        refused = post(a2, labelled)
    assert refused.status_code == 403 and "substance_use" in refused.json()["detail"]


def test_wrong_media_type_and_no_credentials(api: Api) -> None:
    """A non-JSON body is a 415 problem; no credentials is a 401 problem, before anything is read."""
    with api.client("A1") as a1, api.client() as anon:
        assert (
            a1.post(
                "/v1/claims/fhir", content=b"<Claim/>", headers={"Content-Type": "application/xml"}
            ).status_code
            == 415
        )
        assert post(anon, fhir_claim()).status_code == 401
        broken = a1.post("/v1/claims/fhir", content=b"{not json", headers=FHIR)
        assert broken.status_code == 422 and broken.json()["type"] == "/problems/fhir-invalid"


def test_concurrent_posts_of_one_identifier_insert_once(api: Api) -> None:
    """Eight simultaneous posts of one resource: one 201, seven 200 with the same id, one row."""
    from concurrent.futures import ThreadPoolExecutor

    claim = fhir_claim("CLM-RACE")

    def send(_: int) -> tuple[int, str]:
        with api.client(api_key=SERVICE_KEY) as service:
            r = post(service, claim)
            return r.status_code, r.json().get("claim_id", r.text)

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(send, range(8)))
    assert sorted(code for code, _ in answers) == [200] * 7 + [201], answers
    assert len({claim_id for _, claim_id in answers}) == 1
    with api.sor.connect() as conn:
        rows = conn.execute(select(t.claim_lines.c.line_no).where(t.claim_lines.c.claim_id == answers[0][1]))
        assert len(rows.all()) == 2


def test_an_unknown_member_is_named_with_every_other_problem(api: Api) -> None:
    """One answer: the unknown member, an unknown provider and a bad element, each by its path.

    The member is looked up even though other elements cannot be mapped, and an
    out-of-scope member reads exactly like an unknown one in the same answer.
    """
    broken = _item(
        fhir_claim(
            "CLM-ALL",
            patient={"reference": "Patient/M404"},
            provider={"reference": "Practitioner/1111111112"},
        ),
        0,
        net={"value": 80.00, "currency": "EUR"},
    )
    south = copy.deepcopy(broken) | {"patient": {"reference": "Patient/M2"}}
    with api.client("A1") as a1:
        answers = [
            a1.post(
                "/v1/claims/fhir",
                content=json.dumps(claim),
                headers=FHIR | {"Accept": "application/fhir+json"},
            )
            for claim in (broken, south)
        ]
    for answer in answers:
        assert answer.status_code == 422, answer.text
        paths = sorted(p for issue in answer.json()["issue"] for p in issue["expression"])
        assert paths == ["Claim.item[0].net.currency", "Claim.patient", "Claim.provider.reference"], paths
    assert answers[0].json() == answers[1].json()
