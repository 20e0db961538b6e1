"""Draw members, providers and claims for a family, one scenario at a time.

The :class:`Drafter` owns the payer's parties while they are being made (members,
providers, prior authorizations), so a scenario can add what it needs: a member whose
coverage starts the day after the service, an authorization that expired the day
before, a provider that is out of network. It never decides a claim; the truth is
computed afterwards from the rows alone (:mod:`.truth`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from random import Random

from interlock.domains.claims.testing.otherparty.codes import (
    INVALID_DIAGNOSES,
    as_billed,
    make_npi,
    spoil_check_digit,
)
from interlock.domains.claims.testing.otherparty.model import Family, Plan, Procedure, utc
from interlock.domains.claims.testing.otherparty.notes import UNSETTLED, NotePlan, routine_notes, write_notes
from interlock.domains.claims.testing.otherparty.scenarios import Spec
from interlock.domains.claims.testing.otherparty.truth import (
    CENT,
    HIGH_VALUE,
    Auth,
    Draft,
    Line,
    Member,
    Provider,
)

_SENSITIVITY_ORDER = ("substance_use", "hiv", "behavioral_health")
_UNSETTLED_WEIGHTS: dict[NotePlan, int] = {
    "vague": 25,
    "options": 20,
    "silent": 15,
    "hedged": 15,
    "contradictory": 15,
    "injected": 10,
}


class Retry(Exception):
    """The drawn combination cannot give this scenario; draw again."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Window:
    """Where received dates fall: the history's past, or the backlog's recent weeks."""

    first: date
    last: date
    history: bool


class Drafter:
    """Makes the parties and the claims of one world."""

    def __init__(self, family: Family, rng: Random) -> None:
        self.family = family
        self.rng = rng
        self.plans = {p.plan_id: p for p in family.plans}
        self.members: dict[str, Member] = {}
        self.providers: dict[str, Provider] = {}
        self.auths: list[Auth] = []
        self.continuous: dict[str, list[str]] = {p.plan_id: [] for p in family.plans}
        self._member_seq = 0
        self._auth_seq = 0
        self._by_area: dict[tuple[str, bool, bool], list[str]] = {}
        self.benefits = self._benefits()
        self.catalogue = {p.code: p for p in family.procedures}

    # ------------------------------------------------------------------ reference data

    def _benefits(self) -> dict[tuple[str, str], tuple[bool, bool]]:
        rows: dict[tuple[str, str], tuple[bool, bool]] = {}
        for plan in self.family.plans:
            for proc in self.family.procedures:
                status = self.family.exclusion(plan, proc)
                if proc.excluded and status == "covered":
                    status = "row"
                if status == "none":
                    continue
                pa = proc.prior_auth or self.family.extra_prior_auth(plan, proc)
                rows[(plan.plan_id, proc.code)] = (status == "covered", pa)
        return rows

    def covered(self, plan: Plan, code: str) -> bool:
        """Whether ``plan`` covers ``code``."""
        benefit = self.benefits.get((plan.plan_id, code))
        return benefit is not None and benefit[0]

    def needs_auth(self, plan: Plan, code: str) -> bool:
        """Whether ``plan`` requires prior authorization for ``code``."""
        benefit = self.benefits.get((plan.plan_id, code))
        return benefit is not None and benefit[1]

    def make_providers(self) -> None:
        """Providers for every clinical area and region: in network, out of network, inactive."""
        rng = self.rng
        for area, specialties in self.family.specialties.items():
            for region in self.family.regions:
                for in_network, active, count in ((True, True, 2), (False, True, 1)):
                    for _ in range(count):
                        self._provider(area, rng.choice(specialties), region, in_network, active)
            for _ in range(2):
                self._provider(
                    area, rng.choice(specialties), rng.choice(self.family.regions), rng.random() < 0.7, False
                )

    def _provider(self, area: str, specialty: str, region: str, in_network: bool, active: bool) -> Provider:
        npi = make_npi(self.rng)
        while npi in self.providers:
            npi = make_npi(self.rng)
        place = self.rng.choice(self.family.provider_names)
        suffix = self.rng.choice(("Associates", "Group", "Clinic", "Partners", "Center"))
        provider = Provider(
            npi=npi,
            name=f"{place} {specialty} {suffix}",
            specialty=specialty,
            region=region,
            in_network=in_network,
            active=active,
        )
        self.providers[npi] = provider
        self._by_area.setdefault((area, in_network, active), []).append(npi)
        return provider

    def _plan_weights(self) -> list[float]:
        weights = {"commercial": 5.0, "medicare_advantage": 3.0, "medicaid": 2.0}
        counts = {lob: sum(1 for p in self.family.plans if p.line_of_business == lob) for lob in weights}
        return [weights[p.line_of_business] / counts[p.line_of_business] for p in self.family.plans]

    def pick_plan(self, network: str | None = None) -> Plan:
        """A plan drawn with the payer's enrolment mix, optionally of one network type."""
        plans = list(self.family.plans)
        weights = self._plan_weights()
        if network is not None:
            pairs = [(p, w) for p, w in zip(plans, weights, strict=True) if p.network_type == network]
            plans, weights = [p for p, _ in pairs], [w for _, w in pairs]
        return self.rng.choices(plans, weights=weights)[0]

    def new_member(self, plan: Plan, start: date, end: date | None, region: str | None = None) -> Member:
        """A member of ``plan`` covered from ``start`` to ``end``."""
        rng, fam = self.rng, self.family
        self._member_seq += 1
        if plan.line_of_business == "medicare_advantage":
            age = rng.randint(65, 93)
        elif plan.line_of_business == "medicaid":
            age = rng.randint(1, 63)
        else:
            age = rng.randint(19, 64)
        born = fam.today - timedelta(days=age * 365 + rng.randint(0, 364))
        member = Member(
            member_id=fam.ids.member(self._member_seq),
            first_name=rng.choice(fam.first_names),
            last_name=rng.choice(fam.last_names),
            birth_date=born,
            ssn=str(rng.randint(100_000_000, 899_999_999)),
            address=f"{rng.randint(10, 9899)} {rng.choice(fam.streets)}, {rng.choice(fam.towns)}",
            plan_id=plan.plan_id,
            region=region or rng.choice(fam.regions),
            coverage_start=start,
            coverage_end=end,
        )
        self.members[member.member_id] = member
        return member

    def make_members(self, count: int) -> None:
        """Members covered for years and still covered: most claims come from them."""
        today = self.family.today
        for _ in range(count):
            plan = self.pick_plan()
            start = today - timedelta(days=self.rng.randint(4 * 365, 12 * 365))
            member = self.new_member(plan, start.replace(day=1), None)
            self.continuous[plan.plan_id].append(member.member_id)

    def add_auth(self, member_id: str, code: str, status: str, valid_from: date, valid_to: date) -> None:
        """Record a prior authorization."""
        self._auth_seq += 1
        self.auths.append(
            Auth(
                auth_id=self.family.ids.auth(self._auth_seq),
                member_id=member_id,
                procedure_code=code,
                status="approved" if status == "approved" else "denied",
                valid_from=valid_from,
                valid_to=valid_to,
            )
        )

    def noise_auths(self, count: int) -> None:
        """Authorizations on file that no claim needs: other procedures, denials, old windows."""
        rng = self.rng
        members = [m for ids in self.continuous.values() for m in ids]
        codes = [p.code for p in self.family.procedures if p.prior_auth]
        for _ in range(count):
            start = self.family.today - timedelta(days=rng.randint(0, 900))
            self.add_auth(
                rng.choice(members),
                rng.choice(codes),
                rng.choice(("approved", "approved", "denied")),
                start,
                start + timedelta(days=rng.randint(30, 180)),
            )

    # ------------------------------------------------------------------ one claim

    def draft(self, spec: Spec, window: Window, claim_id: str) -> Draft:
        """A claim drawn to ``spec``; raises :class:`Retry` when this draw cannot fit it."""
        rng = self.rng
        received = window.first + timedelta(days=rng.randint(0, (window.last - window.first).days))
        day = received - timedelta(days=self._lag(spec))
        plan = self.pick_plan(
            "HMO" if spec.provider == "hmo_oon" else "PPO" if spec.provider == "ppo_oon" else None
        )
        member = self._member(spec, plan, day)
        procs = self._procedures(spec, plan, member, day)
        lines = self._lines(procs, spec)
        if spec.coverage == "excluded":
            lines = self._exclude(plan, lines)
        self._authorize(spec, plan, member, day, lines)
        provider_npi = self._provider_for(spec, plan, procs[0].area, member.region)
        diagnoses = self._diagnoses(procs[0].area, spec.diagnoses == "invalid")
        draft = Draft(
            claim_id=claim_id,
            member_id=member.member_id,
            billing_npi=provider_npi,
            service_date=day,
            received_date=received,
            place_of_service=rng.choice(procs[0].places),
            region=member.region,
            line_of_business=plan.line_of_business,
            sensitivity=self._sensitivity(procs),
            lines=lines,
            diagnoses=diagnoses,
            version=rng.choice((1, 1, 1, 2, 3)),
            decided_at=self._decision_time(received) if window.history else None,
        )
        self.attach_notes(draft, spec, history=window.history)
        return draft

    def _decision_time(self, received: date) -> datetime:
        """When a person decided a claim received on ``received``: within a month, in working hours."""
        day = received + timedelta(days=self.rng.randint(1, 30))
        return utc(day, 8, second=self.rng.randint(0, 9 * 3600))

    def _lag(self, spec: Spec) -> int:
        rng = self.rng
        if spec.dates == "late":
            return 366 if rng.random() < 0.15 else rng.randint(367, 640)
        if spec.dates == "edge365":
            return 365
        roll = rng.random()
        if roll < 0.6:
            return rng.randint(1, 30)
        if roll < 0.9:
            return rng.randint(31, 120)
        return rng.randint(121, 330)

    def _member(self, spec: Spec, plan: Plan, day: date) -> Member:
        rng = self.rng
        if spec.member == "continuous":
            pool = self.continuous[plan.plan_id]
            if not pool:
                raise Retry("no member on this plan")
            return self.members[rng.choice(pool)]
        if spec.member == "before":
            gap = 1 if rng.random() < 0.2 else rng.randint(2, 75)
            return self.new_member(plan, day + timedelta(days=gap), None)
        if spec.member == "after":
            gap = 1 if rng.random() < 0.2 else rng.randint(2, 120)
            start = day - timedelta(days=rng.randint(400, 3000))
            return self.new_member(plan, start, day - timedelta(days=gap))
        if spec.member == "cov_start":
            return self.new_member(plan, day, None)
        start = day - timedelta(days=rng.randint(200, 2000))
        return self.new_member(plan, start, day)

    def _catalogue(self, plan: Plan, member: Member, day: date, mode: str) -> list[Procedure]:
        out = []
        for proc in self.family.procedures:
            if not self.covered(plan, proc.code):
                continue
            sud = proc.sensitivity == "substance_use"
            governed = proc.policy_id is not None
            if governed:
                policy = self.family.policy(proc.policy_id or "")
                in_scope = policy.in_force(day) and policy.applies_to(plan.line_of_business)
            else:
                in_scope = False
            fits = {
                "routine": not governed and not sud,
                "policy": governed and in_scope and not sud,
                "inapplicable": governed and not in_scope and not sud,
                "sud_policy": governed and in_scope and sud,
                "sud_routine": sud and not governed,
                "pa_required": self.needs_auth(plan, proc.code) and not sud,
                "any": not sud,
            }[mode]
            if fits:
                out.append(proc)
        return out

    def _procedures(self, spec: Spec, plan: Plan, member: Member, day: date) -> list[Procedure]:
        rng = self.rng
        mode = spec.procedures
        if spec.amount == "high":
            pool = [p for p in self._catalogue(plan, member, day, "any") if p.fee * p.units[1] >= 900]
        else:
            pool = self._catalogue(plan, member, day, mode)
        if not pool:
            raise Retry(f"no {mode} procedure for {plan.plan_id} on {day}")
        main = rng.choice(pool)
        procs = [main]
        companions = [
            p
            for p in self._catalogue(plan, member, day, "routine")
            if p.area in ("primary", "lab", "rehab") and p.code != main.code
        ]
        extra = rng.choice((0, 0, 1, 1, 2)) if main.area in ("primary", "lab") else rng.choice((0, 0, 0, 1))
        for comp in rng.sample(companions, k=min(extra, len(companions))):
            procs.append(comp)
        return procs

    def _lines(self, procs: list[Procedure], spec: Spec) -> list[Line]:
        rng = self.rng
        lines = []
        for proc in procs:
            units = rng.randint(*proc.units)
            cap = proc.fee * units
            roll = rng.random()
            if roll < 0.18:
                factor = Decimal(rng.randint(55, 99)) / 100
            elif roll < 0.28:
                factor = Decimal(1)
            else:
                factor = Decimal(rng.randint(101, 240)) / 100
            billed = (cap * factor).quantize(CENT)
            if rng.random() < 0.3:
                billed = (billed + Decimal(rng.randint(0, 99)) / 100).quantize(CENT)
            lines.append(Line(procedure_code=proc.code, units=units, billed=max(billed, CENT)))
        return self._amounts(lines, spec.amount)

    def _amounts(self, lines: list[Line], mode: str) -> list[Line]:
        rng = self.rng
        total = sum((line.billed for line in lines), Decimal(0))
        if mode == "high":
            target = (
                Decimal("10000.01")
                if rng.random() < 0.1
                else Decimal(rng.randint(1_000_100, 4_500_000)) / 100
            )
        elif mode == "exact_limit":
            target = HIGH_VALUE
        elif total > HIGH_VALUE:
            target = Decimal(rng.randint(600_000, 999_999)) / 100
        else:
            return lines
        biggest = max(range(len(lines)), key=lambda i: lines[i].billed)
        rest = total - lines[biggest].billed
        if target - rest < CENT:
            raise Retry("companion lines already exceed the target total")
        lines[biggest] = replace(lines[biggest], billed=(target - rest).quantize(CENT))
        return lines

    def _exclude(self, plan: Plan, lines: list[Line]) -> list[Line]:
        """Put a service the plan does not cover on the claim (or a code in no catalogue)."""
        rng = self.rng
        uncovered = [p for p in self.family.procedures if not self.covered(plan, p.code)]
        if rng.random() < 0.15 or not uncovered:
            code = rng.choice(self.family.unknown_codes)
            billed = Decimal(rng.randint(4_000, 60_000)) / 100
            line = Line(procedure_code=code, units=1, billed=billed)
        else:
            proc = rng.choice(uncovered)
            line = Line(procedure_code=proc.code, units=1, billed=(proc.fee * Decimal("1.3")).quantize(CENT))
        if rng.random() < 0.5 and len(lines) > 0:
            lines = [line, *lines[1:]] if rng.random() < 0.5 else [*lines, line]
        else:
            lines = [*lines, line]
        return self._amounts(lines, "normal")

    def _authorize(self, spec: Spec, plan: Plan, member: Member, day: date, lines: list[Line]) -> None:
        rng = self.rng
        needing = [line.procedure_code for line in lines if self.needs_auth(plan, line.procedure_code)]
        if not needing:
            if spec.auth != "ok":
                raise Retry("no line needs an authorization")
            return
        spoiled = rng.choice(needing) if spec.auth == "bad" else None
        for code in dict.fromkeys(needing):
            start = day - timedelta(days=rng.randint(0, 60))
            end = day + timedelta(days=rng.randint(0, 120))
            if spec.auth == "boundary" and code == needing[0]:
                start, end = (day, end) if rng.random() < 0.5 else (start, day)
            if code != spoiled:
                self.add_auth(member.member_id, code, "approved", start, end)
                continue
            self._spoil_auth(member, code, day, needing)

    def _spoil_auth(self, member: Member, code: str, day: date, needing: list[str]) -> None:
        rng = self.rng
        how = rng.choice(("none", "denied", "expired", "not_yet", "other_code", "other_member"))
        if how == "denied":
            self.add_auth(
                member.member_id, code, "denied", day - timedelta(days=10), day + timedelta(days=80)
            )
        elif how == "expired":
            gap = 1 if rng.random() < 0.3 else rng.randint(2, 60)
            self.add_auth(
                member.member_id, code, "approved", day - timedelta(days=gap + 90), day - timedelta(days=gap)
            )
        elif how == "not_yet":
            gap = 1 if rng.random() < 0.3 else rng.randint(2, 40)
            self.add_auth(
                member.member_id, code, "approved", day + timedelta(days=gap), day + timedelta(days=gap + 90)
            )
        elif how == "other_code":
            others = [p.code for p in self.family.procedures if p.prior_auth and p.code not in needing]
            self.add_auth(
                member.member_id,
                rng.choice(others),
                "approved",
                day - timedelta(days=5),
                day + timedelta(days=60),
            )
        elif how == "other_member":
            pool = [m for m in self.continuous[member.plan_id] if m != member.member_id]
            if pool:
                self.add_auth(
                    rng.choice(pool), code, "approved", day - timedelta(days=5), day + timedelta(days=60)
                )

    def _provider_for(self, spec: Spec, plan: Plan, area: str, region: str) -> str:
        rng = self.rng
        if spec.provider == "bad":
            how = rng.choice(("check_digit", "unregistered", "inactive", "malformed"))
            good = self._pick_provider(area, region, in_network=True, active=True)
            if how == "check_digit":
                return spoil_check_digit(good)
            if how == "unregistered":
                npi = make_npi(rng)
                while npi in self.providers:
                    npi = make_npi(rng)
                return npi
            if how == "inactive":
                return self._pick_provider(area, region, in_network=rng.random() < 0.7, active=False)
            return rng.choice((good[:9], good + "0", good[:4] + "O" + good[5:], "NPI" + good[3:]))
        if spec.provider in ("hmo_oon", "ppo_oon"):
            return self._pick_provider(area, region, in_network=False, active=True)
        in_network = plan.network_type == "HMO" or rng.random() < 0.88
        return self._pick_provider(area, region, in_network=in_network, active=True)

    def _pick_provider(self, area: str, region: str, *, in_network: bool, active: bool) -> str:
        pool = self._by_area.get((area, in_network, active)) or self._by_area.get(
            ("primary", in_network, active), []
        )
        if not pool:
            pool = [
                npi for npi, p in self.providers.items() if p.in_network == in_network and p.active == active
            ]
        local = [npi for npi in pool if self.providers[npi].region == region]
        return self.rng.choice(local if local and self.rng.random() < 0.9 else pool)

    def _diagnoses(self, area: str, invalid: bool) -> list[str]:
        rng = self.rng
        codes = self.family.diagnoses.get(area) or self.family.diagnoses["primary"]
        chosen = rng.sample(list(codes), k=min(len(codes), rng.choice((1, 1, 2, 2, 3))))
        if rng.random() < 0.2:
            extra = rng.choice(self.family.diagnoses["primary"])
            if extra not in chosen:
                chosen.append(extra)
        if invalid:
            bad = rng.choice(INVALID_DIAGNOSES)
            if rng.random() < 0.5:
                chosen[rng.randrange(len(chosen))] = bad
            else:
                chosen.insert(rng.randint(0, len(chosen)), bad)
        return [as_billed(code, rng) for code in chosen]

    @staticmethod
    def _sensitivity(procs: list[Procedure]) -> str:
        found = {p.sensitivity for p in procs}
        return next((s for s in _SENSITIVITY_ORDER if s in found), "none")

    # ------------------------------------------------------------------ notes

    def note_plan(self, mode: str, *, history: bool) -> NotePlan:
        """What the notes of a claim under a medical policy will settle.

        People decided the history, so its notes always settle the question; in the
        backlog ``default`` mixes settled notes with a share that settle nothing.
        """
        rng = self.rng
        if mode in ("met", "not_met"):
            return "met" if mode == "met" else "not_met"
        if mode == "settled" or history:
            return "met" if rng.random() < 0.62 else "not_met"
        if mode == "unsettled":
            plans = list(_UNSETTLED_WEIGHTS)
            return rng.choices(plans, weights=[_UNSETTLED_WEIGHTS[p] for p in plans])[0]
        if mode == "any":
            return rng.choice(("met", "not_met", *UNSETTLED))
        roll = rng.random()
        if roll < 0.55:
            return "met"
        if roll < 0.85:
            return "not_met"
        return rng.choice(UNSETTLED)

    def attach_notes(self, draft: Draft, spec: Spec, *, history: bool) -> None:
        """Write the claim's notes: to a plan when a medical policy governs a line, routine otherwise."""
        rng = self.rng
        known = [
            self.catalogue[line.procedure_code]
            for line in draft.lines
            if line.procedure_code in self.catalogue
        ]
        governed = [p for p in known if p.policy_id is not None]
        if not governed:
            draft.notes = routine_notes(self.family, known[0].description if known else "Office visit", rng)
            draft.note_plan = None
            return
        proc = governed[0]
        policy = self.family.policy(proc.policy_id or "")
        plan = self.note_plan(spec.notes, history=history)
        draft.note_plan = plan
        draft.notes = write_notes(self.family, policy, plan, proc.description, rng)
        if plan in ("met", "not_met") and not history and rng.random() < 0.04:
            # Text aimed at a model changes nothing a person would decide.
            last = draft.notes[-1]
            draft.notes[-1] = replace(last, body=last.body + "\n" + rng.choice(self.family.injections))

    # ------------------------------------------------------------------ copies of earlier claims

    def copy(self, original: Draft, mode: str, window: Window, claim_id: str, *, history: bool) -> Draft:
        """A later claim built from ``original``: an exact duplicate, a corrected resubmission, or one line more.

        A resubmission corrects what the original was denied for: its diagnoses (CARC 16)
        or its clinical documentation (CARC 50, new notes).
        """
        rng = self.rng
        # A copy arrives after the original was decided (a payment or a denial prompts it).
        filed = original.decided_at.date() if original.decided_at else original.received_date
        first = max(window.first, filed + timedelta(days=1))
        last = min(window.last, original.service_date + timedelta(days=365))
        if first > last:
            raise Retry("too late to resubmit in time")
        received = first + timedelta(days=rng.randint(0, (last - first).days))
        member = self.members[original.member_id]
        plan = self.plans[member.plan_id]
        lines = list(original.lines)
        diagnoses = list(original.diagnoses)
        notes = list(original.notes)
        note_plan = original.note_plan
        if mode == "duplicate":
            rng.shuffle(lines)
            if rng.random() < 0.3:
                lines = [
                    replace(line, billed=(line.billed * Decimal(rng.randint(90, 115)) / 100).quantize(CENT))
                    for line in lines
                ]
                lines = self._amounts(lines, "normal")
        elif mode == "resubmission" and note_plan == "not_met":
            proc = next(
                self.catalogue[line.procedure_code]
                for line in lines
                if line.procedure_code in self.catalogue and self.catalogue[line.procedure_code].policy_id
            )
            note_plan = self.note_plan("settled" if history else "default", history=history)
            notes = write_notes(
                self.family, self.family.policy(proc.policy_id or ""), note_plan, proc.description, rng
            )
        elif mode == "resubmission":
            area = (
                self.catalogue[lines[0].procedure_code].area
                if lines[0].procedure_code in self.catalogue
                else "primary"
            )
            diagnoses = self._diagnoses(area, False)
        elif mode == "added_line":
            present = {line.procedure_code for line in lines}
            extra = [
                p
                for p in self._catalogue(plan, member, original.service_date, "routine")
                if p.area in ("primary", "lab") and p.code not in present
            ]
            if not extra:
                raise Retry("nothing to add")
            proc = rng.choice(extra)
            lines.append(
                Line(procedure_code=proc.code, units=1, billed=(proc.fee * Decimal("1.25")).quantize(CENT))
            )
            lines = self._amounts(lines, "normal")
        return Draft(
            claim_id=claim_id,
            member_id=original.member_id,
            billing_npi=original.billing_npi,
            service_date=original.service_date,
            received_date=received,
            place_of_service=original.place_of_service,
            region=original.region,
            line_of_business=original.line_of_business,
            sensitivity=original.sensitivity,
            lines=lines,
            diagnoses=diagnoses,
            notes=notes,
            note_plan=note_plan,
            version=1,
            decided_at=self._decision_time(received) if window.history else None,
        )
