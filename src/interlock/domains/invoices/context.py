"""The context of one invoice, as read from the ERP on behalf of one principal.

Plain frozen values: the rules, the proposer and the gate read them without touching
a database. Every piece read carries its provenance through a context item id
(``source:id@version``), so a decision names exactly what it rested on. The connector
fills in what needs other records: approved invoices of the same vendor (rule 2) and
quantities already approved against the purchase order (rule 7).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from interlock.task import ContextItem, item_id_for


@dataclass(frozen=True, slots=True, kw_only=True)
class Invoice:
    """The invoice header (SPEC ``invoices``), figures as printed."""

    invoice_id: str
    vendor_id: str
    vendor_invoice_number: str
    company_code: str
    cost_center: str
    department: str
    po_number: str | None
    currency: str
    invoice_date: date
    received_date: date
    subtotal: Decimal
    tax_amount: Decimal
    total_amount: Decimal
    confidentiality: str
    status: str
    version: int


@dataclass(frozen=True, slots=True, kw_only=True)
class InvoiceLine:
    """One printed line; ``item_code`` names a PO line only when it equals its item code."""

    line_no: int
    item_code: str | None
    description: str
    quantity: int
    unit_price: Decimal
    amount: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class Vendor:
    """The vendor; ``tax_id`` and ``bank_account`` are masked unless the reader may see them."""

    vendor_id: str
    name: str
    tax_id: str
    bank_account: str
    bank_changed_at: datetime | None
    status: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Company:
    """The invoice's company: its currency and tax rate."""

    company_code: str
    currency: str
    tax_rate_pct: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class GlAccount:
    """One account of the chart of accounts."""

    account: str
    name: str
    description: str
    requires_po: bool
    active: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class PurchaseOrder:
    """A purchase order header."""

    po_number: str
    company_code: str | None
    cost_center: str | None
    vendor_id: str | None
    currency: str | None
    status: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class PoLine:
    """One line of the purchase order, with what was received on or before the invoice's receipt."""

    line_no: int
    item_code: str
    description: str
    quantity: int
    unit_price: Decimal
    gl_account: str
    received_quantity: int
    #: Quantity of this item code on other invoices of the same PO with an ``approve`` decision.
    approved_quantity: int


@dataclass(frozen=True, slots=True, kw_only=True)
class InvoiceDocument:
    """Untrusted free text that came with the invoice (its text, an email, a memo)."""

    doc_id: str
    kind: str
    received_at: datetime
    body: str


@dataclass(frozen=True, slots=True, kw_only=True)
class InvoiceContext:
    """Everything read for one invoice version on behalf of one principal.

    ``approved_duplicates`` are ids of other invoices of the same vendor whose
    normalized number equals this one's and that have an ``approve`` decision.
    """

    invoice: Invoice
    lines: tuple[InvoiceLine, ...]
    vendor: Vendor | None
    company: Company | None
    purchase_order: PurchaseOrder | None
    po_lines: tuple[PoLine, ...]
    accounts: tuple[GlAccount, ...]
    documents: tuple[InvoiceDocument, ...]
    approved_duplicates: tuple[str, ...]
    items: tuple[ContextItem, ...]

    @property
    def record_id(self) -> str:
        """The invoice id: the record this context decides."""
        return self.invoice.invoice_id

    @property
    def record_version(self) -> int:
        """The invoice version that was read."""
        return self.invoice.version

    def document_item_id(self, document: InvoiceDocument) -> str:
        """The context item id of ``document``: what a citation names."""
        return item_id_for("document", document.doc_id, document.received_at.isoformat())

    def line_item_id(self, line: InvoiceLine) -> str:
        """The context item id of an invoice line (its description can be cited too)."""
        return item_id_for(
            "invoice_line", f"{self.invoice.invoice_id}/{line.line_no}", str(self.invoice.version)
        )

    def purchase_evidence_ids(self) -> frozenset[str]:
        """The items that say what was bought: the invoice's lines and its own text.

        E-mails and memos are messages about the invoice; they may be cited, but an
        automatic decision must also rest on the invoice itself, so that a message
        asking for an account (or written to steer a model) never decides one alone.
        """
        ids = {self.line_item_id(line) for line in self.lines}
        ids.update(self.document_item_id(d) for d in self.documents if d.kind == "invoice_text")
        return frozenset(ids)

    def citable_texts(self) -> dict[str, str]:
        """Every text a citation may quote, by context item id: documents and line descriptions."""
        texts = {self.document_item_id(d): d.body for d in self.documents}
        texts.update({self.line_item_id(line): line.description for line in self.lines})
        return texts
