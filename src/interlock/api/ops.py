"""Operations endpoints: liveness, readiness, Prometheus metrics and the audit trail.

``/metrics`` serves the families ``docs/observability.md`` lists for the API: this
server's own (work items, stage and model-call durations, tokens, model errors,
breakers, queue depth; summed over the processes of ``serve --processes``) and the
store's, computed when scraped (work items by route and status, review backlog and
age, audited errors), so every API process reports the same store totals and nothing
is lost when one restarts. Audited errors come from a counter the audit trail keeps as
it appends, never from scanning the trail.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry
from sqlalchemy import func, select

from interlock.api.deps import AuditorDep, ServicesDep
from interlock.api.openapi import operation_id
from interlock.api.problems import Problem
from interlock.api.schemas import ExplainOut, Health, RecordExplainOut, VerifyOut
from interlock.api.services import Services
from interlock.audit.explain import explain_record, in_domain
from interlock.review.queue import backlog
from interlock.store.schema import work_items
from interlock.telemetry.exposition import registry_with, text
from interlock.telemetry.store_metrics import StoreCollector

router = APIRouter(generate_unique_id_function=operation_id)
AUDITORS_ONLY: dict[int | str, dict[str, Any]] = {
    403: {"description": "The caller is not an active auditor."}
}


@dataclass(frozen=True, slots=True, kw_only=True)
class OpsSnapshot:
    """The numbers the metrics and the operations page show."""

    routes: dict[str, int]
    statuses: dict[str, int]
    review_open: int
    review_oldest_age_seconds: float
    model_errors: int
    taken_at: datetime


def task_counts(svc: Services, task: str) -> tuple[dict[str, int], dict[str, int]]:
    """One task's finished work items by route and its work items by status."""
    with svc.store.connect() as conn:
        statuses = {
            str(s): int(n)
            for s, n in conn.execute(
                select(work_items.c.status, func.count())
                .where(work_items.c.task == task)
                .group_by(work_items.c.status)
            ).all()
        }
    return dict(svc.work.route_counts(task)), statuses


def snapshot(svc: Services) -> OpsSnapshot:
    """Read the operational totals of every served task from the store."""
    now = svc.clock.now()
    routes: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    for task in svc.tasks:
        by_route, by_status = task_counts(svc, task)
        routes.update(by_route)
        statuses.update(by_status)
    # Counted as the events are appended: a scrape reads one row, whatever the trail's size.
    model_errors = svc.audit.error_count("model.called")
    n_open, oldest = backlog(svc.store)
    return OpsSnapshot(
        routes=dict(routes),
        statuses=dict(statuses),
        review_open=n_open,
        review_oldest_age_seconds=max(0.0, (now - oldest).total_seconds()) if oldest else 0.0,
        model_errors=model_errors,
        taken_at=now,
    )


def metrics_registry(svc: Services) -> CollectorRegistry:
    """This process's families (summed over the server's processes) plus the store's.

    See ``docs/observability.md`` for every family; the registry is the app's own, so
    that two apps in one process (tests) do not collide.
    """
    return registry_with([StoreCollector(svc.store, svc.clock.now, svc.quality)])


@router.get("/healthz", response_model=Health, tags=["operations"])
def healthz() -> Health:
    """The process is up (says nothing about its dependencies)."""
    return Health(status="ok")


@router.get(
    "/readyz",
    response_model=Health,
    responses={503: {"description": "A database is down."}},
    tags=["operations"],
)
def readyz(svc: ServicesDep) -> Health:
    """Both databases answer; 503 problem otherwise."""
    checks = svc.ready()
    if any(v != "ok" for v in checks.values()):
        raise Problem(503, "not-ready", "Not ready", "a database does not answer", checks=checks)
    return Health(status="ok", checks=checks)


@router.get("/metrics", response_class=Response, tags=["operations"])
def metrics(
    request: Request,
    svc: ServicesDep,
    authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
    x_api_key: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Response:
    """Prometheus text exposition: this server's work, stage, model and queue metrics, and the store's totals.

    With ``api.metrics_auth`` a scraper must send an API key or a bearer token (401
    otherwise); ``api.metrics_networks`` limits which clients may ask at all.
    """
    if svc.settings.metrics_auth:
        svc.auth.from_headers(authorization, x_api_key)
    registry: CollectorRegistry = request.app.state.metrics
    return Response(text(registry), media_type=CONTENT_TYPE_LATEST)


@router.post("/v1/audit/verify", response_model=VerifyOut, responses=AUDITORS_ONLY, tags=["audit"])
def audit_verify(who: AuditorDep, svc: ServicesDep) -> VerifyOut:
    """Walk the audit hash chain and report the first thing that does not check out."""
    report = svc.audit.verify()
    return VerifyOut(
        ok=report.ok,
        count=report.count,
        head_hash=report.head_hash,
        first_bad_seq=report.first_bad_seq,
        first_bad_event_id=report.first_bad_event_id,
        reason=report.reason,
    )


CLAIMS_DOMAIN = "claims"
"""The domain of the claims explain route: a claim is a record of a ``claims.*`` task."""


@router.get(
    "/v1/audit/records/{record_id}/explain",
    response_model=RecordExplainOut,
    responses=AUDITORS_ONLY,
    tags=["audit"],
)
def audit_explain_record(record_id: str, who: AuditorDep, svc: ServicesDep) -> RecordExplainOut:
    """Every decision about the record, of any task, in plain words, from the audit trail alone."""
    events = svc.audit.events_for_record(record_id)
    return RecordExplainOut(
        record_id=record_id,
        tasks=sorted({str(e.body.get("purpose")) for e in events}),
        events=len(events),
        text=explain_record(record_id, events),
    )


@router.get(
    "/v1/audit/claims/{claim_id}/explain", response_model=ExplainOut, responses=AUDITORS_ONLY, tags=["audit"]
)
def audit_explain(claim_id: str, who: AuditorDep, svc: ServicesDep) -> ExplainOut:
    """Every decision about the claim (its ``claims.*`` tasks' events) in plain words, from the trail alone."""
    events = in_domain(svc.audit.events_for_record(claim_id), CLAIMS_DOMAIN)
    return ExplainOut(claim_id=claim_id, events=len(events), text=explain_record(claim_id, events))


__all__ = ["OpsSnapshot", "metrics_registry", "router", "snapshot"]
