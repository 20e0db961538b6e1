"""Quality sampling on the review desk and the API: a blind item, a closed path, the quality page, reopening.

A real server on loopback over SQLite, the hand-made payer of the API tests, and
Debian's Chromium driven by Playwright. Claims OK-N1, OK-N2 and OK-N3 are approved by
the rules; the sampling key is chosen so that OK-N1 is sampled and the other two are
not. The supervisor decides OK-N1 blind and pends it, which does not uphold the
automatic approval: with one sample required and a 99% target the claims path closes,
OK-N2 then goes to a person, the quality page shows it, and the supervisor reopens it.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import httpx2 as httpx
import playwright.sync_api as playwright_api
import pytest
from sqlalchemy import select

from interlock.api.app import create_app
from interlock.audit.chain import audit_events
from interlock.db import make_engine
from interlock.domains.claims.testing.api_world import (
    SERVICE_KEY,
    ApiWorld,
    LiveServer,
    TokenIssuer,
    seed_review_world,
)
from interlock.domains.claims.testing.handmade import add_claim
from interlock.quality.sampling import SAMPLE_REASON, draw
from interlock.settings import QualitySection
from interlock.store.schema import quality_samples
from interlock.work.store import idempotency_key_for

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "web"
TASK = "claims.adjudicate"
RATE = 0.5


def _key() -> str:
    """A sampling key under which OK-N1 is sampled at :data:`RATE` and OK-N2, OK-N3 are not."""
    for n in range(1000):
        key = f"desk-test-key-{n}"
        draws = [draw(key.encode(), idempotency_key_for(TASK, c, 1)) for c in ("OK-N1", "OK-N2", "OK-N3")]
        if draws[0] < RATE <= min(draws[1:]):
            return key
    raise AssertionError("no key samples exactly OK-N1")


@dataclass
class QualityWorld:
    """The running server and its databases."""

    api: ApiWorld

    def run(self, claim_id: str) -> dict[str, object]:
        """Adjudicate one claim as the service, over HTTP."""
        with self.api.client(api_key=SERVICE_KEY) as client:
            response = client.post(f"/v1/tasks/{TASK}/{claim_id}")
            assert response.status_code == 200, response.text
            answer: dict[str, object] = response.json()
            return answer


@pytest.fixture
def world(tmp_path: Path) -> Iterator[QualityWorld]:
    """The hand-made payer plus OK-N2 and OK-N3, served with sampling and a 99% target."""
    issuer = TokenIssuer()
    settings = seed_review_world(tmp_path, issuer)
    sor = make_engine(settings.sor_url)
    for day, claim_id in ((7, "OK-N2"), (8, "OK-N3")):
        add_claim(sor, claim_id, service_date=date(2026, 2, day))
    settings = settings.model_copy(
        update={
            "quality": QualitySection(
                sample_rate=RATE,
                sample_key=_key(),
                target_precision=0.99,
                min_samples=1,
                reopen_roles=("supervisor",),
            )
        }
    )
    store = make_engine(settings.store_url)
    with LiveServer(create_app(settings)) as server:
        yield QualityWorld(api=ApiWorld(url=server.url, sor=sor, store=store, issuer=issuer))
    sor.dispose()
    store.dispose()


@pytest.fixture
def page(world: QualityWorld) -> Iterator[playwright_api.Page]:
    """A fresh page of Debian's Chromium."""
    if not Path(CHROMIUM).exists():
        message = "Debian's chromium is not installed (.ci/run installs it)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        context = browser.new_context(base_url=world.api.url)
        context.set_default_timeout(15_000)
        yield context.new_page()
        context.close()
        browser.close()


def _sign_in(page: playwright_api.Page, world: QualityWorld, staff_id: str) -> None:
    page.goto("/desk/login")
    page.fill("#token", world.api.issuer.token(staff_id))
    page.click("#sign-in")
    page.wait_for_selector("#who")


def test_a_sampled_item_is_blind_on_the_api(world: QualityWorld) -> None:
    """The sampled claim's run, work item and review item show no proposal, code, confidence or sampling."""
    answer = world.run("OK-N1")
    assert (answer["route"], answer["outcome"], answer["reason"]) == ("review", "review", SAMPLE_REASON)
    review_id = world.api.review_id("OK-N1")
    with world.api.client("SUP") as supervisor:
        item = supervisor.get(f"/v1/review-items/{review_id}").json()
        work = supervisor.get(f"/v1/work-items/{item['work_item_id']}").json()
    assert item["proposal"] == {} and item["findings"] == [] and item["reason"] == SAMPLE_REASON
    shown = json.dumps([answer, item, work]).lower()
    for word in ("sample", "withheld", "approve", "confidence", "quality"):
        assert word not in shown, word
    # The withheld decision is kept in the store: the rules' approval with its amounts.
    with world.api.store.connect() as conn:
        kept = json.loads(conn.execute(select(quality_samples.c.withheld)).scalar_one())
    assert (kept["outcome"], kept["reason_code"], kept["basis"]) == ("approve", None, "rules")
    assert kept["facts"]["allowed"] and kept["model"].startswith("rules:")
    # Not sampled: OK-N2 is written at once.
    assert world.run("OK-N2")["route"] == "commit"


def test_quality_is_readable_by_auditors_and_reopened_only_by_reopen_roles(world: QualityWorld) -> None:
    """GET /v1/quality: auditor yes, analyst 403; reopening: analyst 403, an open path 409."""
    world.run("OK-N1")
    with (
        world.api.client("AUD") as auditor,
        world.api.client("A1") as analyst,
        world.api.client("SUP") as sup,
    ):
        report = auditor.get("/v1/quality").json()
        assert report["method"] == "Wilson score interval"
        (claims,) = report["tasks"]
        assert (claims["task"], claims["samples"], claims["awaiting"], claims["path"]["state"]) == (
            TASK,
            1,
            1,
            "open",
        )
        assert analyst.get("/v1/quality").status_code == 403
        assert analyst.post(f"/v1/tasks/{TASK}/quality/reopen").status_code == 403
        conflict = sup.post(f"/v1/tasks/{TASK}/quality/reopen")
        assert conflict.status_code == 409 and conflict.json()["type"].endswith("path-not-closed")


def test_blind_review_closes_the_path_and_the_quality_page_reopens_it(
    world: QualityWorld, page: playwright_api.Page
) -> None:
    """Blind page, a not-upheld sample closes the path, later claims go to people, the page reopens it."""
    world.run("OK-N1")
    _sign_in(page, world, "SUP")
    page.click("text=OK-N1")
    page.wait_for_selector("#claim-id")
    page.screenshot(path=str(ARTIFACTS / "quality-blind-claim.png"), full_page=True)
    assert page.locator("#no-proposal").is_visible()
    assert page.locator("#proposed-outcome").count() == 0 and page.locator("#confidence").count() == 0
    assert page.locator("button.proposed").count() == 0  # no decision button marked as proposed
    assert page.inner_text("#why").lower() == SAMPLE_REASON
    assert "sample" not in page.content().lower()

    page.fill("#comment", "operative report requested")
    page.click("#pend")
    page.wait_for_selector("#done")

    # The pend did not uphold the automatic approval: 0 of 1, Wilson upper bound below 99%.
    held = world.run("OK-N2")
    assert held["route"] == "review" and str(held["reason"]).startswith("automatic path closed")
    assert world.api.adjudications("OK-N2") == []

    page.click("#quality-link")
    page.wait_for_selector(".task-quality")
    section = page.locator(f'.task-quality[data-task="{TASK}"]')
    assert section.locator(".path-state").inner_text() == "closed"
    assert "below the target 99.0%" in section.locator(".path-reason").inner_text()
    row = section.locator("tr.day")
    assert row.count() == 1
    assert (row.locator(".decided").inner_text(), row.locator(".upheld").inner_text()) == ("1", "0")
    assert section.locator("svg.chart circle").count() == 1
    page.screenshot(path=str(ARTIFACTS / "quality-closed.png"), full_page=True)

    section.locator("button.reopen").click()
    page.wait_for_selector("#done")
    section = page.locator(f'.task-quality[data-task="{TASK}"]')
    assert section.locator(".path-state").inner_text() == "open"
    assert section.locator("button.reopen").count() == 0
    page.screenshot(path=str(ARTIFACTS / "quality-reopened.png"), full_page=True)
    assert world.run("OK-N3")["route"] == "commit"

    with world.api.store.connect() as conn:
        changes = [
            json.loads(body)
            for body in conn.execute(
                select(audit_events.c.body)
                .where(audit_events.c.kind == "config.changed")
                .order_by(audit_events.c.seq)
            ).scalars()
        ]
    assert [(c["outcome"], c["principal"]) for c in changes] == [
        ("closed", "interlock:quality"),
        ("reopened", "staff:SUP"),
    ]


def test_an_analyst_sees_no_quality_page(world: QualityWorld, page: playwright_api.Page) -> None:
    """Staff outside the viewer roles get neither the link nor the page."""
    _sign_in(page, world, "A1")
    assert page.locator("#quality-link").count() == 0
    response = page.goto("/desk/quality")
    assert response is not None and response.status == 404
    assert httpx.get(f"{world.api.url}/desk/quality", follow_redirects=False).status_code == 303
