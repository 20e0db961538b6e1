"""Saltmarsh Valley Health Alliance's medical coverage criteria, and what its clinicians chart about them.

The Alliance's Clinical Criteria Committee issues each document as ``MC-<topic>.<revision>``:
a scope line naming the products it governs, the dates of service it covers, a lead
sentence written for that document alone saying how the numbered criteria combine,
and a closing sentence on what follows when they are not shown. Thresholds are in
the units the treating specialties use (degrees of alpha angle, millimetres of
cranial asymmetry, percent of body surface, points on a handicap questionnaire,
percent of body weight, checks a day); durations are stated in weeks or months.
Each criterion carries the sentences clinicians write when it is met, when it is not,
and when the chart only points at it without settling it.
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

_PRODUCTS: dict[str | None, str] = {
    None: "every Saltmarsh Valley product (commercial, Medicare Advantage and Medicaid)",
    "commercial": "commercial group and individual coverage only",
    "medicare_advantage": "Saltmarsh Seasons (Medicare Advantage) members only",
    "medicaid": "Saltmarsh Community (Medicaid managed care) members only",
}


def saltmarsh_body(
    *,
    policy_id: str,
    title: str,
    lead: str,
    close: str,
    criteria: Sequence[Criterion],
    line_of_business: LineOfBusiness | None,
    effective_from: date,
    effective_to: date | None,
    reviewed: date,
) -> str:
    """A coverage criteria document as the Alliance's committee issues it."""
    dates = f"Dates of service on or after {effective_from.day} {effective_from:%B %Y}"
    if effective_to is not None:
        dates += (
            f" and no later than {effective_to.day} {effective_to:%B %Y}; this document is retired"
            " and governs nothing after that day"
        )
    numbered = [f"({n}) {c.statement[:1].upper()}{c.statement[1:]}." for n, c in enumerate(criteria, start=1)]
    return "\n".join(
        [
            "SALTMARSH VALLEY HEALTH ALLIANCE",
            f"Medical Coverage Criteria {policy_id} - {title}",
            f"Products governed: {_PRODUCTS[line_of_business]}",
            f"{dates}.",
            f"Last reviewed by the Clinical Criteria Committee: {reviewed:%m/%d/%Y}",
            "",
            lead,
            "",
            *numbered,
            "",
            close,
        ]
    )


def _criteria(
    *,
    policy_id: str,
    title: str,
    combine: Combine,
    lead: str,
    close: str,
    criteria: tuple[Criterion, ...],
    line_of_business: LineOfBusiness | None,
    effective_from: date,
    effective_to: date | None = None,
    reviewed: date,
) -> Policy:
    return Policy(
        policy_id=policy_id,
        title=title,
        combine=combine,
        criteria=criteria,
        body=saltmarsh_body(
            policy_id=policy_id,
            title=title,
            lead=lead,
            close=close,
            criteria=criteria,
            line_of_business=line_of_business,
            effective_from=effective_from,
            effective_to=effective_to,
            reviewed=reviewed,
        ),
        line_of_business=line_of_business,
        effective_from=effective_from,
        effective_to=effective_to,
        updated_at=utc(reviewed, 14, 40),
    )


# ---------------------------------------------------------------- hip arthroscopy for impingement

HIP_PAIN = Criterion(
    kind="duration",
    statement="hip or groin pain that limits activity, present for at least 12 weeks",
    subject="hip and groin pain",
    minimum=12,
    met=(
        "Deep groin pain on the affected side, worse sitting and pivoting, present for {w}.",
        "Mechanical hip pain with catching for {w}; has given up running because of it.",
        "{Subject}, activity-limiting, duration {w}.",
    ),
    not_met=(
        "The groin pain started {short} ago after a five-a-side game.",
        "Hip symptoms are recent, about {short}.",
        "Onset of the {subject} only {short} before this visit.",
    ),
    vague=(
        "Hip pain 'on and off for a while'; he cannot say when it began.",
        "Pain history muddled by an older back complaint; when the hip pain itself began is not clear.",
        "Duration of the groin pain not recorded at intake.",
    ),
)

ALPHA_ANGLE = Criterion(
    kind="measure",
    statement="a cam or mixed-type deformity with an alpha angle of 55 degrees or greater on radiograph, CT or MRI",
    subject="alpha angle",
    minimum=55,
    floor=40,
    maximum=84,
    met=(
        "Dunn lateral view: cam lesion at the head-neck junction, alpha angle {v} degrees.",
        "MR arthrogram shows an anterosuperior labral tear and an alpha angle of {v}°.",
        "CT hip with 3D reconstruction: cam morphology measuring {v} degrees (alpha).",
    ),
    not_met=(
        "Alpha angle {low} degrees on the Dunn view; no significant cam.",
        "Radiographs: head-neck offset looks normal, alpha angle measured at {low}°.",
        "MRI alpha angle {low} degrees, labrum intact.",
    ),
    vague=(
        "Hip films ordered; alpha angle not yet measured.",
        "Outside MRI report mentions 'possible FAI' but gives no measurements.",
        "Images on a disc the patient brought; could not be loaded, to be re-sent.",
    ),
)

NON_OPERATIVE = Criterion(
    kind="therapy",
    statement="no lasting relief after at least 10 weeks of structured non-operative care",
    subject="non-operative care",
    minimum=10,
    therapies=(
        "a supervised physical therapy program",
        "scheduled anti-inflammatory medication",
        "activity modification with a home exercise plan",
    ),
)

TONNIS = Criterion(
    kind="finding",
    statement="no more than mild arthritis (Tonnis grade 0 or 1) on a weight-bearing pelvis radiograph",
    subject="arthritis grade",
    met=(
        "Standing AP pelvis: Tonnis 0, joint space well preserved.",
        "Tonnis grade 1 changes only; joint space maintained on the weight-bearing film.",
        "No meaningful arthritis on standing films (Tonnis 1).",
    ),
    not_met=(
        "Standing AP pelvis shows Tonnis grade 2 arthritis with superior joint-space narrowing.",
        "Advanced degenerative change, Tonnis 3, with subchondral cysts in the acetabulum.",
        "Joint space markedly narrowed on weight-bearing films; arthroplasty discussed rather than a scope.",
    ),
    vague=(
        "Arthritis grade to be assessed once weight-bearing films are done.",
        "Only a supine AP available; joint space hard to judge.",
    ),
)

_HIP_TITLE = "Arthroscopic surgery of the hip for femoroacetabular impingement"

HIP_SCOPE_OLD = _criteria(
    policy_id="MC-118.1",
    title=_HIP_TITLE,
    combine="all",
    lead="The Alliance pays for hip arthroscopy only if the record establishes both numbered criteria.",
    close="Arthroscopy without both criteria established is not medically necessary.",
    criteria=(
        Criterion(
            kind="duration",
            statement="hip or groin pain present for at least 8 weeks",
            subject="hip and groin pain",
            minimum=8,
        ),
        Criterion(
            kind="measure",
            statement="an alpha angle of 50 degrees or greater",
            subject="alpha angle",
            minimum=50,
            floor=38,
            maximum=80,
        ),
    ),
    line_of_business=None,
    effective_from=date(2018, 2, 1),
    effective_to=date(2023, 12, 31),
    reviewed=date(2018, 1, 9),
)

HIP_SCOPE = _criteria(
    policy_id="MC-118.2",
    title=_HIP_TITLE,
    combine="all",
    lead=(
        "Hip arthroscopy is paid as medically necessary when the record establishes all four numbered"
        " criteria; none of them may be missing."
    ),
    close="A request that leaves any one of the four criteria unestablished is not medically necessary.",
    criteria=(HIP_PAIN, ALPHA_ANGLE, NON_OPERATIVE, TONNIS),
    line_of_business=None,
    effective_from=date(2024, 1, 1),
    reviewed=date(2023, 11, 14),
)

# ---------------------------------------------------------------- cranial remolding orthosis

CRANIAL_ASYMMETRY = Criterion(
    kind="measure",
    statement="cranial vault asymmetry (the difference between the two diagonal head measurements) of 12 mm or more",
    subject="cranial vault asymmetry",
    minimum=12,
    floor=3,
    maximum=26,
    met=(
        "Caliper diagonals differ by {v} mm today.",
        "Cranial vault asymmetry {v} mm on the 3D head scan, ipsilateral ear shifted forward.",
        "Diagonal difference measured at {v} mm, larger than at the last check.",
    ),
    not_met=(
        "Diagonal difference {low} mm; mild asymmetry only.",
        "CVA today {low} mm and improving with positioning.",
        "Head scan: vault asymmetry of {low} mm.",
    ),
    vague=(
        "Head shape asymmetric viewed from above; measurements to be taken at the orthotist.",
        "Parents say the flat spot is 'better', not measured today.",
    ),
)

REPOSITIONING = Criterion(
    kind="therapy",
    statement=(
        "at least 8 weeks of repositioning and supervised tummy time, with physical therapy when neck"
        " tightness is present, without adequate correction"
    ),
    subject="repositioning program",
    minimum=8,
    therapies=("a repositioning program", "supervised tummy time", "physical therapy for torticollis"),
)

INFANT_AGE = Criterion(
    kind="finding",
    statement="an infant between 3 and 18 months of age when the orthosis is fitted",
    subject="age at fitting",
    met=(
        "Infant is 5 months old today, well within the window for helmet treatment.",
        "Age 7 months (corrected 6), sutures open, a good age for orthotic treatment.",
        "Four and a half months old; head growth still rapid.",
    ),
    not_met=(
        "Child is now 22 months old; cranial growth has slowed and a helmet would achieve little.",
        "Two-year-old, past the age where remolding works.",
        "Now 26 months old; remolding no longer works at this age.",
    ),
    vague=(
        "Date of birth on the referral is illegible; age to be confirmed.",
        "Born early, gestational age not documented, so corrected age unknown.",
    ),
)

CRANIAL = _criteria(
    policy_id="MC-230.1",
    title="Cranial remolding orthosis for positional plagiocephaly",
    combine="all",
    lead=(
        "A custom cranial remolding orthosis is paid only when the record shows each of the three"
        " criteria below together."
    ),
    close="If the record is silent on any criterion, or contradicts it, the orthosis is not medically necessary.",
    criteria=(CRANIAL_ASYMMETRY, REPOSITIONING, INFANT_AGE),
    line_of_business=None,
    effective_from=date(2020, 6, 1),
    reviewed=date(2020, 4, 28),
)

# ---------------------------------------------------------------- phototherapy for psoriasis

PSORIASIS_BSA = Criterion(
    kind="measure",
    statement="plaque psoriasis involving 10 percent or more of body surface area",
    subject="body surface area involved",
    minimum=10,
    floor=1,
    maximum=45,
    met=(
        "Plaques over the trunk, both legs and the scalp, about {v}% BSA.",
        "BSA involvement estimated at {v} percent by the palm method.",
        "Extensive disease, {v}% of body surface.",
    ),
    not_met=(
        "Limited plaque psoriasis, roughly {low}% BSA (elbows and knees).",
        "BSA {low} percent.",
        "Involvement small, {low}% of body surface on today's count.",
    ),
    vague=(
        "Skin exam cut short; extent not recorded.",
        "Photos sent through the portal suggest a flare, extent not assessable.",
    ),
)

HIGH_IMPACT_SITE = Criterion(
    kind="finding",
    statement="psoriasis of the palms, soles, face or genitals that interferes with work or daily function",
    subject="high-impact site involvement",
    met=(
        "Fissured palmar plaques; she cannot grip tools at work and has missed shifts.",
        "Plantar psoriasis painful enough that he limps and cannot stand through a shift.",
        "Genital psoriasis causing pain with intercourse and with urination.",
    ),
    not_met=(
        "Palms, soles, face and genitals clear.",
        "No involvement of hands, feet, face or groin.",
    ),
    vague=(
        "Mentions 'some spots' on the hands, not examined today.",
        "Possible genital involvement; patient preferred not to be examined today.",
    ),
)

TOPICALS = Criterion(
    kind="therapy",
    statement="an inadequate response to at least 12 weeks of prescribed topical treatment",
    subject="topical treatment",
    minimum=12,
    therapies=(
        "clobetasol ointment",
        "calcipotriene cream",
        "betamethasone-calcipotriene foam",
        "tazarotene gel",
    ),
)

PHOTOTHERAPY = _criteria(
    policy_id="MC-305.4",
    title="Narrowband ultraviolet B phototherapy for psoriasis",
    combine="any",
    lead=(
        "Phototherapy, in the office or with a home unit, is paid when the record shows at least one of"
        " the criteria below; one criterion on its own is sufficient."
    ),
    close="When the record shows none of the three, phototherapy is not medically necessary.",
    criteria=(PSORIASIS_BSA, HIGH_IMPACT_SITE, TOPICALS),
    line_of_business=None,
    effective_from=date(2019, 9, 1),
    reviewed=date(2022, 7, 19),
)

# ---------------------------------------------------------------- sacral neuromodulation

OAB_SYMPTOMS = Criterion(
    kind="duration",
    statement="overactive bladder symptoms (urgency, frequency or urge incontinence) for at least 6 months",
    subject="overactive bladder symptoms",
    minimum=26,
)

BLADDER_DRUGS = Criterion(
    kind="therapy",
    statement="symptoms persisting after at least 8 weeks of an oral bladder medicine",
    subject="bladder medication",
    minimum=8,
    therapies=("oxybutynin", "solifenacin", "trospium", "mirabegron", "vibegron"),
)

TEST_STIMULATION = Criterion(
    kind="measure",
    statement="a test stimulation phase in which leaks or voids per day fell by 50 percent or more on a bladder diary",
    subject="improvement during test stimulation",
    minimum=50,
    floor=5,
    maximum=95,
    met=(
        "Bladder diary during the test phase: urge leaks down {v}% from baseline.",
        "Trial lead week: voiding frequency improved by {v} percent and she is delighted.",
        "Test stimulation reduced leakage episodes by {v}% per the diary.",
    ),
    not_met=(
        "Diary during the test phase shows only {low}% fewer leaks than at baseline.",
        "Test stimulation: improvement of {low} percent, below what we want before implanting.",
    ),
    vague=(
        "Test phase finished but the patient forgot to bring the diary.",
        "Patient 'thinks' the trial helped; diary to be mailed in.",
        "Lead migrated partway through the test phase, so the response is hard to interpret.",
    ),
)

SACRAL = _criteria(
    policy_id="MC-412.2",
    title="Sacral neuromodulation for refractory overactive bladder",
    combine="all",
    lead=(
        "Sacral neuromodulation, test stimulation or permanent implant, is paid only if every numbered"
        " criterion is documented."
    ),
    close="Missing documentation of any single criterion makes the service not medically necessary.",
    criteria=(OAB_SYMPTOMS, BLADDER_DRUGS, TEST_STIMULATION),
    line_of_business=None,
    effective_from=date(2021, 3, 1),
    reviewed=date(2021, 1, 26),
)

# ---------------------------------------------------------------- implantable loop recorder

SYNCOPE_COUNT = Criterion(
    kind="measure",
    statement="two or more episodes of syncope in the 12 months before the request",
    subject="syncopal episodes",
    minimum=2,
    floor=1,
    maximum=6,
    met=(
        "{v} syncopal episodes over the last year, two with injury.",
        "Has passed out {v} times in the past 12 months, always without warning.",
        "Syncope x{v} in the past year.",
    ),
    not_met=(
        "Only {low} episode of loss of consciousness in the past year.",
        "{low} faint in the last 12 months, with an obvious trigger (blood draw).",
    ),
    vague=(
        "Reports 'several blackouts'; count and dates unclear, wife to keep a log.",
        "Unclear whether the episodes were true syncope or mechanical falls.",
    ),
)

PRIOR_MONITORING = Criterion(
    kind="finding",
    statement="prior external ambulatory monitoring (a Holter of 48 hours or longer, or an event monitor) that did not establish the cause",
    subject="prior ambulatory monitoring",
    met=(
        "14-day patch monitor: sinus rhythm, no pauses or arrhythmia, events not captured; non-diagnostic.",
        "48-hour Holter and a 30-day event monitor were both unrevealing.",
    ),
    not_met=(
        "No ambulatory monitoring has been done yet.",
        "Event recorder captured complete heart block during a presyncopal spell; cause established, pacing referral made.",
    ),
    vague=(
        "Holter was ordered in the summer; unclear whether it was ever worn.",
        "Outside monitor results requested.",
    ),
)

CARDIAC_WORKUP = Criterion(
    kind="finding",
    statement="an echocardiogram and a 12-lead ECG that do not explain the episodes",
    subject="baseline cardiac workup",
    met=(
        "Echo normal (EF 60%, no valve disease) and resting ECG unremarkable.",
        "ECG sinus rhythm with normal intervals; TTE shows a structurally normal heart.",
    ),
    not_met=(
        "Echo shows severe aortic stenosis, which likely accounts for the syncope.",
        "Resting ECG shows Mobitz II block, an electrical explanation for the episodes.",
    ),
    vague=(
        "Echocardiogram pending.",
        "ECG done at urgent care; tracing not available to us.",
    ),
)

LOOP_RECORDER = _criteria(
    policy_id="MC-506.1",
    title="Implantable cardiac loop recorder for unexplained syncope",
    combine="all",
    lead="For Saltmarsh Seasons members a loop recorder is paid when all of the following stand documented.",
    close="The device is not medically necessary if any item above is not documented.",
    criteria=(SYNCOPE_COUNT, PRIOR_MONITORING, CARDIAC_WORKUP),
    line_of_business="medicare_advantage",
    effective_from=date(2020, 10, 1),
    reviewed=date(2020, 8, 31),
)

# ---------------------------------------------------------------- vestibular rehabilitation (retired)

DIZZINESS = Criterion(
    kind="duration",
    statement="dizziness or imbalance for at least 4 weeks",
    subject="dizziness",
    minimum=4,
)

DHI = Criterion(
    kind="measure",
    statement="a Dizziness Handicap Inventory score of 36 points or more",
    subject="Dizziness Handicap Inventory",
    minimum=36,
    floor=6,
    maximum=86,
    met=(
        "DHI {v}/100 today.",
        "Dizziness Handicap Inventory completed: total {v}, moderate to severe handicap.",
    ),
    not_met=(
        "DHI {low}/100, mild handicap.",
        "Dizziness Handicap Inventory total {low}.",
    ),
    vague=(
        "DHI questionnaire given to take home.",
        "Too symptomatic to finish the DHI today.",
    ),
)

VESTIBULAR_CAUSE = Criterion(
    kind="finding",
    statement="a peripheral vestibular cause established on examination or testing",
    subject="vestibular diagnosis",
    met=(
        "Head impulse test positive to the left with a corrective saccade, consistent with left vestibular hypofunction.",
        "Videonystagmography: 38% left caloric weakness, peripheral pattern.",
        "Dix-Hallpike positive on the right; residual imbalance after repositioning.",
    ),
    not_met=(
        "Vestibular testing normal; the dizziness is attributed to orthostatic hypotension.",
        "Exam and VNG show no vestibular abnormality; lightheadedness is from hyperventilation.",
    ),
    vague=(
        "VNG booked.",
        "Possibly vestibular, possibly cardiac; cause not yet sorted out.",
    ),
)

VESTIBULAR = _criteria(
    policy_id="MC-611.3",
    title="Vestibular rehabilitation therapy",
    combine="all",
    lead="Vestibular rehabilitation is paid when the record establishes the three criteria below, all of them.",
    close="Without every criterion established, vestibular rehabilitation is not medically necessary.",
    criteria=(DIZZINESS, DHI, VESTIBULAR_CAUSE),
    line_of_business=None,
    effective_from=date(2019, 5, 1),
    effective_to=date(2025, 6, 30),
    reviewed=date(2019, 4, 2),
)

# ---------------------------------------------------------------- extended-release buprenorphine

OUD_SEVERITY = Criterion(
    kind="finding",
    statement="opioid use disorder of moderate or severe degree by DSM-5 criteria",
    subject="opioid use disorder severity",
    met=(
        "Opioid use disorder, severe: 8 of 11 DSM-5 criteria on today's assessment.",
        "Meets DSM-5 criteria for moderate OUD (5 criteria, including tolerance and craving).",
    ),
    not_met=(
        "Only 2 DSM-5 criteria present; mild OUD, in early remission.",
        "Opioid use limited to prescribed post-operative tablets; does not meet criteria for opioid use disorder.",
    ),
    vague=(
        "Opioid history still being gathered; DSM-5 assessment incomplete.",
        "Severity not yet documented.",
    ),
)

TRANSMUCOSAL = Criterion(
    kind="therapy",
    statement="at least 1 week on a stable dose of transmucosal buprenorphine before the first injection",
    subject="transmucosal buprenorphine",
    minimum=1,
    therapies=("sublingual buprenorphine", "buprenorphine-naloxone film", "buprenorphine-naloxone tablets"),
    met=(
        "Stable on {therapy} 16 mg daily for {w}, no withdrawal or craving on that dose.",
        "On {therapy} for {w}, dose unchanged throughout.",
    ),
    not_met=(
        "Started {therapy} only {short} ago; dose still being adjusted.",
        "Has never taken {therapy}; wants to go straight to the injection.",
    ),
    vague=(
        "Says he has been taking buprenorphine bought from a friend; nothing prescribed or verified.",
        "Current transmucosal dose and start date to be confirmed with the prescription monitoring program.",
    ),
)

PSYCHOSOCIAL = Criterion(
    kind="finding",
    statement="enrolment in counselling or another psychosocial support",
    subject="psychosocial support",
    met=(
        "Attending weekly group counselling at the recovery centre.",
        "Enrolled with a peer recovery coach and an individual counsellor; first sessions attended.",
    ),
    not_met=(
        "Declines any counselling or recovery support.",
        "Not enrolled in any psychosocial program and not interested at present.",
    ),
    vague=(
        "Counselling referral given.",
        "Will think about joining a group.",
    ),
)

XR_BUPRENORPHINE = _criteria(
    policy_id="MC-720.2",
    title="Extended-release injectable buprenorphine for opioid use disorder",
    combine="all",
    lead="The monthly injection is paid when the record documents each numbered criterion, with none left out.",
    close="Where any criterion is not documented, the injection is not medically necessary.",
    criteria=(OUD_SEVERITY, TRANSMUCOSAL, PSYCHOSOCIAL),
    line_of_business=None,
    effective_from=date(2021, 8, 1),
    reviewed=date(2021, 6, 30),
)

# ---------------------------------------------------------------- home enteral nutrition

LASTING_IMPAIRMENT = Criterion(
    kind="finding",
    statement="a disorder of swallowing or of the gut expected to prevent adequate oral intake for at least 90 days",
    subject="lasting impairment of intake",
    met=(
        "Post-radiation dysphagia after laryngeal cancer; speech pathology expects no safe oral intake for many months.",
        "Severe oropharyngeal dysphagia from ALS, progressive, not expected to recover.",
        "Brainstem stroke with aspiration on every consistency at the swallow study; long-term tube feeding anticipated.",
    ),
    not_met=(
        "Poor intake is from a passing viral illness and is expected to settle shortly.",
        "Dysphagia has largely resolved; eating a soft diet without coughing.",
    ),
    vague=(
        "Swallow evaluation pending.",
        "Prognosis for recovery of swallowing uncertain at this point.",
    ),
)

WEIGHT_LOSS = Criterion(
    kind="measure",
    statement="unintended loss of 5 percent or more of usual body weight over the previous 3 months",
    subject="weight loss",
    minimum=5,
    floor=1,
    maximum=19,
    met=(
        "Down {v}% from usual body weight over the last three months despite eating what he can.",
        "Unintended weight loss of {v} percent in 3 months.",
    ),
    not_met=(
        "Weight close to stable, only {low}% below usual.",
        "Lost {low} percent of body weight over the past three months.",
    ),
    vague=(
        "Clothes looser per family; not weighed today.",
        "Scale at the home visit broken, weight to be checked next time.",
    ),
)

ORAL_SUPPORT = Criterion(
    kind="therapy",
    statement="at least 4 weeks of oral nutritional support without maintaining weight",
    subject="oral nutrition support",
    minimum=4,
    therapies=(
        "oral nutritional supplement drinks",
        "a thickened, modified-texture diet",
        "fortified foods with dietitian counselling",
    ),
)

ENTERAL = _criteria(
    policy_id="MC-808.1",
    title="Home enteral nutrition",
    combine="all",
    lead=(
        "For Saltmarsh Community members, home tube feeding (formula, pump and supplies) is paid when"
        " every one of the numbered criteria appears in the record."
    ),
    close="Home enteral nutrition is not medically necessary when one or more criteria do not appear.",
    criteria=(LASTING_IMPAIRMENT, WEIGHT_LOSS, ORAL_SUPPORT),
    line_of_business="medicaid",
    effective_from=date(2022, 2, 1),
    reviewed=date(2022, 1, 11),
)

# ---------------------------------------------------------------- electroconvulsive therapy

ANTIDEPRESSANTS = Criterion(
    kind="therapy",
    statement="no adequate response to an antidepressant trial of at least 6 weeks at a therapeutic dose",
    subject="antidepressant treatment",
    minimum=6,
    therapies=(
        "sertraline",
        "escitalopram",
        "venlafaxine",
        "bupropion",
        "mirtazapine",
        "lithium augmentation",
    ),
)

PSYCHOTIC_FEATURES = Criterion(
    kind="finding",
    statement="depression with psychotic features or catatonia",
    subject="psychotic or catatonic features",
    met=(
        "Mood-congruent delusions of guilt and ruin; hears voices telling her she deserves punishment.",
        "Catatonic: mute, posturing, Bush-Francis score 18 today.",
    ),
    not_met=(
        "No psychotic symptoms and no signs of catatonia on examination.",
        "Thought content without delusions, no hallucinations, moves and speaks normally.",
    ),
    vague=(
        "?catatonic features; reassess when less sedated.",
        "Family describes 'strange ideas', not yet explored.",
    ),
)

RAPID_RESPONSE = Criterion(
    kind="finding",
    statement="a need for a rapid response because of high suicide risk or refusal of food and fluids",
    subject="need for rapid response",
    met=(
        "Active suicidal intent with a plan; on one-to-one observation.",
        "Refusing food and fluids, now needing IV hydration.",
    ),
    not_met=(
        "Denies suicidal ideation; eating and drinking normally.",
        "Low current suicide risk on structured assessment; taking meals.",
    ),
    vague=(
        "Risk assessment to be repeated tomorrow.",
        "Intake fluctuating, nursing to chart.",
    ),
)

ECT = _criteria(
    policy_id="MC-915.2",
    title="Electroconvulsive therapy for major depression",
    combine="any",
    lead=(
        "A course of electroconvulsive therapy is paid if the record documents any of the numbered"
        " criteria; the Alliance does not require more than one."
    ),
    close="A course requested with none of the criteria documented is not medically necessary.",
    criteria=(ANTIDEPRESSANTS, PSYCHOTIC_FEATURES, RAPID_RESPONSE),
    line_of_business=None,
    effective_from=date(2020, 1, 1),
    reviewed=date(2019, 12, 3),
)

# ---------------------------------------------------------------- allergen immunotherapy

ALLERGY_SYMPTOMS = Criterion(
    kind="duration",
    statement="moderate to severe allergic rhinitis, conjunctivitis or asthma symptoms present for at least 6 months",
    subject="allergy symptoms",
    minimum=26,
)

SKIN_TEST = Criterion(
    kind="measure",
    statement="a skin-prick wheal of 3 mm or larger (beyond the negative control) to an allergen matching the history",
    subject="skin test wheal",
    minimum=3,
    floor=0,
    maximum=14,
    met=(
        "Skin prick: grass mix wheal {v} mm, negative control 0.",
        "Prick test positive to dust mite, {v} mm wheal with flare.",
        "Birch pollen SPT {v} mm.",
    ),
    not_met=(
        "Skin prick testing: largest wheal {low} mm to any allergen, essentially negative.",
        "All skin tests negative (maximum wheal {low} mm).",
    ),
    vague=(
        "Skin testing deferred, still on antihistamines.",
        "Outside allergy tests 'positive' per the patient, report not available.",
    ),
)

ALLERGY_MEDICINES = Criterion(
    kind="therapy",
    statement="symptoms not controlled after at least 8 weeks of allergy medication",
    subject="allergy medication",
    minimum=8,
    therapies=("a nasal steroid spray", "daily cetirizine", "montelukast", "an azelastine-fluticasone spray"),
)

IMMUNOTHERAPY = _criteria(
    policy_id="MC-142.1",
    title="Subcutaneous allergen immunotherapy",
    combine="all",
    lead=(
        "Allergy injections are paid for commercial members when all three criteria below are shown in"
        " the record."
    ),
    close="If any of the three is not shown, allergen immunotherapy is not medically necessary.",
    criteria=(ALLERGY_SYMPTOMS, SKIN_TEST, ALLERGY_MEDICINES),
    line_of_business="commercial",
    effective_from=date(2019, 11, 1),
    reviewed=date(2019, 10, 8),
)

# ---------------------------------------------------------------- insulin pump

MULTIPLE_INJECTIONS = Criterion(
    kind="therapy",
    statement="at least 6 months of multiple daily insulin injections with the member adjusting the doses",
    subject="multiple daily injections",
    minimum=26,
    therapies=(
        "basal-bolus insulin injections",
        "multiple daily injections of glargine and lispro",
        "MDI with degludec and aspart",
    ),
)

GLUCOSE_CHECKS = Criterion(
    kind="measure",
    statement="glucose checked 4 or more times a day, by meter or by reviewing a sensor",
    subject="daily glucose checks",
    minimum=4,
    floor=1,
    maximum=10,
    met=(
        "Checks sugars {v} times daily, log brought in.",
        "Meter download: average {v} checks per day over the last month.",
    ),
    not_met=(
        "Meter download shows {low} checks a day on average.",
        "Tests {low} times daily at most.",
    ),
    vague=(
        "Forgot the meter; testing frequency unknown.",
        "Says she tests 'a lot'.",
    ),
)

DIABETES_EDUCATION = Criterion(
    kind="finding",
    statement="completion of a structured diabetes self-management education program",
    subject="diabetes education",
    met=(
        "Completed the structured self-management course including carbohydrate counting.",
        "Finished DSMES classes in the spring; certificate scanned.",
    ),
    not_met=(
        "Has not attended any diabetes education and declined the referral.",
        "No formal diabetes education to date.",
    ),
    vague=(
        "Education referral placed.",
        "Unsure whether she completed classes at her previous clinic.",
    ),
)

INSULIN_PUMP = _criteria(
    policy_id="MC-333.2",
    title="Continuous subcutaneous insulin infusion pumps",
    combine="all",
    lead="An insulin pump is paid when the record meets criteria (1), (2) and (3), each of them.",
    close="A pump is not medically necessary when any of criteria (1) to (3) is unmet or undocumented.",
    criteria=(MULTIPLE_INJECTIONS, GLUCOSE_CHECKS, DIABETES_EDUCATION),
    line_of_business=None,
    effective_from=date(2021, 1, 1),
    reviewed=date(2020, 11, 17),
)

POLICIES: tuple[Policy, ...] = (
    HIP_SCOPE_OLD,
    HIP_SCOPE,
    CRANIAL,
    PHOTOTHERAPY,
    SACRAL,
    LOOP_RECORDER,
    VESTIBULAR,
    XR_BUPRENORPHINE,
    ENTERAL,
    ECT,
    IMMUNOTHERAPY,
    INSULIN_PUMP,
)

# ---------------------------------------------------------------- how the Alliance's clinicians write durations and trials

DURATION: dict[Stance, tuple[str, ...]] = {
    "met": (
        "{Subject} dates back {w}, according to the patient and the referring notes.",
        "Reports {subject} for {w}, steady rather than improving.",
        "{Subject}: {w} and counting.",
        "The {subject} began {w} ago and has not let up.",
    ),
    "not_met": (
        "{Subject} first appeared {short} before today.",
        "Recent onset of {subject}, about {short}.",
        "{Subject} for {short} so far.",
        "This is a new problem: {subject} for the past {short}.",
    ),
    "vague": (
        "{Subject} of unclear duration.",
        "When the {subject} began is not recorded.",
        "{Subject} comes and goes; no start date can be given.",
        "Onset of {subject} to be confirmed from previous records.",
    ),
}

THERAPY: dict[Stance, tuple[str, ...]] = {
    "met": (
        "{Therapy} for {w}, taken as directed; little change.",
        "Completed {w} of {therapy} without adequate benefit.",
        "Gave {therapy} a proper try for {w}; response inadequate.",
        "{Therapy} continued for {w} with persistent symptoms.",
    ),
    "not_met": (
        "Has not tried any of the following: {therapies}.",
        "{Therapy} begun {short} ago, too soon to judge.",
        "Stopped {therapy} after {short} of own accord.",
        "No trial of {therapies} on record, and the patient confirms none.",
    ),
    "vague": (
        "{Therapy} mentioned in passing; dates and length of the trial not documented.",
        "May have had {therapy} before, details unknown.",
        "Previous {therapy} reported by the patient; how long it lasted is unknown.",
        "Outside pharmacy and clinic records requested to confirm the {therapy} trial.",
    ),
}
