"""Which elements of a FHIR ``Claim`` Interlock keeps, reads, or must refuse.

The system of record holds a claim as one service date, one place of service, lines
of a procedure code, units and an amount, and diagnosis codes. A claim element it has
no place for is refused with its path rather than dropped: a modifier or a revenue code
changes what is paid, an accident changes who pays, a sub-line is billed on its own,
and a claim adjudicated without them would be adjudicated wrongly while the sender
believes it was whole.

The check is an allow-list over the JSON as sent (after the resource validated as
FHIR): an element not listed here is refused, so an element that a later FHIR version
adds, or that the lists below forgot, is refused rather than silently ignored.

Some elements are read and not stored because they identify or describe the
submission and do not change what Northwind's rules pay (:data:`READ_NOT_STORED`); the
API documentation lists them.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final

from interlock.domains.claims.fhir_input import Unmappable

#: Elements read and not stored, and why that loses nothing the rules judge.
READ_NOT_STORED: Final[Mapping[str, str]] = MappingProxyType(
    {
        "Claim.id": "the sender's resource id (used as the identifier only when it is a UUID)",
        "Claim.meta": "version and profile of the resource; meta.security sets the sensitivity",
        "Claim.text": "the narrative is generated from the coded elements that are kept",
        "Claim.language": "the language of the narrative",
        "Claim.contained": "read to resolve references; what is not referenced is not part of the claim",
        "Claim.subType": "a refinement of Claim.type",
        "Claim.priority": "a processing hint; every claim is adjudicated in turn",
        "Claim.fundsReserve": "a request to reserve funds, which Northwind does not offer",
        "Claim.enterer": "who keyed the claim in",
        "Claim.insurer": "the payer: the receiving one",
        "Claim.careTeam": "rendering practitioners; the rules judge the billing provider",
        "Claim.facility": "where the service was given; the place of service code is kept",
        "Claim.created": "the time the claim was created; it dates notes that carry no time",
        "Claim.item.category": "the benefit category, which the plan determines",
        "Claim.item.encounter": "read to derive a place of service when the line states none",
        "Claim.item.careTeamSequence": "a pointer into careTeam",
        "Claim.item.diagnosisSequence": "a pointer into diagnosis; diagnoses are kept per claim",
        "Claim.item.procedureSequence": "a pointer into procedure",
        "Claim.item.informationSequence": "a pointer into supportingInfo",
        "Claim.diagnosis.type": "principal, admitting and the like; the diagnoses keep their order",
        "Claim.insurance.identifier": "the sender's reference for this coverage",
        "Claim.supportingInfo.category": "the kind of information; text becomes a note",
        "Claim.supportingInfo.code": "the kind of information; text becomes a note",
    }
)

_KEPT: Final[Mapping[str, frozenset[str]]] = MappingProxyType(
    {
        "Claim": frozenset(
            {
                "resourceType",
                "identifier",
                "status",
                "type",
                "use",
                "patient",
                "billablePeriod",
                "provider",
                "payee",
                "insurance",
                "diagnosis",
                "supportingInfo",
                "item",
                "total",
            }
        ),
        "Claim.item": frozenset(
            {
                "id",
                "sequence",
                "productOrService",
                "servicedDate",
                "servicedPeriod",
                "locationCodeableConcept",
                "quantity",
                "unitPrice",
                "factor",
                "net",
            }
        ),
        "Claim.diagnosis": frozenset({"id", "sequence", "diagnosisCodeableConcept", "diagnosisReference"}),
        "Claim.insurance": frozenset({"id", "sequence", "focal", "coverage"}),
        "Claim.supportingInfo": frozenset(
            {
                "id",
                "sequence",
                "timingDate",
                "valueString",
                "valueBoolean",
                "valueQuantity",
                "valueAttachment",
                "valueReference",
            }
        ),
    }
)

#: Why an element that is refused cannot be kept, where there is more to say than that.
REFUSED: Final[Mapping[str, str]] = MappingProxyType(
    {
        "Claim.accident": "accident details decide liability and coordination of benefits, which Interlock "
        "cannot keep",
        "Claim.related": "related claims (a correction, a replacement) cannot be kept: send the claim on its own",
        "Claim.prescription": "prescriptions are not adjudicated here",
        "Claim.originalPrescription": "prescriptions are not adjudicated here",
        "Claim.referral": "the system of record keeps no referral",
        "Claim.procedure": "the system of record keeps no ICD procedures; bill procedures as lines",
        "Claim.implicitRules": "rules that change the meaning of the resource cannot be honoured",
        "Claim.extension": "extensions cannot be kept",
        "Claim.modifierExtension": "a modifier extension changes the meaning of the claim and cannot be kept",
        "Claim.item.modifier": "the system of record keeps no procedure modifiers, and a modifier changes "
        "what is paid",
        "Claim.item.revenue": "the system of record keeps no revenue codes",
        "Claim.item.detail": "the system of record has no sub-lines",
        "Claim.item.programCode": "the system of record keeps no program codes",
        "Claim.item.bodySite": "the system of record keeps no body site",
        "Claim.item.subSite": "the system of record keeps no body site",
        "Claim.item.udi": "the system of record keeps no device identifiers",
        "Claim.item.locationAddress": "a place of service is a CMS place-of-service code "
        "(item.locationCodeableConcept)",
        "Claim.item.locationReference": "a place of service is a CMS place-of-service code "
        "(item.locationCodeableConcept)",
        "Claim.diagnosis.onAdmission": "present-on-admission indicators cannot be kept",
        "Claim.diagnosis.packageCode": "diagnosis packages cannot be kept",
        "Claim.insurance.preAuthRef": "authorization numbers cannot be kept; rule 8 finds the member's "
        "authorizations itself",
        "Claim.insurance.claimResponse": "another payer's adjudication (coordination of benefits) cannot be kept",
        "Claim.insurance.businessArrangement": "business arrangements cannot be kept",
        "Claim.supportingInfo.timingPeriod": "a note is dated by timingDate (or the claim's created)",
        "Claim.supportingInfo.reason": "the reason for supporting information cannot be kept",
    }
)

_NESTED: Final = ("item", "diagnosis", "insurance", "supportingInfo")
_DEFAULT_REASON: Final = "Interlock cannot keep this element"


def _generic(key: str) -> str:
    if key in ("extension", "modifierExtension"):
        return "extensions cannot be kept"
    return _DEFAULT_REASON


def unkept(raw: Mapping[str, Any]) -> list[Unmappable]:
    """Every element of the Claim ``raw`` that is neither kept nor in :data:`READ_NOT_STORED`.

    Paths are mapper paths (``Claim.item[0].modifier``); the caller places them in what
    was posted. Extensions are refused wherever they sit among the kept elements.
    """
    found: list[Unmappable] = []
    _level(raw, "Claim", "Claim", found)
    return found


def _level(node: Mapping[str, Any], kind: str, path: str, found: list[Unmappable]) -> None:
    read = {k.removeprefix(kind + ".") for k in READ_NOT_STORED if k.count(".") == kind.count(".") + 1}
    for key, value in node.items():
        if key.startswith("_"):
            found.append(
                Unmappable(
                    path=f"{path}.{key[1:]}.extension",
                    reason="extensions cannot be kept",
                    code="not-supported",
                )
            )
            continue
        if key in read:
            continue
        if key not in _KEPT[kind]:
            reason = REFUSED.get(f"{kind}.{key}") or _generic(key)
            found.append(Unmappable(path=f"{path}.{key}", reason=reason, code="not-supported"))
            continue
        if kind == "Claim" and key in _NESTED and isinstance(value, list):
            for i, child in enumerate(value):
                if isinstance(child, Mapping):
                    _level(child, f"Claim.{key}", f"{path}.{key}[{i}]", found)
            continue
        _extensions(value, f"{path}.{key}", found)


def _extensions(value: Any, path: str, found: list[Unmappable]) -> None:
    """Refuse extensions inside a kept element (a Money, a Coding, a Period...)."""
    if isinstance(value, list):
        for i, child in enumerate(value):
            _extensions(child, f"{path}[{i}]", found)
    elif isinstance(value, Mapping):
        for key, child in value.items():
            if key in ("extension", "modifierExtension"):
                found.append(
                    Unmappable(path=f"{path}.{key}", reason="extensions cannot be kept", code="not-supported")
                )
            elif key.startswith("_"):
                found.append(
                    Unmappable(
                        path=f"{path}.{key[1:]}.extension",
                        reason="extensions cannot be kept",
                        code="not-supported",
                    )
                )
            else:
                _extensions(child, f"{path}.{key}", found)
