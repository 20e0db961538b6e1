"""Seeded generator of the reference system of record, with its ground truth.

``seed`` fills every table of ``schema`` from one integer: the same seed gives the same
rows and the same truth file byte for byte (one ``random.Random`` per concern, a fixed
"today" of 2026-06-30, no wall clock, no set iteration). It writes

- reference data from ``catalogue`` (plans, procedures, benefits, medical policies);
- parties: members with fictional PHI, providers with valid NPIs, staff and their
  assignments and privileges;
- a history of claims already decided by staff (adjudicated with correct outcomes, or
  pended when the notes did not settle medical necessity), the material a model is
  trained and evaluated on;
- a backlog of ``received`` claims built scenario by scenario so that every rule of
  CLAIMS_POLICY.md, every CARC, the high-value and Part 2 overrides and the three
  medical-necessity outcomes all occur;
- the truth file: one JSON object per backlog claim, ordered by ``claim_id``.

Each claim is built with an intended outcome. Before anything is written, an
independent implementation of rules 1 to 8 (``_Checker``, which reads only the rows
about to be inserted) recomputes every outcome and amount; any disagreement raises
``GeneratorError``, so a generator bug cannot silently corrupt the ground truth.

All rows go in one transaction, parents first. A 100,000-claim seed writes about 1.4
million rows, so SQLite is fed through the driver and PostgreSQL (psycopg) through
``COPY``, both storing exactly what Core bulk inserts store (a test compares them);
other databases get Core bulk inserts. Where ``fork`` is available, the notes are
written and the check runs in a child process while the parent inserts the rest; the
transaction commits only once the child reports that every claim agrees.
"""

from __future__ import annotations

import gc
import json
import multiprocessing
import os
import random
import time
from bisect import bisect
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from itertools import accumulate
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Literal

import sqlalchemy
from psycopg import sql as pg_sql

from interlock.domains.claims import catalogue as cat
from interlock.domains.claims import codesets, notes_text, schema
from interlock.domains.claims.catalogue import Bundle, PlanSpec, PolicySpec, utc_timestamp

TODAY = date(2026, 6, 30)
"""The generator's fixed "today": every date and timestamp lies on or before it."""

HIGH_VALUE_LIMIT = Decimal("10000.00")
CENT = Decimal("0.01")
_ZERO = Decimal("0.00")
_HUNDRED = Decimal(100)
_INSERT_CHUNK = 20_000

Phase = Literal["history", "backlog"]


class GeneratorError(RuntimeError):
    """The generated rows disagree with the outcome they were built to have."""


class _RedrawError(Exception):
    """The random draw cannot satisfy the scenario; draw again."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SeedReport:
    """What ``seed`` wrote: claim counts, the truth file, time taken, backlog outcomes."""

    backlog_claims: int
    history_claims: int
    truth_path: Path | None
    seconds: float
    outcome_counts: dict[str, int]


# --- scenarios -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Kind:
    """A claim scenario: expected backlog outcome and CARC, weights in each phase.

    ``carc`` is ``"*"`` when the scenario picks the failing rule at random.
    """

    name: str
    outcome: str
    carc: str | None
    backlog: float
    history: float


KINDS: tuple[_Kind, ...] = (
    _Kind("clean", "approve", None, 27, 30),
    _Kind("clean_below", "approve", None, 3, 2),
    _Kind("clean_tie", "approve", None, 2, 1),
    _Kind("clean_retired", "approve", None, 1.2, 0.5),
    _Kind("clean_future", "approve", None, 1.0, 0.3),
    _Kind("clean_lob", "approve", None, 1.8, 1.5),
    _Kind("clean_ppo_oon", "approve", None, 2, 1.5),
    _Kind("clean_dx_forms", "approve", None, 1.5, 1),
    _Kind("clean_365", "approve", None, 0.4, 0.2),
    _Kind("clean_cov_start", "approve", None, 0.4, 0.2),
    _Kind("clean_cov_end", "approve", None, 0.4, 0.2),
    _Kind("clean_10000", "approve", None, 0.15, 0.05),
    _Kind("clean_resubmit", "approve", None, 0.5, 0),
    _Kind("bh", "approve", None, 2, 1.5),
    _Kind("hiv", "approve", None, 1, 0.7),
    _Kind("r1_before", "deny", "26", 1.5, 1),
    _Kind("r1_after", "deny", "27", 1.5, 1),
    _Kind("r2_late", "deny", "29", 1.5, 1),
    _Kind("r2_366", "deny", "29", 0.3, 0.1),
    _Kind("r3_dup", "deny", "18", 1.8, 0),
    _Kind("h_dup", "deny", "18", 0, 0.4),
    _Kind("r4_check", "deny", "208", 0.9, 0.5),
    _Kind("r4_length", "deny", "208", 0.6, 0.2),
    _Kind("r4_unknown", "deny", "208", 0.9, 0.5),
    _Kind("r4_inactive", "deny", "208", 0.9, 0.5),
    _Kind("r5_oon", "deny", "242", 2.2, 1.2),
    _Kind("r6_invalid", "deny", "16", 1.1, 1.2),
    _Kind("r6_nonbill", "deny", "16", 1.1, 1.2),
    _Kind("r7_not_covered", "deny", "204", 1.1, 0.8),
    _Kind("r7_no_row", "deny", "204", 1.0, 0.6),
    _Kind("r8_missing", "deny", "197", 0.8, 0.5),
    _Kind("r8_denied", "deny", "197", 0.6, 0.3),
    _Kind("r8_expired", "deny", "197", 0.6, 0.3),
    _Kind("r8_wrong", "deny", "197", 0.5, 0.2),
    _Kind("d_27_29", "deny", "27", 0.12, 0.05),
    _Kind("d_29_208", "deny", "29", 0.12, 0.05),
    _Kind("d_29_18", "deny", "29", 0.12, 0),
    _Kind("d_208_242", "deny", "208", 0.12, 0.05),
    _Kind("d_242_16", "deny", "242", 0.12, 0.05),
    _Kind("d_16_204", "deny", "16", 0.12, 0.05),
    _Kind("d_204_197", "deny", "204", 0.12, 0.05),
    _Kind("d_26_16", "deny", "26", 0.12, 0.05),
    _Kind("d_197_50", "deny", "197", 0.12, 0.05),
    _Kind("mn_met", "approve", None, 10, 17),
    _Kind("mn_not_met", "deny", "50", 7, 15),
    _Kind("mn_unclear", "review", None, 8, 13),
    _Kind("hv", "review", None, 2.9, 1.5),
    _Kind("hv_rule", "review", None, 0.6, 0),
    _Kind("hv_policy", "review", None, 0.4, 0),
    _Kind("hv_edge", "review", None, 0.1, 0),
    _Kind("p2", "review", None, 2.0, 1.2),
    _Kind("p2_deny", "deny", "*", 1.0, 0.4),
)
KIND_BY_NAME: dict[str, _Kind] = {k.name: k for k in KINDS}

_POLICY_WEIGHTS: dict[Phase, dict[str, float]] = {
    "backlog": {
        "MP-101": 3,
        "MP-102": 2,
        "MP-103": 2,
        "MP-104": 1.2,
        "MP-105": 1.5,
        "MP-106": 1.5,
        "MP-107": 0.3,
        "MP-108": 1.0,
    },
    "history": {
        "MP-101": 3,
        "MP-102": 2,
        "MP-103": 2,
        "MP-104": 1.2,
        "MP-105": 1.5,
        "MP-106": 1.5,
        "MP-107": 1.5,
        "MP-108": 0.5,
    },
}
_TODAY_ORD = TODAY.toordinal()
_FEE_CENTS = {p.code: int(p.fee * 100) for p in cat.PROCEDURES}
_POLICY_OF_CODE = {p.code: cat.POLICY_BY_ID[p.policy_id] for p in cat.PROCEDURES if p.policy_id}
_LAG_DAYS = {"normal": (300, 1), "late": (540, 366), "exact365": (365, 365), "exact366": (366, 366)}
"""Bounds of received minus service, in days, for each lag mode of a scenario."""
_SIBLING_CODE = {
    "72148": "72158",
    "72158": "72148",
    "29881": "29880",
    "29880": "29881",
    "43644": "43775",
    "43775": "43644",
}
_FALLBACK = {"r3_dup": "r4_unknown", "d_29_18": "r2_late", "h_dup": "r4_unknown", "clean_resubmit": "clean"}
_RULE_FAILURES = ("r1_before", "r1_after", "r2_late", "r4_check", "r4_unknown", "r5_oon")


@dataclass(slots=True, kw_only=True)
class _Spec:
    """How to build one claim; every field defaults to "passes this rule"."""

    pool: str = "clean"
    elig: str = "eligible"
    lag: str = "normal"
    provider: str = "default"
    network: str | None = None
    dx: str = "ok"
    coverage: str = "ok"
    pa: str = "ok"
    pa_codes: frozenset[str] | None = None
    billing: str = "mixed"
    policy_id: str | None = None
    policy_mode: str | None = None
    necessity: str | None = None
    sensitive_share: float = 0.0


def _expected(kind: str, phase: Phase, built: tuple[str, str | None]) -> tuple[str, str | None]:
    """The outcome scenario ``kind`` must have; ``built`` only fills a random CARC.

    In the history a person decided high-value and Part 2 claims, so those follow the
    rules like any other claim instead of going to review.
    """
    spec = KIND_BY_NAME[kind]
    if phase == "history" and kind in ("hv", "p2"):
        return ("approve", None)
    if spec.carc == "*":
        return (spec.outcome, built[1] if built[0] == spec.outcome else "?")
    return (spec.outcome, spec.carc)


def allocate(total: int, weights: Sequence[float]) -> list[int]:
    """Split ``total`` into integer counts proportional to ``weights`` (largest remainder).

    Every positive weight gets at least one claim when ``total`` allows it, so even a
    small backlog exercises every scenario; the surplus is taken from the largest count.
    """
    positive = [i for i, w in enumerate(weights) if w > 0]
    scale = sum(weights)
    raw = [total * w / scale if w > 0 else 0.0 for w in weights]
    counts = [int(x) for x in raw]
    order = sorted(positive, key=lambda i: (-(raw[i] - counts[i]), i))
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    if total >= len(positive):
        for i in positive:
            if counts[i] == 0:
                counts[i] = 1
                counts[max(positive, key=lambda j: counts[j])] -= 1
    return counts


# --- world: members, providers, staff --------------------------------------------------


@dataclass(slots=True)
class _Member:
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
class _Provider:
    """A provider row; network and activity flags drive rules 4 and 5."""

    npi: str
    name: str
    specialty: str
    region: str
    in_network: int
    active: int


def _month_start(rng: random.Random, first: date, last: date) -> date:
    months = (last.year - first.year) * 12 + last.month - first.month
    k = rng.randint(0, months)
    return date(first.year + (first.month - 1 + k) // 12, (first.month - 1 + k) % 12 + 1, 1)


def _month_end(rng: random.Random, first: date, last: date) -> date:
    start = _month_start(rng, first, last)
    nxt = date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return nxt - timedelta(days=1)


class _Rng(random.Random):
    """``random.Random`` with a cheaper ``randint``: the generator draws millions of them.

    The stock ``randint`` goes through ``randrange`` and a rejection loop; scaling one
    ``random()`` draw is several times faster and just as deterministic for a seed.
    """

    def randint(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))


def _pick(rng: random.Random, seq: Sequence[Any]) -> Any:
    """``rng.choice`` without its rejection loop: the hot paths call this millions of times."""
    return seq[int(rng.random() * len(seq))]


def _npi_from(first_nine: str) -> str:
    return first_nine + str(codesets.npi_check_digit(first_nine))


class _World:
    """Members, providers and staff for one seed, with the indexes claims are drawn from."""

    def __init__(self, seed: int, claim_total: int) -> None:
        self.members = self._members(_Rng(f"{seed}/members"), max(300, claim_total // 3))
        self.by_plan: dict[tuple[str, str], list[_Member]] = defaultdict(list)
        for m in self.members:
            self.by_plan[(m.plan.plan_id, "any")].append(m)
            self.by_plan[(m.plan.plan_id, m.kind)].append(m)
        prov_rng = _Rng(f"{seed}/providers")
        self.providers = self._providers(prov_rng, max(150, claim_total // 80))
        self.npis = {p.npi for p in self.providers}
        self.pool: dict[tuple[str, int, int], list[str]] = defaultdict(list)
        for p in self.providers:
            self.pool[(p.specialty, p.in_network, p.active)].append(p.npi)
        self.clinicians = {s: [self._clinician(prov_rng, s) for _ in range(24)] for s in cat.SPECIALTIES}
        self.staff, self.assignments, self.privileges = self._staff(_Rng(f"{seed}/staff"))
        self.deciders = self._deciders()

    @staticmethod
    def _members(rng: random.Random, count: int) -> list[_Member]:
        """Members with long-standing, recent (rule 1, CARC 26) or ended (CARC 27) coverage."""
        cum = []
        acc = 0
        for p in cat.PLANS:
            acc += p.member_weight
            cum.append(acc)
        out = []
        for i in range(1, count + 1):
            plan = rng.choices(cat.PLANS, cum_weights=cum)[0]
            roll = rng.random()
            end: date | None = None
            if roll < 0.76:
                kind = "long"
                start = _month_start(rng, date(2012, 1, 1), date(2024, 6, 1))
            elif roll < 0.86:
                kind = "recent"
                start = _month_start(rng, date(2025, 9, 1), date(2026, 6, 1))
            else:
                kind = "ended"
                start = _month_start(rng, date(2014, 1, 1), date(2023, 12, 1))
                end = _month_end(rng, date(2024, 6, 1), date(2026, 5, 1))
            if plan.line_of_business == "medicare_advantage":
                birth = date(rng.randint(1936, 1960), rng.randint(1, 12), rng.randint(1, 28))
            else:
                birth = date(rng.randint(1950, 2006), rng.randint(1, 12), rng.randint(1, 28))
            out.append(_Member(f"M{i:07d}", plan, _pick(rng, cat.REGIONS), birth, start, end, kind))
        return out

    @staticmethod
    def _clinician(rng: random.Random, specialty: str) -> str:
        creds = cat.CREDENTIALS.get(specialty, cat.DEFAULT_CREDENTIALS)
        first, last = _pick(rng, cat.FIRST_NAMES), _pick(rng, cat.LAST_NAMES)
        return f"{first} {last}, {_pick(rng, creds)}"

    def _providers(self, rng: random.Random, count: int) -> list[_Provider]:
        """Providers with unique valid NPIs; every specialty has each network/activity mix."""
        fixed = [(1, 1), (1, 1), (0, 1), (1, 0), (0, 0)]
        plan: list[tuple[str, int, int]] = [(s, net, act) for s in cat.SPECIALTIES for net, act in fixed]
        while len(plan) < count:
            plan.append(
                (
                    _pick(rng, cat.SPECIALTIES),
                    int(rng.random() < 0.8),
                    int(rng.random() < 0.93),
                )
            )
        seen: set[str] = set()
        out = []
        for specialty, net, act in plan:
            npi = _npi_from("1" + f"{rng.randrange(10**8):08d}")
            while npi in seen:
                npi = _npi_from("1" + f"{rng.randrange(10**8):08d}")
            seen.add(npi)
            suffix = cat.ORGANIZATION_SUFFIX.get(specialty)
            if suffix and rng.random() < 0.4:
                name = f"{_pick(rng, cat.PLACE_WORDS)} {suffix}"
            else:
                name = self._clinician(rng, specialty)
            out.append(_Provider(npi, name, specialty, _pick(rng, cat.REGIONS), net, act))
        return out

    @staticmethod
    def _staff(
        rng: random.Random,
    ) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        lobs = cat.LINES_OF_BUSINESS
        every_pair = [(r, lob) for r in cat.REGIONS for lob in lobs]
        sensitive = ["sensitive:behavioral_health", "sensitive:substance_use", "sensitive:hiv"]
        entries: list[tuple[str, int, list[tuple[str, str]], list[str]]] = [
            ("analyst", 1, [("north", "commercial")], []),
            ("supervisor", 1, every_pair, ["approve:high_value", "phi:full", *sensitive]),
            ("auditor", 1, [], []),
            ("analyst", 0, [("south", "medicaid")], []),
        ]
        i = 0
        for region in cat.REGIONS:
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
        for j, region in enumerate(cat.REGIONS):
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
            name = f"{_pick(rng, cat.FIRST_NAMES)} {_pick(rng, cat.LAST_NAMES)}"
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


# --- claims -----------------------------------------------------------------------------


@dataclass(slots=True, eq=False)
class _Claim:
    """A claim under construction, with the outcome it was built to have."""

    kind: str
    phase: Phase
    member: _Member
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


def necessity_label(combine: str, polarities: Iterable[str]) -> str:
    """The rule 9 outcome of per-criterion polarities under ``combine``.

    ``all``: any criterion clearly not met decides ``not_met``; all met gives ``met``.
    ``any``: any criterion clearly met decides ``met``; all clearly not met gives
    ``not_met``. Everything else (silent, vague, contradictory) is ``unclear``.
    """
    values = list(polarities)
    if combine == "all":
        if "not_met" in values:
            return "not_met"
        return "met" if all(v == "met" for v in values) else "unclear"
    if "met" in values:
        return "met"
    return "not_met" if values and all(v == "not_met" for v in values) else "unclear"


def _plan_weights(plan_ids: Sequence[str]) -> list[int]:
    acc, out = 0, []
    for pid in plan_ids:
        acc += cat.PLAN_BY_ID[pid].member_weight
        out.append(acc)
    return out


class _Factory:
    """Builds claims scenario by scenario, keeping the cross-claim invariants.

    Two claims only share a rule 3 key when a scenario means it (a duplicate or a
    resubmission), and an approved prior authorization never covers a claim that was
    built to lack one: both are checked here at construction and again by ``_Checker``.
    """

    def __init__(self, world: _World, seed: int) -> None:
        self.world = world
        self.rng = _Rng(f"{seed}/claims")
        self.note_rng = _Rng(f"{seed}/notes")
        self.benefits = cat.benefits()
        self.dx_pools = cat.verified_code_pools()
        self.secondary = cat.secondary_diagnoses()
        self.covered_plans: dict[str, list[str]] = {}
        for bundle in self._all_bundles():
            self.covered_plans[bundle.name] = [
                p.plan_id
                for p in cat.PLANS
                if all(self.benefits.get((p.plan_id, c), (0, 0))[0] == 1 for c in bundle.codes)
            ]
        self.clean_cum = self._cum(cat.CLEAN_BUNDLES)
        self.keys: dict[tuple[str, str, date, tuple[str, ...]], _Claim] = {}
        self.approved_windows: dict[tuple[str, str], list[tuple[date, date]]] = defaultdict(list)
        self.must_lack: dict[tuple[str, str], list[date]] = defaultdict(list)
        self.dup_sources: list[_Claim] = []
        self.resubmit_sources: list[_Claim] = []
        self.used_sources: set[int] = set()
        self.spec_table = self._spec_table()
        self.rpa_codes = {
            p.plan_id: frozenset(c for q, c in cat.prior_auth_pairs() if q == p.plan_id) for p in cat.PLANS
        }
        self.policy_cum = {
            phase: (list(weights), list(accumulate(weights.values())))
            for phase, weights in _POLICY_WEIGHTS.items()
        }
        self.plan_cum: dict[tuple[Any, ...], tuple[tuple[str, ...], list[int]]] = {}

    @staticmethod
    def _all_bundles() -> list[Bundle]:
        return [
            *cat.CLEAN_BUNDLES,
            *(b for g in cat.SENSITIVE_BUNDLES.values() for b in g),
            *cat.HIGH_VALUE_BUNDLES,
            cat.KNEE_REPLACEMENT_ONLY,
            cat.HIGH_VALUE_POLICY_BUNDLE,
            *(b for g in cat.POLICY_BUNDLES.values() for b in g),
        ]

    @staticmethod
    def _cum(bundles: Sequence[Bundle]) -> list[float]:
        acc, out = 0.0, []
        for b in bundles:
            acc += b.weight
            out.append(acc)
        return out

    # -- phase drivers ------------------------------------------------------------------

    def build_phase(self, phase: Phase, count: int) -> list[_Claim]:
        """``count`` claims of ``phase`` in scenario proportions, ids by receipt order."""
        weights = [k.backlog if phase == "backlog" else k.history for k in KINDS]
        kinds: list[str] = []
        for kind, n in zip(KINDS, allocate(count, weights), strict=True):
            kinds += [kind.name] * n
        self.rng.shuffle(kinds)
        # Duplicates need their source claim to exist already.
        kinds.sort(key=lambda k: k == "h_dup")
        claims = [self._make(kind, phase) for kind in kinds]
        claims.sort(key=lambda c: c.received)
        return claims

    def _make(self, kind: str, phase: Phase) -> _Claim:
        """One claim of scenario ``kind``, redrawn until the draw satisfies the scenario."""
        for _ in range(200):
            try:
                claim = self._dispatch(kind, phase)
            except _RedrawError:
                continue
            if claim.intended != _expected(kind, phase, claim.intended):
                raise GeneratorError(f"{kind} built as {claim.intended}")
            self._commit(claim)
            return claim
        if kind in _FALLBACK:
            # Too few source claims (a short history): build a like scenario instead.
            return self._make(_FALLBACK[kind], phase)
        raise GeneratorError(f"could not build a claim of kind {kind} in {phase}")

    def _dispatch(self, kind: str, phase: Phase) -> _Claim:
        if kind in ("r3_dup", "d_29_18", "h_dup"):
            return self._duplicate(kind, phase)
        if kind == "clean_resubmit":
            return self._resubmission(phase)
        return self._build(kind, phase, self._spec(kind, phase))

    def _spec_table(self) -> dict[str, Callable[[], _Spec]]:
        """Scenario name -> spec factory, for the scenarios with a fixed recipe."""
        rng = self.rng
        return {
            "clean": _Spec,
            "clean_below": lambda: _Spec(billing="below"),
            "clean_tie": lambda: _Spec(billing="tie"),
            "clean_retired": lambda: _Spec(pool="policy", policy_id="MP-107", policy_mode="retired"),
            "clean_future": lambda: _Spec(pool="policy", policy_id="MP-108", policy_mode="future"),
            "clean_lob": lambda: _Spec(
                pool="policy", policy_id=_pick(rng, ("MP-104", "MP-105", "MP-106")), policy_mode="lob"
            ),
            "clean_ppo_oon": lambda: _Spec(network="PPO", provider="oon"),
            "clean_dx_forms": lambda: _Spec(dx="forms"),
            "clean_365": lambda: _Spec(lag="exact365"),
            "clean_cov_start": lambda: _Spec(elig="edge_start"),
            "clean_cov_end": lambda: _Spec(elig="edge_end"),
            "clean_10000": lambda: _Spec(pool="knee_only", billing="exact10000"),
            "bh": lambda: _Spec(pool="sensitive:behavioral_health"),
            "hiv": lambda: _Spec(pool="sensitive:hiv"),
            "r1_before": lambda: _Spec(elig="before", sensitive_share=0.05),
            "r1_after": lambda: _Spec(elig="after", sensitive_share=0.05),
            "r2_late": lambda: _Spec(lag="late", sensitive_share=0.05),
            "r2_366": lambda: _Spec(lag="exact366"),
            "r4_check": lambda: _Spec(provider="bad_check", sensitive_share=0.05),
            "r4_length": lambda: _Spec(provider="bad_len"),
            "r4_unknown": lambda: _Spec(provider="unknown"),
            "r4_inactive": lambda: _Spec(provider="inactive", sensitive_share=0.05),
            "r5_oon": lambda: _Spec(network="HMO", provider="oon", sensitive_share=0.05),
            "r6_invalid": lambda: _Spec(dx="invalid", sensitive_share=0.05),
            "r6_nonbill": lambda: _Spec(dx="nonbillable"),
            "r7_not_covered": lambda: _Spec(coverage="not_covered"),
            "r7_no_row": lambda: _Spec(coverage="no_row"),
            "r8_missing": lambda: _Spec(pa="missing"),
            "r8_denied": lambda: _Spec(pa="denied"),
            "r8_expired": lambda: _Spec(pa="expired"),
            "r8_wrong": lambda: _Spec(pa="wrong"),
            "d_27_29": lambda: _Spec(elig="after", lag="late"),
            "d_29_208": lambda: _Spec(lag="late", provider="bad_check"),
            "d_208_242": lambda: _Spec(network="HMO", provider="inactive_oon"),
            "d_242_16": lambda: _Spec(network="HMO", provider="oon", dx="invalid"),
            "d_16_204": lambda: _Spec(dx="nonbillable", coverage="no_row"),
            "d_204_197": lambda: _Spec(coverage="not_covered", pa="missing"),
            "d_26_16": lambda: _Spec(elig="before", dx="invalid"),
            "d_197_50": lambda: _Spec(
                pa="missing", pa_codes=frozenset({"29881", "29880"}), necessity="not_met"
            ),
            "hv": lambda: _Spec(pool="hv", billing="hv"),
            "hv_policy": lambda: _Spec(
                pool="hv_policy",
                billing="hv",
                policy_id="MP-104",
                policy_mode="applies",
                necessity=_pick(rng, ("met", "not_met", "unclear")),
            ),
            "hv_edge": lambda: _Spec(pool="knee_only", billing="hv_edge"),
        }

    def _spec(self, kind: str, phase: Phase) -> _Spec:
        rng = self.rng
        if kind.startswith("p2"):
            spec = self._spec(_pick(rng, _RULE_FAILURES), phase) if kind == "p2_deny" else _Spec()
            spec.pool = "sensitive:substance_use"
            return spec
        if kind == "hv_rule":
            spec = self._spec(_pick(rng, (*_RULE_FAILURES, "r6_invalid")), phase)
            spec.pool = "hv"
            spec.billing = "hv"
            return spec
        policy_kinds = {"mn_met": "met", "mn_not_met": "not_met", "mn_unclear": "unclear"}
        if kind in policy_kinds:
            ids, cum = self.policy_cum[phase]
            pid = ids[bisect(cum, rng.random() * cum[-1])]
            return _Spec(pool="policy", policy_id=pid, policy_mode="applies", necessity=policy_kinds[kind])
        return self.spec_table[kind]()

    # -- the general builder ------------------------------------------------------------

    def _build(self, kind: str, phase: Phase, spec: _Spec) -> _Claim:
        """Draw a claim meeting ``spec``: plan, member, dates, provider, lines, codes, auths."""
        rng = self.rng
        template, area, specialty, plan_ids, fail_code = self._lines_template(spec)
        policy = cat.POLICY_BY_ID[spec.policy_id] if spec.policy_id else None
        allowed, cum = self._plans(tuple(plan_ids), spec)
        plan = cat.PLAN_BY_ID[allowed[bisect(cum, rng.random() * cum[-1])]]
        member = self._member(plan, spec.elig)
        window = self._policy_window(policy, spec.policy_mode)
        service, received = self._dates(member, phase, spec.elig, spec.lag, window)
        npi = self._npi(spec.provider, specialty, plan)
        lines = self._lines(template, spec.billing, plan)
        dx = self._diagnoses(area, spec.dx)
        sensitivity = _SENSITIVITY_OF_AREA.get(area, "none")
        claim = _Claim(
            kind=kind,
            phase=phase,
            member=member,
            npi=npi,
            service=service,
            received=received,
            pos=_pick(rng, cat.AREA_PLACES.get(area, ("11",))),
            area=area,
            specialty=specialty,
            lines=lines,
            dx=dx,
            sensitivity=sensitivity,
            intended=("approve", None),
            policy_id=None,
            necessity=None,
            polarities={},
            total=sum((b for _, _, b in lines), _ZERO),
        )
        if spec.billing not in ("hv", "hv_edge") and claim.total > HIGH_VALUE_LIMIT:
            raise _RedrawError
        claim.dup_key = claim.key()
        if claim.dup_key in self.keys:
            raise _RedrawError
        claim.auths = self._auths(claim, plan, spec.pa, fail_code)
        carc = self._intended_carc(spec, plan)
        self._necessity(claim, spec)
        claim.intended = self._outcome(claim, carc)
        return claim

    def _plans(self, candidates: tuple[str, ...], spec: _Spec) -> tuple[tuple[str, ...], list[int]]:
        """Plans the scenario may use, with cumulative member weights (cached)."""
        cache_key = (candidates, spec.policy_id, spec.policy_mode, spec.network, spec.billing == "tie")
        found = self.plan_cum.get(cache_key)
        if found is not None:
            return found
        plans = [cat.PLAN_BY_ID[p] for p in candidates]
        policy = cat.POLICY_BY_ID[spec.policy_id] if spec.policy_id else None
        if policy is not None and policy.line_of_business is not None:
            same = spec.policy_mode != "lob"
            plans = [p for p in plans if (p.line_of_business == policy.line_of_business) == same]
        if spec.network is not None:
            plans = [p for p in plans if p.network_type == spec.network]
        if spec.billing == "tie":
            # 0 % and 20 % coinsurance never leave half a cent.
            plans = [p for p in plans if p.coinsurance_pct not in (0, 20)]
        if not plans:
            raise _RedrawError
        found = self.plan_cum[cache_key] = (
            tuple(p.plan_id for p in plans),
            _plan_weights([p.plan_id for p in plans]),
        )
        return found

    def _lines_template(
        self, spec: _Spec
    ) -> tuple[list[tuple[str, int, int]], str, str, list[str], str | None]:
        """Lines to bill, clinical area, specialty, candidate plans, the line meant to fail."""
        rng = self.rng
        if spec.coverage != "ok" or spec.pa != "ok":
            pairs = cat.not_covered_pairs() if spec.coverage == "not_covered" else None
            if spec.coverage == "no_row":
                pairs = cat.no_row_pairs()
            if pairs is None:
                pairs = cat.prior_auth_pairs()
                if spec.pa_codes is not None:
                    pairs = tuple(p for p in pairs if p[1] in spec.pa_codes)
            if spec.network is not None:
                pairs = tuple(p for p in pairs if cat.PLAN_BY_ID[p[0]].network_type == spec.network)
            plan_id, code = _pick(rng, pairs)
            area, specialty = cat.AREA_OF_CODE.get(code, ("general", cat.FM))
            template = [(code, 1, 1)]
            fail_code = code if spec.coverage == "ok" else None
            if spec.coverage != "ok" and spec.pa != "ok":
                rpa = [c for p, c in cat.prior_auth_pairs() if p == plan_id and c != code]
                fail_code = _pick(rng, rpa)
                template.append((fail_code, 1, 1))
            elif rng.random() < 0.35 and self.benefits.get((plan_id, "99213")) == (1, 0):
                template.insert(0, ("99213", 1, 1))
            return template, area, specialty, [plan_id], fail_code
        bundle = self._bundle(spec)
        return list(bundle.lines), bundle.area, bundle.specialty, self.covered_plans[bundle.name], None

    def _bundle(self, spec: _Spec) -> Bundle:
        """The line set of a claim drawn from the scenario's pool."""
        rng = self.rng
        pool = spec.pool
        if pool == "clean" and spec.sensitive_share and rng.random() < spec.sensitive_share:
            pool = _pick(rng, ("sensitive:behavioral_health", "sensitive:hiv"))
        if pool == "clean":
            return cat.CLEAN_BUNDLES[bisect(self.clean_cum, rng.random() * self.clean_cum[-1])]
        if pool.startswith("sensitive:"):
            group = cat.SENSITIVE_BUNDLES[pool.split(":", 1)[1]]
            return rng.choices(group, weights=[b.weight for b in group])[0]
        if pool == "policy":
            assert spec.policy_id is not None
            group = cat.POLICY_BUNDLES[spec.policy_id]
            return rng.choices(group, weights=[b.weight for b in group])[0]
        if pool == "hv":
            return rng.choices(cat.HIGH_VALUE_BUNDLES, weights=[b.weight for b in cat.HIGH_VALUE_BUNDLES])[0]
        if pool == "hv_policy":
            return cat.HIGH_VALUE_POLICY_BUNDLE
        return cat.KNEE_REPLACEMENT_ONLY

    def _member(self, plan: PlanSpec, elig: str) -> _Member:
        """A member of ``plan`` whose coverage can produce the eligibility case asked for."""
        kind = {"before": "recent", "edge_start": "recent", "after": "ended", "edge_end": "ended"}
        group = self.world.by_plan.get((plan.plan_id, kind.get(elig, "any")))
        if not group:
            raise _RedrawError
        member: _Member = _pick(self.rng, group)
        return member

    @staticmethod
    def _policy_window(policy: PolicySpec | None, mode: str | None) -> tuple[date, date] | None:
        """Service dates for which ``policy`` is (``applies``) or is not in force."""
        if policy is None or mode in (None, "lob"):
            return None
        if mode == "applies":
            return policy.effective_from, policy.effective_to or TODAY
        if mode == "retired":
            assert policy.effective_to is not None
            return policy.effective_to + timedelta(days=1), TODAY
        return date(2000, 1, 1), policy.effective_from - timedelta(days=1)

    def _received(self, phase: Phase) -> date:
        return date.fromordinal(self._received_day(phase))

    def _received_day(self, phase: Phase) -> int:
        if phase == "backlog":
            return _TODAY_ORD - self.rng.randint(0, 44)
        return _TODAY_ORD - self.rng.randint(5, 730)

    def _dates(
        self,
        member: _Member,
        phase: Phase,
        elig: str,
        lag: str,
        window: tuple[date, date] | None,
    ) -> tuple[date, date]:
        """A (service, received) pair meeting the eligibility, lag and policy constraints.

        Works on day ordinals: this runs once per claim draw.
        """
        rng = self.rng
        start, end = member.start_day, member.end_day
        far, near = _LAG_DAYS[lag]
        received = self._received_day(phase)
        if phase == "history" and window is not None:
            # Receive the claim while the policy window can still hold its service date.
            first = max(_TODAY_ORD - 730, window[0].toordinal() + near)
            last = min(_TODAY_ORD - 5, window[1].toordinal() + far)
            if first <= last:
                received = rng.randint(first, last)
        elif phase == "history" and end is not None and elig == "eligible":
            # Keep the receipt near the coverage of a member whose coverage ended.
            received = min(_TODAY_ORD - 5, max(_TODAY_ORD - 730, end + rng.randint(-400, 200)))
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
            raise _RedrawError
        elif elig == "after":
            lo, hi = max(lo, end + 1), min(hi, end + 120)
        else:
            lo, hi = max(lo, end), min(hi, end)
        if window is not None:
            lo, hi = max(lo, window[0].toordinal()), min(hi, window[1].toordinal())
        if lo > hi:
            raise _RedrawError
        service = hi - min(int(rng.expovariate(1 / 25)), hi - lo)
        return date.fromordinal(service), date.fromordinal(received)

    def _npi(self, mode: str, specialty: str, plan: PlanSpec) -> str:
        """A billing NPI: a provider of the right status, or a malformed or unknown number."""
        rng = self.rng
        pool = self.world.pool
        if mode == "default":
            in_net = plan.network_type == "HMO" or rng.random() < 0.88
            mode = "in" if in_net else "oon"
        if mode in ("in", "oon", "inactive", "inactive_oon"):
            status = {"in": (1, 1), "oon": (0, 1), "inactive": (1, 0), "inactive_oon": (0, 0)}
            npi: str = _pick(rng, pool[(specialty, *status[mode])])
            return npi
        if mode == "unknown":
            while True:
                npi = _npi_from("1" + f"{rng.randrange(10**8):08d}")
                if npi not in self.world.npis:
                    return npi
        real: str = _pick(rng, pool[(specialty, 1, 1)])
        if mode == "bad_check":
            return real[:9] + str((int(real[9]) + rng.randint(1, 9)) % 10)
        return real[:9] if rng.random() < 0.5 else real + str(rng.randint(0, 9))

    def _lines(
        self, template: Sequence[tuple[str, int, int]], billing: str, plan: PlanSpec
    ) -> list[tuple[str, int, Decimal]]:
        """Billed lines; amounts are exact decimals around the fee schedule."""
        rng = self.rng
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
            out[0] = (out[0][0], out[0][1], self._tie_amount(out[0], plan))
        elif billing == "exact10000":
            out = [(out[0][0], 1, Decimal("10000.00"))]
        elif billing == "hv_edge":
            out = [(out[0][0], 1, Decimal("10000.01"))]
        if billing == "hv" and sum((b for _, _, b in out), _ZERO) <= HIGH_VALUE_LIMIT:
            code, units, billed = out[0]
            out[0] = (code, units, billed + HIGH_VALUE_LIMIT)
        return out

    def _tie_amount(self, line: tuple[str, int, Decimal], plan: PlanSpec) -> Decimal:
        """A billed amount below the fee whose paid share lands exactly on half a cent."""
        share = (_HUNDRED - plan.coinsurance_pct) / _HUNDRED
        code, units, billed = line
        cap = cat.PROCEDURE_BY_CODE[code].fee * units
        for _ in range(40):
            mills = billed * share * 1000
            if mills == mills.to_integral_value() and int(mills) % 10 == 5 and billed <= cap:
                return billed
            billed += CENT
        raise _RedrawError

    def _diagnoses(self, area: str, mode: str) -> list[str]:
        """Diagnosis codes as billed: clinically plausible, and spelled or broken as asked."""
        rng = self.rng
        pool = self.dx_pools.get(area, self.dx_pools["general"])
        roll = rng.random()
        n = 1 if roll < 0.5 else 2 if roll < 0.85 else 3
        codes = [_pick(rng, pool)]
        for _ in range(n - 1):
            code = _pick(rng, pool)
            if code not in codes:
                codes.append(code)
        if rng.random() < 0.08:
            codes.append(_pick(rng, self.secondary))
        if mode == "forms":
            i = rng.randrange(len(codes))
            code = codes[i]
            form = rng.randrange(3) if "." in code else 0
            codes[i] = (code.lower(), code.replace(".", ""), code.replace(".", "").lower())[form]
        elif mode in ("invalid", "nonbillable"):
            bad = cat.INVALID_DIAGNOSES if mode == "invalid" else cat.NON_BILLABLE_DIAGNOSES
            codes.insert(rng.randint(0, len(codes)), _pick(rng, bad))
        return codes

    def _auths(
        self, claim: _Claim, plan: PlanSpec, mode: str, fail_code: str | None
    ) -> list[tuple[str, str, date, date]]:
        """Prior authorizations for the claim's lines: approved, or the failure asked for.

        Returns ``(procedure, status, valid_from, valid_to)``; raises ``_RedrawError`` when an
        approved window would cover a claim built to lack one, or the other way round.
        """
        rpa_codes = self.rpa_codes[plan.plan_id]
        if mode == "ok" and not any(code in rpa_codes for code, _, _ in claim.lines):
            return []
        rng = self.rng
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
                    rpa = [c for p, c in cat.prior_auth_pairs() if p == plan.plan_id and c != code]
                    other = _pick(rng, rpa)
                start = service - timedelta(days=rng.randint(0, 30))
                out.append((other, "approved", start, service + timedelta(days=rng.randint(0, 60))))
        for code, status, lo, hi in out:
            if status == "approved":
                for day in self.must_lack.get((mid, code), ()):
                    if lo <= day <= hi:
                        raise _RedrawError
        for code, day in lacks:
            for lo, hi in self.approved_windows.get((mid, code), ()):
                if lo <= day <= hi:
                    raise _RedrawError
            for other, status, lo, hi in out:
                if other == code and status == "approved" and lo <= day <= hi:
                    raise _RedrawError
        if mode != "ok" and fail_code is not None and not lacks:
            raise _RedrawError
        return out

    @staticmethod
    def _intended_carc(spec: _Spec, plan: PlanSpec) -> str | None:
        """The CARC the spec was built to trigger: the first failing rule, in order."""
        if spec.elig == "before":
            return "26"
        if spec.elig == "after":
            return "27"
        if spec.lag in ("late", "exact366"):
            return "29"
        if spec.provider in ("bad_check", "bad_len", "unknown", "inactive", "inactive_oon"):
            return "208"
        if spec.provider == "oon" and plan.network_type == "HMO":
            return "242"
        if spec.dx in ("invalid", "nonbillable"):
            return "16"
        if spec.coverage != "ok":
            return "204"
        if spec.pa != "ok":
            return "197"
        return None

    def _necessity(self, claim: _Claim, spec: _Spec) -> None:
        """Attach the policy at stake (if any) and per-criterion polarities for the notes."""
        lob = claim.member.plan.line_of_business
        policy = None
        for code, _, _ in claim.lines:
            candidate = _POLICY_OF_CODE.get(code)
            if candidate is not None and candidate.applies(claim.service, lob):
                policy = candidate
                break
        if policy is None:
            return
        label = spec.necessity or _pick(self.rng, ("met", "not_met", "unclear"))
        claim.policy_id = policy.policy_id
        claim.polarities = self._polarities(policy, label)
        claim.necessity = necessity_label(policy.combine, claim.polarities.values())
        if claim.necessity != label:
            raise GeneratorError(f"polarities {claim.polarities} do not give {label}")

    def _polarities(self, policy: PolicySpec, label: str) -> dict[str, str]:
        """Per-criterion documentation that yields ``label`` under the policy's combination.

        ``silent`` means the notes never mention the criterion; ``contradictory`` means
        one note documents it as met and another as not met.
        """
        rng = self.rng
        keys = list(policy.criterion_keys)
        pols = dict.fromkeys(keys, "met")
        some = rng.sample(keys, 2 if len(keys) > 2 and rng.random() < 0.25 else 1)
        if label == "unclear":
            roll = rng.random()
            if roll < 0.12:
                return dict.fromkeys(keys, "no_notes")
            kind = "vague" if roll < 0.5 else "silent" if roll < 0.75 else "contradictory"
        if policy.combine == "all":
            if label == "not_met":
                for k in keys:
                    pols[k] = "not_met" if k in some else ("met" if rng.random() < 0.75 else "silent")
            elif label == "unclear":
                for k in some:
                    pols[k] = kind
            return pols
        if label == "met":
            for k in keys:
                pols[k] = "met" if k in some else ("not_met" if rng.random() < 0.5 else "silent")
        elif label == "not_met":
            pols = dict.fromkeys(keys, "not_met")
        else:
            for k in keys:
                pols[k] = kind if k in some else ("not_met" if rng.random() < 0.7 else "silent")
        return pols

    @staticmethod
    def _outcome(claim: _Claim, carc: str | None) -> tuple[str, str | None]:
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

    # -- scenarios that reuse another claim's key ---------------------------------------

    def _source(self, pool: list[_Claim], ok: Callable[[_Claim], bool]) -> _Claim:
        """An unused history claim satisfying ``ok`` (each source is reused at most once)."""
        rng = self.rng
        if not pool:
            raise _RedrawError
        for _ in range(60):
            cand: _Claim = _pick(rng, pool)
            if id(cand) not in self.used_sources and ok(cand):
                return cand
        for cand in pool:
            if id(cand) not in self.used_sources and ok(cand):
                return cand
        raise _RedrawError

    def _copy(self, src: _Claim, kind: str, phase: Phase, received: date) -> _Claim:
        """A new claim with ``src``'s rule 3 key (member, NPI, date, procedure multiset)."""
        lines = list(src.lines)
        self.rng.shuffle(lines)
        return _Claim(
            kind=kind,
            phase=phase,
            member=src.member,
            npi=src.npi,
            service=src.service,
            received=received,
            pos=src.pos,
            area=src.area,
            specialty=src.specialty,
            lines=lines,
            dx=list(src.dx),
            sensitivity=src.sensitivity,
            intended=("approve", None),
            policy_id=None,
            necessity=None,
            polarities={},
            total=src.total,
        )

    def _duplicate(self, kind: str, phase: Phase) -> _Claim:
        """A claim with the rule 3 key of an approved history claim."""
        rng = self.rng
        if kind == "h_dup":
            src = self._source(self.dup_sources, lambda c: c.received < TODAY - timedelta(days=6))
            last = min(TODAY - timedelta(days=5), src.service + timedelta(days=365))
            if last <= src.received:
                raise _RedrawError
            received = src.received + timedelta(days=rng.randint(1, min(60, (last - src.received).days)))
            carc = "18"
        else:
            received = self._received(phase)
            limit = received - timedelta(days=365)
            late = kind == "d_29_18"
            src = self._source(self.dup_sources, lambda c: (c.service < limit) == late)
            carc = "29" if late else "18"
        claim = self._copy(src, kind, phase, received)
        claim.policy_id, claim.necessity = src.policy_id, src.necessity
        claim.polarities = dict(src.polarities)
        self.used_sources.add(id(src))
        claim.intended = ("deny", carc)
        return claim

    def _resubmission(self, phase: Phase) -> _Claim:
        """A corrected resubmission of a history claim denied for its diagnoses (CARC 16)."""
        received = self._received(phase)
        limit = received - timedelta(days=365)
        src = self._source(self.resubmit_sources, lambda c: c.service >= limit)
        claim = self._copy(src, "clean_resubmit", phase, received)
        claim.dx = self._diagnoses(src.area, "ok")
        self.used_sources.add(id(src))
        return claim

    def _commit(self, claim: _Claim) -> None:
        """Record the claim's key and authorizations so later draws respect them."""
        if claim.dup_key is not None:
            self.keys[claim.dup_key] = claim
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
        if claim.phase == "history" and claim.total <= HIGH_VALUE_LIMIT:
            if claim.intended == ("approve", None):
                self.dup_sources.append(claim)
            elif claim.kind in ("r6_invalid", "r6_nonbill") and claim.policy_id is None:
                self.resubmit_sources.append(claim)

    def notes(self, claim: _Claim) -> list[tuple[str, datetime, str]]:
        """Clinical notes for ``claim``, drawn from the notes stream of the seed."""
        return notes_text.claim_notes(
            self.note_rng,
            polarities=claim.polarities,
            area=claim.area,
            birth=claim.member.birth,
            service=claim.service,
            received=claim.received,
            authors=self.world.clinicians[claim.specialty],
        )


_SENSITIVITY_OF_AREA = {
    "behavioral": "behavioral_health",
    "substance": "substance_use",
    "hiv": "hiv",
}


# --- amounts, rows, the independent check ---------------------------------------------


def _line_amounts(
    lines: Sequence[tuple[str, int, Decimal]], coinsurance_pct: Decimal
) -> list[tuple[Decimal, Decimal]]:
    """(allowed, paid) per line, as the generator means them."""
    share = (_HUNDRED - coinsurance_pct) / _HUNDRED
    out = []
    for code, units, billed in lines:
        allowed = min(billed, cat.PROCEDURE_BY_CODE[code].fee * units)
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


Row = tuple[Any, ...]
Rows = dict[str, list[Row]]
"""Rows per table name, each a tuple in the schema's column order."""

_LAYOUT = {
    "plans": "plan_id name line_of_business network_type coinsurance_pct",
    "medical_policies": "policy_id title body line_of_business effective_from effective_to updated_at",
    "procedures": "procedure_code description fee_schedule_amount medical_policy_id",
    "plan_benefits": "plan_id procedure_code covered requires_prior_auth",
    "members": (
        "member_id first_name last_name birth_date ssn address plan_id region coverage_start coverage_end"
    ),
    "providers": "npi name specialty region in_network active",
    "claims": (
        "claim_id member_id billing_npi service_date received_date place_of_service total_billed "
        "region line_of_business sensitivity status version updated_at"
    ),
    "claim_diagnoses": "claim_id seq icd10_code",
    "claim_lines": "claim_id line_no procedure_code units billed_amount",
    "clinical_notes": "note_id claim_id author written_at body",
    "prior_authorizations": "auth_id member_id procedure_code status valid_from valid_to",
    "staff": "staff_id name role active",
    "staff_assignments": "staff_id region line_of_business",
    "staff_privileges": "staff_id privilege",
    "adjudications": (
        "adjudication_id claim_id claim_version outcome carc_code allowed_amount paid_amount "
        "decided_by rationale idempotency_key decided_at"
    ),
    "adjudication_lines": "adjudication_id line_no allowed_amount paid_amount",
}
"""The column order this module builds its row tuples in (the SPEC.md contract)."""


def _check_layout() -> None:
    """Fail before building anything if ``schema`` no longer has the columns assumed here."""
    for table in schema.ALL_TABLES:
        actual = tuple(c.name for c in table.columns)
        if actual != tuple(_LAYOUT[table.name].split()):
            raise GeneratorError(f"schema table {table.name} has columns {actual}")


def _reference_rows(world: _World, seed: int) -> Rows:
    """Rows of every table but the claims and what hangs off them."""
    return {
        "plans": [
            (p.plan_id, p.name, p.line_of_business, p.network_type, p.coinsurance_pct) for p in cat.PLANS
        ],
        "medical_policies": [
            (p.policy_id, p.title, p.body, p.line_of_business, p.effective_from, p.effective_to, p.updated_at)
            for p in cat.POLICIES
        ],
        "procedures": [(p.code, p.description, p.fee, p.policy_id) for p in cat.PROCEDURES],
        "plan_benefits": [(plan, code, cov, rpa) for (plan, code), (cov, rpa) in cat.benefits().items()],
        "members": _member_rows(world.members, _Rng(f"{seed}/phi")),
        "providers": [
            (p.npi, p.name, p.specialty, p.region, p.in_network, p.active) for p in world.providers
        ],
        "staff": world.staff,
        "staff_assignments": world.assignments,
        "staff_privileges": world.privileges,
    }


def _rows(world: _World, factory: _Factory, claims: Sequence[_Claim], seed: int) -> Rows:
    """Every row to insert but the notes (``_note_rows``); assigns claim, auth and decision ids.

    Claim ids follow receipt order (history first); a history claim whose notes did
    not settle medical necessity is left pended, every other one gets the decision of
    a staff member entitled to make it.
    """
    rows: Rows = {t.name: [] for t in schema.ALL_TABLES}
    rows.update(_reference_rows(world, seed))
    rng = _Rng(f"{seed}/decisions")
    auth_no = adj_no = 0
    claim_rows, lines, diagnoses = rows["claims"], rows["claim_lines"], rows["claim_diagnoses"]
    auths, decisions, decision_lines = (
        rows["prior_authorizations"],
        rows["adjudications"],
        rows["adjudication_lines"],
    )
    for number, claim in enumerate(claims, 1):
        cid = claim.claim_id = f"CLM{number:08d}"
        member = claim.member
        plan = member.plan
        for line_no, (code, units, billed) in enumerate(claim.lines, 1):
            lines.append((cid, line_no, code, units, billed))
        for seq, code in enumerate(claim.dx, 1):
            diagnoses.append((cid, seq, code))
        for code, status, lo, hi in claim.auths:
            auth_no += 1
            auths.append((f"PA{auth_no:08d}", member.member_id, code, status, lo, hi))
        outcome, carc = claim.intended
        version = 1
        if claim.phase == "backlog":
            status = "received"
            updated = utc_timestamp(
                claim.received, rng.randint(6, 20), rng.randint(0, 59), rng.randint(0, 59)
            )
        elif outcome == "review":
            status = "pended"
            day = min(TODAY, claim.received + timedelta(days=rng.randint(1, 4)))
            updated = utc_timestamp(day, rng.randint(8, 17), rng.randint(0, 59))
        else:
            status = "adjudicated"
            version = 2 if rng.random() < 0.1 else 1
            day = min(TODAY - timedelta(days=1), claim.received + timedelta(days=rng.randint(1, 20)))
            updated = utc_timestamp(day, rng.randint(8, 17), rng.randint(0, 59), rng.randint(0, 59))
            adj_no += 1
            adj_id = f"ADJ{adj_no:08d}"
            amounts = (
                _line_amounts(claim.lines, plan.coinsurance_pct)
                if outcome == "approve"
                else [(_ZERO, _ZERO)] * len(claim.lines)
            )
            for line_no, (allowed, paid) in enumerate(amounts, 1):
                decision_lines.append((adj_id, line_no, allowed, paid))
            allowed_total = sum((a for a, _ in amounts), _ZERO)
            paid_total = sum((p for _, p in amounts), _ZERO)
            high = claim.total > HIGH_VALUE_LIMIT
            decider = _pick(
                rng, world.deciders[(member.region, plan.line_of_business, claim.sensitivity, high)]
            )
            if outcome == "approve":
                rationale = f"Approved: claim rules passed; allowed {allowed_total}, paid {paid_total}."
                if claim.policy_id:
                    rationale += f" Notes document the criteria of {claim.policy_id}."
            else:
                rationale = _RATIONALE[str(carc)].format(policy=claim.policy_id)
            decisions.append(
                (
                    *(adj_id, cid, version, outcome, carc, allowed_total, paid_total),
                    *(f"staff:{decider}", rationale, f"hist-{cid}", updated),
                )
            )
        claim_rows.append(
            (
                *(cid, member.member_id, claim.npi, claim.service, claim.received, claim.pos, claim.total),
                *(member.region, plan.line_of_business, claim.sensitivity, status, version, updated),
            )
        )
    return rows


def _note_rows(factory: _Factory, claims: Sequence[_Claim]) -> list[Row]:
    """The clinical notes of every claim, in claim order, from the seed's notes stream."""
    out: list[Row] = []
    for claim in claims:
        cid = claim.claim_id
        for author, written, body in factory.notes(claim):
            out.append((f"N{len(out) + 1:09d}", cid, author, written, body))
    return out


def _member_rows(members: Sequence[_Member], rng: random.Random) -> list[Row]:
    """Member rows with fictional PHI; SSNs start with 9, a range never issued as SSNs."""
    zips = {r: f"{i + 1}{i + 3}" for i, r in enumerate(cat.REGIONS)}
    out: list[Row] = []
    for m in members:
        street = f"{rng.randint(10, 9899)} {_pick(rng, cat.STREETS)} {_pick(rng, cat.STREET_KINDS)}"
        if rng.random() < 0.2:
            street += f" Apt {rng.randint(1, 40)}"
        city = _pick(rng, cat.CITIES[m.region])
        address = f"{street}, {city}, NW {zips[m.region]}{rng.randint(100, 999)}"
        first, last = _pick(rng, cat.FIRST_NAMES), _pick(rng, cat.LAST_NAMES)
        ssn = f"9{rng.randrange(10**8):08d}"
        out.append(
            (m.member_id, first, last, m.birth, ssn, address, m.plan.plan_id, m.region, m.start, m.end)
        )
    return out


@dataclass(frozen=True, slots=True)
class Truth:
    """The correct outcome of one claim (amounts are 0.00 unless approved)."""

    claim_id: str
    outcome: str
    carc: str | None
    allowed: Decimal
    paid: Decimal

    def as_json(self) -> str:
        """One line of the truth file, keys in the documented order."""
        return json.dumps(
            {
                "claim_id": self.claim_id,
                "outcome": self.outcome,
                "carc": self.carc,
                "allowed": f"{self.allowed:.2f}",
                "paid": f"{self.paid:.2f}",
            }
        )


class _Checker:
    """CLAIMS_POLICY.md rules 1 to 8 and the amount rules, read off the rows alone.

    This deliberately shares no code with the construction above: it sees only the
    tuples about to be inserted, so a construction bug (a stray authorization, an
    accidental duplicate, a policy in force by mistake) shows up as a disagreement.
    It runs over every claim of a large seed, so it first packs each table into the
    lookups the rules need.
    """

    def __init__(self, rows: Rows) -> None:
        plans = {plan_id: (network == "HMO", pct) for plan_id, _, _, network, pct in rows["plans"]}
        # member -> (coverage start, coverage end, plan id, HMO?, coinsurance percent)
        self.members = {
            member_id: (start, end, plan_id, *plans[plan_id])
            for member_id, *_, plan_id, _, start, end in rows["members"]
        }
        self.providers = {npi: (active == 1, net == 1) for npi, _, _, _, net, active in rows["providers"]}
        self.benefits = {(p, c): (cov == 1, rpa == 1) for p, c, cov, rpa in rows["plan_benefits"]}
        self.fees = {code: fee for code, _, fee, _ in rows["procedures"]}
        policies = {pid: (start, end, lob) for pid, _, _, lob, start, end, _ in rows["medical_policies"]}
        self.policy_of = {code: policies[pid] for code, _, _, pid in rows["procedures"] if pid is not None}
        self.lines: dict[str, list[tuple[str, int, Decimal]]] = defaultdict(list)
        for cid, _, code, units, billed in rows["claim_lines"]:
            self.lines[cid].append((code, units, billed))
        self.dx: dict[str, list[str]] = defaultdict(list)
        for cid, _, code in rows["claim_diagnoses"]:
            self.dx[cid].append(code)
        self.auths: dict[tuple[str, str], list[tuple[date, date]]] = defaultdict(list)
        for _, member_id, code, status, lo, hi in rows["prior_authorizations"]:
            if status == "approved":
                self.auths[(member_id, code)].append((lo, hi))
        claims = {row[0]: row for row in rows["claims"]}
        self.approved: dict[tuple[Any, ...], set[str]] = defaultdict(set)
        self.approved_visits: set[tuple[Any, ...]] = set()
        for decision in rows["adjudications"]:
            cid, outcome = decision[1], decision[3]
            if outcome == "approve":
                member_id, npi, service = claims[cid][1:4]
                self.approved[self._key(cid, member_id, npi, service)].add(cid)
                self.approved_visits.add((member_id, npi, service))
        self.icd: dict[str, bool] = {}
        self.npi_ok: dict[str, bool] = {}

    def _key(self, cid: str, member_id: str, npi: str, service: date) -> tuple[Any, ...]:
        codes = tuple(sorted(code for code, _, _ in self.lines[cid]))
        return (member_id, npi, service, codes)

    def first_failure(self, claim: Row) -> str | None:
        """The CARC of the first of rules 1 to 8 that the claim fails, or None."""
        cid, member_id, npi, service, received = claim[:5]
        start, end, plan_id, hmo, _ = self.members[member_id]
        if service < start:
            return "26"
        if end is not None and service > end:
            return "27"
        if (received - service).days > 365:
            return "29"
        if (member_id, npi, service) in self.approved_visits and (
            self.approved.get(self._key(cid, member_id, npi, service), set()) - {cid}
        ):
            return "18"
        valid = self.npi_ok.get(npi)
        if valid is None:
            valid = self.npi_ok[npi] = codesets.is_valid_npi(npi)
        provider = self.providers.get(npi)
        if not valid or provider is None or not provider[0]:
            return "208"
        if hmo and not provider[1]:
            return "242"
        for code in self.dx[cid]:
            billable = self.icd.get(code)
            if billable is None:
                billable = self.icd[code] = codesets.is_billable_icd10(code)
            if not billable:
                return "16"
        lines = self.lines[cid]
        benefits = [self.benefits.get((plan_id, code)) for code, _, _ in lines]
        if not all(b is not None and b[0] for b in benefits):
            return "204"
        for (code, _, _), benefit in zip(lines, benefits, strict=True):
            if benefit is not None and benefit[1]:
                windows = self.auths.get((member_id, code), ())
                if not any(lo <= service <= hi for lo, hi in windows):
                    return "197"
        return None

    def policy_at_stake(self, cid: str, service: date, lob: str) -> bool:
        """Whether a policy governs one of the claim's lines on its date and line of business."""
        for code, _, _ in self.lines[cid]:
            policy = self.policy_of.get(code)
            if policy is None:
                continue
            begins, ends, scope = policy
            if begins <= service and (ends is None or service <= ends) and scope in (None, lob):
                return True
        return False

    def amounts(self, cid: str, member_id: str) -> tuple[Decimal, Decimal]:
        """Claim allowed and paid when approved."""
        pct = self.members[member_id][4]
        allowed_total = paid_total = _ZERO
        for code, units, billed in self.lines[cid]:
            allowed = min(billed, self.fees[code] * units)
            paid = (allowed * (1 - pct / 100)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            allowed_total += allowed
            paid_total += paid
        return allowed_total, paid_total

    def truth(self, claim: Row, necessity: str | None, automatic: bool) -> Truth:
        """The correct outcome; ``necessity`` is what the notes were written to document."""
        cid, member_id, _, service, _, _, total, _, lob, sensitivity = claim[:10]
        billed = sum((b for _, _, b in self.lines[cid]), _ZERO)
        if billed != total:
            raise GeneratorError(f"{cid}: total_billed is not the sum of its lines")
        if self.policy_at_stake(cid, service, lob) != (necessity is not None):
            raise GeneratorError(f"{cid}: policy at stake disagrees with notes built for {necessity}")
        if automatic and billed > HIGH_VALUE_LIMIT:
            return Truth(cid, "review", None, _ZERO, _ZERO)
        carc = self.first_failure(claim)
        if carc is not None:
            return Truth(cid, "deny", carc, _ZERO, _ZERO)
        if necessity == "unclear" or (automatic and sensitivity == "substance_use"):
            return Truth(cid, "review", None, _ZERO, _ZERO)
        if necessity == "not_met":
            return Truth(cid, "deny", "50", _ZERO, _ZERO)
        allowed, paid = self.amounts(cid, member_id)
        return Truth(cid, "approve", None, allowed, paid)


def _verify(rows: Rows, claims: Sequence[_Claim]) -> list[Truth]:
    """Recompute every claim's outcome from the rows; return the backlog's truth.

    Raises ``GeneratorError`` on the first claim whose recomputed outcome differs from
    the one it was built for, or whose history decision row disagrees with the rules.
    """
    checker = _Checker(rows)
    decisions = {row[1]: row for row in rows["adjudications"]}
    backlog = []
    for claim, row in zip(claims, rows["claims"], strict=True):
        truth = checker.truth(row, claim.necessity, automatic=claim.phase == "backlog")
        if (truth.outcome, truth.carc) != claim.intended or row[0] != claim.claim_id:
            raise GeneratorError(
                f"{claim.claim_id} ({claim.kind}): built as {claim.intended}, "
                f"rules give {(truth.outcome, truth.carc)}"
            )
        if claim.phase == "backlog":
            backlog.append(truth)
            continue
        decision = decisions.get(claim.claim_id)
        if truth.outcome == "review":
            if decision is not None or row[10] != "pended":
                raise GeneratorError(f"{claim.claim_id}: undecided history claim was finalized")
        elif decision is None or decision[3:7] != (truth.outcome, truth.carc, truth.allowed, truth.paid):
            raise GeneratorError(f"{claim.claim_id}: history decision disagrees with the rules")
    backlog.sort(key=lambda t: t.claim_id)
    return backlog


_INSERT_ORDER = (
    schema.plans,
    schema.medical_policies,
    schema.procedures,
    schema.plan_benefits,
    schema.members,
    schema.providers,
    schema.staff,
    schema.staff_assignments,
    schema.staff_privileges,
    schema.claims,
    schema.claim_diagnoses,
    schema.claim_lines,
    schema.prior_authorizations,
    schema.adjudications,
    schema.adjudication_lines,
    schema.clinical_notes,
)
"""Parents first; the notes last, because they are written while the rest is inserted."""


def _sqlite_value(column: sqlalchemy.Column[Any]) -> Callable[[Any], Any] | None:
    """How SQLAlchemy's SQLite types store a Python value of ``column``, or None if as is.

    Dates are ISO text, timestamps ISO text with microseconds, numerics floats (the
    column's NUMERIC affinity): exactly what the typed Core path binds, which the tests
    check by comparing both paths row for row.
    """
    kind = column.type
    if isinstance(kind, sqlalchemy.DateTime):
        return lambda v: v.isoformat(" ", "microseconds")
    if isinstance(kind, sqlalchemy.Date):
        return date.isoformat
    if isinstance(kind, sqlalchemy.Numeric):
        return float
    return None


def _insert_sqlite(conn: sqlalchemy.Connection, table: sqlalchemy.Table, data: list[Row]) -> None:
    """Bulk insert through the driver with values pre-bound as the typed path would.

    Core's per-row parameter processing costs about as much as SQLite's own work; on a
    100,000-claim seed it is the difference between meeting the time budget and not.
    """
    compiled = table.insert().compile(dialect=conn.dialect)
    if list(compiled.positiontup or ()) != [c.name for c in table.columns]:
        raise GeneratorError(f"unexpected parameter order for {table.name}")
    converters = [(i, f) for i, c in enumerate(table.columns) if (f := _sqlite_value(c)) is not None]
    sql = str(compiled)
    for start in range(0, len(data), _INSERT_CHUNK):
        chunk = data[start : start + _INSERT_CHUNK]
        if converters:
            converted = []
            for row in chunk:
                values = list(row)
                for i, convert in converters:
                    if values[i] is not None:
                        values[i] = convert(values[i])
                converted.append(tuple(values))
            chunk = converted
        conn.exec_driver_sql(sql, chunk)


def _copy_postgres(conn: sqlalchemy.Connection, table: sqlalchemy.Table, data: list[Row]) -> None:
    """Load rows with PostgreSQL ``COPY`` on the connection's own psycopg transaction.

    psycopg adapts dates, timestamps and decimals itself, so values go in as they are;
    COPY is several times faster than batched INSERT statements for a large seed.
    """
    names = [c.name for c in table.columns]
    statement = pg_sql.SQL("COPY {} ({}) FROM STDIN").format(
        pg_sql.Identifier(table.name), pg_sql.SQL(", ").join(map(pg_sql.Identifier, names))
    )
    with conn.connection.dbapi_connection.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[union-attr]
        for row in data:
            copy.write_row(row)


def _insert(
    engine: sqlalchemy.Engine,
    rows: Mapping[str, list[Row] | Callable[[], list[Row]]],
    *,
    fast: bool = True,
    before_commit: Callable[[], object] | None = None,
) -> None:
    """Bulk-insert every table, parents first, in one transaction (all or nothing).

    A table's rows may be a callable, called when the table's turn comes (the notes,
    produced in the background meanwhile). With ``fast`` (the default), SQLite goes
    through the driver (``_insert_sqlite``) and PostgreSQL with psycopg through ``COPY``;
    otherwise, and for any other database, rows go through Core bulk inserts. Both
    paths store the same values (tested). ``before_commit`` runs last inside the
    transaction: if it raises, nothing is kept.
    """
    with engine.begin() as conn:
        dialect = conn.dialect
        for table in _INSERT_ORDER:
            pending = rows[table.name]
            data = pending() if callable(pending) else pending
            if not data:
                continue
            if fast and dialect.name == "sqlite":
                _insert_sqlite(conn, table, data)
            elif fast and dialect.name == "postgresql" and dialect.driver == "psycopg":
                _copy_postgres(conn, table, data)
            else:
                names = [c.name for c in table.columns]
                for start in range(0, len(data), _INSERT_CHUNK):
                    chunk = [
                        dict(zip(names, row, strict=True)) for row in data[start : start + _INSERT_CHUNK]
                    ]
                    conn.execute(table.insert(), chunk)
        if before_commit is not None:
            before_commit()


class _Background:
    """Writes the notes and runs the independent check, in a forked process where possible.

    Notes and the check each take a large share of a big seed and neither is needed
    until the parent has inserted everything else, so a child process (forked: it reads
    the parent's claims and rows without copying them through a pipe) writes the notes,
    sends them, then checks every claim and sends the backlog's truth. The parent commits
    only after the child reports agreement. Without ``fork``, or with one CPU, both
    simply run in process, in the same order, with the same result.
    """

    def __init__(self, factory: _Factory, claims: Sequence[_Claim], rows: Rows) -> None:
        self._notes: list[Row] | None = None
        self._truth: list[Truth] | None = None
        self._process: multiprocessing.process.BaseProcess | None = None
        self._pipe: Connection | None = None
        if "fork" not in multiprocessing.get_all_start_methods() or (os.cpu_count() or 1) < 2:
            self._notes = _note_rows(factory, claims)
            self._truth = _verify(rows, claims)
            return
        context = multiprocessing.get_context("fork")
        receiver, sender = context.Pipe(duplex=False)
        self._process = context.Process(
            target=_background_child, args=(factory, claims, rows, sender), daemon=True
        )
        self._process.start()
        sender.close()
        self._pipe = receiver

    def _receive(self, expected: str) -> Any:
        assert self._pipe is not None
        try:
            status, payload = self._pipe.recv()
        except EOFError:
            status, payload = "error", "the background process exited without a result"
        if status != expected:
            raise GeneratorError(str(payload))
        return payload

    def notes(self) -> list[Row]:
        """The clinical note rows of every claim."""
        if self._notes is None:
            self._notes = self._receive("notes")
        return self._notes

    def truth(self) -> list[Truth]:
        """The backlog's truth once the check has passed; raises ``GeneratorError`` if not."""
        if self._truth is None:
            self.notes()
            self._truth = [Truth(*fields) for fields in self._receive("truth")]
            assert self._process is not None
            self._process.join()
        return self._truth

    def close(self) -> None:
        """Stop the child if the parent gave up before reading its verdict."""
        if self._process is not None and self._process.is_alive():
            self._process.terminate()
            self._process.join()
        if self._pipe is not None:
            self._pipe.close()


def _background_child(factory: _Factory, claims: Sequence[_Claim], rows: Rows, pipe: Connection) -> None:
    """Child side of ``_Background``: send the notes, then the truth, or the failure."""
    try:
        pipe.send(("notes", _note_rows(factory, claims)))
        truth = _verify(rows, claims)
        pipe.send(("truth", [(t.claim_id, t.outcome, t.carc, t.allowed, t.paid) for t in truth]))
    except Exception as exc:  # every failure must reach the parent, which raises it
        pipe.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        pipe.close()


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while millions of acyclic rows are built.

    Each full collection walks every live object; with a large seed they would run
    again and again over the growing row lists and dominate the run time.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def seed(
    engine: sqlalchemy.Engine,
    *,
    claims: int,
    seed: int,
    truth_path: Path | None = None,
    history: int | None = None,
) -> SeedReport:
    """Fill the empty system of record behind ``engine`` from ``seed``.

    Inserts ``claims`` backlog claims (status ``received``) and ``history`` decided
    claims (default ``max(1500, claims)``), then writes the backlog's truth to
    ``truth_path`` as JSON lines ordered by ``claim_id``. The schema must exist and be
    empty. Raises ``GeneratorError`` if the independent check disagrees with the
    construction (nothing is inserted then).
    """
    if claims < 0 or (history is not None and history < 0):
        raise ValueError("claims and history must not be negative")
    started = time.perf_counter()
    _check_layout()
    history_count = max(1500, claims) if history is None else history
    with _collector_paused():
        world = _World(seed, claims + history_count)
        factory = _Factory(world, seed)
        past = factory.build_phase("history", history_count)
        backlog = factory.build_phase("backlog", claims)
        everything = [*past, *backlog]
        rows = _rows(world, factory, everything, seed)
        background = _Background(factory, everything, rows)
        try:
            _insert(engine, {**rows, "clinical_notes": background.notes}, before_commit=background.truth)
        finally:
            background.close()
        truth = background.truth()
    if truth_path is not None:
        truth_path.write_text("".join(t.as_json() + "\n" for t in truth), encoding="utf-8")
    counts = dict.fromkeys(("approve", "deny", "review"), 0)
    for t in truth:
        counts[t.outcome] += 1
    return SeedReport(
        backlog_claims=len(backlog),
        history_claims=len(past),
        truth_path=truth_path,
        seconds=round(time.perf_counter() - started, 3),
        outcome_counts=counts,
    )
