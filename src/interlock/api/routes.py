"""The v1 endpoints: tasks, work items, review items, summaries and questions.

Every endpoint compiles the caller's scope with the same policy the engine uses and
pushes it into the query that finds the record, so a record outside the scope is
never loaded; the answer is then the same 404 problem a missing record gets.
"""

from __future__ import annotations

import json
import time
from datetime import UTC
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from interlock.api.auth import forbidden
from interlock.api.deps import PrincipalDep, ServicesDep
from interlock.api.openapi import operation_id
from interlock.api.problems import Problem, not_found
from interlock.api.schemas import (
    AnswerOut,
    AskIn,
    DecisionIn,
    DecisionOut,
    FindingOut,
    ReviewItemOut,
    ReviewPage,
    StatementOut,
    TaskRun,
    WorkItemOut,
)
from interlock.api.services import RETRY_DELAY_SECONDS, TASK, Services, work_item_id
from interlock.domains.claims.assist import Answer
from interlock.exceptions import AccessDenied, DecisionRefused, ReviewConflict
from interlock.policy.principal import Principal
from interlock.review.queue import ReviewFilter, ReviewRow, count_reviews, open_reviews, review_row
from interlock.review.reasons import ReasonKey
from interlock.task import PersonDecision

router = APIRouter(prefix="/v1", generate_unique_id_function=operation_id)

NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such record, or the caller may not see it (the same problem)."}
}


def review_out(row: ReviewRow, svc: Services) -> ReviewItemOut:
    """The wire form of a review item, with its age against the review SLA."""
    age = row.age_seconds(svc.clock.now())
    return ReviewItemOut(
        review_id=row.review_id,
        work_item_id=row.work_item_id,
        claim_id=row.claim_id,
        claim_version=row.claim_version,
        total_billed=str(row.total_billed),
        region=row.region,
        line_of_business=row.line_of_business,
        sensitivity=row.sensitivity,
        reason=row.reason,
        status=row.status,
        opened_at=row.opened_at,
        age_seconds=round(age, 3),
        sla_breached=row.status == "open" and age > svc.settings.review_sla_hours * 3600,
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        findings=[FindingOut.model_validate(f) for f in row.findings],
        proposal=row.proposal,
    )


def answer_out(answer: Answer) -> AnswerOut:
    """The wire form of a summary or an answer."""
    return AnswerOut(
        task=answer.task,
        claim_id=answer.claim_id,
        verdict=answer.verdict.status,
        statements=[StatementOut(text=s.text, citations=list(s.citations)) for s in answer.statements],
        complete=answer.complete,
        staleness_seconds=answer.staleness_seconds,
    )


@router.post(
    "/tasks/claims.adjudicate/{claim_id}",
    response_model=TaskRun,
    responses={
        **NOT_FOUND,
        202: {"model": TaskRun, "description": "Queued; poll the work item."},
        403: {"description": "The caller's API key grants no action in this task."},
    },
    tags=["tasks"],
)
async def adjudicate(
    claim_id: str,
    who: PrincipalDep,
    svc: ServicesDep,
    response: Response,
    mode: Annotated[
        Literal["sync", "queued"], Query(description="Wait for the result or queue it.")
    ] = "sync",
) -> TaskRun:
    """Run ``claims.adjudicate`` on one claim on behalf of the caller, within the deadline."""
    if not who.may_run(TASK):
        raise forbidden(f"the caller's key grants no action in {TASK}")
    # The work blocks (databases, the model), so it runs in a worker thread, which
    # inherits the request's context (the acting principal). The endpoint itself is
    # async so that FastAPI serializes the answer here instead of in a second thread hop.
    return await run_in_threadpool(_adjudicate, claim_id, who, svc, response, mode)


def _adjudicate(
    claim_id: str, who: Principal, svc: Services, response: Response, mode: Literal["sync", "queued"]
) -> TaskRun:
    if mode == "queued":
        version = svc.connector.claim_version(claim_id, svc.policy.claim_scope(who))
        if version is None:
            raise not_found()
        item_id = svc.work.ensure(
            task=TASK, record_id=claim_id, version=version, principal=who.principal_id, now=svc.clock.now()
        )
        svc.queue.submit(who, claim_id)
        response.status_code = 202
        response.headers["Location"] = f"/v1/work-items/{item_id}"
        return TaskRun(work_item_id=item_id, claim_id=claim_id, claim_version=version, status="queued")
    try:
        result = svc.engine_for(who).process(claim_id)
    except AccessDenied:
        raise not_found() from None
    svc.stats.record(result)
    version = result.record_version
    item_id = work_item_id(claim_id, version) if version is not None else ""
    status: Literal["done", "queued"] = "done"
    # A finished work item answers with its recorded route and outcome (result.replayed).
    if result.route in ("defer", "busy"):
        if version is not None:
            svc.queue.submit(who, claim_id, not_before=time.monotonic() + RETRY_DELAY_SECONDS)
        status = "queued"
        response.status_code = 202
        if item_id:
            response.headers["Location"] = f"/v1/work-items/{item_id}"
    return TaskRun(
        work_item_id=item_id,
        claim_id=claim_id,
        claim_version=version,
        status=status,
        route=result.route,
        outcome=result.outcome if status == "done" else None,
        carc=result.reason_code,
        reason=result.reason,
        decided_by=result.decided_by,
    )


@router.get("/work-items/{item_id}", response_model=WorkItemOut, responses=NOT_FOUND, tags=["tasks"])
def get_work_item(item_id: str, who: PrincipalDep, svc: ServicesDep) -> WorkItemOut:
    """A work item, if the caller may read the claim it works on."""
    row = svc.work_item_row(item_id)
    if row is None or svc.connector.claim_version(str(row["record_id"]), svc.policy.claim_scope(who)) is None:
        raise not_found()
    return WorkItemOut(
        work_item_id=str(row["work_item_id"]),
        task=str(row["task"]),
        claim_id=str(row["record_id"]),
        claim_version=int(row["record_version"]),
        status=str(row["status"]),
        route=row["route"],
        reason=row["reason"],
        attempt=int(row["attempt"]),
        defer_count=int(row["defer_count"]),
        receipt=json.loads(row["receipt"]) if row["receipt"] else None,
        created_at=row["created_at"].replace(tzinfo=UTC),
        updated_at=row["updated_at"].replace(tzinfo=UTC),
    )


@router.get("/review-items", response_model=ReviewPage, tags=["review"])
def list_review_items(
    request: Request,
    who: PrincipalDep,
    svc: ServicesDep,
    status: Literal["open", "decided"] = "open",
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    region: Annotated[str | None, Query(max_length=64, description="Only this region.")] = None,
    reason: Annotated[
        ReasonKey | None, Query(description="Only this cause of review (see the desk's filter).")
    ] = None,
) -> ReviewPage:
    """Review items the caller may see: oldest first, then highest value first, a page at a time."""
    scope = svc.policy.claim_scope(who)
    narrow = ReviewFilter(region=region, reason=reason)
    rows = open_reviews(svc.store, scope, status=status, limit=limit, offset=offset, narrow=narrow)
    total = count_reviews(svc.store, scope, status=status, narrow=narrow)
    following = None
    if offset + len(rows) < total:
        params = {**request.query_params, "offset": str(offset + limit), "limit": str(limit)}
        following = f"{request.url.path}?{urlencode(params)}"
    return ReviewPage(
        items=[review_out(r, svc) for r in rows], total=total, limit=limit, offset=offset, next=following
    )


@router.get("/review-items/{review_id}", response_model=ReviewItemOut, responses=NOT_FOUND, tags=["review"])
def get_review_item(review_id: str, who: PrincipalDep, svc: ServicesDep) -> ReviewItemOut:
    """One review item with the proposal and the findings that sent it to a person."""
    scope = svc.policy.claim_scope(who)
    row = review_row(svc.store, review_id, scope)
    # The store's copy of the claim's attributes is interlock's own filter; asking the
    # system of record too (as a work item does) puts row-level security behind it.
    if row is None or svc.connector.claim_version(row.claim_id, scope) is None:
        raise not_found()
    return review_out(row, svc)


@router.post(
    "/review-items/{review_id}/decision",
    response_model=DecisionOut,
    responses={
        **NOT_FOUND,
        403: {"description": "The caller is not a staff member (a service key may not decide)."},
        409: {"description": "Already decided, or the claim moved on."},
        422: {"description": "The gate refused the decision; see `findings`."},
    },
    tags=["review"],
)
def decide_review(review_id: str, body: DecisionIn, who: PrincipalDep, svc: ServicesDep) -> DecisionOut:
    """Approve, deny with a CARC, or pend with a comment, through the gate and the write path."""
    if who.kind != "staff":
        # Review decisions are a person's by definition (decided_by names a staff member).
        raise forbidden("only a staff member decides a review item; a service principal may not")
    try:
        result = svc.desk.decide(
            review_id, who, PersonDecision(action=body.action, reason_code=body.carc, comment=body.comment)
        )
    except AccessDenied:
        raise not_found() from None
    except DecisionRefused as exc:
        raise Problem(
            422,
            "decision-refused",
            "Decision refused by the gate",
            str(exc),
            findings=[{"check": f.check, "severity": f.severity, "reason": f.reason} for f in exc.findings],
        ) from None
    except ReviewConflict as exc:
        raise Problem(409, "review-conflict", "Review conflict", str(exc)) from None
    return DecisionOut(
        review_id=result.review_id,
        claim_id=result.record_id,
        claim_version=result.record_version,
        action=result.action,
        carc=result.reason_code,
        allowed=str(result.facts.get("allowed", "0.00")),
        paid=str(result.facts.get("paid", "0.00")),
        decided_by=result.decided_by,
        adjudication_id=result.reference,
        already_applied=result.already_applied,
        review_status=result.review_status,
    )


@router.get("/claims/{claim_id}/summary", response_model=AnswerOut, responses=NOT_FOUND, tags=["claims"])
def summarize(claim_id: str, who: PrincipalDep, svc: ServicesDep) -> AnswerOut:
    """An extractive summary of the claim as the caller may see it (PHI masked per policy)."""
    try:
        return answer_out(svc.assistant.summarize(claim_id, who))
    except AccessDenied:
        raise not_found() from None


@router.post("/ask", response_model=AnswerOut, tags=["claims"])
def ask(body: AskIn, who: PrincipalDep, svc: ServicesDep) -> AnswerOut:
    """Answer a question from the documents the caller may see, citing each."""
    if svc.assistant.retriever is None:
        raise Problem(503, "search-unavailable", "Search unavailable", "search needs a SQLite store")
    return answer_out(svc.assistant.ask(body.question, who, k=body.k))
