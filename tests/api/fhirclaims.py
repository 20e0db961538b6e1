"""A valid FHIR R4 Claim for the hand-made payer, and how the tests post one."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from interlock.domains.claims.fhir_claim import ICD10_CM_SYSTEM, NPI_SYSTEM, POS_SYSTEM
from interlock.domains.claims.testing.handmade import GOOD_NPI

SERVICE_DAY = (datetime.now(UTC) - timedelta(days=20)).date().isoformat()
FHIR = {"Content-Type": "application/fhir+json"}


def fhir_claim(value: str = "CLM-1", **changes: Any) -> dict[str, Any]:
    """A valid R4 Claim for member M1 (north, commercial) at the good clinic, two lines."""
    item = {
        "sequence": 1,
        "productOrService": {"coding": [{"code": "X1001"}]},
        "servicedDate": SERVICE_DAY,
        "locationCodeableConcept": {"coding": [{"system": POS_SYSTEM, "code": "11"}]},
        "quantity": {"value": 1},
        "net": {"value": 80.00, "currency": "USD"},
    }
    second = copy.deepcopy(item) | {
        "sequence": 2,
        "productOrService": {"coding": [{"code": "X1001"}]},
        "quantity": {"value": 2},
        "unitPrice": {"value": 10.05, "currency": "USD"},
        "net": {"value": 20.10, "currency": "USD"},
    }
    claim: dict[str, Any] = {
        "resourceType": "Claim",
        "identifier": [{"system": "urn:example:clearinghouse", "value": value}],
        "status": "active",
        "use": "claim",
        "type": {
            "coding": [{"system": "http://terminology.hl7.org/CodeSystem/claim-type", "code": "professional"}]
        },
        "patient": {"reference": "Patient/M1"},
        "created": f"{SERVICE_DAY}T10:00:00Z",
        "provider": {"identifier": {"system": NPI_SYSTEM, "value": GOOD_NPI}, "display": "Good Clinic"},
        "priority": {"coding": [{"code": "normal"}]},
        "insurance": [{"sequence": 1, "focal": True, "coverage": {"reference": "Coverage/M1-PPO1"}}],
        "diagnosis": [
            {
                "sequence": 1,
                "diagnosisCodeableConcept": {"coding": [{"system": ICD10_CM_SYSTEM, "code": "E11.9"}]},
            }
        ],
        "supportingInfo": [
            {"sequence": 1, "category": {"coding": [{"code": "info"}]}, "valueString": "Routine follow-up."}
        ],
        "item": [item, second],
        "total": {"value": 100.10, "currency": "USD"},
    }
    claim.update(changes)
    return claim


def post(client: Any, claim: dict[str, Any]) -> Any:
    """POST ``claim`` as FHIR JSON (the raw text, so amounts keep their digits)."""
    return client.post("/v1/claims/fhir", content=json.dumps(claim), headers=FHIR)
