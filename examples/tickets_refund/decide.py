# examples/tickets_refund/decide.py
"""The deterministic rules and the proposer: pure functions of the context and the answer."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from interlock.task import Basis
from tickets_refund.context import TicketContext
from tickets_refund.question import RefundAnswer

RULES_VERSION = "tickets-rules@1"
#: Days after delivery within which a refund may be asked for.
REFUND_WINDOW_DAYS = 30
#: Tickets of these confidentialities never reach a model: a person reads them.
NEVER_TO_A_MODEL = frozenset({"legal"})
#: The reason codes a denial may carry.
REASON_CODES = frozenset({"OUTSIDE_WINDOW", "OVER_ORDER_TOTAL", "NO_REFUNDABLE_REASON"})
CENT = Decimal("0.01")

Outcome = Literal["approve", "deny", "review"]


@dataclass(frozen=True, slots=True, kw_only=True)
class RulesResult:
    """What the rules found: problems that make the ticket undecidable, or a denial code."""

    integrity: tuple[str, ...]
    denial: str | None
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RefundProposal:
    """Interlock's ``Proposal`` for one ticket version; it decides nothing until the gate passes it."""

    ticket_id: str
    ticket_version: int
    outcome: Outcome
    reason_code: str | None
    amount: Decimal
    basis: Basis
    decided_by: str
    rationale: str
    confidence: float
    review_reasons: tuple[str, ...] = ()
    answer: RefundAnswer | None = None


def evaluate_rules(ctx: TicketContext) -> RulesResult:
    """The refund policy's fixed rules, over the ticket alone (no clock: the ticket's own dates)."""
    t = ctx.ticket
    if t.requested_amount <= 0 or t.requested_amount != t.requested_amount.quantize(CENT):
        return RulesResult(
            integrity=("requested amount is not a positive cent amount",), denial=None, reason="undecidable"
        )
    if t.delivered_on is not None and (t.opened_on - t.delivered_on).days > REFUND_WINDOW_DAYS:
        return RulesResult(
            integrity=(),
            denial="OUTSIDE_WINDOW",
            reason=f"asked {(t.opened_on - t.delivered_on).days} days after delivery",
        )
    if t.requested_amount > t.order_total:
        return RulesResult(integrity=(), denial="OVER_ORDER_TOTAL", reason="more than the order's total")
    return RulesResult(integrity=(), denial=None, reason="within the window and the order's total")


def needs_model(ctx: TicketContext, rules: RulesResult) -> bool:
    """Only a ticket the rules leave open, and that may reach a model, gets a question."""
    return not rules.integrity and rules.denial is None and ctx.ticket.confidentiality not in NEVER_TO_A_MODEL


def propose(
    ctx: TicketContext, rules: RulesResult, *, answer: RefundAnswer | None, model_problem: str | None
) -> RefundProposal:
    """Rules first; then the model's reading of the messages; anything unclear goes to a person."""
    t = ctx.ticket
    by_rules = f"auto:{RULES_VERSION}"

    def review(reason: str) -> RefundProposal:
        return RefundProposal(
            ticket_id=t.ticket_id,
            ticket_version=t.version,
            outcome="review",
            reason_code=None,
            amount=Decimal("0.00"),
            basis="rules",
            decided_by=by_rules,
            rationale=reason,
            confidence=1.0,
            review_reasons=(reason,),
        )

    if rules.integrity:
        return review("; ".join(rules.integrity))
    if rules.denial is not None:
        return RefundProposal(
            ticket_id=t.ticket_id,
            ticket_version=t.version,
            outcome="deny",
            reason_code=rules.denial,
            amount=Decimal("0.00"),
            basis="rules",
            decided_by=by_rules,
            rationale=rules.reason,
            confidence=1.0,
        )
    if t.confidentiality in NEVER_TO_A_MODEL:
        return review(f"{t.confidentiality} tickets are read by a person")
    if answer is None:
        return review(f"no usable model answer: {model_problem or 'none given'}")
    if answer.reason == "none":
        # A model may support a refund; it may never refuse one.
        return review("the messages document no refundable reason")
    return RefundProposal(
        ticket_id=t.ticket_id,
        ticket_version=t.version,
        outcome="approve",
        reason_code=None,
        amount=t.requested_amount,
        basis="model",
        decided_by=f"auto:{answer.model_id}",
        rationale=f"customer documents {answer.reason.replace('_', ' ')}",
        confidence=answer.confidence,
        answer=answer,
    )
