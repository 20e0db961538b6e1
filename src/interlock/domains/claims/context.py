"""The context of one claim, as retrieved from the system of record.

Every value the rules, the gate and a model see comes from here, and every piece
carries provenance (source table, record id, version) through its context item id,
so that a decision can name exactly what it was based on. These are plain frozen
values: the rules and the gate read them without touching a database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from interlock.task import ContextItem, Provenance, item_id_for

__all__ = [
    "Benefit",
    "Claim",
    "ClaimContext",
    "ClaimLine",
    "ClinicalNote",
    "ContextItem",
    "MedicalPolicy",
    "Member",
    "Plan",
    "PriorAuthorization",
    "Procedure",
    "Provenance",
    "Provider",
    "item_id_for",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class Claim:
    """The claim header (SPEC.md ``claims``)."""

    claim_id: str
    member_id: str
    billing_npi: str
    service_date: date
    received_date: date
    place_of_service: str
    total_billed: Decimal
    region: str
    line_of_business: str
    sensitivity: str
    status: str
    version: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ClaimLine:
    """One billed line (SPEC.md ``claim_lines``)."""

    line_no: int
    procedure_code: str
    units: int
    billed_amount: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class Member:
    """The member, with PHI fields present only as the scope's masks allow."""

    member_id: str
    plan_id: str
    region: str
    coverage_start: date
    coverage_end: date | None
    birth_date: date | None
    first_name: str
    last_name: str
    ssn: str
    address: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Plan:
    """The member's plan (SPEC.md ``plans``)."""

    plan_id: str
    line_of_business: str
    network_type: str
    coinsurance_pct: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class Provider:
    """The billing provider, when ``billing_npi`` is in ``providers``."""

    npi: str
    in_network: bool
    active: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class Procedure:
    """A catalogue entry: fee schedule and governing medical policy."""

    procedure_code: str
    description: str
    fee_schedule_amount: Decimal
    medical_policy_id: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Benefit:
    """The member's plan benefit for one procedure."""

    procedure_code: str
    covered: bool
    requires_prior_auth: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class MedicalPolicy:
    """A medical policy document with its numbered criteria in ``body``."""

    policy_id: str
    title: str
    body: str
    line_of_business: str | None
    effective_from: date
    effective_to: date | None
    updated_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class PriorAuthorization:
    """A prior authorization of the member (any procedure)."""

    auth_id: str
    procedure_code: str | None
    status: str | None
    valid_from: date | None
    valid_to: date | None


@dataclass(frozen=True, slots=True, kw_only=True)
class ClinicalNote:
    """Untrusted free text written by a provider."""

    note_id: str
    author: str
    written_at: datetime
    body: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ClaimContext:
    """Everything retrieved for one claim on behalf of one principal.

    ``approved_duplicates`` lists other claims with the same member, billing NPI,
    service date and multiset of procedure codes that carry an ``approve``
    adjudication (rule 3); it is computed by the connector because it needs other
    claims, and holds identifiers only.
    """

    claim: Claim
    lines: tuple[ClaimLine, ...]
    diagnoses: tuple[str, ...]
    member: Member | None
    plan: Plan | None
    provider: Provider | None
    procedures: dict[str, Procedure]
    benefits: dict[str, Benefit]
    policies: dict[str, MedicalPolicy]
    prior_auths: tuple[PriorAuthorization, ...]
    notes: tuple[ClinicalNote, ...]
    approved_duplicates: tuple[str, ...]
    items: tuple[ContextItem, ...]

    @property
    def record_id(self) -> str:
        """The claim id: the record this context decides."""
        return self.claim.claim_id

    @property
    def record_version(self) -> int:
        """The claim version that was read."""
        return self.claim.version

    def item_ids(self) -> frozenset[str]:
        """The ids of every context item retrieved (what a citation may point to)."""
        return frozenset(item.item_id for item in self.items)

    def note_item_id(self, note: ClinicalNote) -> str:
        """The context item id of ``note``."""
        return item_id_for("note", note.note_id, note.written_at.isoformat())

    def policy_item_id(self, policy: MedicalPolicy) -> str:
        """The context item id of ``policy``."""
        return item_id_for("policy", policy.policy_id, policy.updated_at.isoformat())
