"""The review desk's invoice page: what an approver sees of one invoice and how their form becomes a decision.

The desk (:mod:`interlock.web.desk`) owns sign-in, the queue, CSRF and the decision's
path through the gate and the approval limit; this view (``Domain.desk_view`` of the
invoices domain) owns the page: the invoice's figures, the vendor (tax id and bank
account masked unless the reader may see them, a recent bank change flagged), the
lines beside the purchase order, the proposed postings, the documents with any cited
quote marked (documents are untrusted text: escaped, never rendered as markup), and
the approve / reject with a reason code / hold forms. An approval of an invoice without
a purchase order names the expense account; a person never types an amount.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from interlock.domains.invoices.context import InvoiceContext
from interlock.domains.invoices.rules import REASON_CODES
from interlock.policy.document import PolicyDocument
from interlock.policy.principal import Principal
from interlock.review.reasons import in_words
from interlock.task import PersonDecision
from interlock.web.evidence import Evidence, mark_quotes

__all__ = ["DESK_VIEW", "InvoicesDeskView", "ReasonOption", "evidence", "reason_options"]


@dataclass(frozen=True, slots=True)
class ReasonOption:
    """One reason code of the reject form: the code, its meaning, whether the proposal chose it."""

    code: str
    meaning: str
    selected: bool


def reason_options(proposal: Mapping[str, Any]) -> list[ReasonOption]:
    """Every rejection reason code with its meaning, the proposal's one selected."""
    chosen = proposal.get("reason_code")
    return [ReasonOption(code, meaning, code == chosen) for code, meaning in sorted(REASON_CODES.items())]


def cited_quotes(proposal: Mapping[str, Any]) -> dict[str, list[str]]:
    """The quotes the model's answer cites, by context item id."""
    found: dict[str, list[str]] = {}
    answer = proposal.get("answer") or {}
    for citation in answer.get("citations", []):
        found.setdefault(str(citation.get("item_id")), []).append(str(citation.get("quote", "")))
    return found


def evidence(ctx: InvoiceContext, proposal: Mapping[str, Any]) -> list[Evidence]:
    """The invoice's documents, oldest first, with the quotes the proposal cites marked."""
    cites = cited_quotes(proposal)
    out: list[Evidence] = []
    for doc in sorted(ctx.documents, key=lambda d: (d.received_at, d.doc_id)):
        item = ctx.document_item_id(doc)
        out.append(
            Evidence(
                item_id=item,
                kind=doc.kind,
                title=f"{doc.kind.replace('_', ' ')} {doc.doc_id}, received {doc.received_at:%Y-%m-%d %H:%M}",
                html=mark_quotes(doc.body, cites.get(item, ())),
                cited=item in cites,
            )
        )
    return out


class InvoicesDeskView:
    """The invoice page of the review desk."""

    template_dir = str(Path(__file__).parent / "templates")
    template = "invoice.html"

    def page(
        self, *, context: Any, row: Any, principal: Principal, policy: PolicyDocument, summary: Any
    ) -> Mapping[str, Any]:
        """The page's variables; masking was applied by the connector under the reader's scope."""
        ctx: InvoiceContext = context
        inv = ctx.invoice
        po_lines = {line.item_code: line for line in ctx.po_lines}
        return {
            "ctx": ctx,
            "invoice": inv,
            "vendor": ctx.vendor,
            "lines": [(line, po_lines.get(line.item_code or "")) for line in ctx.lines],
            "accounts": [a for a in ctx.accounts if a.active and not a.requires_po],
            "needs_account": inv.po_number is None,
            "proposal": row.proposal,
            "evidence": evidence(ctx, row.proposal),
            "reasons": reason_options(row.proposal),
            "why": in_words(row.reason),
            "summary": summary,
            "approval_limit": principal.attributes.get("approval_limit"),
        }

    def decision(self, form: Mapping[str, str]) -> PersonDecision:
        """Approve (naming the account when there is no purchase order), reject with a code, or hold."""
        action = form.get("action", "")
        if action not in ("approve", "reject", "hold"):
            raise ValueError(f"unknown action {action!r}")
        account = form.get("account", "").strip()
        return PersonDecision(
            action=action,
            reason_code=(form.get("reason_code") or None) if action == "reject" else None,
            comment=form.get("comment", ""),
            fields={"account": account} if action == "approve" and account else {},
        )


DESK_VIEW = InvoicesDeskView()
