"""A claim's decision in FHIR: ``ClaimResponse``, ``ExplanationOfBenefit`` and ``Provenance``.

What the FHIR routes (:mod:`interlock.domains.claims.api_fhir`) answer is built here,
purely, from what the system of record holds (:class:`StoredClaim`) and from the
claim's audit events; every resource is validated with the ``fhir.resources`` R4B
models (R4's financial and provenance resources) before it leaves.

* The ``ClaimResponse`` says ``queued`` while the claim waits (``received``, or
  ``pended`` for a person), and ``complete`` once decided: per line the billed
  (``submitted``), allowed (``eligible``) and paid (``benefit``) amounts, a denial's
  CARC as the adjudication ``reason``, and the payment.
* The ``ExplanationOfBenefit`` exists for finalized claims only: the same amounts per
  line with the procedure, units and service date.
* A ``Provenance`` per decision, following HL7's AI Transparency on FHIR guide: who
  decided (Interlock's rules and gate as a ``Device``, or the person by principal id),
  the model and its version when one took part (a contained ``Device`` of type
  ``Artificial-Intelligence``, the decision tagged ``AIAST``), and as entities the
  claim and the evidence items the model cited (or, when no model took part, the
  context items the rules read). Ids only: no note, no code, no reason text.

The ``ClaimResponse`` links to its Provenances with an extension
(:data:`PROVENANCE_EXTENSION`) and carries the ``AIAST`` security label when a model
took part in any decision, as the guide's prior-authorization example does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Final

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.claimresponse import ClaimResponse
from fhir.resources.R4B.explanationofbenefit import ExplanationOfBenefit
from fhir.resources.R4B.fhirresourcemodel import FHIRResourceModel
from fhir.resources.R4B.provenance import Provenance

from interlock.audit.chain import StoredEvent
from interlock.domains.claims.fhir_answer import (
    ADJUDICATION_SYSTEM,
    CARC_SYSTEM,
    CLAIM_SYSTEM,
    CLAIM_TYPE_SYSTEM,
    MEMBER_SYSTEM,
    NPI_SYSTEM,
    PAYER,
)

PRINCIPAL_SYSTEM: Final = "urn:interlock:principal"
MODEL_SYSTEM: Final = "urn:interlock:model"
CONTEXT_ITEM_SYSTEM: Final = "urn:interlock:context-item"
#: The extension on a ClaimResponse naming each Provenance of its decisions.
PROVENANCE_EXTENSION: Final = "urn:interlock:fhir:extension:decision-provenance"
OBSERVATION_VALUE_SYSTEM: Final = "http://terminology.hl7.org/CodeSystem/v3-ObservationValue"
AI_PROVENANCE_PROFILE: Final = "http://hl7.org/fhir/uv/aitransparency/StructureDefinition/AI-Provenance"
AI_DEVICE_TYPE_SYSTEM: Final = "http://hl7.org/fhir/uv/aitransparency/CodeSystem/AIdeviceTypeCS"
PARTICIPANT_TYPE_SYSTEM: Final = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"
ENTITY_ROLE_SYSTEM: Final = "http://terminology.hl7.org/CodeSystem/provenance-entity-role"
DATA_OPERATION_SYSTEM: Final = "http://terminology.hl7.org/CodeSystem/v3-DataOperation"
PROCEDURE_SYSTEM: Final = "urn:interlock:procedure-code"
AIAST: Final[Mapping[str, str]] = {
    "system": OBSERVATION_VALUE_SYSTEM,
    "code": "AIAST",
    "display": "Artificial Intelligence asserted",
}
#: The audit events that record a decision about a claim, and the routes of ``route.decided`` that decide.
DECISION_KINDS: Final = frozenset({"route.decided", "review.decided"})
DECIDING_ROUTES: Final = frozenset({"commit", "review"})


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredLine:
    """One ``claim_lines`` row with its adjudicated amounts, if decided."""

    line_no: int
    procedure_code: str
    units: int
    billed: Decimal
    allowed: Decimal | None = None
    paid: Decimal | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredDecision:
    """The claim's latest ``adjudications`` row."""

    adjudication_id: str
    outcome: str
    carc: str | None
    allowed: Decimal
    paid: Decimal
    decided_by: str
    decided_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredClaim:
    """A claim as the system of record holds it, lines and latest decision included."""

    claim_id: str
    member_id: str
    npi: str
    service_date: date
    status: str
    version: int
    total: Decimal
    updated_at: datetime
    lines: tuple[StoredLine, ...]
    decision: StoredDecision | None = None
    claim_type: str = "professional"


def _validated(model: type[FHIRResourceModel], resource: dict[str, Any]) -> dict[str, Any]:
    model.model_validate(resource)
    return resource


def _money(amount: Decimal) -> dict[str, Any]:
    # Whole cents below 10^10 have at most 12 significant digits: a float spells them exactly.
    return {"value": float(amount), "currency": "USD"}


def _category(code: str) -> dict[str, Any]:
    return {"coding": [{"system": ADJUDICATION_SYSTEM, "code": code}]}


def _carc(code: str) -> dict[str, Any]:
    return {"coding": [{"system": CARC_SYSTEM, "code": code}]}


def _timestamp(value: datetime) -> str:
    """A stored naive UTC timestamp (or an aware one) as a FHIR dateTime."""
    if value.tzinfo is None:
        return value.isoformat(timespec="seconds") + "Z"
    return value.isoformat(timespec="seconds")


def _line_adjudication(line: StoredLine, decision: StoredDecision | None) -> list[dict[str, Any]]:
    found = [{"category": _category("submitted"), "amount": _money(line.billed)}]
    if decision is None:
        return found
    eligible: dict[str, Any] = {
        "category": _category("eligible"),
        "amount": _money(line.allowed or Decimal(0)),
    }
    if decision.outcome == "deny" and decision.carc:
        eligible["reason"] = _carc(decision.carc)
    found.append(eligible)
    found.append({"category": _category("benefit"), "amount": _money(line.paid or Decimal(0))})
    return found


def _totals(claim: StoredClaim) -> list[dict[str, Any]]:
    totals = [{"category": _category("submitted"), "amount": _money(claim.total)}]
    if claim.decision is not None:
        totals += [
            {"category": _category("eligible"), "amount": _money(claim.decision.allowed)},
            {"category": _category("benefit"), "amount": _money(claim.decision.paid)},
        ]
    return totals


def _disposition(claim: StoredClaim) -> tuple[str, str]:
    """``ClaimResponse.outcome`` and ``disposition`` for the claim's status."""
    if claim.decision is not None and claim.status == "adjudicated":
        carc = f" (CARC {claim.decision.carc})" if claim.decision.carc else ""
        return "complete", f"adjudicated: {claim.decision.outcome}{carc}"
    if claim.status == "pended":
        return "queued", "pended: a person decides this claim"
    return "queued", f"received; {claim.status}: awaiting adjudication"


def claim_response_for(
    claim: StoredClaim,
    *,
    request: Mapping[str, str] | None = None,
    sequences: Mapping[int, int] | None = None,
    provenance_ids: Sequence[str] = (),
    ai_asserted: bool = False,
) -> dict[str, Any]:
    """The ``ClaimResponse`` of ``claim`` as it stands: ``queued`` until decided, then ``complete``.

    ``request`` is the Claim's business identifier when known (``system``, ``value``);
    otherwise the claim's Interlock id. ``sequences`` maps line numbers to the Claim's
    ``item.sequence`` the sender used.
    """
    outcome, disposition = _disposition(claim)
    decision = claim.decision if outcome == "complete" else None
    resource: dict[str, Any] = {
        "resourceType": "ClaimResponse",
        "id": claim.claim_id,
        "identifier": [{"system": CLAIM_SYSTEM, "value": claim.claim_id}],
        "status": "active",
        "type": {"coding": [{"system": CLAIM_TYPE_SYSTEM, "code": claim.claim_type}]},
        "use": "claim",
        "patient": {"identifier": {"system": MEMBER_SYSTEM, "value": claim.member_id}},
        "created": _timestamp(decision.decided_at if decision else claim.updated_at),
        "insurer": {"display": PAYER},
        "requestor": {"identifier": {"system": NPI_SYSTEM, "value": claim.npi}},
        "request": {"identifier": dict(request or {"system": CLAIM_SYSTEM, "value": claim.claim_id})},
        "outcome": outcome,
        "disposition": disposition,
        "item": [
            {
                "itemSequence": (sequences or {}).get(line.line_no, line.line_no),
                "adjudication": _line_adjudication(line, decision),
            }
            for line in claim.lines
        ],
        "total": _totals(claim if decision else replace(claim, decision=None)),
    }
    if decision is not None:
        if decision.outcome == "deny" and decision.carc:
            resource["adjudication"] = [{"category": _category("denied"), "reason": _carc(decision.carc)}]
        resource["payment"] = {"type": {"text": "complete"}, "amount": _money(decision.paid)}
    if ai_asserted:
        resource["meta"] = {"security": [dict(AIAST)]}
    if provenance_ids:
        resource["extension"] = [
            {"url": PROVENANCE_EXTENSION, "valueReference": {"reference": f"Provenance/{pid}"}}
            for pid in provenance_ids
        ]
    return _validated(ClaimResponse, resource)


def explanation_of_benefit(claim: StoredClaim, *, provenance_ids: Sequence[str] = ()) -> dict[str, Any]:
    """The ``ExplanationOfBenefit`` of a finalized claim (``ValueError`` for one not finalized)."""
    decision = claim.decision
    if decision is None or claim.status != "adjudicated":
        raise ValueError(f"claim {claim.claim_id} is not finalized")
    member = {"identifier": {"system": MEMBER_SYSTEM, "value": claim.member_id}}
    resource: dict[str, Any] = {
        "resourceType": "ExplanationOfBenefit",
        "id": claim.claim_id,
        "identifier": [{"system": CLAIM_SYSTEM, "value": claim.claim_id}],
        "status": "active",
        "type": {"coding": [{"system": CLAIM_TYPE_SYSTEM, "code": claim.claim_type}]},
        "use": "claim",
        "patient": member,
        "billablePeriod": {"start": claim.service_date.isoformat(), "end": claim.service_date.isoformat()},
        "created": _timestamp(decision.decided_at),
        "insurer": {"display": PAYER},
        "provider": {"identifier": {"system": NPI_SYSTEM, "value": claim.npi}},
        "claim": {"identifier": {"system": CLAIM_SYSTEM, "value": claim.claim_id}},
        "claimResponse": {"reference": f"ClaimResponse/{claim.claim_id}"},
        "outcome": "complete",
        "disposition": _disposition(claim)[1],
        "insurance": [{"focal": True, "coverage": {"display": f"member {claim.member_id}"}}],
        "item": [
            {
                "sequence": line.line_no,
                "productOrService": {"coding": [{"system": PROCEDURE_SYSTEM, "code": line.procedure_code}]},
                "servicedDate": claim.service_date.isoformat(),
                "quantity": {"value": line.units},
                "net": _money(line.billed),
                "adjudication": _line_adjudication(line, decision),
            }
            for line in claim.lines
        ],
        "total": _totals(claim),
        "payment": {"type": {"text": "complete"}, "amount": _money(decision.paid)},
    }
    if decision.outcome == "deny" and decision.carc:
        resource["adjudication"] = [{"category": _category("denied"), "reason": _carc(decision.carc)}]
    if provenance_ids:
        resource["extension"] = [
            {"url": PROVENANCE_EXTENSION, "valueReference": {"reference": f"Provenance/{pid}"}}
            for pid in provenance_ids
        ]
    return _validated(ExplanationOfBenefit, resource)


# -- Provenance -------------------------------------------------------------------------


def provenance_id(event_id: str) -> str:
    """A decision's Provenance id: its audit event's id (``main:7`` is ``main-7``)."""
    chain, _, seq = event_id.rpartition(":")
    return f"{chain}-{seq}"


def event_id_of(pid: str) -> str | None:
    """The audit event id a Provenance id names, or ``None`` for an id that names none."""
    chain, _, seq = pid.rpartition("-")
    return f"{chain}:{seq}" if chain and seq.isdigit() else None


def decisions(events: Sequence[StoredEvent]) -> list[StoredEvent]:
    """The events of ``events`` that record a decision: a route to a write or to a person, a person's decision."""
    return [
        e
        for e in events
        if e.body.get("kind") == "review.decided"
        or (e.body.get("kind") == "route.decided" and e.body.get("outcome") in DECIDING_ROUTES)
    ]


def _work_item(events: Sequence[StoredEvent], decision: StoredEvent) -> list[StoredEvent]:
    work = decision.body.get("work_item_id")
    return [e for e in events if work and e.body.get("work_item_id") == work and e.seq <= decision.seq]


def model_took_part(events: Sequence[StoredEvent], decision: StoredEvent) -> bool:
    """True when a model was called in the work item that led to ``decision``."""
    return any(
        e.body.get("kind") == "model.called" and e.body.get("model_id") for e in _work_item(events, decision)
    )


def _model_device(call: StoredEvent) -> dict[str, Any]:
    model_id = str(call.body["model_id"])
    name, _, version = model_id.rpartition("@")
    versions = [{"type": {"text": "model"}, "value": version if name else model_id}]
    if call.body.get("prompt_template"):
        versions.append({"type": {"text": "prompt template"}, "value": str(call.body["prompt_template"])})
    return {
        "resourceType": "Device",
        "id": "model",
        "identifier": [{"system": MODEL_SYSTEM, "value": model_id}],
        "type": {"coding": [{"system": AI_DEVICE_TYPE_SYSTEM, "code": "Artificial-Intelligence"}]},
        "deviceName": [{"name": name or model_id, "type": "model-name"}],
        "version": versions,
    }


def _interlock_device(decision: StoredEvent) -> dict[str, Any]:
    device: dict[str, Any] = {
        "resourceType": "Device",
        "id": "interlock",
        "identifier": [{"system": PRINCIPAL_SYSTEM, "value": str(decision.body["principal"])}],
        "deviceName": [{"name": "Interlock rules and gate", "type": "user-friendly-name"}],
    }
    if decision.body.get("policy_version"):
        device["version"] = [{"type": {"text": "policy"}, "value": str(decision.body["policy_version"])}]
    return device


def _participant(code: str) -> dict[str, Any]:
    return {"coding": [{"system": PARTICIPANT_TYPE_SYSTEM, "code": code}]}


def provenance(claim_id: str, events: Sequence[StoredEvent], decision: StoredEvent) -> dict[str, Any]:
    """The ``Provenance`` of one decision about ``claim_id`` (``events``: the claim's audit events)."""
    body = decision.body
    work = _work_item(events, decision)
    calls = [e for e in work if e.body.get("kind") == "model.called" and e.body.get("model_id")]
    call = calls[-1] if calls else None
    person = body.get("kind") == "review.decided"
    details = body.get("details") if isinstance(body.get("details"), dict) else {}
    contained: list[dict[str, Any]] = []
    agents: list[dict[str, Any]] = []
    if person:
        agents.append(
            {
                "type": _participant("author"),
                "who": {"identifier": {"system": PRINCIPAL_SYSTEM, "value": str(body["principal"])}},
            }
        )
    else:
        contained.append(_interlock_device(decision))
        # With a model, Interlock's rules and gate verified what the model proposed.
        agents.append(
            {"type": _participant("verifier" if call else "author"), "who": {"reference": "#interlock"}}
        )
    if call is not None:
        contained.append(_model_device(call))
        agents.append(
            {
                "type": _participant("informant" if person else "author"),
                "role": [{"coding": [{"system": AI_DEVICE_TYPE_SYSTEM, "code": "Artificial-Intelligence"}]}],
                "who": {"reference": "#model"},
            }
        )
    cited: list[str] = []
    if call is not None and isinstance(call.body.get("details"), dict):
        cited = [str(c) for c in call.body["details"].get("citations") or ()]
    if not cited:
        for e in work:
            if e.body.get("kind") == "context.retrieved" and isinstance(e.body.get("details"), dict):
                cited += [str(i) for i in e.body["details"].get("items") or ()]
    entities = [
        {
            "role": "source",
            "what": {"identifier": {"system": CLAIM_SYSTEM, "value": claim_id}},
        }
    ]
    entities += [
        {"role": "source", "what": {"identifier": {"system": CONTEXT_ITEM_SYSTEM, "value": item}}}
        for item in dict.fromkeys(cited)
    ]
    outcome = details.get("outcome") if isinstance(details, dict) else None
    resource: dict[str, Any] = {
        "resourceType": "Provenance",
        "id": provenance_id(decision.event_id),
        "target": [{"reference": f"ClaimResponse/{claim_id}"}],
        "occurredDateTime": str(body["at"]),
        "recorded": str(body["at"]),
        "activity": {
            "coding": [{"system": DATA_OPERATION_SYSTEM, "code": "UPDATE"}],
            "text": f"{body['kind']}: {body['outcome']}" + (f" ({outcome})" if outcome else ""),
        },
        "agent": agents,
        "entity": entities,
    }
    if contained:
        resource["contained"] = contained
    if body.get("policy_version"):
        resource["policy"] = [f"urn:interlock:policy:{body['policy_version']}"]
    if call is not None:
        resource["meta"] = {"profile": [AI_PROVENANCE_PROFILE]}
        resource["reason"] = [{"coding": [dict(AIAST)]}]
    return _validated(Provenance, resource)


def provenance_bundle(resources: Sequence[dict[str, Any]], *, self_url: str) -> dict[str, Any]:
    """A ``searchset`` Bundle of Provenances."""
    bundle = {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(resources),
        "link": [{"relation": "self", "url": self_url}],
        **({"entry": [{"resource": r, "search": {"mode": "match"}} for r in resources]} if resources else {}),
    }
    return _validated(Bundle, bundle)
