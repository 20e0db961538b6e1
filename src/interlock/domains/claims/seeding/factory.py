"""The claim factory: builds every claim of a phase scenario by scenario.

Claims are drawn one at a time from the seed's claims stream, in an order fixed by the
seed, so the factory also keeps what crosses claims: rule 3 keys already used, the
history claims a duplicate or a resubmission may copy, and (through the
``AuthorizationLedger``) the authorization windows later claims must respect.
"""

from __future__ import annotations

from bisect import bisect
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from interlock.domains.claims.seeding import bundles, diagnoses, notes, plans, policies
from interlock.domains.claims.seeding.authorizations import AuthorizationLedger
from interlock.domains.claims.seeding.basics import (
    HIGH_VALUE_LIMIT,
    TODAY,
    ZERO,
    GeneratorError,
    Phase,
    RedrawError,
    Rng,
    pick,
)
from interlock.domains.claims.seeding.bundles import Bundle
from interlock.domains.claims.seeding.claim import (
    Claim,
    billed_lines,
    billing_npi,
    dates,
    outcome,
    policy_window,
    received_date,
)
from interlock.domains.claims.seeding.documentation import attach_necessity
from interlock.domains.claims.seeding.parties import Member, World
from interlock.domains.claims.seeding.plans import PLAN_BY_ID, PlanSpec
from interlock.domains.claims.seeding.scenarios import (
    FALLBACK,
    KINDS,
    ScenarioSpecs,
    Spec,
    allocate,
    expected,
    intended_carc,
)


def _plan_weights(plan_ids: Sequence[str]) -> list[int]:
    acc, out = 0, []
    for pid in plan_ids:
        acc += plans.PLAN_BY_ID[pid].member_weight
        out.append(acc)
    return out


class Factory:
    """Builds claims scenario by scenario, keeping the cross-claim invariants.

    Two claims only share a rule 3 key when a scenario means it (a duplicate or a
    resubmission), and an approved prior authorization never covers a claim that was
    built to lack one: both are checked here at construction and again by ``truth.Checker``.
    """

    def __init__(self, world: World, seed: int) -> None:
        self.world = world
        self.rng = Rng(f"{seed}/claims")
        self.note_rng = Rng(f"{seed}/notes")
        self.benefits = plans.benefits()
        self.authorizations = AuthorizationLedger(self.benefits)
        self.dx_pools = diagnoses.verified_code_pools()
        self.secondary = diagnoses.secondary_diagnoses()
        self.covered_plans: dict[str, list[str]] = {}
        for bundle in self._all_bundles():
            self.covered_plans[bundle.name] = [
                p.plan_id
                for p in plans.PLANS
                if all(self.benefits.get((p.plan_id, c), (0, 0))[0] == 1 for c in bundle.codes)
            ]
        self.clean_cum = self._cum(bundles.CLEAN_BUNDLES)
        self.keys: dict[tuple[str, str, date, tuple[str, ...]], Claim] = {}
        self.dup_sources: list[Claim] = []
        self.resubmit_sources: list[Claim] = []
        self.used_sources: set[int] = set()
        self.specs = ScenarioSpecs(self.rng)
        self.plan_cum: dict[tuple[Any, ...], tuple[tuple[str, ...], list[int]]] = {}

    @staticmethod
    def _all_bundles() -> list[Bundle]:
        return [
            *bundles.CLEAN_BUNDLES,
            *(b for g in bundles.SENSITIVE_BUNDLES.values() for b in g),
            *bundles.HIGH_VALUE_BUNDLES,
            bundles.KNEE_REPLACEMENT_ONLY,
            bundles.HIGH_VALUE_POLICY_BUNDLE,
            *(b for g in bundles.POLICY_BUNDLES.values() for b in g),
        ]

    @staticmethod
    def _cum(group: Sequence[Bundle]) -> list[float]:
        acc, out = 0.0, []
        for b in group:
            acc += b.weight
            out.append(acc)
        return out

    # -- phase drivers ------------------------------------------------------------------

    def build_phase(self, phase: Phase, count: int) -> list[Claim]:
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

    def _make(self, kind: str, phase: Phase) -> Claim:
        """One claim of scenario ``kind``, redrawn until the draw satisfies the scenario."""
        for _ in range(200):
            try:
                claim = self._dispatch(kind, phase)
            except RedrawError:
                continue
            if claim.intended != expected(kind, phase, claim.intended):
                raise GeneratorError(f"{kind} built as {claim.intended}")
            self._commit(claim)
            return claim
        if kind in FALLBACK:
            # Too few source claims (a short history): build a like scenario instead.
            return self._make(FALLBACK[kind], phase)
        raise GeneratorError(f"could not build a claim of kind {kind} in {phase}")

    def _dispatch(self, kind: str, phase: Phase) -> Claim:
        if kind in ("r3_dup", "d_29_18", "h_dup"):
            return self._duplicate(kind, phase)
        if kind == "clean_resubmit":
            return self._resubmission(phase)
        return self._build(kind, phase, self.specs.spec(kind, phase))

    def _build(self, kind: str, phase: Phase, spec: Spec) -> Claim:
        """Draw a claim meeting ``spec``: plan, member, dates, provider, lines, codes, auths."""
        rng = self.rng
        template, area, specialty, plan_ids, fail_code = self._lines_template(spec)
        policy = policies.POLICY_BY_ID[spec.policy_id] if spec.policy_id else None
        allowed, cum = self._plans(tuple(plan_ids), spec)
        plan = plans.PLAN_BY_ID[allowed[bisect(cum, rng.random() * cum[-1])]]
        member = self._member(plan, spec.elig)
        window = policy_window(policy, spec.policy_mode)
        service, received = dates(rng, member, phase, spec.elig, spec.lag, window)
        npi = billing_npi(rng, self.world, spec.provider, specialty, plan)
        lines = billed_lines(rng, template, spec.billing, plan)
        dx = diagnoses.draw(rng, self.dx_pools, self.secondary, area, spec.dx)
        sensitivity = _SENSITIVITY_OF_AREA.get(area, "none")
        claim = Claim(
            kind=kind,
            phase=phase,
            member=member,
            npi=npi,
            service=service,
            received=received,
            pos=pick(rng, bundles.AREA_PLACES.get(area, ("11",))),
            area=area,
            specialty=specialty,
            lines=lines,
            dx=dx,
            sensitivity=sensitivity,
            intended=("approve", None),
            policy_id=None,
            necessity=None,
            polarities={},
            total=sum((b for _, _, b in lines), ZERO),
        )
        if spec.billing not in ("hv", "hv_edge") and claim.total > HIGH_VALUE_LIMIT:
            raise RedrawError
        claim.dup_key = claim.key()
        if claim.dup_key in self.keys:
            raise RedrawError
        claim.auths = self.authorizations.draw(rng, claim, plan, spec.pa, fail_code)
        carc = intended_carc(spec, plan)
        attach_necessity(rng, claim, spec)
        claim.intended = outcome(claim, carc)
        return claim

    def _plans(self, candidates: tuple[str, ...], spec: Spec) -> tuple[tuple[str, ...], list[int]]:
        """Plans the scenario may use, with cumulative member weights (cached)."""
        cache_key = (candidates, spec.policy_id, spec.policy_mode, spec.network, spec.billing == "tie")
        found = self.plan_cum.get(cache_key)
        if found is not None:
            return found
        plans = [PLAN_BY_ID[p] for p in candidates]
        policy = policies.POLICY_BY_ID[spec.policy_id] if spec.policy_id else None
        if policy is not None and policy.line_of_business is not None:
            same = spec.policy_mode != "lob"
            plans = [p for p in plans if (p.line_of_business == policy.line_of_business) == same]
        if spec.network is not None:
            plans = [p for p in plans if p.network_type == spec.network]
        if spec.billing == "tie":
            # 0 % and 20 % coinsurance never leave half a cent.
            plans = [p for p in plans if p.coinsurance_pct not in (0, 20)]
        if not plans:
            raise RedrawError
        found = self.plan_cum[cache_key] = (
            tuple(p.plan_id for p in plans),
            _plan_weights([p.plan_id for p in plans]),
        )
        return found

    def _lines_template(
        self, spec: Spec
    ) -> tuple[list[tuple[str, int, int]], str, str, list[str], str | None]:
        """Lines to bill, clinical area, specialty, candidate plans, the line meant to fail."""
        rng = self.rng
        if spec.coverage != "ok" or spec.pa != "ok":
            pairs = plans.not_covered_pairs() if spec.coverage == "not_covered" else None
            if spec.coverage == "no_row":
                pairs = plans.no_row_pairs()
            if pairs is None:
                pairs = plans.prior_auth_pairs()
                if spec.pa_codes is not None:
                    pairs = tuple(p for p in pairs if p[1] in spec.pa_codes)
            if spec.network is not None:
                pairs = tuple(p for p in pairs if plans.PLAN_BY_ID[p[0]].network_type == spec.network)
            plan_id, code = pick(rng, pairs)
            area, specialty = bundles.AREA_OF_CODE.get(code, ("general", bundles.FM))
            template = [(code, 1, 1)]
            fail_code = code if spec.coverage == "ok" else None
            if spec.coverage != "ok" and spec.pa != "ok":
                rpa = [c for p, c in plans.prior_auth_pairs() if p == plan_id and c != code]
                fail_code = pick(rng, rpa)
                template.append((fail_code, 1, 1))
            elif rng.random() < 0.35 and self.benefits.get((plan_id, "99213")) == (1, 0):
                template.insert(0, ("99213", 1, 1))
            return template, area, specialty, [plan_id], fail_code
        bundle = self._bundle(spec)
        return list(bundle.lines), bundle.area, bundle.specialty, self.covered_plans[bundle.name], None

    def _bundle(self, spec: Spec) -> Bundle:
        """The line set of a claim drawn from the scenario's pool."""
        rng = self.rng
        pool = spec.pool
        if pool == "clean" and spec.sensitive_share and rng.random() < spec.sensitive_share:
            pool = pick(rng, ("sensitive:behavioral_health", "sensitive:hiv"))
        if pool == "clean":
            return bundles.CLEAN_BUNDLES[bisect(self.clean_cum, rng.random() * self.clean_cum[-1])]
        if pool.startswith("sensitive:"):
            group = bundles.SENSITIVE_BUNDLES[pool.split(":", 1)[1]]
            return rng.choices(group, weights=[b.weight for b in group])[0]
        if pool == "policy":
            assert spec.policy_id is not None
            group = bundles.POLICY_BUNDLES[spec.policy_id]
            return rng.choices(group, weights=[b.weight for b in group])[0]
        if pool == "hv":
            return rng.choices(
                bundles.HIGH_VALUE_BUNDLES, weights=[b.weight for b in bundles.HIGH_VALUE_BUNDLES]
            )[0]
        if pool == "hv_policy":
            return bundles.HIGH_VALUE_POLICY_BUNDLE
        return bundles.KNEE_REPLACEMENT_ONLY

    def _member(self, plan: PlanSpec, elig: str) -> Member:
        """A member of ``plan`` whose coverage can produce the eligibility case asked for."""
        kind = {"before": "recent", "edge_start": "recent", "after": "ended", "edge_end": "ended"}
        group = self.world.by_plan.get((plan.plan_id, kind.get(elig, "any")))
        if not group:
            raise RedrawError
        member: Member = pick(self.rng, group)
        return member

    # -- scenarios that reuse another claim's key ---------------------------------------

    def _source(self, pool: list[Claim], ok: Callable[[Claim], bool]) -> Claim:
        """An unused history claim satisfying ``ok`` (each source is reused at most once)."""
        rng = self.rng
        if not pool:
            raise RedrawError
        for _ in range(60):
            cand: Claim = pick(rng, pool)
            if id(cand) not in self.used_sources and ok(cand):
                return cand
        for cand in pool:
            if id(cand) not in self.used_sources and ok(cand):
                return cand
        raise RedrawError

    def _copy(self, src: Claim, kind: str, phase: Phase, received: date) -> Claim:
        """A new claim with ``src``'s rule 3 key (member, NPI, date, procedure multiset)."""
        lines = list(src.lines)
        self.rng.shuffle(lines)
        return Claim(
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

    def _duplicate(self, kind: str, phase: Phase) -> Claim:
        """A claim with the rule 3 key of an approved history claim."""
        rng = self.rng
        if kind == "h_dup":
            src = self._source(self.dup_sources, lambda c: c.received < TODAY - timedelta(days=6))
            last = min(TODAY - timedelta(days=5), src.service + timedelta(days=365))
            if last <= src.received:
                raise RedrawError
            received = src.received + timedelta(days=rng.randint(1, min(60, (last - src.received).days)))
            carc = "18"
        else:
            received = received_date(self.rng, phase)
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

    def _resubmission(self, phase: Phase) -> Claim:
        """A corrected resubmission of a history claim denied for its diagnoses (CARC 16)."""
        received = received_date(self.rng, phase)
        limit = received - timedelta(days=365)
        src = self._source(self.resubmit_sources, lambda c: c.service >= limit)
        claim = self._copy(src, "clean_resubmit", phase, received)
        claim.dx = diagnoses.draw(self.rng, self.dx_pools, self.secondary, src.area, "ok")
        self.used_sources.add(id(src))
        return claim

    def _commit(self, claim: Claim) -> None:
        """Record the claim's key and authorizations so later draws respect them."""
        if claim.dup_key is not None:
            self.keys[claim.dup_key] = claim
        self.authorizations.record(claim)
        if claim.phase == "history" and claim.total <= HIGH_VALUE_LIMIT:
            if claim.intended == ("approve", None):
                self.dup_sources.append(claim)
            elif claim.kind in ("r6_invalid", "r6_nonbill") and claim.policy_id is None:
                self.resubmit_sources.append(claim)

    def notes(self, claim: Claim) -> list[tuple[str, datetime, str]]:
        """Clinical notes for ``claim``, drawn from the notes stream of the seed."""
        return notes.claim_notes(
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
