"""Finding 2: a person may not decide a record they submitted (recorded in Interlock's store)."""

from __future__ import annotations

from pathlib import Path

from securityworld import post_fhir, review_bound_claim, scoped_world
from sqlalchemy import select

from interlock.domains.claims.testing.api_world import TokenIssuer
from interlock.policy.document import default_policy
from interlock.policy.principal import service_principal, staff_principal
from interlock.store.schema import record_authors


def test_a_person_cannot_approve_a_claim_they_ingested(
    tmp_path: Path, adjudicated: Path, issuer: TokenIssuer
) -> None:
    """A1 ingests and runs a claim to review; A1's approval and pend are refused, a supervisor's passes."""
    with scoped_world(tmp_path, adjudicated, issuer) as world:
        with world.client("A1") as a1:
            created = post_fhir(a1, review_bound_claim("SOD-1"))
            assert created.status_code == 201, created.text
            claim_id = created.json()["claim_id"]
            run = a1.post(f"/v1/tasks/claims.adjudicate/{claim_id}")
            assert run.json()["route"] == "review", run.text
            review_id = world.review_id(claim_id)
            for decision in ({"action": "approve"}, {"action": "pend", "comment": "waiting"}):
                refused = a1.post(f"/v1/review-items/{review_id}/decision", json=decision)
                assert refused.status_code == 422, refused.text
                assert "separation of duties" in refused.text
        assert world.adjudications(claim_id) == []
        with world.store.connect() as conn:
            authors = conn.execute(
                select(record_authors.c.principal, record_authors.c.action).where(
                    record_authors.c.record_id == claim_id
                )
            ).all()
        assert [tuple(a) for a in authors] == [("staff:A1", "submitted")]
        with world.client("SUP") as sup:
            approved = sup.post(f"/v1/review-items/{review_id}/decision", json={"action": "approve"})
            assert approved.status_code == 200, approved.text
        assert [a["decided_by"] for a in world.adjudications(claim_id)] == ["staff:SUP"]


def test_the_write_boundary_refuses_authors_for_every_task() -> None:
    """The compiled boundary of any task refuses a person who authored the record; services are not bound."""
    policy = default_policy()
    a1 = staff_principal(
        staff_id="A1",
        role="analyst",
        active=True,
        assignments=frozenset({("north", "commercial")}),
        privileges=frozenset(),
    )
    for task in ("claims.adjudicate", "claims.ingest", "claims.undeclared"):
        boundary = policy.write_boundary(task, a1).for_record(frozenset({"staff:A1"}))
        assert not boundary.decide_author().allowed
        assert "separation of duties" in boundary.decide_author().reasons[0]
        assert policy.write_boundary(task, a1).for_record(frozenset({"staff:SUP"})).decide_author().allowed
    service = policy.write_boundary("claims.adjudicate", service_principal("feed"))
    assert service.for_record(frozenset({"service:feed"})).decide_author().allowed
