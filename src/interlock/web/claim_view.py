"""What the desk's pages show beyond the raw rows: money, code meanings, amounts, the proposal's choice.

Kept out of the route module so that the formatting rules (currency and separators,
codes next to their meaning, what an approval would pay per line) are plain functions
with tests of their own, and every page formats the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from interlock.domains.claims.codesets import icd10_description, icd10_status
from interlock.domains.claims.context import ClaimContext
from interlock.domains.claims.rules import CARC_MEANINGS, KNOWN_CARCS, compute_amounts

#: The currency of every amount in the reference system of record (SPEC.md: USD).
CURRENCY_SYMBOL = "$"
_SUGGESTED = re.compile(r"suggest(?:s)? deny (?P<carc>\d+)")


def money(value: object) -> str:
    """``28194.21`` -> ``$28,194.21``: currency, thousands separators, two decimals."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    sign = "-" if amount < 0 else ""
    return f"{sign}{CURRENCY_SYMBOL}{abs(amount):,.2f}"


@dataclass(frozen=True, slots=True)
class CarcOption:
    """One CARC of the deny form: the code, its meaning, and whether the proposal chose it."""

    code: str
    meaning: str
    selected: bool


def proposed_carc(proposal: dict[str, Any]) -> str | None:
    """The CARC the proposal denies with, or the one the rules suggest for a claim held for a person."""
    carc = proposal.get("carc")
    if carc in KNOWN_CARCS:
        return str(carc)
    suggested = _SUGGESTED.search(str(proposal.get("rationale", "")))
    return suggested["carc"] if suggested and suggested["carc"] in KNOWN_CARCS else None


def proposed_action(proposal: dict[str, Any]) -> str | None:
    """``approve`` or ``deny`` when the proposal (or the rules' suggestion) names one; else None."""
    outcome = proposal.get("outcome")
    if outcome in ("approve", "deny"):
        return str(outcome)
    return "deny" if proposed_carc(proposal) else None


def carc_options(proposal: dict[str, Any]) -> list[CarcOption]:
    """Every known CARC with its meaning, the proposal's one selected (none selected without one)."""
    chosen = proposed_carc(proposal)
    return [CarcOption(c, CARC_MEANINGS.get(c, ""), c == chosen) for c in sorted(KNOWN_CARCS, key=int)]


@dataclass(frozen=True, slots=True)
class LineView:
    """One billed line with its procedure's description and what an approval allows and pays."""

    line_no: int
    procedure_code: str
    description: str
    units: int
    billed: Decimal
    allowed: Decimal | None
    paid: Decimal | None


def line_views(ctx: ClaimContext) -> list[LineView]:
    """The claim's lines; allowed and paid are those of an approval (None when they cannot be computed)."""
    try:
        amounts = {la.line_no: la for la in compute_amounts(ctx).lines}
    except (AssertionError, KeyError):  # no plan, or a procedure not in the catalogue
        amounts = {}
    views = []
    for line in ctx.lines:
        procedure = ctx.procedures.get(line.procedure_code)
        approved = amounts.get(line.line_no)
        views.append(
            LineView(
                line_no=line.line_no,
                procedure_code=line.procedure_code,
                description=procedure.description if procedure else "not in the procedure catalogue",
                units=line.units,
                billed=line.billed_amount,
                allowed=approved.allowed if approved else None,
                paid=approved.paid if approved else None,
            )
        )
    return views


def diagnosis_views(ctx: ClaimContext) -> list[tuple[str, str]]:
    """Each diagnosis code with its ICD-10-CM description, or why it has none."""
    views = []
    for code in ctx.diagnoses:
        status = icd10_status(code)
        if status == "invalid":
            views.append((code, "not a valid ICD-10-CM code"))
            continue
        description = icd10_description(code)
        if status == "not_billable":
            description += " (a category, not a billable code)"
        views.append((code, description))
    return views
