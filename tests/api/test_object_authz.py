"""Object-level authorization: every endpoint, tried with ids of records the caller may not see."""

from __future__ import annotations

from typing import Any

import pytest

from interlock.api.services import work_item_id
from interlock.domains.claims.testing.api_world import SERVICE_KEY
from interlock.domains.claims.testing.api_world import ApiWorld as Api

# (caller, a claim they may not read): region, line of business, sensitivity or status.
FOREIGN = [
    ("A2", "RV-N1"),  # south analyst, north claim
    ("A1", "RV-S1"),  # north analyst, south claim
    ("A1", "RV-NBH"),  # north analyst, behavioral-health claim in their region
    ("OLD", "RV-N1"),  # inactive staff, formerly assigned
    ("AUD", "RV-N1"),  # auditor: no claim content at all
]


def _requests(claim_id: str, review_id: str, item_id: str) -> list[tuple[str, str, dict[str, Any]]]:
    decision = f"/v1/review-items/{review_id}/decision"
    return [
        ("POST", f"/v1/tasks/claims.adjudicate/{claim_id}", {}),
        ("POST", f"/v1/tasks/claims.adjudicate/{claim_id}", {"params": {"mode": "queued"}}),
        ("GET", f"/v1/work-items/{item_id}", {}),
        ("GET", f"/v1/review-items/{review_id}", {}),
        ("POST", decision, {"json": {"action": "approve"}}),
        ("POST", decision, {"json": {"action": "deny", "carc": "50"}}),
        ("POST", decision, {"json": {"action": "pend", "comment": "probe"}}),
        ("GET", f"/v1/claims/{claim_id}/summary", {}),
    ]


def _shape(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k != "instance"}


@pytest.mark.parametrize(("caller", "claim_id"), FOREIGN)
def test_foreign_ids_get_the_same_404_as_missing_ones(api: Api, caller: str, claim_id: str) -> None:
    """Each endpoint answers a foreign id exactly as it answers a missing one, and changes nothing."""
    review_id = api.review_id(claim_id)
    item_id = work_item_id("claims.adjudicate", claim_id, 1)
    with api.client(caller) as client:
        expected = [
            _shape(client.request(method, path, **kw).json())
            for method, path, kw in _requests("NOPE", "rv-nope", "wi-nope")
        ]
        for (method, path, kw), want in zip(_requests(claim_id, review_id, item_id), expected, strict=True):
            response = client.request(method, path, **kw)
            assert response.status_code == 404, (method, path, response.text)
            assert response.headers["content-type"] == "application/problem+json"
            assert _shape(response.json()) == want
        listed = {r["claim_id"] for r in client.get("/v1/review-items").json()["items"]}
        decided = {
            r["claim_id"]
            for r in client.get("/v1/review-items", params={"status": "decided"}).json()["items"]
        }
        assert claim_id not in listed | decided
        answer = client.post("/v1/ask", json={"question": "knee pain arthroscopy plan"}).json()
        cited = [c for s in answer["statements"] for c in s["citations"]]
        assert not any(claim_id in c for c in cited)
        if caller != "OLD":  # inactive staff cannot sign in to the desk at all (tests/security)
            session = api.desk_session(caller)
            cookie = {"Cookie": f"interlock_session={session}"}
            page = client.get(f"/desk/reviews/{review_id}", headers=cookie)
            assert page.status_code == 404 and "Not found" in page.text
            assert claim_id not in page.text
    assert api.adjudications(claim_id) == []
    assert "review.decided" not in api.audit_kinds(claim_id)


def test_a_service_key_cannot_decide_as_a_person(api: Api) -> None:
    """A service principal may read the claim but is forbidden (403) to decide as a person."""
    review_id = api.review_id("RV-N1")
    with api.client(api_key=SERVICE_KEY) as service:
        assert service.get(f"/v1/review-items/{review_id}").status_code == 200
        r = service.post(f"/v1/review-items/{review_id}/decision", json={"action": "approve"})
        assert r.status_code == 403
    assert api.adjudications("RV-N1") == []
