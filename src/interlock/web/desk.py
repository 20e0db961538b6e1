"""The review desk: queue, claim page with decision forms, and the operations page.

Same authentication as the API: the login form takes a bearer JWT and checks it exactly
as the API does; an active staff member then gets a session kept in the store
(:mod:`interlock.web.sessions`), whose random id is the HttpOnly, SameSite=Strict
cookie. Every page looks the session up and loads the principal from the staff tables,
who then acts for the page's reads (row-level security, with ``sor_row_security``).
Signing out revokes the session server-side, so a copied cookie dies with it. Every
read is the same scoped read the API makes, and decisions go through the same
:class:`ReviewDesk`. Every form carries a CSRF token: derived from the session for the
pages, and a double-submit cookie for the login form, so another site can neither post
a decision nor sign a browser in to an account of its choosing. The response headers
(CSP, framing, caching) are set by :class:`interlock.api.guards.SecurityHeaders`.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Cookie, Depends, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy import func, select

from interlock.api.deps import ServicesDep
from interlock.api.ops import snapshot
from interlock.api.problems import Problem
from interlock.api.services import Services
from interlock.connectors.pg_access import acting_as
from interlock.domains.claims.rules import KNOWN_CARCS
from interlock.exceptions import AccessDenied, DecisionRefused, ReviewConflict
from interlock.policy.principal import Principal
from interlock.review.queue import open_reviews, review_row
from interlock.store.schema import work_items
from interlock.task import PersonDecision
from interlock.web.charts import bar_chart, column_chart
from interlock.web.evidence import evidence
from interlock.web.sessions import csrf_for, open_session, revoke_session, same_token, session_staff

COOKIE = "interlock_session"
#: The login form's double-submit CSRF cookie (the form carries the same value).
LOGIN_COOKIE = "interlock_login"
#: A desk session ends after this long at most, even if the sign-in token lives longer.
MAX_SESSION = timedelta(hours=12)
TEMPLATES = Path(__file__).parent / "templates"
_STYLE = re.compile(r"<style>(.*?)</style>", re.DOTALL)
templates = Jinja2Templates(directory=str(TEMPLATES))
router = APIRouter(prefix="/desk", include_in_schema=False)
_VERIFY_CACHE_SECONDS = 60.0


class LoginRequired(Exception):
    """No valid session: send the browser to the login form."""


def desk_style_hashes() -> tuple[str, ...]:
    """CSP hashes of the inline stylesheets of the desk's templates (the only style allowed)."""
    found = []
    for template in sorted(TEMPLATES.glob("*.html")):
        for css in _STYLE.findall(template.read_text(encoding="utf-8")):
            found.append("sha256-" + base64.b64encode(hashlib.sha256(css.encode()).digest()).decode())
    return tuple(found)


def age_text(seconds: float) -> str:
    """A short human age: 45s, 12m, 5h, 3d."""
    for size, unit in ((86400, "d"), (3600, "h"), (60, "m")):
        if seconds >= size:
            return f"{int(seconds // size)}{unit}"
    return f"{int(seconds)}s"


def _page(request: Request, name: str, who: Principal, token: str, **context: Any) -> HTMLResponse:
    return templates.TemplateResponse(
        request, name, {"who": who, "csrf": csrf_for(token), "age_text": age_text, **context}
    )


def _login_page(
    request: Request, svc: Services, *, error: str | None = None, status_code: int = 200
) -> HTMLResponse:
    """The login form with a fresh double-submit CSRF token (cookie and hidden field)."""
    token = secrets.token_urlsafe(24)
    response = templates.TemplateResponse(
        request, "login.html", {"error": error, "csrf": token}, status_code=status_code
    )
    response.set_cookie(
        LOGIN_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=svc.settings.cookie_secure,
        path="/desk/login",
    )
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, svc: ServicesDep) -> HTMLResponse:
    """The login form: paste a bearer token issued by the configured identity provider."""
    return _login_page(request, svc)


@router.post("/login", response_model=None)
def login(
    request: Request,
    svc: ServicesDep,
    token: Annotated[str, Form()],
    csrf: Annotated[str, Form()] = "",
    login_csrf: Annotated[str | None, Cookie(alias=LOGIN_COOKIE)] = None,
) -> Response:
    """Check the token like the API does and start a session for an active staff member."""
    if not login_csrf or not same_token(csrf, login_csrf):
        raise Problem(403, "csrf", "Forbidden", "the login form's CSRF token does not match")
    try:
        who, expires = svc.auth.verify(token.strip())
    except Problem as exc:
        return _login_page(request, svc, error=exc.detail, status_code=401)
    if not who.active:
        return _login_page(request, svc, error="this staff member is not active", status_code=401)
    now = svc.clock.now()
    session_id = open_session(
        svc.store,
        staff_id=who.principal_id.removeprefix("staff:"),
        now=now,
        expires_at=min(expires, now + MAX_SESSION),
    )
    response = RedirectResponse("/desk", status_code=303)
    response.set_cookie(
        COOKIE,
        session_id,
        httponly=True,
        samesite="strict",
        secure=svc.settings.cookie_secure,
        path="/desk",
    )
    response.delete_cookie(LOGIN_COOKIE, path="/desk/login")
    return response


Session = Annotated[str | None, Cookie(alias=COOKIE)]


@router.post("/logout")
def logout(svc: ServicesDep, session: Session = None, csrf: Annotated[str, Form()] = "") -> RedirectResponse:
    """End the session server-side: the cookie, wherever it was copied, opens nothing after this."""
    if session and not same_token(csrf, csrf_for(session)):
        raise Problem(403, "csrf", "Forbidden", "the form's CSRF token does not match the session")
    if session:
        revoke_session(svc.store, session, now=svc.clock.now())
    response = RedirectResponse("/desk/login", status_code=303)
    response.delete_cookie(COOKIE, path="/desk")
    return response


def _signed_in(svc: ServicesDep, session: Session = None) -> tuple[Principal, str]:
    """The principal and session id of the cookie; no live session or no active staff: the login form."""
    if not session:
        raise LoginRequired()
    staff_id = session_staff(svc.store, session, now=svc.clock.now())
    principal = svc.connector.load_principal(staff_id) if staff_id is not None else None
    if principal is None or not principal.active:
        raise LoginRequired()
    return principal, session


async def desk_session(
    signed_in: Annotated[tuple[Principal, str], Depends(_signed_in)],
) -> AsyncIterator[tuple[Principal, str]]:
    """The signed-in reviewer, acting for the rest of the request, as the API's callers do.

    Async for the reason :func:`interlock.api.deps.principal` is: only then does the
    acting principal reach the page's (sync) handler and its system-of-record reads.
    """
    with acting_as(signed_in[0]):
        yield signed_in


DeskSession = Annotated[tuple[Principal, str], Depends(desk_session)]


@router.get("", response_class=HTMLResponse)
def queue_page(request: Request, svc: ServicesDep, signed_in: DeskSession) -> HTMLResponse:
    """The reviewer's queue: open review items of entitled claims, oldest and largest first."""
    who, token = signed_in
    rows = open_reviews(svc.store, svc.policy.claim_scope(who), limit=500)
    now = svc.clock.now()
    sla = svc.settings.review_sla_hours * 3600
    items = [{"row": r, "age": r.age_seconds(now), "breached": r.age_seconds(now) > sla} for r in rows]
    return _page(request, "queue.html", who, token, items=items, sla_hours=svc.settings.review_sla_hours)


@router.get("/reviews/{review_id}", response_class=HTMLResponse)
def claim_page(
    request: Request, review_id: str, svc: ServicesDep, signed_in: DeskSession, done: str | None = None
) -> HTMLResponse:
    """One review item: summary, proposal, findings, evidence and the decision forms."""
    who, token = signed_in
    return _claim(request, svc, who, token, review_id, message=done, error=None, findings=())


def _claim(
    request: Request,
    svc: Services,
    who: Principal,
    token: str,
    review_id: str,
    *,
    message: str | None,
    error: str | None,
    findings: tuple[Any, ...],
    status_code: int = 200,
) -> HTMLResponse:
    scope = svc.policy.claim_scope(who)
    row = review_row(svc.store, review_id, scope)
    ctx = svc.connector.fetch_context(row.claim_id, scope) if row is not None else None
    if row is None or ctx is None:
        return _page(request, "missing.html", who, token)
    summary = svc.assistant.summarize(row.claim_id, who)
    member = None
    if ctx.member is not None:
        m = ctx.member
        member = svc.policy.field_masks(who).apply(
            {
                "member_id": m.member_id,
                "first_name": m.first_name,
                "last_name": m.last_name,
                "birth_date": m.birth_date.isoformat() if m.birth_date else "",
                "ssn": m.ssn,
                "address": m.address,
                "plan_id": m.plan_id,
            }
        )
    response = _page(
        request,
        "claim.html",
        who,
        token,
        row=row,
        ctx=ctx,
        member=member,
        summary=summary,
        proposal=row.proposal,
        evidence=evidence(ctx, row.proposal),
        carcs=sorted(KNOWN_CARCS, key=int),
        age=row.age_seconds(svc.clock.now()),
        message=message,
        error=error,
        gate_findings=findings,
    )
    response.status_code = status_code
    return response


@router.post("/reviews/{review_id}/decision", response_model=None)
def decide(
    request: Request,
    review_id: str,
    svc: ServicesDep,
    signed_in: DeskSession,
    action: Annotated[str, Form()],
    csrf: Annotated[str, Form()],
    carc: Annotated[str, Form()] = "",
    comment: Annotated[str, Form()] = "",
) -> Response:
    """Apply the reviewer's decision through the same desk the API uses."""
    who, token = signed_in
    if not same_token(csrf, csrf_for(token)):
        raise Problem(403, "csrf", "Forbidden", "the form's CSRF token does not match the session")
    if action not in ("approve", "deny", "pend"):
        raise Problem(422, "invalid-request", "Invalid request", f"unknown action {action!r}")
    decision = PersonDecision(
        action=action, reason_code=carc or None if action == "deny" else None, comment=comment
    )
    try:
        result = svc.desk.decide(review_id, who, decision)
    except AccessDenied:
        return _page(request, "missing.html", who, token)
    except DecisionRefused as exc:
        return _claim(
            request,
            svc,
            who,
            token,
            review_id,
            message=None,
            error=str(exc),
            findings=exc.findings,
            status_code=422,
        )
    except ReviewConflict as exc:
        return _claim(
            request, svc, who, token, review_id, message=None, error=str(exc), findings=(), status_code=409
        )
    return RedirectResponse(f"/desk/reviews/{review_id}?done={result.action}", status_code=303)


class _VerifyCache:
    """Audit verification walks the whole chain; the page reuses a recent result."""

    def __init__(self) -> None:
        self.at = 0.0
        self.value: dict[str, Any] | None = None

    def get(self, svc: Services) -> dict[str, Any]:
        if self.value is None or time.monotonic() - self.at > _VERIFY_CACHE_SECONDS:
            report = svc.audit.verify()
            self.value = {"ok": report.ok, "count": report.count, "reason": report.reason}
            self.at = time.monotonic()
        return self.value


@router.get("/ops", response_class=HTMLResponse)
def ops_page(request: Request, svc: ServicesDep, signed_in: DeskSession) -> HTMLResponse:
    """Throughput, routing mix, review backlog and age, model errors, audit verification."""
    who, token = signed_in
    snap = snapshot(svc)
    since = svc.clock.now().replace(tzinfo=None) - timedelta(hours=24)
    hour = func.strftime("%m-%d %H:00", work_items.c.updated_at)
    if svc.store.dialect.name != "sqlite":
        hour = func.to_char(work_items.c.updated_at, "MM-DD HH24:00")
    with svc.store.connect() as conn:
        hourly = [
            (str(h), float(n))
            for h, n in conn.execute(
                select(hour, func.count())
                .where(work_items.c.status == "done", work_items.c.updated_at >= since)
                .group_by(hour)
                .order_by(hour)
            ).all()
        ]
    verify_cache: _VerifyCache = request.app.state.verify_cache
    return _page(
        request,
        "ops.html",
        who,
        token,
        snap=snap,
        throughput=column_chart(hourly),
        done_24h=int(sum(n for _, n in hourly)),
        routing=bar_chart(sorted((r, float(n)) for r, n in snap.routes.items())),
        statuses=bar_chart(sorted((s, float(n)) for s, n in snap.statuses.items())),
        audit=verify_cache.get(svc),
    )


def mount_desk(app: FastAPI) -> None:
    """Add the desk's routes to ``app`` and send browsers without a session to the login form."""

    async def on_login_required(request: Request, exc: Exception) -> Response:
        return RedirectResponse("/desk/login", status_code=303)

    app.state.verify_cache = _VerifyCache()
    app.add_exception_handler(LoginRequired, on_login_required)
    app.include_router(router)
