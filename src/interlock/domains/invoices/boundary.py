"""The invoices task's checks beyond the proposal's own content: who may write it, and how.

The write boundary is declared in the policy file (``[tasks."invoices.approve"]`` and
the ``invoices`` resource's approval rule: a person approves only up to their own
``approval_limit``) and compiled per principal by the core; these checks only consult
it. A person's approval of an invoice without a purchase order must also say which
expense account it goes to: nobody else may pick it for them.
"""

from __future__ import annotations

from interlock.domains.invoices.gate import GateInput
from interlock.gate.verdict import Finding, Severity

__all__ = ["check_person_account", "check_write_boundary", "invoice_attributes"]


def invoice_attributes(g: GateInput) -> dict[str, str]:
    """The invoice's access attributes as the policy's ``invoices`` resource names them."""
    inv = g.context.invoice
    return {
        "company_code": inv.company_code,
        "department": inv.department,
        "confidentiality": inv.confidentiality,
    }


def check_write_boundary(g: GateInput) -> tuple[Finding, ...]:
    """The policy's write boundary lets this principal decide this invoice, this way.

    Outside it, an automatic proposal goes to a person and a person's decision is
    refused. Separation of duties refuses every decision of an author, a hold included.
    """
    p = g.proposal
    person = p.basis == "person"
    if person and not (author := g.boundary.decide_author()).allowed:
        return (Finding(check="write_boundary", severity="block", reason="; ".join(author.reasons)),)
    if p.outcome == "review":
        return ()
    inv = g.context.invoice
    decision = g.boundary.decide_finalize(
        outcome=p.outcome,
        via="review" if person else "automatic",
        attrs=invoice_attributes(g),
        total_billed=inv.total_amount,
    )
    if not decision.allowed:
        severity: Severity = "block" if person else "review"
        return (Finding(check="write_boundary", severity=severity, reason="; ".join(decision.reasons)),)
    record = g.boundary.decide_record(inv.status)
    if not record.allowed:
        return (Finding(check="write_boundary", severity="block", reason="; ".join(record.reasons)),)
    return ()


def check_person_account(g: GateInput) -> tuple[Finding, ...]:
    """A person approving a non-PO invoice names the expense account (``fields.account``)."""
    p = g.proposal
    if p.basis != "person" or p.outcome != "approve" or g.context.invoice.po_number is not None:
        return ()
    if not p.postings:
        return (
            Finding(
                check="account",
                severity="block",
                reason="approving an invoice without a purchase order needs its expense account",
            ),
        )
    return ()
