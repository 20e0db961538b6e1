"""API conventions: paged lists, named operations, 400 for broken JSON, 403 for non-deciders, plain errors."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from interlock.domains.claims.testing.api_world import SERVICE_KEY
from interlock.domains.claims.testing.api_world import ApiWorld as Api


def test_review_items_page_with_a_total_and_a_next_link(api: Api) -> None:
    """A page holds `limit` items, the total of all pages, and a `next` link that reaches the rest."""
    with api.client("SUP") as sup:
        whole = sup.get("/v1/review-items", params={"limit": 500}).json()
        assert whole["total"] == len(whole["items"]) >= 3
        assert whole["next"] is None
        seen: list[str] = []
        page = sup.get("/v1/review-items", params={"limit": 2}).json()
        while True:
            assert page["total"] == whole["total"] and len(page["items"]) <= 2
            seen += [item["review_id"] for item in page["items"]]
            if page["next"] is None:
                break
            assert parse_qs(urlsplit(page["next"]).query)["limit"] == ["2"]
            page = sup.get(page["next"]).json()
        assert seen == [item["review_id"] for item in whole["items"]]


def test_review_items_filter_by_region_and_reason(api: Api) -> None:
    """`region` and `reason` narrow the list and its total alike."""
    with api.client("SUP") as sup:
        everything = sup.get("/v1/review-items").json()["items"]
        region = everything[0]["region"]
        narrowed = sup.get("/v1/review-items", params={"region": region}).json()
        assert narrowed["total"] == sum(1 for item in everything if item["region"] == region)
        assert {item["region"] for item in narrowed["items"]} == {region}
        high = sup.get("/v1/review-items", params={"reason": "high_value"}).json()
        assert high["total"] == sum(1 for item in everything if "high-value" in item["reason"])
        assert sup.get("/v1/review-items", params={"reason": "nonsense"}).status_code == 422


def test_operations_have_named_operation_ids(api: Api) -> None:
    """Every operation in the OpenAPI document has a short camelCase operationId named after it."""
    with api.client() as anon:
        spec = anon.get("/openapi.json").json()
    ids = [op["operationId"] for path in spec["paths"].values() for op in path.values()]
    assert len(ids) == len(set(ids))
    assert "listReviewItems" in ids and "decideReview" in ids and "runTask" in ids
    assert all("_" not in i and "/" not in i for i in ids)


def test_malformed_json_is_a_400_problem(api: Api) -> None:
    """A body that is not JSON answers 400 (as docs/api.md says), not 422."""
    review_id = api.review_id("RV-N1")
    with api.client("A1") as a1:
        broken = a1.post(
            f"/v1/review-items/{review_id}/decision",
            content=b'{"action": "approve"',
            headers={"Content-Type": "application/json"},
        )
    assert broken.status_code == 400
    assert broken.headers["content-type"].startswith("application/problem+json")
    assert broken.json()["type"].endswith("/malformed-request")


def test_a_service_key_may_not_decide_a_review_item(api: Api) -> None:
    """A service principal deciding a review item gets 403, and nothing is written."""
    review_id = api.review_id("RV-N1")
    with api.client(api_key=SERVICE_KEY) as service:
        refused = service.post(f"/v1/review-items/{review_id}/decision", json={"action": "approve"})
    assert refused.status_code == 403
    assert "staff member" in refused.json()["detail"]
    assert api.adjudications("RV-N1") == []


def test_a_denial_without_a_carc_says_which_codes_it_needs(api: Api) -> None:
    """`{"action": "deny"}` is refused in words listing the CARCs, never with a Python value such as None."""
    review_id = api.review_id("RV-N2")
    with api.client("A1") as a1:
        refused = a1.post(f"/v1/review-items/{review_id}/decision", json={"action": "deny"})
    assert refused.status_code == 422
    detail = refused.json()["detail"]
    assert "None" not in detail and "not None" not in detail
    assert "50" in detail and "none was given" in detail
