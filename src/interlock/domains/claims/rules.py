"""CLAIMS_POLICY.md in code: integrity checks, rules 1 to 8, amounts, rule 9's scope.

Everything here is a pure function of a :class:`ClaimContext`. The same functions
produce a deterministic proposal and, inside the gate, re-check any proposal from any
source, so a model can never talk its way past them. Money is ``Decimal`` throughout.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Final

from interlock.domains.claims.codesets import icd10_status, is_valid_npi
from interlock.domains.claims.context import ClaimContext, MedicalPolicy, PriorAuthorization

CENT = Decimal("0.01")
HIGH_VALUE_THRESHOLD = Decimal("10000.00")
TIMELY_FILING_DAYS = 365
RULES_VERSION = "claims-rules@1"

#: Every CARC the policy manual uses, and the rule that produces it.
CARC_BY_RULE: dict[int, tuple[str, ...]] = {
    1: ("26", "27"),
    2: ("29",),
    3: ("18",),
    4: ("208",),
    5: ("242",),
    6: ("16",),
    7: ("204",),
    8: ("197",),
    9: ("50",),
}
KNOWN_CARCS = frozenset(c for codes in CARC_BY_RULE.values() for c in codes)
#: What each CARC means, as docs/reference/claims-policy.md says it (shown next to every code).
CARC_MEANINGS: dict[str, str] = {
    "16": "the claim lacks information or has a billing error",
    "18": "an exact duplicate of another claim",
    "26": "the expenses came before coverage began",
    "27": "the expenses came after coverage ended",
    "29": "the time limit for filing has passed",
    "50": "not considered medically necessary",
    "197": "the required precertification or authorization is missing",
    "204": "the service is not covered by the patient's current plan",
    "208": "the provider's identifier does not match",
    "242": "the services were not given by a network provider",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class RuleFinding:
    """The result of one rule: passed, or failed with a CARC and a reason."""

    rule: int
    name: str
    passed: bool
    carc: str | None = None
    reason: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class IntegrityFinding:
    """A record that cannot be decided as it stands (missing member, negative amount...)."""

    code: str
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class LineAmounts:
    """Allowed and paid for one line."""

    line_no: int
    allowed: Decimal
    paid: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class Amounts:
    """Allowed and paid for a claim, line by line and in total."""

    lines: tuple[LineAmounts, ...]
    allowed: Decimal
    paid: Decimal

    @staticmethod
    def zero(line_numbers: tuple[int, ...]) -> Amounts:
        """The amounts of a denial: every line and the total at 0.00."""
        zero = Decimal("0.00")
        return Amounts(
            lines=tuple(LineAmounts(line_no=n, allowed=zero, paid=zero) for n in line_numbers),
            allowed=zero,
            paid=zero,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class RulesResult:
    """Integrity findings, then rules 1 to 8 in order (stopping at the first failure)."""

    integrity: tuple[IntegrityFinding, ...]
    findings: tuple[RuleFinding, ...]

    @property
    def first_failure(self) -> RuleFinding | None:
        """The first failing rule: it decides the denial and its CARC."""
        return next((f for f in self.findings if not f.passed), None)


def integrity_findings(ctx: ClaimContext) -> tuple[IntegrityFinding, ...]:
    """Problems that make a claim undecidable by code; such a claim goes to a person."""
    found: list[IntegrityFinding] = []
    claim = ctx.claim
    if ctx.member is None:
        found.append(
            IntegrityFinding(
                code="member_missing", reason="the claim's member is not in the system of record"
            )
        )
    elif ctx.plan is None:
        found.append(
            IntegrityFinding(code="plan_missing", reason="the member's plan is not in the system of record")
        )
    if not ctx.lines:
        found.append(IntegrityFinding(code="no_lines", reason="the claim has no lines"))
    if not ctx.diagnoses:
        found.append(IntegrityFinding(code="no_diagnoses", reason="the claim has no diagnosis codes"))
    for line in ctx.lines:
        if line.billed_amount < 0:
            found.append(
                IntegrityFinding(
                    code="negative_amount",
                    reason=f"line {line.line_no} has a negative billed amount",
                )
            )
        if line.units <= 0:
            found.append(
                IntegrityFinding(code="bad_units", reason=f"line {line.line_no} has {line.units} units")
            )
        if line.billed_amount != line.billed_amount.quantize(CENT):
            found.append(
                IntegrityFinding(
                    code="sub_cent_amount",
                    reason=f"line {line.line_no} is billed in fractions of a cent",
                )
            )
    unknown = sorted(
        {
            ln.procedure_code
            for ln in ctx.lines
            if ln.procedure_code in ctx.benefits and ln.procedure_code not in ctx.procedures
        }
    )
    if unknown:
        found.append(
            IntegrityFinding(
                code="procedure_unknown",
                reason="benefit on file for a procedure missing from the catalogue: " + ", ".join(unknown),
            )
        )
    if claim.total_billed < 0:
        found.append(IntegrityFinding(code="negative_amount", reason="the claim's total billed is negative"))
    if ctx.lines and sum((ln.billed_amount for ln in ctx.lines), Decimal(0)) != claim.total_billed:
        found.append(
            IntegrityFinding(
                code="total_mismatch",
                reason="total billed differs from the sum of the line amounts",
            )
        )
    if (
        ctx.member is not None
        and ctx.plan is not None
        and ctx.plan.line_of_business != claim.line_of_business
    ):
        found.append(
            IntegrityFinding(
                code="lob_mismatch",
                reason="the claim's line of business differs from the member's plan",
            )
        )
    if claim.received_date < claim.service_date:
        found.append(
            IntegrityFinding(
                code="received_before_service",
                reason="the claim was received before its service date",
            )
        )
    return tuple(found)


def _eligibility(ctx: ClaimContext) -> RuleFinding:
    member = ctx.member
    assert member is not None  # integrity checks run first
    service = ctx.claim.service_date
    if service < member.coverage_start:
        return RuleFinding(
            rule=1,
            name="eligibility",
            passed=False,
            carc="26",
            reason="service date is before coverage started",
        )
    if member.coverage_end is not None and service > member.coverage_end:
        return RuleFinding(
            rule=1,
            name="eligibility",
            passed=False,
            carc="27",
            reason="service date is after coverage ended",
        )
    return RuleFinding(rule=1, name="eligibility", passed=True, reason="member covered on the service date")


def _timely_filing(ctx: ClaimContext) -> RuleFinding:
    days = (ctx.claim.received_date - ctx.claim.service_date).days
    if days > TIMELY_FILING_DAYS:
        return RuleFinding(
            rule=2,
            name="timely_filing",
            passed=False,
            carc="29",
            reason=f"received {days} days after service (limit {TIMELY_FILING_DAYS})",
        )
    return RuleFinding(
        rule=2, name="timely_filing", passed=True, reason=f"received {days} days after service"
    )


def _duplicate(ctx: ClaimContext) -> RuleFinding:
    if ctx.approved_duplicates:
        return RuleFinding(
            rule=3,
            name="duplicate",
            passed=False,
            carc="18",
            reason="an identical claim was already approved: " + ", ".join(ctx.approved_duplicates),
        )
    return RuleFinding(rule=3, name="duplicate", passed=True, reason="no approved identical claim")


def _provider(ctx: ClaimContext) -> RuleFinding:
    npi = ctx.claim.billing_npi
    if not is_valid_npi(npi):
        return RuleFinding(
            rule=4,
            name="provider",
            passed=False,
            carc="208",
            reason="billing NPI is not ten digits with a valid check digit",
        )
    if ctx.provider is None:
        return RuleFinding(
            rule=4,
            name="provider",
            passed=False,
            carc="208",
            reason="billing NPI is not a known provider",
        )
    if not ctx.provider.active:
        return RuleFinding(
            rule=4,
            name="provider",
            passed=False,
            carc="208",
            reason="billing provider is not active",
        )
    return RuleFinding(rule=4, name="provider", passed=True, reason="billing provider is known and active")


def _network(ctx: ClaimContext) -> RuleFinding:
    # Rules 1 and 4 passed, so both are present.
    assert ctx.plan is not None
    assert ctx.provider is not None
    if ctx.plan.network_type == "HMO" and not ctx.provider.in_network:
        return RuleFinding(
            rule=5,
            name="network",
            passed=False,
            carc="242",
            reason="HMO plan and the provider is out of network",
        )
    return RuleFinding(
        rule=5,
        name="network",
        passed=True,
        reason=f"{ctx.plan.network_type} plan; provider in network: {ctx.provider.in_network}",
    )


#: What a code must look like to be quoted in a finding (findings reach the audit trail).
_QUOTABLE_CODE: Final = re.compile(r"^[A-Za-z0-9]{3}(\.?[A-Za-z0-9]{1,4})?$")


def _code_or_position(code: str, position: int) -> str:
    """The code quoted if it is shaped like one; otherwise only its position (it may be any text)."""
    return repr(code) if _QUOTABLE_CODE.match(code) else f"diagnosis {position} (not code-shaped)"


def _diagnoses(ctx: ClaimContext) -> RuleFinding:
    bad = [(i, code) for i, code in enumerate(ctx.diagnoses, start=1) if icd10_status(code) != "billable"]
    if bad:
        return RuleFinding(
            rule=6,
            name="diagnoses",
            passed=False,
            carc="16",
            reason="not a valid billable ICD-10-CM code: "
            + ", ".join(_code_or_position(c, i) for i, c in bad[:5]),
        )
    return RuleFinding(
        rule=6,
        name="diagnoses",
        passed=True,
        reason="every diagnosis is a valid billable ICD-10-CM code",
    )


def _coverage(ctx: ClaimContext) -> RuleFinding:
    uncovered = sorted(
        {
            ln.procedure_code
            for ln in ctx.lines
            if not (b := ctx.benefits.get(ln.procedure_code)) or not b.covered
        }
    )
    if uncovered:
        return RuleFinding(
            rule=7,
            name="coverage",
            passed=False,
            carc="204",
            reason="not covered by the member's plan: " + ", ".join(uncovered),
        )
    return RuleFinding(rule=7, name="coverage", passed=True, reason="every procedure is covered")


def _prior_auth(ctx: ClaimContext) -> RuleFinding:
    service = ctx.claim.service_date
    missing: list[str] = []
    for line in ctx.lines:
        benefit = ctx.benefits[line.procedure_code]
        if not benefit.requires_prior_auth:
            continue
        if not any(_authorizes(pa, line.procedure_code, service) for pa in ctx.prior_auths):
            missing.append(line.procedure_code)
    if missing:
        return RuleFinding(
            rule=8,
            name="prior_authorization",
            passed=False,
            carc="197",
            reason="no approved prior authorization on the service date for: "
            + ", ".join(sorted(set(missing))),
        )
    return RuleFinding(
        rule=8,
        name="prior_authorization",
        passed=True,
        reason="every required prior authorization is on file",
    )


def _authorizes(pa: PriorAuthorization, procedure_code: str, service: date) -> bool:
    return (
        pa.procedure_code == procedure_code
        and pa.status == "approved"
        and pa.valid_from is not None
        and pa.valid_to is not None
        and pa.valid_from <= service <= pa.valid_to
    )


RULES: tuple[Callable[[ClaimContext], RuleFinding], ...] = (
    _eligibility,
    _timely_filing,
    _duplicate,
    _provider,
    _network,
    _diagnoses,
    _coverage,
    _prior_auth,
)


def evaluate_rules(ctx: ClaimContext) -> RulesResult:
    """Run the integrity checks, then rules 1 to 8 in order until one fails.

    A claim with integrity findings is not evaluated further: its rules cannot be
    trusted to mean anything, and it goes to a person.
    """
    integrity = integrity_findings(ctx)
    if integrity:
        return RulesResult(integrity=integrity, findings=())
    findings: list[RuleFinding] = []
    for rule in RULES:
        finding = rule(ctx)
        findings.append(finding)
        if not finding.passed:
            break
    return RulesResult(integrity=(), findings=tuple(findings))


def compute_amounts(ctx: ClaimContext) -> Amounts:
    """Allowed and paid per CLAIMS_POLICY.md, exact to the cent with half-up rounding."""
    assert ctx.plan is not None
    share = (Decimal(100) - ctx.plan.coinsurance_pct) / Decimal(100)
    lines: list[LineAmounts] = []
    for line in ctx.lines:
        fee = ctx.procedures[line.procedure_code].fee_schedule_amount
        allowed = min(line.billed_amount, fee * line.units).quantize(CENT, rounding=ROUND_HALF_UP)
        paid = (allowed * share).quantize(CENT, rounding=ROUND_HALF_UP)
        lines.append(LineAmounts(line_no=line.line_no, allowed=allowed, paid=paid))
    return Amounts(
        lines=tuple(lines),
        allowed=sum((la.allowed for la in lines), Decimal("0.00")),
        paid=sum((la.paid for la in lines), Decimal("0.00")),
    )


def policy_applies(policy: MedicalPolicy, *, service_date: date, line_of_business: str) -> bool:
    """True when ``policy`` is in force on ``service_date`` for ``line_of_business``."""
    in_force = policy.effective_from <= service_date and (
        policy.effective_to is None or service_date <= policy.effective_to
    )
    applies = policy.line_of_business is None or policy.line_of_business == line_of_business
    return in_force and applies


def policies_at_stake(ctx: ClaimContext) -> tuple[MedicalPolicy, ...]:
    """The medical policies whose criteria rule 9 must check for this claim, sorted by id."""
    found: dict[str, MedicalPolicy] = {}
    for line in ctx.lines:
        procedure = ctx.procedures.get(line.procedure_code)
        if procedure is None or procedure.medical_policy_id is None:
            continue
        policy = ctx.policies.get(procedure.medical_policy_id)
        if policy is None:
            continue
        if policy_applies(
            policy, service_date=ctx.claim.service_date, line_of_business=ctx.claim.line_of_business
        ):
            found[policy.policy_id] = policy
    return tuple(found[k] for k in sorted(found))


def services_under(ctx: ClaimContext, policy_id: str) -> tuple[str, ...]:
    """Descriptions of the claim's procedures that ``policy_id`` governs, in line order, once each."""
    names = (
        procedure.description
        for line in ctx.lines
        if (procedure := ctx.procedures.get(line.procedure_code)) is not None
        and procedure.medical_policy_id == policy_id
    )
    return tuple(dict.fromkeys(names))


def missing_policies(ctx: ClaimContext) -> tuple[str, ...]:
    """Policy ids referenced by the claim's procedures but absent from the record."""
    wanted = {
        p.medical_policy_id
        for ln in ctx.lines
        if (p := ctx.procedures.get(ln.procedure_code)) is not None and p.medical_policy_id
    }
    return tuple(sorted(pid for pid in wanted if pid not in ctx.policies))


def is_high_value(ctx: ClaimContext) -> bool:
    """Total billed above 10,000.00: only a person may finalize it."""
    return ctx.claim.total_billed > HIGH_VALUE_THRESHOLD


def is_part2(ctx: ClaimContext) -> bool:
    """A 42 CFR Part 2 claim: its notes never reach a model."""
    return ctx.claim.sensitivity == "substance_use"


def age_on(birth_date: date | None, on: date) -> int | None:
    """Whole years between ``birth_date`` and ``on`` (what a model gets instead of a date)."""
    if birth_date is None:
        return None
    years = on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))
    return max(years, 0)
