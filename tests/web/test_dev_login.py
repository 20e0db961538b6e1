"""`serve --dev-login`: pick a staff member on the desk's login page, or call the API with the printed key."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx2 as httpx
import playwright.sync_api as playwright_api
import pytest

from interlock.api.app import create_app
from interlock.api.devlogin import DevLogin, is_loopback
from interlock.api.keys import load_api_keys
from interlock.api.services import Services
from interlock.api.settings import ApiSettings
from interlock.domains.claims.testing.api_world import LiveServer
from interlock.policy.document import default_policy
from interlock.review.queue import open_reviews

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "web"


@dataclass
class DevServer:
    url: str
    dev: DevLogin


@pytest.fixture
def dev_server(tmp_path: Path, adjudicated: Path) -> Iterator[DevServer]:
    """A server over a copy of the adjudicated databases, configured as `serve --dev-login` configures it."""
    for name in ("sor.db", "store.db"):
        shutil.copy(adjudicated / name, tmp_path / name)
    dev = DevLogin()
    settings = ApiSettings(
        sor_url=f"sqlite:///{tmp_path / 'sor.db'}",
        store_url=f"sqlite:///{tmp_path / 'store.db'}",
        queue_workers=1,
        cookie_secure=False,
    ).model_copy(update=dev.settings_overrides(tmp_path))
    services = Services(settings)
    services.dev_login = dev
    with LiveServer(create_app(settings, services=services)) as server:
        yield DevServer(url=server.url, dev=dev)


@pytest.fixture
def browser_page(dev_server: DevServer) -> Iterator[playwright_api.Page]:
    """A page in Debian's Chromium on the development server."""
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
        context = browser.new_context(base_url=dev_server.url)
        context.set_default_timeout(15_000)
        yield context.new_page()
        context.close()
        browser.close()


def test_the_login_page_lists_active_staff_and_signs_in_as_the_one_chosen(
    dev_server: DevServer, browser_page: playwright_api.Page
) -> None:
    """The desk's login page offers the active staff under a development banner; choosing A1 opens A1's queue."""
    page = browser_page
    page.goto("/desk")
    assert page.url.endswith("/desk/login")
    assert "Development login" in page.inner_text("#dev-login-banner")
    offered = page.locator("#staff input[name=staff_id]").evaluate_all("xs => xs.map(x => x.value)")
    assert "A1" in offered and "SUP" in offered
    page.screenshot(path=str(ARTIFACTS / "dev-login.png"), full_page=True)
    page.check("#staff-A1")
    page.click("#sign-in-as")
    page.wait_for_selector("#queue")
    assert page.inner_text("#who") == "staff:A1"
    assert page.locator("#dev-login-banner").is_visible()
    shown = page.locator("tr.review-row").evaluate_all("rows => rows.map(r => r.dataset.claim)")
    assert shown == ["RV-N1", "RV-N2", "RV-NHV"]  # A1's scope, exactly as with a real token


def test_the_printed_api_key_calls_the_api_as_the_service(dev_server: DevServer) -> None:
    """The API key made at start-up authenticates API calls; a made-up key does not."""
    with httpx.Client(base_url=dev_server.url) as client:
        good = client.get("/v1/review-items", headers={"X-API-Key": dev_server.dev.api_key})
        assert good.status_code == 200
        bad = client.get("/v1/review-items", headers={"X-API-Key": "dev-guessed"})
        assert bad.status_code == 401


def test_without_dev_login_a_staff_id_signs_nobody_in(api: object, tmp_path: Path) -> None:
    """A server without --dev-login ignores `staff_id`: the login is refused and no staff are listed."""
    url = api.url  # type: ignore[attr-defined]
    with httpx.Client(base_url=url) as client:
        form = client.get("/desk/login").text
        assert "staff_id" not in form
        csrf = re.search(r'name="csrf" value="([^"]+)"', form)
        assert csrf is not None
        refused = client.post("/desk/login", data={"staff_id": "A1", "csrf": csrf.group(1)})
        assert refused.status_code == 401
        assert "interlock_session" not in refused.cookies


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::"])
def test_serve_refuses_dev_login_off_loopback(host: str, tmp_path: Path) -> None:
    """`serve --dev-login` on an address other machines can reach exits with one error line."""
    done = subprocess.run(
        [sys.executable, "-m", "interlock", "serve", "--dev-login", "--host", host, "--port", "0"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={k: v for k, v in os.environ.items() if not k.startswith("INTERLOCK_")},
    )
    assert done.returncode != 0
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: --dev-login"), done.stderr


def test_loopback_addresses_are_recognized() -> None:
    """localhost, 127.0.0.0/8 and ::1 count as loopback; wildcard and LAN addresses do not."""
    assert all(is_loopback(h) for h in ("localhost", "127.0.0.1", "127.1.2.3", "::1", "[::1]"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "::", "10.0.0.1", "example.org"))


def test_dev_tokens_name_the_chosen_staff_member(adjudicated: Path, tmp_path: Path) -> None:
    """A development token is an ordinary token for the chosen staff id, under the development issuer."""
    for name in ("sor.db", "store.db"):
        shutil.copy(adjudicated / name, tmp_path / name)
    dev = DevLogin()
    settings = ApiSettings(
        sor_url=f"sqlite:///{tmp_path / 'sor.db'}", store_url=f"sqlite:///{tmp_path / 'store.db'}"
    ).model_copy(update=dev.settings_overrides(tmp_path))
    services = Services(settings)
    try:
        who = services.auth.from_token(dev.token("SUP"))
        assert who.principal_id == "staff:SUP"
        assert open_reviews(services.store, services.policy.claim_scope(who), limit=1)
    finally:
        services.close()


def test_the_development_key_may_run_the_served_domains_tasks(tmp_path: Path) -> None:
    """Serving invoices, the printed key runs invoices.approve and nothing of claims; serving claims, the reverse."""
    dev = DevLogin()
    for tasks, allowed, refused in (
        (("invoices.approve",), "invoices.approve", "claims.adjudicate"),
        (("claims.adjudicate",), "claims.adjudicate", "invoices.approve"),
    ):
        folder = tmp_path / tasks[0]
        folder.mkdir()
        overrides = dev.settings_overrides(folder, tasks=tasks)
        (key,) = load_api_keys(
            overrides["api_keys_file"],
            default_service="interlock",
            known_tasks=tuple(default_policy().tasks or ()),
        )
        assert key.principal.may_run(allowed) and not key.principal.may_run(refused)
