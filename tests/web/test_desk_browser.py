"""The review desk in Debian's Chromium, driven by Playwright, over a real server and SQLite."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import playwright.sync_api as playwright_api
import pytest

from interlock.domains.claims.testing.api_world import ApiWorld, TokenIssuer

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "web"


@pytest.fixture
def page(api: ApiWorld) -> Iterator[playwright_api.Page]:
    """A fresh browser page (Debian's Chromium, never a downloaded build)."""
    if not Path(CHROMIUM).exists():
        message = "Debian's chromium is not installed (.ci/run installs it)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        context = browser.new_context(base_url=api.url)
        context.set_default_timeout(15_000)
        yield context.new_page()
        context.close()
        browser.close()


def test_analyst_reviews_and_approves_a_claim(api: ApiWorld, page: playwright_api.Page) -> None:
    """A1 logs in, sees only entitled claims with masked PHI, approves one; it is written once and audited."""
    page.goto("/desk")
    assert page.url.endswith("/desk/login")
    page.fill("#token", api.issuer.token("A1"))
    page.click("#sign-in")
    page.wait_for_selector("#queue")
    page.screenshot(path=str(ARTIFACTS / "queue.png"), full_page=True)
    shown = page.locator("tr.review-row").evaluate_all("rows => rows.map(r => r.dataset.claim)")
    assert shown == ["RV-N1", "RV-N2", "RV-NHV"]
    assert "RV-S1" not in page.content() and "RV-NBH" not in page.content()

    page.click("text=RV-N1")
    page.wait_for_selector("#claim-id")
    assert page.inner_text("#member-name") == "*** ***"
    assert page.inner_text("#member-ssn") == "***"
    assert "Ada" not in page.content()
    assert page.locator("#findings").inner_text().strip() != ""
    assert page.locator("mark.criterion").count() >= 1  # the knee policy's numbered criteria
    page.screenshot(path=str(ARTIFACTS / "claim.png"), full_page=True)

    page.click("#approve")
    page.wait_for_selector("#done")
    assert page.inner_text("#claim-status") == "adjudicated"
    page.screenshot(path=str(ARTIFACTS / "approved.png"), full_page=True)

    rows = api.adjudications("RV-N1")
    assert len(rows) == 1
    assert (rows[0]["outcome"], rows[0]["decided_by"]) == ("approve", "staff:A1")
    assert "review.decided" in api.audit_kinds("RV-N1")

    page.goto("/desk/ops")
    page.wait_for_selector("#audit-status")
    assert page.inner_text("#audit-status") == "verified"
    assert page.inner_text("#backlog") == "4"
    page.screenshot(path=str(ARTIFACTS / "ops.png"), full_page=True)


def test_login_refuses_a_forged_token(api: ApiWorld, page: playwright_api.Page) -> None:
    """The login form validates the JWT exactly like the API: a token from another key is refused."""
    forged = TokenIssuer(issuer=api.issuer.issuer, audience=api.issuer.audience).token("SUP")
    page.goto("/desk/login")
    page.fill("#token", forged)
    page.click("#sign-in")
    page.wait_for_selector("#error")
    page.goto("/desk")
    assert page.url.endswith("/desk/login")
