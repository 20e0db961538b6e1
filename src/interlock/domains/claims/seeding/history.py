"""History: the decisions staff already made on past claims, as the adjudication rows show them.

The history is what a model is trained and evaluated on, so each decided claim gets
the outcome the rules give it, line amounts as the policy computes them, a rationale
and a decider who was entitled to make the decision (region, line of business,
sensitivity and high-value privileges all respected).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from interlock.domains.claims.seeding.basics import (
    CENT,
    HIGH_VALUE_LIMIT,
    HUNDRED,
    TODAY,
    ZERO,
    Row,
    pick,
    utc_timestamp,
)
from interlock.domains.claims.seeding.claim import Claim
from interlock.domains.claims.seeding.parties import World
from interlock.domains.claims.seeding.plans import PROCEDURE_BY_CODE


def line_amounts(
    lines: Sequence[tuple[str, int, Decimal]], coinsurance_pct: Decimal
) -> list[tuple[Decimal, Decimal]]:
    """(allowed, paid) per line, as the generator means them."""
    share = (HUNDRED - coinsurance_pct) / HUNDRED
    out = []
    for code, units, billed in lines:
        allowed = min(billed, PROCEDURE_BY_CODE[code].fee * units)
        out.append((allowed, (allowed * share).quantize(CENT, ROUND_HALF_UP)))
    return out


_RATIONALE = {
    "26": "Denied: the date of service precedes the member's coverage start.",
    "27": "Denied: the date of service is after the member's coverage ended.",
    "29": "Denied: received more than 365 days after the date of service.",
    "18": "Denied: exact duplicate of a claim already approved.",
    "208": "Denied: the billing provider identifier does not match an active provider.",
    "242": "Denied: HMO plan and the billing provider is out of network.",
    "16": "Denied: a diagnosis code is invalid or not billable.",
    "204": "Denied: a billed procedure is not a covered benefit of the member's plan.",
    "197": "Denied: no approved prior authorization on file for the date of service.",
    "50": "Denied: the clinical notes document that the criteria of {policy} are not met.",
}


def decide(
    rng: random.Random, world: World, claim: Claim, cid: str, adj_id: str
) -> tuple[int, datetime, Row, list[Row]]:
    """The staff decision on history claim ``cid``: version, time, adjudication and line rows."""
    member = claim.member
    plan = member.plan
    outcome, carc = claim.intended
    decision_lines: list[Row] = []
    version = 2 if rng.random() < 0.1 else 1
    day = min(TODAY - timedelta(days=1), claim.received + timedelta(days=rng.randint(1, 20)))
    updated = utc_timestamp(day, rng.randint(8, 17), rng.randint(0, 59), rng.randint(0, 59))
    amounts = (
        line_amounts(claim.lines, plan.coinsurance_pct)
        if outcome == "approve"
        else [(ZERO, ZERO)] * len(claim.lines)
    )
    for line_no, (allowed, paid) in enumerate(amounts, 1):
        decision_lines.append((adj_id, line_no, allowed, paid))
    allowed_total = sum((a for a, _ in amounts), ZERO)
    paid_total = sum((p for _, p in amounts), ZERO)
    high = claim.total > HIGH_VALUE_LIMIT
    decider = pick(rng, world.deciders[(member.region, plan.line_of_business, claim.sensitivity, high)])
    if outcome == "approve":
        rationale = f"Approved: claim rules passed; allowed {allowed_total}, paid {paid_total}."
        if claim.policy_id:
            rationale += f" Notes document the criteria of {claim.policy_id}."
    else:
        rationale = _RATIONALE[str(carc)].format(policy=claim.policy_id)
    decision = (
        *(adj_id, cid, version, outcome, carc, allowed_total, paid_total),
        *(f"staff:{decider}", rationale, f"hist-{cid}", updated),
    )
    return version, updated, decision, decision_lines
