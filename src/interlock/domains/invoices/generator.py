"""A deterministic, seeded Alder Works ERP: reference data, decided history, a backlog, the truth.

``seed(sor, records=N, seed=S, truth_path=FILE)`` fills an empty ERP with companies,
cost centers, the chart of accounts, vendors, staff, purchase orders and receipts, a
decided history (what a baseline trains on) and ``N`` invoices awaiting a decision,
and writes the correct outcome of each of those per INVOICE_POLICY.md to the truth file:
one JSON object a line with ``invoice_id``, ``outcome``, ``reason``,
``approved_amount`` and ``postings`` (plus ``scenario`` and ``account`` for analysis).

Each backlog invoice is built for one scenario (a clean PO invoice, a non-PO invoice
whose documents clearly name an expense account, one failing exactly one rule, a
mandatory review, ...), so its correct outcome is known by construction rather than
computed by the code under test. Backlog invoices never interact: each PO invoice has
its own purchase order and every number is unique per vendor, so the order in which
they are decided cannot change any outcome. Documents carry prompt-injection text and
fraud-like bank-change requests on invoices whose outcome they must not change.
"""

from __future__ import annotations

import json
import random
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from interlock.domains.invoices import schema as t
from interlock.domains.invoices.catalog import (
    ACCOUNTS,
    COMPANIES,
    CONFIDENTIAL_DEPARTMENTS,
    DEPARTMENTS,
    VAGUE,
    VENDOR_NAMES,
    AccountSpec,
    CompanySpec,
)
from interlock.domains.invoices.heldout import HeldOutFamily
from interlock.domains.invoices.phrasing import BANK_CHANGE_EMAILS, INJECTIONS, Family, StandardFamily
from interlock.domains.invoices.rules import CENT, HIGH_VALUE_LIMIT, PRICE_TOLERANCE, half_up

__all__ = ["FAMILIES", "SCENARIOS", "TruthRow", "seed"]

FAMILIES: Mapping[str, Family] = {"standard": StandardFamily(), "heldout": HeldOutFamily()}
#: Backlog scenarios and their weights.
SCENARIOS: Mapping[str, int] = {
    "po_ok": 24,
    "nonpo_ok": 28,
    "nonpo_p3": 5,
    "nonpo_unclear": 6,
    "v1_blocked": 2,
    "v1_unknown": 2,
    "d1": 4,
    "c1": 3,
    "t1": 4,
    "p1_missing": 1,
    "p1_closed": 1,
    "p1_vendor": 1,
    "p1_item": 1,
    "p2": 3,
    "q1": 3,
    "integrity": 4,
    "high_value": 2,
    "bank_changed": 2,
}
_REJECT = {
    "v1_blocked": "V1",
    "v1_unknown": "V1",
    "d1": "D1",
    "c1": "C1",
    "t1": "T1",
    "p1_missing": "P1",
    "p1_closed": "P1",
    "p1_vendor": "P1",
    "p1_item": "P1",
    "p2": "P2",
    "q1": "Q1",
    "nonpo_p3": "P3",
}
_DEPT_CODE = {
    "operations": "OPS",
    "engineering": "ENG",
    "it": "IT",
    "facilities": "FAC",
    "legal": "LEG",
    "hr": "HR",
}
ZERO = Decimal("0.00")
BACKLOG_START = date(2026, 4, 1)
HISTORY_START = date(2025, 9, 1)
#: When the fraud-signal vendors' bank accounts changed: within 30 days of every backlog receipt.
RECENT_BANK_CHANGE = datetime(2026, 4, 10, 9, 30, tzinfo=UTC).replace(tzinfo=None)
EXPENSE = tuple(a for a in ACCOUNTS if a.active and not a.requires_po)
PO_ONLY = tuple(a for a in ACCOUNTS if a.active and a.requires_po)


@dataclass(frozen=True, slots=True, kw_only=True)
class TruthRow:
    """The correct outcome of one backlog invoice."""

    invoice_id: str
    outcome: str
    reason: str | None
    approved_amount: Decimal
    postings: tuple[tuple[int, str, str, Decimal], ...]
    scenario: str
    account: str | None

    def to_json(self) -> dict[str, Any]:
        """The truth file's line for this invoice."""
        return {
            "invoice_id": self.invoice_id,
            "outcome": self.outcome,
            "reason": self.reason,
            "approved_amount": str(self.approved_amount),
            "postings": [[n, a, c, str(m)] for n, a, c, m in self.postings],
            "scenario": self.scenario,
            "account": self.account,
        }


@dataclass(frozen=True, slots=True)
class _Line:
    item_code: str | None
    description: str
    quantity: int
    unit_price: Decimal
    account: str


@dataclass
class _Rows:
    """Every row to insert, per table, in insertion order."""

    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def add(self, table: str, row: dict[str, Any]) -> None:
        self.tables.setdefault(table, []).append(row)


def _price(whole: int, cents: int) -> Decimal:
    """A unit price with exactly two decimals (as a NUMERIC(12,2) column holds it)."""
    return (Decimal(whole) + Decimal(cents) / 100).quantize(CENT)


def _naive(day: date, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC).replace(tzinfo=None)


class _Builder:
    """Builds the rows of one seeded ERP (pure except for its random generator)."""

    def __init__(self, rng: random.Random, family: Family) -> None:
        self.rng = rng
        self.family = family
        self.standard = FAMILIES["standard"]
        self.rows = _Rows()
        self.serial = 0
        self.po_serial = 0
        self.truth: list[TruthRow] = []
        self.normal_vendors: list[tuple[str, str]] = []
        self.blocked_vendors: list[tuple[str, str]] = []
        self.changed_vendors: list[tuple[str, str]] = []

    # -- reference data ---------------------------------------------------------------

    def reference(self) -> None:
        for c in COMPANIES:
            self.rows.add(
                "companies",
                {
                    "company_code": c.code,
                    "name": c.name,
                    "currency": c.currency,
                    "tax_rate_pct": c.tax_rate_pct,
                },
            )
            for dept in DEPARTMENTS:
                self.rows.add(
                    "cost_centers",
                    {
                        "cost_center": self.cost_center(c, dept),
                        "company_code": c.code,
                        "name": f"{c.name} {dept}",
                        "department": dept,
                    },
                )
        for a in ACCOUNTS:
            self.rows.add(
                "gl_accounts",
                {
                    "account": a.account,
                    "name": a.name,
                    "description": a.description,
                    "requires_po": int(a.requires_po),
                    "active": int(a.active),
                },
            )
        for n, name in enumerate(VENDOR_NAMES, 1):
            vendor_id = f"V{n:03d}"
            status, changed = "active", None
            if n % 8 == 0:
                status = "blocked"
                self.blocked_vendors.append((vendor_id, name))
            elif n % 8 == 3:
                changed = RECENT_BANK_CHANGE
                self.changed_vendors.append((vendor_id, name))
            else:
                if n % 3 == 0:
                    changed = _naive(date(2024, 11, 5))  # long ago: no signal
                self.normal_vendors.append((vendor_id, name))
            self.rows.add(
                "vendors",
                {
                    "vendor_id": vendor_id,
                    "name": name,
                    "tax_id": f"{n:02d}-{7000000 + n * 7919}",
                    "bank_account": f"GB{10 + n:02d} ALDR {n:04d} {n * 1373 % 10000:04d} {n * 71 % 1000:03d}",
                    "bank_changed_at": changed,
                    "status": status,
                },
            )
        self._staff()

    def _staff(self) -> None:
        plans = (
            (
                "CLERK",
                "ap_clerk",
                "5000.00",
                [d for d in DEPARTMENTS if d not in CONFIDENTIAL_DEPARTMENTS],
                (),
            ),
            ("MGR", "ap_manager", "50000.00", list(DEPARTMENTS), ("sensitive:confidential",)),
            ("CTRL", "controller", "250000.00", list(DEPARTMENTS), ("sensitive:confidential", "vendor:bank")),
        )
        for c in COMPANIES:
            for suffix, role, limit, depts, privileges in plans:
                staff_id = f"S-{c.code}-{suffix}"
                self.rows.add(
                    "staff",
                    {
                        "staff_id": staff_id,
                        "name": f"{role} {c.code}",
                        "role": role,
                        "approval_limit": Decimal(limit),
                        "active": 1,
                    },
                )
                for dept in depts:
                    self.rows.add(
                        "staff_assignments",
                        {"staff_id": staff_id, "company_code": c.code, "department": dept},
                    )
                for privilege in privileges:
                    self.rows.add("staff_privileges", {"staff_id": staff_id, "privilege": privilege})
        self.rows.add(
            "staff",
            {
                "staff_id": "S-AUDIT",
                "name": "Auditor",
                "role": "auditor",
                "approval_limit": ZERO,
                "active": 1,
            },
        )

    @staticmethod
    def cost_center(company: CompanySpec, dept: str) -> str:
        return f"{company.code}-{_DEPT_CODE[dept]}"

    # -- lines and documents ----------------------------------------------------------

    def expense_lines(self, account: AccountSpec, family: Family, *, count: int | None = None) -> list[_Line]:
        n = count or self.rng.choice((1, 1, 2, 3))
        out = []
        for _ in range(n):
            item = family.item(account.items, account.heldout_items, self.rng)
            price = _price(self.rng.randint(*account.price), self.rng.randint(0, 99))
            # Small enough that three lines stay far below the high-value limit.
            quantity = self.rng.randint(1, max(1, min(6, int(Decimal(4000) / price))))
            out.append(_Line(None, family.line(item, self.rng), quantity, price, account.account))
        return out

    def documents(
        self,
        invoice_id: str,
        received: date,
        *,
        number: str,
        vendor: str,
        lines: Sequence[_Line],
        total: Decimal,
        family: Family,
    ) -> None:
        texts: list[tuple[str, str]] = [
            (
                "invoice_text",
                family.invoice_text(
                    number=number,
                    vendor=vendor,
                    lines=[(x.description, x.quantity) for x in lines],
                    total=str(total),
                    rng=self.rng,
                ),
            )
        ]
        if lines and self.rng.random() < 0.6:
            texts.append(
                (
                    "email",
                    family.email(
                        number=number, vendor=vendor, about=lines[0].description.lower(), rng=self.rng
                    ),
                )
            )
        if self.rng.random() < 0.10:
            texts.append(("email", self.rng.choice(INJECTIONS)))
        if self.rng.random() < 0.05:
            texts.append(("email", self.rng.choice(BANK_CHANGE_EMAILS).format(vendor=vendor, number=number)))
        if self.rng.random() < 0.15:
            texts.append(("memo", "Checked against the delivery note by the receiving department."))
        for n, (kind, body) in enumerate(texts, 1):
            self.rows.add(
                "invoice_documents",
                {
                    "doc_id": f"{invoice_id}-D{n}",
                    "invoice_id": invoice_id,
                    "kind": kind,
                    "received_at": _naive(received, 8 + n, self.rng.randint(0, 59)),
                    "body": body,
                },
            )

    # -- invoices ---------------------------------------------------------------------

    def next_number(self) -> tuple[str, int]:
        self.serial += 1
        style = self.serial % 3
        number = (
            f"INV-{self.serial:05d}"
            if style == 0
            else f"2026-{self.serial:04d}"
            if style == 1
            else f"BL{self.serial:06d}"
        )
        return number, self.serial

    def invoice(
        self,
        invoice_id: str,
        *,
        vendor: tuple[str, str],
        company: CompanySpec,
        dept: str,
        lines: Sequence[_Line],
        received: date,
        status: str,
        family: Family,
        po_number: str | None = None,
        number: str | None = None,
        currency: str | None = None,
        tax_delta: Decimal = ZERO,
        mutate: str | None = None,
    ) -> Decimal:
        """Insert one invoice with its lines and documents; return its printed total."""
        amounts = [x.quantity * x.unit_price for x in lines]
        if mutate == "line_amount":
            amounts[0] += Decimal("1.00")
        subtotal = sum(amounts, ZERO)
        if mutate == "subtotal":
            subtotal += Decimal("10.00")
        tax = half_up(subtotal * company.tax_rate_pct / 100) + tax_delta
        total = subtotal + tax + (Decimal("0.05") if mutate == "total" else ZERO)
        number = number or self.next_number()[0]
        self.rows.add(
            "invoices",
            {
                "invoice_id": invoice_id,
                "vendor_id": vendor[0],
                "vendor_invoice_number": number,
                "company_code": company.code,
                "cost_center": self.cost_center(company, dept),
                "department": dept,
                "po_number": po_number,
                "currency": currency or company.currency,
                "invoice_date": received - timedelta(days=self.rng.randint(1, 9)),
                "received_date": received,
                "subtotal": subtotal,
                "tax_amount": tax,
                "total_amount": total,
                "confidentiality": "confidential" if dept in CONFIDENTIAL_DEPARTMENTS else "none",
                "status": status,
                "version": 1,
                "updated_at": _naive(received, 8),
            },
        )
        for n, (x, amount) in enumerate(zip(lines, amounts, strict=True), 1):
            self.rows.add(
                "invoice_lines",
                {
                    "invoice_id": invoice_id,
                    "line_no": n,
                    "item_code": x.item_code,
                    "description": x.description,
                    "quantity": x.quantity,
                    "unit_price": x.unit_price,
                    "amount": amount,
                },
            )
        self.documents(
            invoice_id, received, number=number, vendor=vendor[1], lines=lines, total=total, family=family
        )
        return total

    def purchase_order(
        self,
        *,
        vendor_id: str,
        company: CompanySpec,
        dept: str,
        received: date,
        big: bool = False,
        status: str = "open",
    ) -> tuple[str, list[_Line]]:
        """A PO whose every line was received in full before ``received``; its lines as invoice lines."""
        self.po_serial += 1
        po_number = f"PO-{40000 + self.po_serial}"
        self.rows.add(
            "purchase_orders",
            {
                "po_number": po_number,
                "company_code": company.code,
                "cost_center": self.cost_center(company, dept),
                "vendor_id": vendor_id,
                "currency": company.currency,
                "status": status,
                "created_on": received - timedelta(days=40),
            },
        )
        lines = []
        for n in range(1, (1 if big else self.rng.randint(1, 3)) + 1):
            account = self.rng.choice(PO_ONLY) if self.rng.random() < 0.8 else self.rng.choice(EXPENSE)
            item = self.standard.item(account.items, account.heldout_items, self.rng)
            price = (
                Decimal("1500.00")
                if big
                else _price(self.rng.randint(*account.price), self.rng.randint(0, 99))
            )
            quantity = 20 if big else min(self.rng.randint(5, 40), max(2, int(Decimal(8000) / price)))
            code = f"IC-{self.po_serial}-{n}"
            self.rows.add(
                "po_lines",
                {
                    "po_number": po_number,
                    "line_no": n,
                    "item_code": code,
                    "description": item,
                    "quantity": quantity,
                    "unit_price": price,
                    "gl_account": account.account,
                },
            )
            self.rows.add(
                "goods_receipts",
                {
                    "receipt_id": f"GR-{self.po_serial}-{n}",
                    "po_number": po_number,
                    "line_no": n,
                    "quantity": quantity,
                    "received_on": received - timedelta(days=self.rng.randint(1, 10)),
                },
            )
            lines.append(_Line(code, item[0].upper() + item[1:], quantity, price, account.account))
        return po_number, lines

    def po_invoice_lines(self, po_lines: Sequence[_Line]) -> list[_Line]:
        """Invoice lines against some of a PO's lines, at the PO's price, within what was received.

        Quantities stay small enough that no such invoice reaches the high-value limit.
        """
        chosen = [x for x in po_lines if self.rng.random() < 0.8] or [po_lines[0]]
        budget = Decimal(15000) / len(chosen)
        out = []
        for x in chosen:
            cap = max(1, min(x.quantity, int(budget / x.unit_price)))
            out.append(_Line(x.item_code, x.description, self.rng.randint(1, cap), x.unit_price, x.account))
        return out

    # -- history ----------------------------------------------------------------------

    def history(self, count: int) -> None:
        """Invoices decided by people before Interlock: approved (with postings) or rejected."""
        for k in range(1, count + 1):
            invoice_id = f"AP-H{k:05d}"
            received = HISTORY_START + timedelta(days=self.rng.randint(0, 170))
            company = self.rng.choice(COMPANIES)
            vendor = self.rng.choice(self.normal_vendors)
            roll = self.rng.random()
            if roll < 0.6:
                account = self.rng.choice(EXPENSE)
                dept = self.rng.choice(account.departments or DEPARTMENTS)
                lines = self.expense_lines(account, self.standard)
                po_number = None
            else:
                dept = self.rng.choice(("operations", "engineering", "it"))
                po_number, po_lines = self.purchase_order(
                    vendor_id=vendor[0], company=company, dept=dept, received=received
                )
                lines = self.po_invoice_lines(po_lines)
            approved = roll < 0.9
            total = self.invoice(
                invoice_id,
                vendor=vendor,
                company=company,
                dept=dept,
                lines=lines,
                received=received,
                status="approved" if approved else "rejected",
                family=self.standard,
                po_number=po_number,
            )
            self.decided(invoice_id, company, dept, lines, total if approved else None, received)

    def decided(
        self,
        invoice_id: str,
        company: CompanySpec,
        dept: str,
        lines: Sequence[_Line],
        approved: Decimal | None,
        day: date,
    ) -> None:
        """A person's decision row (and postings on approval), as the ERP recorded it."""
        decision_id = f"HD-{invoice_id}"
        self.rows.add(
            "invoice_decisions",
            {
                "decision_id": decision_id,
                "invoice_id": invoice_id,
                "invoice_version": 1,
                "outcome": "approve" if approved is not None else "reject",
                "reason_code": None if approved is not None else "T1",
                "approved_amount": approved if approved is not None else ZERO,
                "decided_by": f"staff:S-{company.code}-MGR",
                "rationale": "decided in the ERP",
                "idempotency_key": f"erp:{invoice_id}",
                "decided_at": _naive(day + timedelta(days=2), 15),
            },
        )
        if approved is None:
            return
        for n, x in enumerate(lines, 1):
            self.rows.add(
                "invoice_postings",
                {
                    "decision_id": decision_id,
                    "line_no": n,
                    "gl_account": x.account,
                    "cost_center": self.cost_center(company, dept),
                    "amount": x.quantity * x.unit_price,
                },
            )

    # -- the backlog ------------------------------------------------------------------

    def backlog(self, count: int) -> None:
        names, weights = list(SCENARIOS), list(SCENARIOS.values())
        for k in range(1, count + 1):
            self.scenario(f"AP-{k:05d}", self.rng.choices(names, weights)[0])

    def scenario(self, invoice_id: str, scenario: str) -> None:
        """Build one backlog invoice for ``scenario`` and record its correct outcome."""
        rng, family = self.rng, self.family
        received = BACKLOG_START + timedelta(days=rng.randint(0, 29))
        company = rng.choice(COMPANIES)
        vendor = rng.choice(self.normal_vendors)
        if scenario == "v1_blocked":
            vendor = rng.choice(self.blocked_vendors)
        elif scenario == "v1_unknown":
            vendor = (f"V9{rng.randint(100, 999)}", "Unlisted Trading Co")
        elif scenario == "bank_changed":
            vendor = rng.choice(self.changed_vendors)
        options: dict[str, Any] = {}
        account: str | None = None
        po_kinds = {"po_ok", "p1_closed", "p1_vendor", "p1_item", "p2", "q1", "high_value"}
        use_po = scenario in po_kinds or (
            scenario in {"v1_blocked", "d1", "c1", "t1", "integrity", "bank_changed"} and rng.random() < 0.5
        )
        if scenario == "p1_missing":
            dept = rng.choice(("operations", "engineering"))
            lines = [_Line(f"IC-X-{rng.randint(1, 99)}", "Spare parts as ordered", 2, Decimal("45.00"), "")]
            options["po_number"] = f"PO-9{rng.randint(10000, 99999)}"
        elif use_po:
            dept = rng.choice(("operations", "engineering", "it"))
            po_vendor = vendor[0]
            if scenario == "p1_vendor":
                po_vendor = next(v for v in self.normal_vendors if v != vendor)[0]
            po_number, po_lines = self.purchase_order(
                vendor_id=po_vendor,
                company=company,
                dept=dept,
                received=received,
                big=scenario == "high_value",
                status="closed" if scenario == "p1_closed" else "open",
            )
            options["po_number"] = po_number
            lines = list(po_lines) if scenario == "high_value" else self.po_invoice_lines(po_lines)
            if scenario == "p1_item":
                lines[0] = _Line(f"{lines[0].item_code}-B", lines[0].description, 1, lines[0].unit_price, "")
            elif scenario == "p2":
                x = lines[0]
                ceiling = half_up(x.unit_price * PRICE_TOLERANCE)
                lines[0] = _Line(
                    x.item_code, x.description, 1, ceiling + Decimal(rng.choice(("0.01", "0.50", "3.00"))), ""
                )
            elif scenario == "q1":
                self.approved_on_po(po_number, po_lines[0], company, dept, vendor, received)
                x = po_lines[0]
                lines = [_Line(x.item_code, x.description, max(1, x.quantity // 2), x.unit_price, x.account)]
        elif scenario in {"nonpo_p3"}:
            spec = rng.choice(PO_ONLY)
            dept = rng.choice(spec.departments or DEPARTMENTS)
            lines = self.expense_lines(spec, family)
            account = spec.account
        elif scenario == "nonpo_unclear":
            dept = rng.choice(DEPARTMENTS)
            if rng.random() < 0.5:
                lines = [_Line(None, rng.choice(VAGUE).capitalize(), 1, _price(rng.randint(50, 900), 0), "")]
            else:
                first, second = rng.sample(EXPENSE, 2)
                lines = self.expense_lines(first, family, count=1) + self.expense_lines(
                    second, family, count=1
                )
        else:
            spec = rng.choice(EXPENSE)
            dept = rng.choice(spec.departments or DEPARTMENTS)
            lines = self.expense_lines(spec, family)
            account = spec.account
        if scenario == "d1":
            number = self.approved_twin(company, dept, vendor)
            options["number"] = number
        if scenario == "c1":
            options["currency"] = next(c.currency for c in COMPANIES if c.currency != company.currency)
        if scenario == "t1":
            options["tax_delta"] = Decimal(rng.choice(("0.01", "-0.01", "1.00", "-2.50", "12.00")))
        if scenario == "integrity":
            kind = rng.choice(("line_amount", "subtotal", "total", "zero_quantity", "no_lines"))
            if kind == "zero_quantity":
                x = lines[0]
                lines[0] = _Line(x.item_code, x.description, 0, x.unit_price, x.account)
            elif kind == "no_lines":
                lines = []
            else:
                options["mutate"] = kind
        total = self.invoice(
            invoice_id,
            vendor=vendor,
            company=company,
            dept=dept,
            lines=lines,
            received=received,
            status="received",
            family=family,
            **options,
        )
        self.record_truth(invoice_id, scenario, company, dept, lines, total, account)

    def approved_on_po(
        self,
        po_number: str,
        line: _Line,
        company: CompanySpec,
        dept: str,
        vendor: tuple[str, str],
        received: date,
    ) -> None:
        """An earlier approved invoice on the PO taking most of what was received (rule 7's history)."""
        self.serial += 1
        invoice_id = f"AP-H9{self.serial:05d}"
        taken = [
            _Line(
                line.item_code,
                line.description,
                line.quantity - line.quantity // 4,
                line.unit_price,
                line.account,
            )
        ]
        total = self.invoice(
            invoice_id,
            vendor=vendor,
            company=company,
            dept=dept,
            lines=taken,
            received=received - timedelta(days=5),
            status="approved",
            family=self.standard,
            po_number=po_number,
        )
        self.decided(invoice_id, company, dept, taken, total, received - timedelta(days=5))

    def approved_twin(self, company: CompanySpec, dept: str, vendor: tuple[str, str]) -> str:
        """An approved invoice of ``vendor`` and another spelling of its number for the duplicate."""
        number, serial = self.next_number()
        invoice_id = f"AP-H8{serial:05d}"
        account = self.rng.choice(EXPENSE)
        lines = self.expense_lines(account, self.standard, count=1)
        day = BACKLOG_START - timedelta(days=20)
        total = self.invoice(
            invoice_id,
            vendor=vendor,
            company=company,
            dept=dept,
            lines=lines,
            received=day,
            status="approved",
            family=self.standard,
            number=number,
        )
        self.decided(invoice_id, company, dept, lines, total, day)
        digits = str(serial)
        if number.startswith("INV-"):
            return self.rng.choice((f"inv {digits}", f"Inv{digits}", f"INV-{digits.zfill(7)}"))
        if number.startswith("2026-"):
            return self.rng.choice((f"2026/{digits}", f"2026 {digits.zfill(6)}"))
        return self.rng.choice((f"bl-{digits}", f"BL {digits.zfill(8)}"))

    def record_truth(
        self,
        invoice_id: str,
        scenario: str,
        company: CompanySpec,
        dept: str,
        lines: Sequence[_Line],
        total: Decimal,
        account: str | None,
    ) -> None:
        """The policy's outcome for the scenario the invoice was built for."""
        code = _REJECT.get(scenario)
        postings: tuple[tuple[int, str, str, Decimal], ...] = ()
        if scenario in {"integrity", "high_value", "bank_changed", "nonpo_unclear"}:
            outcome, amount = "review", ZERO
        elif code is not None:
            outcome, amount = "reject", ZERO
        else:
            outcome, amount = "approve", total
            cc = self.cost_center(company, dept)
            postings = tuple(
                (n, account or x.account, cc, x.quantity * x.unit_price) for n, x in enumerate(lines, 1)
            )
        if outcome == "approve" and total > HIGH_VALUE_LIMIT:
            raise AssertionError(f"{invoice_id}: generated an approvable invoice above the high-value limit")
        self.truth.append(
            TruthRow(
                invoice_id=invoice_id,
                outcome=outcome,
                reason=code if outcome == "reject" else None,
                approved_amount=amount,
                postings=postings,
                scenario=scenario,
                account=account,
            )
        )


_ORDER = (
    "companies",
    "cost_centers",
    "gl_accounts",
    "vendors",
    "staff",
    "staff_assignments",
    "staff_privileges",
    "purchase_orders",
    "po_lines",
    "goods_receipts",
    "invoices",
    "invoice_lines",
    "invoice_documents",
    "invoice_decisions",
    "invoice_postings",
)


def seed(
    sor: Engine,
    *,
    records: int,
    seed: int,
    truth_path: Path | None = None,
    phrasing: str = "standard",
    history: int | None = None,
) -> dict[str, Any]:
    """Fill an empty ERP with reference data, decided history and ``records`` invoices to decide.

    ``phrasing`` words the backlog's documents (``standard`` or ``heldout``); the
    history is always standard, so a baseline trained on it never sees the held-out
    family. ``history`` defaults to enough decided invoices to train on.
    """
    started = time.perf_counter()
    family = FAMILIES[phrasing]
    builder = _Builder(random.Random(seed), family)
    builder.reference()
    builder.history(history if history is not None else max(300, records))
    builder.backlog(records)
    with sor.begin() as conn:
        for name in _ORDER:
            rows = builder.rows.tables.get(name)
            if rows:
                conn.execute(t.metadata.tables[name].insert(), rows)
    truth = sorted(builder.truth, key=lambda r: r.invoice_id)
    if truth_path is not None:
        truth_path.write_text("".join(json.dumps(r.to_json(), sort_keys=True) + "\n" for r in truth))
    return {
        "backlog": records,
        "history": len(builder.rows.tables.get("invoice_decisions", ())),
        "seconds": round(time.perf_counter() - started, 2),
        "phrasing": phrasing,
        "truth_mix": dict(Counter(r.outcome for r in truth)),
        "scenarios": dict(Counter(r.scenario for r in truth)),
    }
