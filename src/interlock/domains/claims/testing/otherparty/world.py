"""Write a whole payer into an empty claims system of record, with the backlog's truth.

:func:`write_payer` is what an outside team does when it checks Interlock: fill the
SPEC.md tables with its own plans, catalogue, medical policies, members, providers,
staff, a history people already decided, and a backlog of received claims; then keep
the correct outcome of every backlog claim in a truth file in the format
:func:`interlock.domains.claims.evaluation.read_truth` reads.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from random import Random

from sqlalchemy import Engine

from interlock.domains.claims.testing.otherparty.cascade import FAMILY as CASCADE
from interlock.domains.claims.testing.otherparty.codes import normalize_diagnosis
from interlock.domains.claims.testing.otherparty.copperline import FAMILY as COPPERLINE
from interlock.domains.claims.testing.otherparty.drafting import Drafter, Retry, Window
from interlock.domains.claims.testing.otherparty.ferrymead import FAMILY as FERRYMEAD
from interlock.domains.claims.testing.otherparty.halyard import FAMILY as HALYARD
from interlock.domains.claims.testing.otherparty.juniper import FAMILY as JUNIPER
from interlock.domains.claims.testing.otherparty.keystone import FAMILY as KEYSTONE
from interlock.domains.claims.testing.otherparty.model import Family
from interlock.domains.claims.testing.otherparty.rows import StaffMember, make_staff, write_rows
from interlock.domains.claims.testing.otherparty.saltmarsh import FAMILY as SALTMARSH
from interlock.domains.claims.testing.otherparty.scenarios import SCENARIOS, Scenario
from interlock.domains.claims.testing.otherparty.tallgrass import FAMILY as TALLGRASS
from interlock.domains.claims.testing.otherparty.truth import Auth, Book, Decision, Draft, decide

FAMILIES: dict[str, Family] = {
    "dev": CASCADE,
    "heldout": KEYSTONE,
    "sealed": TALLGRASS,
    "blind": HALYARD,
    "fresh": JUNIPER,
    "unseen": SALTMARSH,
    "unread": COPPERLINE,
    "unheard": FERRYMEAD,
}

Key = tuple[str, str, date, tuple[str, ...]]
#: Sorts after every decision: the backlog's claims are decided after all of the history.
_NEVER = datetime.max.replace(tzinfo=UTC).replace(tzinfo=None)


@dataclass(frozen=True, slots=True, kw_only=True)
class ClaimLabel:
    """Why a claim is what it is: its scenario, its notes and its correct outcome."""

    claim_id: str
    scenario: str
    note_plan: str | None
    writers: tuple[str, ...]
    sensitivity: str
    outcome: str
    carc: str | None
    rule: int | None
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PayerReport:
    """What :func:`write_payer` wrote."""

    family: str
    seed: int
    backlog: dict[str, ClaimLabel]
    history: dict[str, ClaimLabel]
    seconds: float

    def outcome_counts(self) -> Counter[str]:
        """Backlog truth by outcome."""
        return Counter(label.outcome for label in self.backlog.values())


def write_payer(
    engine: Engine,
    *,
    family: str,
    seed: int,
    claims: int,
    truth_path: Path,
    history: int | None = None,
) -> PayerReport:
    """Fill the empty system of record behind ``engine`` with one family's payer.

    ``claims`` backlog claims arrive ``received``; ``history`` (three times as many by
    default) were decided by staff. The same family and seed always write the same rows.
    """
    started = time.perf_counter()
    fam = FAMILIES[family]
    rng = Random(f"otherparty:{family}:{seed}")
    n_history = history if history is not None else max(200, 3 * claims)
    drafter = Drafter(fam, rng)
    drafter.make_providers()
    drafter.make_members(max(40, (claims + n_history) // 6))

    past = Window(first=fam.today - timedelta(days=700), last=fam.today - timedelta(days=45), history=True)
    recent = Window(first=fam.today - timedelta(days=40), last=fam.today, history=False)

    history_drafts = _history(drafter, past, n_history)
    ordered = sorted(history_drafts, key=lambda d: (d.received_date, d.claim_id))
    for n, draft in enumerate(ordered, start=1):
        draft.claim_id = fam.ids.claim(n)
    _distinct_decision_times(ordered)
    preliminary, approved = _decide_in_order(ordered, _book(drafter))
    backlog = _backlog(drafter, recent, claims, ordered, preliminary, approved, first_id=len(ordered) + 1)
    drafter.noise_auths(max(10, claims // 10))
    # Authorizations added since can only turn a history denial for rule 8 into a pass, so
    # decide everything again on the final rows: the truth follows from what is written.
    book = _book(drafter)
    history_decisions, approved = _decide_in_order(ordered, book)
    truth = {d.claim_id: decide(d, book, frozenset(approved), automatic=True) for d in backlog}

    staff = make_staff(fam, rng)
    write_rows(engine, fam, drafter, ordered, history_decisions, backlog, staff, _decider(staff, rng), rng)
    _write_truth(truth_path, truth)
    return PayerReport(
        family=family,
        seed=seed,
        backlog={d.claim_id: _label(d, truth[d.claim_id]) for d in backlog},
        history={d.claim_id: _label(d, history_decisions[d.claim_id]) for d in ordered},
        seconds=time.perf_counter() - started,
    )


def _pick(rng: Random, scenarios: Sequence[Scenario], weight: Callable[[Scenario], float]) -> Scenario:
    return rng.choices(list(scenarios), weights=[weight(s) for s in scenarios])[0]


def _history(drafter: Drafter, window: Window, count: int) -> list[Draft]:
    """History claims: fresh ones first, then copies of earlier ones (duplicates, resubmissions)."""
    rng = drafter.rng
    fresh = [s for s in SCENARIOS if s.spec.copy == "none" and s.history > 0]
    copies = [s for s in SCENARIOS if s.spec.copy != "none" and s.history > 0]
    copy_share = sum(s.history for s in copies) / sum(s.history for s in SCENARIOS)
    n_copies = round(count * copy_share)
    drafts: list[Draft] = []
    seq = 0
    while len(drafts) < count - n_copies:
        scenario = _pick(rng, fresh, lambda s: s.history)
        seq += 1
        try:
            draft = drafter.draft(scenario.spec, window, f"tmp-{seq:07d}")
        except Retry:
            continue
        draft.scenario = scenario.name
        drafts.append(draft)
    # Copies need to know how the originals were decided.
    decided, _ = _decide_in_order(drafts, _book(drafter))
    originals = {d.claim_id: d for d in drafts}
    added = 0
    tries = 0
    while added < n_copies and tries < n_copies * 20:
        tries += 1
        scenario = _pick(rng, copies, lambda s: s.history)
        candidates = _originals(scenario.spec.copy, originals, decided, window)
        if not candidates:
            continue
        seq += 1
        try:
            draft = drafter.copy(
                rng.choice(candidates), scenario.spec.copy, window, f"tmp-{seq:07d}", history=True
            )
        except Retry:
            continue
        draft.scenario = scenario.name
        drafts.append(draft)
        added += 1
    return drafts


def _originals(
    mode: str, drafts: dict[str, Draft], decided: dict[str, Decision], window: Window
) -> list[Draft]:
    """Earlier claims a copy of ``mode`` can start from and still be filed in time within ``window``."""

    def fits(draft: Draft) -> bool:
        return draft.service_date + timedelta(days=365) >= window.first and draft.received_date < window.last

    if mode in ("duplicate", "added_line"):
        wanted = [c for c, d in decided.items() if d.outcome == "approve"]
    else:
        wanted = [c for c, d in decided.items() if d.outcome == "deny" and d.carc in ("16", "50")]
    return [drafts[c] for c in wanted if c in drafts and fits(drafts[c])]


def _backlog(
    drafter: Drafter,
    window: Window,
    count: int,
    history: list[Draft],
    decided: dict[str, Decision],
    approved: set[Key],
    *,
    first_id: int,
) -> list[Draft]:
    """Received claims; no two share rule 3's key, so the order they are decided in cannot matter."""
    rng = drafter.rng
    fam = drafter.family
    by_id = {d.claim_id: d for d in history}
    backlog: list[Draft] = []
    keys: set[Key] = set()
    while len(backlog) < count:
        scenario = _pick(rng, SCENARIOS, lambda s: s.backlog)
        claim_id = fam.ids.claim(first_id + len(backlog))
        try:
            if scenario.spec.copy == "none":
                draft = drafter.draft(scenario.spec, window, claim_id)
            else:
                candidates = _originals(scenario.spec.copy, by_id, decided, window)
                if not candidates:
                    continue
                draft = drafter.copy(
                    rng.choice(candidates), scenario.spec.copy, window, claim_id, history=False
                )
        except Retry:
            continue
        if draft.key in keys or (scenario.spec.copy != "duplicate" and draft.key in approved):
            continue
        draft.scenario = scenario.name
        keys.add(draft.key)
        backlog.append(draft)
    return backlog


def _book(drafter: Drafter) -> Book:
    fam = drafter.family
    auths: dict[str, list[Auth]] = {}
    for auth in drafter.auths:
        auths.setdefault(auth.member_id, []).append(auth)
    billable = {normalize_diagnosis(code) for codes in fam.diagnoses.values() for code in codes}
    return Book(
        members=drafter.members,
        plans=drafter.plans,
        providers=drafter.providers,
        procedures=drafter.catalogue,
        policies={p.policy_id: p for p in fam.policies},
        benefits=drafter.benefits,
        auths=auths,
        billable=frozenset(billable),
    )


def _decide_in_order(drafts: list[Draft], book: Book) -> tuple[dict[str, Decision], set[Key]]:
    """What people decided, claim after claim in the order they decided them.

    Rule 3 looks at what was approved before: an exact copy decided after an approved
    original is the duplicate, never the original.
    """
    approved: set[Key] = set()
    decided: dict[str, Decision] = {}
    for draft in sorted(drafts, key=lambda d: (d.decided_at or _NEVER, d.claim_id)):
        decision = decide(draft, book, frozenset(approved), automatic=False)
        decided[draft.claim_id] = decision
        if decision.outcome == "approve":
            approved.add(draft.key)
    return decided, approved


def _distinct_decision_times(drafts: list[Draft]) -> None:
    """No two people decided in the same second, so "approved before" is never ambiguous."""
    last: datetime | None = None
    for draft in sorted(drafts, key=lambda d: (d.decided_at or _NEVER, d.claim_id)):
        if draft.decided_at is None:
            continue
        if last is not None and draft.decided_at <= last:
            draft.decided_at = last + timedelta(seconds=1)
        last = draft.decided_at


def _decider(staff: list[StaffMember], rng: Random) -> Callable[[Draft], str]:
    """Who decided a history claim: someone assigned to it, entitled to its sensitivity and amount."""

    def pick(draft: Draft) -> str:
        pair = (draft.region, draft.line_of_business)
        needs = set()
        if draft.sensitivity != "none":
            needs.add(f"sensitive:{draft.sensitivity}")
        if draft.total_billed > 10000:
            needs.add("approve:high_value")
        able = [
            s
            for s in staff
            if s.active and s.role != "auditor" and pair in s.assignments and needs <= s.privileges
        ]
        analysts = [s for s in able if s.role == "analyst"]
        chosen = rng.choice(analysts if analysts and rng.random() < 0.8 else able)
        return chosen.staff_id

    return pick


def _label(draft: Draft, decision: Decision) -> ClaimLabel:
    return ClaimLabel(
        claim_id=draft.claim_id,
        scenario=draft.scenario,
        note_plan=draft.note_plan,
        writers=tuple(n.writer for n in draft.notes),
        sensitivity=draft.sensitivity,
        outcome=decision.outcome,
        carc=decision.carc,
        rule=decision.rule,
        reason=decision.reason,
    )


def _write_truth(path: Path, truth: dict[str, Decision]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for claim_id in sorted(truth):
            d = truth[claim_id]
            row = {
                "claim_id": claim_id,
                "outcome": d.outcome,
                "carc": d.carc,
                "allowed": f"{d.allowed:.2f}",
                "paid": f"{d.paid:.2f}",
            }
            handle.write(json.dumps(row) + "\n")
