"""Builders of invoice contexts for the invoices domain's pure tests."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

from interlock.domains.invoices.context import (
    Company,
    GlAccount,
    Invoice,
    InvoiceContext,
    InvoiceDocument,
    InvoiceLine,
    PoLine,
    PurchaseOrder,
    Vendor,
)
from interlock.domains.invoices.rules import half_up

D = Decimal

ACCOUNTS = (
    GlAccount(
        account="6100",
        name="Software subscriptions",
        description="SaaS and licences",
        requires_po=False,
        active=True,
    ),
    GlAccount(
        account="1500", name="Equipment", description="Machines and tools", requires_po=True, active=True
    ),
    GlAccount(
        account="6900", name="Old travel", description="Closed account", requires_po=False, active=False
    ),
)
DOCUMENT = InvoiceDocument(
    doc_id="D-1",
    kind="invoice_text",
    received_at=datetime(2026, 5, 1, 8, 0, tzinfo=UTC),
    body="Annual licence renewal for the design software, 25 seats.",
)


def line(no: int = 1, *, item: str | None = "WIDGET", qty: int = 10, price: str = "12.50") -> InvoiceLine:
    """A line whose amount is exactly quantity x unit price."""
    return InvoiceLine(
        line_no=no,
        item_code=item,
        description="widgets",
        quantity=qty,
        unit_price=D(price),
        amount=qty * D(price),
    )


def world(
    *,
    lines: tuple[InvoiceLine, ...] = (line(),),
    po: bool = True,
    tax_rate: str = "10.00",
    **invoice: object,
) -> InvoiceContext:
    """A clean PO invoice that passes every rule; keyword arguments change the header."""
    subtotal = sum((ln.amount for ln in lines), D(0))
    tax = half_up(subtotal * D(tax_rate) / 100)
    header = Invoice(
        invoice_id="INV-1",
        vendor_id="V-1",
        vendor_invoice_number="A-0001",
        company_code="AW10",
        cost_center="CC-OPS",
        department="operations",
        po_number="PO-1" if po else None,
        currency="USD",
        invoice_date=date(2026, 5, 1),
        received_date=date(2026, 5, 3),
        subtotal=subtotal,
        tax_amount=tax,
        total_amount=subtotal + tax,
        confidentiality="none",
        status="received",
        version=1,
    )
    return InvoiceContext(
        invoice=replace(header, **invoice),  # type: ignore[arg-type]
        lines=lines,
        vendor=Vendor(
            vendor_id="V-1",
            name="Acme",
            tax_id="***",
            bank_account="***",
            bank_changed_at=None,
            status="active",
        ),
        company=Company(company_code="AW10", currency="USD", tax_rate_pct=D(tax_rate)),
        purchase_order=PurchaseOrder(
            po_number="PO-1",
            company_code="AW10",
            cost_center="CC-OPS",
            vendor_id="V-1",
            currency="USD",
            status="open",
        )
        if po
        else None,
        po_lines=(
            PoLine(
                line_no=1,
                item_code="WIDGET",
                description="widgets",
                quantity=100,
                unit_price=D("12.50"),
                gl_account="5100",
                received_quantity=40,
                approved_quantity=0,
            ),
        )
        if po
        else (),
        accounts=ACCOUNTS,
        documents=(DOCUMENT,),
        approved_duplicates=(),
        items=(),
    )
