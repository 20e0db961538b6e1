"""Bundles: the realistic line sets a claim is built from, with clinical area and specialty.

A claim's lines, place of service and diagnoses must belong together, so claims draw
whole bundles rather than single codes; the specialty of a bundle also decides which
providers and clinicians may bill and write notes for it.
"""

from __future__ import annotations

from dataclasses import dataclass

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
SPECIALTIES: tuple[str, ...] = tuple(
    sorted(
        {b.specialty for b in CLEAN_BUNDLES}
        | {b.specialty for g in SENSITIVE_BUNDLES.values() for b in g}
        | {b.specialty for b in HIGH_VALUE_BUNDLES}
        | {b.specialty for g in POLICY_BUNDLES.values() for b in g}
        | {"Plastic Surgery", "Hospital Medicine"}
    )
)
