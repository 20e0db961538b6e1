"""The API reading its system of record through PostgreSQL row-level security.

The server connects as the least-privilege reader role with ``sor_row_security`` on,
over the hand-made payer with the shipped policy's row-level security installed. The
server itself runs a *wider* policy file, under which the north analyst A1 may read
every region: interlock's own filter then lets A1 at the south claim RV-S1, and only
the database stands in the way. That is the case row-level security exists for (a
filter that is missing or wrong), made without touching interlock's code.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from fhirclaims import FHIR, fhir_claim
from sqlalchemy import func, select

from interlock.api.app import create_app
from interlock.connectors.pg_access import execute_script, reader_role_sql
from interlock.db import make_engine
from interlock.domains.claims import schema as t
from interlock.domains.claims.pack import ACCESS as CLAIMS_ACCESS
from interlock.domains.claims.testing.api_world import (
    REVIEW_CLAIMS,
    SERVICE_KEY,
    ApiWorld,
    LiveServer,
    TokenIssuer,
    settings_for,
)
from interlock.domains.claims.testing.handmade import add_claim, seed_reference
from interlock.policy.document import default_policy
from interlock.policy.rls import compile_rls
from interlock.web.desk import COOKIE
from pgscratch import scratch_database

pytestmark = pytest.mark.postgres

SHIPPED = Path(__file__).parents[2] / "src/interlock/policy/default_policy.toml"
ASSIGNED = '    { kind = "assignment_contains" },\n'


def wider_policy(path: Path) -> Path:
    """The shipped policy, except that analysts read every region and line of business."""
    shipped = SHIPPED.read_text(encoding="utf-8")
    analyst, rest = shipped.split("[roles.supervisor]", 1)
    assert ASSIGNED in analyst
    wider = analyst.replace(ASSIGNED, "").replace("claims-entitlements@3", "analysts-everywhere@1")
    path.write_text(wider + "[roles.supervisor]" + rest, encoding="utf-8")
    return path


@dataclass
class RlsWorld:
    """A server through the reader role, and the owner's URL to check what really happened."""

    api: ApiWorld
    owner_url: str
    directory: Path

    def claim_status(self, claim_id: str) -> str:
        with self.api.sor.connect() as conn:
            return str(
                conn.execute(select(t.claims.c.status).where(t.claims.c.claim_id == claim_id)).scalar_one()
            )


@pytest.fixture
def rls(tmp_path: Path, issuer: TokenIssuer) -> Iterator[RlsWorld]:
    """The hand-made payer on PostgreSQL, shipped-policy RLS, and the API as the reader role."""
    role = f"interlock_api_{secrets.token_hex(4)}"
    with scratch_database("interlock_apirls", roles=[role]) as url:
        owner_url = url.render_as_string(hide_password=False)
        owner = make_engine(owner_url)
        t.metadata.create_all(owner)
        seed_reference(owner)
        for day, (claim_id, fields) in enumerate(REVIEW_CLAIMS.items(), start=1):
            add_claim(owner, claim_id, service_date=date(2026, 2, day), **fields)
        execute_script(owner, reader_role_sql(role, CLAIMS_ACCESS, login=True))
        execute_script(owner, compile_rls(default_policy()))
        settings = settings_for(tmp_path, issuer).model_copy(
            update={
                "sor_url": url.set(username=role).render_as_string(hide_password=False),
                "sor_row_security": True,
                "policy_file": wider_policy(tmp_path / "wider.toml"),
            }
        )
        store = make_engine(settings.store_url)
        try:
            with LiveServer(create_app(settings)) as server:
                api = ApiWorld(url=server.url, sor=owner, store=store, issuer=issuer)
                yield RlsWorld(api=api, owner_url=owner_url, directory=tmp_path)
        finally:
            store.dispose()
            owner.dispose()


def _desk(api: ApiWorld, staff_id: str, path: str, *, status: int = 200) -> str:
    with api.client() as browser:
        page = browser.get(path, headers={"Cookie": f"{COOKIE}={api.desk_session(staff_id)}"})
    assert page.status_code == status, page.text
    return page.text


def test_an_entitled_claim_is_read_decided_and_queued_through_row_level_security(rls: RlsWorld) -> None:
    """A1 runs, reads, reviews and approves its own claims with every read filtered by the database."""
    api = rls.api
    with api.client("A1") as a1:
        run = a1.post("/v1/tasks/claims.adjudicate/RV-N1")
        assert run.status_code == 200, run.text
        assert run.json()["route"] == "review"
        summary = a1.get("/v1/claims/RV-N1/summary")
        assert summary.status_code == 200, summary.text
        assert summary.json()["claim_id"] == "RV-N1" and summary.json()["statements"]
        review_id = api.review_id("RV-N1")
        item = a1.get(f"/v1/review-items/{review_id}")
        assert item.status_code == 200 and item.json()["claim_id"] == "RV-N1"
        page = _desk(api, "A1", f"/desk/reviews/{review_id}")
        assert "RV-N1" in page and "Not found" not in page
        decided = a1.post(f"/v1/review-items/{review_id}/decision", json={"action": "approve"})
        assert decided.status_code == 200, decided.text
        # Queued: a background thread runs it, acting as A1 through the engine itself.
        queued = a1.post("/v1/tasks/claims.adjudicate/RV-N2", params={"mode": "queued"})
        assert queued.status_code == 202, queued.text
        for _ in range(300):
            state = a1.get(queued.headers["location"]).json()
            if state["status"] == "done":
                break
            time.sleep(0.05)
        assert (state["status"], state["route"]) == ("done", "review")
    assert [r["decided_by"] for r in api.adjudications("RV-N1")] == ["staff:A1"]
    assert rls.claim_status("RV-N1") == "adjudicated"


def test_a_claim_refused_by_both_filters_is_a_404(rls: RlsWorld) -> None:
    """A behavioral-health claim in A1's region: both filters refuse it, and the answer is a 404 problem."""
    with rls.api.client("A1") as a1:
        for method, path in (
            ("POST", "/v1/tasks/claims.adjudicate/RV-NBH"),
            ("POST", "/v1/tasks/claims.adjudicate/RV-NBH?mode=queued"),
            ("GET", "/v1/claims/RV-NBH/summary"),
        ):
            r = a1.request(method, path)
            assert r.status_code == 404, (path, r.text)
            assert r.headers["content-type"] == "application/problem+json"
    assert rls.api.adjudications("RV-NBH") == []


def test_the_database_refuses_what_a_too_wide_filter_lets_through(rls: RlsWorld, issuer: TokenIssuer) -> None:
    """The server's policy lets A1 at the south claim; the reader role's RLS does not: 404, nothing written."""
    api = rls.api
    # Control: the same wide policy over the owner's connection (no row-level security)
    # really does show A1 the south claim. Only the database refuses it below.
    (rls.directory / "plain").mkdir()
    plain = settings_for(rls.directory / "plain", issuer).model_copy(
        update={"sor_url": rls.owner_url, "policy_file": rls.directory / "wider.toml"}
    )
    with LiveServer(create_app(plain)) as server:
        unguarded = ApiWorld(url=server.url, sor=api.sor, store=api.store, issuer=issuer)
        with unguarded.client("A1") as a1:
            assert a1.get("/v1/claims/RV-S1/summary").status_code == 200

    with api.client(api_key=SERVICE_KEY) as service:  # a review item for the south claim
        assert service.post("/v1/tasks/claims.adjudicate/RV-S1").json()["route"] == "review"
    review_id = api.review_id("RV-S1")
    with api.client("A1") as a1:
        for method, path, body in (
            ("GET", "/v1/claims/RV-S1/summary", None),
            ("POST", "/v1/tasks/claims.adjudicate/RV-S1", None),
            ("POST", "/v1/tasks/claims.adjudicate/RV-S1?mode=queued", None),
            ("GET", f"/v1/review-items/{review_id}", None),
            ("POST", f"/v1/review-items/{review_id}/decision", {"action": "approve"}),
            ("POST", f"/v1/review-items/{review_id}/decision", {"action": "pend", "comment": "probe"}),
        ):
            r = a1.request(method, path, json=body)
            assert r.status_code == 404, (method, path, r.text)
            assert r.headers["content-type"] == "application/problem+json"
    page = _desk(api, "A1", f"/desk/reviews/{review_id}", status=404)
    assert "Not found" in page and "RV-S1" not in page
    assert api.adjudications("RV-S1") == []
    assert rls.claim_status("RV-S1") == "pended"  # as the service's run left it
    assert "review.decided" not in api.audit_kinds("RV-S1")
    # A2 is entitled to it under both policies, and decides it through the same server.
    with api.client("A2") as a2:
        decided = a2.post(f"/v1/review-items/{review_id}/decision", json={"action": "approve"})
        assert decided.status_code == 200, decided.text
    assert [r["decided_by"] for r in api.adjudications("RV-S1")] == ["staff:A2"]


def test_intake_through_the_reader_role_is_a_clear_503_and_adds_nothing(rls: RlsWorld) -> None:
    """The reader role may not add claims by design: the answer says so, nothing is written."""
    with rls.api.client(api_key=SERVICE_KEY) as service:
        answer = service.post("/v1/claims/fhir", json=fhir_claim("CLM-RLS-1"), headers=FHIR)
    assert answer.status_code == 503, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert problem["type"].endswith("/intake-unavailable")
    assert "may not add claims" in problem["detail"]
    with rls.api.sor.connect() as conn:
        count = conn.execute(select(func.count()).select_from(t.claims)).scalar_one()
    assert count == len(REVIEW_CLAIMS)
