"""The deterministic rules of the Alder Works invoice policy, as pure functions.

Integrity checks first (an invoice whose own figures do not add up goes to a person),
then rules 1 to 7 in order, the first failure deciding a rejection and its reason
code. Rule 8 (which expense account a non-PO invoice belongs to) needs judgement over
free text and is not decided here; :func:`postings_for_account` and
:func:`po_postings` give the postings an approval writes. The always-a-person cases
(high value, recently changed bank details) are :func:`always_person_reasons`.

All arithmetic is :class:`~decimal.Decimal`, rounded half-up to the cent where the
policy says so. Nothing here reads a clock, a database or the environment.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from interlock.domains.invoices.context import InvoiceContext, PoLine

__all__ = [
    "CENT",
    "HIGH_VALUE_LIMIT",
    "REASON_CODES",
    "RULES_VERSION",
    "IntegrityFinding",
    "Posting",
    "RuleFinding",
    "RulesResult",
    "always_person_reasons",
    "evaluate_rules",
    "half_up",
    "integrity_findings",
    "normalize_invoice_number",
    "po_postings",
    "postings_for_account",
]

CENT = Decimal("0.01")
HIGH_VALUE_LIMIT = Decimal("25000.00")
PRICE_TOLERANCE = Decimal("1.02")
BANK_CHANGE_WINDOW = timedelta(days=30)
RULES_VERSION = "invoices-rules@1"

REASON_CODES: dict[str, str] = {
    "V1": "vendor unknown or blocked",
    "D1": "duplicate of an approved invoice",
    "C1": "currency differs from the company's",
    "T1": "tax amount wrong",
    "P1": "purchase order missing, closed, or not matching the invoice",
    "P2": "price above the purchase order's price plus tolerance",
    "P3": "purchase order required for this kind of spending",
    "Q1": "more invoiced than received",
}

_RUN = re.compile(r"[^\W\d_]+|\d+")


def half_up(value: Decimal) -> Decimal:
    """Round to the cent, halves away from zero (the policy's rounding)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def normalize_invoice_number(number: str) -> str:
    """The vendor invoice number as rule 2 compares it.

    Upper-cased; split into runs of letters and runs of digits (anything else only
    separates runs and is dropped); leading zeros dropped from each digit run (a run
    of zeros becomes ``0``); the runs joined with one separator.
    """
    runs = _RUN.findall(number.upper())
    return "-".join(str(int(run)) if run[0].isdigit() else run for run in runs)


@dataclass(frozen=True, slots=True, kw_only=True)
class IntegrityFinding:
    """A problem that makes the invoice undecidable by code: a person decides."""

    code: str
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RuleFinding:
    """The result of one numbered rule: passed, or failed with its reason code."""

    rule: int
    name: str
    passed: bool
    code: str | None
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RulesResult:
    """Integrity findings, then rules 1 to 7 in order (stopping at the first failure)."""

    integrity: tuple[IntegrityFinding, ...]
    findings: tuple[RuleFinding, ...]

    @property
    def first_failure(self) -> RuleFinding | None:
        """The first failing rule: it decides the rejection and its reason code."""
        return next((f for f in self.findings if not f.passed), None)


@dataclass(frozen=True, slots=True, kw_only=True)
class Posting:
    """One general-ledger posting of an approval: one per invoice line."""

    line_no: int
    gl_account: str
    cost_center: str
    amount: Decimal


def integrity_findings(ctx: InvoiceContext) -> tuple[IntegrityFinding, ...]:
    """Figures that do not add up, lines that cannot be, a company that is not there."""
    inv = ctx.invoice
    found: list[IntegrityFinding] = []
    if not ctx.lines:
        found.append(IntegrityFinding(code="no_lines", reason="the invoice has no lines"))
    if ctx.company is None:
        found.append(
            IntegrityFinding(code="company_missing", reason="the invoice's company is not in the ERP")
        )
    for line in ctx.lines:
        if line.quantity <= 0:
            found.append(
                IntegrityFinding(
                    code="bad_quantity", reason=f"line {line.line_no} has quantity {line.quantity}"
                )
            )
        if line.unit_price < 0:
            found.append(
                IntegrityFinding(
                    code="negative_price", reason=f"line {line.line_no} has a negative unit price"
                )
            )
        if line.amount != line.quantity * line.unit_price:
            found.append(
                IntegrityFinding(
                    code="line_amount", reason=f"line {line.line_no}: amount is not quantity x unit price"
                )
            )
    if ctx.lines and inv.subtotal != sum((line.amount for line in ctx.lines), Decimal(0)):
        found.append(
            IntegrityFinding(code="subtotal", reason="the subtotal is not the sum of the line amounts")
        )
    if inv.total_amount != inv.subtotal + inv.tax_amount:
        found.append(IntegrityFinding(code="total", reason="the total is not subtotal plus tax"))
    return tuple(found)


def _passed(rule: int, name: str, reason: str) -> RuleFinding:
    return RuleFinding(rule=rule, name=name, passed=True, code=None, reason=reason)


def _failed(rule: int, name: str, code: str, reason: str) -> RuleFinding:
    return RuleFinding(rule=rule, name=name, passed=False, code=code, reason=reason)


def _vendor(ctx: InvoiceContext) -> RuleFinding:
    vendor = ctx.vendor
    if vendor is None:
        return _failed(1, "vendor", "V1", "the vendor is not in the ERP")
    if vendor.status != "active":
        return _failed(1, "vendor", "V1", f"the vendor is {vendor.status}")
    return _passed(1, "vendor", "the vendor is active")


def _duplicate(ctx: InvoiceContext) -> RuleFinding:
    if ctx.approved_duplicates:
        return _failed(
            2, "duplicate", "D1", "an invoice of this vendor with the same number was approved already"
        )
    return _passed(2, "duplicate", "no approved invoice of this vendor has the same number")


def _currency(ctx: InvoiceContext) -> RuleFinding:
    company = ctx.company
    assert company is not None  # integrity first: a missing company never reaches the rules
    if ctx.invoice.currency != company.currency:
        return _failed(
            3, "currency", "C1", f"invoiced in {ctx.invoice.currency}, the company books {company.currency}"
        )
    return _passed(3, "currency", "the invoice is in the company's currency")


def _tax(ctx: InvoiceContext) -> RuleFinding:
    company = ctx.company
    assert company is not None
    expected = half_up(ctx.invoice.subtotal * company.tax_rate_pct / Decimal(100))
    if ctx.invoice.tax_amount != expected:
        return _failed(4, "tax", "T1", f"tax should be {expected} at {company.tax_rate_pct}%")
    return _passed(4, "tax", "the tax amount matches the company's rate")


def _po_lines_by_item(ctx: InvoiceContext) -> dict[str, PoLine]:
    return {line.item_code: line for line in ctx.po_lines}


def _purchase_order(ctx: InvoiceContext) -> RuleFinding:
    inv, po = ctx.invoice, ctx.purchase_order
    if po is None:
        return _failed(5, "purchase order", "P1", "the purchase order does not exist")
    if po.status != "open":
        return _failed(5, "purchase order", "P1", f"the purchase order is {po.status}")
    if (po.vendor_id, po.company_code, po.cost_center) != (inv.vendor_id, inv.company_code, inv.cost_center):
        return _failed(
            5, "purchase order", "P1", "the purchase order is for another vendor, company or cost center"
        )
    by_item = _po_lines_by_item(ctx)
    unnamed = [line.line_no for line in ctx.lines if line.item_code is None or line.item_code not in by_item]
    if unnamed:
        return _failed(
            5,
            "purchase order",
            "P1",
            f"lines {', '.join(map(str, unnamed))} name no line of the purchase order",
        )
    return _passed(5, "purchase order", "the purchase order is open and matches every line")


def _price(ctx: InvoiceContext) -> RuleFinding:
    by_item = _po_lines_by_item(ctx)
    for line in ctx.lines:
        ceiling = half_up(by_item[str(line.item_code)].unit_price * PRICE_TOLERANCE)
        if line.unit_price > ceiling:
            return _failed(6, "price", "P2", f"line {line.line_no} is priced above {ceiling}")
    return _passed(6, "price", "every price is within the purchase order's tolerance")


def _quantity(ctx: InvoiceContext) -> RuleFinding:
    by_item = _po_lines_by_item(ctx)
    invoiced: dict[str, int] = defaultdict(int)
    for line in ctx.lines:
        invoiced[str(line.item_code)] += line.quantity
    for item, quantity in sorted(invoiced.items()):
        po_line = by_item[item]
        if quantity + po_line.approved_quantity > po_line.received_quantity:
            return _failed(
                7,
                "quantity",
                "Q1",
                f"item {item}: {quantity + po_line.approved_quantity} invoiced against "
                f"{po_line.received_quantity} received",
            )
    return _passed(7, "quantity", "no item is invoiced beyond what was received")


_COMMON: tuple[Callable[[InvoiceContext], RuleFinding], ...] = (_vendor, _duplicate, _currency, _tax)
_PO_RULES: tuple[Callable[[InvoiceContext], RuleFinding], ...] = (_purchase_order, _price, _quantity)


def evaluate_rules(ctx: InvoiceContext) -> RulesResult:
    """Integrity, then rules 1 to 7 in order; the PO rules only for an invoice with a PO number."""
    integrity = integrity_findings(ctx)
    if integrity:
        return RulesResult(integrity=integrity, findings=())
    rules = _COMMON + (_PO_RULES if ctx.invoice.po_number is not None else ())
    findings: list[RuleFinding] = []
    for rule in rules:
        finding = rule(ctx)
        findings.append(finding)
        if not finding.passed:
            break
    return RulesResult(integrity=(), findings=tuple(findings))


def always_person_reasons(ctx: InvoiceContext) -> tuple[str, ...]:
    """Why this invoice is never decided automatically, whatever the rules say (may be empty)."""
    reasons: list[str] = []
    if ctx.invoice.total_amount > HIGH_VALUE_LIMIT:
        reasons.append(f"high-value invoice: total {ctx.invoice.total_amount} exceeds {HIGH_VALUE_LIMIT}")
    vendor = ctx.vendor
    changed = vendor.bank_changed_at if vendor is not None else None
    if changed is not None and changed.date() >= ctx.invoice.received_date - BANK_CHANGE_WINDOW:
        reasons.append("the vendor's bank details changed within 30 days of receipt")
    return tuple(reasons)


def po_postings(ctx: InvoiceContext) -> tuple[Posting, ...]:
    """One posting per line of a PO invoice, to its PO line's account and the invoice's cost center."""
    by_item = _po_lines_by_item(ctx)
    return tuple(
        Posting(
            line_no=line.line_no,
            gl_account=by_item[str(line.item_code)].gl_account,
            cost_center=ctx.invoice.cost_center,
            amount=line.amount,
        )
        for line in ctx.lines
    )


def postings_for_account(ctx: InvoiceContext, account: str) -> tuple[Posting, ...]:
    """One posting per line of a non-PO invoice, all to the judged ``account``."""
    return tuple(
        Posting(
            line_no=line.line_no, gl_account=account, cost_center=ctx.invoice.cost_center, amount=line.amount
        )
        for line in ctx.lines
    )
