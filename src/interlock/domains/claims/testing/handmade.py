"""Write claims by hand straight into a reference system of record.

Outside systems do not go through Interlock's generator: they insert rows into the
SPEC.md tables directly. These helpers do the same, so tests (ours and users') can
state one claim at a time in their own words and check how Interlock decides it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import Engine

from interlock.domains.claims import schema as t
from interlock.domains.claims.codesets import npi_check_digit

STAMP = datetime(2026, 1, 1, tzinfo=UTC).replace(tzinfo=None)


def valid_npi(first_nine: str) -> str:
    """A ten-digit NPI with a correct check digit."""
    return first_nine + str(npi_check_digit(first_nine))


GOOD_NPI = valid_npi("123456789")
OUT_NPI = valid_npi("223456789")
INACTIVE_NPI = valid_npi("323456789")

KNEE_POLICY = (
    "Knee arthroscopy is medically necessary when ALL of the following criteria are met: "
    "(1) the member has had at least six weeks of supervised physical therapy; "
    "(2) imaging shows a mechanical lesion such as a meniscal tear."
)


def seed_reference(engine: Engine) -> None:
    """Plans, procedures, a policy, benefits, providers, staff: a tiny but complete payer."""
    with engine.begin() as conn:
        conn.execute(
            t.plans.insert(),
            [
                {
                    "plan_id": "PPO1",
                    "name": "Commercial PPO",
                    "line_of_business": "commercial",
                    "network_type": "PPO",
                    "coinsurance_pct": Decimal("20.00"),
                },
                {
                    "plan_id": "HMO1",
                    "name": "Medicaid HMO",
                    "line_of_business": "medicaid",
                    "network_type": "HMO",
                    "coinsurance_pct": Decimal("12.50"),
                },
            ],
        )
        conn.execute(
            t.medical_policies.insert(),
            [
                {
                    "policy_id": "MP-KNEE",
                    "title": "Knee arthroscopy",
                    "body": KNEE_POLICY,
                    "line_of_business": None,
                    "effective_from": date(2020, 1, 1),
                    "effective_to": None,
                    "updated_at": STAMP,
                }
            ],
        )
        conn.execute(
            t.procedures.insert(),
            [
                {
                    "procedure_code": "X1001",
                    "description": "Office visit",
                    "fee_schedule_amount": Decimal("100.00"),
                    "medical_policy_id": None,
                },
                {
                    "procedure_code": "X2002",
                    "description": "Knee arthroscopy",
                    "fee_schedule_amount": Decimal("2500.00"),
                    "medical_policy_id": "MP-KNEE",
                },
                {
                    "procedure_code": "X3003",
                    "description": "Advanced imaging",
                    "fee_schedule_amount": Decimal("333.33"),
                    "medical_policy_id": None,
                },
                {
                    "procedure_code": "X4004",
                    "description": "Cosmetic procedure",
                    "fee_schedule_amount": Decimal("900.00"),
                    "medical_policy_id": None,
                },
            ],
        )
        benefits = []
        for plan in ("PPO1", "HMO1"):
            benefits += [
                {"plan_id": plan, "procedure_code": "X1001", "covered": 1, "requires_prior_auth": 0},
                {"plan_id": plan, "procedure_code": "X2002", "covered": 1, "requires_prior_auth": 0},
                {"plan_id": plan, "procedure_code": "X3003", "covered": 1, "requires_prior_auth": 1},
                {"plan_id": plan, "procedure_code": "X4004", "covered": 0, "requires_prior_auth": 0},
            ]
        conn.execute(t.plan_benefits.insert(), benefits)
        conn.execute(
            t.providers.insert(),
            [
                {
                    "npi": GOOD_NPI,
                    "name": "Good Clinic",
                    "specialty": "orthopedics",
                    "region": "north",
                    "in_network": 1,
                    "active": 1,
                },
                {
                    "npi": OUT_NPI,
                    "name": "Far Clinic",
                    "specialty": "orthopedics",
                    "region": "north",
                    "in_network": 0,
                    "active": 1,
                },
                {
                    "npi": INACTIVE_NPI,
                    "name": "Closed Clinic",
                    "specialty": "orthopedics",
                    "region": "north",
                    "in_network": 1,
                    "active": 0,
                },
            ],
        )
        conn.execute(
            t.members.insert(),
            [
                {
                    "member_id": "M1",
                    "first_name": "Ada",
                    "last_name": "Quill",
                    "birth_date": date(1970, 5, 17),
                    "ssn": "123456789",
                    "address": "1 Elm St",
                    "plan_id": "PPO1",
                    "region": "north",
                    "coverage_start": date(2024, 1, 1),
                    "coverage_end": None,
                },
                # Named as the demo names its members, so the API's documented FHIR example
                # (Patient/M0000001) resolves both here and against a demo system of record.
                {
                    "member_id": "M0000001",
                    "first_name": "Cy",
                    "last_name": "Vale",
                    "birth_date": date(1968, 9, 3),
                    "ssn": "111223333",
                    "address": "3 Ash St",
                    "plan_id": "PPO1",
                    "region": "north",
                    "coverage_start": date(2024, 1, 1),
                    "coverage_end": None,
                },
                {
                    "member_id": "M2",
                    "first_name": "Bo",
                    "last_name": "Reed",
                    "birth_date": date(1985, 2, 2),
                    "ssn": "987654321",
                    "address": "2 Oak St",
                    "plan_id": "HMO1",
                    "region": "south",
                    "coverage_start": date(2024, 1, 1),
                    "coverage_end": date(2026, 3, 31),
                },
            ],
        )
        conn.execute(
            t.staff.insert(),
            [
                {"staff_id": "A1", "name": "North analyst", "role": "analyst", "active": 1},
                {"staff_id": "A2", "name": "South analyst", "role": "analyst", "active": 1},
                {"staff_id": "SUP", "name": "Supervisor", "role": "supervisor", "active": 1},
                {"staff_id": "AUD", "name": "Auditor", "role": "auditor", "active": 1},
                {"staff_id": "OLD", "name": "Former analyst", "role": "analyst", "active": 0},
            ],
        )
        conn.execute(
            t.staff_assignments.insert(),
            [
                {"staff_id": "A1", "region": "north", "line_of_business": "commercial"},
                {"staff_id": "A2", "region": "south", "line_of_business": "medicaid"},
                {"staff_id": "SUP", "region": "north", "line_of_business": "commercial"},
                {"staff_id": "SUP", "region": "south", "line_of_business": "medicaid"},
                {"staff_id": "OLD", "region": "north", "line_of_business": "commercial"},
            ],
        )
        conn.execute(
            t.staff_privileges.insert(),
            [
                {"staff_id": "SUP", "privilege": "approve:high_value"},
                {"staff_id": "SUP", "privilege": "phi:full"},
                {"staff_id": "SUP", "privilege": "sensitive:behavioral_health"},
            ],
        )


def add_claim(
    engine: Engine,
    claim_id: str,
    *,
    member_id: str = "M1",
    npi: str = GOOD_NPI,
    service_date: date = date(2026, 2, 1),
    received_date: date = date(2026, 2, 10),
    lines: Sequence[tuple[str, int, str]] = (("X1001", 1, "80.00"),),
    diagnoses: Sequence[str] = ("E11.9",),
    notes: Sequence[str] = (),
    sensitivity: str = "none",
    region: str = "north",
    line_of_business: str = "commercial",
    total_billed: str | None = None,
    status: str = "received",
) -> None:
    """Insert one claim with its lines, diagnoses and notes, as an outside system would."""
    total = (
        Decimal(total_billed)
        if total_billed is not None
        else sum((Decimal(b) for _, _, b in lines), Decimal("0.00"))
    )
    with engine.begin() as conn:
        conn.execute(
            t.claims.insert().values(
                claim_id=claim_id,
                member_id=member_id,
                billing_npi=npi,
                service_date=service_date,
                received_date=received_date,
                place_of_service="11",
                total_billed=total,
                region=region,
                line_of_business=line_of_business,
                sensitivity=sensitivity,
                status=status,
                version=1,
                updated_at=STAMP,
            )
        )
        if lines:
            conn.execute(
                t.claim_lines.insert(),
                [
                    {
                        "claim_id": claim_id,
                        "line_no": i,
                        "procedure_code": code,
                        "units": units,
                        "billed_amount": Decimal(billed),
                    }
                    for i, (code, units, billed) in enumerate(lines, start=1)
                ],
            )
        if diagnoses:
            conn.execute(
                t.claim_diagnoses.insert(),
                [
                    {"claim_id": claim_id, "seq": i, "icd10_code": code}
                    for i, code in enumerate(diagnoses, start=1)
                ],
            )
        if notes:
            conn.execute(
                t.clinical_notes.insert(),
                [
                    {
                        "note_id": f"{claim_id}-N{i}",
                        "claim_id": claim_id,
                        "author": "Dr. Field",
                        "written_at": STAMP,
                        "body": body,
                    }
                    for i, body in enumerate(notes, start=1)
                ],
            )


def add_prior_auth(
    engine: Engine,
    auth_id: str,
    *,
    member_id: str,
    procedure_code: str,
    status: str,
    valid_from: date,
    valid_to: date,
) -> None:
    """Insert one prior authorization."""
    with engine.begin() as conn:
        conn.execute(
            t.prior_authorizations.insert().values(
                auth_id=auth_id,
                member_id=member_id,
                procedure_code=procedure_code,
                status=status,
                valid_from=valid_from,
                valid_to=valid_to,
            )
        )
