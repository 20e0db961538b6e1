# examples/tickets_refund/checks.py
"""The gate checks: what a proposal must pass before a refund is written.

Each check is pure and recomputes what it needs from the context; none trusts what
the proposal says about itself. ``block`` stops the write, ``review`` sends the ticket
to a person; the core's gate runner combines the findings and mints the write.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from interlock.gate.verdict import Finding, Severity
from interlock.task import GateInput
from tickets_refund.context import TicketContext
from tickets_refund.decide import CENT, NEVER_TO_A_MODEL, REASON_CODES, RefundProposal, RulesResult

GATE_VERSION = "tickets-gate@1"
MIN_QUOTE_CHARS = 12

Input = GateInput[TicketContext, RulesResult, RefundProposal]


def _space(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def check_shape(g: Input) -> Iterable[Finding]:
    """The proposal is for this ticket version, with a known outcome, code and cent amount."""
    p, t = g.proposal, g.context.ticket
    if p.outcome not in ("approve", "deny", "review"):
        yield Finding(check="shape", severity="block", reason=f"unknown outcome {p.outcome!r}")
    if (p.ticket_id, p.ticket_version) != (t.ticket_id, t.version):
        yield Finding(check="shape", severity="block", reason="proposal is for another ticket or version")
    if p.outcome == "deny" and p.reason_code not in REASON_CODES:
        yield Finding(check="shape", severity="block", reason=f"denial with unknown code {p.reason_code!r}")
    if p.outcome != "deny" and p.reason_code is not None:
        yield Finding(check="shape", severity="block", reason="a reason code only goes with a denial")
    if p.amount < 0 or p.amount != p.amount.quantize(CENT):
        yield Finding(check="shape", severity="block", reason="amount is not a non-negative cent amount")
    if p.basis == "person" and g.principal.kind != "staff":
        yield Finding(check="shape", severity="block", reason="only staff decide as a person")


def check_rules(g: Input) -> Iterable[Finding]:
    """The outcome agrees with the rules, recomputed by the gate runner from the context."""
    p, rules = g.proposal, g.rules
    if p.outcome == "review":
        return
    if rules.integrity:
        yield Finding(check="rules", severity="review", reason="; ".join(rules.integrity))
    elif rules.denial is not None and (p.outcome != "deny" or p.reason_code != rules.denial):
        yield Finding(check="rules", severity="block", reason=f"the rules deny with {rules.denial}")
    elif rules.denial is None and p.reason_code in ("OUTSIDE_WINDOW", "OVER_ORDER_TOTAL"):
        yield Finding(check="rules", severity="block", reason=f"{p.reason_code} but the rules pass")


def check_amount(g: Input) -> Iterable[Finding]:
    """A refund pays exactly what was asked, never more than the order; a denial pays nothing."""
    p, t = g.proposal, g.context.ticket
    if p.outcome == "approve" and (p.amount != t.requested_amount or p.amount > t.order_total):
        yield Finding(check="amount", severity="block", reason=f"refund must be {t.requested_amount}")
    if p.outcome == "deny" and p.amount != 0:
        yield Finding(check="amount", severity="block", reason="a denial refunds 0.00")


def check_model_evidence(g: Input) -> Iterable[Finding]:
    """A model-based refund rests on quotes that really are in the customer's messages."""
    p, ctx = g.proposal, g.context
    if p.answer is not None and ctx.ticket.confidentiality in NEVER_TO_A_MODEL:
        yield Finding(check="evidence", severity="block", reason="this ticket was sent to a model")
    if p.basis != "model" or p.outcome == "review":
        return
    if p.answer is None or not p.answer.citations:
        yield Finding(check="citations", severity="block", reason="a model-based refund cites nothing")
        return
    texts = {m.item_id: _space(m.body) for m in ctx.customer_messages()}
    for c in p.answer.citations:
        if c.item_id not in texts:
            yield Finding(
                check="citations", severity="block", reason=f"{c.item_id} is not a customer message"
            )
        elif len(_space(c.quote)) < MIN_QUOTE_CHARS or _space(c.quote) not in texts[c.item_id]:
            yield Finding(check="citations", severity="block", reason=f"quote not found in {c.item_id}")


def check_confidence(g: Input) -> Iterable[Finding]:
    """A model-based outcome needs the configured confidence for that outcome."""
    p = g.proposal
    if p.basis == "model" and p.outcome != "review":
        threshold = g.thresholds.for_outcome(p.outcome)
        if p.confidence < threshold:
            yield Finding(
                check="confidence",
                severity="review",
                reason=f"confidence {p.confidence:.2f} < {threshold:.2f}",
            )


def check_write_boundary(g: Input) -> Iterable[Finding]:
    """The policy file lets this principal write this outcome, this way, for this amount.

    The boundary is compiled by the core from the task's grants and the ``tickets``
    resource's approval rule; the amount it limits is the one that rule names
    (``requested_amount``).
    """
    p, t = g.proposal, g.context.ticket
    if p.outcome == "review":
        return
    decision = g.boundary.decide_finalize(
        outcome=p.outcome,
        via="review" if p.basis == "person" else "automatic",
        attrs=t.attributes(),
        total_billed=t.requested_amount,
    )
    if not decision.allowed:
        # Above the service's limit a refund waits for a person; a person above theirs is refused.
        severity: Severity = "block" if p.basis == "person" else "review"
        yield Finding(check="write_boundary", severity=severity, reason="; ".join(decision.reasons))
    record = g.boundary.decide_record(t.status)
    if not record.allowed:
        yield Finding(check="write_boundary", severity="block", reason="; ".join(record.reasons))


def check_asks_for_a_person(g: Input) -> Iterable[Finding]:
    """A proposal that asks for a person gets one, with its reasons."""
    if g.proposal.outcome == "review":
        for reason in g.proposal.review_reasons or ("proposer asked for a person",):
            yield Finding(check="proposal", severity="review", reason=reason)


CHECKS: tuple[Callable[[Input], Iterable[Finding]], ...] = (
    check_shape,
    check_rules,
    check_amount,
    check_model_evidence,
    check_confidence,
    check_write_boundary,
    check_asks_for_a_person,
)


def findings(g: Input) -> tuple[Finding, ...]:
    """Every finding of every check, in order."""
    return tuple(f for check in CHECKS for f in check(g))
