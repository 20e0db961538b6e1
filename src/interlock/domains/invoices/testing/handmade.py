"""Write an ERP by hand, straight into the Alder Works tables.

Outside systems do not go through Interlock's generator: they insert rows into the
SPEC.md tables directly. These helpers do the same, so a test can state one invoice at
a time in its own words and check how Interlock decides it. Figures default to ones
that add up (amount = quantity x unit price, tax at the company's rate, rounded
half-up); any of them can be overridden to make an invoice that does not.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import Engine

from interlock.domains.invoices import schema as t

__all__ = ["STAMP", "add_decision", "add_invoice", "seed_reference"]


def naive_utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A UTC timestamp as the ERP's ``TIMESTAMP`` columns hold it (no zone)."""
    return datetime(year, month, day, hour, minute, tzinfo=UTC).replace(tzinfo=None)


STAMP = naive_utc(2026, 4, 1, 9, 0)
RECEIVED = date(2026, 5, 4)
TAX_RATES = {"AW10": Decimal("10.00"), "AW20": Decimal("19.00")}
LICENCE = "Annual licence renewal for the design software, 25 seats."


def seed_reference(sor: Engine) -> None:
    """Two companies, cost centers, a small chart, vendors, one open PO with receipts, staff."""
    with sor.begin() as conn:
        conn.execute(
            t.companies.insert(),
            [
                {
                    "company_code": "AW10",
                    "name": "Alder Works US",
                    "currency": "USD",
                    "tax_rate_pct": "10.00",
                },
                {
                    "company_code": "AW20",
                    "name": "Alder Works DE",
                    "currency": "EUR",
                    "tax_rate_pct": "19.00",
                },
            ],
        )
        conn.execute(
            t.cost_centers.insert(),
            [
                {
                    "cost_center": "AW10-OPS",
                    "company_code": "AW10",
                    "name": "Plant ops",
                    "department": "operations",
                },
                {"cost_center": "AW10-LEG", "company_code": "AW10", "name": "Legal", "department": "legal"},
                {"cost_center": "AW20-IT", "company_code": "AW20", "name": "IT Berlin", "department": "it"},
            ],
        )
        conn.execute(
            t.gl_accounts.insert(),
            [
                _account(
                    "6100", "Software subscriptions", "Software licences, SaaS subscriptions and renewals", 0
                ),
                _account("6200", "Office supplies", "Paper, pens, toner and small desk items", 0),
                _account("1500", "Machinery and equipment", "Machines, tools and plant equipment", 1),
                _account("5100", "Raw materials", "Steel, resin and purchased components", 1),
                _account("6900", "Travel (closed)", "Closed: travel moved to 6300", 0, active=0),
            ],
        )
        conn.execute(
            t.vendors.insert(),
            [
                _vendor("V-1", "Acme Tools", "active"),
                _vendor("V-BLK", "Shady Supplies", "blocked"),
                _vendor("V-BANK", "Newbank Traders", "active", bank_changed_at=naive_utc(2026, 4, 20, 12, 0)),
            ],
        )
        conn.execute(
            t.purchase_orders.insert(),
            {
                "po_number": "PO-1",
                "company_code": "AW10",
                "cost_center": "AW10-OPS",
                "vendor_id": "V-1",
                "currency": "USD",
                "status": "open",
                "created_on": date(2026, 3, 1),
            },
        )
        conn.execute(
            t.po_lines.insert(),
            {
                "po_number": "PO-1",
                "line_no": 1,
                "item_code": "WIDGET",
                "description": "Steel widgets",
                "quantity": 100,
                "unit_price": Decimal("12.50"),
                "gl_account": "5100",
            },
        )
        conn.execute(
            t.goods_receipts.insert(),
            [
                {
                    "receipt_id": "GR-1",
                    "po_number": "PO-1",
                    "line_no": 1,
                    "quantity": 40,
                    "received_on": date(2026, 4, 20),
                },
                {
                    "receipt_id": "GR-2",
                    "po_number": "PO-1",
                    "line_no": 1,
                    "quantity": 60,
                    "received_on": date(2026, 6, 1),
                },
            ],
        )
        conn.execute(
            t.staff.insert(),
            [
                _staff("S-CLERK", "ap_clerk", "1000.00"),
                _staff("S-MGR", "ap_manager", "50000.00"),
                _staff("S-AUD", "auditor", "0.00"),
                _staff("S-GONE", "ap_clerk", "1000.00", active=0),
                _staff("S-LEG", "ap_clerk", "5000.00"),
            ],
        )
        conn.execute(
            t.staff_assignments.insert(),
            [
                {"staff_id": "S-CLERK", "company_code": "AW10", "department": "operations"},
                {"staff_id": "S-MGR", "company_code": "AW10", "department": "operations"},
                {"staff_id": "S-MGR", "company_code": "AW10", "department": "legal"},
                {"staff_id": "S-GONE", "company_code": "AW10", "department": "operations"},
                {"staff_id": "S-LEG", "company_code": "AW10", "department": "legal"},
            ],
        )
        conn.execute(
            t.staff_privileges.insert(),
            [
                {"staff_id": "S-MGR", "privilege": "sensitive:confidential"},
                {"staff_id": "S-MGR", "privilege": "vendor:bank"},
            ],
        )


def _account(
    account: str, name: str, description: str, requires_po: int, *, active: int = 1
) -> dict[str, object]:
    return {
        "account": account,
        "name": name,
        "description": description,
        "requires_po": requires_po,
        "active": active,
    }


def _vendor(
    vendor_id: str, name: str, status: str, *, bank_changed_at: datetime | None = None
) -> dict[str, object]:
    return {
        "vendor_id": vendor_id,
        "name": name,
        "tax_id": f"TX-{vendor_id}-991",
        "bank_account": f"DE89 3704 0044 0532 {sum(map(ord, vendor_id)):04d}",
        "bank_changed_at": bank_changed_at,
        "status": status,
    }


def _staff(staff_id: str, role: str, limit: str, *, active: int = 1) -> dict[str, object]:
    return {
        "staff_id": staff_id,
        "name": staff_id.title(),
        "role": role,
        "approval_limit": Decimal(limit),
        "active": active,
    }


Line = tuple[str | None, str, int, str]


def add_invoice(
    sor: Engine,
    invoice_id: str,
    *,
    lines: Sequence[Line] = (("WIDGET", "Steel widgets", 10, "12.50"),),
    vendor_id: str = "V-1",
    number: str | None = None,
    company: str = "AW10",
    cost_center: str = "AW10-OPS",
    department: str = "operations",
    po: str | None = "PO-1",
    currency: str | None = None,
    received: date = RECEIVED,
    confidentiality: str = "none",
    status: str = "received",
    version: int = 1,
    documents: Sequence[tuple[str, str]] = (),
    line_amounts: Sequence[str] | None = None,
    subtotal: str | None = None,
    tax: str | None = None,
    total: str | None = None,
) -> None:
    """One invoice with its lines and documents; figures add up unless overridden."""
    amounts = (
        [Decimal(a) for a in line_amounts]
        if line_amounts is not None
        else [qty * Decimal(price) for _, _, qty, price in lines]
    )
    sub = Decimal(subtotal) if subtotal is not None else sum(amounts, Decimal("0.00"))
    rate = TAX_RATES.get(company, Decimal("0"))
    tax_amount = (
        Decimal(tax) if tax is not None else (sub * rate / 100).quantize(Decimal("0.01"), ROUND_HALF_UP)
    )
    total_amount = Decimal(total) if total is not None else sub + tax_amount
    with sor.begin() as conn:
        conn.execute(
            t.invoices.insert(),
            {
                "invoice_id": invoice_id,
                "vendor_id": vendor_id,
                "vendor_invoice_number": number or f"N-{invoice_id}",
                "company_code": company,
                "cost_center": cost_center,
                "department": department,
                "po_number": po,
                "currency": currency or ("EUR" if company == "AW20" else "USD"),
                "invoice_date": received,
                "received_date": received,
                "subtotal": sub,
                "tax_amount": tax_amount,
                "total_amount": total_amount,
                "confidentiality": confidentiality,
                "status": status,
                "version": version,
                "updated_at": STAMP,
            },
        )
        if lines:
            conn.execute(
                t.invoice_lines.insert(),
                [
                    {
                        "invoice_id": invoice_id,
                        "line_no": n,
                        "item_code": item,
                        "description": desc,
                        "quantity": qty,
                        "unit_price": Decimal(price),
                        "amount": amount,
                    }
                    for n, ((item, desc, qty, price), amount) in enumerate(
                        zip(lines, amounts, strict=True), 1
                    )
                ],
            )
        if documents:
            conn.execute(
                t.invoice_documents.insert(),
                [
                    {
                        "doc_id": f"{invoice_id}-D{n}",
                        "invoice_id": invoice_id,
                        "kind": kind,
                        "received_at": naive_utc(received.year, received.month, received.day, 8, n),
                        "body": body,
                    }
                    for n, (kind, body) in enumerate(documents, 1)
                ],
            )


def add_decision(
    sor: Engine, invoice_id: str, *, outcome: str = "approve", decided_by: str = "staff:S-MGR"
) -> None:
    """An earlier decision of an invoice (as the ERP's own users record it), without postings."""
    with sor.begin() as conn:
        conn.execute(
            t.invoice_decisions.insert(),
            {
                "decision_id": f"DEC-H-{invoice_id}",
                "invoice_id": invoice_id,
                "invoice_version": 1,
                "outcome": outcome,
                "reason_code": None if outcome == "approve" else "P1",
                "approved_amount": Decimal("0.00"),
                "decided_by": decided_by,
                "rationale": "decided before Interlock",
                "idempotency_key": f"history:{invoice_id}",
                "decided_at": STAMP,
            },
        )
        conn.execute(
            t.invoices.update()
            .where(t.invoices.c.invoice_id == invoice_id)
            .values(status="approved" if outcome == "approve" else "rejected")
        )
