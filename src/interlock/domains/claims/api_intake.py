"""``POST /v1/claims/fhir``: a FHIR R4 ``Claim`` becomes a claim in the system of record.

The order of the steps is the point. The policy must grant the caller's kind and role
the ``create`` action of the ``claims.ingest`` task, and the caller must be able to read
claims at all (403 otherwise, before the body is read). The resource is validated as
FHIR and mapped purely (:mod:`interlock.domains.claims.fhir_claim`), and every element
that cannot be mapped is named by its FHIR path in one 422 problem. The member is then
looked up *within the caller's scope*: a member outside it gets exactly the answer an
unknown member gets, so ingest cannot be used to probe who is a member where. A claim
whose sensitivity the caller may not read is refused (403): whoever submits a claim
must be entitled to read it, the same policy every other endpoint applies.

Each claim created is recorded in the audit trail as ``claim.ingested``: ids, the
number of lines and the sensitivity label, never content. The FHIR identifier appears
only as a salted hash (:func:`~interlock.audit.events.content_ref`), and only when a
salt is configured; the claim id already ties the event to the claim.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse

from interlock.api.deps import PrincipalDep, ServicesDep
from interlock.api.openapi import operation_id
from interlock.api.problems import Problem
from interlock.api.schemas import ClaimIngested
from interlock.api.services import Services
from interlock.audit.events import AuditEvent, JsonInput, content_ref
from interlock.domains.claims.fhir_claim import (
    FHIR_VERSION,
    ClaimDraft,
    Unmappable,
    claim_response,
    map_parts,
    outcome_for,
    read_submission,
    refused_event,
    wants_fhir,
)
from interlock.domains.claims.intake_store import IdentifierConflict, IntakeReceipt, SqlClaimIntake
from interlock.exceptions import ConfigurationError
from interlock.policy.document import PolicyDocument
from interlock.policy.principal import Principal
from interlock.policy.tasks import decide_create
from interlock.policy.values import ClaimAttributes, Decision
from interlock.store.authors import CLAIM_RECORD, record_author
from interlock.telemetry.tracing import trace_fields

router = APIRouter(prefix="/v1", generate_unique_id_function=operation_id)
FHIR_JSON: Final = "application/fhir+json"
MAX_BODY_BYTES: Final = 1_000_000
_CLAIM_SCHEMA: Final[dict[str, Any]] = {
    "type": "object",
    "required": ["resourceType"],
    "properties": {"resourceType": {"type": "string", "enum": ["Claim"]}},
    "additionalProperties": True,
    "description": f"A FHIR Claim resource (validated as FHIR {FHIR_VERSION}); see https://hl7.org/fhir/R4/claim.html",
}

#: One claim as a clearinghouse would send it: documentation, and the explicit case of the contract test.
EXAMPLE_CLAIM: Final[dict[str, Any]] = {
    "resourceType": "Claim",
    "identifier": [{"system": "urn:example:clearinghouse", "value": "EX-0001"}],
    "status": "active",
    "use": "claim",
    "type": {
        "coding": [{"system": "http://terminology.hl7.org/CodeSystem/claim-type", "code": "professional"}]
    },
    "patient": {"reference": "Patient/M0000001"},
    "created": "2026-02-21T09:00:00Z",
    "provider": {"identifier": {"system": "http://hl7.org/fhir/sid/us-npi", "value": "1234567893"}},
    "priority": {"coding": [{"code": "normal"}]},
    "insurance": [{"sequence": 1, "focal": True, "coverage": {"reference": "Coverage/M0000001"}}],
    "diagnosis": [
        {
            "sequence": 1,
            "diagnosisCodeableConcept": {
                "coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "E11.9"}]
            },
        }
    ],
    "supportingInfo": [
        {"sequence": 1, "category": {"coding": [{"code": "info"}]}, "valueString": "Follow-up."}
    ],
    "item": [
        {
            "sequence": 1,
            "productOrService": {"coding": [{"code": "X1001"}]},
            "servicedDate": "2026-02-20",
            "locationCodeableConcept": {"coding": [{"code": "11"}]},
            "quantity": {"value": 1},
            "net": {"value": 80.00, "currency": "USD"},
        }
    ],
    "total": {"value": 80.00, "currency": "USD"},
}


INGEST_TASK: Final = "claims.ingest"


def decide_ingest(principal: Principal, policy: PolicyDocument) -> Decision:
    """May ``principal`` submit claims at all? The policy's ``claims.ingest`` grant decides."""
    return decide_create(
        task=INGEST_TASK, tasks=policy.tasks, principal=principal, scope=policy.claim_scope(principal)
    )


def was_ingested(svc: Services, claim_id: str) -> bool:
    """True when the trail already holds the ``claim.ingested`` event of ``claim_id``."""
    return any(e.body.get("kind") == "claim.ingested" for e in svc.audit.events_for_record(claim_id))


def ingested_event(
    svc: Services, who: Principal, draft: ClaimDraft, receipt: IntakeReceipt, decision: Decision
) -> AuditEvent:
    """The ``claim.ingested`` event of one created claim: ids, counts and labels, no content."""
    details: dict[str, JsonInput] = {"lines": len(draft.lines), "sensitivity": draft.sensitivity}
    if svc.content_salt is not None:
        details["identifier_ref"] = content_ref(svc.content_salt, draft.identifier)
    return AuditEvent(
        kind="claim.ingested",
        at=svc.clock.now(),
        principal=who.principal_id,
        on_behalf_of=None,
        purpose=INGEST_TASK,
        work_item_id=None,
        subject={"record_id": receipt.claim_id, "record_version": receipt.claim_version},
        outcome="created",
        reason="; ".join(decision.reasons),
        details=details,
        policy_version=decision.policy_version,
        source="interlock/api",
        **trace_fields(),
    )


def unmappable(problems: list[Unmappable], *, slug: str = "claim-unmappable") -> Problem:
    """422 naming every FHIR element that could not be validated or mapped."""
    title = "Invalid FHIR Claim" if slug == "fhir-invalid" else "FHIR Claim cannot be mapped"
    return Problem(
        422,
        slug,
        title,
        "; ".join(f"{p.path}: {p.reason}" for p in problems[:5]),
        errors=[{"path": p.path, "reason": p.reason, "code": p.code} for p in problems],
    )


def identifier_conflict() -> Problem:
    """409 for an identifier already in use: it names no claim and says nothing about it.

    The same answer whoever holds the claim, so a conflict with a claim outside the
    caller's scope reveals neither its id, nor its state, nor whose it is.
    """
    return Problem(
        409,
        "identifier-conflict",
        "Identifier conflict",
        "this identifier is already used for a different claim",
        errors=[{"path": "Claim.identifier", "reason": "already used for a different claim"}],
    )


def may_ingest(who: PrincipalDep, svc: ServicesDep) -> Decision:
    """The caller's ``claims.ingest`` grant, checked before the body is read (403 otherwise)."""
    decision = decide_ingest(who, svc.policy)
    if not decision.allowed:
        raise Problem(403, "forbidden", "Forbidden", "; ".join(decision.reasons))
    return decision


async def fhir_body(request: Request, _allowed: Annotated[Decision, Depends(may_ingest)]) -> bytes:
    """The raw body, so that money is parsed from its text and never passes through a float.

    Read only once the caller may ingest at all (see :func:`read_fhir_body`).
    """
    return await read_fhir_body(request)


async def read_fhir_body(request: Request) -> bytes:
    """The raw FHIR JSON body, counted as it streams: reading stops past :data:`MAX_BODY_BYTES`."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media not in (FHIR_JSON, "application/json"):
        raise Problem(415, "unsupported-media-type", "Unsupported media type", f"send {FHIR_JSON}")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise Problem(413, "too-large", "Request too large", f"a claim is at most {MAX_BODY_BYTES} bytes")
    return bytes(body)


def refusal_outcome(
    problem: Problem, who: Principal, svc: Services, decision: Decision | None
) -> dict[str, Any]:
    """The ``OperationOutcome`` of a refused claim; a refusal of a claim read is audited as ``claim.refused``."""
    errors = problem.extensions.get("errors") or []
    outcome = outcome_for(problem.status, problem.detail or problem.title, errors)
    if problem.status in (403, 409, 422):
        issues = [
            Unmappable(path=i.get("expression", [""])[0], reason="", code=i["code"]) for i in outcome["issue"]
        ]
        svc.audit.append_one(
            refused_event(
                principal=who.principal_id,
                at=svc.clock.now(),
                problems=issues,
                slug=problem.slug,
                policy_version=None if decision is None else decision.policy_version,
                purpose=INGEST_TASK,
            )
        )
    return outcome


@router.post(
    "/claims/fhir",
    response_model=ClaimIngested,
    status_code=201,
    responses={
        200: {"model": ClaimIngested, "description": "The same identifier was posted before: that claim."},
        403: {"description": "The caller may not submit claims, or not of this sensitivity."},
        409: {"description": "The identifier already names a claim with other content."},
        413: {"description": "The body is too large."},
        415: {"description": "The body is not FHIR JSON."},
        422: {"description": "Not a valid FHIR Claim, or an element cannot be mapped (`errors`)."},
        503: {
            "description": "The system of record is unavailable, or this server's role may not add claims."
        },
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                FHIR_JSON: {"schema": _CLAIM_SCHEMA, "example": EXAMPLE_CLAIM},
                "application/json": {"schema": _CLAIM_SCHEMA, "example": EXAMPLE_CLAIM},
            },
        }
    },
    tags=["claims"],
)
def ingest_fhir_claim(
    who: PrincipalDep,
    svc: ServicesDep,
    decision: Annotated[Decision, Depends(may_ingest)],
    body: Annotated[bytes, Depends(fhir_body)],
    request: Request,
    response: Response,
) -> ClaimIngested | JSONResponse:
    """Create a claim from a FHIR R4 Claim (or a Bundle carrying one), once per identifier.

    ``Accept: application/fhir+json`` answers in FHIR: a ``ClaimResponse``, or an
    ``OperationOutcome`` for a refusal. Otherwise the answer is JSON, and a refusal a
    problem carrying the same ``OperationOutcome`` as ``operationOutcome``. Every
    refusal of a claim read is audited as ``claim.refused``.
    """
    fhir = wants_fhir(request.headers.get("accept"))
    try:
        return _ingest(who, svc, decision, body, response, fhir=fhir)
    except Problem as problem:
        outcome = refusal_outcome(problem, who, svc, decision)
        if fhir:
            return JSONResponse(
                outcome, status_code=problem.status, media_type=FHIR_JSON, headers=problem.headers
            )
        problem.extensions["operationOutcome"] = outcome
        raise


@dataclass(frozen=True, slots=True)
class TakenIn:
    """A claim taken in: the draft it was mapped to, its receipt, and when."""

    draft: ClaimDraft
    receipt: IntakeReceipt
    at: datetime


def take_in(who: Principal, svc: Services, decision: Decision, body: bytes) -> TakenIn:
    """Map, check and insert the posted claim (once per identifier); a :class:`Problem` otherwise.

    Every problem with what was sent is in one 422, the member and the provider included:
    the member is looked up even when other elements cannot be mapped, so an unknown
    member is named beside them rather than in a second answer.
    """
    sent = read_submission(body)
    if isinstance(sent, list):
        raise unmappable(sent, slug="fhir-invalid")
    mapped = map_parts(sent)
    problems = list(mapped.problems)
    intake = SqlClaimIntake(svc.sor)
    scope = svc.policy.claim_scope(who)
    member = None
    if mapped.member_id or mapped.member_match:
        member = intake.find_member(mapped.member_id, mapped.member_match)
        if member is not None and not scope.permits(
            ClaimAttributes(
                region=member.region, line_of_business=member.line_of_business, sensitivity="none"
            )
        ):
            member = None
        if member is None:
            problems.append(
                Unmappable(path="Claim.patient", reason="no such member, or not one you may submit for")
            )
    provider = mapped.provider
    if provider is not None and provider.must_exist and not intake.provider_exists(provider.npi):
        problems.append(Unmappable(path=provider.path, reason="no such provider"))
    if problems or mapped.draft is None or member is None:
        raise unmappable(problems)
    draft = mapped.draft.with_member(member.member_id)
    attrs = ClaimAttributes(
        region=member.region, line_of_business=member.line_of_business, sensitivity=draft.sensitivity
    )
    read = svc.policy.decide_read(who, attrs)
    if not read.allowed:
        raise Problem(
            403,
            "forbidden",
            "Forbidden",
            f"a {draft.sensitivity} claim is outside your entitlement: {'; '.join(read.reasons)}",
            errors=[{"path": "Claim.meta.security", "reason": f"sensitivity {draft.sensitivity}"}],
        )
    try:
        now = svc.clock.now()
        receipt = intake.insert(draft, member, received=now.date(), now=now.replace(tzinfo=None))
    except IdentifierConflict:
        raise identifier_conflict() from None
    except ConfigurationError as exc:
        raise Problem(503, "intake-unavailable", "Claim intake unavailable", str(exc)) from None
    if not receipt.created and svc.connector.claim_version(receipt.claim_id, scope) is None:
        # A replay of a claim the caller may no longer see tells them nothing about it.
        raise identifier_conflict()
    # After the insert: the system of record and the store are separate databases. A
    # replay of a claim whose event was lost (a crash between the two) records it then.
    if receipt.created or not was_ingested(svc, receipt.claim_id):
        # Who submitted it, for separation of duties: they may not decide it later.
        record_author(
            svc.store,
            record_type=CLAIM_RECORD,
            record_id=receipt.claim_id,
            principal=who.principal_id,
            action="submitted",
            task=INGEST_TASK,
            at=now,
        )
        svc.audit.append_one(ingested_event(svc, who, draft, receipt, decision))
    return TakenIn(draft=draft, receipt=receipt, at=now)


def _ingest(
    who: Principal, svc: Services, decision: Decision, body: bytes, response: Response, *, fhir: bool
) -> ClaimIngested | JSONResponse:
    taken = take_in(who, svc, decision, body)
    draft, receipt, now = taken.draft, taken.receipt, taken.at
    intake = SqlClaimIntake(svc.sor)
    if receipt.created:
        response.headers["Location"] = f"/v1/claims/{receipt.claim_id}/summary"
    else:
        response.status_code = 200
    if fhir:
        answer = claim_response(
            claim_id=receipt.claim_id,
            identifier=draft.identifier,
            claim_type=draft.claim_type,
            member_id=draft.member_id,
            npi=draft.provider.npi,
            lines=[(ln.sequence, ln.billed_amount) for ln in draft.lines],
            total=draft.total_billed,
            status=receipt.status,
            created=now,
            decision=intake.decision(receipt.claim_id) if receipt.status == "adjudicated" else None,
        )
        headers = {"Location": response.headers["Location"]} if receipt.created else {}
        return JSONResponse(
            answer, status_code=201 if receipt.created else 200, media_type=FHIR_JSON, headers=headers
        )
    return ClaimIngested(
        claim_id=receipt.claim_id,
        claim_version=receipt.claim_version,
        status=receipt.status,
        created=receipt.created,
        identifier=draft.identifier,
        total_billed=str(draft.total_billed),
        sensitivity=draft.sensitivity,
        adjudicate=f"/v1/tasks/claims.adjudicate/{receipt.claim_id}",
    )
