"""Keystone Family Health's medical policies: criteria, the sentences notes use about them, and revisions.

Each policy names its criteria once: the statement printed in the policy body, and
what a clinician of this family writes when a criterion is met, is not met, or is only
gestured at.
"""

from __future__ import annotations

from datetime import date, timedelta

from interlock.domains.claims.testing.otherparty.bodies import keystone_body
from interlock.domains.claims.testing.otherparty.model import Combine, Criterion, LineOfBusiness, Policy, utc

__all__ = [
    "CUFF_REPAIR",
    "FACET",
    "FACET_OLD",
    "GASTRIC_BYPASS",
    "GLUCOSE_MONITOR",
    "HIP_REPLACEMENT",
    "HOSPITAL_BED",
    "NALTREXONE",
    "NECK_MRI",
    "NECK_MRI_OLD",
    "POLICIES",
    "SEPTOPLASTY",
    "STIMULATOR",
    "VEIN_ABLATION",
]


def _policy(
    policy_id: str,
    title: str,
    service: str,
    combine: Combine,
    criteria: tuple[Criterion, ...],
    *,
    lob: LineOfBusiness | None = None,
    start: date,
    end: date | None = None,
    archived: bool = False,
) -> Policy:
    body = keystone_body(
        policy_id=policy_id,
        title=title,
        service=service,
        combine=combine,
        criteria=criteria,
        line_of_business=lob,
        effective_from=start,
        archived=archived,
    )
    revised = utc(start + timedelta(days=3), 16, 40)
    return Policy(
        policy_id=policy_id,
        title=title,
        combine=combine,
        criteria=criteria,
        body=body,
        line_of_business=lob,
        effective_from=start,
        effective_to=end,
        updated_at=revised if end is None else utc(end, 23),
    )


def _duration(subject: str, weeks: int, statement: str) -> Criterion:
    return Criterion(kind="duration", statement=statement, subject=subject, minimum=weeks)


def _therapy(subject: str, weeks: int, therapies: tuple[str, ...], statement: str) -> Criterion:
    return Criterion(kind="therapy", statement=statement, subject=subject, minimum=weeks, therapies=therapies)


def _finding(
    statement: str, met: tuple[str, ...], not_met: tuple[str, ...], vague: tuple[str, ...]
) -> Criterion:
    return Criterion(kind="finding", statement=statement, met=met, not_met=not_met, vague=vague)


NECK_MRI = _policy(
    "MP.RAD.0012",
    "Magnetic Resonance Imaging, Cervical Spine",
    "cervical spine MRI",
    "all",
    (
        _duration(
            "neck pain with arm symptoms", 6, "neck pain with arm symptoms lasting six weeks or longer"
        ),
        _therapy(
            "conservative management",
            6,
            ("physical therapy", "chiropractic manipulation", "a home exercise program"),
            "six weeks or more of conservative management (physical therapy, chiropractic manipulation or a "
            "home exercise program) without improvement",
        ),
        _finding(
            "objective neurological signs: focal arm weakness, a reflex change or a positive Spurling test",
            (
                "Strength 4/5 in the right triceps; triceps reflex diminished.",
                "Spurling maneuver reproduces the arm pain on the left.",
            ),
            ("Upper-extremity strength, reflexes and sensation all normal; Spurling negative.",),
            ("Neuro check next time.",),
        ),
    ),
    start=date(2021, 2, 1),
)

NECK_MRI_OLD = _policy(
    "MP.RAD.0012.R0",
    "Magnetic Resonance Imaging, Cervical Spine",
    "cervical spine MRI",
    "any",
    (
        Criterion(kind="finding", statement="neck pain for four weeks"),
        Criterion(kind="finding", statement="trauma with suspected ligament injury"),
    ),
    start=date(2016, 1, 1),
    end=date(2021, 1, 31),
    archived=True,
)

CUFF_REPAIR = _policy(
    "MP.SUR.0044",
    "Rotator Cuff Repair",
    "rotator cuff repair",
    "all",
    (
        _finding(
            "a full-thickness rotator cuff tear confirmed by MRI or ultrasound",
            (
                "MRI shows a full-thickness supraspinatus tear with 1.5 cm retraction.",
                "Ultrasound: complete tear of the supraspinatus tendon.",
            ),
            (
                "MRI shows tendinosis with a low-grade partial tear, no full-thickness defect.",
                "Imaging: intact rotator cuff.",
            ),
            ("Shoulder imaging ordered.",),
        ),
        _therapy(
            "non-surgical treatment",
            12,
            ("physical therapy", "a subacromial steroid injection", "anti-inflammatory medication"),
            "twelve weeks or more of non-surgical treatment that did not restore function",
        ),
        _finding(
            "weakness or loss of function with overhead activity",
            (
                "Cannot lift the arm above shoulder height; positive drop-arm sign.",
                "Marked weakness on resisted external rotation; cannot reach overhead shelves.",
            ),
            ("Full strength and full overhead range of motion.",),
            ("Range of motion to be reassessed.",),
        ),
    ),
    start=date(2022, 9, 1),
)

HIP_REPLACEMENT = _policy(
    "MP.SUR.0051",
    "Total Hip Arthroplasty",
    "total hip arthroplasty",
    "all",
    (
        _finding(
            "radiographic evidence of advanced hip arthritis or avascular necrosis",
            (
                "AP pelvis: near-complete loss of superior joint space, subchondral cysts.",
                "Radiographs show collapse of the femoral head from avascular necrosis.",
            ),
            ("Hip films show mild degenerative change only.", "X-ray of the hip within normal limits."),
            ("Hip X-ray pending.",),
        ),
        _therapy(
            "non-operative care",
            12,
            (
                "physical therapy",
                "anti-inflammatory medication",
                "an intra-articular injection",
                "use of a cane",
            ),
            "at least twelve weeks of non-operative care",
        ),
        _finding(
            "pain or disability that interferes with daily function",
            (
                "Hip pain wakes her nightly and limits walking to 10 minutes.",
                "Unable to put on shoes or socks because of hip stiffness.",
            ),
            ("Plays tennis twice a week; no functional limitation.", "Walks without limitation; pain mild."),
            ("Function discussed.",),
        ),
    ),
    start=date(2023, 1, 1),
)

GASTRIC_BYPASS = _policy(
    "MP.SUR.0067",
    "Gastric Bypass (Roux-en-Y)",
    "Roux-en-Y gastric bypass",
    "all",
    (
        Criterion(
            kind="measure",
            statement="a body mass index of at least 40",
            met=("Body mass index {v}.", "BMI measured at {v} today."),
            not_met=("Body mass index {low}.", "BMI measured at {low} today."),
            vague=("Weight trending up.",),
            minimum=40,
            floor=28,
            maximum=63,
            decimals=1,
        ),
        _therapy(
            "supervised dieting",
            24,
            ("a physician-supervised diet program", "a structured weight-loss program"),
            "six months (24 weeks) or more in a supervised diet program",
        ),
        _finding(
            "clearance from a behavioral health evaluation",
            (
                "Behavioral health evaluation complete and supportive.",
                "Cleared by psychologist for bariatric surgery.",
            ),
            ("Behavioral health evaluation did not support surgery.",),
            ("Behavioral health evaluation to be scheduled.",),
        ),
    ),
    lob="commercial",
    start=date(2022, 5, 1),
)

STIMULATOR = _policy(
    "MP.PAIN.0020",
    "Spinal Cord Stimulator Trial",
    "a percutaneous spinal cord stimulator trial",
    "all",
    (
        _duration("neuropathic limb pain", 26, "neuropathic limb pain for six months (26 weeks) or longer"),
        _therapy(
            "conservative management",
            26,
            ("neuropathic pain medication", "physical therapy", "interventional pain procedures"),
            "six months or more of conservative management without adequate relief",
        ),
        _finding(
            "a psychological evaluation with no untreated condition that would interfere with the trial",
            ("Psychological screening completed; no contraindication to a stimulator trial.",),
            ("Psychological screening found untreated major depression; trial not advised.",),
            ("Psych screen ordered.",),
        ),
    ),
    start=date(2021, 10, 1),
)

FACET = _policy(
    "MP.PAIN.0031",
    "Cervical Facet Joint Injections",
    "a cervical facet joint injection",
    "all",
    (
        _duration("axial neck pain", 12, "axial neck pain for twelve weeks or longer"),
        _finding(
            "no radicular symptoms in the arms",
            ("No arm pain, numbness or tingling.", "Pain stays in the neck; no radiation."),
            (
                "Pain shoots into the right hand with numbness of the thumb.",
                "Radiating arm pain and paresthesias.",
            ),
            ("Arm symptoms not assessed.",),
        ),
        Criterion(
            kind="measure",
            statement="pain of at least 6 on a 10-point scale",
            met=("Pain score {v}/10.", "NRS {v}."),
            not_met=("Pain score {low}/10.", "NRS {low}."),
            vague=("Pain score not recorded.",),
            minimum=6,
            floor=1,
            maximum=10,
        ),
    ),
    start=date(2024, 4, 1),
)

FACET_OLD = _policy(
    "MP.PAIN.0031.R1",
    "Cervical Facet Joint Injections",
    "a cervical facet joint injection",
    "all",
    (
        Criterion(kind="finding", statement="axial neck pain for six weeks or longer"),
        Criterion(kind="finding", statement="a diagnostic medial branch block with 50% relief"),
    ),
    start=date(2020, 1, 1),
    end=date(2024, 3, 31),
    archived=True,
)

GLUCOSE_MONITOR = _policy(
    "MP.DME.0008",
    "Continuous Glucose Monitoring",
    "a continuous glucose monitor",
    "any",
    (
        _finding(
            "diabetes treated with multiple daily insulin injections or an insulin pump",
            ("On basal-bolus insulin, four injections daily.", "Uses an insulin pump."),
            ("Managed on metformin alone; no insulin.", "Diet-controlled diabetes, no insulin."),
            ("Diabetes regimen under review.",),
        ),
        _finding(
            "recurrent level 2 hypoglycemia (glucose below 54 mg/dL)",
            (
                "Several glucose readings below 50 mg/dL this month.",
                "Two episodes of hypoglycemia at 45 mg/dL.",
            ),
            ("No hypoglycemic episodes.", "No readings under 70 mg/dL."),
            ("Glucose log to be reviewed.",),
        ),
    ),
    start=date(2023, 3, 1),
)

HOSPITAL_BED = _policy(
    "MP.DME.0015",
    "Hospital Beds, Semi-Electric",
    "a semi-electric hospital bed",
    "all",
    (
        _finding(
            "a condition requiring positioning of the body that is not feasible in an ordinary bed",
            (
                "Requires head of bed above 30 degrees for heart failure with orthopnea.",
                "Needs frequent repositioning after spinal cord injury.",
            ),
            ("Sleeps comfortably in a regular bed; no positioning needs.",),
            ("Sleeping arrangements discussed.",),
        ),
        _finding(
            "wedges, pillows or other bed aids tried and found inadequate",
            ("Wedges and pillows tried without success.",),
            ("Pillow elevation works well at home.",),
            ("Pillows suggested.",),
        ),
    ),
    lob="medicaid",
    start=date(2019, 7, 1),
)

VEIN_ABLATION = _policy(
    "MP.VAS.0003",
    "Endovenous Ablation of Varicose Veins",
    "endovenous ablation",
    "all",
    (
        Criterion(
            kind="measure",
            statement="reflux of 500 milliseconds or longer in the treated vein on duplex ultrasound",
            met=("Duplex: great saphenous reflux {v} ms.", "GSV reflux time {v} milliseconds."),
            not_met=("Duplex: great saphenous reflux {low} ms.", "GSV reflux time {low} milliseconds."),
            vague=("Duplex scheduled.",),
            minimum=500,
            floor=90,
            maximum=2600,
        ),
        _therapy(
            "compression therapy",
            12,
            ("prescription compression stockings", "graduated compression hose"),
            "twelve weeks or more of compression therapy",
        ),
        _finding(
            "symptoms (aching, heaviness or swelling) that interfere with daily activities",
            (
                "Leg heaviness and swelling by midday force her to stop working.",
                "Aching calves keep him from standing at work.",
            ),
            ("Veins cause no symptoms; request is for appearance.",),
            ("Swelling mentioned in passing.",),
        ),
    ),
    start=date(2022, 1, 1),
)

SEPTOPLASTY = _policy(
    "MP.ENT.0009",
    "Septoplasty",
    "septoplasty",
    "all",
    (
        _finding(
            "septal deviation causing nasal obstruction on examination",
            ("Marked septal deviation to the left obstructing the airway.",),
            ("Septum midline.",),
            ("Nasal exam limited.",),
        ),
        _therapy(
            "medical therapy",
            4,
            ("intranasal steroid spray", "saline irrigation"),
            "four weeks or more of medical therapy",
        ),
    ),
    start=date(2017, 1, 1),
    end=date(2024, 6, 30),
)

NALTREXONE = _policy(
    "MP.BH.0022",
    "Extended-Release Injectable Naltrexone",
    "extended-release injectable naltrexone",
    "all",
    (
        _finding(
            "a diagnosis of opioid or alcohol use disorder",
            ("Meets criteria for moderate alcohol use disorder.", "Opioid use disorder, severe."),
            ("No substance use disorder identified.",),
            ("Substance use history pending.",),
        ),
        _finding(
            "no opioid use for at least 7 days",
            ("Urine toxicology negative for opioids; last use 12 days ago.",),
            ("Used heroin yesterday.",),
            ("Last use unclear.",),
        ),
    ),
    start=date(2021, 1, 1),
)

POLICIES = (
    NECK_MRI,
    NECK_MRI_OLD,
    CUFF_REPAIR,
    HIP_REPLACEMENT,
    GASTRIC_BYPASS,
    STIMULATOR,
    FACET,
    FACET_OLD,
    GLUCOSE_MONITOR,
    HOSPITAL_BED,
    VEIN_ABLATION,
    SEPTOPLASTY,
    NALTREXONE,
)
