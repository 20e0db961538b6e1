"""Held-out FHIR claims, written after the mapper and in other senders' styles, posted as their files' bytes.

The files under ``fhir_heldout/`` were not used while the mapping was written: a
clearinghouse's CMS-1500 conversion with contained resources, an EHR's transaction
Bundle with a conditional member reference, a collection Bundle billed by a
practitioner, and claims carrying what cannot be kept. ``expected.json`` gives, for
each file, ``null`` (taken in) or every element path the refusal must name.
"""

from __future__ import annotations

import json
from pathlib import Path

from fhir.resources.R4B.claimresponse import ClaimResponse
from fhir.resources.R4B.operationoutcome import OperationOutcome

from interlock.domains.claims.testing.api_world import SERVICE_KEY
from interlock.domains.claims.testing.api_world import ApiWorld as Api

HELD_OUT = Path(__file__).parent / "fhir_heldout"
HEADERS = {"Content-Type": "application/fhir+json", "Accept": "application/fhir+json"}


def test_held_out_claims_get_their_expected_answers(api: Api) -> None:
    """Each file is taken in with a valid ClaimResponse or refused naming exactly its expected paths."""
    expected: dict[str, list[str] | None] = json.loads((HELD_OUT / "expected.json").read_text())
    answers: dict[str, object] = {}
    with api.client(api_key=SERVICE_KEY) as service:
        for name, paths in sorted(expected.items()):
            response = service.post(
                "/v1/claims/fhir", content=(HELD_OUT / name).read_bytes(), headers=HEADERS
            )
            body = response.json()
            if paths is None:
                ok = response.status_code == 201 and ClaimResponse.model_validate(body) is not None
                answers[name] = "accepted" if ok else body
            else:
                OperationOutcome.model_validate(body)
                got = sorted(p for issue in body.get("issue", []) for p in issue.get("expression", []))
                answers[name] = "refused" if response.status_code == 422 and got == sorted(paths) else body
    wanted = {name: "accepted" if paths is None else "refused" for name, paths in expected.items()}
    assert answers == wanted
