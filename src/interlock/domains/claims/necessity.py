"""Build the medical-necessity question for a model from a claim's context.

This is where the minimum-necessary rule is applied: the request carries the policy
texts, the notes as data, codes, the line of business and the member's age in years,
and nothing else about the member (no name, SSN, address or birth date). Part 2
claims never get here: :func:`necessity_request` refuses them.
"""

from __future__ import annotations

from collections.abc import Iterable

from interlock.domains.claims.context import ClaimContext
from interlock.domains.claims.question import NecessityRequest, NoteText, PolicyText
from interlock.domains.claims.rules import age_on, is_part2, policies_at_stake, services_under
from interlock.exceptions import UsageError


def necessity_request(ctx: ClaimContext, *, repair_findings: tuple[str, ...] = ()) -> NecessityRequest:
    """The question for rule 9, built only from fields a model may see.

    ``repair_findings`` are the gate's reasons for refusing an earlier answer; they are
    the gate's reasons (policy and item ids, never a quote) and travel as data.
    """
    if is_part2(ctx):
        raise UsageError("42 CFR Part 2: the notes of a substance-use claim never go to a model")
    member = ctx.member
    return NecessityRequest(
        claim_id=ctx.claim.claim_id,
        line_of_business=ctx.claim.line_of_business,
        member_age=age_on(member.birth_date if member else None, ctx.claim.service_date),
        procedure_codes=tuple(line.procedure_code for line in ctx.lines),
        diagnosis_codes=ctx.diagnoses,
        policies=tuple(
            PolicyText(
                item_id=ctx.policy_item_id(p),
                policy_id=p.policy_id,
                title=p.title,
                body=p.body,
                services=services_under(ctx, p.policy_id),
            )
            for p in policies_at_stake(ctx)
        ),
        notes=tuple(NoteText(item_id=ctx.note_item_id(n), body=n.body) for n in ctx.notes),
        repair_findings=repair_findings,
    )


def notes_text(bodies: Iterable[str]) -> str:
    """A claim's notes as one text, in writing order: what the familiarity check measures."""
    return "\n".join(bodies)
