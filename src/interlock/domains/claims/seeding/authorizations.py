"""Prior authorizations of the claims built so far, and the rule 8 invariant across claims.

An approved authorization covers every claim of the member for that procedure within
its window, not just the claim it was drawn for; so a claim built to lack one (CARC
197) must never fall inside another claim's approved window, nor the other way round.
The ledger remembers both sides and makes a draw that would break this start again.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, timedelta

from interlock.domains.claims.seeding.basics import RedrawError, pick
from interlock.domains.claims.seeding.claim import Claim
from interlock.domains.claims.seeding.plans import PLANS, PlanSpec, prior_auth_pairs

_SIBLING_CODE = {
    "72148": "72158",
    "72158": "72148",
    "29881": "29880",
    "29880": "29881",
    "43644": "43775",
    "43775": "43644",
}


class AuthorizationLedger:
    """Draws each claim's authorizations and remembers the windows later draws must respect."""

    def __init__(self, benefits: dict[tuple[str, str], tuple[int, int]]) -> None:
        self.benefits = benefits
        self.rpa_codes = {
            p.plan_id: frozenset(c for q, c in prior_auth_pairs() if q == p.plan_id) for p in PLANS
        }
        self.approved_windows: dict[tuple[str, str], list[tuple[date, date]]] = defaultdict(list)
        self.must_lack: dict[tuple[str, str], list[date]] = defaultdict(list)

    def draw(
        self, rng: random.Random, claim: Claim, plan: PlanSpec, mode: str, fail_code: str | None
    ) -> list[tuple[str, str, date, date]]:
        """Prior authorizations for the claim's lines: approved, or the failure asked for.

        Returns ``(procedure, status, valid_from, valid_to)``; raises ``RedrawError`` when an
        approved window would cover a claim built to lack one, or the other way round.
        """
        rpa_codes = self.rpa_codes[plan.plan_id]
        if mode == "ok" and not any(code in rpa_codes for code, _, _ in claim.lines):
            return []
        mid = claim.member.member_id
        service = claim.service
        out: list[tuple[str, str, date, date]] = []
        lacks: list[tuple[str, date]] = []
        for code in dict.fromkeys(c for c, _, _ in claim.lines):
            if self.benefits.get((plan.plan_id, code), (0, 0))[1] != 1:
                continue
            if code != fail_code or mode == "ok":
                start = service - timedelta(days=rng.randint(0, 45))
                out.append((code, "approved", start, service + timedelta(days=rng.randint(0, 90))))
                continue
            lacks.append((code, service))
            if mode == "denied":
                start = service - timedelta(days=rng.randint(0, 30))
                out.append((code, "denied", start, service + timedelta(days=rng.randint(1, 60))))
            elif mode == "expired":
                if rng.random() < 0.6:
                    stop = service - timedelta(days=rng.randint(1, 60))
                    out.append((code, "approved", stop - timedelta(days=rng.randint(30, 120)), stop))
                else:
                    begin = service + timedelta(days=rng.randint(1, 20))
                    out.append((code, "approved", begin, begin + timedelta(days=90)))
            elif mode == "wrong":
                other = _SIBLING_CODE.get(code)
                if other is None:
                    rpa = [c for p, c in prior_auth_pairs() if p == plan.plan_id and c != code]
                    other = pick(rng, rpa)
                start = service - timedelta(days=rng.randint(0, 30))
                out.append((other, "approved", start, service + timedelta(days=rng.randint(0, 60))))
        for code, status, lo, hi in out:
            if status == "approved":
                for day in self.must_lack.get((mid, code), ()):
                    if lo <= day <= hi:
                        raise RedrawError
        for code, day in lacks:
            for lo, hi in self.approved_windows.get((mid, code), ()):
                if lo <= day <= hi:
                    raise RedrawError
            for other, status, lo, hi in out:
                if other == code and status == "approved" and lo <= day <= hi:
                    raise RedrawError
        if mode != "ok" and fail_code is not None and not lacks:
            raise RedrawError
        return out

    def record(self, claim: Claim) -> None:
        """Remember the claim's approved windows and, for CARC 197, the dates that must stay uncovered."""
        mid = claim.member.member_id
        for code, status, lo, hi in claim.auths:
            if status == "approved":
                self.approved_windows[(mid, code)].append((lo, hi))
        if claim.intended[1] == "197":
            for code, _, _ in claim.lines:
                if self.benefits.get((claim.member.plan.plan_id, code), (0, 0))[1] == 1:
                    covered = any(
                        c == code and s == "approved" and lo <= claim.service <= hi
                        for c, s, lo, hi in claim.auths
                    )
                    if not covered:
                        self.must_lack[(mid, code)].append(claim.service)
