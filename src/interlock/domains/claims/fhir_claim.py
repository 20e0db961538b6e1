"""A FHIR R4 ``Claim`` (bare, or in a Bundle) mapped onto the system of record's claim tables, purely.

Clearinghouses, provider systems and EHRs send claims as FHIR, each in its own way: a
bare Claim naming ``Patient/<member id>`` and the billing NPI, or a Bundle whose Claim
references a Patient, a Coverage, an Organization and Conditions sent beside it. This
module turns what was sent into a :class:`ClaimDraft` (the rows of ``claims``,
``claim_lines``, ``claim_diagnoses`` and ``clinical_notes`` of SPEC.md that do not
depend on other records) or into the list of :class:`Unmappable` elements, each named
by its FHIR path, so the sender learns everything wrong with a claim in one answer.
Looking up the member and provider and writing the rows is the connector's job
(:mod:`interlock.domains.claims.intake_store`); authorizing it is the API's.

The FHIR version: ``fhir.resources`` 8 ships R5 at its top level, ``R4B`` (4.3.0) and
``STU3``, and no R4 (4.0.1) package. R4B is R4 with changes confined to medication
definitions, subscriptions and a few new resources; the financial module, and so
``Claim``, is the same in both, so R4 claims validate against the R4B model.

What the system of record cannot hold is refused rather than dropped
(:mod:`~interlock.domains.claims.fhir_elements` lists the elements): sub-lines,
modifiers, revenue codes, an accident, more than one service date or place of service
per claim, money in another currency than USD, or totals that do not add up.
Diagnosis and procedure codes are kept as billed, as SPEC.md requires: an invalid
diagnosis is rule 6's finding and an uncovered procedure rule 7's, not ingest errors.
What is not even shaped like a code of its system (or like an id: the identifier, the
member) is refused, since codes and ids reach the audit trail and free text must not.
Likewise a well-formed NPI absent from ``providers`` is rule 4's finding.

Module :mod:`~interlock.domains.claims.fhir_answer` builds what goes back (a
``ClaimResponse`` or an ``OperationOutcome``); both are re-exported here, the one
module the HTTP API reads intake from.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final

from fhir.resources.R4B.claim import Claim, ClaimItem
from fhir.resources.R4B.money import Money

from interlock.domains.claims.codesets import is_valid_place_of_service, normalize_icd10
from interlock.domains.claims.fhir_answer import (
    FHIR_JSON,
    claim_response,
    operation_outcome,
    outcome_for,
    refused_event,
    wants_fhir,
)
from interlock.domains.claims.fhir_elements import unkept
from interlock.domains.claims.fhir_input import (
    Found,
    Submission,
    Unmappable,
    conditional_identifier,
    fhir_path,
    read_submission,
)

__all__ = [
    "ACT_CODE_SYSTEM",
    "FHIR_JSON",
    "FHIR_VERSION",
    "ICD10_CM_SYSTEM",
    "MEMBER_SYSTEM",
    "NPI_SYSTEM",
    "POS_SYSTEM",
    "SENSITIVITY_RANK",
    "ClaimDraft",
    "LineDraft",
    "Mapped",
    "MemberMatch",
    "NoteDraft",
    "ProviderRef",
    "Unmappable",
    "claim_id_for",
    "claim_response",
    "fhir_path",
    "map_claim",
    "map_parts",
    "map_submission",
    "operation_outcome",
    "outcome_for",
    "parse_claim",
    "read_claim",
    "read_submission",
    "refused_event",
    "wants_fhir",
]

FHIR_VERSION: Final = "4.3.0 (R4B; its Claim is R4's)"
NPI_SYSTEM: Final = "http://hl7.org/fhir/sid/us-npi"
ICD10_CM_SYSTEM: Final = "http://hl7.org/fhir/sid/icd-10-cm"
#: WHO ICD-10. US senders write it for ICD-10-CM codes; kept as ICD-10-CM, and rule 6 judges each code.
ICD10_SYSTEM: Final = "http://hl7.org/fhir/sid/icd-10"
DIAGNOSIS_SYSTEMS: Final = (ICD10_CM_SYSTEM, ICD10_SYSTEM)
POS_SYSTEM: Final = "https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set"
#: HL7's code system publishing the same CMS place-of-service codes.
POS_HL7_SYSTEM: Final = "http://terminology.hl7.org/CodeSystem/ex-serviceplace"
MEMBER_SYSTEM: Final = "urn:northwind:member-id"
SSN_SYSTEM: Final = "http://hl7.org/fhir/sid/us-ssn"
IDENTIFIER_TYPE_SYSTEM: Final = "http://terminology.hl7.org/CodeSystem/v2-0203"
#: v2-0203 identifier types that name the payer's member: member number, subscriber number.
MEMBER_ID_TYPES: Final = frozenset({"MB", "SN"})
URI_SYSTEM: Final = "urn:ietf:rfc:3986"
ACT_CODE_SYSTEM: Final = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
CLAIM_TYPE_SYSTEM: Final = "http://terminology.hl7.org/CodeSystem/claim-type"
CLAIM_TYPES: Final = ("professional", "institutional")
CPT_SYSTEM: Final = "http://www.ama-assn.org/go/cpt"
HCPCS_SYSTEMS: Final = (
    "https://bluebutton.cms.gov/resources/codesystem/hcpcs",
    "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets",
)
SNOMED_SYSTEM: Final = "http://snomed.info/sct"
CVX_SYSTEM: Final = "http://hl7.org/fhir/sid/cvx"
#: The procedure code systems kept as billed, and each one's code shape. The shapes do
#: not overlap (five characters; six digits or more; one to three digits), so a code in
#: ``claim_lines.procedure_code`` is unambiguous without its system; rule 7 then judges
#: whether the plan covers it. A code without a system is read as CPT or HCPCS.
PROCEDURE_SHAPES: Final[Mapping[str | None, re.Pattern[str]]] = {
    None: re.compile(r"^[A-Z0-9]{5}$"),
    CPT_SYSTEM: re.compile(r"^[0-9]{4}[0-9A-Z]$"),
    HCPCS_SYSTEMS[0]: re.compile(r"^[A-Z][0-9]{4}$"),
    HCPCS_SYSTEMS[1]: re.compile(r"^[A-Z][0-9]{4}$"),
    SNOMED_SYSTEM: re.compile(r"^[1-9][0-9]{5,17}$"),
    CVX_SYSTEM: re.compile(r"^[0-9]{1,3}$"),
}
#: The place of service a line without one takes from its encounter's class (v3-ActCode).
PLACE_BY_ENCOUNTER_CLASS: Final[Mapping[str, str]] = {
    "AMB": "11",
    "EMER": "23",
    "IMP": "21",
    "ACUTE": "21",
    "NONAC": "21",
    "OBSENC": "22",
    "SS": "22",
    "HH": "12",
    "VR": "02",
}
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
_NPI_SHAPE: Final = re.compile(r"^\d{10}$")
_UUID_SHAPE: Final = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)
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
#: An amount with more than two decimals is taken as its cent value when it differs from
#: it by less than this fraction of it: binary floating-point noise from the sender's
#: arithmetic (Synthea's ``1308.6999999999998``). A real fraction of a cent is refused.
FLOAT_NOISE: Final = Decimal("1e-12")
#: The largest amount ``NUMERIC(12,2)`` holds, and the largest ``INTEGER`` for units.
MAX_AMOUNT: Final = Decimal("9999999999.99")
MAX_UNITS: Final = 2**31 - 1


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
    #: The FHIR ``item.sequence`` the line came from, which a ClaimResponse answers by.
    sequence: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class NoteDraft:
    """One ``clinical_notes`` row (its id is derived from the claim id and ``seq``)."""

    seq: int
    author: str
    written_at: datetime
    body: str


@dataclass(frozen=True, slots=True, kw_only=True)
class MemberMatch:
    """A member named by demographics instead of an id: SSN, birth date and family name must all match.

    A sender that does not know the payer's member id (an EHR, Synthea) still knows
    these; the system of record holds them, and only one member can have all three.
    """

    ssn: str
    birth_date: date
    family: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ClaimDraft:
    """Everything of a claim that what was sent alone determines.

    ``claim_id`` is derived from the FHIR business identifier, so posting the same
    resource twice names the same claim: the identifier is the idempotency key, and the
    system of record needs no extra column to remember it. ``member_id`` is empty when
    the member is named by :class:`MemberMatch` and not yet looked up.
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
    claim_type: str = "professional"
    member_match: MemberMatch | None = None

    def with_member(self, member_id: str) -> ClaimDraft:
        """This draft once its member is known."""
        return replace(self, member_id=member_id, member_match=None)


def claim_id_for(system: str, value: str) -> str:
    """The claim id of a FHIR business identifier: stable, opaque, and the same on every post."""
    return "fhir-" + hashlib.sha256(f"{system}|{value}".encode()).hexdigest()[:20]


def parse_claim(raw: bytes) -> Claim | list[Unmappable]:
    """Validate ``raw`` JSON as a bare FHIR ``Claim``; money is parsed from the text, never a float."""
    read = read_submission(raw)
    if isinstance(read, list):
        return read
    return read.claim


@dataclass(slots=True)
class _Line:
    index: int
    sequence: int
    code: str
    units: int
    amount: Decimal | None


class _Mapper:
    """Collects every unmappable element while it maps the ones that can be mapped."""

    def __init__(self, sub: Submission) -> None:
        self.sub = sub
        self.problems: list[Unmappable] = sub.problems
        self.dx_codings: dict[int, set[tuple[str | None, str]]] = {}

    def refuse(self, path: str, reason: str, code: str = "invalid") -> None:
        self.problems.append(Unmappable(path=self.sub.at(path), reason=reason, code=code))

    def money(self, value: Money | None, path: str) -> Decimal | None:
        if value is None or value.value is None:
            return None
        if value.currency != CURRENCY:
            self.refuse(
                f"{path}.currency",
                f"amounts must be in {CURRENCY}, not {value.currency or 'unstated'}",
                "not-supported",
            )
            return None
        amount = Decimal(value.value)
        if not amount.is_finite() or not 0 <= amount <= MAX_AMOUNT:
            self.refuse(f"{path}.value", f"amounts are whole cents from 0 to {MAX_AMOUNT}", "value")
            return None
        cents = amount.quantize(_CENT, rounding=ROUND_HALF_UP)
        if amount != cents and not abs(amount - cents) <= cents * FLOAT_NOISE:
            self.refuse(f"{path}.value", f"amounts are whole cents from 0 to {MAX_AMOUNT}", "value")
            return None
        return cents

    def text(self, value: str, path: str) -> str:
        """``value`` if a database can store it (no NUL character); refused otherwise."""
        if "\x00" in value:
            self.refuse(path, "text may not contain a NUL character", "value")
        return value

    def identifier(self, claim: Claim) -> tuple[str, str] | None:
        found = [i for i in claim.identifier or () if i.value]
        if not found:
            uuid = self.uuid(claim)
            if uuid is not None:
                return URI_SYSTEM, uuid
            self.refuse(
                "Claim.identifier",
                "a business identifier (system and value) is required; without one, the Claim's "
                "UUID (its id, or a urn:uuid fullUrl in the Bundle) identifies it",
                "required",
            )
            return None
        if not found[0].system:
            self.refuse(
                "Claim.identifier[0].system", "the identifier needs a system to be unique", "required"
            )
            return None
        system, value = str(found[0].system), str(found[0].value)
        if not _IDENTIFIER_SYSTEM_SHAPE.match(system):
            self.refuse("Claim.identifier[0].system", "a URI of printable characters, at most 256", "value")
            return None
        if not _IDENTIFIER_VALUE_SHAPE.match(value):
            self.refuse(
                "Claim.identifier[0].value", "at most 128 letters, digits and . _ : / @ # + | -", "value"
            )
            return None
        return system, value

    def uuid(self, claim: Claim) -> str | None:
        """``urn:uuid:<id>`` when the Claim has a UUID id or full URL: unique by construction."""
        full_url = self.sub.full_url or ""
        if full_url.lower().startswith("urn:uuid:") and _UUID_SHAPE.match(full_url[9:]):
            return full_url.lower()
        if claim.id and _UUID_SHAPE.match(str(claim.id)):
            return f"urn:uuid:{str(claim.id).lower()}"
        return None

    def claim_type(self, claim: Claim) -> str:
        codes = {str(c.code) for c in claim.type.coding or () if c.system in (None, CLAIM_TYPE_SYSTEM)}
        found = next((t for t in CLAIM_TYPES if t in codes), None)
        if found is None:
            self.refuse(
                "Claim.type",
                f"Interlock adjudicates professional and institutional claims ({CLAIM_TYPE_SYSTEM}); "
                "oral, vision and pharmacy claims are not taken",
                "not-supported",
            )
        return found or "professional"

    def use(self, claim: Claim) -> None:
        if claim.use == "preauthorization":
            self.refuse(
                "Claim.use",
                "prior authorization requests are not taken yet: only use 'claim' is adjudicated",
                "not-supported",
            )
        elif claim.use != "claim":
            self.refuse("Claim.use", f"only use 'claim' is adjudicated, not {claim.use}", "not-supported")

    # -- the member ---------------------------------------------------------------------

    def member(self, claim: Claim) -> tuple[str | None, MemberMatch | None]:
        """The member id the claim names, or the demographics to find the member by.

        Every source that names a member (the focal Coverage's member or subscriber id,
        the Patient's member identifier, a literal ``Patient/<member id>``) must name
        the same one; demographics are used only when none names an id.
        """
        ref = claim.patient
        before = len(self.problems)
        ids: list[tuple[str, str]] = []
        coverage = self.focal_coverage(claim)
        if coverage is not None:
            ids += _member_ids(coverage.raw, coverage.path, coverage=True)
        if ref.identifier is not None and ref.identifier.system == MEMBER_SYSTEM and ref.identifier.value:
            ids.append((str(ref.identifier.value), "Claim.patient.identifier.value"))
        text = str(ref.reference or "")
        wanted = conditional_identifier(text) if text.startswith("Patient?") else None
        if wanted is not None and wanted[0] == MEMBER_SYSTEM:
            ids.append((wanted[1], "Claim.patient.reference"))
        patient = self.sub.resolve(ref, "Claim.patient", ("Patient",))
        match: MemberMatch | None = None
        if patient is not None:
            ids += _member_ids(patient.raw, patient.path, coverage=False)
            match = _demographics(patient.raw)
        elif text.startswith("Patient/") and len(text) > len("Patient/") and len(self.problems) == before:
            ids.append((text.removeprefix("Patient/"), "Claim.patient.reference"))
        if len(self.problems) > before:
            return None, None
        if not ids and match is None:
            if patient is not None:
                self.refuse(
                    f"{patient.path}.identifier",
                    f"the Patient names no member: send an identifier of {MEMBER_SYSTEM} (or of type MB), "
                    "the member's Coverage, or the SSN with the birth date and family name",
                    "not-found",
                )
            else:
                self.refuse(
                    "Claim.patient",
                    f"reference Patient/<member id>, an identifier of {MEMBER_SYSTEM}, or send the Patient "
                    "or the member's Coverage with the claim (contained or in the Bundle)",
                    "not-found",
                )
            return None, None
        checked = [self.member_id(value, path) for value, path in ids]
        if any(c is None for c in checked):
            return None, None
        distinct = sorted({c for c in checked if c is not None})
        if len(distinct) > 1:
            self.refuse("Claim.patient", "the Patient and the Coverage name different members", "conflict")
            return None, None
        return (distinct[0], None) if distinct else (None, match)

    def focal_coverage(self, claim: Claim) -> Found | None:
        """The focal insurance's Coverage when it was sent; a Coverage only referenced is not read."""
        entries = list(claim.insurance or ())
        focal = next((i for i, ins in enumerate(entries) if ins.focal), 0 if entries else None)
        for i, _ in enumerate(entries):
            if i != focal:
                self.refuse(
                    f"Claim.insurance[{i}]",
                    "Interlock adjudicates as the only payer: other coverage (coordination of benefits) "
                    "cannot be kept",
                    "not-supported",
                )
        if focal is None:
            return None
        return self.sub.resolve(entries[focal].coverage, f"Claim.insurance[{focal}].coverage", ("Coverage",))

    def member_id(self, value: str, path: str) -> str | None:
        if not _MEMBER_SHAPE.match(value):
            self.refuse(path, "a member id is at most 64 letters, digits and . _ -", "value")
            return None
        return value

    # -- the provider -------------------------------------------------------------------

    def provider(self, claim: Claim) -> ProviderRef | None:
        ref = claim.provider
        if ref.identifier is not None and ref.identifier.system == NPI_SYSTEM:
            return self.npi(
                str(ref.identifier.value or ""), "Claim.provider.identifier.value", must_exist=False
            )
        text = str(ref.reference or "")
        wanted = conditional_identifier(text) if "?" in text else None
        if wanted is not None and wanted[0] == NPI_SYSTEM:
            return self.npi(wanted[1], "Claim.provider.reference", must_exist=False)
        before = len(self.problems)
        found = self.sub.resolve(ref, "Claim.provider", ("Organization", "Practitioner"))
        if found is not None:
            for j, ident in enumerate(found.raw.get("identifier") or ()):
                if isinstance(ident, dict) and ident.get("system") == NPI_SYSTEM:
                    return self.npi(
                        str(ident.get("value") or ""), f"{found.path}.identifier[{j}].value", False
                    )
            self.refuse(
                f"{found.path}.identifier",
                f"the {found.resource_type} carries no NPI: an identifier of {NPI_SYSTEM}",
                "required",
            )
            return None
        if len(self.problems) > before:
            return None
        kind, _, npi = text.partition("/")
        if kind in ("Practitioner", "Organization") and _NPI_SHAPE.match(npi):
            return ProviderRef(npi=npi, must_exist=True, path="Claim.provider.reference")
        self.refuse(
            "Claim.provider",
            f"an identifier of {NPI_SYSTEM}, the Organization or Practitioner carrying its NPI (contained "
            "or in the Bundle), or Practitioner/<npi>",
            "not-found",
        )
        return None

    def npi(self, value: str, path: str, must_exist: bool) -> ProviderRef | None:
        if not _NPI_SHAPE.match(value):
            self.refuse(path, "an NPI is ten digits", "value")
            return None
        return ProviderRef(npi=value, must_exist=must_exist, path=path)

    def payee(self, claim: Claim) -> None:
        payee = claim.payee
        if payee is None:
            return
        codes = {str(c.code) for c in payee.type.coding or ()}
        party = payee.party
        same = party is None or (party.reference is not None and party.reference == claim.provider.reference)
        if "provider" not in codes or not same:
            self.refuse(
                "Claim.payee",
                "Northwind pays the billing provider; another payee cannot be kept",
                "not-supported",
            )

    # -- codes --------------------------------------------------------------------------

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
            before = len(self.problems)
            concept_path = f"{path}.diagnosisCodeableConcept"
            concept = dx.diagnosisCodeableConcept
            if concept is None and dx.diagnosisReference is not None:
                found = self.sub.resolve(dx.diagnosisReference, f"{path}.diagnosisReference", ("Condition",))
                if found is not None:
                    concept, concept_path = getattr(found.model, "code", None), f"{found.path}.code"
                elif len(self.problems) == before:
                    self.refuse(
                        f"{path}.diagnosis[x]",
                        "the referenced Condition was not sent: contain it, put it in the Bundle, or send "
                        "the ICD-10-CM code as diagnosisCodeableConcept",
                        "not-found",
                    )
            if len(self.problems) > before:
                continue
            codings = [(j, c) for j, c in enumerate(concept.coding or ()) if c.code] if concept else []
            seq = int(dx.sequence or i + 1)
            self.dx_codings[seq] = {(str(c.system) if c.system else None, str(c.code)) for _, c in codings}
            pick = next(((j, c) for j, c in codings if c.system in DIAGNOSIS_SYSTEMS), None)
            if not codings:
                self.refuse(
                    f"{path}.diagnosis[x]" if concept_path.startswith(path) else concept_path,
                    "a diagnosis must be an ICD-10-CM code",
                    "required",
                )
            elif pick is None:
                self.refuse(
                    f"{concept_path}.coding[{codings[0][0]}].system",
                    f"diagnoses are coded in ICD-10-CM: send a coding of {ICD10_CM_SYSTEM}",
                    "code-invalid",
                )
            elif seq in codes:
                self.refuse(f"{path}.sequence", "diagnosis sequences must be unique")
            elif not _DIAGNOSIS_SHAPE.match(str(pick[1].code)):
                self.refuse(
                    f"{concept_path}.coding[{pick[0]}].code",
                    "not shaped like an ICD-10-CM code (three characters, then up to four after a dot)",
                    "code-invalid",
                )
            else:
                codes[seq] = str(pick[1].code)
        return tuple(codes[k] for k in sorted(codes))

    def procedure(self, item: ClaimItem, path: str) -> str | None:
        codings = [(j, c) for j, c in enumerate(item.productOrService.coding or ()) if c.code]
        for j, coding in codings:
            system = str(coding.system) if coding.system else None
            if system not in PROCEDURE_SHAPES:
                continue
            code = str(coding.code)
            code = code.upper() if system is None or len(code) == 5 else code
            if PROCEDURE_SHAPES[system].match(code):
                return code
            where = (
                f"{path}.productOrService" if system is None else f"{path}.productOrService.coding[{j}].code"
            )
            what = (
                "a five-character procedure code is required"
                if system is None
                else "not shaped like a code of its system"
            )
            self.refuse(where, what, "code-invalid")
            return None
        if codings:
            self.refuse(
                f"{path}.productOrService.coding[{codings[0][0]}].system",
                f"procedures are coded in CPT ({CPT_SYSTEM}), HCPCS ({HCPCS_SYSTEMS[0]}), SNOMED CT "
                f"({SNOMED_SYSTEM}) or CVX ({CVX_SYSTEM})",
                "code-invalid",
            )
        else:
            self.refuse(f"{path}.productOrService", "a five-character procedure code is required", "required")
        return None

    def restates_diagnosis(self, item: ClaimItem) -> bool:
        """True for a line that only points at a diagnosis and bills nothing (Synthea writes these).

        Such a line carries the diagnosis's own code and no amount: the diagnosis is kept
        with the claim, and the line has nothing else to keep.
        """
        if item.net is not None or item.unitPrice is not None or not item.diagnosisSequence:
            return False
        codes = {
            (str(c.system) if c.system else None, str(c.code)) for c in item.productOrService.coding or ()
        }
        pointed: set[tuple[str | None, str]] = set()
        for seq in item.diagnosisSequence:
            pointed |= self.dx_codings.get(int(seq or 0), set())
        return bool(codes) and codes <= pointed

    # -- lines --------------------------------------------------------------------------

    def line(self, i: int, item: ClaimItem) -> _Line | None:
        path = f"Claim.item[{i}]"
        count = len(self.problems)
        code = self.procedure(item, path)
        units = (
            Decimal(item.quantity.value) if item.quantity and item.quantity.value is not None else Decimal(1)
        )
        if not units.is_finite() or not 1 <= units <= MAX_UNITS or units != units.to_integral_value():
            self.refuse(f"{path}.quantity.value", f"units are a whole number from 1 to {MAX_UNITS}", "value")
            units = Decimal(1)
        net = self.money(item.net, f"{path}.net")
        price = self.money(item.unitPrice, f"{path}.unitPrice")
        factor = Decimal(item.factor) if item.factor is not None else Decimal(1)
        if not factor.is_finite() or not 0 <= factor <= 1000:
            self.refuse(f"{path}.factor", "a factor is from 0 to 1000", "value")
            factor = Decimal(1)
        expected = price * units * factor if price is not None else None
        if net is None and expected is not None and expected == expected.quantize(_CENT):
            net = expected
        elif net is not None and expected is not None and expected != net:
            self.refuse(f"{path}.net", f"net {net} is not unitPrice x quantity x factor ({expected})")
        elif net is None and item.net is None and item.unitPrice is not None and len(self.problems) == count:
            self.refuse(
                f"{path}.net", f"unitPrice x quantity x factor ({expected}) is not whole cents", "value"
            )
        if len(self.problems) > count or code is None:
            return None
        return _Line(index=i, sequence=int(item.sequence or i + 1), code=code, units=int(units), amount=net)

    def priced(self, lines: list[_Line], stated: Decimal | None) -> None:
        """Give the claim's one unpriced line the rest of ``Claim.total``; refuse any other gap.

        A sender that bills a visit and its procedures may price the procedures and leave
        the visit to the total (Synthea does): the total is what was billed, so the visit
        is the difference. With two unpriced lines the split is unknown, and is refused.
        """
        unpriced = [ln for ln in lines if ln.amount is None]
        rest = (stated or Decimal(0)) - sum((ln.amount for ln in lines if ln.amount is not None), Decimal(0))
        if len(unpriced) == 1 and stated is not None and rest >= 0:
            unpriced[0].amount = rest
            return
        for ln in unpriced:
            self.refuse(
                f"Claim.item[{ln.index}].net",
                "each line needs its billed amount (net, or unitPrice); only one line of a claim may "
                "leave its amount to Claim.total",
                "required",
            )

    def shared(self, items: Sequence[tuple[int, ClaimItem]], claim: Claim) -> tuple[date | None, str | None]:
        """The one service date and place of service all lines share (SPEC.md holds one)."""
        dates: list[tuple[int, Any]] = []
        places: list[tuple[int, str | None]] = []
        fallback = claim.billablePeriod.start if claim.billablePeriod is not None else None
        for i, item in items:
            served = item.servicedDate or (item.servicedPeriod.start if item.servicedPeriod else None)
            dates.append((i, served or fallback))
            concept = item.locationCodeableConcept
            if concept is None:
                places.append((i, None))
                continue
            codings = [(j, c) for j, c in enumerate(concept.coding or ()) if c.code]
            pick = next(((j, c) for j, c in codings if c.system in (None, POS_SYSTEM, POS_HL7_SYSTEM)), None)
            if not codings:
                self.refuse(
                    f"Claim.item[{i}].location[x]", "a CMS place-of-service code is required", "required"
                )
            elif pick is None:
                self.refuse(
                    f"Claim.item[{i}].locationCodeableConcept.coding[{codings[0][0]}].system",
                    f"places of service are coded in the CMS code set: use {POS_SYSTEM}",
                    "code-invalid",
                )
            elif not is_valid_place_of_service(str(pick[1].code)):
                self.refuse(
                    f"Claim.item[{i}].locationCodeableConcept",
                    f"not a CMS place-of-service code ({POS_SYSTEM})",
                    "code-invalid",
                )
            else:
                places.append((i, str(pick[1].code)))
        if any(p is None for _, p in places):
            derived = self.place_from_encounters(items)
            for k, (i, place) in enumerate(places):
                if place is None and derived is None:
                    self.refuse(
                        f"Claim.item[{i}].location[x]",
                        "a CMS place-of-service code is required (item.locationCodeableConcept), or an "
                        "item.encounter whose class names the place",
                        "required",
                    )
                    return None, None
                places[k] = (i, place or derived)
        service_date = self._one(dates, "serviced[x]", "service date")
        if service_date is not None and not isinstance(service_date, date):
            self.refuse(
                f"Claim.item[{items[0][0]}].serviced[x]", "the service date must be a full date", "value"
            )
            service_date = None
        if isinstance(service_date, datetime):
            service_date = service_date.date()
        return service_date, self._one(places, "locationCodeableConcept", "place of service")

    def place_from_encounters(self, items: Sequence[tuple[int, ClaimItem]]) -> str | None:
        """The place of service the lines' encounters name by their class, when they agree on one."""
        found: set[str] = set()
        for i, item in items:
            for k, ref in enumerate(item.encounter or ()):
                encounter = self.sub.resolve(ref, f"Claim.item[{i}].encounter[{k}]", ("Encounter",))
                klass = encounter.raw.get("class") if encounter is not None else None
                if isinstance(klass, dict) and klass.get("system") in (None, ACT_CODE_SYSTEM):
                    place = PLACE_BY_ENCOUNTER_CLASS.get(str(klass.get("code")))
                    if place is not None:
                        found.add(place)
        return found.pop() if len(found) == 1 else None

    def _one(self, values: Sequence[tuple[int, Any]], element: str, what: str) -> Any:
        for i, value in values:
            if value is None:
                self.refuse(
                    f"Claim.item[{i}].{element}",
                    f"a {what} is required (or Claim.billablePeriod)",
                    "required",
                )
                return None
            if value != values[0][1]:
                self.refuse(
                    f"Claim.item[{i}].{element}",
                    f"every line must share the claim's one {what}",
                    "not-supported",
                )
                return None
        return values[0][1] if values else None

    def notes(self, claim: Claim, author: str) -> tuple[NoteDraft, ...]:
        found: list[NoteDraft] = []
        for i, info in enumerate(claim.supportingInfo or ()):
            if info.valueString is None:
                self.refuse(
                    f"Claim.supportingInfo[{i}].value[x]",
                    "only text (valueString) becomes a note",
                    "not-supported",
                )
                continue
            written = _as_timestamp(info.timingDate) or _as_timestamp(claim.created)
            seq = int(info.sequence or i + 1)
            if written is None:
                self.refuse(
                    "Claim.created", "a note needs a time: supportingInfo.timingDate or created", "required"
                )
            elif any(n.seq == seq for n in found):
                self.refuse(f"Claim.supportingInfo[{i}].sequence", "supportingInfo sequences must be unique")
            else:
                body = self.text(info.valueString, f"Claim.supportingInfo[{i}].valueString")
                found.append(NoteDraft(seq=seq, author=author, written_at=written, body=body))
        return tuple(found)


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _member_ids(raw: Mapping[str, Any], path: str, *, coverage: bool) -> list[tuple[str, str]]:
    """The payer member ids a Patient or Coverage carries, each with its path."""
    found: list[tuple[str, str]] = []
    for j, ident in enumerate(raw.get("identifier") or ()):
        if not isinstance(ident, dict) or not isinstance(ident.get("value"), str):
            continue
        kind = _dict(ident.get("type"))
        types = {
            c.get("code")
            for c in kind.get("coding") or ()
            if isinstance(c, dict) and c.get("system") in (None, IDENTIFIER_TYPE_SYSTEM)
        }
        if ident.get("system") == MEMBER_SYSTEM or types & MEMBER_ID_TYPES:
            found.append((str(ident["value"]), f"{path}.identifier[{j}].value"))
    relationship = _dict(raw.get("relationship"))
    codes = {c.get("code") for c in relationship.get("coding") or () if isinstance(c, dict)}
    # The subscriber's id is the member's own only when the member is the subscriber.
    if coverage and isinstance(raw.get("subscriberId"), str) and (not codes or "self" in codes):
        found.append((str(raw["subscriberId"]), f"{path}.subscriberId"))
    return found


def _demographics(raw: Mapping[str, Any]) -> MemberMatch | None:
    """SSN, birth date and family name of a Patient, when it carries all three."""
    ssn = None
    for ident in raw.get("identifier") or ():
        if not isinstance(ident, dict) or not isinstance(ident.get("value"), str):
            continue
        kind = _dict(ident.get("type"))
        types = {c.get("code") for c in kind.get("coding") or () if isinstance(c, dict)}
        if ident.get("system") == SSN_SYSTEM or "SS" in types:
            digits = re.sub(r"[\s-]", "", str(ident["value"]))
            ssn = digits if re.fullmatch(r"\d{9}", digits) else None
    names = [n for n in raw.get("name") or () if isinstance(n, dict) and isinstance(n.get("family"), str)]
    official = [n for n in names if n.get("use") == "official"] or names
    born = raw.get("birthDate")
    try:
        birth = date.fromisoformat(born) if isinstance(born, str) and len(born) == 10 else None
    except ValueError:
        birth = None
    if ssn is None or birth is None or not official:
        return None
    return MemberMatch(ssn=ssn, birth_date=birth, family=str(official[0]["family"]).casefold())


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
    """Map a validated bare ``Claim`` to a :class:`ClaimDraft`, or say every element that cannot be."""
    raw = claim.model_dump(by_alias=True, exclude_none=True)
    return map_submission(Submission(claim=claim, raw=dict(raw)))


def read_claim(raw: bytes) -> ClaimDraft | list[Unmappable]:
    """What was posted (a Claim, or a Bundle carrying one) as a draft, or every problem with it."""
    sub = read_submission(raw)
    return sub if isinstance(sub, list) else map_submission(sub)


def map_submission(sub: Submission) -> ClaimDraft | list[Unmappable]:
    """Map the submission's Claim to a :class:`ClaimDraft`, or say every element that cannot be."""
    mapped = map_parts(sub)
    return mapped.draft if mapped.draft is not None else mapped.problems


@dataclass(frozen=True, slots=True, kw_only=True)
class Mapped:
    """What mapping found: the draft when nothing is wrong, and otherwise every problem.

    The member and the provider are given either way, as far as they could be read, so
    that intake can look them up and report an unknown one together with every other
    problem rather than in a second answer.
    """

    draft: ClaimDraft | None
    problems: list[Unmappable]
    member_id: str | None
    member_match: MemberMatch | None
    provider: ProviderRef | None


def map_parts(sub: Submission) -> Mapped:
    """Map the submission's Claim, keeping the member and provider it names even when it has problems."""
    claim = sub.claim
    m = _Mapper(sub)
    if claim.status != "active":
        m.refuse("Claim.status", f"only an active claim is adjudicated, not {claim.status}", "not-supported")
    m.use(claim)
    claim_type = m.claim_type(claim)
    for problem in unkept(sub.raw):
        m.refuse(problem.path, problem.reason, problem.code)
    identifier = m.identifier(claim)
    member_id, match = m.member(claim)
    provider = m.provider(claim)
    m.payee(claim)
    diagnoses = m.diagnoses(claim)
    items = [(i, item) for i, item in enumerate(claim.item or ()) if not m.restates_diagnosis(item)]
    if not items:
        m.refuse("Claim.item", "a claim needs at least one line", "required")
    lines = [m.line(i, item) for i, item in items]
    service_date, place = m.shared(items, claim)
    stated = m.money(claim.total, "Claim.total")
    kept = [ln for ln in lines if ln is not None]
    if len(kept) == len(lines):
        m.priced(kept, stated)
    total = sum((ln.amount for ln in kept if ln.amount is not None), Decimal("0.00"))
    if (
        stated is not None
        and stated != total
        and all(ln is not None and ln.amount is not None for ln in lines)
    ):
        m.refuse("Claim.total", f"total {stated} is not the sum of the lines ({total})")
    elif total > MAX_AMOUNT:
        m.refuse("Claim.item", f"the lines add up to more than {MAX_AMOUNT}", "value")
    display = m.text(claim.provider.display, "Claim.provider.display") if claim.provider.display else None
    author = display or (f"NPI {provider.npi}" if provider else "provider")
    claim_id = claim_id_for(*identifier) if identifier else ""
    notes = m.notes(claim, author)
    if m.problems:
        return Mapped(
            draft=None, problems=m.problems, member_id=member_id, member_match=match, provider=provider
        )
    assert identifier and (member_id or match) and provider and service_date and place  # refused above
    draft = ClaimDraft(
        claim_id=claim_id,
        identifier=f"{identifier[0]}|{identifier[1]}",
        member_id=member_id or "",
        provider=provider,
        service_date=service_date,
        place_of_service=place,
        total_billed=total,
        sensitivity=m.sensitivity(claim, diagnoses),
        diagnoses=diagnoses,
        lines=tuple(
            LineDraft(
                line_no=n,
                procedure_code=ln.code,
                units=ln.units,
                billed_amount=ln.amount or Decimal("0.00"),
                sequence=ln.sequence,
            )
            for n, ln in enumerate(kept, 1)
        ),
        notes=notes,
        claim_type=claim_type,
        member_match=match,
    )
    return Mapped(draft=draft, problems=[], member_id=member_id, member_match=match, provider=provider)
