"""Proposals for the adjudication of one claim, and the pure proposer that builds them.

A proposal is what a rule or a model suggests; it decides nothing. The proposer
combines the rules' result with a model's medical-necessity assessment into one
outcome. The gate then re-checks the proposal from the context alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from interlock.domains.claims.answer import NecessityAssessment
from interlock.domains.claims.context import ClaimContext
from interlock.domains.claims.rules import (
    RULES_VERSION,
    Amounts,
    RulesResult,
    compute_amounts,
    is_high_value,
    is_part2,
    missing_policies,
    policies_at_stake,
)
from interlock.task import Basis

Outcome = Literal["approve", "deny", "review"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Proposal:
    """A suggested outcome for one claim version, with everything it was based on."""

    claim_id: str
    claim_version: int
    outcome: Outcome
    carc: str | None
    amounts: Amounts
    basis: Basis
    decided_by: str
    rationale: str
    confidence: float
    review_reasons: tuple[str, ...] = ()
    necessity: NecessityAssessment | None = None

    @property
    def reason_code(self) -> str | None:
        """The CARC of a denial."""
        return self.carc

    @property
    def answer(self) -> NecessityAssessment | None:
        """The model's medical-necessity assessment, when one took part."""
        return self.necessity


def needs_model(ctx: ClaimContext, rules: RulesResult) -> bool:
    """True when only a judgement over the notes can settle the claim (rule 9).

    High-value and Part 2 claims never need one: they go to a person whatever a model
    would say, and Part 2 notes must never reach a model.
    """
    if rules.integrity or rules.first_failure is not None:
        return False
    if is_high_value(ctx) or is_part2(ctx) or missing_policies(ctx):
        return False
    return bool(policies_at_stake(ctx))


def _line_numbers(ctx: ClaimContext) -> tuple[int, ...]:
    return tuple(line.line_no for line in ctx.lines)


def propose(
    ctx: ClaimContext,
    rules: RulesResult,
    *,
    necessity: NecessityAssessment | None = None,
    model_problem: str | None = None,
) -> Proposal:
    """Combine rules 1 to 8, the always-a-person cases and rule 9 into one proposal."""
    claim = ctx.claim
    zero = Amounts.zero(_line_numbers(ctx))
    rules_by = f"auto:{RULES_VERSION}"

    def review(reason: str, *, confidence: float = 1.0, decided_by: str = rules_by) -> Proposal:
        return Proposal(
            claim_id=claim.claim_id,
            claim_version=claim.version,
            outcome="review",
            carc=None,
            amounts=zero,
            basis="rules" if necessity is None else "model",
            decided_by=decided_by,
            rationale=reason,
            confidence=confidence,
            review_reasons=(reason,),
            necessity=necessity,
        )

    if rules.integrity:
        return review(
            "record cannot be decided as it stands: " + "; ".join(f.reason for f in rules.integrity)
        )
    if is_high_value(ctx):
        suggested = rules.first_failure
        note = f" (rules suggest deny {suggested.carc})" if suggested else ""
        return review(f"high-value claim: total billed {claim.total_billed} exceeds 10,000.00{note}")
    failure = rules.first_failure
    if failure is not None:
        return Proposal(
            claim_id=claim.claim_id,
            claim_version=claim.version,
            outcome="deny",
            carc=failure.carc,
            amounts=zero,
            basis="rules",
            decided_by=rules_by,
            rationale=f"rule {failure.rule} ({failure.name}): {failure.reason}",
            confidence=1.0,
        )
    if missing := missing_policies(ctx):
        return review("medical policy referenced but not on record: " + ", ".join(missing))
    if is_part2(ctx):
        # Conservative reading of the manual: a Part 2 claim that reaches rule 9 goes to a
        # person even when no policy is at stake, because its notes can never be weighed.
        return review("42 CFR Part 2 claim passed rules 1-8: a person decides, its notes never go to a model")
    at_stake = policies_at_stake(ctx)
    if not at_stake:
        return Proposal(
            claim_id=claim.claim_id,
            claim_version=claim.version,
            outcome="approve",
            carc=None,
            amounts=compute_amounts(ctx),
            basis="rules",
            decided_by=rules_by,
            rationale="rules 1-8 pass and no medical policy is at stake",
            confidence=1.0,
        )
    if necessity is None:
        return review("medical necessity not assessed: " + (model_problem or "no model answer"))
    by_model = f"auto:{necessity.model_id}"
    statuses = {pa.policy_id: pa for pa in necessity.policies}
    not_met = [
        statuses[p.policy_id]
        for p in at_stake
        if statuses.get(p.policy_id) and statuses[p.policy_id].status == "not_met"
    ]
    if not_met:
        worst = max(not_met, key=lambda pa: pa.confidence)
        return Proposal(
            claim_id=claim.claim_id,
            claim_version=claim.version,
            outcome="deny",
            carc="50",
            amounts=zero,
            basis="model",
            decided_by=by_model,
            rationale=f"rule 9: notes document that policy {worst.policy_id} criteria are not met",
            confidence=worst.confidence,
            necessity=necessity,
        )
    assessed = [statuses.get(p.policy_id) for p in at_stake]
    if all(pa is not None and pa.status == "met" for pa in assessed):
        confidence = min(pa.confidence for pa in assessed if pa is not None)
        return Proposal(
            claim_id=claim.claim_id,
            claim_version=claim.version,
            outcome="approve",
            carc=None,
            amounts=compute_amounts(ctx),
            basis="model",
            decided_by=by_model,
            rationale="rule 9: notes document that the criteria of "
            + ", ".join(p.policy_id for p in at_stake)
            + " are met",
            confidence=confidence,
            necessity=necessity,
        )
    unclear = [
        p.policy_id for p, pa in zip(at_stake, assessed, strict=True) if pa is None or pa.status == "unclear"
    ]
    return review(
        "rule 9: the notes do not settle medical necessity for " + ", ".join(unclear),
        confidence=min((pa.confidence for pa in assessed if pa is not None), default=0.0),
        decided_by=by_model,
    )
