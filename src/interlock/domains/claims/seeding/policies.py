"""The payer's medical policies: prose criteria, how they combine, where and when they apply.

Rule 9 of CLAIMS_POLICY.md is decided against these documents; the notes are written
criterion by criterion against ``PolicySpec.criteria`` so that their ground truth is
known. Fixed data: every seed shares the same policies.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from interlock.domains.claims.seeding.basics import utc_timestamp

Combine = Literal["all", "any"]


COMBINE_SENTENCE: dict[Combine, str] = {
    "all": "All of the following criteria must be met:",
    "any": "At least one of the following criteria must be met:",
}


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
