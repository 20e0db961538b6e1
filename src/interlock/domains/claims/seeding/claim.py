"""A claim under construction, and the draws of its fields from the claims stream.

Each field is drawn to meet the scenario's ``Spec`` (dates inside or outside coverage
and the filing limit, a provider of the right status, lines around the fee schedule,
diagnoses spelled or broken as asked); a draw that cannot meet it raises
``RedrawError`` and the factory draws the whole claim again.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from interlock.domains.claims.seeding.basics import (
    CENT,
    HIGH_VALUE_LIMIT,
    HUNDRED,
    TODAY,
    TODAY_ORD,
    ZERO,
    Phase,
    RedrawError,
    pick,
)
from interlock.domains.claims.seeding.parties import Member, World, npi_from
from interlock.domains.claims.seeding.plans import PROCEDURE_BY_CODE, PROCEDURES, PlanSpec
from interlock.domains.claims.seeding.policies import PolicySpec

_FEE_CENTS = {p.code: int(p.fee * 100) for p in PROCEDURES}
_LAG_DAYS = {"normal": (300, 1), "late": (540, 366), "exact365": (365, 365), "exact366": (366, 366)}
"""Bounds of received minus service, in days, for each lag mode of a scenario."""


@dataclass(slots=True, eq=False)
class Claim:
    """A claim under construction, with the outcome it was built to have."""

    kind: str
    phase: Phase
    member: Member
    npi: str
    service: date
    received: date
    pos: str
    area: str
    specialty: str
    lines: list[tuple[str, int, Decimal]]
    dx: list[str]
    sensitivity: str
    intended: tuple[str, str | None]
    policy_id: str | None
    necessity: str | None
    polarities: dict[str, str]
    total: Decimal
    auths: list[tuple[str, str, date, date]] = field(default_factory=list)
    claim_id: str = ""
    dup_key: tuple[str, str, date, tuple[str, ...]] | None = None

    def key(self) -> tuple[str, str, date, tuple[str, ...]]:
        """The duplicate key of rule 3."""
        return (self.member.member_id, self.npi, self.service, tuple(sorted(c for c, _, _ in self.lines)))


def policy_window(policy: PolicySpec | None, mode: str | None) -> tuple[date, date] | None:
    """Service dates for which ``policy`` is (``applies``) or is not in force."""
    if policy is None or mode in (None, "lob"):
        return None
    if mode == "applies":
        return policy.effective_from, policy.effective_to or TODAY
    if mode == "retired":
        assert policy.effective_to is not None
        return policy.effective_to + timedelta(days=1), TODAY
    return date(2000, 1, 1), policy.effective_from - timedelta(days=1)


def received_date(rng: random.Random, phase: Phase) -> date:
    """A receipt date for ``phase``: the last 45 days for the backlog, two years for history."""
    return date.fromordinal(received_day(rng, phase))


def received_day(rng: random.Random, phase: Phase) -> int:
    """``received_date`` as a day ordinal (the date draws work on ordinals)."""
    if phase == "backlog":
        return TODAY_ORD - rng.randint(0, 44)
    return TODAY_ORD - rng.randint(5, 730)


def dates(
    rng: random.Random,
    member: Member,
    phase: Phase,
    elig: str,
    lag: str,
    window: tuple[date, date] | None,
) -> tuple[date, date]:
    """A (service, received) pair meeting the eligibility, lag and policy constraints.

    Works on day ordinals: this runs once per claim draw.
    """
    start, end = member.start_day, member.end_day
    far, near = _LAG_DAYS[lag]
    received = received_day(rng, phase)
    if phase == "history" and window is not None:
        # Receive the claim while the policy window can still hold its service date.
        first = max(TODAY_ORD - 730, window[0].toordinal() + near)
        last = min(TODAY_ORD - 5, window[1].toordinal() + far)
        if first <= last:
            received = rng.randint(first, last)
    elif phase == "history" and end is not None and elig == "eligible":
        # Keep the receipt near the coverage of a member whose coverage ended.
        received = min(TODAY_ORD - 5, max(TODAY_ORD - 730, end + rng.randint(-400, 200)))
    lo, hi = received - far, received - near
    if elig == "eligible":
        lo = max(lo, start)
        if end is not None:
            hi = min(hi, end)
    elif elig == "before":
        lo, hi = max(lo, start - 120), min(hi, start - 1)
    elif elig == "edge_start":
        lo, hi = max(lo, start), min(hi, start)
    elif end is None:
        raise RedrawError
    elif elig == "after":
        lo, hi = max(lo, end + 1), min(hi, end + 120)
    else:
        lo, hi = max(lo, end), min(hi, end)
    if window is not None:
        lo, hi = max(lo, window[0].toordinal()), min(hi, window[1].toordinal())
    if lo > hi:
        raise RedrawError
    service = hi - min(int(rng.expovariate(1 / 25)), hi - lo)
    return date.fromordinal(service), date.fromordinal(received)


def billing_npi(rng: random.Random, world: World, mode: str, specialty: str, plan: PlanSpec) -> str:
    """A billing NPI: a provider of the right status, or a malformed or unknown number."""
    pool = world.pool
    if mode == "default":
        in_net = plan.network_type == "HMO" or rng.random() < 0.88
        mode = "in" if in_net else "oon"
    if mode in ("in", "oon", "inactive", "inactive_oon"):
        status = {"in": (1, 1), "oon": (0, 1), "inactive": (1, 0), "inactive_oon": (0, 0)}
        npi: str = pick(rng, pool[(specialty, *status[mode])])
        return npi
    if mode == "unknown":
        while True:
            npi = npi_from("1" + f"{rng.randrange(10**8):08d}")
            if npi not in world.npis:
                return npi
    real: str = pick(rng, pool[(specialty, 1, 1)])
    if mode == "bad_check":
        return real[:9] + str((int(real[9]) + rng.randint(1, 9)) % 10)
    return real[:9] if rng.random() < 0.5 else real + str(rng.randint(0, 9))


def billed_lines(
    rng: random.Random, template: Sequence[tuple[str, int, int]], billing: str, plan: PlanSpec
) -> list[tuple[str, int, Decimal]]:
    """Billed lines; amounts are exact decimals around the fee schedule."""
    out: list[tuple[str, int, Decimal]] = []
    for code, lo, hi in template:
        units = rng.randint(lo, hi)
        fee_cents = _FEE_CENTS.get(code) or rng.randint(40, 900) * 100
        if billing == "hv":
            permille = rng.randint(1000, 1600)
        elif billing == "below" or (billing == "tie" and not out):
            permille = rng.randint(700, 990)
        else:
            roll = rng.random()
            if roll < 0.6:
                permille = rng.randint(1000, 1800)
            elif roll < 0.85:
                permille = rng.randint(700, 999)
            else:
                permille = 1000
        # Integer cents, rounded half up: exact, and cheaper than Decimal division.
        cents = (fee_cents * units * permille + 500) // 1000
        out.append((code, units, Decimal(cents).scaleb(-2)))
    if billing == "tie":
        out[0] = (out[0][0], out[0][1], tie_amount(out[0], plan))
    elif billing == "exact10000":
        out = [(out[0][0], 1, Decimal("10000.00"))]
    elif billing == "hv_edge":
        out = [(out[0][0], 1, Decimal("10000.01"))]
    if billing == "hv" and sum((b for _, _, b in out), ZERO) <= HIGH_VALUE_LIMIT:
        code, units, billed = out[0]
        out[0] = (code, units, billed + HIGH_VALUE_LIMIT)
    return out


def tie_amount(line: tuple[str, int, Decimal], plan: PlanSpec) -> Decimal:
    """A billed amount below the fee whose paid share lands exactly on half a cent."""
    share = (HUNDRED - plan.coinsurance_pct) / HUNDRED
    code, units, billed = line
    cap = PROCEDURE_BY_CODE[code].fee * units
    for _ in range(40):
        mills = billed * share * 1000
        if mills == mills.to_integral_value() and int(mills) % 10 == 5 and billed <= cap:
            return billed
        billed += CENT
    raise RedrawError


def outcome(claim: Claim, carc: str | None) -> tuple[str, str | None]:
    """The outcome CLAIMS_POLICY.md gives the claim as built."""
    automatic = claim.phase == "backlog"
    if automatic and claim.total > HIGH_VALUE_LIMIT:
        return ("review", None)
    if carc is not None:
        return ("deny", carc)
    if automatic and claim.sensitivity == "substance_use":
        return ("review", None)
    if claim.necessity == "met" or claim.necessity is None:
        return ("approve", None)
    return ("deny", "50") if claim.necessity == "not_met" else ("review", None)
