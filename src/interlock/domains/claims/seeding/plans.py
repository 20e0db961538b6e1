"""Plans, procedures and the benefit rows linking them: fixed reference data of the payer.

Every seed shares one catalogue, so a reader can see here at a glance which (plan,
procedure) pairs are not covered or need prior authorization (rules 7 and 8 of
CLAIMS_POLICY.md). Procedure codes are real five-character code numbers with the
payer's own descriptions; fees are the payer's own.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanSpec:
    """One benefit plan as the platform stores it."""

    plan_id: str
    name: str
    line_of_business: str
    network_type: str
    coinsurance_pct: Decimal
    member_weight: int


PLANS: tuple[PlanSpec, ...] = (
    PlanSpec(
        plan_id="NW-COM-HMO-A",
        name="Northwind Commercial HMO Select",
        line_of_business="commercial",
        network_type="HMO",
        coinsurance_pct=Decimal("20.00"),
        member_weight=18,
    ),
    PlanSpec(
        plan_id="NW-COM-HMO-B",
        name="Northwind Commercial HMO Value",
        line_of_business="commercial",
        network_type="HMO",
        coinsurance_pct=Decimal("30.00"),
        member_weight=10,
    ),
    PlanSpec(
        plan_id="NW-COM-PPO-A",
        name="Northwind Commercial PPO Choice",
        line_of_business="commercial",
        network_type="PPO",
        coinsurance_pct=Decimal("10.00"),
        member_weight=16,
    ),
    PlanSpec(
        plan_id="NW-COM-PPO-B",
        name="Northwind Commercial PPO Plus",
        line_of_business="commercial",
        network_type="PPO",
        coinsurance_pct=Decimal("25.00"),
        member_weight=10,
    ),
    PlanSpec(
        plan_id="NW-MA-HMO",
        name="Northwind Medicare Advantage HMO",
        line_of_business="medicare_advantage",
        network_type="HMO",
        coinsurance_pct=Decimal("20.00"),
        member_weight=14,
    ),
    PlanSpec(
        plan_id="NW-MA-PPO",
        name="Northwind Medicare Advantage PPO",
        line_of_business="medicare_advantage",
        network_type="PPO",
        coinsurance_pct=Decimal("12.50"),
        member_weight=10,
    ),
    PlanSpec(
        plan_id="NW-MCD-HMO",
        name="Northwind Community Care HMO",
        line_of_business="medicaid",
        network_type="HMO",
        coinsurance_pct=Decimal("0.00"),
        member_weight=16,
    ),
    PlanSpec(
        plan_id="NW-MCD-PPO",
        name="Northwind Community Care PPO",
        line_of_business="medicaid",
        network_type="PPO",
        coinsurance_pct=Decimal("5.00"),
        member_weight=6,
    ),
)
PLAN_BY_ID: dict[str, PlanSpec] = {p.plan_id: p for p in PLANS}


@dataclass(frozen=True, slots=True, kw_only=True)
class ProcedureSpec:
    """A catalogue entry: code, the payer's description, fee per unit, policy."""

    code: str
    description: str
    fee: Decimal
    policy_id: str | None = None


_PROCEDURE_TABLE = """
99202 |    78.40 |        | Office visit for a new patient, straightforward decisions
99203 |   121.15 |        | Office visit for a new patient, low complexity
99204 |   182.60 |        | Office visit for a new patient, moderate complexity
99212 |    57.35 |        | Follow-up office visit, straightforward decisions
99213 |    92.85 |        | Follow-up office visit, low complexity
99214 |   131.40 |        | Follow-up office visit, moderate complexity
99215 |   184.05 |        | Follow-up office visit, high complexity
99395 |   143.20 |        | Annual preventive visit, adult aged 18 to 39
99396 |   152.75 |        | Annual preventive visit, adult aged 40 to 64
90686 |    21.45 |        | Seasonal influenza vaccine, four strains, no preservative
90471 |    19.90 |        | Giving one vaccine by injection
80053 |    14.45 |        | Blood chemistry panel, fourteen analytes
85025 |    10.65 |        | Blood count with automated white cell differential
83036 |    13.20 |        | Glycated hemoglobin (A1c) level
80061 |    18.35 |        | Cholesterol and triglyceride panel
82306 |    40.95 | MP-107 | Blood level of 25-hydroxy vitamin D
81162 |  1824.50 | MP-108 | BRCA1 and BRCA2 sequencing with deletion analysis
87389 |    28.70 |        | Combined HIV antigen and antibody screening test
71046 |    38.90 |        | Chest X-ray, two views
72148 |   412.30 | MP-101 | Lumbar spine MRI, no contrast
72158 |   548.75 | MP-101 | Lumbar spine MRI, before and after contrast
73721 |   396.10 |        | MRI of a leg joint, no contrast
70450 |   168.25 |        | Head CT, no contrast
76700 |   142.80 |        | Ultrasound of the whole abdomen
77067 |   156.35 |        | Screening mammogram of both breasts
29881 |  1285.40 | MP-102 | Knee arthroscopy, partial meniscus removal, one side of the joint
29880 |  1362.95 | MP-102 | Knee arthroscopy, partial meniscus removal, both sides of the joint
20610 |    74.55 |        | Injection into or drainage of a large joint
64483 |   412.90 |        | Lumbar epidural steroid injection under image guidance
27447 | 11850.00 |        | Total knee joint replacement
63047 | 10480.00 |        | Lumbar laminectomy and decompression, one level
33533 | 24650.00 |        | Heart bypass with one arterial graft
99223 |   286.40 |        | First hospital inpatient day, high complexity
45378 |   642.15 |        | Diagnostic colonoscopy
43239 |   598.70 |        | Upper endoscopy with tissue sampling
43644 |  8425.00 | MP-104 | Laparoscopic gastric bypass, short Roux limb
43775 |  7960.00 | MP-104 | Laparoscopic sleeve gastrectomy
97161 |   101.85 |        | Physical therapy evaluation, low complexity
97110 |    31.60 |        | Therapeutic exercise, per 15 minutes
97140 |    28.95 |        | Hands-on manual therapy, per 15 minutes
97530 |    37.45 | MP-105 | Therapeutic activities under a continued plan of care, per 15 minutes
97035 |    14.10 |        | Therapeutic ultrasound, per 15 minutes
95810 |   742.60 | MP-103 | Overnight sleep study attended by a technologist
95806 |   176.20 |        | Unattended home sleep apnea test
E0601 |   812.00 |        | Continuous positive airway pressure machine
E2103 |   268.90 | MP-106 | Continuous glucose monitor receiver for treatment decisions
A4253 |    27.35 |        | Blood glucose test strips, box of 50
90791 |   174.25 |        | Initial psychiatric diagnostic interview
90834 |   102.40 |        | Individual psychotherapy, about 45 minutes
90837 |   151.75 |        | Individual psychotherapy, about 60 minutes
H0015 |   138.60 |        | Intensive outpatient substance use treatment, per day
H0020 |    24.85 |        | Opioid treatment program dosing visit
99408 |    36.20 |        | Substance use screening and brief counseling, 15 to 30 minutes
15823 |   965.30 |        | Upper eyelid lift with removal of excess skin
"""
"""One procedure per line: code | fee per unit | medical policy | the payer's description."""


def _parse_procedures(table: str) -> tuple[ProcedureSpec, ...]:
    specs = []
    for row in table.strip().splitlines():
        code, fee, policy_id, description = (part.strip() for part in row.split("|"))
        specs.append(
            ProcedureSpec(code=code, description=description, fee=Decimal(fee), policy_id=policy_id or None)
        )
    return tuple(specs)


PROCEDURES: tuple[ProcedureSpec, ...] = _parse_procedures(_PROCEDURE_TABLE)
PROCEDURE_BY_CODE: dict[str, ProcedureSpec] = {p.code: p for p in PROCEDURES}

UNKNOWN_PROCEDURE_CODES: tuple[str, ...] = ("0591T", "99199", "G0999", "S9088")
"""Codes billed by providers that the payer's catalogue does not list (no benefit row)."""

_RPA_ALL = frozenset({"29881", "29880", "43644", "43775", "E0601", "27447", "33533", "63047", "64483"})
_RPA_HMO = frozenset({"72148", "72158", "95810", "73721"})
_RPA_LOB = {
    "medicare_advantage": frozenset({"E2103", "72148", "72158"}),
    "commercial": frozenset({"81162"}),
}
_NOT_COVERED: frozenset[tuple[str, str]] = frozenset(
    [(p.plan_id, "15823") for p in PLANS]
    + [(p, c) for p in ("NW-MA-HMO", "NW-MA-PPO") for c in ("99395", "99396")]
    + [(p, c) for p in ("NW-MCD-HMO", "NW-MCD-PPO") for c in ("43644", "43775")]
    + [("NW-COM-HMO-B", "97140")]
)
_NO_ROW: frozenset[tuple[str, str]] = frozenset(
    {
        ("NW-MCD-HMO", "81162"),
        ("NW-COM-HMO-B", "95806"),
        ("NW-COM-PPO-B", "E0601"),
        ("NW-MA-HMO", "97035"),
        ("NW-MA-PPO", "97035"),
        ("NW-MCD-PPO", "76700"),
    }
)


@lru_cache(maxsize=1)
def benefits() -> dict[tuple[str, str], tuple[int, int]]:
    """``(plan_id, code) -> (covered, requires_prior_auth)`` for every benefit row.

    A pair absent from the mapping has no row, which the policy treats as not covered.
    """
    rows: dict[tuple[str, str], tuple[int, int]] = {}
    for plan in PLANS:
        for proc in PROCEDURES:
            key = (plan.plan_id, proc.code)
            if key in _NO_ROW:
                continue
            covered = 0 if key in _NOT_COVERED else 1
            rpa = (
                proc.code in _RPA_ALL
                or (plan.network_type == "HMO" and proc.code in _RPA_HMO)
                or proc.code in _RPA_LOB.get(plan.line_of_business, frozenset())
            )
            rows[key] = (covered, int(rpa and covered == 1))
    return rows


@lru_cache(maxsize=1)
def not_covered_pairs() -> tuple[tuple[str, str], ...]:
    """(plan, code) pairs whose benefit row says not covered."""
    return tuple(sorted(k for k, (covered, _) in benefits().items() if covered == 0))


@lru_cache(maxsize=1)
def no_row_pairs() -> tuple[tuple[str, str], ...]:
    """(plan, code) pairs with no benefit row, including codes outside the catalogue."""
    unknown = [(p.plan_id, c) for p in PLANS for c in UNKNOWN_PROCEDURE_CODES]
    return tuple(sorted(_NO_ROW)) + tuple(unknown)


@lru_cache(maxsize=1)
def prior_auth_pairs() -> tuple[tuple[str, str], ...]:
    """(plan, code) pairs covered only with an approved prior authorization."""
    return tuple(sorted(k for k, (covered, rpa) in benefits().items() if covered and rpa))
