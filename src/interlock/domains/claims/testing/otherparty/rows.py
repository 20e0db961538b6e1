"""Turn a drafted world into SPEC.md rows and insert them with SQLAlchemy Core.

Everything goes in through one transaction, parents before children, so the same code
fills SQLite and PostgreSQL. Dates are ``date``, timestamps naive UTC ``datetime``,
money ``Decimal`` with two places, booleans 0/1.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from random import Random
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, Table

from interlock.domains.claims import schema as t
from interlock.domains.claims.testing.otherparty.model import Family, utc
from interlock.domains.claims.testing.otherparty.truth import Decision, Draft

if TYPE_CHECKING:
    from interlock.domains.claims.testing.otherparty.drafting import Drafter

LINES_OF_BUSINESS = ("commercial", "medicare_advantage", "medicaid")
SENSITIVE = ("sensitive:behavioral_health", "sensitive:substance_use", "sensitive:hiv")


@dataclass(frozen=True, slots=True, kw_only=True)
class StaffMember:
    """A row of ``staff`` with its assignments and privileges."""

    staff_id: str
    name: str
    role: str
    active: bool
    assignments: frozenset[tuple[str, str]]
    privileges: frozenset[str]


def make_staff(family: Family, rng: Random) -> list[StaffMember]:
    """An analyst per region and line of business, a supervisor per region, an auditor, a leaver."""
    staff: list[StaffMember] = []
    seq = 0

    def add(role: str, active: bool, assignments: set[tuple[str, str]], privileges: set[str]) -> None:
        nonlocal seq
        seq += 1
        first = family.staff_names[seq % len(family.staff_names)].split()[0]
        last = rng.choice(family.last_names)
        staff.append(
            StaffMember(
                staff_id=family.ids.staff(seq),
                name=f"{first} {last}",
                role=role,
                active=active,
                assignments=frozenset(assignments),
                privileges=frozenset(privileges),
            )
        )

    for region in family.regions:
        add(
            "supervisor",
            True,
            {(region, lob) for lob in LINES_OF_BUSINESS},
            {*SENSITIVE, "phi:full", "approve:high_value"},
        )
        for lob in LINES_OF_BUSINESS:
            privileges = {p for p in SENSITIVE if rng.random() < 0.4}
            if rng.random() < 0.3:
                privileges.add("phi:full")
            add("analyst", True, {(region, lob)}, privileges)
    add("auditor", True, set(), set())
    add("analyst", False, {(family.regions[0], "commercial")}, set())
    return staff


def _insert(conn: Any, table: Table, rows: list[dict[str, Any]]) -> None:
    if rows:
        conn.execute(table.insert(), rows)


def _note_times(draft: Draft, rng: Random, last: date) -> list[datetime]:
    """When each note was written: in order, before the claim was decided."""
    start = draft.service_date - timedelta(days=rng.randint(0, 21))
    span = max(0, (last - start).days)
    days = sorted(rng.randint(0, span) for _ in draft.notes)
    return [utc(start + timedelta(days=n), rng.randint(7, 18), rng.randint(0, 59)) for n in days]


def write_rows(
    engine: Engine,
    family: Family,
    drafter: Drafter,
    history: list[Draft],
    decisions: dict[str, Decision],
    backlog: list[Draft],
    staff: list[StaffMember],
    decider: Callable[[Draft], str],
    rng: Random,
) -> None:
    """Insert the whole world in one transaction."""
    note_seq = 0
    claims: list[dict[str, Any]] = []
    lines: list[dict[str, Any]] = []
    diagnoses: list[dict[str, Any]] = []
    notes: list[dict[str, Any]] = []
    adjudications: list[dict[str, Any]] = []
    adjudication_lines: list[dict[str, Any]] = []
    for n, draft in enumerate([*history, *backlog]):
        decision = decisions.get(draft.claim_id)
        if decision is not None:
            decided_at = draft.decided_at
            last_note = draft.received_date
        else:
            decided_at = None
            last_note = min(family.today, draft.received_date + timedelta(days=3 * (draft.version - 1)))
        for when, note in zip(_note_times(draft, rng, last_note), draft.notes, strict=True):
            note_seq += 1
            notes.append(
                {
                    "note_id": family.ids.note(note_seq),
                    "claim_id": draft.claim_id,
                    "author": note.author,
                    "written_at": when,
                    "body": note.body,
                }
            )
        received_at = utc(draft.received_date, 6, n % 600)
        claims.append(
            {
                "claim_id": draft.claim_id,
                "member_id": draft.member_id,
                "billing_npi": draft.billing_npi,
                "service_date": draft.service_date,
                "received_date": draft.received_date,
                "place_of_service": draft.place_of_service,
                "total_billed": draft.total_billed,
                "region": draft.region,
                "line_of_business": draft.line_of_business,
                "sensitivity": draft.sensitivity,
                "status": "adjudicated" if decision is not None else "received",
                "version": draft.version,
                "updated_at": decided_at or received_at + timedelta(hours=draft.version - 1),
            }
        )
        lines.extend(
            {
                "claim_id": draft.claim_id,
                "line_no": i,
                "procedure_code": line.procedure_code,
                "units": line.units,
                "billed_amount": line.billed,
            }
            for i, line in enumerate(draft.lines, start=1)
        )
        diagnoses.extend(
            {"claim_id": draft.claim_id, "seq": i, "icd10_code": code}
            for i, code in enumerate(draft.diagnoses, start=1)
        )
        if decision is None or decided_at is None:
            continue
        adjudication_id = family.ids.adjudication(len(adjudications) + 1)
        reasons = family.rationales[decision.carc or "approve"]
        adjudications.append(
            {
                "adjudication_id": adjudication_id,
                "claim_id": draft.claim_id,
                "claim_version": draft.version,
                "outcome": decision.outcome,
                "carc_code": decision.carc,
                "allowed_amount": decision.allowed,
                "paid_amount": decision.paid,
                "decided_by": f"staff:{decider(draft)}",
                "rationale": rng.choice(reasons),
                "idempotency_key": f"{family.name}:{draft.claim_id}:v{draft.version}:{rng.getrandbits(48):012x}",
                "decided_at": decided_at,
            }
        )
        adjudication_lines.extend(
            {"adjudication_id": adjudication_id, "line_no": i, "allowed_amount": allowed, "paid_amount": paid}
            for i, (allowed, paid) in enumerate(decision.lines, start=1)
        )
    with engine.begin() as conn:
        _insert(conn, t.plans, [_plan(p) for p in family.plans])
        _insert(conn, t.medical_policies, [_policy(p) for p in family.policies])
        _insert(conn, t.procedures, [_procedure(p) for p in family.procedures])
        _insert(
            conn,
            t.plan_benefits,
            [
                {
                    "plan_id": plan_id,
                    "procedure_code": code,
                    "covered": int(covered),
                    "requires_prior_auth": int(pa),
                }
                for (plan_id, code), (covered, pa) in sorted(drafter.benefits.items())
            ],
        )
        _insert(conn, t.members, [vars_of(m) for m in drafter.members.values()])
        _insert(
            conn,
            t.providers,
            [
                {
                    "npi": p.npi,
                    "name": p.name,
                    "specialty": p.specialty,
                    "region": p.region,
                    "in_network": int(p.in_network),
                    "active": int(p.active),
                }
                for p in drafter.providers.values()
            ],
        )
        _insert(
            conn,
            t.staff,
            [
                {"staff_id": s.staff_id, "name": s.name, "role": s.role, "active": int(s.active)}
                for s in staff
            ],
        )
        _insert(
            conn,
            t.staff_assignments,
            [
                {"staff_id": s.staff_id, "region": r, "line_of_business": lob}
                for s in staff
                for r, lob in sorted(s.assignments)
            ],
        )
        _insert(
            conn,
            t.staff_privileges,
            [{"staff_id": s.staff_id, "privilege": p} for s in staff for p in sorted(s.privileges)],
        )
        _insert(conn, t.claims, claims)
        _insert(conn, t.claim_lines, lines)
        _insert(conn, t.claim_diagnoses, diagnoses)
        _insert(conn, t.clinical_notes, notes)
        _insert(conn, t.prior_authorizations, [vars_of(a) for a in drafter.auths])
        _insert(conn, t.adjudications, adjudications)
        _insert(conn, t.adjudication_lines, adjudication_lines)


def vars_of(row: Any) -> dict[str, Any]:
    """A slotted dataclass as a dict of its fields."""
    return {name: getattr(row, name) for name in row.__slots__}


def _plan(plan: Any) -> dict[str, Any]:
    return {
        "plan_id": plan.plan_id,
        "name": plan.name,
        "line_of_business": plan.line_of_business,
        "network_type": plan.network_type,
        "coinsurance_pct": plan.coinsurance_pct,
    }


def _policy(policy: Any) -> dict[str, Any]:
    return {
        "policy_id": policy.policy_id,
        "title": policy.title,
        "body": policy.body,
        "line_of_business": policy.line_of_business,
        "effective_from": policy.effective_from,
        "effective_to": policy.effective_to,
        "updated_at": policy.updated_at,
    }


def _procedure(proc: Any) -> dict[str, Any]:
    return {
        "procedure_code": proc.code,
        "description": proc.description,
        "fee_schedule_amount": proc.fee,
        "medical_policy_id": proc.policy_id,
    }
