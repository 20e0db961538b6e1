"""The FHIR-facing routes payers expose: ``Claim/$submit``, and reads of the decision.

* ``POST /fhir/Claim/$submit``: a Claim (or a Bundle carrying one) is taken in exactly as
  ``POST /v1/claims/fhir`` takes it (same grant, same mapping, same refusals, audited
  the same way) and, when the caller is a service whose grants include
  ``claims.adjudicate``, adjudicated at once. The answer is a ``ClaimResponse``:
  ``complete`` with the amounts and the CARC when decided, ``queued`` when the claim
  was pended for a person or waits for the batch (a staff member's submission always
  waits: staff decide claims only through review, never their own).
* ``GET /fhir/ClaimResponse/{id}``: the claim's answer as it stands, so a sender polls
  until a person has decided.
* ``GET /fhir/ExplanationOfBenefit/{id}``: for a finalized claim only.
* ``GET /fhir/Provenance/{id}`` and ``GET /fhir/Provenance?target=ClaimResponse/{id}``:
  each decision's Provenance (:mod:`interlock.domains.claims.fhir_decision`).

Every route is scoped like the v1 routes: a claim outside the caller's scope is the
same 404 as a claim that does not exist. Every answer, errors included, is FHIR JSON;
only what is refused before a route runs (no credentials: 401; a body over the
server's size limit: 413) is answered by the server as ``application/problem+json``.
"""

from __future__ import annotations

import time
from typing import Any, Final

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sqlalchemy import select

from interlock.api.deps import PrincipalDep, ServicesDep
from interlock.api.openapi import operation_id
from interlock.api.problems import PROBLEM_JSON, Problem
from interlock.api.services import RETRY_DELAY_SECONDS, Services
from interlock.audit.chain import StoredEvent, audit_events
from interlock.audit.events import parse_body, subject_record_id, task_domain
from interlock.domains.claims.api_intake import (
    FHIR_JSON,
    INGEST_TASK,
    decide_ingest,
    read_fhir_body,
    refusal_outcome,
    take_in,
)
from interlock.domains.claims.fhir_answer import outcome_for
from interlock.domains.claims.fhir_decision import (
    StoredClaim,
    claim_response_for,
    decisions,
    event_id_of,
    explanation_of_benefit,
    model_took_part,
    provenance,
    provenance_bundle,
    provenance_id,
)
from interlock.domains.claims.intake_store import SqlClaimIntake
from interlock.exceptions import AccessDenied, ConnectorUnavailable
from interlock.policy.principal import Principal
from interlock.policy.values import Decision

router = APIRouter(prefix="/fhir", generate_unique_id_function=operation_id, tags=["fhir"])
ADJUDICATE_TASK: Final = "claims.adjudicate"
_RESOURCE: Final = {"schema": {"type": "object", "required": ["resourceType"]}}
#: Errors a route answers itself (an OperationOutcome), and those the server may answer before it runs.
_OWN: Final = {FHIR_JSON: _RESOURCE}
_EITHER: Final = {FHIR_JSON: _RESOURCE, PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
_FHIR_RESPONSES: Final[dict[int | str, dict[str, Any]]] = {
    200: {"content": _OWN, "description": "The FHIR resource."},
    400: {"content": _EITHER, "description": "An unsupported search, or a body that cannot be read."},
    404: {
        "content": _OWN,
        "description": "No such claim, or the caller may not see it (an OperationOutcome).",
    },
    503: {"content": _EITHER, "description": "The system of record or the store is down; retry later."},
}


def _fhir(resource: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(resource, status_code=status, media_type=FHIR_JSON, headers=headers)


def _outcome(problem: Problem) -> JSONResponse:
    errors = problem.extensions.get("errors") or []
    return _fhir(
        outcome_for(problem.status, problem.detail or problem.title, errors), problem.status, problem.headers
    )


def _not_found(what: str = "no such claim, or you may not see it") -> Problem:
    return Problem(404, "not-found", "Not found", what)


def _visible(svc: Services, who: Principal, claim_id: str, *, missing: Problem | None = None) -> StoredClaim:
    """The stored claim if ``who``'s scope permits it; the one 404 (``missing``) otherwise."""
    if svc.connector.claim_version(claim_id, svc.policy.claim_scope(who)) is None:
        raise missing or _not_found()
    stored = SqlClaimIntake(svc.sor).stored_claim(claim_id)
    if stored is None:
        raise missing or _not_found()
    return stored


def _claim_events(svc: Services, claim_id: str) -> list[StoredEvent]:
    return [
        e for e in svc.audit.events_for_record(claim_id) if task_domain(e.body.get("purpose")) == "claims"
    ]


def _answer(
    svc: Services,
    stored: StoredClaim,
    *,
    request: dict[str, str] | None = None,
    sequences: dict[int, int] | None = None,
) -> dict[str, Any]:
    events = _claim_events(svc, stored.claim_id)
    decided = decisions(events)
    return claim_response_for(
        stored,
        request=request,
        sequences=sequences,
        provenance_ids=[provenance_id(e.event_id) for e in decided],
        ai_asserted=any(model_took_part(events, e) for e in decided),
    )


def _guarded(work: Any, *args: Any) -> JSONResponse:
    try:
        return work(*args)  # type: ignore[no-any-return]
    except Problem as problem:
        return _outcome(problem)
    except ConnectorUnavailable as exc:
        return _outcome(Problem(503, "unavailable", "Unavailable", str(exc), headers={"Retry-After": "5"}))


@router.post(
    "/Claim/$submit",
    responses={
        **_FHIR_RESPONSES,
        403: {
            "content": _OWN,
            "description": "The caller may not submit claims, or not of this sensitivity.",
        },
        409: {"content": _OWN, "description": "The identifier already names a claim with other content."},
        413: {"content": _EITHER, "description": "The body is too large."},
        415: {"content": _OWN, "description": "The body is not FHIR JSON."},
        422: {"content": _OWN, "description": "Every problem with the Claim, each by its path."},
    },
    openapi_extra={"requestBody": {"required": True, "content": {FHIR_JSON: {"schema": {"type": "object"}}}}},
)
async def submit_claim(request: Request, who: PrincipalDep, svc: ServicesDep) -> JSONResponse:
    """Take in a FHIR Claim and adjudicate it: a ClaimResponse, or an OperationOutcome naming every problem."""
    decision = decide_ingest(who, svc.policy)
    try:
        if not decision.allowed:
            raise Problem(403, "forbidden", "Forbidden", "; ".join(decision.reasons))
        body = await read_fhir_body(request)
        return await run_in_threadpool(_submit, who, svc, decision, body)
    except Problem as problem:
        outcome = await run_in_threadpool(refusal_outcome, problem, who, svc, decision)
        return _fhir(outcome, problem.status, problem.headers)
    except ConnectorUnavailable as exc:
        return _outcome(Problem(503, "unavailable", "Unavailable", str(exc), headers={"Retry-After": "5"}))


def _submit(who: Principal, svc: Services, decision: Decision, body: bytes) -> JSONResponse:
    taken = take_in(who, svc, decision, body)
    claim_id = taken.receipt.claim_id
    task = svc.task(ADJUDICATE_TASK)
    if task is not None and who.kind != "staff" and who.may_run(ADJUDICATE_TASK):
        try:
            result = svc.engine_for(who, ADJUDICATE_TASK).process(claim_id)
        except AccessDenied:
            result = None
        if result is not None:
            svc.stats.record(result)
            if result.route in ("defer", "busy") and result.record_version is not None:
                svc.queue.submit(
                    ADJUDICATE_TASK, who, claim_id, not_before=time.monotonic() + RETRY_DELAY_SECONDS
                )
    stored = SqlClaimIntake(svc.sor).stored_claim(claim_id)
    if stored is None:  # pragma: no cover - it was inserted or found just above
        raise _not_found()
    system, _, value = taken.draft.identifier.partition("|")
    sequences = {ln.line_no: ln.sequence for ln in taken.draft.lines}
    answer = _answer(svc, stored, request={"system": system, "value": value}, sequences=sequences)
    return _fhir(answer, headers={"Location": f"/fhir/ClaimResponse/{claim_id}"})


@router.get("/ClaimResponse/{claim_id}", responses=_FHIR_RESPONSES)
def read_claim_response(claim_id: str, who: PrincipalDep, svc: ServicesDep) -> JSONResponse:
    """The claim's ClaimResponse as it stands: queued until decided, then complete."""
    return _guarded(lambda: _fhir(_answer(svc, _visible(svc, who, claim_id))))


@router.get("/ExplanationOfBenefit/{claim_id}", responses=_FHIR_RESPONSES)
def read_explanation_of_benefit(claim_id: str, who: PrincipalDep, svc: ServicesDep) -> JSONResponse:
    """The ExplanationOfBenefit of a finalized claim; 404 while it is not finalized."""

    def work() -> JSONResponse:
        stored = _visible(svc, who, claim_id)
        if stored.status != "adjudicated" or stored.decision is None:
            raise _not_found("this claim is not finalized yet: no ExplanationOfBenefit")
        ids = [provenance_id(e.event_id) for e in decisions(_claim_events(svc, claim_id))]
        return _fhir(explanation_of_benefit(stored, provenance_ids=ids))

    return _guarded(work)


@router.get("/Provenance", responses=_FHIR_RESPONSES)
def search_provenance(target: str, request: Request, who: PrincipalDep, svc: ServicesDep) -> JSONResponse:
    """The Provenances of a claim's decisions: ``?target=ClaimResponse/{id}`` (a searchset Bundle)."""

    def work() -> JSONResponse:
        kind, _, claim_id = target.partition("/")
        if kind != "ClaimResponse" or not claim_id:
            raise Problem(400, "bad-search", "Unsupported search", "search by target=ClaimResponse/{id}")
        _visible(svc, who, claim_id)
        events = _claim_events(svc, claim_id)
        found = [provenance(claim_id, events, e) for e in decisions(events)]
        return _fhir(provenance_bundle(found, self_url=str(request.url)))

    return _guarded(work)


@router.get("/Provenance/{pid}", responses=_FHIR_RESPONSES)
def read_provenance(pid: str, who: PrincipalDep, svc: ServicesDep) -> JSONResponse:
    """One decision's Provenance, if the caller may see the claim it decided."""

    def work() -> JSONResponse:
        missing = _not_found("no such Provenance, or you may not see it")
        event_id = event_id_of(pid)
        record = None if event_id is None else _record_of(svc, event_id)
        if event_id is None or record is None:
            raise missing
        _visible(svc, who, record, missing=missing)
        events = _claim_events(svc, record)
        decided = [e for e in decisions(events) if e.event_id == event_id]
        if not decided:
            raise missing
        return _fhir(provenance(record, events, decided[0]))

    return _guarded(work)


def _record_of(svc: Services, event_id: str) -> str | None:
    """The record an audit event names, read from the trail by the event's id."""
    with svc.store.connect() as conn:
        body = conn.execute(select(audit_events.c.body).where(audit_events.c.event_id == event_id)).scalar()
    if body is None:
        return None
    parsed = parse_body(body)
    if task_domain(parsed.get("purpose")) != "claims" or parsed.get("purpose") == INGEST_TASK:
        return None
    return subject_record_id(parsed.get("subject"))
