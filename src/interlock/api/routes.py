"""The v1 endpoints: tasks, work items, review items, summaries and questions.

Every route serves every task of the process's domain (``/v1/tasks/{task}/{record_id}``
runs any of them); a task this process does not serve is the same 404 as a record the
caller may not see. Claims keep their earlier field names beside the generic ones
(``claim_id`` beside ``record_id``, ``carc`` beside ``reason_code``).

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
from interlock.api.services import RETRY_DELAY_SECONDS, Services, work_item_id
from interlock.exceptions import AccessDenied, DecisionRefused, ReviewConflict
from interlock.policy.principal import Principal
from interlock.retrieval.answers import Answer, Assistant
from interlock.review.queue import ReviewFilter, ReviewRow, count_reviews, open_reviews
from interlock.review.reasons import ReasonKey
from interlock.task import PersonDecision, Scope, Task

router = APIRouter(prefix="/v1", generate_unique_id_function=operation_id)

NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such record or task, or the caller may not see it (the same problem)."}
}


def _is_claim(task: Task[Any, Any, Any, Any] | None) -> bool:
    return task is not None and task.record_type == "claim"


def _served(svc: Services, name: str) -> Task[Any, Any, Any, Any]:
    """The served task called ``name``; any other name is the 404 a hidden record gets."""
    task = svc.task(name)
    if task is None:
        raise not_found()
    return task


def _scope(svc: Services, task: Task[Any, Any, Any, Any], who: Principal) -> Scope:
    return task.scope(svc.policy, who)


def review_out(row: ReviewRow, svc: Services) -> ReviewItemOut:
    """The wire form of a review item, with its age against the review SLA."""
    age = row.age_seconds(svc.clock.now())
    claim = _is_claim(svc.task(row.task))
    return ReviewItemOut(
        review_id=row.review_id,
        work_item_id=row.work_item_id,
        task=row.task,
        record_id=row.record_id,
        record_version=row.record_version,
        amount=str(row.amount),
        attributes=dict(row.attributes),
        claim_id=row.record_id if claim else None,
        claim_version=row.record_version if claim else None,
        total_billed=str(row.amount) if claim else None,
        region=row.attributes.get("region") if claim else None,
        line_of_business=row.attributes.get("line_of_business") if claim else None,
        sensitivity=row.attributes.get("sensitivity") if claim else None,
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
        record_id=answer.record_id,
        claim_id=answer.record_id if answer.task.startswith("claims.") else None,
        verdict=answer.verdict.status,
        statements=[StatementOut(text=s.text, citations=list(s.citations)) for s in answer.statements],
        complete=answer.complete,
        staleness_seconds=answer.staleness_seconds,
    )


@router.post(
    "/tasks/{task}/{record_id}",
    response_model=TaskRun,
    responses={
        **NOT_FOUND,
        202: {"model": TaskRun, "description": "Queued; poll the work item."},
        403: {"description": "The caller's API key grants no action in this task."},
    },
    tags=["tasks"],
)
async def run_task(
    task: str,
    record_id: str,
    who: PrincipalDep,
    svc: ServicesDep,
    response: Response,
    mode: Annotated[
        Literal["sync", "queued"], Query(description="Wait for the result or queue it.")
    ] = "sync",
) -> TaskRun:
    """Run one of the served tasks (``claims.adjudicate``, ``invoices.approve``...) on one record."""
    served = _served(svc, task)
    if not who.may_run(served.name):
        raise forbidden(f"the caller's key grants no action in {served.name}")
    # The work blocks (databases, the model), so it runs in a worker thread, which
    # inherits the request's context (the acting principal). The endpoint itself is
    # async so that FastAPI serializes the answer here instead of in a second thread hop.
    return await run_in_threadpool(_run, served, record_id, who, svc, response, mode)


def _run(
    task: Task[Any, Any, Any, Any],
    record_id: str,
    who: Principal,
    svc: Services,
    response: Response,
    mode: Literal["sync", "queued"],
) -> TaskRun:
    claim = _is_claim(task)
    if mode == "queued":
        version = svc.connector.record_version(record_id, _scope(svc, task, who))
        if version is None:
            raise not_found()
        item_id = svc.work.ensure(
            task=task.name,
            record_id=record_id,
            version=version,
            principal=who.principal_id,
            now=svc.clock.now(),
        )
        svc.queue.submit(task.name, who, record_id)
        response.status_code = 202
        response.headers["Location"] = f"/v1/work-items/{item_id}"
        return TaskRun(
            work_item_id=item_id,
            task=task.name,
            record_id=record_id,
            record_version=version,
            status="queued",
            claim_id=record_id if claim else None,
            claim_version=version if claim else None,
        )
    try:
        result = svc.engine_for(who, task.name).process(record_id)
    except AccessDenied:
        raise not_found() from None
    svc.stats.record(result)
    version = result.record_version
    item_id = work_item_id(task.name, record_id, version) if version is not None else ""
    status: Literal["done", "queued"] = "done"
    # A finished work item answers with its recorded route and outcome (result.replayed).
    if result.route in ("defer", "busy"):
        if version is not None:
            svc.queue.submit(task.name, who, record_id, not_before=time.monotonic() + RETRY_DELAY_SECONDS)
        status = "queued"
        response.status_code = 202
        if item_id:
            response.headers["Location"] = f"/v1/work-items/{item_id}"
    return TaskRun(
        work_item_id=item_id,
        task=task.name,
        record_id=record_id,
        record_version=version,
        status=status,
        route=result.route,
        outcome=result.outcome if status == "done" else None,
        reason_code=result.reason_code,
        reason=result.reason,
        decided_by=result.decided_by,
        claim_id=record_id if claim else None,
        claim_version=version if claim else None,
        carc=result.reason_code if claim else None,
    )


@router.get("/work-items/{item_id}", response_model=WorkItemOut, responses=NOT_FOUND, tags=["tasks"])
def get_work_item(item_id: str, who: PrincipalDep, svc: ServicesDep) -> WorkItemOut:
    """A work item, if the caller may read the record it works on."""
    row = svc.work_item_row(item_id)
    task = svc.task(str(row["task"])) if row is not None else None
    if (
        row is None
        or task is None
        or svc.connector.record_version(str(row["record_id"]), _scope(svc, task, who)) is None
    ):
        raise not_found()
    claim = _is_claim(task)
    return WorkItemOut(
        work_item_id=str(row["work_item_id"]),
        task=str(row["task"]),
        record_id=str(row["record_id"]),
        record_version=int(row["record_version"]),
        claim_id=str(row["record_id"]) if claim else None,
        claim_version=int(row["record_version"]) if claim else None,
        status=str(row["status"]),
        route=row["route"],
        reason=row["reason"],
        attempt=int(row["attempt"]),
        defer_count=int(row["defer_count"]),
        receipt=json.loads(row["receipt"]) if row["receipt"] else None,
        created_at=row["created_at"].replace(tzinfo=UTC),
        updated_at=row["updated_at"].replace(tzinfo=UTC),
    )


@router.get("/review-items", response_model=ReviewPage, responses=NOT_FOUND, tags=["review"])
def list_review_items(
    request: Request,
    who: PrincipalDep,
    svc: ServicesDep,
    status: Literal["open", "decided"] = "open",
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    task: Annotated[
        str | None,
        Query(max_length=64, description="The task whose review items to list (default: the first served)."),
    ] = None,
    region: Annotated[str | None, Query(max_length=64, description="Only this region.")] = None,
    reason: Annotated[
        ReasonKey | None, Query(description="Only this cause of review (see the desk's filter).")
    ] = None,
) -> ReviewPage:
    """Review items the caller may see: oldest first, then highest value first, a page at a time."""
    served = _served(svc, task or svc.default_task)
    scope = _scope(svc, served, who)
    narrow = ReviewFilter(region=region, reason=reason, task=served.name)
    rows = open_reviews(svc.store, scope, status=status, limit=limit, offset=offset, narrow=narrow)
    total = count_reviews(svc.store, scope, status=status, narrow=narrow)
    following = None
    if offset + len(rows) < total:
        params = {**request.query_params, "offset": str(offset + limit), "limit": str(limit)}
        following = f"{request.url.path}?{urlencode(params)}"
    return ReviewPage(
        items=[review_out(r, svc) for r in rows], total=total, limit=limit, offset=offset, next=following
    )


def _review_of(svc: Services, review_id: str, who: Principal) -> ReviewRow:
    """The review item of any served task the caller may see; 404 otherwise."""
    found = svc.review_of(review_id, who)
    # The store's copy of the record's attributes is interlock's own filter; asking the
    # system of record too (as a work item does) puts row-level security behind it.
    if found is None or svc.connector.record_version(found[2].record_id, found[1]) is None:
        raise not_found()
    return found[2]


@router.get("/review-items/{review_id}", response_model=ReviewItemOut, responses=NOT_FOUND, tags=["review"])
def get_review_item(review_id: str, who: PrincipalDep, svc: ServicesDep) -> ReviewItemOut:
    """One review item with the proposal and the findings that sent it to a person."""
    return review_out(_review_of(svc, review_id, who), svc)


@router.post(
    "/review-items/{review_id}/decision",
    response_model=DecisionOut,
    responses={
        **NOT_FOUND,
        403: {"description": "The caller is not a staff member (a service key may not decide)."},
        409: {"description": "Already decided, or the record moved on."},
        422: {"description": "The gate refused the decision; see `findings`."},
    },
    tags=["review"],
)
def decide_review(review_id: str, body: DecisionIn, who: PrincipalDep, svc: ServicesDep) -> DecisionOut:
    """One of the task's review actions (claims: approve, deny with a CARC, pend), through the gate."""
    if who.kind != "staff":
        # Review decisions are a person's by definition (decided_by names a staff member).
        raise forbidden("only a staff member decides a review item; a service principal may not")
    row = _review_of(svc, review_id, who)
    decision = PersonDecision(
        action=body.action,
        reason_code=body.reason_code or body.carc,
        comment=body.comment,
        fields=body.fields,
    )
    try:
        result = svc.desks[row.task].decide(review_id, who, decision)
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
    claim = _is_claim(svc.task(row.task))
    facts = {str(k): str(v) for k, v in result.facts.items()}
    return DecisionOut(
        review_id=result.review_id,
        task=row.task,
        record_id=result.record_id,
        record_version=result.record_version,
        action=result.action,
        reason_code=result.reason_code,
        facts=facts,
        reference=result.reference,
        decided_by=result.decided_by,
        already_applied=result.already_applied,
        review_status=result.review_status,
        claim_id=result.record_id if claim else None,
        claim_version=result.record_version if claim else None,
        carc=result.reason_code if claim else None,
        allowed=facts.get("allowed", "0.00") if claim else None,
        paid=facts.get("paid", "0.00") if claim else None,
        adjudication_id=result.reference if claim else None,
    )


def _assistant(svc: Services) -> Assistant:
    if svc.assistant is None:
        raise Problem(
            404, "not-found", "Not found", f"the {svc.domain.name} domain declares no summaries or answers"
        )
    return svc.assistant


@router.get("/records/{record_id}/summary", response_model=AnswerOut, responses=NOT_FOUND, tags=["records"])
def summarize(record_id: str, who: PrincipalDep, svc: ServicesDep) -> AnswerOut:
    """An extractive summary of the record as the caller may see it (masked fields per policy)."""
    try:
        return answer_out(_assistant(svc).summarize(record_id, who))
    except AccessDenied:
        raise not_found() from None


@router.get("/claims/{claim_id}/summary", response_model=AnswerOut, responses=NOT_FOUND, tags=["records"])
def summarize_claim(claim_id: str, who: PrincipalDep, svc: ServicesDep) -> AnswerOut:
    """The claims domain's name for ``/v1/records/{record_id}/summary``."""
    return summarize(claim_id, who, svc)


@router.post("/ask", response_model=AnswerOut, responses=NOT_FOUND, tags=["records"])
def ask(body: AskIn, who: PrincipalDep, svc: ServicesDep) -> AnswerOut:
    """Answer a question from the documents the caller may see, citing each."""
    if svc.retriever is None:
        raise Problem(
            503, "search-unavailable", "Search unavailable", "this domain declares no searchable documents"
        )
    return answer_out(_assistant(svc).ask(body.question, who, k=body.k))
