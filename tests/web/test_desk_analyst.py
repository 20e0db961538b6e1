"""The desk an analyst works in, in Debian's Chromium: paging, filters, preselected proposals, amounts, next."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import playwright.sync_api as playwright_api
import pytest
from sqlalchemy import select, update

from interlock.domains.claims.connector import SqlClaimsConnector
from interlock.domains.claims.desk_view import money
from interlock.domains.claims.rules import compute_amounts
from interlock.domains.claims.testing.api_world import ApiWorld
from interlock.policy.document import default_policy
from interlock.policy.principal import service_principal
from interlock.store.schema import review_attributes, review_items, work_items
from interlock.web.charts import time_buckets

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "web"


@pytest.fixture
def page(api: ApiWorld) -> Iterator[playwright_api.Page]:
    """A fresh page in Debian's Chromium, signed in as A1 (north, commercial)."""
    if not Path(CHROMIUM).exists():
        message = "Debian's chromium is not installed"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--headless", "--no-sandbox"], headless=True
        )
        context = browser.new_context(base_url=api.url)
        context.set_default_timeout(15_000)
        tab = context.new_page()
        tab.goto("/desk/login")
        tab.fill("#token", api.issuer.token("A1"))
        tab.click("#sign-in")
        tab.wait_for_selector("#queue")
        yield tab
        context.close()
        browser.close()


def _copies_of(api: ApiWorld, claim_id: str, n: int) -> None:
    """Open ``n`` more review items like ``claim_id``'s (a backlog of hundreds, made in the store)."""
    with api.store.begin() as conn:
        item = dict(
            conn.execute(select(review_items).where(review_items.c.record_id == claim_id)).mappings().one()
        )
        work = dict(
            conn.execute(select(work_items).where(work_items.c.work_item_id == item["work_item_id"]))
            .mappings()
            .one()
        )
        for i in range(n):
            wid = f"wi-copy{i:05d}"
            conn.execute(
                work_items.insert().values(
                    {**work, "work_item_id": wid, "idempotency_key": f"copy-{i}", "record_version": 1000 + i}
                )
            )
            conn.execute(
                review_items.insert().values(
                    {**item, "review_id": f"rv-copy{i:05d}", "work_item_id": wid, "record_id": f"CP-{i:05d}"}
                )
            )
            conn.execute(
                review_attributes.insert(),
                [
                    {"review_id": f"rv-copy{i:05d}", "name": name, "value": value}
                    for name, value in json.loads(item["attributes"]).items()
                ],
            )


def test_the_queue_pages_past_500_items_with_counts(api: ApiWorld, page: playwright_api.Page) -> None:
    """With 623 open items the queue shows a count, 50 rows a page, and pages on to the last item."""
    _copies_of(api, "RV-N1", 620)
    page.goto("/desk")
    assert page.inner_text("#total") == "623"
    assert page.inner_text("#range") == "1–50"
    assert page.locator("tr.review-row").count() == 50
    page.click("#next-page")
    page.wait_for_selector("#queue")
    assert page.inner_text("#range") == "51–100"
    page.goto("/desk?page=13")
    assert page.inner_text("#page-of") == "page 13 of 13"
    assert page.locator("tr.review-row").count() == 23
    shown = page.locator("tr.review-row").evaluate_all("rows => rows.map(r => r.dataset.claim)")
    assert "CP-00619" in shown or "RV-N2" in shown  # the tail of the queue, well past row 500
    assert page.locator("#next-page").count() == 0
    page.screenshot(path=str(ARTIFACTS / "queue-last-page.png"), full_page=True)


def test_the_queue_filters_by_reason_region_and_age(api: ApiWorld, page: playwright_api.Page) -> None:
    """Each filter narrows the rows and the count; the reason column reads in words."""
    page.select_option("#filter-reason", "high_value")
    page.click("#apply-filters")
    page.wait_for_selector("#counts")
    assert page.locator("tr.review-row").evaluate_all("rows => rows.map(r => r.dataset.claim)") == ["RV-NHV"]
    assert page.inner_text("#total") == "1"
    assert page.inner_text("tr.review-row .why").startswith("High value: billed 12,000.00")
    assert page.inner_text("tr.review-row td.num") == "$12,000.00"
    page.screenshot(path=str(ARTIFACTS / "queue-filtered.png"), full_page=True)
    page.goto("/desk?region=south")
    assert page.locator("tr.review-row").count() == 0  # A1 works north only
    # One item opened ten days ago is the only one "over 7 days".
    old = datetime.now(UTC).replace(tzinfo=None) - timedelta(days=10)
    with api.store.begin() as conn:
        conn.execute(update(review_items).where(review_items.c.record_id == "RV-N2").values(opened_at=old))
    page.goto("/desk")
    page.select_option("#filter-age", "168")
    page.click("#apply-filters")
    page.wait_for_selector("#counts")
    assert page.locator("tr.review-row").evaluate_all("rows => rows.map(r => r.dataset.claim)") == ["RV-N2"]


def _make_a_low_confidence_denial(api: ApiWorld, claim_id: str) -> None:
    """Turn ``claim_id``'s review item into what a not-confident-enough CARC 50 proposal leaves."""
    with api.store.begin() as conn:
        proposal = json.loads(
            conn.execute(
                select(review_items.c.proposal).where(review_items.c.record_id == claim_id)
            ).scalar_one()
        )
        proposal.update(outcome="deny", carc="50", confidence=0.805)
        conn.execute(
            update(review_items)
            .where(review_items.c.record_id == claim_id)
            .values(
                proposal=json.dumps(proposal),
                reason="confidence: confidence 0.805 below the deny threshold 0.90",
                findings=json.dumps(
                    [
                        {
                            "check": "confidence",
                            "severity": "review",
                            "reason": "confidence 0.805 below the deny threshold 0.90",
                        }
                    ]
                ),
            )
        )


def test_a_carc_50_proposal_preselects_deny_50_and_decide_and_next_moves_on(
    api: ApiWorld, page: playwright_api.Page
) -> None:
    """Deny on a CARC 50 proposal is preselected to 50 with its meaning; the reason shows once; next opens the next item."""
    _make_a_low_confidence_denial(api, "RV-N2")
    page.goto(f"/desk/reviews/{api.review_id('RV-N2')}")
    page.wait_for_selector("#claim-id")
    assert page.input_value("#carc") == "50"
    assert page.inner_text("#carc option:checked") == "50: not considered medically necessary"
    assert "proposed" in (page.get_attribute("#deny", "class") or "")
    text = page.inner_text("main")
    assert (
        page.inner_text("#why")
        == "Low confidence: the model was 80.5% sure of denying; 90% is needed to finalize"
    )
    assert text.count("sure of denying") == 1 and "below the deny threshold" not in text
    assert page.inner_text("#total-billed") == "$3,000.00"
    page.screenshot(path=str(ARTIFACTS / "claim-carc-50.png"), full_page=True)
    page.click("#deny-next")
    page.wait_for_selector("#done")
    assert page.inner_text("#done") == "Decision recorded: deny on RV-N2"
    assert page.inner_text("#claim-id") != "RV-N2"  # the next open item of the queue
    assert [(r["outcome"], r["carc_code"]) for r in api.adjudications("RV-N2")] == [("deny", "50")]


def test_the_claim_page_shows_amounts_per_line_and_code_descriptions(
    api: ApiWorld, page: playwright_api.Page
) -> None:
    """Each line shows what an approval allows and pays (as money); diagnoses carry their descriptions."""
    connector = SqlClaimsConnector(api.sor)
    ctx = connector.fetch_context("RV-N1", default_policy().claim_scope(service_principal()))
    assert ctx is not None
    expected = compute_amounts(ctx).lines[0]
    page.goto(f"/desk/reviews/{api.review_id('RV-N1')}")
    page.wait_for_selector("#lines")
    line = page.locator("tr.line").first
    assert line.locator(".allowed").inner_text() == money(expected.allowed)
    assert line.locator(".paid").inner_text() == money(expected.paid)
    assert line.inner_text().count("$") == 3
    for code in ctx.diagnoses:
        item = page.locator("#diagnoses li", has_text=code).inner_text()
        assert len(item) > len(code) + 5  # the code and its meaning
    page.screenshot(path=str(ARTIFACTS / "claim-lines.png"), full_page=True)


def test_a_missing_review_item_answers_404(page: playwright_api.Page) -> None:
    """The desk's not-found page is served with HTTP 404, not 200."""
    response = page.goto("/desk/reviews/rv-does-not-exist")
    assert response is not None and response.status == 404
    assert page.inner_text("h1") == "Not found"


def test_the_throughput_chart_has_columns_at_demo_scale() -> None:
    """Work done within a few minutes is drawn in many columns, not one block for the hour."""
    start = datetime(2026, 12, 1, 10, 0, 0, tzinfo=UTC)
    burst = [(start + timedelta(seconds=s), 10) for s in range(0, 95)]
    buckets = time_buckets(burst)
    assert 10 <= len(buckets) <= 40
    assert sum(n for _, n in buckets) == 950
    day = [(start + timedelta(hours=h), 5) for h in range(0, 24)]
    assert [label for label, _ in time_buckets(day)][:2] == ["12-01 10:00", "12-01 11:00"]
