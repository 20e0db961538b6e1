"""Rule 8's question for one invoice, built from its context (pure).

The model is sent the minimum it needs: line descriptions and quantities, the
documents as untrusted data (as the vendor wrote them), and the active accounts of the
chart as candidates. Never the ERP's vendor record (its tax id and bank account are
fields the policy keeps from any model), never the ERP's prices or totals: an account
is all it is asked for, and every figure is computed by code.
"""

from __future__ import annotations

from collections.abc import Iterable

from interlock.domains.invoices.context import InvoiceContext
from interlock.domains.invoices.question import AccountOption, AccountRequest, DocumentText, LineText

__all__ = ["account_request", "invoice_text"]


def account_request(ctx: InvoiceContext, *, repair_findings: tuple[str, ...] = ()) -> AccountRequest:
    """The expense-account question of a non-PO invoice, addressed by context item ids."""
    return AccountRequest(
        invoice_id=ctx.invoice.invoice_id,
        lines=tuple(
            LineText(item_id=ctx.line_item_id(line), description=line.description, quantity=line.quantity)
            for line in ctx.lines
        ),
        documents=tuple(
            DocumentText(item_id=ctx.document_item_id(d), kind=d.kind, body=d.body) for d in ctx.documents
        ),
        candidates=tuple(
            AccountOption(account=a.account, name=a.name, description=a.description)
            for a in ctx.accounts
            if a.active
        ),
        repair_findings=repair_findings,
    )


def invoice_text(descriptions: Iterable[str], documents: Iterable[str]) -> str:
    """An invoice's words as the model reads them: line descriptions, then every document.

    The familiarity check measures this text, for a backlog invoice and for each history
    invoice alike, so both are built here.
    """
    return "\n".join([*descriptions, *documents])
