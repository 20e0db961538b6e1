"""The review desk: queue, claim page with decision forms, the operations and quality pages.

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
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Cookie, Depends, FastAPI, Form, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import FileSystemLoader
from sqlalchemy import func, select

from interlock.api.deps import ServicesDep
from interlock.api.devlogin import active_staff
from interlock.api.ops import snapshot
from interlock.api.problems import Problem
from interlock.api.services import Services
from interlock.connectors.pg_access import acting_as
from interlock.exceptions import AccessDenied, DecisionRefused, ReviewConflict
from interlock.policy.principal import Principal
from interlock.quality.config import may_view
from interlock.review.queue import ReviewFilter, count_reviews, open_reviews, review_regions
from interlock.review.reasons import REASONS, in_words
from interlock.store.schema import work_items
from interlock.task import DeskView, Scope, Task
from interlock.web.charts import bar_chart, column_chart, time_buckets
from interlock.web.formatting import money
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


def desk_style_hashes(extra_dirs: tuple[str, ...] = ()) -> tuple[str, ...]:
    """CSP hashes of the inline stylesheets of the desk's templates (the only style allowed).

    ``extra_dirs`` are the domains' template folders (``DeskView.template_dir``).
    """
    found = []
    paths = [*sorted(TEMPLATES.glob("*.html"))]
    for folder in extra_dirs:
        paths += sorted(Path(folder).glob("*.html"))
    for template in paths:
        for css in _STYLE.findall(template.read_text(encoding="utf-8")):
            found.append("sha256-" + base64.b64encode(hashlib.sha256(css.encode()).digest()).decode())
    return tuple(found)


def age_text(seconds: float) -> str:
    """A short human age: 45s, 12m, 5h, 3d."""
    for size, unit in ((86400, "d"), (3600, "h"), (60, "m")):
        if seconds >= size:
            return f"{int(seconds // size)}{unit}"
    return f"{int(seconds)}s"


templates.env.filters["money"] = money


def _missing(request: Request, who: Principal, token: str) -> HTMLResponse:
    """The not-found page, with the status a missing (or unentitled) item has: 404."""
    response = _page(request, "missing.html", who, token)
    response.status_code = 404
    return response


def _page(request: Request, name: str, who: Principal, token: str, **context: Any) -> HTMLResponse:
    quality = request.app.state.services.quality
    return templates.TemplateResponse(
        request,
        name,
        {
            "who": who,
            "csrf": csrf_for(token),
            "age_text": age_text,
            # The quality page's link, for those who may see it (interlock.web.quality).
            "may_see_quality": may_view(quality, who.role, active=who.active, staff=who.kind == "staff"),
            **context,
        },
    )


def _login_page(
    request: Request, svc: Services, *, error: str | None = None, status_code: int = 200
) -> HTMLResponse:
    """The login form with a fresh double-submit CSRF token (cookie and hidden field).

    Under ``serve --dev-login`` it also lists the active staff to sign in as.
    """
    token = secrets.token_urlsafe(24)
    staff = active_staff(svc.sor, svc.domain.metadata) if svc.dev_login is not None else []
    response = templates.TemplateResponse(
        request, "login.html", {"error": error, "csrf": token, "staff": staff}, status_code=status_code
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
    token: Annotated[str, Form()] = "",
    staff_id: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
    login_csrf: Annotated[str | None, Cookie(alias=LOGIN_COOKIE)] = None,
) -> Response:
    """Check the token like the API does and start a session for an active staff member.

    Under ``serve --dev-login`` a ``staff_id`` stands for a token the development issuer
    signs for that person; it is then checked exactly like a pasted one.
    """
    if not login_csrf or not same_token(csrf, login_csrf):
        raise Problem(403, "csrf", "Forbidden", "the login form's CSRF token does not match")
    if staff_id and svc.dev_login is not None:
        token = svc.dev_login.token(staff_id.strip())
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


#: Queue rows per page.
PAGE_SIZE = 50
#: The age filter's choices: label and minimum age in hours.
AGES = (("any age", None), ("over 1 day", 24.0), ("over 2 days", 48.0), ("over 7 days", 168.0))


@router.get("", response_class=HTMLResponse)
def queue_page(
    request: Request,
    svc: ServicesDep,
    signed_in: DeskSession,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    region: Annotated[str, Query(max_length=64)] = "",
    reason: Annotated[str, Query(max_length=32)] = "",
    age: Annotated[str, Query(max_length=8, description="Minimum age in hours; empty: any.")] = "",
) -> HTMLResponse:
    """The reviewer's queue, a page at a time: open review items of entitled records, oldest and largest first.

    Filters by region, cause of review and minimum age narrow the rows and the counts alike.
    The queue lists the served domain's default task (the one task of each reference domain).
    """
    who, token = signed_in
    task = svc.tasks[svc.default_task]
    scope = _scope(svc, task, who)
    now = svc.clock.now()
    known = {r.key for r in REASONS}
    min_age = float(age) if age.replace(".", "", 1).isdigit() else None  # the form sends "" for any age
    narrow = ReviewFilter(
        task=task.name,
        region=region or None,
        reason=reason if reason in known else None,
        min_age_hours=min_age,
        now=now,
    )
    total = count_reviews(svc.store, scope, narrow=narrow)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(page, pages)
    rows = open_reviews(svc.store, scope, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE, narrow=narrow)
    sla = svc.settings.review_sla_hours * 3600
    items = [
        {"row": r, "age": r.age_seconds(now), "breached": r.age_seconds(now) > sla, "why": in_words(r.reason)}
        for r in rows
    ]
    filters = {"region": region, "reason": reason, "age": "" if min_age is None else f"{min_age:g}"}
    return _page(
        request,
        "queue.html",
        who,
        token,
        items=items,
        sla_hours=svc.settings.review_sla_hours,
        total=total,
        open_total=count_reviews(svc.store, scope, narrow=ReviewFilter(task=task.name))
        if any(filters.values())
        else total,
        page=page,
        pages=pages,
        first=(page - 1) * PAGE_SIZE + 1 if rows else 0,
        last=(page - 1) * PAGE_SIZE + len(rows),
        filters=filters,
        query=lambda **changes: urlencode(
            {k: v for k, v in {**filters, **changes}.items() if v not in ("", None)}
        ),
        reasons=REASONS,
        regions=review_regions(svc.store, scope),
        noun=task.record_type,
        ages=AGES,
    )


@router.get("/reviews/{review_id}", response_class=HTMLResponse)
def claim_page(
    request: Request,
    review_id: str,
    svc: ServicesDep,
    signed_in: DeskSession,
    done: Annotated[str | None, Query(max_length=16)] = None,
    of: Annotated[str | None, Query(max_length=64)] = None,
) -> HTMLResponse:
    """One review item: summary, proposal, findings, evidence and the decision forms."""
    who, token = signed_in
    message = f"{done} on {of}" if done and of else done
    return _claim(request, svc, who, token, review_id, message=message, error=None, findings=())


def _scope(svc: Services, task: Task[Any, Any, Any, Any], who: Principal) -> Scope:
    return task.scope(svc.policy, who)


def _view(svc: Services) -> DeskView:
    view = svc.domain.desk_view
    if view is None:
        raise Problem(404, "not-found", "Not found", f"the {svc.domain.name} domain has no review page")
    return view


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
    view = _view(svc)
    found = svc.review_of(review_id, who)
    if found is None:
        return _missing(request, who, token)
    _, scope, row = found
    ctx = svc.connector.read_context(row.record_id, scope)
    if ctx is None:
        return _missing(request, who, token)
    summary = svc.assistant.summarize(row.record_id, who) if svc.assistant is not None else None
    page = view.page(context=ctx, row=row, principal=who, policy=svc.policy, summary=summary)
    response = _page(
        request,
        view.template,
        who,
        token,
        **page,
        row=row,
        age=row.age_seconds(svc.clock.now()),
        message=message,
        error=error,
        gate_findings=findings,
    )
    response.status_code = status_code
    return response


@router.post("/reviews/{review_id}/decision", response_model=None)
async def decide(request: Request, review_id: str, svc: ServicesDep, signed_in: DeskSession) -> Response:
    """Apply the reviewer's decision through the same desk the API uses.

    The domain's view reads its own form (claims: approve, deny with a CARC, pend with a
    comment). ``then=next`` ("decide and next") opens the next open item of the
    reviewer's queue once the decision is recorded, or the queue when none is left.
    """
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    return await run_in_threadpool(_decide, request, review_id, svc, signed_in, form)


def _decide(
    request: Request, review_id: str, svc: Services, signed_in: tuple[Principal, str], form: dict[str, str]
) -> Response:
    who, token = signed_in
    if not same_token(form.get("csrf", ""), csrf_for(token)):
        raise Problem(403, "csrf", "Forbidden", "the form's CSRF token does not match the session")
    for name, value in form.items():
        if len(value) > 4000:
            raise Problem(422, "invalid-request", "Invalid request", f"form field {name!r} is too long")
    try:
        decision = _view(svc).decision(form)
    except ValueError as exc:
        raise Problem(422, "invalid-request", "Invalid request", str(exc)) from None
    found = svc.review_of(review_id, who)
    if found is None:
        return _missing(request, who, token)
    row_task = found[0].name
    then = form.get("then", "")
    try:
        result = svc.desks[row_task].decide(review_id, who, decision)
    except AccessDenied:
        return _missing(request, who, token)
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
    if then == "next":
        task = svc.tasks[row_task]
        following = open_reviews(
            svc.store, _scope(svc, task, who), limit=1, narrow=ReviewFilter(task=task.name)
        )
        target = f"/desk/reviews/{following[0].review_id}" if following else "/desk"
        return RedirectResponse(
            f"{target}?{urlencode({'done': result.action, 'of': result.record_id})}", status_code=303
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
    second = func.strftime("%Y-%m-%d %H:%M:%S", work_items.c.updated_at)
    if svc.store.dialect.name != "sqlite":
        second = func.to_char(work_items.c.updated_at, "YYYY-MM-DD HH24:MI:SS")
    with svc.store.connect() as conn:
        per_second = [
            (datetime.strptime(str(t), "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC), int(n))
            for t, n in conn.execute(
                select(second, func.count())
                .where(work_items.c.status == "done", work_items.c.updated_at >= since)
                .group_by(second)
            ).all()
        ]
    hourly = [(label, float(n)) for label, n in time_buckets(per_second)]
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
    view = app.state.services.domain.desk_view
    # The domain's page templates extend the desk's base.html: one loader finds both.
    folders = [str(TEMPLATES), *([view.template_dir] if view is not None else [])]
    templates.env.loader = FileSystemLoader(folders)
    app.add_exception_handler(LoginRequired, on_login_required)
    app.include_router(router)
    from interlock.web.quality import router as quality_router  # noqa: PLC0415 - it builds on this module

    app.include_router(quality_router)
