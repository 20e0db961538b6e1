"""``claims.adjudicate``: the claims domain's decisions, behind the core's Task seam.

Everything here is pure and delegates to the modules that hold the rules of
CLAIMS_POLICY.md: :mod:`~interlock.domains.claims.rules` (integrity checks, rules 1-8,
amounts), :mod:`~interlock.domains.claims.proposal` (the proposer and rule 9),
:mod:`~interlock.domains.claims.necessity` (the minimum-necessary model question) and
:mod:`~interlock.domains.claims.gate` (the gate checks). The engine, the gate runner,
the review desk and the work store run it like any other task.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar, Literal, cast

from interlock.domains.claims.answer import NecessityAssessment
from interlock.domains.claims.codesets import icd10_status
from interlock.domains.claims.context import ClaimContext
from interlock.domains.claims.gate import GATE_VERSION, claim_findings
from interlock.domains.claims.lexicon import NO_LEXICON, Lexicon
from interlock.domains.claims.necessity import necessity_request, notes_text
from interlock.domains.claims.proposal import Proposal, needs_model, propose
from interlock.domains.claims.repair import repair_findings
from interlock.domains.claims.rules import (
    KNOWN_CARCS,
    RULES_VERSION,
    Amounts,
    LineAmounts,
    RulesResult,
    compute_amounts,
    evaluate_rules,
)
from interlock.gate.verdict import Finding, Verdict
from interlock.models.base import ModelAnswer, ModelQuestion
from interlock.policy.document import PolicyDocument
from interlock.policy.principal import Principal
from interlock.policy.values import ClaimScope
from interlock.task import GateInput, JsonDict, PersonDecision, ReviewFacts, RulesSummary, Task

if TYPE_CHECKING:
    from sqlalchemy import Engine as SqlEngine

__all__ = ["MAX_COMMENT", "TASK", "ClaimsAdjudicate", "person_proposal", "proposal_to_dict"]

TASK = "claims.adjudicate"
#: The longest comment a reviewer's pend keeps.
MAX_COMMENT = 2000


def proposal_to_dict(p: Proposal) -> dict[str, Any]:
    """The JSON form of a proposal kept with review items and recovery points."""
    necessity = None
    if p.necessity is not None:
        necessity = {
            "model_id": p.necessity.model_id,
            "prompt_template": p.necessity.prompt_template,
            "prompt_hash": p.necessity.prompt_hash,
            "policies": [
                {
                    "policy_id": pa.policy_id,
                    "status": pa.status,
                    "confidence": round(pa.confidence, 6),
                    "rationale": pa.rationale[:500],
                    "citations": [{"item_id": c.item_id, "quote": c.quote[:300]} for c in pa.citations],
                    "criteria": [
                        {
                            "criterion": cf.criterion,
                            "finding": cf.finding,
                            "citations": [
                                {"item_id": c.item_id, "quote": c.quote[:300]} for c in cf.citations
                            ],
                        }
                        for cf in pa.criteria
                    ],
                }
                for pa in p.necessity.policies
            ],
        }
    return {
        "claim_id": p.claim_id,
        "claim_version": p.claim_version,
        "outcome": p.outcome,
        "carc": p.carc,
        "allowed": str(p.amounts.allowed),
        "paid": str(p.amounts.paid),
        "lines": [[la.line_no, str(la.allowed), str(la.paid)] for la in p.amounts.lines],
        "basis": p.basis,
        "decided_by": p.decided_by,
        "rationale": p.rationale,
        "confidence": round(p.confidence, 6),
        "review_reasons": list(p.review_reasons),
        "necessity": necessity,
    }


def person_proposal(ctx: ClaimContext, principal: Principal, decision: PersonDecision) -> Proposal:
    """The proposal a reviewer's decision stands for (pure): basis ``person``, confidence 1.

    Amounts come from the rules module, never from the request; a denial pays zero.
    """
    claim = ctx.claim
    zero = Amounts.zero(tuple(line.line_no for line in ctx.lines))
    outcome: Literal["approve", "deny", "review"]
    if decision.action == "approve":
        outcome, amounts, carc, rationale = "approve", compute_amounts(ctx), None, "approved by a reviewer"
    elif decision.action == "deny":
        outcome, amounts, carc = "deny", zero, decision.reason_code
        rationale = f"denied by a reviewer with CARC {decision.reason_code}"
    else:
        outcome, amounts, carc, rationale = "review", zero, None, "pended by a reviewer"
    return Proposal(
        claim_id=claim.claim_id,
        claim_version=claim.version,
        outcome=outcome,
        carc=carc,
        amounts=amounts,
        basis="person",
        decided_by=principal.decided_by,
        rationale=rationale,
        confidence=1.0,
        # The comment is free text: it never becomes a finding (findings reach the trail).
        review_reasons=(rationale,) if outcome == "review" else (),
    )


def _amounts_json(amounts: Amounts) -> JsonDict:
    return {
        "lines": [[la.line_no, str(la.allowed), str(la.paid)] for la in amounts.lines],
        "allowed": str(amounts.allowed),
        "paid": str(amounts.paid),
    }


class ClaimsAdjudicate(Task[ClaimContext, RulesResult, Proposal, Amounts]):
    """Adjudicate one claim version: rules 1-8, rule 9 by a model, the always-a-person cases."""

    name: ClassVar[str] = TASK
    domain: ClassVar[str] = "claims"
    record_type: ClassVar[str] = "claim"
    rules_version: ClassVar[str] = RULES_VERSION
    gate_version: ClassVar[str] = GATE_VERSION
    final_outcomes: ClassVar[frozenset[str]] = frozenset({"approve", "deny"})
    review_actions: ClassVar[tuple[str, ...]] = ("approve", "deny", "pend")
    hold_action: ClassVar[str] = "pend"

    def prepare(self) -> None:
        """Load the ICD-10-CM code set now, not inside the first work item's deadline."""
        icd10_status("A00")

    def scope(self, policy: PolicyDocument, principal: Principal) -> ClaimScope:
        """The principal's claim scope under ``policy``."""
        return policy.claim_scope(principal)

    def rules(self, context: ClaimContext) -> RulesResult:
        """Integrity checks, then rules 1-8."""
        return evaluate_rules(context)

    def rules_summary(self, rules: RulesResult) -> RulesSummary:
        """Which rules ran, which failed, with which CARC; no claim content."""
        failure = rules.first_failure
        details: JsonDict = {
            "rules_version": RULES_VERSION,
            "integrity": [f.code for f in rules.integrity],
            "rules": [{"rule": f.rule, "passed": f.passed, "carc": f.carc} for f in rules.findings],
        }
        if rules.integrity:
            return RulesSummary(
                outcome="undecidable", reason="; ".join(f.reason for f in rules.integrity), details=details
            )
        if failure is not None:
            return RulesSummary(
                outcome=f"deny:{failure.carc}",
                reason=f"rule {failure.rule} ({failure.name}): {failure.reason}",
                details=details,
            )
        return RulesSummary(outcome="pass", reason="rules 1-8 pass", details=details)

    def question(
        self, context: ClaimContext, rules: RulesResult, *, repair_findings: tuple[str, ...] = ()
    ) -> ModelQuestion[ModelAnswer] | None:
        """Rule 9's medical-necessity question, or ``None`` when the claim needs no model."""
        if not needs_model(context, rules):
            return None
        return necessity_request(context, repair_findings=repair_findings)

    def model_text(self, context: ClaimContext, rules: RulesResult) -> str | None:
        """The notes the necessity question sends, in writing order (as :func:`notes_text` joins them)."""
        if not needs_model(context, rules):
            return None
        return notes_text(n.body for n in context.notes)

    def needs_model(self, context: ClaimContext, rules: RulesResult) -> bool:
        """True when only a judgement over the notes can settle the claim."""
        return needs_model(context, rules)

    def propose(
        self,
        context: ClaimContext,
        rules: RulesResult,
        *,
        answer: ModelAnswer | None,
        model_problem: str | None,
    ) -> Proposal:
        """The proposer of :mod:`~interlock.domains.claims.proposal`."""
        if answer is not None and not isinstance(answer, NecessityAssessment):
            return propose(context, rules, model_problem="the model answered another task's question")
        return propose(context, rules, necessity=answer, model_problem=model_problem)

    def person_decision_problem(self, decision: PersonDecision) -> str | None:
        """Why a reviewer's request cannot stand as asked, before any read."""
        if decision.action not in self.review_actions:
            return f"unknown action; choose one of {', '.join(self.review_actions)}"
        if decision.action == "deny" and decision.reason_code not in KNOWN_CARCS:
            codes = ", ".join(sorted(KNOWN_CARCS, key=int))
            given = (
                "none was given" if not decision.reason_code else f"{decision.reason_code} is not one of them"
            )
            return f"a denial needs one of the manual's CARCs ({codes}); {given}"
        if decision.action != "deny" and decision.reason_code is not None:
            return "a CARC is only given with a denial"
        if decision.action == self.hold_action and not decision.comment.strip():
            return "a pend needs a comment saying what is awaited"
        return None

    def person_proposal(
        self, context: ClaimContext, principal: Principal, decision: PersonDecision
    ) -> Proposal:
        """A reviewer's approve, deny (with a CARC) or pend (with a comment)."""
        return person_proposal(context, principal, decision)

    def is_held(self, context: ClaimContext) -> bool:
        """A claim waits for a person while it is ``pended``."""
        return context.claim.status == "pended"

    def __init__(self, lexicon: Lexicon = NO_LEXICON) -> None:
        self.lexicon = lexicon

    def bind(self, store: object) -> ClaimsAdjudicate:
        """This task reading criteria with the vocabulary learned from the payer's history (if trained)."""
        from interlock.domains.claims.pack import load_lexicon  # noqa: PLC0415 - the pack imports this module

        return ClaimsAdjudicate(load_lexicon(cast("SqlEngine", store)))

    def checks(self, g: GateInput[ClaimContext, RulesResult, Proposal]) -> Iterable[Finding]:
        """The claims gate's checks, relevance read with the learned vocabulary."""
        return claim_findings(g, self.lexicon)

    def commit_payload(self, proposal: Proposal, context: ClaimContext) -> Amounts:
        """The adjudication's amounts, line by line (already checked by the gate)."""
        del context
        return proposal.amounts

    def repair_findings(self, proposal: Proposal, verdict: Verdict) -> tuple[str, ...]:
        """Citation and coverage problems of a model's answer are worth one more question."""
        return repair_findings(proposal, verdict)

    def proposal_json(self, proposal: Proposal) -> JsonDict:
        """See :func:`proposal_to_dict`."""
        return proposal_to_dict(proposal)

    def payload_json(self, payload: Amounts) -> JsonDict:
        """Amounts as decimal strings."""
        return _amounts_json(payload)

    def payload_from_json(self, data: Mapping[str, Any]) -> Amounts:
        """Amounts back from decimal strings, exactly."""
        return Amounts(
            lines=tuple(
                LineAmounts(line_no=int(n), allowed=Decimal(a), paid=Decimal(p)) for n, a, p in data["lines"]
            ),
            allowed=Decimal(data["allowed"]),
            paid=Decimal(data["paid"]),
        )

    def commit_facts(self, payload: Amounts) -> JsonDict:
        """Allowed and paid of an adjudication."""
        return {"allowed": str(payload.allowed), "paid": str(payload.paid)}

    def review_facts(self, context: ClaimContext) -> ReviewFacts:
        """Total billed and the claim's access attributes."""
        claim = context.claim
        return ReviewFacts(
            amount=str(claim.total_billed),
            attributes={
                "region": claim.region,
                "line_of_business": claim.line_of_business,
                "sensitivity": claim.sensitivity,
            },
        )
