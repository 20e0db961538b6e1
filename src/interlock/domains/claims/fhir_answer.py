"""What intake answers in FHIR: a ``ClaimResponse`` for a claim taken, an ``OperationOutcome`` for one refused.

A payer that speaks FHIR answers a Claim with a ClaimResponse (``outcome`` ``queued``
while the claim waits for adjudication, ``complete`` once decided) and a refusal with an
OperationOutcome whose issues each name an element by its FHIRPath ``expression``.
Both are built here as plain JSON and validated with the ``fhir.resources`` R4B models
before they leave, so a receiving system never gets a resource it would reject.

The refusal is also audited (:func:`refused_event`): how many problems and which
elements, never a value. Element paths are structural, but a path into an element the
sender invented would repeat the sender's text, so only paths made of FHIR element
names reach the trail.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any, Final

from fhir.resources.R4B.claimresponse import ClaimResponse
from fhir.resources.R4B.fhirresourcemodel import FHIRResourceModel
from fhir.resources.R4B.operationoutcome import OperationOutcome
from pydantic import BaseModel

from interlock.audit.events import AuditEvent, JsonInput
from interlock.domains.claims.fhir_input import MODELS, Unmappable

FHIR_JSON: Final = "application/fhir+json"
CLAIM_SYSTEM: Final = "urn:interlock:claim"
ADJUDICATION_SYSTEM: Final = "http://terminology.hl7.org/CodeSystem/adjudication"
CARC_SYSTEM: Final = "https://x12.org/codes/claim-adjustment-reason-codes"
CLAIM_TYPE_SYSTEM: Final = "http://terminology.hl7.org/CodeSystem/claim-type"
MEMBER_SYSTEM: Final = "urn:northwind:member-id"
NPI_SYSTEM: Final = "http://hl7.org/fhir/sid/us-npi"
PAYER: Final = "Northwind Health"
#: The OperationOutcome issue type of an HTTP refusal that names no element.
ISSUE_BY_STATUS: Final[Mapping[int, str]] = {
    400: "structure",
    401: "login",
    403: "forbidden",
    404: "not-found",
    409: "conflict",
    413: "too-costly",
    415: "not-supported",
    422: "invalid",
    503: "transient",
}
#: How many element paths a refusal's audit event keeps.
AUDITED_PATHS: Final = 25
_SEGMENT: Final = re.compile(r"^([A-Za-z][A-Za-z0-9]*)(\[x\])?(\[\d{1,4}\])?$")


def wants_fhir(accept: str | None) -> bool:
    """True when the ``Accept`` header asks for FHIR JSON (``application/fhir+json``)."""
    for part in (accept or "").split(","):
        media, _, params = part.strip().partition(";")
        if media.strip().lower() == FHIR_JSON and "q=0" not in params.replace(" ", "").split(";")[-1:]:
            return True
    return False


def _validated(model: type[FHIRResourceModel], resource: dict[str, Any]) -> dict[str, Any]:
    model.model_validate(resource)
    return resource


def operation_outcome(problems: Sequence[Unmappable]) -> dict[str, Any]:
    """One ``OperationOutcome`` with an error issue per problem, each naming its element."""
    issues = [
        {
            "severity": "error",
            "code": p.code,
            "diagnostics": p.reason,
            **({"expression": [p.path]} if p.path else {}),
        }
        for p in problems
    ]
    return _validated(OperationOutcome, {"resourceType": "OperationOutcome", "issue": issues})


def outcome_for(status: int, detail: str, errors: Sequence[Mapping[str, Any]] = ()) -> dict[str, Any]:
    """The ``OperationOutcome`` of any refusal: its ``errors`` as issues, or one issue saying ``detail``."""
    code = ISSUE_BY_STATUS.get(status, "processing")
    problems = [
        Unmappable(
            path=str(e.get("path") or ""),
            reason=str(e.get("reason") or detail),
            code=str(e.get("code") or code),
        )
        for e in errors
    ] or [Unmappable(path="", reason=detail, code=code)]
    return operation_outcome(problems)


def _money(amount: Decimal) -> dict[str, Any]:
    # Whole cents below 10^10 have at most 12 significant digits: a float spells them exactly.
    return {"value": float(amount), "currency": "USD"}


def _category(code: str) -> dict[str, Any]:
    return {"coding": [{"system": ADJUDICATION_SYSTEM, "code": code}]}


def claim_response(
    *,
    claim_id: str,
    identifier: str,
    claim_type: str,
    member_id: str,
    npi: str,
    lines: Sequence[tuple[int, Decimal]],
    total: Decimal,
    status: str,
    created: datetime,
    decision: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The ``ClaimResponse`` of a claim taken in: ``queued`` until decided, then ``complete``.

    ``lines`` are the Claim's item sequences with their billed amounts. ``decision`` is
    the system of record's adjudication when there is one (``outcome``, ``carc``,
    ``allowed``, ``paid``): an approval reports the allowed and paid amounts, a denial
    its CARC as the adjudication reason.
    """
    system, _, value = identifier.partition("|")
    resource: dict[str, Any] = {
        "resourceType": "ClaimResponse",
        "id": claim_id,
        "identifier": [{"system": CLAIM_SYSTEM, "value": claim_id}],
        "status": "active",
        "type": {"coding": [{"system": CLAIM_TYPE_SYSTEM, "code": claim_type}]},
        "use": "claim",
        "patient": {"identifier": {"system": MEMBER_SYSTEM, "value": member_id}},
        "created": created.isoformat(timespec="seconds"),
        "insurer": {"display": PAYER},
        "requestor": {"identifier": {"system": NPI_SYSTEM, "value": npi}},
        "request": {"identifier": {"system": system, "value": value}},
        "outcome": "queued",
        "disposition": f"received; {status}",
        "item": [
            {
                "itemSequence": seq,
                "adjudication": [{"category": _category("submitted"), "amount": _money(amount)}],
            }
            for seq, amount in lines
        ],
        "total": [{"category": _category("submitted"), "amount": _money(total)}],
    }
    if decision is not None:
        resource["outcome"] = "complete"
        resource["disposition"] = f"adjudicated: {decision['outcome']}"
        if decision.get("outcome") == "deny" and decision.get("carc"):
            reason = {"coding": [{"system": CARC_SYSTEM, "code": str(decision["carc"])}]}
            resource["adjudication"] = [{"category": _category("denied"), "reason": reason}]
        resource["total"] += [
            {"category": _category("eligible"), "amount": _money(Decimal(str(decision["allowed"])))},
            {"category": _category("benefit"), "amount": _money(Decimal(str(decision["paid"])))},
        ]
    return _validated(ClaimResponse, resource)


#: The ``fhir.resources.R4B`` modules whose element names may appear in an intake problem's path.
_ELEMENT_MODULES: Final = (
    "bundle",
    "claim",
    "patient",
    "coverage",
    "organization",
    "practitioner",
    "condition",
    "encounter",
    "codeableconcept",
    "coding",
    "money",
    "quantity",
    "reference",
    "identifier",
    "period",
    "meta",
    "narrative",
    "extension",
    "attachment",
    "humanname",
    "address",
    "contactpoint",
)


@lru_cache(maxsize=1)
def element_names() -> frozenset[str]:
    """Every element name of the resources and data types intake reads: FHIR's words only."""
    names: set[str] = {"Claim", "Bundle", *MODELS, "resourceType"}
    for module_name in _ELEMENT_MODULES:
        module = importlib.import_module(f"fhir.resources.R4B.{module_name}")
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, BaseModel):
                for name, info in value.model_fields.items():
                    names.add(info.alias or name)
    return frozenset(names)


def audited_path(path: str) -> str:
    """``path`` when every segment is a FHIR element name; otherwise a placeholder that repeats nothing."""
    if len(path) > 200:
        return "(element)"
    names = element_names()
    for segment in path.split("."):
        match = _SEGMENT.match(segment)
        if match is None:
            return "(element)"
        base, choice = match.group(1), match.group(2)
        known = any(n.startswith(base) for n in names) if choice else base in names
        if not known:
            return "(element)"
    return path


def refused_event(
    *,
    principal: str,
    at: datetime,
    problems: Sequence[Unmappable],
    slug: str,
    policy_version: str | None,
    purpose: str,
) -> AuditEvent:
    """The ``claim.refused`` event of a claim not taken in: counts and element paths, no values."""
    paths = list(dict.fromkeys(audited_path(p.path) for p in problems if p.path))
    details: dict[str, JsonInput] = {
        "problems": len(problems),
        "paths": paths[:AUDITED_PATHS],
        "codes": sorted({p.code for p in problems}),
    }
    return AuditEvent(
        kind="claim.refused",
        at=at,
        principal=principal,
        on_behalf_of=None,
        purpose=purpose,
        work_item_id=None,
        subject={},
        outcome="refused",
        reason=slug,
        details=details,
        policy_version=policy_version,
        source="interlock/api",
    )
