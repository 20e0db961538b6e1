"""Proposals for one invoice, and the pure proposer that builds them.

The proposer applies the policy in its order: integrity, the always-a-person cases,
rules 1 to 7, then (for an invoice without a purchase order) rule 8 from the model's
answer. It decides nothing: the gate re-checks every proposal from the context alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from interlock.domains.invoices.context import InvoiceContext
from interlock.domains.invoices.question import UNCLEAR, AccountAnswer
from interlock.domains.invoices.rules import (
    RULES_VERSION,
    Posting,
    RulesResult,
    always_person_reasons,
    po_postings,
    postings_for_account,
)
from interlock.task import Basis

__all__ = ["InvoiceProposal", "Outcome", "needs_model", "propose"]

Outcome = Literal["approve", "reject", "review"]
ZERO = Decimal("0.00")


@dataclass(frozen=True, slots=True, kw_only=True)
class InvoiceProposal:
    """A suggested outcome for one invoice version, with everything it was based on."""

    invoice_id: str
    invoice_version: int
    outcome: Outcome
    reason_code: str | None
    approved_amount: Decimal
    postings: tuple[Posting, ...]
    basis: Basis
    decided_by: str
    rationale: str
    confidence: float
    review_reasons: tuple[str, ...] = ()
    answer: AccountAnswer | None = None


def needs_model(ctx: InvoiceContext, rules: RulesResult) -> bool:
    """True only for a non-PO invoice that passed rules 1-4 and is not a person's case anyway."""
    if rules.integrity or rules.first_failure is not None or always_person_reasons(ctx):
        return False
    return ctx.invoice.po_number is None


def propose(
    ctx: InvoiceContext,
    rules: RulesResult,
    *,
    answer: AccountAnswer | None = None,
    model_problem: str | None = None,
) -> InvoiceProposal:
    """Integrity, the always-a-person cases, rules 1-7, then rule 8 from the model's answer."""
    inv = ctx.invoice
    by_rules = f"auto:{RULES_VERSION}"

    def make(
        outcome: Outcome,
        rationale: str,
        *,
        code: str | None = None,
        postings: tuple[Posting, ...] = (),
        basis: Basis = "rules",
        decided_by: str = by_rules,
        confidence: float = 1.0,
    ) -> InvoiceProposal:
        return InvoiceProposal(
            invoice_id=inv.invoice_id,
            invoice_version=inv.version,
            outcome=outcome,
            reason_code=code,
            approved_amount=inv.total_amount if outcome == "approve" else ZERO,
            postings=postings,
            basis=basis,
            decided_by=decided_by,
            rationale=rationale,
            confidence=confidence,
            review_reasons=(rationale,) if outcome == "review" else (),
            answer=answer,
        )

    if rules.integrity:
        return make(
            "review", "the invoice's figures do not add up: " + "; ".join(f.reason for f in rules.integrity)
        )
    if person := always_person_reasons(ctx):
        failure = rules.first_failure
        note = f" (rules suggest reject {failure.code})" if failure else ""
        return make("review", "; ".join(person) + note)
    failure = rules.first_failure
    if failure is not None:
        return make("reject", f"rule {failure.rule} ({failure.name}): {failure.reason}", code=failure.code)
    if inv.po_number is not None:
        return make("approve", "rules 1-7 pass for a purchase-order invoice", postings=po_postings(ctx))
    if answer is None:
        return make("review", "expense account not judged: " + (model_problem or "no model answer"))
    by_model = f"auto:{answer.model_id}"
    if answer.account == UNCLEAR:
        return make(
            "review",
            "rule 8: the documents do not settle the expense account",
            basis="model",
            decided_by=by_model,
            confidence=answer.confidence,
        )
    account = next((a for a in ctx.accounts if a.account == answer.account), None)
    if account is None or not account.active:
        return make(
            "review",
            "rule 8: the judged account is not an active account",
            basis="model",
            decided_by=by_model,
        )
    if account.requires_po:
        return make(
            "reject",
            f"rule 8: spending of account {account.account} needs a purchase order",
            code="P3",
            basis="model",
            decided_by=by_model,
            confidence=answer.confidence,
        )
    return make(
        "approve",
        f"rule 8: the documents describe account {account.account}",
        postings=postings_for_account(ctx, account.account),
        basis="model",
        decided_by=by_model,
        confidence=answer.confidence,
    )
