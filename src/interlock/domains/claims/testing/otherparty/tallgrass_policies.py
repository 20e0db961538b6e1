"""Tallgrass Cooperative Health's coverage guidelines: criteria, what notes say about them, revisions.

Tallgrass publishes its medical policies as numbered *coverage guidelines*
(``CG-<number>-R<revision>``). A guideline states, in one paragraph of running prose,
the numbered requirements (or indications) a chart must establish, and says in its own
words whether every one is needed or a single one suffices. A replaced revision keeps
its own identifier and stays on file for services given while it was in force.

Each criterion below carries the sentence printed in the guideline and, for findings
and measurements, what this payer's clinicians write when it is met, when it is not,
and when they only touch on it. Several thresholds are "or lower" values (oxygen
saturation, visual acuity, lung gases): those are findings whose sentences carry the
number, because a measurement here always means "at least".
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from interlock.domains.claims.testing.otherparty.model import (
    Combine,
    Criterion,
    LineOfBusiness,
    Policy,
    utc,
)

__all__ = [
    "BLEPHAROPLASTY",
    "BREAST_REDUCTION",
    "CATARACT",
    "CATARACT_R2",
    "HEARING_AIDS",
    "HOME_OXYGEN",
    "MIGRAINE_TOXIN",
    "MIGRAINE_TOXIN_R1",
    "MONITORED_WITHDRAWAL",
    "POLICIES",
    "TMS",
    "TONSILLECTOMY",
    "VISCOSUPPLEMENT",
    "tallgrass_body",
]

_PRODUCTS: dict[str | None, str] = {
    None: "every Tallgrass product (commercial, Medicare Advantage and Medicaid)",
    "commercial": "Tallgrass commercial group and individual products",
    "medicare_advantage": "Tallgrass Medicare Advantage products",
    "medicaid": "Tallgrass Community Medicaid",
}


_COUNT = {2: "two", 3: "three", 4: "four", 5: "five"}


def _day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + "."


def tallgrass_body(
    *,
    policy_id: str,
    title: str,
    service: str,
    combine: Combine,
    criteria: Sequence[Criterion],
    line_of_business: str | None,
    effective_from: date,
    effective_to: date | None = None,
    replaced: bool = False,
) -> str:
    """A Tallgrass coverage guideline: a header block, then the requirements as one prose paragraph.

    The criteria are run together as numbered sentences rather than listed, which is how
    this payer's guidelines read; the combining rule is stated before and after them.
    """
    numbered = " ".join(f"({n}) {_sentence(c.statement)}" for n, c in enumerate(criteria, start=1))
    if combine == "all":
        lead = (
            f"The cooperative pays for {service} only if the member's chart establishes every "
            f"one of the {_COUNT.get(len(criteria), str(len(criteria)))} numbered requirements that follow."
        )
        close = f"When even one requirement is missing from the chart, the cooperative declines {service} as not medically necessary."
    else:
        lead = (
            f"The cooperative pays for {service} if the member's chart establishes at least one "
            "of the numbered indications that follow; a single indication is enough."
        )
        close = f"If the chart establishes none of them, the cooperative declines {service} as not medically necessary."
    window = f"In force from {_day(effective_from)}"
    if effective_to is not None:
        window += f" through {_day(effective_to)}"
    header = [
        f"TALLGRASS COOPERATIVE HEALTH | COVERAGE GUIDELINE {policy_id}",
        title,
        f"Products: {_PRODUCTS[line_of_business]}. {window}.",
    ]
    if replaced:
        header.append(
            "This revision has been replaced by a later one; it still governs services given while it was in force."
        )
    elif effective_to is not None:
        header.append(
            "Retired without replacement; services given after the last day above are not reviewed under it."
        )
    return "\n".join(header) + "\n\n" + " ".join([lead, numbered, close])


def _guideline(
    policy_id: str,
    title: str,
    service: str,
    combine: Combine,
    criteria: tuple[Criterion, ...],
    *,
    lob: LineOfBusiness | None = None,
    start: date,
    end: date | None = None,
    replaced: bool = False,
) -> Policy:
    body = tallgrass_body(
        policy_id=policy_id,
        title=title,
        service=service,
        combine=combine,
        criteria=criteria,
        line_of_business=lob,
        effective_from=start,
        effective_to=end,
        replaced=replaced,
    )
    # Guidelines are published a few weeks before they take effect and touched again when retired.
    published = utc(start - timedelta(days=24), 14, 5)
    return Policy(
        policy_id=policy_id,
        title=title,
        combine=combine,
        criteria=criteria,
        body=body,
        line_of_business=lob,
        effective_from=start,
        effective_to=end,
        updated_at=published if end is None else utc(end, 17, 30),
    )


def _finding(
    statement: str, met: tuple[str, ...], not_met: tuple[str, ...], vague: tuple[str, ...]
) -> Criterion:
    return Criterion(kind="finding", statement=statement, met=met, not_met=not_met, vague=vague)


def _measure(
    statement: str,
    met: tuple[str, ...],
    not_met: tuple[str, ...],
    vague: tuple[str, ...],
    *,
    minimum: int,
    floor: int,
    maximum: int,
    decimals: int = 0,
) -> Criterion:
    return Criterion(
        kind="measure",
        statement=statement,
        met=met,
        not_met=not_met,
        vague=vague,
        minimum=minimum,
        floor=floor,
        maximum=maximum,
        decimals=decimals,
    )


def _lasting(subject: str, weeks: int, statement: str) -> Criterion:
    return Criterion(kind="duration", statement=statement, subject=subject, minimum=weeks)


def _tried(subject: str, weeks: int, therapies: tuple[str, ...], statement: str) -> Criterion:
    return Criterion(kind="therapy", statement=statement, subject=subject, minimum=weeks, therapies=therapies)


def _bare(*statements: str) -> tuple[Criterion, ...]:
    """Criteria of a replaced revision: printed in its body, never written about in notes."""
    return tuple(Criterion(kind="finding", statement=s) for s in statements)


CATARACT = _guideline(
    "CG-012-R3",
    "Cataract Extraction With Lens Implant",
    "cataract extraction with an intraocular lens",
    "all",
    (
        _finding(
            "slit-lamp examination shows a cataract dense enough to explain the loss of vision",
            (
                "Slit lamp: dense 3+ nuclear sclerosis in the operative eye.",
                "Posterior subcapsular opacity sits right on the visual axis.",
            ),
            ("Slit lamp: lens essentially clear apart from trace nuclear change.",),
            ("Lens not examined at this visit.",),
        ),
        _finding(
            "best-corrected acuity in the operative eye is 20/50 or worse",
            (
                "Best-corrected acuity 20/80 in the operative eye.",
                "BCVA only 20/60 even with a fresh refraction.",
            ),
            (
                "Best-corrected acuity 20/25 in the operative eye.",
                "BCVA 20/30 with the current glasses.",
            ),
            ("Refraction due to be updated.",),
        ),
        _finding(
            "the reduced vision limits everyday activities such as driving, reading or work",
            (
                "Has given up driving after dark because of glare from headlights.",
                "Can no longer read medicine labels or the newspaper.",
            ),
            ("Says vision causes no trouble with driving, reading or work.",),
            ("Brought up her eyesight in passing.",),
        ),
    ),
    start=date(2023, 7, 1),
)

CATARACT_R2 = _guideline(
    "CG-012-R2",
    "Cataract Extraction With Lens Implant",
    "cataract extraction with an intraocular lens",
    "any",
    _bare(
        "best-corrected acuity of 20/40 or worse",
        "glare testing that lowers acuity by two lines or more",
    ),
    start=date(2018, 1, 1),
    end=date(2023, 6, 30),
    replaced=True,
)

TMS = _guideline(
    "CG-027-R1",
    "Repetitive Transcranial Magnetic Stimulation for Depression",
    "a course of transcranial magnetic stimulation",
    "all",
    (
        _measure(
            "a current depressive episode scoring 15 or more on the PHQ-9",
            ("PHQ-9 at intake: {v}.", "Depression questionnaire (PHQ-9) adds up to {v} out of 27."),
            ("PHQ-9 at intake: {low}.", "Depression questionnaire (PHQ-9) adds up to {low} out of 27."),
            ("PHQ-9 form given to take home.",),
            minimum=15,
            floor=2,
            maximum=27,
        ),
        _tried(
            "antidepressant treatment",
            6,
            ("sertraline", "escitalopram", "bupropion", "venlafaxine"),
            "antidepressant medication taken at a therapeutic dose for six weeks or more without remission",
        ),
        _finding(
            "no seizure disorder and no metal implant in or near the head that the magnetic field could affect",
            ("No seizures ever; the safety questionnaire is negative for implants and metal fragments.",),
            (
                "Has a cochlear implant on the left side.",
                "Epilepsy, with the most recent seizure this spring.",
            ),
            ("Safety questionnaire still to be returned.",),
        ),
    ),
    start=date(2021, 5, 1),
)

MONITORED_WITHDRAWAL = _guideline(
    "CG-033-R2",
    "Residential Medically Monitored Withdrawal Management",
    "residential withdrawal management",
    "any",
    (
        _measure(
            "a CIWA-Ar score of 15 or more",
            ("CIWA-Ar {v} on arrival.", "Alcohol withdrawal scale (CIWA-Ar) scored at {v}."),
            ("CIWA-Ar {low} on arrival.", "Alcohol withdrawal scale (CIWA-Ar) scored at {low}."),
            ("CIWA-Ar to be repeated once he settles.",),
            minimum=15,
            floor=1,
            maximum=38,
        ),
        _finding(
            "a past withdrawal complicated by seizures or delirium tremens",
            (
                "Had a withdrawal seizure the last time she stopped drinking.",
                "Admitted two years ago with delirium tremens.",
            ),
            ("Past withdrawals were never complicated by seizures or delirium tremens.",),
            ("How earlier withdrawals went is not known.",),
        ),
        _finding(
            "withdrawal managed as an outpatient that failed",
            ("Began ambulatory detox last month and relapsed within days.",),
            ("Has never attempted withdrawal with outpatient support.",),
            ("Ambulatory routes talked through.",),
        ),
    ),
    start=date(2022, 2, 1),
)

BREAST_REDUCTION = _guideline(
    "CG-038-R1",
    "Reduction Mammaplasty",
    "reduction mammaplasty",
    "all",
    (
        _measure(
            "a planned resection of at least 500 grams of tissue from each breast",
            (
                "Planned resection {v} g per side by the surgeon's estimate.",
                "Surgeon expects to remove {v} grams from each breast.",
            ),
            (
                "Planned resection {low} g per side by the surgeon's estimate.",
                "Surgeon expects to remove {low} grams from each breast.",
            ),
            ("Resection weight to be estimated at the surgical consult.",),
            minimum=500,
            floor=150,
            maximum=1400,
        ),
        _tried(
            "non-surgical care",
            12,
            ("physical therapy", "a professionally fitted support bra", "prescription anti-inflammatories"),
            "twelve weeks or more of non-surgical care for neck, back or shoulder pain that has not relieved it",
        ),
        _finding(
            "grooving of the shoulders by bra straps, or intertrigo under the breasts that keeps coming back",
            (
                "Deep grooves across both shoulders where the straps sit.",
                "Intertrigo under both breasts keeps recurring despite topical care.",
            ),
            ("Skin under the breasts is intact and the shoulders show no strap marks.",),
            ("Skin check at the next visit.",),
        ),
    ),
    lob="commercial",
    start=date(2020, 9, 1),
)

VISCOSUPPLEMENT = _guideline(
    "CG-041-R4",
    "Hyaluronan Injections of the Knee",
    "hyaluronan injections into the knee",
    "all",
    (
        _measure(
            "weight-bearing radiographs grading the knee osteoarthritis Kellgren-Lawrence 2 or higher",
            ("Standing films: Kellgren-Lawrence grade {v}.", "Knee X-rays graded KL {v}."),
            ("Standing films: Kellgren-Lawrence grade {low}.", "Knee X-rays graded KL {low}."),
            ("Standing knee films requested.",),
            minimum=2,
            floor=0,
            maximum=4,
        ),
        _lasting("knee pain", 26, "knee pain that has lasted six months or longer"),
        _tried(
            "conservative knee treatment",
            12,
            ("oral anti-inflammatories", "a supervised strengthening program", "topical diclofenac"),
            "at least twelve weeks of conservative treatment of the knee that has not controlled the pain",
        ),
    ),
    lob="medicare_advantage",
    start=date(2022, 11, 1),
)

MIGRAINE_TOXIN = _guideline(
    "CG-044-R2",
    "Botulinum Toxin for Chronic Migraine Prevention",
    "botulinum toxin injections for migraine prevention",
    "all",
    (
        _measure(
            "15 or more headache days in a month",
            ("Diary shows {v} headache days in the last month.", "Averages {v} headache days a month."),
            ("Diary shows {low} headache days in the last month.", "Averages {low} headache days a month."),
            ("Asked to start a headache diary.",),
            minimum=15,
            floor=3,
            maximum=30,
        ),
        _lasting(
            "near-daily migraine", 13, "a pattern of near-daily migraine present for at least three months"
        ),
        _tried(
            "oral migraine prevention",
            8,
            ("topiramate", "propranolol", "amitriptyline", "candesartan"),
            "an oral preventive medicine taken for eight weeks or more without enough benefit",
        ),
    ),
    start=date(2024, 1, 1),
)

MIGRAINE_TOXIN_R1 = _guideline(
    "CG-044-R1",
    "Botulinum Toxin for Chronic Migraine Prevention",
    "botulinum toxin injections for migraine prevention",
    "all",
    _bare(
        "15 or more headache days a month for three months",
        "two different oral preventive medicines tried",
    ),
    start=date(2019, 1, 1),
    end=date(2023, 12, 31),
    replaced=True,
)

HOME_OXYGEN = _guideline(
    "CG-050-R1",
    "Home Oxygen Therapy",
    "home oxygen equipment",
    "any",
    (
        _finding(
            "an oxygen saturation at rest of 88% or lower while breathing room air",
            ("Resting SpO2 86% on room air.", "Saturating 85% at rest off oxygen."),
            ("Resting SpO2 95% on room air.", "Saturating 93% at rest off oxygen."),
            ("Resting oximetry to be repeated.",),
        ),
        _finding(
            "a fall in saturation to 88% or lower on exertion that supplemental oxygen corrects",
            ("During the walk test saturation dropped to 84% and came back to 92% on 2 L.",),
            ("Walked the full six minutes without going under 92%.",),
            ("Walk test booked.",),
        ),
        _finding(
            "an arterial oxygen tension (PaO2) of 55 mmHg or less",
            ("Arterial gas on room air: PaO2 52 mmHg.",),
            ("Arterial gas on room air: PaO2 74 mmHg.",),
            ("Arterial gas drawn, result outstanding.",),
        ),
    ),
    start=date(2021, 1, 1),
)

BLEPHAROPLASTY = _guideline(
    "CG-056-R1",
    "Functional Upper Eyelid Blepharoplasty",
    "functional upper eyelid blepharoplasty",
    "all",
    (
        _measure(
            "a superior visual field that widens by at least 12 degrees when the upper lids are taped up",
            (
                "Taped-lid perimetry: the superior field gains {v} degrees.",
                "Upper field opens by {v} degrees with the lids taped.",
            ),
            (
                "Taped-lid perimetry: the superior field gains {low} degrees.",
                "Upper field opens by {low} degrees with the lids taped.",
            ),
            ("Perimetry to be arranged.",),
            minimum=12,
            floor=0,
            maximum=35,
        ),
        _finding(
            "frontal photographs showing upper-lid skin resting on or below the lashes",
            ("Photographs show the upper-lid fold lying over the lashes.",),
            ("Lid fold sits well above the lash line on the photographs.",),
            ("Photographs still to be taken.",),
        ),
        _finding(
            "a functional complaint, such as trouble reading or driving, caused by the lids",
            ("Tips his head back to see the road when driving.",),
            ("The concern is appearance only; no functional complaint.",),
            ("Eyelids came up at the end of the visit.",),
        ),
    ),
    start=date(2019, 4, 1),
    end=date(2024, 10, 31),
)

TONSILLECTOMY = _guideline(
    "CG-061-R2",
    "Tonsillectomy",
    "tonsillectomy",
    "any",
    (
        _measure(
            "seven or more documented episodes of throat infection in the past year",
            (
                "Throat infections documented over the past year: {v}.",
                "Chart records {v} treated bouts of tonsillitis in the last year.",
            ),
            (
                "Throat infections documented over the past year: {low}.",
                "Chart records {low} treated bouts of tonsillitis in the last year.",
            ),
            ("Parent says the sore throats are frequent.",),
            minimum=7,
            floor=1,
            maximum=12,
        ),
        _finding(
            "obstructive sleep-disordered breathing with enlarged tonsils",
            ("Loud snoring with witnessed pauses; tonsils 4+ and touching.",),
            ("No snoring or breathing pauses at night; tonsils 1+.",),
            ("Parent mentions some snoring.",),
        ),
        _finding(
            "a past peritonsillar abscess",
            ("Had a peritonsillar abscess drained last winter.",),
            ("Never had a peritonsillar abscess.",),
            ("Old ENT records being requested.",),
        ),
    ),
    lob="medicaid",
    start=date(2022, 6, 1),
)

HEARING_AIDS = _guideline(
    "CG-067-R1",
    "Hearing Aids",
    "hearing aids",
    "all",
    (
        _measure(
            "a pure-tone average of 40 dB HL or worse in the better ear",
            ("Audiogram: better-ear PTA {v} dB HL.", "Pure-tone average of {v} dB in the better ear."),
            ("Audiogram: better-ear PTA {low} dB HL.", "Pure-tone average of {low} dB in the better ear."),
            ("Audiogram on the schedule.",),
            minimum=40,
            floor=10,
            maximum=95,
        ),
        _finding(
            "a medical examination that found no treatable cause of the loss",
            ("Otoscopy clear; ENT found no treatable cause of the loss.",),
            ("ENT found an active middle-ear infection that needs treating first.",),
            ("ENT review pending.",),
        ),
        _finding(
            "difficulty communicating in daily life because of the loss",
            ("Cannot follow conversation in a group or on the telephone.",),
            ("Reports no difficulty hearing in daily life.",),
            ("Family raised the subject of hearing.",),
        ),
    ),
    lob="medicaid",
    start=date(2023, 3, 1),
)

POLICIES = (
    CATARACT,
    CATARACT_R2,
    TMS,
    MONITORED_WITHDRAWAL,
    BREAST_REDUCTION,
    VISCOSUPPLEMENT,
    MIGRAINE_TOXIN,
    MIGRAINE_TOXIN_R1,
    HOME_OXYGEN,
    BLEPHAROPLASTY,
    TONSILLECTOMY,
    HEARING_AIDS,
)
