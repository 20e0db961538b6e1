"""Ferrymead Orchard Health Mutual's practice coverage notes, and what its clinicians write about them.

The Mutual's Clinical Standards Board issues each medical policy as a "practice
coverage note", ``PCN-<four digits>-<revision letter>``: a line saying which members
it governs, the span of service dates it is in force for, the Board minute that
adopted it, then "the coverage test" (every numbered condition, or any one of them)
and a closing paragraph on what happens when the record falls short. A revision that
was replaced, and a note the Board withdrew without a successor, keep their text and
say so, because services given while they were in force are still judged by them.

Its thresholds are those the treating services measure by: events an hour of sleep,
grams of breast tissue, degrees of visual field, questionnaire points, radiographic
grades, millimetres of slip, rating-scale scores, episodes a year. Each condition
carries the sentences clinicians write when it is met, when it is not, and when the
record only gestures at it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from interlock.domains.claims.testing.otherparty.model import (
    Combine,
    Criterion,
    LineOfBusiness,
    Policy,
    Stance,
    utc,
)

_MEMBERS: dict[str | None, str] = {
    None: "every Ferrymead plan (Pippin, Russet, Bramley, Medlar and Quince)",
    "commercial": "employer and individual plans (Pippin, Russet, Bramley) only",
    "medicare_advantage": "Medlar (Medicare Advantage) plans only",
    "medicaid": "Quince Community (Medicaid managed care) plans only",
}


def ferrymead_body(
    *,
    policy_id: str,
    title: str,
    service: str,
    combine: Combine,
    criteria: Sequence[Criterion],
    line_of_business: LineOfBusiness | None,
    effective_from: date,
    effective_to: date | None,
    minute: str,
    successor: str | None,
) -> str:
    """A practice coverage note as the Clinical Standards Board issues it."""
    start = f"{effective_from.day} {effective_from:%B %Y}"
    if effective_to is None:
        span = f"In force for services given on or after {start}."
    else:
        end = f"{effective_to.day} {effective_to:%B %Y}"
        span = f"In force for services given from {start} to {end} inclusive."
        span += (
            f" Superseded by {successor} for services after that date."
            if successor
            else " Withdrawn by the Board after that date; no note replaces it."
        )
    n = len(criteria)
    if combine == "all":
        every = "BOTH conditions (1) and (2)" if n == 2 else f"ALL of conditions (1) to ({n})"
        test = (
            f"The Mutual pays for {service} as medically necessary if the member's clinical record"
            f" shows {every} below."
        )
        short = (
            f"Falling short: if the record shows that any one condition is not satisfied, {service}"
            " is not medically necessary under this note."
        )
    else:
        test = (
            f"The Mutual pays for {service} as medically necessary if the member's clinical record"
            f" shows ANY ONE of conditions (1) to ({n}) below."
        )
        short = (
            f"Falling short: if the record shows that none of the conditions is satisfied, {service}"
            " is not medically necessary under this note."
        )
    conditions = [
        f"({i}) {c.statement[:1].upper()}{c.statement[1:]};" for i, c in enumerate(criteria, start=1)
    ]
    conditions[-1] = conditions[-1][:-1] + "."
    return "\n".join(
        [
            f"FERRYMEAD ORCHARD HEALTH MUTUAL | PRACTICE COVERAGE NOTE {policy_id}",
            title,
            "",
            f"Members this note governs: {_MEMBERS[line_of_business]}.",
            span,
            f"Adopted by the Clinical Standards Board, minute {minute}.",
            "",
            "The coverage test",
            test,
            *conditions,
            "",
            short,
        ]
    )


def _note(
    *,
    policy_id: str,
    title: str,
    service: str,
    combine: Combine,
    criteria: tuple[Criterion, ...],
    line_of_business: LineOfBusiness | None,
    effective_from: date,
    adopted: date,
    minute: str,
    effective_to: date | None = None,
    successor: str | None = None,
) -> Policy:
    return Policy(
        policy_id=policy_id,
        title=title,
        combine=combine,
        criteria=criteria,
        body=ferrymead_body(
            policy_id=policy_id,
            title=title,
            service=service,
            combine=combine,
            criteria=criteria,
            line_of_business=line_of_business,
            effective_from=effective_from,
            effective_to=effective_to,
            minute=minute,
            successor=successor,
        ),
        line_of_business=line_of_business,
        effective_from=effective_from,
        effective_to=effective_to,
        updated_at=utc(adopted, 10, 40),
    )


# ---------------------------------------------------------------- hypoglossal nerve stimulation

SLEEP_AHI = Criterion(
    kind="measure",
    statement=(
        "moderate to severe obstructive sleep apnoea, with an apnoea-hypopnoea index of at least 15"
        " (and no more than 65) events an hour on a sleep study from the last 24 months"
    ),
    subject="apnoea-hypopnoea index",
    minimum=15,
    floor=4,
    maximum=65,
    decimals=1,
    met=(
        "Diagnostic polysomnogram: AHI {v} events/h, almost all obstructive, central events under a quarter.",
        "Home sleep apnoea test from this spring gives an AHI of {v} per hour.",
        "Sleep study gone through with the patient today - AHI {v}, obstructive pattern confirmed.",
    ),
    not_met=(
        "Repeat polysomnogram: AHI just {low} per hour.",
        "Home sleep test AHI {low}/h; mild disease at the very most.",
        "Sleep study scored at an AHI of {low} events an hour.",
    ),
    vague=(
        "Sleep study done at an outside laboratory; the report with the index has not reached us.",
        "Bed partner describes loud snoring and pauses in breathing; formal sleep testing still to be set up.",
        "Told by a previous doctor that the apnoea was 'bad'; the actual figures are not known.",
    ),
)

PAP_FAILURE = Criterion(
    kind="therapy",
    statement=(
        "failure of, or intolerance to, positive airway pressure despite a trial of at least 12 weeks"
    ),
    subject="positive airway pressure",
    minimum=12,
    therapies=("CPAP", "auto-titrating PAP", "bilevel PAP"),
    met=(
        "Used {therapy} for {w}; the download shows under four hours a night and the mask cannot be tolerated despite refits.",
        "{Therapy} tried for {w} and abandoned: claustrophobia and air swallowing despite three mask changes.",
        "After {w} on {therapy}, residual sleepiness unchanged and use averaging two hours a night.",
    ),
    not_met=(
        "Has never been issued {therapies}.",
        "{Therapy} was set up only {short} ago and the patient is still getting used to it.",
        "No machine-based treatment yet: {therapies} not started.",
    ),
    vague=(
        "Had {therapy} at some point and handed it back; no usage data available.",
        "{Therapy} 'did not suit', per the patient; how long it was used is unclear.",
        "Positive airway pressure history to be checked with the equipment supplier.",
    ),
)

SLEEP_BMI = Criterion(
    kind="finding",
    statement="a body mass index below 32 kg/m2",
    subject="body mass index",
    met=(
        "BMI 28.6 today.",
        "Weight 81 kg at 1.74 m, BMI 26.8.",
        "Body mass index 30.1 at the pre-implant check.",
    ),
    not_met=(
        "BMI 36.4.",
        "Weight up again; body mass index now 34.9.",
        "BMI 33.0 on today's scales.",
    ),
    vague=(
        "Weight not taken at this visit.",
        "Working on weight loss with the dietitian; up-to-date BMI to follow.",
    ),
)

AIRWAY_COLLAPSE = Criterion(
    kind="finding",
    statement="drug-induced sleep endoscopy showing no complete concentric collapse at the level of the soft palate",
    subject="sleep endoscopy",
    met=(
        "Drug-induced sleep endoscopy: front-to-back collapse at the palate, no complete concentric collapse.",
        "DISE report - partial lateral wall narrowing only; complete concentric collapse not seen.",
    ),
    not_met=(
        "Drug-induced sleep endoscopy showed complete concentric collapse at the soft palate.",
        "Sleep endoscopy under propofol: circumferential, complete concentric collapse of the velum.",
    ),
    vague=(
        "Sleep endoscopy booked for next month.",
        "Awaiting the endoscopy findings from the ENT theatre list.",
    ),
)

HYPOGLOSSAL = _note(
    policy_id="PCN-2204-a",
    title="Hypoglossal nerve stimulation for obstructive sleep apnoea",
    service="hypoglossal nerve stimulation",
    combine="all",
    criteria=(SLEEP_AHI, PAP_FAILURE, SLEEP_BMI, AIRWAY_COLLAPSE),
    line_of_business=None,
    effective_from=date(2021, 3, 1),
    adopted=date(2021, 1, 19),
    minute="CSB 21/014",
)

# ---------------------------------------------------------------- reduction mammaplasty

RESECTION_WEIGHT = Criterion(
    kind="measure",
    statement="an estimated resection weight of at least 500 grams from each breast",
    subject="estimated resection weight",
    minimum=500,
    floor=180,
    maximum=1400,
    met=(
        "Surgeon estimates {v} g to come off each side.",
        "Planned resection {v} grams per breast, right and left alike.",
        "Estimated removal of {v} g from each breast at operation.",
    ),
    not_met=(
        "Estimated resection only {low} g a side.",
        "Planned resection weight {low} grams for each breast.",
    ),
    vague=(
        "Resection weight not yet estimated.",
        "The surgeon will estimate how much tissue would be removed at the consultation.",
    ),
)

BREAST_PAIN = Criterion(
    kind="duration",
    statement="neck, shoulder or upper back pain, or bra-strap grooving, attributed to breast size for at least 6 months",
    subject="neck and shoulder pain from breast weight",
    minimum=26,
)

BREAST_CONSERVATIVE = Criterion(
    kind="therapy",
    statement=(
        "at least 12 weeks of conservative treatment (a professionally fitted support bra, supervised"
        " physiotherapy or regular analgesia) without adequate relief"
    ),
    subject="conservative treatment",
    minimum=12,
    therapies=("a professionally fitted support bra", "supervised physiotherapy", "regular analgesia"),
)

MAMMAPLASTY = _note(
    policy_id="PCN-3310-a",
    title="Reduction mammaplasty for symptomatic macromastia",
    service="reduction mammaplasty",
    combine="all",
    criteria=(RESECTION_WEIGHT, BREAST_PAIN, BREAST_CONSERVATIVE),
    line_of_business="commercial",
    effective_from=date(2020, 9, 1),
    adopted=date(2020, 7, 7),
    minute="CSB 20/088",
)

# ---------------------------------------------------------------- upper eyelid surgery

TAPED_FIELDS = Criterion(
    kind="measure",
    statement="a gain of at least 12 degrees in the superior visual field when the upper eyelids are taped",
    subject="taped visual field gain",
    minimum=12,
    floor=2,
    maximum=35,
    met=(
        "Perimetry: the superior field gains {v} degrees with the lids taped.",
        "Taped against untaped fields - {v}° better superiorly.",
        "Superior field improves by {v} degrees on taping, both eyes.",
    ),
    not_met=(
        "Taping the lids improved the superior field by just {low} degrees.",
        "Visual fields with tape: a {low}-degree gain, no more.",
    ),
    vague=(
        "Visual field testing ordered.",
        "Fields were done at the optician; the printout is not with us.",
    ),
)

LID_HEIGHT = Criterion(
    kind="finding",
    statement="a margin-reflex distance (MRD1) of 2 mm or less",
    subject="margin-reflex distance",
    met=(
        "MRD1 measures 1.5 mm on the right and 1.0 mm on the left.",
        "Margin-reflex distance 2.0 mm right, 1.5 mm left.",
        "MRD1 0.5 mm in both eyes; the lid sits over the upper pupil.",
    ),
    not_met=(
        "MRD1 3.5 mm on both sides.",
        "Margin-reflex distance 4 mm in each eye; the lids sit well clear of the pupil.",
    ),
    vague=(
        "Lid height to be measured at the oculoplastic visit.",
        "Photographs of the eyelids requested.",
    ),
)

LID_FUNCTION = Criterion(
    kind="finding",
    statement="a functional complaint, such as difficulty reading or driving, caused by the upper eyelids",
    subject="functional complaint",
    met=(
        "Struggles to see road signs and tilts the chin up to read.",
        "Keeps catching the top of door frames and has stopped driving at night because the lids block the view.",
    ),
    not_met=(
        "No difficulty with vision at all; wants the lids done for appearance.",
        "Denies any trouble reading or driving; the motive for the request is cosmetic.",
    ),
    vague=(
        "Tired eyes mentioned in passing.",
        "Says the eyes 'feel heavy' at times.",
    ),
)

EYELID = _note(
    policy_id="PCN-4102-a",
    title="Functional upper eyelid blepharoplasty and ptosis repair",
    service="upper eyelid surgery",
    combine="all",
    criteria=(TAPED_FIELDS, LID_HEIGHT, LID_FUNCTION),
    line_of_business=None,
    effective_from=date(2019, 5, 1),
    adopted=date(2019, 3, 12),
    minute="CSB 19/031",
)

# ---------------------------------------------------------------- septoplasty

NOSE_SCORE = Criterion(
    kind="measure",
    statement="a Nasal Obstruction Symptom Evaluation (NOSE) score of 50 or more out of 100",
    subject="NOSE score",
    minimum=50,
    floor=10,
    maximum=95,
    met=(
        "NOSE questionnaire {v}/100.",
        "Nasal obstruction score (NOSE) today: {v}.",
    ),
    not_met=(
        "NOSE score {low} out of 100.",
        "Obstruction questionnaire (NOSE) totals {low}.",
    ),
    vague=(
        "NOSE questionnaire handed out, not returned.",
        "Obstruction symptoms not formally scored.",
    ),
)

NASAL_STEROID = Criterion(
    kind="therapy",
    statement="at least 4 weeks of an intranasal corticosteroid without adequate relief",
    subject="intranasal corticosteroid",
    minimum=4,
    therapies=("fluticasone nasal spray", "mometasone nasal spray", "budesonide nasal rinse"),
)

SEPTAL_DEVIATION = Criterion(
    kind="finding",
    statement="septal deviation seen on rhinoscopy, nasal endoscopy or CT and judged to cause the obstruction",
    subject="septal deviation",
    met=(
        "Endoscopy: a marked septal spur touching the left inferior turbinate, closing that side.",
        "CT sinuses: S-shaped septal deviation narrowing both nasal airways.",
    ),
    not_met=(
        "Septum close to the midline on endoscopy; the blockage comes from turbinate swelling.",
        "Nasal endoscopy: no significant deviation of the septum.",
    ),
    vague=(
        "Septum poorly seen today because of crusting.",
        "CT of the sinuses requested.",
    ),
)

SEPTOPLASTY = _note(
    policy_id="PCN-5120-a",
    title="Septoplasty for nasal airway obstruction",
    service="septoplasty",
    combine="all",
    criteria=(NOSE_SCORE, NASAL_STEROID, SEPTAL_DEVIATION),
    line_of_business=None,
    effective_from=date(2020, 1, 1),
    adopted=date(2019, 11, 5),
    minute="CSB 19/122",
)

# ---------------------------------------------------------------- total knee replacement

KNEE_GRADE = Criterion(
    kind="measure",
    statement="Kellgren-Lawrence grade 3 or 4 osteoarthritis on weight-bearing radiographs",
    subject="Kellgren-Lawrence grade",
    minimum=3,
    floor=1,
    maximum=4,
    met=(
        "Standing films: Kellgren-Lawrence grade {v} tibiofemoral arthritis.",
        "Weight-bearing X-rays reported as KL grade {v}.",
    ),
    not_met=(
        "Radiographs: KL grade {low} only, joint space largely kept.",
        "Standing knee films show Kellgren-Lawrence {low} change.",
    ),
    vague=(
        "Knee X-rays from years ago on file; no recent standing views.",
        "Imaging to be repeated weight-bearing.",
    ),
)

KNEE_PAIN = Criterion(
    kind="duration",
    statement="knee pain limiting walking or daily activities for at least 3 months",
    subject="activity-limiting knee pain",
    minimum=13,
    met=(
        "Knee pain has limited walking for {w}.",
        "Unable to manage the stairs at home for the past {w} because of the knee.",
    ),
    not_met=(
        "Knee trouble came on only {short} ago after a twist.",
        "Pain limiting activity for {short} so far.",
    ),
    vague=(
        "Knee has been sore 'on and off'; no clear timeline.",
        "Duration of the knee symptoms not recorded.",
    ),
)

KNEE_CONSERVATIVE = Criterion(
    kind="therapy",
    statement=(
        "at least 12 weeks of non-operative care (supervised physiotherapy, an oral anti-inflammatory"
        " or regular simple analgesia) without adequate relief"
    ),
    subject="non-operative knee care",
    minimum=12,
    therapies=("supervised physiotherapy", "an oral anti-inflammatory", "regular simple analgesia"),
)

KNEE_REPLACEMENT = _note(
    policy_id="PCN-6230-a",
    title="Total knee replacement for osteoarthritis",
    service="total knee replacement",
    combine="all",
    criteria=(KNEE_GRADE, KNEE_PAIN, KNEE_CONSERVATIVE),
    line_of_business=None,
    effective_from=date(2018, 10, 1),
    adopted=date(2018, 8, 21),
    minute="CSB 18/067",
)

# ---------------------------------------------------------------- lumbar fusion

DISABILITY_INDEX = Criterion(
    kind="measure",
    statement="an Oswestry Disability Index of 40 percent or more",
    subject="Oswestry Disability Index",
    minimum=40,
    floor=8,
    maximum=84,
    met=(
        "ODI {v}%.",
        "Oswestry questionnaire scored {v} percent today.",
    ),
    not_met=(
        "Oswestry {low}%.",
        "ODI came back at {low} percent.",
    ),
    vague=(
        "Oswestry form given to complete at home.",
        "Disability questionnaire not repeated since the referral.",
    ),
)

SEGMENT_MOTION = Criterion(
    kind="measure",
    statement="degenerative spondylolisthesis with at least 3.0 mm of translation on flexion-extension radiographs",
    subject="translation on flexion-extension films",
    minimum=3,
    floor=0,
    maximum=9,
    decimals=1,
    met=(
        "Flexion-extension films: {v} mm of translation at L4-5.",
        "Dynamic X-rays show the L4 on L5 slip moving {v} mm.",
    ),
    not_met=(
        "Flexion-extension views: {low} mm of movement, no instability.",
        "Dynamic films stable - translation {low} mm.",
    ),
    vague=(
        "Dynamic radiographs not yet taken.",
        "MRI shows a grade 1 slip at L4-5; flexion-extension views to be arranged.",
    ),
)

SPINE_CONSERVATIVE = Criterion(
    kind="therapy",
    statement=(
        "at least 6 months of structured non-operative care (physiotherapy, a supervised home exercise"
        " programme or a pain-management programme) without adequate relief"
    ),
    subject="non-operative back care",
    minimum=26,
    therapies=(
        "structured physiotherapy",
        "a supervised home exercise programme",
        "a pain-management programme",
    ),
)

LUMBAR_FUSION = _note(
    policy_id="PCN-6611-a",
    title="Lumbar spinal fusion for degenerative spondylolisthesis",
    service="lumbar spinal fusion",
    combine="all",
    criteria=(DISABILITY_INDEX, SEGMENT_MOTION, SPINE_CONSERVATIVE),
    line_of_business=None,
    effective_from=date(2019, 7, 1),
    adopted=date(2019, 5, 14),
    minute="CSB 19/058",
)

# ---------------------------------------------------------------- tonsillectomy (any one condition)

THROAT_EPISODES = Criterion(
    kind="measure",
    statement="at least 7 documented episodes of tonsillitis in the past 12 months",
    subject="tonsillitis episodes in the past year",
    minimum=7,
    floor=2,
    maximum=12,
    met=(
        "{v} documented episodes of tonsillitis in the last 12 months, each with fever or exudate.",
        "Surgery records list {v} bouts of tonsillitis treated with antibiotics over the past year.",
    ),
    not_met=(
        "Only {low} episodes of tonsillitis recorded in the last year.",
        "Tonsillitis this past year: {low} episodes in the record.",
    ),
    vague=(
        "Frequent sore throats according to the family; no count in the records.",
        "Several antibiotic courses this year, records incomplete.",
    ),
)

TONSIL_AHI = Criterion(
    kind="measure",
    statement="obstructive sleep-disordered breathing with an obstructive apnoea-hypopnoea index of 5 or more and enlarged tonsils",
    subject="obstructive AHI",
    minimum=5,
    floor=1,
    maximum=30,
    decimals=1,
    met=(
        "Polysomnography: obstructive AHI {v}, tonsils grade 3 and meeting in the midline.",
        "Sleep study obstructive index {v}/h with large kissing tonsils.",
    ),
    not_met=(
        "Sleep study: obstructive AHI {low}, no significant desaturation.",
        "Polysomnography shows an obstructive index of {low} an hour.",
    ),
    vague=(
        "Loud snoring reported; no sleep study yet.",
        "Restless sleep per the household; overnight oximetry requested.",
    ),
)

QUINSY = Criterion(
    kind="finding",
    statement="two or more peritonsillar abscesses",
    subject="peritonsillar abscess",
    met=(
        "Two peritonsillar abscesses drained, the first in March and the second in October.",
        "Third quinsy in eighteen months, needle-aspirated in the emergency department.",
    ),
    not_met=(
        "No history of peritonsillar abscess.",
        "One quinsy some years ago; none since.",
    ),
    vague=(
        "Possible quinsy last winter, treated elsewhere; never confirmed.",
        "Family recall a 'throat abscess' once; no records to hand.",
    ),
)

TONSILLECTOMY = _note(
    policy_id="PCN-7045-a",
    title="Tonsillectomy for recurrent tonsillitis or obstructive sleep-disordered breathing",
    service="tonsillectomy",
    combine="any",
    criteria=(THROAT_EPISODES, TONSIL_AHI, QUINSY),
    line_of_business=None,
    effective_from=date(2019, 2, 1),
    adopted=date(2018, 12, 4),
    minute="CSB 18/103",
)

# ---------------------------------------------------------------- intravenous iron

IRON_STORES = Criterion(
    kind="finding",
    statement="iron deficiency, with a serum ferritin below 30 ng/mL or a transferrin saturation below 20 percent",
    subject="iron studies",
    met=(
        "Ferritin 11 ng/mL, transferrin saturation 8%.",
        "Latest bloods: ferritin 22, transferrin saturation 14 percent.",
        "Ferritin down to 6 µg/L.",
    ),
    not_met=(
        "Ferritin 145 ng/mL with a saturation of 31% - iron stores replete.",
        "Iron studies normal: ferritin 88, transferrin saturation 27%.",
    ),
    vague=(
        "Iron studies sent today.",
        "Ferritin last measured a long time ago; no recent level.",
    ),
)

ORAL_IRON = Criterion(
    kind="therapy",
    statement="at least 8 weeks of oral iron without an adequate rise in hemoglobin",
    subject="oral iron",
    minimum=8,
    therapies=("ferrous sulfate", "ferrous fumarate", "alternate-day ferrous gluconate"),
)

HEMOGLOBIN = Criterion(
    kind="finding",
    statement="a hemoglobin below 11.0 g/dL",
    subject="hemoglobin",
    met=(
        "Hb 8.9 g/dL.",
        "Haemoglobin 96 g/L this morning.",
        "Hgb 10.2 g/dL on the latest count.",
    ),
    not_met=(
        "Hb 12.8 g/dL.",
        "Haemoglobin back up to 124 g/L.",
    ),
    vague=(
        "Full blood count pending.",
        "Looks pale; blood count to follow.",
    ),
)

IV_IRON = _note(
    policy_id="PCN-8150-a",
    title="Intravenous iron replacement",
    service="intravenous iron",
    combine="all",
    criteria=(IRON_STORES, ORAL_IRON, HEMOGLOBIN),
    line_of_business=None,
    effective_from=date(2021, 1, 1),
    adopted=date(2020, 10, 27),
    minute="CSB 20/117",
)

# ---------------------------------------------------------------- transcranial magnetic stimulation

TMS_OLD = _note(
    policy_id="PCN-9021-a",
    title="Repetitive transcranial magnetic stimulation for major depressive disorder",
    service="repetitive transcranial magnetic stimulation",
    combine="all",
    criteria=(
        Criterion(
            kind="measure",
            statement="a 17-item Hamilton Depression Rating Scale score of at least 23",
            subject="HAM-D17 score",
            minimum=23,
            floor=6,
            maximum=38,
            met=("HAM-D17 of {v} at screening.",),
            not_met=("HAM-D17 of {low} at screening.",),
            vague=("Hamilton rating postponed.",),
        ),
        Criterion(
            kind="therapy",
            statement="four antidepressant trials of at least 6 weeks each without adequate response",
            subject="antidepressant trials",
            minimum=6,
            therapies=("an SSRI", "an SNRI", "a tricyclic", "an augmenting medicine"),
        ),
    ),
    line_of_business=None,
    effective_from=date(2018, 1, 1),
    effective_to=date(2024, 6, 30),
    adopted=date(2017, 11, 14),
    minute="CSB 17/095",
    successor="PCN-9021-b",
)

HAMILTON = Criterion(
    kind="measure",
    statement="a 17-item Hamilton Depression Rating Scale (HAM-D17) score of 20 or higher",
    subject="HAM-D17 score",
    minimum=20,
    floor=6,
    maximum=38,
    met=(
        "HAM-D17 today {v}.",
        "Hamilton rating {v} on the 17-item scale.",
    ),
    not_met=(
        "HAM-D17 {low}.",
        "Hamilton score {low}; symptoms partly settled.",
    ),
    vague=(
        "Mood low per the patient; the rating scale was not repeated this visit.",
        "Hamilton scale due at the next appointment.",
    ),
)

ANTIDEPRESSANTS = Criterion(
    kind="therapy",
    statement=(
        "at least two antidepressant trials from different classes, each of at least 6 weeks at an adequate"
        " dose, without adequate response"
    ),
    subject="antidepressant trials",
    minimum=6,
    therapies=("sertraline", "escitalopram", "venlafaxine", "bupropion", "mirtazapine"),
    met=(
        "Two failed antidepressant courses: {therapy} for {w}, then a drug of another class at full dose for as long again.",
        "No response to {therapy} ({w} at the top tolerated dose), after an earlier failed trial of a different class of similar length.",
    ),
    not_met=(
        "Only one antidepressant so far: {therapy}, begun {short} ago.",
        "Never prescribed an antidepressant; {therapies} all untried.",
    ),
    vague=(
        "Reports 'several' antidepressants in the past; names and durations unknown.",
        "{Therapy} appears on the summary without dates or doses.",
    ),
)

PSYCHOTHERAPY = Criterion(
    kind="therapy",
    statement="a course of evidence-based psychotherapy lasting at least 8 weeks",
    subject="psychotherapy",
    minimum=8,
    therapies=("cognitive behavioural therapy", "interpersonal therapy", "behavioural activation"),
)

TMS = _note(
    policy_id="PCN-9021-b",
    title="Repetitive transcranial magnetic stimulation for major depressive disorder",
    service="repetitive transcranial magnetic stimulation",
    combine="all",
    criteria=(HAMILTON, ANTIDEPRESSANTS, PSYCHOTHERAPY),
    line_of_business=None,
    effective_from=date(2024, 7, 1),
    adopted=date(2024, 5, 21),
    minute="CSB 24/049",
)

# ---------------------------------------------------------------- inpatient alcohol withdrawal (any one condition)

CIWA = Criterion(
    kind="measure",
    statement="a CIWA-Ar withdrawal score of 15 or higher",
    subject="CIWA-Ar score",
    minimum=15,
    floor=2,
    maximum=38,
    met=(
        "CIWA-Ar {v} at triage.",
        "Withdrawal scale (CIWA-Ar) {v}: tremulous, sweating, agitated.",
    ),
    not_met=(
        "On admission the CIWA-Ar came to {low}.",
        "Withdrawal score of {low} on the CIWA-Ar.",
    ),
    vague=(
        "Time of last drink unclear; withdrawal scoring still to be done.",
        "Shaky in the waiting room; CIWA not completed.",
    ),
)

COMPLICATED_WITHDRAWAL = Criterion(
    kind="finding",
    statement="a history of withdrawal seizures or delirium tremens",
    subject="complicated withdrawal",
    met=(
        "Withdrawal seizure two years ago and delirium tremens the year after.",
        "Past admission to intensive care with delirium tremens.",
    ),
    not_met=(
        "No history of withdrawal seizures or delirium tremens.",
        "Earlier withdrawals were uncomplicated: no fits, no DTs.",
    ),
    vague=(
        "Possible fit during a previous withdrawal, unwitnessed and never assessed.",
        "Says there was 'a bad time' coming off drink once; no detail.",
    ),
)

AMBULATORY_FAILURE = Criterion(
    kind="finding",
    statement="a failed attempt at supervised ambulatory withdrawal management within the past 12 months",
    subject="ambulatory withdrawal management",
    met=(
        "Started community detox with chlordiazepoxide earlier this year and relapsed on day 3.",
        "Supervised home withdrawal attempted twice this year, abandoned both times.",
    ),
    not_met=(
        "No previous attempt at outpatient detox.",
        "Has never been offered community withdrawal management.",
    ),
    vague=(
        "Has 'tried to stop before' at home; unclear whether it was supervised.",
        "Outpatient detox history to be obtained from the alcohol service.",
    ),
)

WITHDRAWAL = _note(
    policy_id="PCN-1530-a",
    title="Medically managed inpatient alcohol withdrawal",
    service="inpatient withdrawal management",
    combine="any",
    criteria=(CIWA, COMPLICATED_WITHDRAWAL, AMBULATORY_FAILURE),
    line_of_business=None,
    effective_from=date(2020, 4, 1),
    adopted=date(2020, 2, 11),
    minute="CSB 20/019",
)

# ---------------------------------------------------------------- bone growth stimulation (withdrawn)

FRACTURE_AGE = Criterion(
    kind="duration",
    statement="a fracture at least 90 days old",
    subject="fracture",
    minimum=13,
    met=(
        "Fracture sustained {w} ago and still not united.",
        "Now {w} since the injury.",
    ),
    not_met=(
        "Injury only {short} ago.",
        "The fracture is {short} old.",
    ),
    vague=(
        "Date of the original injury unclear from the transfer letter.",
        "Injured some time last year; exact date not recorded.",
    ),
)

NO_PROGRESS = Criterion(
    kind="finding",
    statement="no radiographic progress of healing on two sets of films taken at least 3 months apart",
    subject="radiographic healing",
    met=(
        "Serial radiographs three months apart show no further callus.",
        "Films fourteen weeks apart: fracture line unchanged.",
    ),
    not_met=(
        "Latest films show bridging callus, progressing since the last set.",
        "Radiographs: healing moving along steadily.",
    ),
    vague=(
        "Repeat films planned.",
        "Only one set of radiographs since the injury.",
    ),
)

FRACTURE_GAP = Criterion(
    kind="finding",
    statement="a fracture gap of less than 1 cm",
    subject="fracture gap",
    met=(
        "Fracture gap 4 mm.",
        "The gap at the nonunion measures 6 mm.",
    ),
    not_met=(
        "Gap of 1.8 cm at the fracture site.",
        "Defect 14 mm wide.",
    ),
    vague=(
        "Gap size not measured.",
        "Width of the gap to be checked on CT.",
    ),
)

BONE_STIMULATOR = _note(
    policy_id="PCN-6790-a",
    title="Ultrasonic bone growth stimulation for fracture nonunion",
    service="ultrasonic bone growth stimulation",
    combine="all",
    criteria=(FRACTURE_AGE, NO_PROGRESS, FRACTURE_GAP),
    line_of_business=None,
    effective_from=date(2018, 1, 1),
    effective_to=date(2025, 8, 31),
    adopted=date(2017, 10, 24),
    minute="CSB 17/083",
)

# ---------------------------------------------------------------- axillary hyperhidrosis

SWEAT_SCALE = Criterion(
    kind="measure",
    statement="a Hyperhidrosis Disease Severity Scale (HDSS) score of 3 or 4",
    subject="HDSS score",
    minimum=3,
    floor=2,
    maximum=4,
    met=(
        "Hyperhidrosis Disease Severity Scale: {v} out of 4.",
        "HDSS scored at {v}; sweating interferes with work most days.",
    ),
    not_met=(
        "HDSS {low}/4.",
        "Severity scale (HDSS) {low}; sweating noticeable but tolerable.",
    ),
    vague=(
        "Sweating 'embarrassing' per the patient; severity scale not done.",
        "HDSS to be recorded at review.",
    ),
)

SWEAT_DURATION = Criterion(
    kind="duration",
    statement="excessive underarm sweating for at least 6 months",
    subject="excessive underarm sweating",
    minimum=26,
)

SWEAT_TOPICAL = Criterion(
    kind="therapy",
    statement="at least 6 weeks of topical treatment without adequate control",
    subject="topical treatment",
    minimum=6,
    therapies=("20% aluminium chloride hexahydrate", "topical glycopyrronium cloths"),
)

HYPERHIDROSIS = _note(
    policy_id="PCN-3455-a",
    title="Botulinum toxin for severe primary axillary hyperhidrosis",
    service="botulinum toxin for axillary hyperhidrosis",
    combine="all",
    criteria=(SWEAT_SCALE, SWEAT_DURATION, SWEAT_TOPICAL),
    line_of_business=None,
    effective_from=date(2020, 6, 1),
    adopted=date(2020, 4, 28),
    minute="CSB 20/046",
)

# ---------------------------------------------------------------- cardiac rehabilitation (any one condition)

RECENT_INFARCT = Criterion(
    kind="finding",
    statement="an acute myocardial infarction within the past 12 months",
    subject="myocardial infarction",
    met=(
        "Admitted with an NSTEMI eight weeks ago; troponin peaked at 4,210 ng/L.",
        "STEMI this autumn, treated with primary angioplasty to the LAD.",
    ),
    not_met=(
        "No myocardial infarction: troponins negative at every admission.",
        "Last heart attack was in 2011.",
    ),
    vague=(
        "Chest pain admission last month; discharge letter outstanding.",
        "Possible heart attack while abroad, no records.",
    ),
)

CARDIAC_SURGERY = Criterion(
    kind="finding",
    statement="coronary artery bypass grafting or heart valve surgery within the past 12 months",
    subject="cardiac surgery",
    met=(
        "Triple bypass eleven weeks ago.",
        "Aortic valve replaced five months ago; sternotomy healed.",
    ),
    not_met=(
        "No cardiac surgery.",
        "Has never had bypass or valve surgery.",
    ),
    vague=(
        "Surgical opinion on bypass pending.",
        "Heart operation mentioned by the family; what and when unknown.",
    ),
)

LOW_EJECTION = Criterion(
    kind="finding",
    statement=(
        "chronic heart failure with a left ventricular ejection fraction of 35 percent or less on at least"
        " 6 weeks of stable treatment"
    ),
    subject="ejection fraction",
    met=(
        "Echo: LVEF 30%, on the same heart failure medicines for the past four months.",
        "Ejection fraction 25% on the latest echo; tablets stable for three months.",
    ),
    not_met=(
        "Ejection fraction 55% - normal pump function.",
        "Echo: preserved ejection fraction of 60 percent.",
    ),
    vague=(
        "Echo requested to look at pump function.",
        "Breathless on exertion; heart failure not yet confirmed.",
    ),
)

CARDIAC_REHAB = _note(
    policy_id="PCN-2088-a",
    title="Supervised cardiac rehabilitation",
    service="supervised cardiac rehabilitation",
    combine="any",
    criteria=(RECENT_INFARCT, CARDIAC_SURGERY, LOW_EJECTION),
    line_of_business=None,
    effective_from=date(2019, 9, 1),
    adopted=date(2019, 7, 9),
    minute="CSB 19/071",
)

POLICIES: tuple[Policy, ...] = (
    HYPOGLOSSAL,
    MAMMAPLASTY,
    EYELID,
    SEPTOPLASTY,
    KNEE_REPLACEMENT,
    LUMBAR_FUSION,
    TONSILLECTOMY,
    IV_IRON,
    TMS_OLD,
    TMS,
    WITHDRAWAL,
    BONE_STIMULATOR,
    HYPERHIDROSIS,
    CARDIAC_REHAB,
)

# ---------------------------------------------------------------- how the Mutual's clinicians write durations and trials

DURATION: dict[Stance, tuple[str, ...]] = {
    "met": (
        "{Subject} going on for {w} by the patient's account, which matches earlier entries.",
        "{Subject} has now lasted {w}, no let-up.",
        "Troubled by {subject} for the last {w}.",
        "{Subject} first recorded {w} ago and present ever since.",
    ),
    "not_met": (
        "{Subject} began no more than {short} ago.",
        "Onset of the {subject} was {short} back.",
        "A new problem: {subject} for {short}.",
        "{Subject} has been present for {short} only.",
    ),
    "vague": (
        "{Subject} ongoing; no onset date given.",
        "Cannot say how long the {subject} has been there.",
        "{Subject} reported, duration unrecorded.",
        "{Subject} 'for a while', in the patient's words.",
    ),
}

THERAPY: dict[Stance, tuple[str, ...]] = {
    "met": (
        "{Therapy} given a fair go for {w}; no worthwhile benefit.",
        "Persisted with {therapy} for {w} - symptoms unchanged.",
        "Failed {therapy} despite {w} of regular use.",
        "{w} of {therapy} completed, without the hoped-for improvement.",
    ),
    "not_met": (
        "Has not tried {therapies} to date.",
        "Gave up {therapy} after {short}, and nothing else has been tried.",
        "{Therapy} commenced {short} ago, the first treatment of any kind - far too early to judge.",
        "Never used {therapies}, per the patient and the records.",
    ),
    "vague": (
        "{Therapy} mentioned in old notes; how long and how well it went is not stated.",
        "May have used {therapy} in the past - the patient cannot recall.",
        "{Therapy} on the repeat list; adherence and duration unknown.",
        "Something along the lines of {therapy} was tried before, details lacking.",
    ),
}
