"""The v1 API over a real uvicorn server on loopback, real SQLite, real tokens and keys."""

from __future__ import annotations

import time
from datetime import timedelta

from interlock.domains.claims.testing.api_world import SERVICE_KEY, TokenIssuer
from interlock.domains.claims.testing.api_world import ApiWorld as Api


def test_openapi_health_and_readiness(api: Api) -> None:
    """The schema lists the v1 paths, /healthz is up and /readyz checks both databases."""
    with api.client() as anon:
        schema = anon.get("/openapi.json").json()
        assert "/v1/tasks/{task}/{record_id}" in schema["paths"]
        assert "/v1/review-items/{review_id}/decision" in schema["paths"]
        assert anon.get("/healthz").json()["status"] == "ok"
        ready = anon.get("/readyz").json()
        assert ready["checks"] == {"sor": "ok", "store": "ok"}


def test_requests_without_valid_credentials_get_a_401_problem(api: Api, tmp_path: object) -> None:
    """Missing, forged, expired and wrong-audience tokens and unknown keys are refused alike."""
    stranger = TokenIssuer(issuer=api.issuer.issuer, audience=api.issuer.audience)
    bad_tokens = [
        stranger.token("A1"),
        api.issuer.token("A1", ttl=timedelta(minutes=-5)),
        api.issuer.token("A1", aud="someone-else"),
        api.issuer.token("NOBODY"),
        "not-a-jwt",
    ]
    with api.client() as anon:
        response = anon.get("/v1/review-items")
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["www-authenticate"] == "Bearer"
        for token in bad_tokens:
            r = anon.get("/v1/review-items", headers={"Authorization": f"Bearer {token}"})
            assert r.status_code == 401, token
        assert anon.get("/v1/review-items", headers={"X-API-Key": "ilk_wrong"}).status_code == 401


def test_an_elliptic_curve_issuer_is_accepted_too(api: Api) -> None:
    """Tokens signed with ES256 validate when the JWKS holds the EC key (same kid lookup)."""
    ec_issuer = TokenIssuer(algorithm="ES256")
    assert ec_issuer.jwks()["keys"][0]["kty"] == "EC"
    # The running server trusts only its RSA issuer: an EC token from elsewhere is refused.
    with api.client() as anon:
        r = anon.get("/v1/review-items", headers={"Authorization": f"Bearer {ec_issuer.token('A1')}"})
        assert r.status_code == 401


def test_synchronous_and_queued_task_runs(api: Api) -> None:
    """A sync run returns its route, a replay its recorded outcome; a queued run answers 202 and finishes."""
    with api.client(api_key=SERVICE_KEY) as service:
        again = service.post("/v1/tasks/claims.adjudicate/OK-N1")
        assert again.status_code == 200  # the work item is already done: nothing is re-run
        assert again.json()["route"] == "commit"
        # The replay answers the outcome the first run recorded, not an empty one.
        assert again.json()["outcome"] == api.adjudications("OK-N1")[0]["outcome"]
        assert again.json()["reason"].startswith("already done: ")
        item = service.get(f"/v1/work-items/{again.json()['work_item_id']}").json()
        assert item["status"] == "done" and item["route"] == "commit"
        assert item["receipt"]["kind"] == "commit"
    from interlock.domains.claims.testing.handmade import add_claim

    add_claim(api.sor, "Q-N1")
    with api.client(api_key=SERVICE_KEY) as service:
        queued = service.post("/v1/tasks/claims.adjudicate/Q-N1", params={"mode": "queued"})
        assert queued.status_code == 202
        assert queued.headers["location"] == f"/v1/work-items/{queued.json()['work_item_id']}"
        for _ in range(200):
            state = service.get(queued.headers["location"]).json()
            if state["status"] == "done":
                break
            time.sleep(0.05)
        assert state["route"] == "commit"
    assert len(api.adjudications("Q-N1")) == 1


def test_review_queue_is_filtered_and_ordered(api: Api) -> None:
    """A1 sees only north/commercial non-sensitive items; SUP sees its wider scope; oldest first."""
    with api.client("A1") as a1, api.client("SUP") as sup, api.client("OLD") as old:
        mine = [r["claim_id"] for r in a1.get("/v1/review-items").json()["items"]]
        assert mine == ["RV-N1", "RV-N2", "RV-NHV"]
        theirs = {r["claim_id"] for r in sup.get("/v1/review-items").json()["items"]}
        assert theirs == {"RV-N1", "RV-N2", "RV-NHV", "RV-NBH", "RV-S1"}
        assert old.get("/v1/review-items").json()["items"] == []
        first = a1.get("/v1/review-items").json()["items"][0]
        assert first["findings"] and first["proposal"]["outcome"] == "review"
        assert first["sla_breached"] is False


def test_approve_writes_once_and_audits(api: Api) -> None:
    """An analyst's approval writes one adjudication with rule amounts and a review.decided event."""
    review_id = api.review_id("RV-N1")
    with api.client("A1") as a1:
        decided = a1.post(f"/v1/review-items/{review_id}/decision", json={"action": "approve"})
        assert decided.status_code == 200, decided.text
        body = decided.json()
        assert (body["allowed"], body["paid"], body["decided_by"]) == ("2500.00", "2000.00", "staff:A1")
        again = a1.post(f"/v1/review-items/{review_id}/decision", json={"action": "approve"})
        assert again.status_code == 409
    rows = api.adjudications("RV-N1")
    assert len(rows) == 1
    assert rows[0]["decided_by"] == "staff:A1"
    assert rows[0]["idempotency_key"] == "claims.adjudicate/RV-N1/v1"
    kinds = api.audit_kinds("RV-N1")
    assert kinds[-3:] == ["gate.verdict", "sor.written", "review.decided"]


def test_high_value_needs_the_privilege(api: Api) -> None:
    """The gate's write boundary refuses an analyst's high-value approval; a supervisor passes."""
    review_id = api.review_id("RV-NHV")
    with api.client("A1") as a1, api.client("SUP") as sup:
        refused = a1.post(f"/v1/review-items/{review_id}/decision", json={"action": "approve"})
        assert refused.status_code == 422
        assert any(f["check"] == "write_boundary" for f in refused.json()["findings"])
        assert api.adjudications("RV-NHV") == []
        accepted = sup.post(f"/v1/review-items/{review_id}/decision", json={"action": "approve"})
        assert accepted.status_code == 200
    assert [r["decided_by"] for r in api.adjudications("RV-NHV")] == ["staff:SUP"]


def test_deny_and_pend(api: Api) -> None:
    """A denial needs a known CARC and pays zero; a pend keeps the item open with its comment."""
    review_id = api.review_id("RV-N2")
    with api.client("A1") as a1:
        path = f"/v1/review-items/{review_id}/decision"
        assert a1.post(path, json={"action": "deny"}).status_code == 422
        assert a1.post(path, json={"action": "deny", "carc": "999"}).status_code == 422
        assert (
            a1.post(path, json={"action": "deny", "carc": "26"}).status_code == 422
        )  # rules pass: no CARC 26
        pended = a1.post(path, json={"action": "pend", "comment": "awaiting PT records"})
        assert pended.status_code == 200 and pended.json()["review_status"] == "open"
        denied = a1.post(path, json={"action": "deny", "carc": "50"})
        assert denied.status_code == 200
        assert (denied.json()["allowed"], denied.json()["paid"]) == ("0.00", "0.00")
    assert [(r["outcome"], r["carc_code"]) for r in api.adjudications("RV-N2")] == [("deny", "50")]
    assert api.audit_kinds("RV-N2").count("review.decided") == 2


def test_summary_masks_phi_unless_privileged(api: Api) -> None:
    """An analyst's summary masks the member's name; the supervisor with phi:full sees it."""
    with api.client("A1") as a1, api.client("SUP") as sup:
        masked = " ".join(s["text"] for s in a1.get("/v1/claims/RV-N1/summary").json()["statements"])
        shown = " ".join(s["text"] for s in sup.get("/v1/claims/RV-N1/summary").json()["statements"])
    assert "Ada" not in masked and "***" in masked
    assert "Ada Quill" in shown


def test_ask_answers_from_entitled_documents(api: Api) -> None:
    """A question is answered (possibly with no statement) without a server error."""
    with api.client("A1") as a1:
        r = a1.post("/v1/ask", json={"question": "What does knee arthroscopy require?"})
        assert r.status_code == 200
        assert r.json()["task"] == "claims.ask"
        assert a1.post("/v1/ask", json={"question": ""}).status_code == 422


def test_audit_endpoints_are_for_auditors(api: Api) -> None:
    """The auditor verifies the chain and reads explanations; an analyst gets 403."""
    with api.client("AUD") as aud, api.client("A1") as a1:
        verified = aud.post("/v1/audit/verify").json()
        assert verified["ok"] is True and verified["count"] > 0
        explained = aud.get("/v1/audit/claims/RV-N1/explain").json()
        assert "RV-N1" in explained["text"] and explained["events"] > 0
        record = aud.get("/v1/audit/records/RV-N1/explain").json()
        assert record["record_id"] == "RV-N1" and record["tasks"] == ["claims.adjudicate"]
        assert (record["events"], record["text"]) == (explained["events"], explained["text"])
        assert record["text"].startswith("Record RV-N1 (claims.adjudicate): ")
        assert aud.get("/v1/audit/records/NO-SUCH/explain").json()["events"] == 0
        assert a1.post("/v1/audit/verify").status_code == 403
        assert a1.get("/v1/audit/claims/RV-N1/explain").status_code == 403
        assert a1.get("/v1/audit/records/RV-N1/explain").status_code == 403
        assert aud.get("/v1/review-items").json()["items"] == []


def test_metrics_report_routes_and_backlog(api: Api) -> None:
    """/metrics exposes work items by route and the review backlog in Prometheus text."""
    with api.client() as anon:
        text = anon.get("/metrics").text
    from prometheus_client.parser import text_string_to_metric_families

    done = [
        s
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == "interlock_work_items_done"
        and s.labels["route"] == "review"
        and s.labels["task"] == "claims.adjudicate"
    ]
    assert sum(s.value for s in done) == 5.0  # by reason kind, as `interlock metrics` prints them
    assert "interlock_review_backlog 5.0" in text
