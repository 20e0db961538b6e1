"""Cascade Mutual's clinical policy bulletins: criteria, the sentences notes use about them, and revisions.

Each policy names its criteria once: the statement printed in the policy body, and
what a clinician of this family writes when a criterion is met, is not met, or is only
gestured at.
"""

from __future__ import annotations

from datetime import date

from interlock.domains.claims.testing.otherparty.bodies import cascade_body
from interlock.domains.claims.testing.otherparty.model import Combine, Criterion, LineOfBusiness, Policy, utc

__all__ = [
    "ARTHROSCOPY",
    "BARIATRIC",
    "CARPAL_TUNNEL",
    "CPAP",
    "EPIDURAL",
    "EPIDURAL_OLD",
    "KNEE_MRI",
    "KNEE_REPLACEMENT",
    "LUMBAR_FUSION",
    "LUMBAR_MRI",
    "LUMBAR_MRI_OLD",
    "POLICIES",
    "POWER_CHAIR",
    "RESIDENTIAL_SUD",
    "SLEEP_STUDY",
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
    body = cascade_body(
        policy_id=policy_id,
        title=title,
        service=service,
        combine=combine,
        criteria=criteria,
        line_of_business=lob,
        effective_from=start,
        archived=archived,
    )
    return Policy(
        policy_id=policy_id,
        title=title,
        combine=combine,
        criteria=criteria,
        body=body,
        line_of_business=lob,
        effective_from=start,
        effective_to=end,
        updated_at=utc(start, 14, 5) if end is None else utc(date(2024, 7, 2), 9, 30),
    )


def _duration(subject: str, weeks: int, statement: str) -> Criterion:
    return Criterion(kind="duration", statement=statement, subject=subject, minimum=weeks)


def _therapy(subject: str, weeks: int, therapies: tuple[str, ...], statement: str) -> Criterion:
    return Criterion(kind="therapy", statement=statement, subject=subject, minimum=weeks, therapies=therapies)


def _finding(
    statement: str, met: tuple[str, ...], not_met: tuple[str, ...], vague: tuple[str, ...]
) -> Criterion:
    return Criterion(kind="finding", statement=statement, met=met, not_met=not_met, vague=vague)


LUMBAR_MRI = _policy(
    "CPB-0118",
    "Magnetic Resonance Imaging (MRI) of the Lumbar Spine",
    "MRI of the lumbar spine",
    "all",
    (
        _duration(
            "low back pain",
            6,
            "low back pain, with or without sciatica, that has persisted for at least 6 weeks",
        ),
        _therapy(
            "conservative care",
            6,
            ("physical therapy", "a supervised home exercise program", "chiropractic care"),
            "at least 6 weeks of conservative treatment (physical therapy, a supervised home exercise "
            "program or chiropractic care) without adequate improvement",
        ),
        _finding(
            "a neurological deficit on examination, such as a diminished reflex, dermatomal sensory "
            "loss or focal weakness",
            (
                "Exam: diminished left ankle reflex and decreased sensation over the L5 dermatome.",
                "On exam, 4/5 weakness of right great toe extension.",
                "Patellar reflex reduced on the right with numbness along the medial shin.",
            ),
            (
                "Neurological exam normal: reflexes symmetric, strength 5/5, sensation intact.",
                "No focal neurological deficit on examination.",
            ),
            ("Neuro exam deferred today.", "Will examine further at next visit."),
        ),
    ),
    start=date(2021, 1, 1),
)

LUMBAR_MRI_OLD = _policy(
    "CPB-0118-2017",
    "Magnetic Resonance Imaging (MRI) of the Lumbar Spine",
    "MRI of the lumbar spine",
    "any",
    (
        Criterion(kind="finding", statement="suspected cauda equina syndrome, infection or malignancy"),
        Criterion(kind="finding", statement="low back pain persisting for at least 4 weeks"),
    ),
    start=date(2017, 1, 1),
    end=date(2020, 12, 31),
    archived=True,
)

KNEE_MRI = _policy(
    "CPB-0125",
    "MRI of the Knee",
    "MRI of the knee",
    "any",
    (
        _finding(
            "a positive McMurray, Lachman or anterior drawer test on examination",
            (
                "Positive McMurray test medially.",
                "Lachman positive with a soft endpoint.",
                "Anterior drawer test positive on the left.",
            ),
            ("McMurray, Lachman and drawer tests all negative.", "Ligament and meniscal tests negative."),
            ("Knee examined.", "Special tests not performed."),
        ),
        _finding(
            "a knee effusion that persists although plain radiographs do not explain it",
            (
                "Recurrent effusion; plain films unremarkable.",
                "Persistent knee effusion despite normal X-rays.",
            ),
            ("No effusion.", "Knee without effusion."),
            ("X-rays requested.",),
        ),
        _therapy(
            "conservative care",
            6,
            ("physical therapy", "bracing", "anti-inflammatory medication"),
            "knee pain that has not improved after at least 6 weeks of conservative care (physical therapy, "
            "bracing or anti-inflammatory medication)",
        ),
    ),
    start=date(2020, 5, 1),
)

ARTHROSCOPY = _policy(
    "CPB-0231",
    "Knee Arthroscopy with Meniscectomy",
    "arthroscopic meniscectomy of the knee",
    "all",
    (
        _finding(
            "mechanical symptoms such as locking, catching or giving way",
            (
                "Knee locks several times a week and catches on stairs.",
                "Reports the knee giving way and locking.",
            ),
            ("Denies locking, catching or giving way.", "No mechanical symptoms; pain only."),
            ("Knee symptoms reviewed.",),
        ),
        _finding(
            "a meniscal tear shown on MRI",
            (
                "MRI: complex tear of the posterior horn of the medial meniscus.",
                "MRI confirms a bucket-handle tear of the lateral meniscus.",
            ),
            ("MRI shows intact menisci; mild chondromalacia only.", "MRI negative for meniscal tear."),
            ("MRI to be scheduled.", "Awaiting MRI."),
        ),
        _therapy(
            "conservative care",
            4,
            ("physical therapy", "a home exercise program"),
            "at least 4 weeks of physical therapy or a home exercise program",
        ),
    ),
    start=date(2021, 6, 1),
)

SLEEP_STUDY = _policy(
    "CPB-0307",
    "Attended Polysomnography",
    "attended in-laboratory polysomnography",
    "any",
    (
        _finding(
            "a home sleep apnea test that was technically inadequate, or negative despite a high pretest probability",
            (
                "Home sleep test failed: under 4 hours of usable recording.",
                "HSAT negative (AHI 3) despite loud snoring, witnessed apneas and Epworth 16.",
            ),
            ("Home sleep test was technically adequate and diagnostic.",),
            ("Sleep testing discussed.",),
        ),
        _finding(
            "suspected narcolepsy, parasomnia or periodic limb movement disorder",
            (
                "Cataplexy episodes reported; narcolepsy suspected.",
                "Complex nocturnal behaviours concerning for parasomnia.",
            ),
            ("No features of narcolepsy, parasomnia or limb movements.",),
            ("Night-time events described vaguely.",),
        ),
        _finding(
            "moderate to severe heart failure, chronic obstructive pulmonary disease or neuromuscular disease",
            ("Known heart failure, EF 30%.", "Severe COPD on home oxygen."),
            ("No significant cardiopulmonary or neuromuscular disease.",),
            ("Cardiac history to be obtained.",),
        ),
    ),
    start=date(2022, 3, 1),
)

BARIATRIC = _policy(
    "CPB-0422",
    "Bariatric Surgery",
    "bariatric surgery",
    "all",
    (
        Criterion(
            kind="measure",
            statement="a body mass index of 40 or more",
            met=("BMI {v}.", "Current BMI is {v} kg/m2."),
            not_met=("BMI {low}.", "Current BMI is {low} kg/m2, below the surgical threshold."),
            vague=("Weight discussed.", "Has struggled with weight for years."),
            minimum=40,
            floor=29,
            maximum=61,
            decimals=1,
        ),
        _therapy(
            "supervised weight management",
            24,
            ("a medically supervised weight-management program", "a dietitian-led weight program"),
            "participation in a medically supervised weight-management program for at least 24 weeks within "
            "the past two years",
        ),
        _finding(
            "a psychological evaluation that finds no contraindication to surgery",
            (
                "Psychology evaluation completed; cleared for surgery.",
                "Behavioral health assessment supports proceeding.",
            ),
            (
                "Psychological evaluation advised against surgery at this time.",
                "Declines the required psychological evaluation.",
            ),
            ("Psych referral discussed.",),
        ),
    ),
    lob="commercial",
    start=date(2023, 1, 1),
)

EPIDURAL = _policy(
    "CPB-0519",
    "Epidural Steroid Injections, Lumbar",
    "a lumbar epidural steroid injection",
    "all",
    (
        _finding(
            "radicular pain in a dermatomal distribution",
            (
                "Pain radiates down the posterior thigh to the lateral foot in an S1 pattern.",
                "Radicular pain following the L5 dermatome.",
            ),
            ("Axial back pain only; no radiation into the legs.", "Pain does not radiate."),
            ("Leg symptoms discussed.",),
        ),
        _therapy(
            "conservative care",
            4,
            ("physical therapy", "anti-inflammatory medication", "activity modification"),
            "at least 4 weeks of conservative care (physical therapy, anti-inflammatory medication or "
            "activity modification)",
        ),
        Criterion(
            kind="measure",
            statement="pain rated 5 or higher on a 0-10 scale",
            met=("Pain {v}/10.", "Rates pain {v} out of 10."),
            not_met=("Pain {low}/10.", "Rates pain at {low} out of 10, tolerable."),
            vague=("Pain level varies.",),
            minimum=5,
            floor=1,
            maximum=10,
        ),
    ),
    start=date(2024, 7, 1),
)

EPIDURAL_OLD = _policy(
    "CPB-0519-R2",
    "Epidural Steroid Injections, Lumbar",
    "a lumbar epidural steroid injection",
    "all",
    (
        Criterion(kind="finding", statement="radicular pain"),
        Criterion(kind="therapy", statement="at least 6 weeks of conservative care"),
        Criterion(kind="finding", statement="imaging consistent with nerve root compression"),
    ),
    start=date(2019, 3, 1),
    end=date(2024, 6, 30),
    archived=True,
)

CPAP = _policy(
    "CPB-0604",
    "Positive Airway Pressure Devices",
    "a CPAP device",
    "all",
    (
        Criterion(
            kind="measure",
            statement="an apnea-hypopnea index (AHI) of 15 or more events per hour on a sleep study",
            met=("Sleep study AHI {v} events/hour.", "Polysomnogram: AHI {v}."),
            not_met=("Sleep study AHI {low} events/hour.", "AHI {low} per hour on home testing."),
            vague=("Sleep study results pending.",),
            minimum=15,
            floor=1,
            maximum=72,
        ),
        _finding(
            "daytime sleepiness, witnessed apneas or insomnia attributable to sleep-disordered breathing",
            ("Epworth 15; dozes off while driving.", "Partner reports witnessed apneas nightly."),
            ("No daytime sleepiness (Epworth 4) and no witnessed apneas.",),
            ("Sleep quality discussed.",),
        ),
    ),
    start=date(2020, 1, 1),
)

POWER_CHAIR = _policy(
    "CPB-0710",
    "Power Mobility Devices",
    "a power wheelchair",
    "all",
    (
        _finding(
            "a mobility limitation that prevents toileting, dressing or feeding within the home",
            (
                "Cannot get to the bathroom or dress without help.",
                "Unable to reach the kitchen or toilet on her own.",
            ),
            (
                "Walks independently around the home and performs all ADLs.",
                "Independent with toileting, dressing and feeding.",
            ),
            ("Mobility reviewed.",),
        ),
        _finding(
            "inability to use a cane, walker or manual wheelchair safely",
            (
                "Upper-extremity weakness prevents propelling a manual wheelchair; falls with walker.",
                "Cannot safely use a walker or self-propel a manual chair.",
            ),
            ("Uses a rolling walker safely.", "Self-propels a manual wheelchair without difficulty."),
            ("Walker use discussed.",),
        ),
        _finding(
            "a home assessment confirming the device can be used in the home",
            (
                "Home assessment done: doorways and floors accommodate the chair.",
                "OT home visit confirms access for a power chair.",
            ),
            ("Home assessment found doorways too narrow for the chair.",),
            ("Home visit to be arranged.",),
        ),
    ),
    lob="medicare_advantage",
    start=date(2021, 9, 1),
)

RESIDENTIAL_SUD = _policy(
    "CPB-0803",
    "Residential Treatment for Substance Use Disorders",
    "residential substance use treatment",
    "all",
    (
        _finding(
            "a multidimensional assessment placing the member at a residential level of care",
            ("ASAM assessment supports level 3.5 residential care.",),
            ("ASAM assessment indicates outpatient level of care.",),
            ("Assessment in progress.",),
        ),
        _therapy(
            "outpatient treatment",
            4,
            ("intensive outpatient treatment", "outpatient counseling"),
            "failure of at least 4 weeks of outpatient treatment",
        ),
    ),
    start=date(2022, 1, 1),
)

CARPAL_TUNNEL = _policy(
    "CPB-0335",
    "Carpal Tunnel Release",
    "carpal tunnel release",
    "all",
    (
        _finding(
            "nerve conduction studies confirming median neuropathy at the wrist",
            (
                "NCS: prolonged median distal motor latency at the wrist.",
                "Electrodiagnostic testing confirms moderate carpal tunnel syndrome.",
            ),
            ("Nerve conduction studies normal.",),
            ("NCS ordered.",),
        ),
        _therapy(
            "splinting or injection",
            6,
            ("night splinting", "a corticosteroid injection"),
            "at least 6 weeks of splinting, or a corticosteroid injection, without relief",
        ),
    ),
    start=date(2018, 1, 1),
    end=date(2024, 12, 31),
)

KNEE_REPLACEMENT = _policy(
    "CPB-0902",
    "Total Knee Arthroplasty",
    "total knee arthroplasty",
    "all",
    (
        _finding(
            "advanced arthritis on weight-bearing radiographs (joint-space narrowing with osteophytes, or "
            "bone-on-bone contact)",
            (
                "Standing films: bone-on-bone medial compartment.",
                "X-ray shows severe joint-space loss with large osteophytes.",
            ),
            ("Radiographs show mild joint-space narrowing only.", "X-rays: minimal degenerative change."),
            ("X-rays reviewed.",),
        ),
        _therapy(
            "non-operative management",
            12,
            ("physical therapy", "anti-inflammatory medication", "corticosteroid injections"),
            "at least 12 weeks of non-operative management (physical therapy, anti-inflammatory medication "
            "or injections)",
        ),
        _finding(
            "pain or stiffness that limits walking, stair climbing or other daily activities",
            (
                "Can walk only half a block; needs the rail for stairs.",
                "Knee pain keeps her from shopping or climbing stairs.",
            ),
            (
                "Walks two miles daily and climbs stairs without difficulty.",
                "No limitation of daily activities.",
            ),
            ("Activity level discussed.",),
        ),
    ),
    start=date(2022, 7, 1),
)

LUMBAR_FUSION = _policy(
    "CPB-0927",
    "Lumbar Spinal Fusion",
    "lumbar spinal fusion",
    "all",
    (
        _finding(
            "spondylolisthesis or segmental instability shown on imaging",
            (
                "Flexion-extension films show 5 mm translation at L4-5.",
                "MRI: grade II spondylolisthesis L5-S1.",
            ),
            ("Imaging shows no instability or listhesis.",),
            ("Imaging review pending.",),
        ),
        _therapy(
            "conservative care",
            12,
            ("physical therapy", "epidural injections", "a supervised exercise program"),
            "at least 12 weeks of conservative care",
        ),
        _finding(
            "no tobacco use for at least 6 weeks before surgery",
            ("Non-smoker.", "Quit smoking over a year ago; nicotine test negative."),
            ("Currently smokes about a pack a day.", "Active smoker."),
            ("Tobacco use not recorded.",),
        ),
    ),
    start=date(2023, 4, 1),
)

POLICIES = (
    LUMBAR_MRI,
    LUMBAR_MRI_OLD,
    KNEE_MRI,
    ARTHROSCOPY,
    SLEEP_STUDY,
    BARIATRIC,
    EPIDURAL,
    EPIDURAL_OLD,
    CPAP,
    POWER_CHAIR,
    RESIDENTIAL_SUD,
    CARPAL_TUNNEL,
    KNEE_REPLACEMENT,
    LUMBAR_FUSION,
)
