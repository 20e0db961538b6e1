"""The policy manual applied to a claim the world writer drafted: its true outcome.

Pure: it reads the payer's reference data from a :class:`Book` and the claim from a
:class:`Draft`, and never touches a database. The writer calls :func:`decide` for the
people who decided the history (``automatic=False``: they read every note and may
finalize any amount) and for the backlog's truth file (``automatic=True``: high-value
claims, and Part 2 claims that pass rules 1 to 8, go to a person).

Rule 9 cannot be computed from text, so a draft carries what its notes were written
to settle (:data:`Necessity`); everything else is recomputed from the rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from interlock.domains.claims.testing.otherparty.codes import normalize_diagnosis, npi_is_valid
from interlock.domains.claims.testing.otherparty.model import Plan, Policy, Procedure
from interlock.domains.claims.testing.otherparty.notes import DraftNote, NotePlan

Outcome = Literal["approve", "deny", "review"]
Necessity = Literal["met", "not_met", "unsettled"]
CENT = Decimal("0.01")
HIGH_VALUE = Decimal("10000.00")
ZERO = Decimal("0.00")


@dataclass(frozen=True, slots=True, kw_only=True)
class Member:
    """A member row."""

    member_id: str
    first_name: str
    last_name: str
    birth_date: date
    ssn: str
    address: str
    plan_id: str
    region: str
    coverage_start: date
    coverage_end: date | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Provider:
    """A provider row."""

    npi: str
    name: str
    specialty: str
    region: str
    in_network: bool
    active: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class Auth:
    """A prior authorization row."""

    auth_id: str
    member_id: str
    procedure_code: str
    status: Literal["approved", "denied"]
    valid_from: date
    valid_to: date


@dataclass(frozen=True, slots=True, kw_only=True)
class Line:
    """A claim line."""

    procedure_code: str
    units: int
    billed: Decimal


@dataclass(slots=True, kw_only=True)
class Draft:
    """A claim as drafted, before it is written: rows plus what its notes settle."""

    claim_id: str
    member_id: str
    billing_npi: str
    service_date: date
    received_date: date
    place_of_service: str
    region: str
    line_of_business: str
    sensitivity: str
    lines: list[Line]
    diagnoses: list[str]
    notes: list[DraftNote] = field(default_factory=list)
    note_plan: NotePlan | None = None
    version: int = 1
    scenario: str = ""
    #: When a person decided it (history only): the duplicate rule looks at what was approved before.
    decided_at: datetime | None = None

    @property
    def total_billed(self) -> Decimal:
        """The sum of the lines' billed amounts."""
        return sum((line.billed for line in self.lines), ZERO)

    @property
    def key(self) -> tuple[str, str, date, tuple[str, ...]]:
        """What rule 3 compares: member, billing NPI, service date, multiset of codes."""
        return (
            self.member_id,
            self.billing_npi,
            self.service_date,
            tuple(sorted(line.procedure_code for line in self.lines)),
        )

    @property
    def necessity(self) -> Necessity | None:
        """What the notes settle about medical necessity (None when none were written for it)."""
        if self.note_plan is None:
            return None
        if self.note_plan == "met":
            return "met"
        if self.note_plan == "not_met":
            return "not_met"
        return "unsettled"


@dataclass(frozen=True, slots=True, kw_only=True)
class Book:
    """The payer's reference data, indexed for the rules."""

    members: Mapping[str, Member]
    plans: Mapping[str, Plan]
    providers: Mapping[str, Provider]
    procedures: Mapping[str, Procedure]
    policies: Mapping[str, Policy]
    #: (plan_id, procedure_code) -> (covered, requires_prior_auth)
    benefits: Mapping[tuple[str, str], tuple[bool, bool]]
    auths: Mapping[str, Sequence[Auth]]
    #: Billable ICD-10-CM codes, upper case without the dot.
    billable: frozenset[str]


@dataclass(frozen=True, slots=True, kw_only=True)
class Decision:
    """The correct outcome of one claim, with why."""

    outcome: Outcome
    carc: str | None
    allowed: Decimal
    paid: Decimal
    lines: tuple[tuple[Decimal, Decimal], ...]
    #: The rule that decided (1-9), or None for an approval or an always-a-person review.
    rule: int | None
    reason: str


def _first_failure(
    draft: Draft, book: Book, approved: frozenset[tuple[str, str, date, tuple[str, ...]]]
) -> tuple[int, str] | None:
    member = book.members[draft.member_id]
    plan = book.plans[member.plan_id]
    day = draft.service_date
    if day < member.coverage_start:
        return 1, "26"
    if member.coverage_end is not None and day > member.coverage_end:
        return 1, "27"
    if (draft.received_date - day).days > 365:
        return 2, "29"
    if draft.key in approved:
        return 3, "18"
    provider = book.providers.get(draft.billing_npi)
    if not npi_is_valid(draft.billing_npi) or provider is None or not provider.active:
        return 4, "208"
    if plan.network_type == "HMO" and not provider.in_network:
        return 5, "242"
    if any(normalize_diagnosis(code) not in book.billable for code in draft.diagnoses):
        return 6, "16"
    benefits = [book.benefits.get((plan.plan_id, line.procedure_code)) for line in draft.lines]
    if any(b is None or not b[0] for b in benefits):
        return 7, "204"
    for line, benefit in zip(draft.lines, benefits, strict=True):
        if (
            benefit is not None
            and benefit[1]
            and not _authorized(book, draft.member_id, line.procedure_code, day)
        ):
            return 8, "197"
    return None


def _authorized(book: Book, member_id: str, code: str, day: date) -> bool:
    return any(
        a.status == "approved" and a.procedure_code == code and a.valid_from <= day <= a.valid_to
        for a in book.auths.get(member_id, ())
    )


def line_amounts(draft: Draft, book: Book) -> tuple[tuple[Decimal, Decimal], ...]:
    """(allowed, paid) of each line: the fee schedule caps, the member pays coinsurance."""
    plan = book.plans[book.members[draft.member_id].plan_id]
    share = (Decimal(100) - plan.coinsurance_pct) / Decimal(100)
    out = []
    for line in draft.lines:
        cap = book.procedures[line.procedure_code].fee * line.units
        allowed = min(line.billed, cap).quantize(CENT)
        out.append((allowed, (allowed * share).quantize(CENT, rounding=ROUND_HALF_UP)))
    return tuple(out)


def governing_policies(draft: Draft, book: Book) -> list[Policy]:
    """The medical policies rule 9 applies to: in force on the service date, for the claim's line of business."""
    found = []
    for line in draft.lines:
        procedure = book.procedures.get(line.procedure_code)
        if procedure is None or procedure.policy_id is None:
            continue
        policy = book.policies[procedure.policy_id]
        if policy.in_force(draft.service_date) and policy.applies_to(draft.line_of_business):
            found.append(policy)
    return found


def decide(
    draft: Draft,
    book: Book,
    approved: frozenset[tuple[str, str, date, tuple[str, ...]]],
    *,
    automatic: bool,
) -> Decision:
    """The outcome the policy manual gives ``draft``; ``approved`` holds rule 3's keys of approved claims."""
    if automatic and draft.total_billed > HIGH_VALUE:
        return _review("high value")
    failure = _first_failure(draft, book, approved)
    if failure is not None:
        rule, carc = failure
        return Decision(
            outcome="deny",
            carc=carc,
            allowed=ZERO,
            paid=ZERO,
            lines=_zeros(draft),
            rule=rule,
            reason=f"rule {rule}",
        )
    if automatic and draft.sensitivity == "substance_use":
        # The manual lets a Part 2 claim be denied by rules 1 to 8 automatically; one that
        # passes them reaches rule 9 and goes to a person, policy or not.
        return _review("Part 2 claim past rules 1-8")
    if governing_policies(draft, book):
        necessity = draft.necessity
        if necessity is None:
            raise ValueError(f"{draft.claim_id}: a medical policy applies but no notes were planned")
        if necessity == "not_met":
            return Decision(
                outcome="deny",
                carc="50",
                allowed=ZERO,
                paid=ZERO,
                lines=_zeros(draft),
                rule=9,
                reason="rule 9",
            )
        if necessity == "unsettled":
            if not automatic:
                raise ValueError(
                    f"{draft.claim_id}: people decided the history, its notes must settle rule 9"
                )
            return _review("notes do not settle necessity")
    lines = line_amounts(draft, book)
    return Decision(
        outcome="approve",
        carc=None,
        allowed=sum((a for a, _ in lines), ZERO),
        paid=sum((p for _, p in lines), ZERO),
        lines=lines,
        rule=None,
        reason="approve",
    )


def _zeros(draft: Draft) -> tuple[tuple[Decimal, Decimal], ...]:
    return tuple((ZERO, ZERO) for _ in draft.lines)


def _review(reason: str) -> Decision:
    return Decision(outcome="review", carc=None, allowed=ZERO, paid=ZERO, lines=(), rule=None, reason=reason)
