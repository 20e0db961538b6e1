"""The rows of a seed, table by table, in the column order of the SPEC.md contract.

Rows are plain tuples rather than mappings: a large seed writes over a million of
them, and the bulk insert paths take tuples as they are. The layout assumed here is
checked against ``schema`` before anything is built, so a schema change fails loudly
instead of shifting values into the wrong columns.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from interlock.domains.claims import schema
from interlock.domains.claims.seeding import plans, policies
from interlock.domains.claims.seeding.basics import TODAY, GeneratorError, Rng, Row, Rows, utc_timestamp
from interlock.domains.claims.seeding.claim import Claim
from interlock.domains.claims.seeding.factory import Factory
from interlock.domains.claims.seeding.history import decide
from interlock.domains.claims.seeding.parties import World, member_rows

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


def check_layout() -> None:
    """Fail before building anything if ``schema`` no longer has the columns assumed here."""
    for table in schema.ALL_TABLES:
        actual = tuple(c.name for c in table.columns)
        if actual != tuple(_LAYOUT[table.name].split()):
            raise GeneratorError(f"schema table {table.name} has columns {actual}")


def _reference_rows(world: World, seed: int) -> Rows:
    """Rows of every table but the claims and what hangs off them."""
    return {
        "plans": [
            (p.plan_id, p.name, p.line_of_business, p.network_type, p.coinsurance_pct) for p in plans.PLANS
        ],
        "medical_policies": [
            (p.policy_id, p.title, p.body, p.line_of_business, p.effective_from, p.effective_to, p.updated_at)
            for p in policies.POLICIES
        ],
        "procedures": [(p.code, p.description, p.fee, p.policy_id) for p in plans.PROCEDURES],
        "plan_benefits": [(plan, code, cov, rpa) for (plan, code), (cov, rpa) in plans.benefits().items()],
        "members": member_rows(world.members, Rng(f"{seed}/phi")),
        "providers": [
            (p.npi, p.name, p.specialty, p.region, p.in_network, p.active) for p in world.providers
        ],
        "staff": world.staff,
        "staff_assignments": world.assignments,
        "staff_privileges": world.privileges,
    }


def build_rows(world: World, factory: Factory, claims: Sequence[Claim], seed: int) -> Rows:
    """Every row to insert but the notes (``note_rows``); assigns claim, auth and decision ids.

    Claim ids follow receipt order (history first); a history claim whose notes did
    not settle medical necessity is left pended, every other one gets the decision of
    a staff member entitled to make it.
    """
    rows: Rows = {t.name: [] for t in schema.ALL_TABLES}
    rows.update(_reference_rows(world, seed))
    rng = Rng(f"{seed}/decisions")
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
        outcome = claim.intended[0]
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
            adj_no += 1
            version, updated, decision, decision_rows = decide(rng, world, claim, cid, f"ADJ{adj_no:08d}")
            decisions.append(decision)
            decision_lines += decision_rows
        claim_rows.append(
            (
                *(cid, member.member_id, claim.npi, claim.service, claim.received, claim.pos, claim.total),
                *(member.region, plan.line_of_business, claim.sensitivity, status, version, updated),
            )
        )
    return rows


def note_rows(factory: Factory, claims: Sequence[Claim]) -> list[Row]:
    """The clinical notes of every claim, in claim order, from the seed's notes stream."""
    out: list[Row] = []
    for claim in claims:
        cid = claim.claim_id
        for author, written, body in factory.notes(claim):
            out.append((f"N{len(out) + 1:09d}", cid, author, written, body))
    return out
