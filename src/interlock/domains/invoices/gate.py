"""The invoices gate checks: everything a proposal must pass before it may become a write.

Pure functions of a :class:`~interlock.task.GateInput`, each returning findings; the
core's gate runner combines them and mints the write. They recompute from the context
alone what the policy fixes (rules 1-7, the approved amount, every posting, the
always-a-person cases) and check a model's rule-8 answer against what was retrieved:
the account must be an active one without ``requires_po`` and be cited, word for word,
from the invoice's documents or lines.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal

from interlock.domains.invoices.context import InvoiceContext
from interlock.domains.invoices.proposal import InvoiceProposal
from interlock.domains.invoices.rules import (
    CENT,
    REASON_CODES,
    RulesResult,
    always_person_reasons,
    po_postings,
)
from interlock.gate.common import check_confidence, check_proposer_review
from interlock.gate.verdict import Finding, Severity
from interlock.task import GateInput as _GateInput

__all__ = ["CHECKS", "GATE_VERSION", "GateInput", "invoice_findings"]

GATE_VERSION = "invoices-gate@1"
MIN_QUOTE_CHARS = 8
#: Reason codes only a rule (1-7) may give; P3 comes from rule 8's judgement.
RULE_CODES = frozenset(REASON_CODES) - {"P3"}
_SPACE = re.compile(r"\s+")

GateInput = _GateInput[InvoiceContext, RulesResult, InvoiceProposal]
Check = Callable[[GateInput], tuple[Finding, ...]]


def _f(check: str, severity: Severity, reason: str) -> Finding:
    return Finding(check=check, severity=severity, reason=reason)


def _cents(value: Decimal) -> bool:
    return value.is_finite() and value >= 0 and value == value.quantize(CENT)


def check_schema(g: GateInput) -> tuple[Finding, ...]:
    """Outcome, reason code, amounts and the record the proposal is for have the right shape."""
    p, inv = g.proposal, g.context.invoice
    if p.outcome not in ("approve", "reject", "review"):
        return (_f("schema", "block", f"unknown outcome {p.outcome!r}"),)
    out: list[Finding] = []
    if (p.invoice_id, p.invoice_version) != (inv.invoice_id, inv.version):
        out.append(_f("schema", "block", "proposal is for another invoice or version"))
    if p.outcome == "reject" and p.reason_code not in REASON_CODES:
        out.append(_f("schema", "block", "a rejection needs a known reason code"))
    if p.outcome != "reject" and p.reason_code is not None:
        out.append(_f("schema", "block", "a reason code is only given with a rejection"))
    if p.basis == "person" and g.principal.kind != "staff":
        out.append(_f("schema", "block", "only a staff member's decision has a person as its basis"))
    if not 0.0 <= p.confidence <= 1.0:
        out.append(_f("schema", "block", "confidence outside [0, 1]"))
    if not all(_cents(v) for v in (p.approved_amount, *(x.amount for x in p.postings))):
        out.append(_f("schema", "block", "an amount is not a non-negative cent value"))
    return tuple(out)


def check_integrity(g: GateInput) -> tuple[Finding, ...]:
    """An invoice whose figures do not add up goes to a person."""
    return tuple(_f("integrity", "review", f.reason) for f in g.rules.integrity)


def check_always_person(g: GateInput) -> tuple[Finding, ...]:
    """High value and recently changed bank details are never decided automatically."""
    if g.proposal.basis == "person" or g.proposal.outcome == "review":
        return ()
    return tuple(_f("always_person", "review", reason) for reason in always_person_reasons(g.context))


def check_rules(g: GateInput) -> tuple[Finding, ...]:
    """The outcome agrees with rules 1-7, recomputed here from the context."""
    p = g.proposal
    if g.rules.integrity or p.outcome == "review":
        return ()
    failure = g.rules.first_failure
    if failure is not None:
        if p.outcome != "reject" or p.reason_code != failure.code:
            return (
                _f("rules", "block", f"rule {failure.rule} requires reject {failure.code}: {failure.reason}"),
            )
        return (_f("rules", "info", f"rule {failure.rule} rejects with {failure.code}"),)
    if p.outcome == "reject" and p.reason_code in RULE_CODES:
        return (_f("rules", "block", f"{p.reason_code} claims a rule failure but every rule passes"),)
    return (_f("rules", "info", "rules 1-7 pass"),)


def check_amounts(g: GateInput) -> tuple[Finding, ...]:
    """An approval releases the total and posts every line to the right account and cost center."""
    p, ctx = g.proposal, g.context
    if p.outcome == "review" or g.rules.integrity:
        return ()
    if p.outcome == "reject":
        if p.approved_amount != 0 or p.postings:
            return (_f("amounts", "block", "a rejection releases 0.00 and posts nothing"),)
        return ()
    inv = ctx.invoice
    out: list[Finding] = []
    if p.approved_amount != inv.total_amount:
        out.append(_f("amounts", "block", f"the approved amount must be the total {inv.total_amount}"))
    lines = {line.line_no: line for line in ctx.lines}
    if sorted(x.line_no for x in p.postings) != sorted(lines):
        return (*out, _f("postings", "block", "there must be exactly one posting per invoice line"))
    for posting in p.postings:
        if posting.amount != lines[posting.line_no].amount or posting.cost_center != inv.cost_center:
            out.append(_f("postings", "block", f"posting of line {posting.line_no} differs from the line"))
    if sum((x.amount for x in p.postings), Decimal(0)) != inv.subtotal:
        out.append(_f("postings", "block", "the postings do not sum to the subtotal"))
    if inv.po_number is not None:
        expected = {x.line_no: x.gl_account for x in po_postings(ctx)}
        if any(expected[x.line_no] != x.gl_account for x in p.postings):
            out.append(_f("postings", "block", "a posting's account differs from its purchase-order line"))
    return tuple(out)


def _normalize(text: str) -> str:
    return _SPACE.sub(" ", text).strip().casefold()


def check_account(g: GateInput) -> tuple[Finding, ...]:
    """A rule-8 decision rests on an active account, of the right kind, cited from the documents."""
    p, ctx = g.proposal, g.context
    if p.outcome == "review" or ctx.invoice.po_number is not None or g.rules.first_failure is not None:
        return ()
    if g.rules.integrity:
        return ()
    accounts = {x.gl_account for x in p.postings}
    if p.outcome == "approve":
        if len(accounts) != 1:
            return (_f("account", "block", "every line of a non-PO invoice posts to one account"),)
        account = next((a for a in ctx.accounts if a.account in accounts), None)
        if account is None or not account.active:
            return (_f("account", "block", "the account is not an active account of the chart"),)
        if account.requires_po:
            return (_f("account", "block", f"account {account.account} requires a purchase order"),)
    if p.basis == "person":
        return ()
    answer = p.answer
    if answer is None:
        return (_f("account", "block", "a non-PO decision without the model's judgement"),)
    if p.outcome == "reject":
        judged = next((a for a in ctx.accounts if a.account == answer.account), None)
        if p.reason_code != "P3" or judged is None or not judged.requires_po:
            return (_f("account", "block", "a model may only reject P3, for an account that requires a PO"),)
    elif answer.account not in accounts:
        return (_f("account", "block", "the postings' account is not the one the model judged"),)
    texts = {key: _normalize(value) for key, value in ctx.citable_texts().items()}
    out: list[Finding] = []
    for citation in answer.citations:
        text = texts.get(citation.item_id)
        quote = _normalize(citation.quote)
        if text is None:
            out.append(_f("citations", "block", f"cites {citation.item_id!r}, which was not retrieved"))
        elif len(quote) < MIN_QUOTE_CHARS or quote not in text:
            out.append(_f("citations", "block", f"a quote is not found verbatim in {citation.item_id}"))
    if not answer.citations:
        out.append(_f("citations", "review", "no passage of the documents or lines is cited as evidence"))
    elif not {c.item_id for c in answer.citations} & ctx.purchase_evidence_ids():
        out.append(
            _f(
                "citations",
                "review",
                "no line or invoice text is cited: messages alone never decide an account",
            )
        )
    return tuple(out)


CHECKS: tuple[Check, ...] = (
    check_schema,
    check_integrity,
    check_always_person,
    check_rules,
    check_amounts,
    check_account,
    check_confidence,
    check_proposer_review,
)


def invoice_findings(g: GateInput) -> tuple[Finding, ...]:
    """Every finding of every invoices check, in the order of :data:`CHECKS`."""
    return tuple(f for check in CHECKS for f in check(g))
