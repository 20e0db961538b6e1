"""The desk's quality page: sampled precision of each served task over time, and reopening a closed path.

For active auditors and staff of ``[quality] viewer_roles`` or ``reopen_roles``
(anyone else gets the not-found page): per task, the automatic path's state and why,
what the closing rule sees now, every sample's tally, and per day the samples taken,
decided and upheld with the precision and its Wilson interval (a chart and a table),
by rule and by model version. Staff of ``reopen_roles`` get a button that reopens a
closed path, the same audited change as ``interlock quality reopen``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from interlock.api.deps import ServicesDep
from interlock.api.problems import Problem
from interlock.api.quality import task_quality
from interlock.quality.config import may_reopen, may_view
from interlock.quality.precision import METHOD
from interlock.quality.store import reopen_path
from interlock.web.charts import interval_chart
from interlock.web.desk import DeskSession, _missing, _page
from interlock.web.sessions import csrf_for, same_token

router = APIRouter(prefix="/desk", include_in_schema=False)


@router.get("/quality", response_class=HTMLResponse)
def quality_page(
    request: Request,
    svc: ServicesDep,
    signed_in: DeskSession,
    done: Annotated[str | None, Query(max_length=128)] = None,
) -> HTMLResponse:
    """Each served task's measured precision, its automatic path, and the days behind them."""
    who, token = signed_in
    staff = who.kind == "staff"
    if not may_view(svc.quality, who.role, active=who.active, staff=staff):
        return _missing(request, who, token)
    tasks = []
    for name in svc.tasks:
        figures = task_quality(svc, name)
        points = [
            (d["day"], d["precision"], d["interval"][0], d["interval"][1])
            for d in figures["days"]
            if d["precision"] is not None
        ]
        figures["chart"] = interval_chart(points, target=figures["current"]["target_precision"])
        tasks.append(figures)
    return _page(
        request,
        "quality.html",
        who,
        token,
        tasks=tasks,
        method=METHOD,
        confidence=svc.quality.default.confidence,
        may_reopen=may_reopen(svc.quality, who.role, active=who.active, staff=staff),
        message=f"Reopened the automatic path of {done}" if done in svc.tasks else None,
    )


@router.post("/quality/{task}/reopen", response_model=None)
def reopen(
    request: Request,
    task: str,
    svc: ServicesDep,
    signed_in: DeskSession,
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """Reopen ``task``'s closed automatic path (audited, as the signed-in person), then show the page."""
    who, token = signed_in
    if not same_token(csrf, csrf_for(token)):
        raise Problem(403, "csrf", "Forbidden", "the form's CSRF token does not match the session")
    if task not in svc.tasks or not may_reopen(
        svc.quality, who.role, active=who.active, staff=who.kind == "staff"
    ):
        return _missing(request, who, token)
    reopen_path(svc.store, task, by=who.principal_id, at=svc.clock.now())
    return RedirectResponse(f"/desk/quality?done={task}", status_code=303)
