"""A FHIR R4 ``Claim`` resource mapped onto the system of record's claim tables, purely.

Clearinghouses and provider systems send claims as FHIR. This module turns one such
resource into a :class:`ClaimDraft` (the rows of ``claims``, ``claim_lines``,
``claim_diagnoses`` and ``clinical_notes`` of SPEC.md that do not depend on other
records) or into the list of :class:`Unmappable` elements, each named by its FHIR
path, so the sender learns everything wrong with a resource in one answer. Resolving
the member and provider and writing the rows is the connector's job
(:mod:`interlock.domains.claims.intake_store`); authorizing it is the API's.

The FHIR version: ``fhir.resources`` 8 ships R5 at its top level, ``R4B`` (4.3.0) and
``STU3``, and no R4 (4.0.1) package. R4B is R4 with changes confined to medication
definitions, subscriptions and a few new resources; the financial module, and so
``Claim``, is the same in both, so R4 claims validate against the R4B model.

What the system of record cannot hold is refused rather than dropped: sub-lines
(``item.detail``), diagnoses by reference, more than one service date or place of
service per claim, money in another currency than USD, or totals that do not add up.
Diagnosis codes are kept as billed, as SPEC.md requires: an invalid or non-billable
code is rule 6's finding at adjudication, not an ingest error. What is not even shaped
like a code (or like an id: the identifier, the member) is refused, since codes and ids
reach the audit trail and free text must not. Likewise a well-formed
NPI absent from ``providers`` is rule 4's finding.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Final

from fhir.resources.R4B.claim import Claim, ClaimItem
from fhir.resources.R4B.money import Money
from fhir.resources.R4B.reference import Reference
from pydantic import ValidationError

from interlock.domains.claims.codesets import is_valid_place_of_service, normalize_icd10

FHIR_VERSION: Final = "4.3.0 (R4B; its Claim is R4's)"
NPI_SYSTEM: Final = "http://hl7.org/fhir/sid/us-npi"
ICD10_CM_SYSTEM: Final = "http://hl7.org/fhir/sid/icd-10-cm"
POS_SYSTEM: Final = "https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set"
MEMBER_SYSTEM: Final = "urn:northwind:member-id"
ACT_CODE_SYSTEM: Final = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
CURRENCY: Final = "USD"
#: HL7 information-sensitivity labels (``meta.security``) and the SPEC.md sensitivity each means.
SECURITY_LABELS: Final[dict[str, str]] = {
    "ETH": "substance_use",
    "HIV": "hiv",
    "PSY": "behavioral_health",
    "BH": "behavioral_health",
}
#: Most protected first: a claim carrying two kinds is held to the stricter rule.
SENSITIVITY_RANK: Final = ("substance_use", "hiv", "behavioral_health", "none")
_PROCEDURE_SHAPE: Final = re.compile(r"^[A-Z0-9]{5}$")
_NPI_SHAPE: Final = re.compile(r"^\d{10}$")
# Shapes of what becomes an id or a code in the system of record and, from there, in the
# audit trail (rule findings quote codes). A value of another shape is refused at the
# door, so that a "code" or an id can never carry a name, a number or a line break.
#: An ICD-10-CM code as billed: three characters, then up to four more after an optional
#: dot. Whether it is a valid billable code is rule 6's finding, not an ingest error.
_DIAGNOSIS_SHAPE: Final = re.compile(r"^[A-Za-z0-9]{3}(\.?[A-Za-z0-9]{1,4})?$")
_IDENTIFIER_VALUE_SHAPE: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/@#+|-]{0,127}$")
_IDENTIFIER_SYSTEM_SHAPE: Final = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[\x21-\x7e]{1,250}$")
_MEMBER_SHAPE: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_CENT: Final = Decimal("0.01")
#: The largest amount ``NUMERIC(12,2)`` holds, and the largest ``INTEGER`` for units.
MAX_AMOUNT: Final = Decimal("9999999999.99")
MAX_UNITS: Final = 2**31 - 1


@dataclass(frozen=True, slots=True, kw_only=True)
class Unmappable:
    """One element of the resource that cannot be mapped, and why."""

    path: str
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ProviderRef:
    """The billing provider: an NPI as billed, or a literal reference that must resolve."""

    npi: str
    must_exist: bool
    path: str


@dataclass(frozen=True, slots=True, kw_only=True)
class LineDraft:
    """One ``claim_lines`` row."""

    line_no: int
    procedure_code: str
    units: int
    billed_amount: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class NoteDraft:
    """One ``clinical_notes`` row (its id is derived from the claim id and ``seq``)."""

    seq: int
    author: str
    written_at: datetime
    body: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ClaimDraft:
    """Everything of a claim that the resource alone determines.

    ``claim_id`` is derived from the FHIR business identifier, so posting the same
    resource twice names the same claim: the identifier is the idempotency key, and the
    system of record needs no extra column to remember it.
    """

    claim_id: str
    identifier: str
    member_id: str
    provider: ProviderRef
    service_date: date
    place_of_service: str
    total_billed: Decimal
    sensitivity: str
    diagnoses: tuple[str, ...]
    lines: tuple[LineDraft, ...]
    notes: tuple[NoteDraft, ...]


def claim_id_for(system: str, value: str) -> str:
    """The claim id of a FHIR business identifier: stable, opaque, and the same on every post."""
    return "fhir-" + hashlib.sha256(f"{system}|{value}".encode()).hexdigest()[:20]


def fhir_path(loc: Sequence[int | str]) -> str:
    """``("item", 0, "net")`` as the FHIR path ``Claim.item[0].net``."""
    path = "Claim"
    for part in loc:
        name = "resourceType" if part == "resource_type" else str(part)
        path += f"[{part}]" if isinstance(part, int) else f".{name}"
    return path


def parse_claim(raw: bytes) -> Claim | list[Unmappable]:
    """Validate ``raw`` JSON as a FHIR ``Claim``; money is parsed from the text, never a float."""
    try:
        return Claim.model_validate_json(raw)
    except ValidationError as exc:
        return [
            Unmappable(
                path=fhir_path([p for p in e["loc"] if p != "__root__"]),
                reason=" ".join(str(e["msg"]).split()),
            )
            for e in exc.errors()
        ]


class _Mapper:
    """Collects every unmappable element while it maps the ones that can be mapped."""

    def __init__(self) -> None:
        self.problems: list[Unmappable] = []

    def refuse(self, path: str, reason: str) -> None:
        self.problems.append(Unmappable(path=path, reason=reason))

    def money(self, value: Money | None, path: str) -> Decimal | None:
        if value is None or value.value is None:
            return None
        if value.currency != CURRENCY:
            self.refuse(
                f"{path}.currency", f"amounts must be in {CURRENCY}, not {value.currency or 'unstated'}"
            )
            return None
        amount = Decimal(value.value)
        if not amount.is_finite() or not 0 <= amount <= MAX_AMOUNT or amount != amount.quantize(_CENT):
            self.refuse(f"{path}.value", f"amounts are whole cents from 0 to {MAX_AMOUNT}")
            return None
        return amount.quantize(_CENT)

    def text(self, value: str, path: str) -> str:
        """``value`` if a database can store it (no NUL character); refused otherwise."""
        if "\x00" in value:
            self.refuse(path, "text may not contain a NUL character")
        return value

    def identifier(self, claim: Claim) -> tuple[str, str] | None:
        found = [i for i in claim.identifier or () if i.value]
        if not found:
            self.refuse("Claim.identifier", "a business identifier (system and value) is required")
            return None
        if not found[0].system:
            self.refuse("Claim.identifier[0].system", "the identifier needs a system to be unique")
            return None
        system, value = str(found[0].system), str(found[0].value)
        if not _IDENTIFIER_SYSTEM_SHAPE.match(system):
            self.refuse("Claim.identifier[0].system", "a URI of printable characters, at most 256")
            return None
        if not _IDENTIFIER_VALUE_SHAPE.match(value):
            self.refuse("Claim.identifier[0].value", "at most 128 letters, digits and . _ : / @ # + | -")
            return None
        return system, value

    def member(self, ref: Reference) -> str | None:
        if ref.reference and ref.reference.startswith("Patient/") and len(ref.reference) > len("Patient/"):
            return self.member_id(ref.reference.removeprefix("Patient/"), "Claim.patient.reference")
        if ref.identifier is not None and ref.identifier.system == MEMBER_SYSTEM and ref.identifier.value:
            return self.member_id(str(ref.identifier.value), "Claim.patient.identifier.value")
        self.refuse("Claim.patient", f"reference Patient/<member id> or an identifier of {MEMBER_SYSTEM}")
        return None

    def member_id(self, value: str, path: str) -> str | None:
        if not _MEMBER_SHAPE.match(value):
            self.refuse(path, "a member id is at most 64 letters, digits and . _ -")
            return None
        return value

    def provider(self, ref: Reference) -> ProviderRef | None:
        if ref.identifier is not None and ref.identifier.system == NPI_SYSTEM:
            npi = str(ref.identifier.value or "")
            if not _NPI_SHAPE.match(npi):
                self.refuse("Claim.provider.identifier.value", "an NPI is ten digits")
                return None
            return ProviderRef(npi=npi, must_exist=False, path="Claim.provider.identifier")
        kind, _, npi = (ref.reference or "").partition("/")
        if kind in ("Practitioner", "Organization") and _NPI_SHAPE.match(npi):
            return ProviderRef(npi=npi, must_exist=True, path="Claim.provider.reference")
        self.refuse("Claim.provider", f"an identifier of {NPI_SYSTEM}, or Practitioner/<npi>")
        return None

    def sensitivity(self, claim: Claim, diagnoses: Sequence[str]) -> str:
        kinds = {"none"}
        for label in claim.meta.security or () if claim.meta is not None else ():
            if label.system == ACT_CODE_SYSTEM and label.code in SECURITY_LABELS:
                kinds.add(SECURITY_LABELS[str(label.code)])
        # A claim is as sensitive as its diagnoses, whatever the sender labelled it.
        kinds.update(_diagnosis_sensitivity(code) for code in diagnoses)
        return next(s for s in SENSITIVITY_RANK if s in kinds)

    def diagnoses(self, claim: Claim) -> tuple[str, ...]:
        codes: dict[int, str] = {}
        for i, dx in enumerate(claim.diagnosis or ()):
            path = f"Claim.diagnosis[{i}]"
            concept = dx.diagnosisCodeableConcept
            codings = [c for c in (concept.coding or ()) if c.code] if concept is not None else []
            if not codings:
                self.refuse(f"{path}.diagnosis[x]", "a diagnosis must be an ICD-10-CM code, not a reference")
            elif codings[0].system != ICD10_CM_SYSTEM:
                self.refuse(f"{path}.diagnosisCodeableConcept.coding[0].system", f"use {ICD10_CM_SYSTEM}")
            elif int(dx.sequence or i + 1) in codes:
                self.refuse(f"{path}.sequence", "diagnosis sequences must be unique")
            elif not _DIAGNOSIS_SHAPE.match(str(codings[0].code)):
                self.refuse(
                    f"{path}.diagnosisCodeableConcept.coding[0].code",
                    "not shaped like an ICD-10-CM code (three characters, then up to four after a dot)",
                )
            else:
                codes[int(dx.sequence or i + 1)] = str(codings[0].code)
        return tuple(codes[k] for k in sorted(codes))

    def line(self, i: int, item: ClaimItem) -> LineDraft | None:
        path = f"Claim.item[{i}]"
        count = len(self.problems)
        if item.detail:
            self.refuse(f"{path}.detail", "the system of record has no sub-lines")
        codings = [c for c in (item.productOrService.coding or ()) if c.code]
        code = str(codings[0].code).upper() if codings else ""
        if not _PROCEDURE_SHAPE.match(code):
            self.refuse(f"{path}.productOrService", "a five-character procedure code is required")
        units = (
            Decimal(item.quantity.value) if item.quantity and item.quantity.value is not None else Decimal(1)
        )
        if not units.is_finite() or not 1 <= units <= MAX_UNITS or units != units.to_integral_value():
            self.refuse(f"{path}.quantity.value", f"units are a whole number from 1 to {MAX_UNITS}")
            units = Decimal(1)
        net = self.money(item.net, f"{path}.net")
        price = self.money(item.unitPrice, f"{path}.unitPrice")
        factor = Decimal(item.factor) if item.factor is not None else Decimal(1)
        if not factor.is_finite() or not 0 <= factor <= 1000:
            self.refuse(f"{path}.factor", "a factor is from 0 to 1000")
            factor = Decimal(1)
        expected = price * units * factor if price is not None else None
        if net is None and expected is not None and expected == expected.quantize(_CENT):
            net = expected
        if net is None:
            if len(self.problems) == count:
                self.refuse(f"{path}.net", "each line needs its billed amount (net, or unitPrice)")
        elif expected is not None and expected != net:
            self.refuse(f"{path}.net", f"net {net} is not unitPrice x quantity x factor ({expected})")
        if len(self.problems) > count or net is None:
            return None
        return LineDraft(line_no=i + 1, procedure_code=code, units=int(units), billed_amount=net)

    def shared(self, items: Sequence[ClaimItem], claim: Claim) -> tuple[date | None, str | None]:
        """The one service date and place of service all lines share (SPEC.md holds one)."""
        dates: list[tuple[int, Any]] = []
        places: list[tuple[int, str]] = []
        fallback = claim.billablePeriod.start if claim.billablePeriod is not None else None
        for i, item in enumerate(items):
            served = item.servicedDate or (item.servicedPeriod.start if item.servicedPeriod else None)
            dates.append((i, served or fallback))
            concept = item.locationCodeableConcept
            codings = [c for c in (concept.coding or ()) if c.code] if concept is not None else []
            if not codings:
                self.refuse(f"Claim.item[{i}].location[x]", "a CMS place-of-service code is required")
                continue
            if codings[0].system not in (None, POS_SYSTEM) or not is_valid_place_of_service(
                str(codings[0].code)
            ):
                self.refuse(f"Claim.item[{i}].locationCodeableConcept", "not a CMS place-of-service code")
                continue
            places.append((i, str(codings[0].code)))
        service_date = self._one(dates, "serviced[x]", "service date")
        if service_date is not None and not isinstance(service_date, date):
            self.refuse("Claim.item[0].serviced[x]", "the service date must be a full date")
            service_date = None
        if isinstance(service_date, datetime):
            service_date = service_date.date()
        return service_date, self._one(places, "locationCodeableConcept", "place of service")

    def _one(self, values: Sequence[tuple[int, Any]], element: str, what: str) -> Any:
        for i, value in values:
            if value is None:
                self.refuse(f"Claim.item[{i}].{element}", f"a {what} is required (or Claim.billablePeriod)")
                return None
            if value != values[0][1]:
                self.refuse(f"Claim.item[{i}].{element}", f"every line must share the claim's one {what}")
                return None
        return values[0][1] if values else None

    def notes(self, claim: Claim, author: str) -> tuple[NoteDraft, ...]:
        found: list[NoteDraft] = []
        for i, info in enumerate(claim.supportingInfo or ()):
            if info.valueString is None:
                self.refuse(f"Claim.supportingInfo[{i}].value[x]", "only text (valueString) becomes a note")
                continue
            written = _as_timestamp(info.timingDate) or _as_timestamp(claim.created)
            seq = int(info.sequence or i + 1)
            if written is None:
                self.refuse("Claim.created", "a note needs a time: supportingInfo.timingDate or created")
            elif any(n.seq == seq for n in found):
                self.refuse(f"Claim.supportingInfo[{i}].sequence", "supportingInfo sequences must be unique")
            else:
                body = self.text(info.valueString, f"Claim.supportingInfo[{i}].valueString")
                found.append(NoteDraft(seq=seq, author=author, written_at=written, body=body))
        return tuple(found)


def _as_timestamp(value: object) -> datetime | None:
    """A FHIR date or dateTime as the naive UTC timestamp the system of record stores."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC).replace(tzinfo=None)
    return None


def _diagnosis_sensitivity(code: str) -> str:
    """The sensitivity a diagnosis alone implies (ICD-10-CM chapters F, B20 and Z21)."""
    norm = normalize_icd10(code)
    if norm[:3] in {f"F{n}" for n in range(10, 20)}:
        return "substance_use"
    if norm[:3] in ("B20", "Z21"):
        return "hiv"
    return "behavioral_health" if norm.startswith("F") else "none"


def map_claim(claim: Claim) -> ClaimDraft | list[Unmappable]:
    """Map a validated ``Claim`` to a :class:`ClaimDraft`, or say every element that cannot be."""
    m = _Mapper()
    if claim.status != "active":
        m.refuse("Claim.status", f"only an active claim is adjudicated, not {claim.status}")
    if claim.use != "claim":
        m.refuse("Claim.use", f"only use 'claim' is adjudicated, not {claim.use}")
    identifier = m.identifier(claim)
    member_id = m.member(claim.patient)
    provider = m.provider(claim.provider)
    items = list(claim.item or ())
    if not items:
        m.refuse("Claim.item", "a claim needs at least one line")
    lines = [m.line(i, item) for i, item in enumerate(items)]
    service_date, place = m.shared(items, claim)
    diagnoses = m.diagnoses(claim)
    total = sum((ln.billed_amount for ln in lines if ln is not None), Decimal("0.00"))
    stated = m.money(claim.total, "Claim.total")
    if stated is not None and stated != total and all(ln is not None for ln in lines):
        m.refuse("Claim.total", f"total {stated} is not the sum of the lines ({total})")
    elif total > MAX_AMOUNT:
        m.refuse("Claim.item", f"the lines add up to more than {MAX_AMOUNT}")
    display = m.text(claim.provider.display, "Claim.provider.display") if claim.provider.display else None
    author = display or (f"NPI {provider.npi}" if provider else "provider")
    claim_id = claim_id_for(*identifier) if identifier else ""
    notes = m.notes(claim, author)
    if m.problems:
        return m.problems
    assert identifier and member_id and provider and service_date and place  # every gap refused above
    return ClaimDraft(
        claim_id=claim_id,
        identifier=f"{identifier[0]}|{identifier[1]}",
        member_id=member_id,
        provider=provider,
        service_date=service_date,
        place_of_service=place,
        total_billed=total,
        sensitivity=m.sensitivity(claim, diagnoses),
        diagnoses=diagnoses,
        lines=tuple(ln for ln in lines if ln is not None),
        notes=notes,
    )
