"""The integration guide's tickets.refund domain served by the real API over its own SQL tables.

The domain is registered in code (it is an example, not an installed package) by the
example's own ``serve`` module, the server serves it (``ApiSettings.domain``), and every
generic route answers for its task: the run, the work item, the review queue, the
decision. Nothing here is claims-shaped.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx2 as httpx
import pytest
from sqlalchemy import insert, select

from interlock.db import make_engine
from interlock.domains.claims.testing.api_world import write_api_keys
from interlock.testing import FunctionModel
from interlock.testing.server import LiveServer, TokenIssuer
from tickets_refund import schema
from tickets_refund.question import RefundQuestion
from tickets_refund.serve import tickets_app, tickets_settings

KEY = "ilk_test_tickets_key_0123456789abcdef"
DAMAGED = "The mug arrived broken in two pieces, the handle snapped off in the box."
SCOPE = 'assignments = ["*"]\nsensitivities = ["*"]\ntasks = { "tickets.refund" = ["finalize", "pend"] }\n'


def honest(question: RefundQuestion) -> str:
    """A model that reads the first message correctly and quotes it."""
    item_id, body = question.messages[0]
    return json.dumps(
        {"reason": "damaged", "confidence": 0.97, "citations": [{"item_id": item_id, "quote": body[:40]}]}
    )


def _seed(url: str) -> None:
    sor = make_engine(url)
    schema.metadata.create_all(sor)
    with sor.begin() as conn:
        for agent, region in (("A1", "eu"), ("B1", "us")):
            conn.execute(
                insert(schema.agents).values(
                    agent_id=agent,
                    role="agent",
                    active=True,
                    region=region,
                    product_line="retail",
                    privileges="",
                )
            )
        for ticket_id, amount in (("T-1", "40.00"), ("T-2", "900.00")):
            conn.execute(
                insert(schema.tickets).values(
                    ticket_id=ticket_id,
                    version=1,
                    status="open",
                    region="eu",
                    product_line="retail",
                    confidentiality="none",
                    customer_email="ana@example.org",
                    order_total="1200.00",
                    requested_amount=amount,
                    delivered_on=date(2026, 2, 20),
                    opened_on=date(2026, 3, 1),
                )
            )
            conn.execute(
                insert(schema.ticket_messages).values(
                    message_id=f"M-{ticket_id}",
                    ticket_id=ticket_id,
                    version=1,
                    author="customer",
                    body=DAMAGED,
                )
            )
    sor.dispose()


class Served:
    """A live server for the tickets domain and the clients a test needs."""

    def __init__(self, tmp_path: Path) -> None:
        self.sor_url = f"sqlite:///{tmp_path / 'tickets.db'}"
        _seed(self.sor_url)
        self.issuer = TokenIssuer()
        settings = tickets_settings(
            sor_url=self.sor_url,
            store_url=f"sqlite:///{tmp_path / 'store.db'}",
            jwks_file=self.issuer.write_jwks(tmp_path / "jwks.json"),
            jwt_issuer=self.issuer.issuer,
            jwt_audience=self.issuer.audience,
            api_keys_file=write_api_keys(tmp_path / "keys.toml", {KEY: "batch"}, {KEY: SCOPE}),
            queue_workers=0,
            cookie_secure=False,
        )
        self.server = LiveServer(tickets_app(settings, model=FunctionModel.replying(honest)))

    def client(self, *, staff: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.issuer.token(staff)}"} if staff else {"X-API-Key": KEY}
        return httpx.Client(base_url=self.server.url, headers=headers, timeout=30)

    def refunds(self) -> dict[str, tuple[str, str, str]]:
        sor = make_engine(self.sor_url)
        try:
            with sor.connect() as conn:
                rows = conn.execute(select(schema.refunds)).mappings().all()
        finally:
            sor.dispose()
        return {
            str(r["ticket_id"]): (str(r["outcome"]), str(r["amount"]), str(r["decided_by"])) for r in rows
        }


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    world = Served(tmp_path)
    with world.server:
        yield world


def test_the_generic_routes_run_review_and_decide_a_second_domain(served: Served) -> None:
    """tickets.refund through /v1/tasks, /v1/work-items and the review routes, written once."""
    with served.client() as service, served.client(staff="A1") as agent:
        small = service.post("/v1/tasks/tickets.refund/T-1")
        assert small.status_code == 200, small.text
        body = small.json()
        assert (body["task"], body["record_id"], body["route"], body["outcome"]) == (
            "tickets.refund",
            "T-1",
            "commit",
            "approve",
        )
        assert body["claim_id"] is None and body["carc"] is None  # no claims names on another domain
        item = service.get(f"/v1/work-items/{body['work_item_id']}").json()
        assert (item["task"], item["record_id"], item["status"]) == ("tickets.refund", "T-1", "done")

        big = service.post("/v1/tasks/tickets.refund/T-2").json()
        assert big["route"] == "review"  # above the 500.00 the service may refund on its own
        page = agent.get("/v1/review-items", params={"task": "tickets.refund"}).json()
        assert [(i["task"], i["record_id"], i["amount"]) for i in page["items"]] == [
            ("tickets.refund", "T-2", "900.00")
        ]
        # The queue keeps the attributes the policy's tickets resource declares, by their names.
        assert page["items"][0]["attributes"] == {
            "region": "eu",
            "product_line": "retail",
            "confidentiality": "none",
        }
        review_id = page["items"][0]["review_id"]
        decided = agent.post(f"/v1/review-items/{review_id}/decision", json={"action": "approve"})
        assert decided.status_code == 200, decided.text
        assert (decided.json()["record_id"], decided.json()["decided_by"]) == ("T-2", "staff:A1")
        again = service.post("/v1/tasks/tickets.refund/T-1").json()
        assert again["outcome"] == "approve"  # the recorded result, not a second refund
    refunds = served.refunds()
    assert set(refunds) == {"T-1", "T-2"}
    assert refunds["T-1"][:2] == ("approve", "40.00") and refunds["T-1"][2].startswith("auto:")
    assert refunds["T-2"] == ("approve", "900.00", "staff:A1")


def test_another_region_and_an_unserved_task_are_the_same_404(served: Served) -> None:
    """An agent of another region sees neither the ticket nor its review item; unknown tasks are hidden too."""
    with served.client() as service, served.client(staff="B1") as outsider:
        service.post("/v1/tasks/tickets.refund/T-2")
        review_id = service.get("/v1/review-items").json()["items"][0]["review_id"]
        assert outsider.get(f"/v1/review-items/{review_id}").status_code == 404
        assert (
            outsider.post(f"/v1/review-items/{review_id}/decision", json={"action": "approve"}).status_code
            == 404
        )
        assert outsider.get("/v1/review-items").json()["items"] == []
        assert outsider.post("/v1/tasks/tickets.refund/T-1").status_code == 404
        missing = service.post("/v1/tasks/claims.adjudicate/T-1")
        assert missing.status_code == 404
        assert missing.json()["type"] == service.post("/v1/tasks/tickets.refund/T-NOPE").json()["type"]
    assert "T-1" not in served.refunds()
