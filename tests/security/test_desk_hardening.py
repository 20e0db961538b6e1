"""Finding 8: the review desk's headers, sessions and forms.

Pages can show unmasked PHI, so they are never cached or framed and run no script; a
session ends server-side at sign-out; every form is protected against cross-site posts;
odd input is a refusal, never a server error; inactive staff cannot sign in.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import httpx2 as httpx
import pytest
from securityworld import scoped_world
from sqlalchemy import update

from interlock.domains.claims import schema as t
from interlock.domains.claims.testing.api_world import ApiWorld, TokenIssuer
from interlock.web.sessions import csrf_for


@pytest.fixture
def world(tmp_path: Path, adjudicated: Path, issuer: TokenIssuer) -> ApiWorld:
    """A server over copies of the adjudicated databases."""
    with scoped_world(tmp_path, adjudicated, issuer) as running:
        yield running


def _browser(world: ApiWorld, session: str | None = None) -> httpx.Client:
    cookies = {"interlock_session": session} if session else {}
    return httpx.Client(base_url=world.url, cookies=cookies, follow_redirects=False, timeout=30)


def test_desk_pages_carry_the_security_headers(world: ApiWorld) -> None:
    """CSP with frame-ancestors 'none' and the inline style's hash only, DENY, nosniff, no-store."""
    session = world.desk_session("A1")
    with _browser(world, session) as browser:
        for path in ("/desk/login", "/desk", f"/desk/reviews/{world.review_id('RV-N1')}", "/desk/ops"):
            page = browser.get(path)
            assert page.status_code == 200, (path, page.status_code)
            csp = page.headers["content-security-policy"]
            assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp
            assert "script-src" not in csp and "unsafe-inline" not in csp
            assert page.headers["x-frame-options"] == "DENY"
            assert page.headers["x-content-type-options"] == "nosniff"
            assert page.headers["cache-control"] == "no-store"
            (style,) = re.findall(r"<style>(.*?)</style>", page.text, re.DOTALL)
            digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
            assert f"'sha256-{digest}'" in csp  # the page's own style is the one allowed
    with world.client("A1") as api:
        assert api.get("/v1/review-items").headers["x-content-type-options"] == "nosniff"


def test_the_old_session_is_dead_after_sign_out(world: ApiWorld) -> None:
    """A copy of the session cookie taken before sign-out opens nothing afterwards."""
    session = world.desk_session("A1")
    with _browser(world, session) as browser:
        assert browser.get("/desk").status_code == 200
        out = browser.post("/desk/logout", data={"csrf": csrf_for(session)})
        assert (out.status_code, out.headers["location"]) == (303, "/desk/login")
    with _browser(world, session) as copied:
        again = copied.get("/desk")
        assert (again.status_code, again.headers["location"]) == (303, "/desk/login")


def test_the_cookie_holds_no_token(world: ApiWorld) -> None:
    """The session cookie is an opaque id: the bearer token never reaches the browser's cookie jar."""
    session = world.desk_session("A1")
    assert session.count(".") < 2 and len(session) < 64


@pytest.mark.parametrize("csrf", ["é" * 32, "\u202e" + "0" * 31, "ＡＢＣ"])
def test_a_non_ascii_csrf_field_is_a_403_not_a_500(world: ApiWorld, csrf: str) -> None:
    """The decision, sign-out and sign-in forms refuse any mismatched token with 403."""
    session = world.desk_session("A1")
    review_id = world.review_id("RV-N1")
    with _browser(world, session) as browser:
        decision = browser.post(
            f"/desk/reviews/{review_id}/decision", data={"action": "approve", "csrf": csrf}
        )
        assert decision.status_code == 403, decision.text
        assert browser.post("/desk/logout", data={"csrf": csrf}).status_code == 403
        assert browser.get("/desk").status_code == 200  # the refused sign-out ended nothing
    with _browser(world) as anonymous:
        anonymous.get("/desk/login")
        login = anonymous.post("/desk/login", data={"token": world.issuer.token("A1"), "csrf": csrf})
        assert login.status_code == 403
    assert world.adjudications("RV-N1") == []


def test_the_login_form_needs_its_csrf_token(world: ApiWorld) -> None:
    """A sign-in posted from elsewhere (no token from the form, or no cookie) starts no session."""
    with _browser(world) as browser:
        without = browser.post("/desk/login", data={"token": world.issuer.token("A1")})
        assert without.status_code == 403 and "interlock_session" not in browser.cookies
        form = browser.get("/desk/login")
        field = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert field is not None
    with _browser(world) as other_site:  # the field alone, without the form's cookie
        forged = other_site.post(
            "/desk/login", data={"token": world.issuer.token("A1"), "csrf": field.group(1)}
        )
        assert forged.status_code == 403


def test_inactive_staff_cannot_sign_in_and_deactivation_ends_a_session(world: ApiWorld) -> None:
    """OLD (inactive) gets the login form back with 401; A1's live session ends when A1 is deactivated."""
    with _browser(world) as browser:
        form = browser.get("/desk/login")
        csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert csrf is not None
        refused = browser.post(
            "/desk/login", data={"token": world.issuer.token("OLD"), "csrf": csrf.group(1)}
        )
        assert refused.status_code == 401 and "not active" in refused.text
        assert "interlock_session" not in browser.cookies
    session = world.desk_session("A1")
    with world.sor.begin() as conn:
        conn.execute(update(t.staff).where(t.staff.c.staff_id == "A1").values(active=0))
    with _browser(world, session) as browser:
        assert browser.get("/desk").status_code == 303
