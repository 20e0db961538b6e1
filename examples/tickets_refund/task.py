# examples/tickets_refund/task.py
"""``tickets.refund``: the domain's decisions behind Interlock's ``Task`` seam."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

from interlock.gate.verdict import Finding, Verdict
from interlock.models.base import ModelAnswer, ModelQuestion
from interlock.policy.document import PolicyDocument
from interlock.policy.principal import Principal
from interlock.policy.values import ResourceScope
from interlock.task import GateInput, JsonDict, PersonDecision, ReviewFacts, RulesSummary, Task
from tickets_refund.checks import GATE_VERSION, findings
from tickets_refund.context import RESOURCE, TicketContext
from tickets_refund.decide import (
    REASON_CODES,
    RULES_VERSION,
    Outcome,
    RefundProposal,
    RulesResult,
    evaluate_rules,
    needs_model,
    propose,
)
from tickets_refund.question import RefundAnswer, RefundQuestion


@dataclass(frozen=True, slots=True, kw_only=True)
class RefundPayload:
    """What a committed decision writes: the amount refunded (0.00 for a denial)."""

    amount: Decimal


class TicketsRefund(Task[TicketContext, RulesResult, RefundProposal, RefundPayload]):
    """Approve or decline the refund a support ticket asks for."""

    name: ClassVar[str] = "tickets.refund"
    domain: ClassVar[str] = "tickets"
    rules_version: ClassVar[str] = RULES_VERSION
    gate_version: ClassVar[str] = GATE_VERSION
    final_outcomes: ClassVar[frozenset[str]] = frozenset({"approve", "deny"})
    review_actions: ClassVar[tuple[str, ...]] = ("approve", "deny", "hold")
    hold_action: ClassVar[str] = "hold"

    def scope(self, policy: PolicyDocument, principal: Principal) -> ResourceScope:
        """The principal's read rights on the policy's ``tickets`` resource, with its masks."""
        return policy.scope(RESOURCE, principal)

    def rules(self, context: TicketContext) -> RulesResult:
        """The refund window and the order's total."""
        return evaluate_rules(context)

    def rules_summary(self, rules: RulesResult) -> RulesSummary:
        """Codes and counts for the audit trail, never message text."""
        if rules.integrity:
            return RulesSummary(outcome="undecidable", reason="; ".join(rules.integrity))
        if rules.denial is not None:
            return RulesSummary(outcome=f"deny:{rules.denial}", reason=rules.reason)
        return RulesSummary(outcome="pass", reason=rules.reason, details={"rules_version": RULES_VERSION})

    def question(
        self, context: TicketContext, rules: RulesResult, *, repair_findings: tuple[str, ...] = ()
    ) -> ModelQuestion[ModelAnswer] | None:
        """The customer's messages, and nothing else, when the rules leave the ticket open."""
        if not needs_model(context, rules):
            return None
        return RefundQuestion(
            ticket_id=context.record_id,
            facts=context.for_model,
            messages=tuple((m.item_id, m.body) for m in context.customer_messages()),
            repair_findings=repair_findings,
        )

    def propose(
        self,
        context: TicketContext,
        rules: RulesResult,
        *,
        answer: ModelAnswer | None,
        model_problem: str | None,
    ) -> RefundProposal:
        """See :func:`tickets_refund.decide.propose`."""
        if answer is not None and not isinstance(answer, RefundAnswer):
            return propose(context, rules, answer=None, model_problem="answer to another task's question")
        return propose(context, rules, answer=answer, model_problem=model_problem)

    def checks(self, g: GateInput[TicketContext, RulesResult, RefundProposal]) -> Iterable[Finding]:
        """See :mod:`tickets_refund.checks`."""
        return findings(g)

    def repair_findings(self, proposal: RefundProposal, verdict: Verdict) -> tuple[str, ...]:
        """A quote that is not in the messages is worth asking about once more."""
        del proposal
        return tuple(f.reason for f in verdict.findings if f.check == "citations")

    def commit_payload(self, proposal: RefundProposal, context: TicketContext) -> RefundPayload:
        """The amount, as the gate checked it."""
        del context
        return RefundPayload(amount=proposal.amount)

    def is_held(self, context: TicketContext) -> bool:
        """A ticket waits for a person while it is held."""
        return context.ticket.status == "held"

    def person_decision_problem(self, decision: PersonDecision) -> str | None:
        """Why a reviewer's request cannot stand as asked."""
        if decision.action not in self.review_actions:
            return f"choose one of {', '.join(self.review_actions)}"
        if decision.action == "deny" and decision.reason_code not in REASON_CODES:
            return f"a denial needs one of {', '.join(sorted(REASON_CODES))}"
        if decision.action != "deny" and decision.reason_code is not None:
            return "a reason code only goes with a denial"
        if decision.action == "hold" and not decision.comment.strip():
            return "a hold needs a comment saying what is awaited"
        return None

    def person_proposal(
        self, context: TicketContext, principal: Principal, decision: PersonDecision
    ) -> RefundProposal:
        """A reviewer's decision; the amount comes from the ticket, never from the request."""
        t = context.ticket
        outcome: Outcome = (
            "approve" if decision.action == "approve" else "deny" if decision.action == "deny" else "review"
        )
        return RefundProposal(
            ticket_id=t.ticket_id,
            ticket_version=t.version,
            outcome=outcome,
            reason_code=decision.reason_code,
            amount=t.requested_amount if outcome == "approve" else Decimal("0.00"),
            basis="person",
            decided_by=principal.decided_by,
            rationale=f"{decision.action} by a reviewer",
            confidence=1.0,
            review_reasons=(decision.comment.strip(),) if outcome == "review" else (),
        )

    def proposal_json(self, proposal: RefundProposal) -> JsonDict:
        """What the review item and the recovery point keep; citations by id, quotes cut short."""
        answer = proposal.answer
        return {
            "ticket_id": proposal.ticket_id,
            "ticket_version": proposal.ticket_version,
            "outcome": proposal.outcome,
            "reason_code": proposal.reason_code,
            "amount": str(proposal.amount),
            "basis": proposal.basis,
            "decided_by": proposal.decided_by,
            "rationale": proposal.rationale,
            "confidence": round(proposal.confidence, 6),
            "review_reasons": list(proposal.review_reasons),
            "answer": None
            if answer is None
            else {
                "model_id": answer.model_id,
                "reason": answer.reason,
                "citations": [{"item_id": c.item_id, "quote": c.quote[:300]} for c in answer.citations],
            },
        }

    def payload_json(self, payload: RefundPayload) -> JsonDict:
        """The amount as a decimal string."""
        return {"amount": str(payload.amount)}

    def payload_from_json(self, data: Mapping[str, Any]) -> RefundPayload:
        """The amount back, exactly."""
        return RefundPayload(amount=Decimal(str(data["amount"])))

    def commit_facts(self, payload: RefundPayload) -> JsonDict:
        """The refunded amount, for ``route.decided``."""
        return {"refund_amount": str(payload.amount)}

    def review_facts(self, context: TicketContext) -> ReviewFacts:
        """The amount a reviewer sorts by and the access attributes the queue is scoped by."""
        t = context.ticket
        return ReviewFacts(amount=str(t.requested_amount), attributes=t.attributes())
