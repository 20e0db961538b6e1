"""The review desk's claim page: what a person sees of one claim and how their form becomes a decision.

The desk (:mod:`interlock.web.desk`) owns sign-in, the queue, CSRF and the decision's
path through the gate; this view (``Domain.desk_view``) owns the page body: the
member (masked per policy), lines with what an approval would pay, diagnoses with
their meaning, the evidence with cited quotes marked, and the approve / deny with a
CARC / pend forms. The formatting rules are plain functions with tests of their own.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from interlock.domains.claims.codesets import icd10_description, icd10_status
from interlock.domains.claims.context import ClaimContext
from interlock.domains.claims.rules import CARC_MEANINGS, KNOWN_CARCS, compute_amounts
from interlock.policy.document import PolicyDocument
from interlock.policy.principal import Principal
from interlock.review.reasons import in_words
from interlock.task import PersonDecision
from interlock.web.evidence import Evidence, mark_criteria, mark_quotes
from interlock.web.formatting import money as format_money

#: The currency of every amount in the reference system of record (SPEC.md: USD).
CURRENCY_SYMBOL = "$"
_SUGGESTED = re.compile(r"suggest(?:s)? deny (?P<carc>\d+)")


def money(value: object) -> str:
    """``28194.21`` -> ``$28,194.21`` (every claims amount is USD)."""
    return format_money(value, CURRENCY_SYMBOL)


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


def citations_by_item(proposal: Mapping[str, Any]) -> dict[str, list[str]]:
    """The quotes the proposal cites, grouped by context item id."""
    found: dict[str, list[str]] = {}
    necessity = proposal.get("necessity") or {}
    for policy in necessity.get("policies", []):
        for citation in policy.get("citations", []):
            found.setdefault(str(citation.get("item_id")), []).append(str(citation.get("quote", "")))
    return found


def evidence(ctx: ClaimContext, proposal: Mapping[str, Any]) -> list[Evidence]:
    """The notes and governing policies of a claim, cited ones marked, policies' criteria marked."""
    cites = citations_by_item(proposal)
    out: list[Evidence] = []
    for note in ctx.notes:
        item = ctx.note_item_id(note)
        out.append(
            Evidence(
                item_id=item,
                kind="note",
                title=f"Note {note.note_id} by {note.author}, {note.written_at:%Y-%m-%d}",
                html=mark_quotes(note.body, cites.get(item, ())),
                cited=item in cites,
            )
        )
    for policy in ctx.policies.values():
        item = ctx.policy_item_id(policy)
        out.append(
            Evidence(
                item_id=item,
                kind="policy",
                title=f"Policy {policy.policy_id}: {policy.title}",
                html=mark_criteria(policy.body),
                cited=item in cites,
            )
        )
    return out


class ClaimsDeskView:
    """The claim page of the review desk (``Domain.desk_view`` of the claims domain)."""

    template_dir = str(Path(__file__).parent / "templates")
    template = "claim.html"

    def page(
        self, *, context: Any, row: Any, principal: Principal, policy: PolicyDocument, summary: Any
    ) -> Mapping[str, Any]:
        """The claim page's variables: member (masked per policy), proposal, lines, evidence, forms."""
        ctx: ClaimContext = context
        member = None
        if ctx.member is not None:
            m = ctx.member
            member = policy.field_masks(principal).apply(
                {
                    "member_id": m.member_id,
                    "first_name": m.first_name,
                    "last_name": m.last_name,
                    "birth_date": m.birth_date.isoformat() if m.birth_date else "",
                    "ssn": m.ssn,
                    "address": m.address,
                    "plan_id": m.plan_id,
                }
            )
        return {
            "ctx": ctx,
            "member": member,
            "summary": summary,
            "proposal": row.proposal,
            "evidence": evidence(ctx, row.proposal),
            "carcs": carc_options(row.proposal),
            "proposed": proposed_action(row.proposal),
            "lines": line_views(ctx),
            "diagnoses": diagnosis_views(ctx),
            "why": in_words(row.reason),
        }

    def decision(self, form: Mapping[str, str]) -> PersonDecision:
        """Approve, deny with the chosen CARC, or pend with a comment."""
        action = form.get("action", "")
        if action not in ("approve", "deny", "pend"):
            raise ValueError(f"unknown action {action!r}")
        carc = form.get("carc", "") or form.get("reason_code", "")
        return PersonDecision(
            action=action,
            reason_code=carc or None if action == "deny" else None,
            comment=form.get("comment", ""),
        )


DESK_VIEW = ClaimsDeskView()
