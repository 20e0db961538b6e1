"""``invoices.approve``: the invoices domain's decisions, behind the core's Task seam.

Everything here is pure and delegates to the modules holding INVOICE_POLICY.md:
:mod:`~interlock.domains.invoices.rules` (integrity, rules 1-7, postings, the
always-a-person cases), :mod:`~interlock.domains.invoices.proposal` (the proposer and
rule 8 from the model's answer), :mod:`~interlock.domains.invoices.asking` (rule 8's
question), :mod:`~interlock.domains.invoices.gate` and
:mod:`~interlock.domains.invoices.boundary` (the gate checks). The engine, the gate
runner, the review desk and the work store run it exactly as they run claims.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, ClassVar

from interlock.domains.invoices.asking import account_request, invoice_text
from interlock.domains.invoices.boundary import check_person_account, check_write_boundary
from interlock.domains.invoices.context import InvoiceContext
from interlock.domains.invoices.gate import GATE_VERSION, invoice_findings
from interlock.domains.invoices.payload import InvoicePayload
from interlock.domains.invoices.proposal import InvoiceProposal, Outcome, needs_model, propose
from interlock.domains.invoices.question import AccountAnswer
from interlock.domains.invoices.rules import (
    REASON_CODES,
    RULES_VERSION,
    Posting,
    RulesResult,
    evaluate_rules,
    po_postings,
    postings_for_account,
)
from interlock.gate.verdict import Finding, Verdict
from interlock.models.base import ModelAnswer, ModelQuestion
from interlock.policy.document import PolicyDocument
from interlock.policy.principal import Principal
from interlock.policy.values import ResourceScope
from interlock.task import GateInput, JsonDict, PersonDecision, ReviewFacts, RulesSummary, Task

__all__ = ["TASK", "InvoicesApprove", "person_proposal", "proposal_to_dict"]

TASK = "invoices.approve"
RESOURCE = "invoices"
ZERO = Decimal("0.00")
#: The only field a reviewer's request may carry: the expense account of a non-PO approval.
PERSON_FIELDS = frozenset({"account"})
#: Checks whose refusal lies in the model's answer itself: worth asking once more.
_REPAIRABLE = frozenset({"citations"})


def _postings_json(postings: tuple[Posting, ...]) -> list[list[Any]]:
    return [[p.line_no, p.gl_account, p.cost_center, str(p.amount)] for p in postings]


def _answer_json(answer: AccountAnswer | None) -> JsonDict | None:
    if answer is None:
        return None
    return {
        "model_id": answer.model_id,
        "account": answer.account,
        "confidence": round(answer.confidence, 6),
        "prompt_template": answer.prompt_template,
        "prompt_hash": answer.prompt_hash,
        "citations": [{"item_id": c.item_id, "quote": c.quote[:300]} for c in answer.citations],
    }


def proposal_to_dict(p: InvoiceProposal) -> JsonDict:
    """The JSON form of a proposal kept with review items and recovery points."""
    return {
        "invoice_id": p.invoice_id,
        "invoice_version": p.invoice_version,
        "outcome": p.outcome,
        "reason_code": p.reason_code,
        "approved_amount": str(p.approved_amount),
        "postings": _postings_json(p.postings),
        "basis": p.basis,
        "decided_by": p.decided_by,
        "rationale": p.rationale,
        "confidence": round(p.confidence, 6),
        "review_reasons": list(p.review_reasons),
        "answer": _answer_json(p.answer),
    }


def person_proposal(ctx: InvoiceContext, principal: Principal, decision: PersonDecision) -> InvoiceProposal:
    """A reviewer's decision as a proposal (pure): basis ``person``, confidence 1.

    Amounts and postings come from the rules module, never from the request; the only
    thing a person adds is the expense account of an invoice without a purchase order.
    When the rules do not allow an approval the proposal carries no postings, and the
    gate refuses it with the rule that stands in the way.
    """
    inv = ctx.invoice
    outcome: Outcome
    postings: tuple[Posting, ...] = ()
    code = None
    if decision.action == "approve":
        outcome, rationale = "approve", "approved by a reviewer"
        rules = evaluate_rules(ctx)
        if not rules.integrity and rules.first_failure is None:
            if inv.po_number is not None:
                postings = po_postings(ctx)
            elif account := decision.fields.get("account", "").strip():
                postings = postings_for_account(ctx, account)
                rationale = f"approved by a reviewer to account {account}"
    elif decision.action == "reject":
        outcome, code = "reject", decision.reason_code
        rationale = f"rejected by a reviewer with {code}"
    else:
        outcome, rationale = "review", "held by a reviewer"
    return InvoiceProposal(
        invoice_id=inv.invoice_id,
        invoice_version=inv.version,
        outcome=outcome,
        reason_code=code,
        approved_amount=inv.total_amount if outcome == "approve" else ZERO,
        postings=postings,
        basis="person",
        decided_by=principal.decided_by,
        rationale=rationale,
        confidence=1.0,
        # The comment is free text: it never becomes a finding (findings reach the trail).
        review_reasons=(rationale,) if outcome == "review" else (),
    )


class InvoicesApprove(Task[InvoiceContext, RulesResult, InvoiceProposal, InvoicePayload]):
    """Decide one invoice version: rules 1-7 by code, rule 8 by a model, the always-a-person cases."""

    name: ClassVar[str] = TASK
    domain: ClassVar[str] = "invoices"
    record_type: ClassVar[str] = "invoice"
    rules_version: ClassVar[str] = RULES_VERSION
    gate_version: ClassVar[str] = GATE_VERSION
    final_outcomes: ClassVar[frozenset[str]] = frozenset({"approve", "reject"})
    review_actions: ClassVar[tuple[str, ...]] = ("approve", "reject", "hold")
    hold_action: ClassVar[str] = "hold"

    def scope(self, policy: PolicyDocument, principal: Principal) -> ResourceScope:
        """The principal's read scope on the policy's ``invoices`` resource."""
        return policy.scope(RESOURCE, principal)

    def rules(self, context: InvoiceContext) -> RulesResult:
        """Integrity checks, then rules 1-7."""
        return evaluate_rules(context)

    def rules_summary(self, rules: RulesResult) -> RulesSummary:
        """Which rules ran, which failed, with which reason code; no invoice content."""
        details: JsonDict = {
            "rules_version": RULES_VERSION,
            "integrity": [f.code for f in rules.integrity],
            "rules": [{"rule": f.rule, "passed": f.passed, "code": f.code} for f in rules.findings],
        }
        if rules.integrity:
            return RulesSummary(
                outcome="undecidable", reason="; ".join(f.reason for f in rules.integrity), details=details
            )
        failure = rules.first_failure
        if failure is not None:
            return RulesSummary(
                outcome=f"reject:{failure.code}",
                reason=f"rule {failure.rule} ({failure.name}): {failure.reason}",
                details=details,
            )
        return RulesSummary(outcome="pass", reason="rules 1-7 pass", details=details)

    def question(
        self, context: InvoiceContext, rules: RulesResult, *, repair_findings: tuple[str, ...] = ()
    ) -> ModelQuestion[ModelAnswer] | None:
        """Rule 8's expense-account question, or ``None`` when code alone decides the invoice."""
        if not needs_model(context, rules):
            return None
        return account_request(context, repair_findings=repair_findings)

    def model_text(self, context: InvoiceContext, rules: RulesResult) -> str | None:
        """The lines and documents the expense-account question sends, or ``None`` when none is asked."""
        if not needs_model(context, rules):
            return None
        return invoice_text((x.description for x in context.lines), (d.body for d in context.documents))

    def propose(
        self,
        context: InvoiceContext,
        rules: RulesResult,
        *,
        answer: ModelAnswer | None,
        model_problem: str | None,
    ) -> InvoiceProposal:
        """The proposer of :mod:`~interlock.domains.invoices.proposal`."""
        if answer is not None and not isinstance(answer, AccountAnswer):
            return propose(context, rules, model_problem="the model answered another task's question")
        return propose(context, rules, answer=answer, model_problem=model_problem)

    def person_decision_problem(self, decision: PersonDecision) -> str | None:
        """Why a reviewer's request cannot stand as asked, before any read."""
        if decision.action not in self.review_actions:
            return f"unknown action; choose one of {', '.join(self.review_actions)}"
        if decision.action == "reject" and decision.reason_code not in REASON_CODES:
            codes = ", ".join(sorted(REASON_CODES))
            given = "none was given" if not decision.reason_code else f"{decision.reason_code} is not one"
            return f"a rejection needs one of the policy's reason codes ({codes}); {given}"
        if decision.action != "reject" and decision.reason_code is not None:
            return "a reason code is only given with a rejection"
        if unknown := sorted(set(decision.fields) - PERSON_FIELDS):
            return f"unknown fields: {', '.join(unknown)}"
        if decision.action != "approve" and decision.fields:
            return "an expense account is only given with an approval"
        if decision.action == self.hold_action and not decision.comment.strip():
            return "a hold needs a comment saying what is awaited"
        return None

    def person_proposal(
        self, context: InvoiceContext, principal: Principal, decision: PersonDecision
    ) -> InvoiceProposal:
        """A reviewer's approve (with the account of a non-PO invoice), reject (with a code) or hold."""
        return person_proposal(context, principal, decision)

    def is_held(self, context: InvoiceContext) -> bool:
        """An invoice waits for a person while it is ``on_hold``."""
        return context.invoice.status == "on_hold"

    def checks(self, g: GateInput[InvoiceContext, RulesResult, InvoiceProposal]) -> Iterable[Finding]:
        """The invoices gate's checks, then who may write the decision."""
        return (*invoice_findings(g), *check_person_account(g), *check_write_boundary(g))

    def commit_payload(self, proposal: InvoiceProposal, context: InvoiceContext) -> InvoicePayload:
        """The released amount and postings (already recomputed and checked by the gate)."""
        del context
        return InvoicePayload(approved_amount=proposal.approved_amount, postings=proposal.postings)

    def repair_findings(self, proposal: InvoiceProposal, verdict: Verdict) -> tuple[str, ...]:
        """Citation problems of a model's answer are worth one more question; nothing else is.

        Only when every finding that stopped the proposal is a citation problem (low
        confidence may stand beside them, but is never sent back: asking a model to be
        surer invites it to say so without reason).
        """
        if proposal.basis != "model" or proposal.answer is None or verdict.status == "pass":
            return ()
        stopping = [f for f in verdict.findings if f.severity != "info"]
        if not stopping or not all(f.check in _REPAIRABLE or f.check == "confidence" for f in stopping):
            return ()
        return tuple(f"{f.check}: {f.reason}" for f in stopping if f.check in _REPAIRABLE)

    def proposal_json(self, proposal: InvoiceProposal) -> JsonDict:
        """See :func:`proposal_to_dict`."""
        return proposal_to_dict(proposal)

    def payload_json(self, payload: InvoicePayload) -> JsonDict:
        """Decimal strings, never floats."""
        return payload.to_json()

    def payload_from_json(self, data: Mapping[str, Any]) -> InvoicePayload:
        """The payload back from decimal strings, exactly."""
        return InvoicePayload.from_json(data)

    def commit_facts(self, payload: InvoicePayload) -> JsonDict:
        """The released amount and the accounts posted to; no free text."""
        return {
            "approved_amount": str(payload.approved_amount),
            "accounts": sorted({p.gl_account for p in payload.postings}),
        }

    def agreement_facts(self, payload: InvoicePayload) -> JsonDict:
        """The released amount and every line's posting (account, cost center, amount).

        Two approvals agree only when each line is posted to the same account and cost
        center for the same amount: the set of accounts alone would not see two lines'
        accounts swapped.
        """
        return {"approved_amount": str(payload.approved_amount), "postings": _postings_json(payload.postings)}

    def review_facts(self, context: InvoiceContext) -> ReviewFacts:
        """The invoice total and its access attributes (company, department, confidentiality)."""
        inv = context.invoice
        return ReviewFacts(
            amount=str(inv.total_amount),
            attributes={
                "company_code": inv.company_code,
                "department": inv.department,
                "confidentiality": inv.confidentiality,
            },
        )
