"""Reference data of the Northwind Health payer: plans, procedures, benefits, policies.

The generator fills the system of record from these definitions. They are fixed data,
not random, so that every seed shares one catalogue and a reader can see at a glance
which (plan, procedure) pairs are not covered, need prior authorization or are
governed by a medical policy. Procedure codes are real five-character code numbers
with the payer's own descriptions; fees are the payer's own.

Everything that varies by seed (members, providers, staff names, claims) is built by
``generator.py`` from this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from functools import lru_cache
from typing import Literal

from interlock.domains.claims import codesets


def _words(text: str) -> tuple[str, ...]:
    """Split a whitespace-separated literal: keeps long code and name lists readable."""
    return tuple(text.split())


REGIONS: tuple[str, ...] = ("north", "south", "east", "west", "central")
LINES_OF_BUSINESS: tuple[str, ...] = ("commercial", "medicare_advantage", "medicaid")

Combine = Literal["all", "any"]


def utc_timestamp(day: date, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    """A naive datetime meaning UTC: the platform's ``TIMESTAMP`` columns have no zone."""
    return datetime.combine(day, time(hour, minute, second))


COMBINE_SENTENCE: dict[Combine, str] = {
    "all": "All of the following criteria must be met:",
    "any": "At least one of the following criteria must be met:",
}


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
class PolicySpec:
    """A medical policy: prose criteria, how they combine, where and when it applies."""

    policy_id: str
    title: str
    scope: str
    combine: Combine
    criteria: tuple[tuple[str, str], ...]  # (criterion key, criterion text)
    documentation: str
    line_of_business: str | None
    effective_from: date
    effective_to: date | None
    updated_at: datetime

    @property
    def body(self) -> str:
        """The policy document as a reviewer reads it, criteria numbered (1), (2), ..."""
        items = "\n".join(f"({i}) {text}" for i, (_, text) in enumerate(self.criteria, 1))
        return (
            f"Medical policy {self.policy_id}: {self.title}.\n\n{self.scope}\n\n"
            f"Criteria. {COMBINE_SENTENCE[self.combine]}\n{items}\n\n{self.documentation}"
        )

    @property
    def criterion_keys(self) -> tuple[str, ...]:
        """Keys of the criteria in policy order."""
        return tuple(key for key, _ in self.criteria)

    def in_force(self, on: date) -> bool:
        """True when the policy is in force on ``on``."""
        return self.effective_from <= on and (self.effective_to is None or on <= self.effective_to)

    def applies(self, on: date, line_of_business: str) -> bool:
        """True when the policy governs a service on ``on`` for ``line_of_business``."""
        lob_ok = self.line_of_business is None or self.line_of_business == line_of_business
        return lob_ok and self.in_force(on)


_STATEMENT_ONLY = (
    "A statement that the service is medically necessary, without the findings that "
    "support it, does not meet the criteria."
)

POLICIES: tuple[PolicySpec, ...] = (
    PolicySpec(
        policy_id="MP-101",
        title="Magnetic resonance imaging of the lumbar spine",
        scope=(
            "Scope: adults with low back pain, with or without pain radiating into a leg, "
            "for whom MRI of the lumbar spine (without contrast, or without and then with "
            "contrast) is requested. Imaging for acute, uncomplicated low back pain of less "
            "than six weeks without red-flag findings is not medically necessary."
        ),
        combine="any",
        criteria=(
            (
                "conservative_spine",
                "Low back pain that has lasted at least six weeks and has not responded "
                "adequately to at least six weeks of conservative therapy, such as "
                "supervised physical therapy, a structured home exercise program or "
                "anti-inflammatory medication.",
            ),
            (
                "red_flag",
                "A red-flag finding: a progressive or severe neurological deficit, signs of "
                "cauda equina syndrome (new bowel or bladder dysfunction, saddle "
                "anesthesia), or suspected malignancy, spinal infection or fracture.",
            ),
        ),
        documentation=(
            "Documentation: the record must describe the conservative therapy tried, with "
            "its duration and the response, or the red-flag finding. " + _STATEMENT_ONLY
        ),
        line_of_business=None,
        effective_from=date(2023, 1, 1),
        effective_to=None,
        updated_at=utc_timestamp(date(2025, 11, 3), 14, 20),
    ),
    PolicySpec(
        policy_id="MP-102",
        title="Arthroscopic knee surgery for meniscal tear",
        scope=(
            "Scope: arthroscopic meniscectomy of one or both compartments of the knee. "
            "Arthroscopy for knee osteoarthritis alone is not medically necessary."
        ),
        combine="all",
        criteria=(
            (
                "mechanical_symptoms",
                "Mechanical symptoms of the knee: locking, catching or giving way.",
            ),
            (
                "mri_tear",
                "A meniscal tear confirmed by magnetic resonance imaging.",
            ),
            (
                "conservative_knee",
                "At least four weeks of conservative treatment (physical therapy, activity "
                "modification, anti-inflammatory medication) without adequate improvement.",
            ),
        ),
        documentation=(
            "Documentation: the notes must describe the mechanical symptoms, the imaging "
            "result and the conservative treatment with its duration. " + _STATEMENT_ONLY
        ),
        line_of_business=None,
        effective_from=date(2022, 7, 1),
        effective_to=None,
        updated_at=utc_timestamp(date(2024, 2, 12), 9, 5),
    ),
    PolicySpec(
        policy_id="MP-103",
        title="Attended overnight polysomnography",
        scope=(
            "Scope: in-laboratory, technologist-attended sleep studies for adults. A home "
            "sleep apnea test is the expected first study for suspected obstructive sleep "
            "apnea without complicating conditions."
        ),
        combine="any",
        criteria=(
            (
                "hsat_failed",
                "A home sleep apnea test was negative, inconclusive or technically "
                "inadequate while clinical suspicion of obstructive sleep apnea remains.",
            ),
            (
                "hsat_unsuitable",
                "A condition that makes a home test unsuitable: moderate to severe "
                "pulmonary disease, neuromuscular disease, congestive heart failure, or "
                "chronic opioid use.",
            ),
            (
                "other_disorder",
                "A sleep disorder other than obstructive sleep apnea is suspected, such as "
                "narcolepsy, periodic limb movement disorder or a parasomnia.",
            ),
        ),
        documentation=(
            "Documentation: the notes must give the home test result, the complicating "
            "condition or the features of the other suspected disorder. " + _STATEMENT_ONLY
        ),
        line_of_business=None,
        effective_from=date(2021, 1, 1),
        effective_to=None,
        updated_at=utc_timestamp(date(2025, 6, 30), 16, 45),
    ),
    PolicySpec(
        policy_id="MP-104",
        title="Bariatric surgery",
        scope=(
            "Scope: laparoscopic gastric bypass and sleeve gastrectomy for adults with "
            "severe obesity, commercial plans."
        ),
        combine="all",
        criteria=(
            (
                "bmi",
                "A body mass index of 40 or more, or of 35 or more with at least one "
                "obesity-related comorbidity (type 2 diabetes, hypertension or obstructive "
                "sleep apnea).",
            ),
            (
                "supervised_program",
                "Participation in a medically supervised weight-loss program for at least "
                "six consecutive months within the two years before surgery.",
            ),
            (
                "psych_eval",
                "A preoperative psychological evaluation that finds no contraindication to surgery.",
            ),
        ),
        documentation=(
            "Documentation: the notes must record the body mass index and comorbidities, "
            "the program with its duration, and the result of the psychological "
            "evaluation. " + _STATEMENT_ONLY
        ),
        line_of_business="commercial",
        effective_from=date(2022, 1, 1),
        effective_to=None,
        updated_at=utc_timestamp(date(2025, 1, 20), 11, 0),
    ),
    PolicySpec(
        policy_id="MP-105",
        title="Continued outpatient physical therapy",
        scope=(
            "Scope: therapeutic activities billed under a continued plan of care, for "
            "Community Care (Medicaid) members."
        ),
        combine="all",
        criteria=(
            (
                "pt_progress",
                "Objective, measurable functional improvement since the previous plan of "
                "care (for example range of motion, strength, gait speed or a standardized "
                "functional score).",
            ),
            (
                "pt_plan",
                "An updated plan of care with specific, time-limited goals, signed by the "
                "treating clinician.",
            ),
        ),
        documentation=(
            "Documentation: the notes must give the measurements compared with the previous "
            "plan of care and the signed, updated plan. " + _STATEMENT_ONLY
        ),
        line_of_business="medicaid",
        effective_from=date(2024, 1, 1),
        effective_to=None,
        updated_at=utc_timestamp(date(2024, 11, 18), 8, 30),
    ),
    PolicySpec(
        policy_id="MP-106",
        title="Continuous glucose monitoring",
        scope="Scope: continuous glucose monitors for Medicare Advantage members.",
        combine="all",
        criteria=(
            (
                "insulin_or_hypo",
                "Diabetes mellitus treated with insulin (multiple daily injections or an "
                "insulin pump), or a documented history of problematic level 2 or level 3 "
                "hypoglycemia.",
            ),
            (
                "recent_visit",
                "An in-person or telehealth visit with the treating practitioner within "
                "the six months before the order, to evaluate glycemic control.",
            ),
            (
                "device_training",
                "The member, or a caregiver, has been trained and is able to use the device as prescribed.",
            ),
        ),
        documentation=(
            "Documentation: the notes must describe the diabetes treatment or hypoglycemia "
            "history, the date and kind of the evaluation visit, and the training. " + _STATEMENT_ONLY
        ),
        line_of_business="medicare_advantage",
        effective_from=date(2023, 4, 1),
        effective_to=None,
        updated_at=utc_timestamp(date(2025, 9, 9), 13, 10),
    ),
    PolicySpec(
        policy_id="MP-107",
        title="Testing of 25-hydroxy vitamin D",
        scope=(
            "Scope: serum 25-hydroxy vitamin D testing. Population screening is not "
            "medically necessary. This policy was retired on 2025-12-31."
        ),
        combine="any",
        criteria=(
            ("ckd", "Chronic kidney disease of stage 3 or higher."),
            (
                "malabsorption",
                "A malabsorption condition: celiac disease, inflammatory bowel disease, "
                "pancreatic insufficiency or prior bariatric surgery.",
            ),
            (
                "bone_or_meds",
                "Osteoporosis, or long-term treatment with a medication that affects vitamin "
                "D metabolism (anticonvulsants, glucocorticoids).",
            ),
        ),
        documentation=(
            "Documentation: the notes must name the qualifying condition or medication. " + _STATEMENT_ONLY
        ),
        line_of_business=None,
        effective_from=date(2020, 1, 1),
        effective_to=date(2025, 12, 31),
        updated_at=utc_timestamp(date(2025, 12, 15), 10, 0),
    ),
    PolicySpec(
        policy_id="MP-108",
        title="Genetic testing for hereditary breast and ovarian cancer",
        scope=(
            "Scope: full sequence and deletion/duplication analysis of BRCA1 and BRCA2. "
            "This policy takes effect for services on or after 2026-04-01."
        ),
        combine="all",
        criteria=(
            (
                "family_history",
                "A personal history of breast cancer diagnosed at or before age 50 or of "
                "ovarian cancer, or a first- or second-degree blood relative with a known "
                "BRCA1 or BRCA2 pathogenic variant, breast cancer at or before age 50, "
                "ovarian cancer, or male breast cancer.",
            ),
            (
                "counseling",
                "Genetic counseling by a qualified clinician before the test.",
            ),
            (
                "management",
                "The result will be used to guide the member's medical management "
                "(surveillance, risk-reducing surgery or therapy selection).",
            ),
        ),
        documentation=(
            "Documentation: the notes must describe the personal or family history, the "
            "counseling visit and how the result will change management. " + _STATEMENT_ONLY
        ),
        line_of_business=None,
        effective_from=date(2026, 4, 1),
        effective_to=None,
        updated_at=utc_timestamp(date(2026, 3, 16), 15, 30),
    ),
)
POLICY_BY_ID: dict[str, PolicySpec] = {p.policy_id: p for p in POLICIES}


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


# --- bundles: the line sets a claim is built from ------------------------------------

Line = tuple[str, int, int]  # (code, min units, max units)


@dataclass(frozen=True, slots=True, kw_only=True)
class Bundle:
    """A realistic set of lines billed together, with its clinical area and specialty."""

    name: str
    area: str
    specialty: str
    lines: tuple[Line, ...]
    weight: float = 1.0

    @property
    def codes(self) -> tuple[str, ...]:
        """Procedure codes of the bundle, in line order."""
        return tuple(code for code, _, _ in self.lines)


def _b(name: str, area: str, specialty: str, weight: float, *lines: Line) -> Bundle:
    return Bundle(name=name, area=area, specialty=specialty, lines=lines, weight=weight)


FM, IM, RAD, LAB = "Family Medicine", "Internal Medicine", "Radiology", "Clinical Laboratory"
ORTHO, PT, DME = "Orthopedic Surgery", "Physical Therapy", "Durable Medical Equipment"

CLEAN_BUNDLES: tuple[Bundle, ...] = (
    _b("office_low", "general", FM, 10, ("99213", 1, 1)),
    _b("office_mod", "general", IM, 8, ("99214", 1, 1)),
    _b("office_labs", "general", IM, 6, ("99214", 1, 1), ("80053", 1, 1), ("85025", 1, 1)),
    _b("office_new", "general", FM, 4, ("99203", 1, 1)),
    _b("office_new_xray", "general", FM, 2, ("99204", 1, 1), ("71046", 1, 1)),
    _b("office_high", "general", IM, 2, ("99215", 1, 1), ("80061", 1, 1), ("83036", 1, 1)),
    _b("office_brief", "general", FM, 3, ("99212", 1, 1)),
    _b("office_new_brief", "general", FM, 2, ("99202", 1, 1)),
    _b("flu_shot", "general", FM, 3, ("99212", 1, 1), ("90686", 1, 1), ("90471", 1, 1)),
    _b("preventive_young", "preventive", FM, 2, ("99395", 1, 1)),
    _b("preventive_mid", "preventive", IM, 3, ("99396", 1, 1), ("80061", 1, 1)),
    _b("labs_basic", "lab", LAB, 4, ("80053", 1, 1), ("85025", 1, 1)),
    _b("a1c", "lab", LAB, 2, ("83036", 1, 1)),
    _b("lipids", "lab", LAB, 2, ("80061", 1, 1), ("80053", 1, 1)),
    _b("chest_xray", "imaging", RAD, 3, ("71046", 1, 1)),
    _b("head_ct", "imaging", RAD, 1, ("70450", 1, 1)),
    _b("abdominal_us", "imaging", RAD, 1.5, ("76700", 1, 1)),
    _b("mammogram", "imaging", RAD, 2, ("77067", 1, 1)),
    _b("knee_mri", "knee", RAD, 1, ("73721", 1, 1)),
    _b("joint_injection", "knee", ORTHO, 2, ("99213", 1, 1), ("20610", 1, 2)),
    _b("epidural", "spine", "Pain Medicine", 1, ("64483", 1, 1)),
    _b("colonoscopy", "gi", "Gastroenterology", 2, ("45378", 1, 1)),
    _b("endoscopy", "gi", "Gastroenterology", 1, ("43239", 1, 1)),
    _b("pt_eval", "therapy", PT, 2, ("97161", 1, 1)),
    _b("pt_session", "therapy", PT, 4, ("97110", 2, 4), ("97140", 1, 2)),
    _b("pt_ultrasound", "therapy", PT, 1, ("97110", 1, 3), ("97035", 1, 1)),
    _b("home_sleep_test", "sleep", "Sleep Medicine", 1.5, ("95806", 1, 1)),
    _b("cpap", "sleep", DME, 1, ("E0601", 1, 1)),
    _b("test_strips", "diabetes", DME, 1.5, ("A4253", 1, 3)),
    _b("diabetes_visit", "diabetes", "Endocrinology", 2, ("99214", 1, 1), ("83036", 1, 1)),
)

SENSITIVE_BUNDLES: dict[str, tuple[Bundle, ...]] = {
    "behavioral_health": (
        _b("psych_intake", "behavioral", "Psychiatry", 1, ("90791", 1, 1)),
        _b("psychotherapy_45", "behavioral", "Psychiatry", 2, ("90834", 1, 1)),
        _b("psychotherapy_60", "behavioral", "Psychiatry", 1, ("90837", 1, 1)),
    ),
    "hiv": (
        _b("hiv_visit", "hiv", "Infectious Disease", 1, ("99214", 1, 1), ("87389", 1, 1)),
        _b("hiv_follow_up", "hiv", "Infectious Disease", 1, ("99213", 1, 1)),
    ),
    "substance_use": (
        _b("intensive_outpatient", "substance", "Addiction Medicine", 2, ("H0015", 1, 5)),
        _b("screening_counsel", "substance", "Addiction Medicine", 1, ("99213", 1, 1), ("99408", 1, 1)),
        _b("opioid_treatment", "substance", "Addiction Medicine", 1, ("H0020", 1, 7)),
    ),
}

HIGH_VALUE_BUNDLES: tuple[Bundle, ...] = (
    _b("knee_replacement", "surgery", ORTHO, 2, ("27447", 1, 1), ("99223", 1, 1)),
    _b("bypass_graft", "surgery", "Cardiothoracic Surgery", 1, ("33533", 1, 1), ("99223", 1, 3)),
    _b("laminectomy", "surgery", ORTHO, 1, ("63047", 1, 1)),
)
KNEE_REPLACEMENT_ONLY = _b("knee_replacement_only", "surgery", ORTHO, 1, ("27447", 1, 1))

POLICY_BUNDLES: dict[str, tuple[Bundle, ...]] = {
    "MP-101": (
        _b("lumbar_mri", "spine", RAD, 3, ("72148", 1, 1)),
        _b("lumbar_mri_contrast", "spine", RAD, 1, ("72158", 1, 1)),
    ),
    "MP-102": (
        _b("arthroscopy_one", "knee", ORTHO, 3, ("29881", 1, 1)),
        _b("arthroscopy_both", "knee", ORTHO, 1, ("29880", 1, 1)),
        _b("arthroscopy_injection", "knee", ORTHO, 1, ("29881", 1, 1), ("20610", 1, 1)),
    ),
    "MP-103": (_b("attended_sleep_study", "sleep", "Sleep Medicine", 1, ("95810", 1, 1)),),
    "MP-104": (
        _b("gastric_bypass", "weight", "General Surgery", 1, ("43644", 1, 1)),
        _b("sleeve_gastrectomy", "weight", "General Surgery", 1, ("43775", 1, 1)),
    ),
    "MP-105": (
        _b("pt_continued", "therapy", PT, 2, ("97530", 2, 4)),
        _b("pt_continued_exercise", "therapy", PT, 1, ("97530", 1, 3), ("97110", 1, 2)),
    ),
    "MP-106": (
        _b("cgm", "diabetes", DME, 2, ("E2103", 1, 1)),
        _b("cgm_strips", "diabetes", DME, 1, ("E2103", 1, 1), ("A4253", 1, 2)),
    ),
    "MP-107": (
        _b("vitamin_d", "vitd", LAB, 2, ("82306", 1, 1)),
        _b("vitamin_d_panel", "vitd", LAB, 1, ("82306", 1, 1), ("80053", 1, 1)),
    ),
    "MP-108": (_b("brca_panel", "genetics", "Medical Genetics", 1, ("81162", 1, 1)),),
}
HIGH_VALUE_POLICY_BUNDLE = _b(
    "gastric_bypass_stay", "weight", "General Surgery", 1, ("43644", 1, 1), ("99223", 2, 4)
)


def _areas_of_codes() -> dict[str, tuple[str, str]]:
    areas: dict[str, tuple[str, str]] = {"15823": ("cosmetic", "Plastic Surgery")}
    for bundle in (
        *CLEAN_BUNDLES,
        *(b for group in SENSITIVE_BUNDLES.values() for b in group),
        *HIGH_VALUE_BUNDLES,
        *(b for group in POLICY_BUNDLES.values() for b in group),
    ):
        for code in bundle.codes:
            areas.setdefault(code, (bundle.area, bundle.specialty))
    return areas


AREA_OF_CODE: dict[str, tuple[str, str]] = _areas_of_codes()
"""``code -> (area, specialty)`` of the first bundle billing it (for ad-hoc lines)."""

AREA_PLACES: dict[str, tuple[str, ...]] = {
    "general": ("11", "11", "11", "02", "10", "20"),
    "preventive": ("11",),
    "lab": ("81", "11"),
    "vitd": ("81", "11"),
    "genetics": ("81", "11"),
    "imaging": ("22", "11", "19"),
    "knee": ("24", "22", "11"),
    "spine": ("22", "11", "19"),
    "gi": ("24", "22"),
    "therapy": ("11", "12", "62"),
    "sleep": ("11", "22", "12"),
    "diabetes": ("12", "11"),
    "weight": ("21", "22"),
    "surgery": ("21",),
    "behavioral": ("11", "53", "02", "10"),
    "substance": ("57", "58", "55"),
    "hiv": ("11", "71"),
    "cosmetic": ("24", "22"),
}

DIAGNOSES: dict[str, tuple[str, ...]] = {
    "general": _words("I10 E78.5 J06.9 R53.83 K21.9 E11.9 J20.9 M25.511 R10.9 N39.0 E03.9 J30.9"),
    "preventive": _words("Z00.00 Z00.01"),
    "lab": _words("E78.5 E11.9 R73.03 D64.9 E03.9 Z79.899"),
    "imaging": _words("R07.9 R51.9 R10.9 R05.9 J18.9 Z12.31 N20.0"),
    "knee": _words("M25.561 M25.562 M23.221 M23.222 S83.241A S83.242A M17.11 M17.12 M23.205"),
    "spine": _words("M54.50 M54.51 M54.59 M54.16 M54.17 M51.16 M51.17 M48.062 M54.41 M54.42"),
    "gi": _words("K21.9 K57.30 R19.5 Z12.11 K25.9 K92.1"),
    "therapy": _words("M25.561 M54.50 M62.81 R26.89 Z96.651 M75.101 S83.241D"),
    "sleep": _words("G47.33 G47.30 R06.83 G47.10 G47.411 G47.61"),
    "weight": _words("E66.01 Z68.41 Z68.42 Z68.35 Z68.36 E11.9 I10 G47.33"),
    "diabetes": _words("E11.65 E11.9 E10.65 E10.9 E11.649 Z79.4 E11.22"),
    "vitd": _words("E55.9 N18.30 N18.31 N18.32 K90.0 M81.0 R53.83"),
    "genetics": _words("Z80.3 Z15.01 C50.911 Z80.41 Z85.3 Z15.02"),
    "behavioral": _words("F32.1 F32.9 F33.1 F41.1 F43.10 F32.A F41.0"),
    "substance": _words("F10.20 F11.20 F12.20 F10.10 F11.10 F14.20"),
    "hiv": _words("B20 Z21"),
    "surgery": _words("M17.11 M17.12 I25.10 I25.110 M48.062 M48.061"),
    "cosmetic": _words("H02.831 H02.834 H02.832"),
}

INVALID_DIAGNOSES: tuple[str, ...] = _words(
    """
    Z99.999 XYZ12 E11.999 M54.99 K21.90 R52.0 12345
    """
)
"""Codes that are not ICD-10-CM codes at all (typos, invented, wrong shape)."""

NON_BILLABLE_DIAGNOSES: tuple[str, ...] = _words(
    """
    M54.5 E11 J45.9 N18.3 M23.2 S83.24 I25.1 M17.1 G47.3 K57.3
    """
)
"""Valid ICD-10-CM categories and subcategories that have children, so are not billable."""


@lru_cache(maxsize=1)
def verified_code_pools() -> dict[str, tuple[str, ...]]:
    """The diagnosis pools, after checking each code against the code set.

    A curated code that the installed ICD-10-CM release does not list as billable (or an
    "invalid" one that it does accept) would silently change the ground truth, so the
    check fails loudly instead.
    """
    for area, codes in DIAGNOSES.items():
        for code in codes:
            if not codesets.is_billable_icd10(code):
                raise ValueError(f"diagnosis {code} of area {area} is not billable")
    for code in INVALID_DIAGNOSES:
        if codesets.icd10_status(code) != "invalid":
            raise ValueError(f"{code} was expected to be invalid")
    for code in NON_BILLABLE_DIAGNOSES:
        if codesets.icd10_status(code) != "not_billable":
            raise ValueError(f"{code} was expected to be valid but not billable")
    return dict(DIAGNOSES)


_SENSITIVE_PREFIXES = ("F", "B20", "Z21", "O", "Z3", "R75", "Z71.4", "Z71.5")


@lru_cache(maxsize=1)
def secondary_diagnoses() -> tuple[str, ...]:
    """Billable codes usable as an incidental extra diagnosis on any claim.

    Mental health, substance use, HIV and pregnancy codes are left out: on a real
    platform they would have set the claim's sensitivity at intake. Each code is also
    re-checked with ``is_billable_icd10``, because the package's leaf list includes a
    few block ranges and placeholder codes that the shape check rejects.
    """
    return tuple(
        c
        for c in codesets.billable_icd10_codes()
        if not c.startswith(_SENSITIVE_PREFIXES) and codesets.is_billable_icd10(c)
    )


# --- people and places: fictional, combined at random ---------------------------------

FIRST_NAMES: tuple[str, ...] = _words(
    """
    Avery Blake Casey Dana Elliot Frankie Gale Harper Indra Jordan Kai Linden Morgan
    Noel Oakley Parker Quinn Reese Sage Tatum Umi Vesna Wren Xiomara Yael Zion Ada Bruno
    Celia Dmitri Esme Farid Greta Hiro Ines Jonah Kalani Lior Mira Nikhil Odette Pavel
    Rosalind Soren Thea Ulrich Valentina Wendell Yusuf Zora Amara Bastian Carmen Desmond
    Elif Florian Gemma Hassan Ilse Joaquin Keiko Lucian Marisol Nadia Osric Priya Rafael
    Selma Tobias Anouk
    """
)
LAST_NAMES: tuple[str, ...] = _words(
    """
    Abernathy Bellweather Castellan Dunmore Ellery Fairweather Galloway Hollis Ingram
    Jessup Kettering Lockhart Marchetti Northcote Okonkwo Pemberton Quintero Rasmussen
    Sandoval Thackeray Underhill Valdivia Whitcombe Yarborough Zeller Ashdown Blackwood
    Cardenas Delacroix Eastwick Fennimore Grimaldi Hawthorne Iverson Jablonski Kowalczyk
    Lindqvist Moreau Nakashima Oyelaran Petrakis Rourke Santangelo Trevelyan Umberto
    Vasquez-Hale Westergaard Yoshida Zabriskie Alcott Brightwater Colquitt Drummond
    Esposito Farraday Goldberg Halvorsen Ishikawa Juarez Kimathi Larkspur Mbeki
    Nightingale Ostrander Prewitt Quarles Redfern Silvermoon Tolliver Vanterpool
    """
)
STREETS: tuple[str, ...] = _words(
    """
    Alder Birch Cedar Dogwood Elm Fir Ginkgo Hazel Ironwood Juniper Larch Magnolia
    Nutmeg Oak Pine Quince Rowan Spruce Tamarack Willow Harbor Lantern Millpond Orchard
    Quarry Ridge
    """
)
STREET_KINDS: tuple[str, ...] = ("St", "Ave", "Rd", "Ln", "Way", "Ct", "Blvd", "Pl")
CITIES: dict[str, tuple[str, ...]] = {
    "north": ("Harrow Point", "Frostmere", "Northfield Landing"),
    "south": ("Sallow Bay", "Cypress Hollow", "Port Amberly"),
    "east": ("Dawnhaven", "Easton Mills", "Brightcove"),
    "west": ("Sunset Gap", "Westmarch", "Copper Flats"),
    "central": ("Midvale", "Hearthstone", "Crossroads Junction"),
}
CREDENTIALS: dict[str, tuple[str, ...]] = {
    "Physical Therapy": ("DPT", "PT", "PTA"),
    "Clinical Laboratory": ("MD", "MLS"),
    "Durable Medical Equipment": ("RN", "CDCES", "RRT"),
    "Psychiatry": ("MD", "PsyD", "LCSW"),
    "Addiction Medicine": ("MD", "LCSW", "CADC"),
    "Medical Genetics": ("MD", "MS, CGC"),
}
DEFAULT_CREDENTIALS: tuple[str, ...] = ("MD", "DO", "MD", "NP", "PA-C", "RN")
ORGANIZATION_SUFFIX: dict[str, str] = {
    "Radiology": "Imaging Center",
    "Clinical Laboratory": "Laboratory",
    "Physical Therapy": "Physical Therapy",
    "Durable Medical Equipment": "Medical Supply",
    "Sleep Medicine": "Sleep Center",
    "Addiction Medicine": "Recovery Services",
    "Psychiatry": "Behavioral Health",
    "Family Medicine": "Family Practice",
    "Orthopedic Surgery": "Orthopedics",
}
PLACE_WORDS: tuple[str, ...] = (
    "Harborview",
    "Cedar Ridge",
    "Lakeshore",
    "Summit",
    "Riverbend",
    "Northwind",
    "Bluestone",
    "Meadowlark",
    "Granite Peak",
    "Silverbrook",
    "Oakhaven",
    "Pinecrest",
)
SPECIALTIES: tuple[str, ...] = tuple(
    sorted(
        {b.specialty for b in CLEAN_BUNDLES}
        | {b.specialty for g in SENSITIVE_BUNDLES.values() for b in g}
        | {b.specialty for b in HIGH_VALUE_BUNDLES}
        | {b.specialty for g in POLICY_BUNDLES.values() for b in g}
        | {"Plastic Surgery", "Hospital Medicine"}
    )
)
