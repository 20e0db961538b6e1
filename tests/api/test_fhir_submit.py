"""The FHIR routes over the live server: ``Claim/$submit``, ``ClaimResponse``, ``ExplanationOfBenefit``, ``Provenance``.

Everything goes through HTTP against real SQLite; each answer is read back with the
``fhir.resources`` R4B models (R4's financial and provenance resources).
"""

from __future__ import annotations

import copy
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.claimresponse import ClaimResponse
from fhir.resources.R4B.explanationofbenefit import ExplanationOfBenefit
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.provenance import Provenance
from fhirclaims import fhir_claim

from interlock.api.app import create_app
from interlock.audit.anchor import stored_events
from interlock.audit.chain import AuditLog
from interlock.db import make_engine
from interlock.domains.claims.fhir_decision import AI_PROVENANCE_PROFILE, PROVENANCE_EXTENSION
from interlock.domains.claims.testing.api_world import (
    SERVICE_KEY,
    ApiWorld,
    LiveServer,
    TokenIssuer,
    settings_for,
)
from interlock.domains.claims.testing.scripted import ScriptedModel
from interlock.settings import EngineSection

FHIR = {"Content-Type": "application/fhir+json"}
KNEE_NOTE = "Patient completed eight weeks of supervised physical therapy without relief. MRI shows a medial meniscal tear."
VAGUE_NOTE = "Patient reports knee pain. Plan: arthroscopy."


def _submit(client: Any, claim: dict[str, Any]) -> Any:
    return client.post("/fhir/Claim/$submit", content=json.dumps(claim), headers=FHIR)


def _knee(value: str, note: str, amount: str = "2500.00") -> dict[str, Any]:
    """One line of X2002 (covered, needs documented criteria) with ``note`` as the only evidence."""
    claim = fhir_claim(value)
    item = copy.deepcopy(claim["item"][0])
    item |= {
        "sequence": 7,
        "productOrService": {"coding": [{"code": "X2002"}]},
        "net": {"value": float(amount), "currency": "USD"},
    }
    claim["item"] = [item]
    claim["total"] = {"value": float(amount), "currency": "USD"}
    claim["supportingInfo"][0]["valueString"] = note
    return claim


def _amounts(adjudication: list[dict[str, Any]]) -> dict[str, float]:
    return {a["category"]["coding"][0]["code"]: a["amount"]["value"] for a in adjudication if "amount" in a}


def _provenances(client: Any, claim_id: str) -> list[dict[str, Any]]:
    found = client.get("/fhir/Provenance", params={"target": f"ClaimResponse/{claim_id}"})
    assert found.status_code == 200, found.text
    Bundle.model_validate(found.json())
    assert found.json()["type"] == "searchset"
    return [e["resource"] for e in found.json().get("entry", [])]


def test_a_service_submits_and_gets_the_decision_at_once(api: ApiWorld) -> None:
    """$submit by the batch service: adjudicated on the spot, ClaimResponse complete with line amounts."""
    with api.client(api_key=SERVICE_KEY) as service:
        answer = _submit(service, fhir_claim("SUB-OK"))
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"].startswith("application/fhir+json")
        body = answer.json()
        ClaimResponse.model_validate(body)
        claim_id = body["id"]
        assert answer.headers["location"] == f"/fhir/ClaimResponse/{claim_id}"
        assert (body["outcome"], body["disposition"]) == ("complete", "adjudicated: approve")
        assert body["request"]["identifier"] == {"system": "urn:example:clearinghouse", "value": "SUB-OK"}
        assert [i["itemSequence"] for i in body["item"]] == [1, 2]
        row = api.adjudications(claim_id)[0]
        assert _amounts(body["total"]) == {
            "submitted": 100.10,
            "eligible": float(row["allowed_amount"]),
            "benefit": float(row["paid_amount"]),
        }
        assert body["payment"]["amount"]["value"] == float(row["paid_amount"])
        assert "meta" not in body  # no model took part: no AIAST label
        (link,) = body["extension"]
        assert link["url"] == PROVENANCE_EXTENSION
        again = service.get(f"/fhir/ClaimResponse/{claim_id}")
        assert again.status_code == 200 and again.json()["outcome"] == "complete"
        assert again.json()["item"] == body["item"]
        (prov,) = _provenances(service, claim_id)
        assert f"Provenance/{prov['id']}" == link["valueReference"]["reference"]
        assert prov["target"] == [{"reference": f"ClaimResponse/{claim_id}"}]
        assert [a["who"] for a in prov["agent"]] == [{"reference": "#interlock"}]
        assert "reason" not in prov and "meta" not in prov
        read = service.get(f"/fhir/Provenance/{prov['id']}")
        assert read.status_code == 200 and read.json() == prov
        eob = service.get(f"/fhir/ExplanationOfBenefit/{claim_id}")
        assert eob.status_code == 200, eob.text
        ExplanationOfBenefit.model_validate(eob.json())
        assert [i["productOrService"]["coding"][0]["code"] for i in eob.json()["item"]] == ["X1001", "X1001"]
    assert api.audit_kinds(claim_id)[0] == "claim.ingested"
    assert "route.decided" in api.audit_kinds(claim_id)


def test_a_denial_carries_its_carc_as_the_adjudication_reason(api: ApiWorld) -> None:
    """An invalid diagnosis is rule 6's denial: CARC 16 on the claim and on each line's eligible amount."""
    claim = fhir_claim(
        "SUB-DENY",
        diagnosis=[
            {
                "sequence": 1,
                "diagnosisCodeableConcept": {
                    "coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "ZZZ.99"}]
                },
            }
        ],
    )
    with api.client(api_key=SERVICE_KEY) as service:
        body = _submit(service, claim).json()
    ClaimResponse.model_validate(body)
    assert body["outcome"] == "complete" and body["disposition"] == "adjudicated: deny (CARC 16)"
    assert body["adjudication"][0]["reason"]["coding"][0]["code"] == "16"
    for item in body["item"]:
        eligible = next(a for a in item["adjudication"] if a["category"]["coding"][0]["code"] == "eligible")
        assert eligible["reason"]["coding"][0] == {
            "system": "https://x12.org/codes/claim-adjustment-reason-codes",
            "code": "16",
        }
    assert _amounts(body["total"])["benefit"] == 0.0


def test_a_pended_claim_is_queued_until_a_person_decides(api: ApiWorld) -> None:
    """Vague notes and no model: $submit answers queued, no EOB; after a person approves, complete and an EOB."""
    with api.client(api_key=SERVICE_KEY) as service:
        body = _submit(service, _knee("SUB-PEND", VAGUE_NOTE)).json()
        ClaimResponse.model_validate(body)
        claim_id = body["id"]
        assert (body["outcome"], body["disposition"]) == ("queued", "pended: a person decides this claim")
        assert [i["itemSequence"] for i in body["item"]] == [7]
        assert _amounts(body["item"][0]["adjudication"]) == {"submitted": 2500.0}
        none_yet = service.get(f"/fhir/ExplanationOfBenefit/{claim_id}")
        assert none_yet.status_code == 404
        OperationOutcome.model_validate(none_yet.json())
        assert "not finalized" in none_yet.json()["issue"][0]["diagnostics"]
    with api.client("A1") as a1:
        review_id = api.review_id(claim_id)
        decided = a1.post(f"/v1/review-items/{review_id}/decision", json={"action": "approve"})
        assert decided.status_code == 200, decided.text
        final = a1.get(f"/fhir/ClaimResponse/{claim_id}").json()
        ClaimResponse.model_validate(final)
        assert final["outcome"] == "complete" and _amounts(final["total"])["benefit"] == 2000.0
        provs = _provenances(a1, claim_id)
        for prov in provs:
            Provenance.model_validate(prov)
        # Interlock routed it to a person; the person decided.
        assert [p["activity"]["text"].split(":")[0] for p in provs] == ["route.decided", "review.decided"]
        person = provs[1]["agent"][0]
        assert person["who"]["identifier"]["value"] == "staff:A1"
        assert person["type"]["coding"][0]["code"] == "author"
        assert final["extension"][-1]["valueReference"]["reference"] == f"Provenance/{provs[1]['id']}"
        eob = a1.get(f"/fhir/ExplanationOfBenefit/{claim_id}")
        assert eob.status_code == 200
        ExplanationOfBenefit.model_validate(eob.json())


def test_fhir_reads_are_scoped_like_the_v1_routes(api: ApiWorld) -> None:
    """A1 (north, commercial) asking for the south claim gets what an unknown id gets: 404 OperationOutcome."""
    with api.client("A1") as a1, api.client("SUP") as sup:
        assert sup.get("/fhir/ClaimResponse/RV-S1").status_code == 200
        for path in ("ClaimResponse/{}", "ExplanationOfBenefit/{}", "Provenance?target=ClaimResponse/{}"):
            hidden, missing = (
                a1.get("/fhir/" + path.format("RV-S1")),
                a1.get("/fhir/" + path.format("NO-SUCH")),
            )
            assert hidden.status_code == missing.status_code == 404, path
            assert hidden.headers["content-type"].startswith("application/fhir+json")
            assert hidden.json() == missing.json()
            OperationOutcome.model_validate(hidden.json())
        south = _provenances(sup, "RV-S1")
        assert south, "RV-S1 was routed to review: one decision"
        assert sup.get(f"/fhir/Provenance/{south[0]['id']}").status_code == 200
        hidden = a1.get(f"/fhir/Provenance/{south[0]['id']}")
        assert hidden.status_code == 404 and hidden.json() == a1.get("/fhir/Provenance/main-999999").json()
        assert a1.get("/fhir/Provenance/not-an-id").status_code == 404


def test_refusals_are_operation_outcomes_and_audited(api: ApiWorld) -> None:
    """Preauthorization, a bad element and an unknown member: one OperationOutcome, in FHIR without asking."""
    claim = fhir_claim("SUB-PA", use="preauthorization", patient={"reference": "Patient/M404"})
    claim["total"] = {"value": 1.00, "currency": "USD"}
    with api.client(api_key=SERVICE_KEY) as service:
        refused = _submit(service, claim)
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/fhir+json")
    OperationOutcome.model_validate(refused.json())
    issues = {i["expression"][0]: i for i in refused.json()["issue"]}
    assert set(issues) == {"Claim.use", "Claim.patient", "Claim.total"}
    assert "prior authorization" in issues["Claim.use"]["diagnostics"]
    assert issues["Claim.use"]["code"] == "not-supported"
    with api.client("AUD") as aud:
        forbidden = _submit(aud, fhir_claim("SUB-AUD"))
        assert forbidden.status_code == 403
        assert forbidden.json()["issue"][0]["code"] == "forbidden"
        wrong_media = aud.post(
            "/fhir/Claim/$submit", content=b"<Claim/>", headers={"Content-Type": "text/xml"}
        )
        assert wrong_media.status_code == 403  # the grant is checked before the body is read
    with api.client(api_key=SERVICE_KEY) as service:
        xml = service.post("/fhir/Claim/$submit", content=b"<Claim/>", headers={"Content-Type": "text/xml"})
        assert xml.status_code == 415 and xml.json()["resourceType"] == "OperationOutcome"
    refusals = [e.body for e in stored_events(AuditLog(api.store)) if e.body["kind"] == "claim.refused"]
    # Refusals of a claim read (403, 409, 422) are audited, as on /v1/claims/fhir; a 415 read nothing.
    assert [(r["principal"], sorted(r["details"]["paths"])) for r in refusals[-3:]] == [
        ("service:batch", ["Claim.patient", "Claim.total", "Claim.use"]),
        ("staff:AUD", []),
        ("staff:AUD", []),
    ]


def test_a_staff_submission_waits_for_the_batch(api: ApiWorld) -> None:
    """Staff never decide what they submit: their $submit is taken in and answered queued."""
    with api.client("A1") as a1:
        body = _submit(a1, fhir_claim("SUB-STAFF")).json()
    ClaimResponse.model_validate(body)
    assert (body["outcome"], body["disposition"]) == ("queued", "received; received: awaiting adjudication")
    assert api.adjudications(body["id"]) == []


@pytest.fixture
def with_model(tmp_path: Path, adjudicated: Path, issuer: TokenIssuer) -> Iterator[ApiWorld]:
    """A server whose model finds the medical-necessity criteria met, with high confidence."""
    for name in ("sor.db", "store.db"):
        shutil.copy(adjudicated / name, tmp_path / name)
    # This world's store holds no fitted familiar region: the familiarity check is off here.
    settings = settings_for(tmp_path, issuer).model_copy(update={"engine": EngineSection(familiarity=False)})
    sor, store = make_engine(settings.sor_url), make_engine(settings.store_url)
    with LiveServer(create_app(settings, model=ScriptedModel("met", 0.99))) as server:
        yield ApiWorld(url=server.url, sor=sor, store=store, issuer=issuer)
    sor.dispose()
    store.dispose()


def test_a_decision_a_model_took_part_in_is_ai_asserted(with_model: ApiWorld) -> None:
    """The ClaimResponse carries AIAST; its Provenance follows the AI Transparency profile, citing the note."""
    with with_model.client(api_key=SERVICE_KEY) as service:
        body = _submit(service, _knee("SUB-AI", KNEE_NOTE)).json()
        ClaimResponse.model_validate(body)
        assert body["outcome"] == "complete", body
        assert body["meta"]["security"][0]["code"] == "AIAST"
        (prov,) = _provenances(service, body["id"])
    Provenance.model_validate(prov)
    assert prov["meta"]["profile"] == [AI_PROVENANCE_PROFILE]
    assert prov["reason"][0]["coding"][0]["code"] == "AIAST"
    devices = {d["id"]: d for d in prov["contained"]}
    assert devices["model"]["identifier"][0]["value"] == "scripted:scripted"
    assert devices["model"]["type"]["coding"][0]["code"] == "Artificial-Intelligence"
    roles = {a["who"]["reference"]: a["type"]["coding"][0]["code"] for a in prov["agent"]}
    assert roles == {"#interlock": "verifier", "#model": "author"}
    cited = [e["what"]["identifier"]["value"] for e in prov["entity"]]
    assert cited[0] == body["id"] and len(cited) == 2 and cited[1].startswith(f"note:{body['id']}-n1@")
    text = json.dumps(prov)
    assert "meniscal" not in text and "physical therapy" not in text


def test_only_what_the_server_refuses_before_a_route_runs_is_problem_json(api: ApiWorld) -> None:
    """No credentials (401) and a body over api.max_body_bytes (413) are problem+json; a claim over 1 MB is FHIR."""
    with api.client() as anonymous:
        denied = anonymous.get("/fhir/ClaimResponse/RV-N1")
    assert denied.status_code == 401 and denied.headers["content-type"] == "application/problem+json"
    with api.client(api_key=SERVICE_KEY) as service:
        over_claim = _submit(
            service, fhir_claim("BIG") | {"text": {"status": "generated", "div": "x" * 1_010_000}}
        )
        over_server = _submit(
            service, fhir_claim("HUGE") | {"text": {"status": "generated", "div": "x" * 2_000_000}}
        )
    assert over_claim.status_code == over_server.status_code == 413
    assert over_claim.headers["content-type"].startswith("application/fhir+json")
    assert over_claim.json()["issue"][0]["code"] == "too-costly"
    assert over_server.headers["content-type"] == "application/problem+json"
