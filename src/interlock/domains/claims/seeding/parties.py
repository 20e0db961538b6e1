"""Parties of a seed: members, providers and staff, and the indexes claims are drawn from.

Rules 1, 4 and 5 depend on who the parties are (coverage dates, NPI validity, network
and activity), so the parties are drawn first, from their own streams of the seed,
with every mix a scenario needs guaranteed (each specialty has an in-network,
out-of-network and inactive provider). Members' PHI is fictional and drawn only when
their rows are written.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from interlock.domains.claims import codesets
from interlock.domains.claims.seeding import bundles, names, plans
from interlock.domains.claims.seeding.basics import LINES_OF_BUSINESS, REGIONS, Rng, Row, pick
from interlock.domains.claims.seeding.plans import PlanSpec


@dataclass(slots=True)
class Member:
    """A member as the claim builder needs it (PHI is drawn only when rows are written)."""

    member_id: str
    plan: PlanSpec
    region: str
    birth: date
    start: date
    end: date | None
    kind: str
    start_day: int = 0
    end_day: int | None = None

    def __post_init__(self) -> None:
        self.start_day = self.start.toordinal()
        self.end_day = self.end.toordinal() if self.end else None


@dataclass(slots=True)
class Provider:
    """A provider row; network and activity flags drive rules 4 and 5."""

    npi: str
    name: str
    specialty: str
    region: str
    in_network: int
    active: int


def month_start(rng: random.Random, first: date, last: date) -> date:
    months = (last.year - first.year) * 12 + last.month - first.month
    k = rng.randint(0, months)
    return date(first.year + (first.month - 1 + k) // 12, (first.month - 1 + k) % 12 + 1, 1)


def month_end(rng: random.Random, first: date, last: date) -> date:
    start = month_start(rng, first, last)
    nxt = date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def npi_from(first_nine: str) -> str:
    return first_nine + str(codesets.npi_check_digit(first_nine))


class World:
    """Members, providers and staff for one seed, with the indexes claims are drawn from."""

    def __init__(self, seed: int, claim_total: int) -> None:
        self.members = self._members(Rng(f"{seed}/members"), max(300, claim_total // 3))
        self.by_plan: dict[tuple[str, str], list[Member]] = defaultdict(list)
        for m in self.members:
            self.by_plan[(m.plan.plan_id, "any")].append(m)
            self.by_plan[(m.plan.plan_id, m.kind)].append(m)
        prov_rng = Rng(f"{seed}/providers")
        self.providers = self._providers(prov_rng, max(150, claim_total // 80))
        self.npis = {p.npi for p in self.providers}
        self.pool: dict[tuple[str, int, int], list[str]] = defaultdict(list)
        for p in self.providers:
            self.pool[(p.specialty, p.in_network, p.active)].append(p.npi)
        self.clinicians = {s: [self._clinician(prov_rng, s) for _ in range(24)] for s in bundles.SPECIALTIES}
        self.staff, self.assignments, self.privileges = self._staff(Rng(f"{seed}/staff"))
        self.deciders = self._deciders()

    @staticmethod
    def _members(rng: random.Random, count: int) -> list[Member]:
        """Members with long-standing, recent (rule 1, CARC 26) or ended (CARC 27) coverage."""
        cum = []
        acc = 0
        for p in plans.PLANS:
            acc += p.member_weight
            cum.append(acc)
        out = []
        for i in range(1, count + 1):
            plan = rng.choices(plans.PLANS, cum_weights=cum)[0]
            roll = rng.random()
            end: date | None = None
            if roll < 0.76:
                kind = "long"
                start = month_start(rng, date(2012, 1, 1), date(2024, 6, 1))
            elif roll < 0.86:
                kind = "recent"
                start = month_start(rng, date(2025, 9, 1), date(2026, 6, 1))
            else:
                kind = "ended"
                start = month_start(rng, date(2014, 1, 1), date(2023, 12, 1))
                end = month_end(rng, date(2024, 6, 1), date(2026, 5, 1))
            if plan.line_of_business == "medicare_advantage":
                birth = date(rng.randint(1936, 1960), rng.randint(1, 12), rng.randint(1, 28))
            else:
                birth = date(rng.randint(1950, 2006), rng.randint(1, 12), rng.randint(1, 28))
            out.append(Member(f"M{i:07d}", plan, pick(rng, REGIONS), birth, start, end, kind))
        return out

    @staticmethod
    def _clinician(rng: random.Random, specialty: str) -> str:
        creds = names.CREDENTIALS.get(specialty, names.DEFAULT_CREDENTIALS)
        first, last = pick(rng, names.FIRST_NAMES), pick(rng, names.LAST_NAMES)
        return f"{first} {last}, {pick(rng, creds)}"

    def _providers(self, rng: random.Random, count: int) -> list[Provider]:
        """Providers with unique valid NPIs; every specialty has each network/activity mix."""
        fixed = [(1, 1), (1, 1), (0, 1), (1, 0), (0, 0)]
        plan: list[tuple[str, int, int]] = [(s, net, act) for s in bundles.SPECIALTIES for net, act in fixed]
        while len(plan) < count:
            plan.append(
                (
                    pick(rng, bundles.SPECIALTIES),
                    int(rng.random() < 0.8),
                    int(rng.random() < 0.93),
                )
            )
        seen: set[str] = set()
        out = []
        for specialty, net, act in plan:
            npi = npi_from("1" + f"{rng.randrange(10**8):08d}")
            while npi in seen:
                npi = npi_from("1" + f"{rng.randrange(10**8):08d}")
            seen.add(npi)
            suffix = names.ORGANIZATION_SUFFIX.get(specialty)
            if suffix and rng.random() < 0.4:
                name = f"{pick(rng, names.PLACE_WORDS)} {suffix}"
            else:
                name = self._clinician(rng, specialty)
            out.append(Provider(npi, name, specialty, pick(rng, REGIONS), net, act))
        return out

    @staticmethod
    def _staff(
        rng: random.Random,
    ) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        lobs = LINES_OF_BUSINESS
        every_pair = [(r, lob) for r in REGIONS for lob in lobs]
        sensitive = ["sensitive:behavioral_health", "sensitive:substance_use", "sensitive:hiv"]
        entries: list[tuple[str, int, list[tuple[str, str]], list[str]]] = [
            ("analyst", 1, [("north", "commercial")], []),
            ("supervisor", 1, every_pair, ["approve:high_value", "phi:full", *sensitive]),
            ("auditor", 1, [], []),
            ("analyst", 0, [("south", "medicaid")], []),
        ]
        i = 0
        for region in REGIONS:
            for k, lob in enumerate(lobs):
                privs = []
                if i % 3 == 0:
                    privs.append("sensitive:behavioral_health")
                if i % 4 == 1:
                    privs.append("sensitive:hiv")
                if i % 5 == 2:
                    privs.append("sensitive:substance_use")
                if i % 6 == 3:
                    privs.append("phi:full")
                pairs = [(region, lob)]
                if i % 2 == 0:
                    pairs.append((region, lobs[(k + 1) % len(lobs)]))
                entries.append(("analyst", 1, pairs, privs))
                i += 1
        for j, region in enumerate(REGIONS):
            privs = ["approve:high_value", "phi:full", sensitive[0], sensitive[2]]
            if j % 2 == 0:
                privs.append(sensitive[1])
            entries.append(("supervisor", 1, [(region, lob) for lob in lobs], privs))
        entries.append(("auditor", 1, [], []))
        entries.append(
            ("supervisor", 0, [("north", lob) for lob in lobs], ["approve:high_value", "phi:full"])
        )
        entries.append(
            ("analyst", 1, [("central", "medicare_advantage"), ("central", "medicaid")], sensitive)
        )
        staff: list[tuple[Any, ...]] = []
        assignments: list[tuple[Any, ...]] = []
        privileges: list[tuple[Any, ...]] = []
        for n, (role, active, pairs, privs) in enumerate(entries, 1):
            sid = f"S{n:04d}"
            name = f"{pick(rng, names.FIRST_NAMES)} {pick(rng, names.LAST_NAMES)}"
            staff.append((sid, name, role, active))
            assignments += [(sid, r, lob) for r, lob in pairs]
            privileges += [(sid, p) for p in privs]
        return staff, assignments, privileges

    def _deciders(self) -> dict[tuple[str, str, str, bool], list[str]]:
        """Active staff able to finalize claims by (region, lob, sensitivity, high value)."""
        privs: dict[str, set[str]] = defaultdict(set)
        for sid, privilege in self.privileges:
            privs[sid].add(privilege)
        active = {sid for sid, _, role, is_active in self.staff if is_active and role != "auditor"}
        out: dict[tuple[str, str, str, bool], list[str]] = defaultdict(list)
        for sid, region, lob in self.assignments:
            if sid not in active:
                continue
            for sens in ("none", "behavioral_health", "substance_use", "hiv"):
                if sens != "none" and f"sensitive:{sens}" not in privs[sid]:
                    continue
                for high in (False, True):
                    if high and "approve:high_value" not in privs[sid]:
                        continue
                    out[(region, lob, sens, high)].append(sid)
        return out


def member_rows(members: Sequence[Member], rng: random.Random) -> list[Row]:
    """Member rows with fictional PHI; SSNs start with 9, a range never issued as SSNs."""
    zips = {r: f"{i + 1}{i + 3}" for i, r in enumerate(REGIONS)}
    out: list[Row] = []
    for m in members:
        street = f"{rng.randint(10, 9899)} {pick(rng, names.STREETS)} {pick(rng, names.STREET_KINDS)}"
        if rng.random() < 0.2:
            street += f" Apt {rng.randint(1, 40)}"
        city = pick(rng, names.CITIES[m.region])
        address = f"{street}, {city}, NW {zips[m.region]}{rng.randint(100, 999)}"
        first, last = pick(rng, names.FIRST_NAMES), pick(rng, names.LAST_NAMES)
        ssn = f"9{rng.randrange(10**8):08d}"
        out.append(
            (m.member_id, first, last, m.birth, ssn, address, m.plan.plan_id, m.region, m.start, m.end)
        )
    return out
