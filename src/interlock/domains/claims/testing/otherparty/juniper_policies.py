"""Juniper Ridge Health Plan's coverage determination guidelines and how its clinicians document them.

Juniper Ridge publishes each guideline as a short document with its own coverage
rationale sentence, so the way criteria combine is worded guideline by guideline
rather than from one template. Each criterion carries what the plan's treating
clinicians actually write when it is met, when it is not, and when the chart only
points at it; the payer's units (degrees, mmHg, pmol/L, centimetres, days, headache
days a month) are the ones its guidelines are written in.
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
    None: "All Juniper Ridge products",
    "commercial": "Employer and individual (commercial) products",
    "medicare_advantage": "Juniper Evergreen Medicare Advantage products",
    "medicaid": "Juniper Community (Medicaid) products",
}


def juniper_body(
    *,
    policy_id: str,
    title: str,
    lead: str,
    close: str,
    criteria: Sequence[Criterion],
    line_of_business: str | None,
    effective_from: date,
    effective_to: date | None,
) -> str:
    """A coverage determination guideline as Juniper Ridge prints it."""
    span = f"In force from {effective_from:%d %b %Y}"
    if effective_to is not None:
        span += f" through {effective_to:%d %b %Y} (no longer in force after that date)"
    numbered = [
        f"    ({n}) {c.statement[:1].upper()}{c.statement[1:]}" for n, c in enumerate(criteria, start=1)
    ]
    return "\n".join(
        [
            "JUNIPER RIDGE HEALTH PLAN | COVERAGE DETERMINATION GUIDELINE",
            f"Guideline {policy_id}: {title}",
            f"Products: {_PRODUCTS[line_of_business]}. {span}.",
            "",
            "Coverage rationale",
            lead,
            *numbered,
            "",
            close,
        ]
    )


def _guideline(
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
    revised: date,
) -> Policy:
    return Policy(
        policy_id=policy_id,
        title=title,
        combine=combine,
        criteria=criteria,
        body=juniper_body(
            policy_id=policy_id,
            title=title,
            lead=lead,
            close=close,
            criteria=criteria,
            line_of_business=line_of_business,
            effective_from=effective_from,
            effective_to=effective_to,
        ),
        line_of_business=line_of_business,
        effective_from=effective_from,
        effective_to=effective_to,
        updated_at=utc(revised, 16, 5),
    )


# ---------------------------------------------------------------- scoliosis bracing

COBB = Criterion(
    kind="measure",
    statement="a primary curve measuring 25 degrees or more by the Cobb method on a standing full-spine radiograph",
    subject="Cobb angle",
    minimum=25,
    floor=11,
    maximum=44,
    met=(
        "Standing PA full-spine film today: right thoracic curve T5-T11 measures {v}° by Cobb.",
        "Cobb angle of the main thoracolumbar curve is {v} degrees on the standing scoliosis series.",
        "Radiographs (standing, full length) reviewed with the family: primary lumbar curve {v} deg.",
        "her major curve has progressed and now measures {v} degrees (Cobb, standing film taken in clinic today)",
    ),
    not_met=(
        "Standing full-spine x-ray: the largest curve measures {low}° Cobb.",
        "Primary curve only {low} degrees on today's standing radiograph, so observation rather than bracing.",
        "Cobb {low} deg on standing PA film, unchanged from six months ago.",
    ),
    vague=(
        "Scoliometer shows a rib hump on forward bend; standing films have been ordered.",
        "Outside x-rays apparently show a 'moderate' curve, but the images and report have not reached us yet.",
        "Clinically the curve looks to be somewhere in the twenties; will measure properly once radiographs are done.",
        "Curve magnitude to be confirmed on repeat imaging, previous film was supine and poorly positioned.",
    ),
)

RISSER = Criterion(
    kind="finding",
    statement="substantial growth remaining, shown by a Risser grade of 0, 1 or 2",
    subject="skeletal maturity",
    met=(
        "Risser 1 on the same film, premenarchal, growth spurt clearly still under way.",
        "Iliac apophysis shows Risser grade 0 and the triradiate cartilage is still open.",
        "Skeletally immature: Risser 2, menarche only two months ago.",
    ),
    not_met=(
        "Risser 5, skeletally mature; no meaningful growth left.",
        "Iliac apophyses are Risser 4 and menarche was more than two years ago, growth is essentially complete.",
        "Bone age consistent with skeletal maturity (Risser 5), height unchanged over the last year.",
    ),
    vague=(
        "Risser grade cannot be read on the outside film; pelvis not included, repeat view planned.",
        "Hand bone age study requested to estimate how much growth remains.",
        "Skeletal maturity to be assessed at the orthotics consult.",
    ),
)

BRACE_WEAR = Criterion(
    kind="measure",
    statement="a prescribed brace wearing schedule of 18 hours a day or more that the patient and family have agreed to follow",
    subject="brace wearing schedule",
    minimum=18,
    floor=8,
    maximum=23,
    met=(
        "Wear prescription {v} hrs/day; family and patient in agreement, wear log and sensor compliance discussed and accepted.",
        "Patient and parents have agreed to full-time bracing, {v} hours every day, and signed the wear agreement.",
        "Plan agreed with family: brace on {v} h daily, off only for bathing and sport.",
    ),
    not_met=(
        "Family will accept night-time bracing only, roughly {low} hours a day, and declines full-time wear.",
        "After discussion the patient agreed to no more than {low} hours of brace wear per day.",
        "Agreed schedule is {low} h/day; they are not willing to commit to more.",
    ),
    vague=(
        "Wear schedule to be worked out once the brace has been fitted.",
        "Unsure whether the brace can be worn at school; number of hours not settled yet.",
        "Would benefit from bracing if the family can commit to it; they will let us know.",
    ),
)

_SCOLIOSIS_CLOSE = (
    "An orthosis requested when any numbered condition is missing from the record is not "
    "medically necessary under this guideline."
)

SCOLIOSIS_OLD = _guideline(
    policy_id="JR/ORT/11/1",
    title="Spinal orthosis for adolescent idiopathic scoliosis",
    combine="all",
    lead="A custom spinal orthosis is covered when all of the following are documented:",
    close=_SCOLIOSIS_CLOSE,
    criteria=(
        Criterion(
            kind="measure",
            statement="a primary curve of 20 degrees or more by the Cobb method",
            subject="Cobb angle",
            minimum=20,
            floor=8,
            maximum=40,
        ),
        Criterion(
            kind="finding",
            statement="a Risser grade of 0, 1, 2 or 3",
            subject="skeletal maturity",
        ),
    ),
    line_of_business=None,
    effective_from=date(2017, 3, 1),
    effective_to=date(2022, 8, 31),
    revised=date(2017, 2, 6),
)

SCOLIOSIS = _guideline(
    policy_id="JR/ORT/11/2",
    title="Spinal orthosis for adolescent idiopathic scoliosis",
    combine="all",
    lead="Juniper Ridge covers a custom spinal orthosis when the record documents all three of the conditions below:",
    close=_SCOLIOSIS_CLOSE,
    criteria=(COBB, RISSER, BRACE_WEAR),
    line_of_business=None,
    effective_from=date(2022, 9, 1),
    revised=date(2022, 8, 10),
)

# ---------------------------------------------------------------- ablation for atrial fibrillation

AF_DOCUMENTED = Criterion(
    kind="finding",
    statement="symptomatic atrial fibrillation captured on a 12-lead ECG or an ambulatory monitor",
    subject="documented atrial fibrillation",
    met=(
        "48 h Holter: paroxysmal AF, longest run 3 h 10 min, diary entries of palpitations and breathlessness line up with the AF runs.",
        "12-lead ECG in the department shows atrial fibrillation with rapid ventricular response at 136; the patient is palpitating and lightheaded.",
        "Event monitor captured several episodes of AF, each coinciding with the patient's symptom button presses for racing heart.",
    ),
    not_met=(
        "30-day event monitor: sinus rhythm throughout, no atrial fibrillation recorded, symptoms did not correlate with any arrhythmia.",
        "AF picked up incidentally on a pre-op ECG; the patient is entirely asymptomatic and denies palpitations, dyspnoea or fatigue.",
        "No AF has ever been captured on ECG or monitoring; palpitations are attributed to sinus tachycardia on all recordings.",
    ),
    vague=(
        "Palpitations described; a 14-day patch monitor has been mailed, results pending.",
        "Smartwatch flagged an 'irregular rhythm' a few times per the patient, no tracing in our chart.",
        "Urgent care reportedly called it AF but the strip was never sent to us.",
    ),
)

AAD_TRIAL = Criterion(
    kind="therapy",
    statement="symptoms persisting despite at least 8 weeks of an antiarrhythmic drug",
    subject="antiarrhythmic treatment",
    minimum=8,
    therapies=("flecainide", "propafenone", "sotalol", "dronedarone", "amiodarone"),
)

LAA_CLEAR = Criterion(
    kind="finding",
    statement="left atrial thrombus excluded by transoesophageal echocardiography or cardiac CT before the procedure",
    subject="left atrial appendage imaging",
    met=(
        "TEE: no thrombus in the LA or LAA, appendage emptying velocity normal.",
        "Pre-procedure cardiac CT angiogram: left atrial appendage opacifies completely, no clot.",
        "Transoesophageal echo the morning of the procedure excluded left atrial appendage thrombus.",
    ),
    not_met=(
        "TEE today: 9 mm mobile thrombus in the left atrial appendage.",
        "Cardiac CT shows a filling defect in the LAA that persists on delayed images, consistent with thrombus.",
    ),
    vague=(
        "TEE to be done on the day of the procedure.",
        "Appendage imaging not yet scheduled; will arrange CT if the procedure goes ahead.",
        "Awaiting the outside TEE report, which the patient thinks was normal.",
    ),
)

AF_ABLATION = _guideline(
    policy_id="JR/CAR/04/1",
    title="Catheter ablation for atrial fibrillation",
    combine="all",
    lead="Each of the following must be present in the record for catheter ablation to be covered:",
    close="If the record is missing any numbered item, ablation is not medically necessary.",
    criteria=(AF_DOCUMENTED, AAD_TRIAL, LAA_CLEAR),
    line_of_business=None,
    effective_from=date(2020, 1, 1),
    revised=date(2019, 11, 18),
)

# ---------------------------------------------------------------- transcatheter aortic valve

AV_GRADIENT = Criterion(
    kind="measure",
    statement="severe aortic stenosis with a mean transvalvular gradient of 40 mmHg or more on echocardiography",
    subject="aortic valve gradient",
    minimum=40,
    floor=14,
    maximum=78,
    met=(
        "TTE: calcified trileaflet valve, mean AV gradient {v} mmHg, peak velocity over 4 m/s, AVA 0.7 cm2.",
        "Echo confirms severe AS, mean gradient {v} mmHg.",
        "Most recent echocardiogram: aortic stenosis, severe by gradient ({v} mmHg mean).",
    ),
    not_met=(
        "Echo: mean aortic valve gradient {low} mmHg with AVA 1.4 cm2, moderate stenosis only.",
        "Aortic valve mean gradient measured at {low} mmHg on TTE; stenosis is not severe.",
    ),
    vague=(
        "Murmur louder than last year; echocardiogram ordered.",
        "Outside echo said 'significant AS' without numbers; formal report requested.",
        "Repeat echo to quantify the stenosis before the heart team meets.",
    ),
)

AS_SYMPTOMS = Criterion(
    kind="finding",
    statement="symptoms attributable to aortic stenosis (exertional breathlessness, angina or syncope)",
    subject="aortic stenosis symptoms",
    met=(
        "Now short of breath after half a flight of stairs, and had an exertional syncopal episode last month.",
        "Exertional chest tightness and dyspnoea, NYHA class III, consistent with the valve disease.",
        "Reports presyncope and breathlessness on exertion over recent months, attributed to the aortic stenosis.",
    ),
    not_met=(
        "Denies chest pain, syncope or dyspnoea; still walks three miles a day without limitation.",
        "Asymptomatic from the valve standpoint, NYHA class I, treadmill test without symptoms.",
    ),
    vague=(
        "Some tiredness lately, unclear if cardiac; stress echo to be arranged.",
        "Family feels he is 'slowing down', patient denies problems, will reassess.",
    ),
)

HEART_TEAM = Criterion(
    kind="finding",
    statement="a heart team assessment, including a cardiac surgeon, recommending transcatheter rather than surgical valve replacement",
    subject="heart team review",
    met=(
        "Presented at structural heart conference: cardiac surgery and interventional cardiology agree on TAVR given frailty and STS risk 8.1%.",
        "Heart team (CT surgeon Dr. Okafor, interventional cardiology) recommends the transfemoral transcatheter approach over open AVR.",
    ),
    not_met=(
        "Cardiac surgery has evaluated and recommends surgical AVR; low surgical risk, heart team does not favour a transcatheter approach.",
        "Heart team conclusion: open surgical replacement preferred, TAVR not recommended.",
    ),
    vague=(
        "Referral to cardiothoracic surgery placed; heart team meeting not yet held.",
        "Candidate for TAVR pending the surgical opinion.",
    ),
)

TAVR = _guideline(
    policy_id="JR/CAR/08/1",
    title="Transcatheter aortic valve replacement",
    combine="all",
    lead="TAVR is reasonable and necessary for a member whose record shows all three of the conditions below:",
    close="A request lacking any numbered condition does not meet this guideline.",
    criteria=(AV_GRADIENT, AS_SYMPTOMS, HEART_TEAM),
    line_of_business="medicare_advantage",
    effective_from=date(2021, 4, 1),
    revised=date(2021, 3, 2),
)

# ---------------------------------------------------------------- TENS units (retired)

TENS_PAIN = Criterion(
    kind="duration",
    statement="musculoskeletal or neuropathic pain present for at least 12 weeks",
    subject="musculoskeletal pain",
    minimum=12,
)

TENS_CONSERVATIVE = Criterion(
    kind="therapy",
    statement="pain persisting after at least 6 weeks of another conservative treatment",
    subject="conservative treatment",
    minimum=6,
    therapies=("physical therapy", "a daily NSAID", "a supervised home exercise program"),
)

TENS_RENTAL = Criterion(
    kind="measure",
    statement="a rental trial of a TENS unit lasting 30 days or more, during which the unit was used and pain decreased",
    subject="TENS rental trial",
    minimum=30,
    floor=4,
    maximum=62,
    met=(
        "Rental TENS trial completed ({v} days): used it daily, pain decreased from 7/10 to 3/10.",
        "TENS rental x {v} days with good use and a clear decrease in pain scores, patient wants to purchase.",
        "Completed a {v}-day TENS rental; daily use logged and pain reduced by about half.",
    ),
    not_met=(
        "Rental TENS returned after {low} days.",
        "Trialled a rental unit for {low} days only before stopping.",
        "Used the rental TENS for {v} days with no change in pain at all and returned it.",
    ),
    vague=(
        "TENS rental to be trialled.",
        "Would benefit from a TENS trial; DME order sent.",
        "Has a TENS from a friend, unsure of the settings or whether it helps.",
    ),
)

TENS = _guideline(
    policy_id="JR/DME/09/3",
    title="Transcutaneous electrical nerve stimulation (TENS) unit, purchase",
    combine="all",
    lead="Purchase of a TENS unit is covered when each of the following is documented:",
    close="Otherwise purchase is not medically necessary. This guideline has been retired; see the effective dates.",
    criteria=(TENS_PAIN, TENS_CONSERVATIVE, TENS_RENTAL),
    line_of_business=None,
    effective_from=date(2019, 4, 1),
    effective_to=date(2025, 3, 31),
    revised=date(2019, 3, 11),
)

# ---------------------------------------------------------------- lymphedema pumps

LYMPHEDEMA = Criterion(
    kind="finding",
    statement="lymphedema of a limb confirmed on examination (positive Stemmer sign or non-pitting swelling with skin changes)",
    subject="lymphedema on examination",
    met=(
        "Exam: positive Stemmer sign at the left second toe, non-pitting swelling to mid-calf with peau d'orange.",
        "Right arm lymphedema after axillary node dissection: firm, brawny, non-pitting swelling, Stemmer positive.",
        "Chronic lymphoedema of the left leg with skin thickening and papillomatosis on exam.",
    ),
    not_met=(
        "Exam: bilateral pitting ankle edema that resolves overnight with elevation, Stemmer negative; dependent edema from amlodipine, not lymphedema.",
        "No lymphedema on examination: limbs symmetric, skin normal, Stemmer sign negative.",
    ),
    vague=(
        "Swelling of the left leg, cause under investigation; lymphoscintigraphy ordered.",
        "Oncology referral for 'arm swelling', not yet examined in this clinic.",
        "Possible lymphedema, exam limited today by the dressing.",
    ),
)

LYMPH_CONSERVATIVE = Criterion(
    kind="therapy",
    statement="at least 4 weeks of conservative treatment without adequate improvement",
    subject="conservative lymphedema treatment",
    minimum=4,
    therapies=(
        "prescribed compression garments",
        "manual lymphatic drainage",
        "multilayer compression bandaging",
    ),
)

LIMB_GIRTH = Criterion(
    kind="measure",
    statement="a circumference difference of 2.0 cm or more between the affected and unaffected limb at any one measured point",
    subject="limb circumference difference",
    minimum=2,
    floor=1,
    maximum=9,
    decimals=1,
    met=(
        "Tape measurements: affected arm larger by {v} cm at 10 cm above the wrist crease.",
        "Girth difference at the calf is {v} cm (affected vs unaffected).",
        "Circumferential measures show the affected limb {v} cm bigger at its widest point.",
    ),
    not_met=(
        "Largest side-to-side circumference difference measured today: {low} cm.",
        "Limb girths nearly symmetric, maximum difference {low} cm.",
    ),
    vague=(
        "Limb volumes to be measured by the lymphedema therapist next week.",
        "Arm 'looks bigger' to the patient; no measurements on file.",
    ),
)

LYMPH_PUMP = _guideline(
    policy_id="JR/VAS/02/1",
    title="Pneumatic compression devices for lymphedema",
    combine="all",
    lead="A pneumatic compression pump is covered only when every numbered condition is satisfied:",
    close="Pumps requested without documentation of every condition are not medically necessary.",
    criteria=(LYMPHEDEMA, LYMPH_CONSERVATIVE, LIMB_GIRTH),
    line_of_business=None,
    effective_from=date(2018, 10, 1),
    revised=date(2018, 9, 4),
)

# ---------------------------------------------------------------- occipital nerve block

HEADACHE_DAYS = Criterion(
    kind="measure",
    statement="headache on 15 or more days a month, recorded in a headache diary",
    subject="headache days per month",
    minimum=15,
    floor=2,
    maximum=30,
    met=(
        "Headache diary reviewed: {v} headache days in the last 30.",
        "Averaging {v} headache days a month over the past quarter per her diary.",
        "Diary brought today documents headaches on {v} of the last 30 days.",
    ),
    not_met=(
        "Diary shows {low} headache days per month.",
        "Headache frequency {low} days/month on the diary kept since the last visit.",
    ),
    vague=(
        "Says the headaches are 'most days'; diary not returned.",
        "Headache diary handed out today.",
        "Frequency hard to judge, mixes up headache and neck pain days.",
    ),
)

HA_PREVENTIVE = Criterion(
    kind="therapy",
    statement="headaches continuing after at least 8 weeks of a preventive medication",
    subject="migraine prevention",
    minimum=8,
    therapies=("topiramate", "propranolol", "amitriptyline", "candesartan"),
)

OCCIPITAL_SIGN = Criterion(
    kind="finding",
    statement="tenderness over the greater or lesser occipital nerve that reproduces the usual headache",
    subject="occipital nerve tenderness",
    met=(
        "Pressure over the right greater occipital nerve reproduces the usual headache exactly.",
        "Marked tenderness at the left GON exit point, palpation brings on the typical pain radiating to the vertex.",
    ),
    not_met=(
        "No tenderness over either occipital nerve; palpation does not reproduce the headache.",
        "Occipital nerves non-tender bilaterally.",
    ),
    vague=(
        "Could this be occipital neuralgia? Will examine more carefully next visit.",
        "Neck exam deferred today.",
    ),
)

NERVE_BLOCK = _guideline(
    policy_id="JR/NEU/15/1",
    title="Occipital nerve block for chronic headache",
    combine="any",
    lead="An occipital nerve block is covered when the record documents one or more of these:",
    close="A single documented condition is enough. If none is documented, the block is not medically necessary.",
    criteria=(HEADACHE_DAYS, HA_PREVENTIVE, OCCIPITAL_SIGN),
    line_of_business=None,
    effective_from=date(2021, 7, 1),
    revised=date(2021, 6, 14),
)

# ---------------------------------------------------------------- paediatric neuropsychological testing

ACQUIRED_BRAIN = Criterion(
    kind="finding",
    statement="a known acquired brain condition (traumatic brain injury, epilepsy, or treatment for a brain tumour) with new cognitive complaints",
    subject="acquired brain condition",
    met=(
        "Concussion with loss of consciousness in a bicycle crash in March; since then teachers describe slowed processing and forgetfulness.",
        "Status post resection of a posterior fossa medulloblastoma and cranial radiation; parents now report declining memory and attention.",
        "Focal epilepsy since age 7 on two anticonvulsants, with new difficulty keeping up in class this year.",
    ),
    not_met=(
        "No history of head injury, seizures, brain surgery or other neurological illness.",
        "Neurologically well child, no brain injury or seizure history.",
    ),
    vague=(
        "Staring spells reported by the teacher; EEG scheduled.",
        "Mother mentions a fall from a trampoline at some point, no details.",
    ),
)

RATINGS_CONFLICT = Criterion(
    kind="finding",
    statement="standardised ADHD rating scales from home and school that conflict or are inconclusive, so the diagnosis cannot be made clinically",
    subject="rating scale results",
    met=(
        "Parent Vanderbilt strongly positive for inattention while the teacher Vanderbilt is completely normal; diagnosis cannot be settled clinically.",
        "Rating scales discordant (home positive for hyperactivity, school negative), picture confounded by anxiety.",
    ),
    not_met=(
        "Parent and teacher Vanderbilt scales agree and are clearly positive; ADHD diagnosed clinically today.",
        "Home and school ratings consistent with each other and diagnostic; no ambiguity.",
    ),
    vague=(
        "Rating scales given out, teacher form not back yet.",
        "Parents think he is 'distractible', scales to be completed.",
    ),
)

SCHOOL_DECLINE = Criterion(
    kind="finding",
    statement="academic decline documented in school records despite an individualised education program or 504 plan",
    subject="school performance",
    met=(
        "School records enclosed: grades fell from Bs to Ds and Fs over two terms despite an IEP in place since last year.",
        "Has had a 504 plan for two years and school reports still document a clear decline in reading and math.",
    ),
    not_met=(
        "Report cards steady, no academic decline, no IEP or 504 plan.",
        "School performance good per report cards; teachers have no academic concerns.",
    ),
    vague=(
        "Awaiting school records.",
        "Parent worried about grades; report card not brought in.",
    ),
)

NEUROPSYCH = _guideline(
    policy_id="JR/BHV/21/1",
    title="Neuropsychological testing for attention, learning and cognitive concerns",
    combine="any",
    lead="Neuropsychological testing is covered when no fewer than one of the following is documented:",
    close="Testing is not medically necessary when the record documents none of the numbered conditions.",
    criteria=(ACQUIRED_BRAIN, RATINGS_CONFLICT, SCHOOL_DECLINE),
    line_of_business=None,
    effective_from=date(2020, 2, 1),
    revised=date(2020, 1, 9),
)

# ---------------------------------------------------------------- assisted reproduction

INFERTILITY = Criterion(
    kind="duration",
    statement="infertility of at least 12 months (inability to conceive despite regular unprotected intercourse)",
    subject="infertility",
    minimum=56,
    met=(
        "Trying to conceive for {w} with no pregnancy.",
        "Couple reports {w} of regular unprotected intercourse without conception; cycle charts reviewed.",
        "Infertility, primary, duration {w}.",
    ),
    not_met=(
        "Couple has been trying to conceive for only five months.",
        "Stopped contraception about 7 months ago and has not conceived yet.",
        "Attempting pregnancy for roughly four months so far; no prior infertility history.",
    ),
    vague=(
        "Trying 'for some time' per the couple; exact timeline not obtained.",
        "Duration of infertility unclear because of an earlier miscarriage, to be clarified.",
        "Records from the previous fertility clinic awaited.",
    ),
)

AMH = Criterion(
    kind="measure",
    statement="an anti-Mullerian hormone level of 7.0 pmol/L or more",
    subject="anti-Mullerian hormone",
    minimum=7,
    floor=1,
    maximum=40,
    decimals=1,
    met=(
        "AMH {v} pmol/L.",
        "Ovarian reserve adequate, anti-Mullerian hormone {v} pmol/L on the day 3 draw.",
    ),
    not_met=(
        "AMH low at {low} pmol/L.",
        "Anti-Mullerian hormone {low} pmol/L, diminished reserve.",
    ),
    vague=(
        "Ovarian reserve testing ordered.",
        "AMH drawn, result pending.",
    ),
)

OVULATION_INDUCTION = Criterion(
    kind="therapy",
    statement="no pregnancy after at least 12 weeks of ovulation induction or intrauterine insemination",
    subject="ovulation induction",
    minimum=12,
    therapies=("letrozole ovulation induction", "clomiphene with IUI", "gonadotropin IUI"),
)

IVF = _guideline(
    policy_id="JR/REP/06/2",
    title="In vitro fertilisation",
    combine="all",
    lead="In vitro fertilisation is a covered benefit when the following are all documented:",
    close="If any numbered item is not documented, IVF is not medically necessary under this guideline.",
    criteria=(INFERTILITY, AMH, OVULATION_INDUCTION),
    line_of_business="commercial",
    effective_from=date(2022, 1, 1),
    revised=date(2021, 11, 30),
)

# ---------------------------------------------------------------- gender-affirming chest surgery

DYSPHORIA = Criterion(
    kind="finding",
    statement="persistent, well-documented gender incongruence",
    subject="gender incongruence",
    met=(
        "Gender incongruence present since early adolescence and consistently documented across three years of behavioral health notes.",
        "Long-standing, persistent gender incongruence, well documented in the record.",
    ),
    not_met=(
        "Gender incongruence is not documented anywhere in the record; the behavioral health evaluation did not diagnose it.",
        "The assessing clinician did not find persistent gender incongruence.",
    ),
    vague=(
        "Exploring gender identity, evaluation in progress.",
        "Prior behavioral health records requested.",
    ),
)

MHP_LETTER = Criterion(
    kind="finding",
    statement="a letter from a qualified mental health professional supporting surgery",
    subject="support letter",
    met=(
        "Support letter from the treating psychologist (licensed, gender-affirming care experience) is in the chart and recommends surgery.",
        "Letter of support from a qualified mental health clinician received and scanned.",
    ),
    not_met=(
        "No mental health support letter has been provided, and the patient does not intend to obtain one.",
        "The therapist declined to write a letter supporting surgery at this time.",
    ),
    vague=(
        "Letter from therapist to follow.",
        "Patient says a counselor 'is writing something'.",
    ),
)

HEALTH_CONTROLLED = Criterion(
    kind="finding",
    statement="any significant medical or mental health conditions reasonably well controlled",
    subject="co-existing conditions",
    met=(
        "Depression in remission on sertraline and BMI and blood pressure within surgical limits; no uncontrolled conditions.",
        "Co-existing conditions stable and well controlled per PCP clearance.",
    ),
    not_met=(
        "Poorly controlled type 1 diabetes (A1c 11.8) and active psychosis this month; not a surgical candidate until these are addressed.",
        "Current severe depressive episode with recent hospitalisation; mental health is not controlled.",
    ),
    vague=(
        "Medical clearance pending.",
        "Needs PCP visit before surgery; status of other conditions unclear.",
    ),
)

CHEST = _guideline(
    policy_id="JR/PLS/12/1",
    title="Gender-affirming mastectomy and chest reconstruction",
    combine="all",
    lead="Each of the following must be documented before chest surgery is covered:",
    close="When the record lacks any numbered item, the surgery is not medically necessary.",
    criteria=(DYSPHORIA, MHP_LETTER, HEALTH_CONTROLLED),
    line_of_business=None,
    effective_from=date(2022, 6, 1),
    revised=date(2022, 5, 3),
)

# ---------------------------------------------------------------- residential substance use treatment

SUD_SEVERITY = Criterion(
    kind="finding",
    statement="a moderate or severe substance use disorder by DSM-5 criteria",
    subject="substance use disorder severity",
    met=(
        "Meets 7 of 11 DSM-5 criteria for alcohol use disorder, severe.",
        "Opioid use disorder, severe (6 DSM-5 criteria including withdrawal and loss of control).",
    ),
    not_met=(
        "Meets only 2 DSM-5 criteria; mild cannabis use disorder.",
        "Does not meet criteria for a moderate or severe use disorder on structured interview.",
    ),
    vague=(
        "Drinking reportedly heavy per spouse, full assessment next week.",
        "Substance use history incomplete, patient guarded.",
    ),
)

ASAM_LEVEL = Criterion(
    kind="finding",
    statement="a multidimensional ASAM assessment placing the member at residential level 3.5 or 3.7",
    subject="ASAM placement",
    met=(
        "ASAM multidimensional assessment completed: level 3.7, dimensions 2, 5 and 6 high risk.",
        "Placement per ASAM criteria is residential 3.5.",
    ),
    not_met=(
        "ASAM assessment supports outpatient level 1 only.",
        "Per ASAM dimensions, intensive outpatient (2.1) is the appropriate level, not residential.",
    ),
    vague=(
        "ASAM assessment to be completed by intake staff.",
        "Level of care pending.",
    ),
)

SUD_OUTPATIENT = Criterion(
    kind="therapy",
    statement="relapse or continued use despite at least 4 weeks of outpatient treatment",
    subject="outpatient treatment",
    minimum=4,
    therapies=(
        "an intensive outpatient program",
        "weekly outpatient counselling",
        "medication treatment with counselling",
    ),
)

SUD_RESIDENTIAL = _guideline(
    policy_id="JR/SUD/03/2",
    title="Residential treatment for substance use disorders",
    combine="all",
    lead="Residential treatment is covered when the record documents all of the following:",
    close="If any numbered item is not documented, residential treatment is not medically necessary.",
    criteria=(SUD_SEVERITY, ASAM_LEVEL, SUD_OUTPATIENT),
    line_of_business=None,
    effective_from=date(2021, 10, 1),
    revised=date(2021, 9, 20),
)

# ---------------------------------------------------------------- orthognathic surgery

OVERJET = Criterion(
    kind="measure",
    statement="an anteroposterior jaw discrepancy with an overjet or reverse overjet of 5 mm or more",
    subject="overjet",
    minimum=5,
    floor=1,
    maximum=14,
    met=(
        "Class III skeletal pattern, reverse overjet {v} mm on cephalometric analysis.",
        "Overjet {v} mm with retrognathic mandible.",
    ),
    not_met=(
        "Overjet {low} mm; within range for orthodontic camouflage.",
        "Cephalometrics: overjet {low} mm, mild discrepancy only.",
    ),
    vague=(
        "Cephalometric films requested from the orthodontist.",
        "Bite looks 'off' to the patient; measurements not taken today.",
    ),
)

JAW_FUNCTION = Criterion(
    kind="finding",
    statement="functional impairment caused by the jaw deformity (difficulty biting or chewing, speech impairment, or obstructive sleep apnoea)",
    subject="functional impairment",
    met=(
        "Cannot incise food with the anterior teeth and chews only on the molars; weight loss from restricted diet.",
        "Speech therapist documents articulation errors caused by the open bite.",
    ),
    not_met=(
        "No functional complaint: eats a normal diet, speech normal; seeks surgery for appearance.",
        "Chewing and speech unaffected; concern is purely cosmetic.",
    ),
    vague=(
        "Possible chewing difficulty, to be assessed by the surgeon.",
        "Sleep study being considered for snoring.",
    ),
)

ORTHOGNATHIC = _guideline(
    policy_id="JR/OMF/05/1",
    title="Orthognathic surgery",
    combine="all",
    lead="Orthognathic surgery is covered only when both numbered conditions are documented:",
    close="Surgery requested for appearance alone, or without both conditions, is not medically necessary.",
    criteria=(OVERJET, JAW_FUNCTION),
    line_of_business=None,
    effective_from=date(2019, 8, 1),
    revised=date(2019, 7, 15),
)

POLICIES: tuple[Policy, ...] = (
    SCOLIOSIS_OLD,
    SCOLIOSIS,
    AF_ABLATION,
    TAVR,
    TENS,
    LYMPH_PUMP,
    NERVE_BLOCK,
    NEUROPSYCH,
    IVF,
    CHEST,
    SUD_RESIDENTIAL,
    ORTHOGNATHIC,
)

# ---------------------------------------------------------------- the clinicians' own words for durations and therapies

DURATION: dict[Stance, tuple[str, ...]] = {
    "met": (
        "{Subject} for {w} now, confirmed in the earlier clinic notes.",
        "Has had {subject} continuously for the past {w}.",
        "hx of {subject} x {w}, ongoing.",
        "{Subject} present for more than {w}, documented at every visit since onset.",
        "Patient describes {subject} going back {w}, and the referral letter gives the same onset.",
    ),
    "not_met": (
        "{Subject} first came on a mere {short} before this visit.",
        "New {subject}, present for {short}.",
        "hx of {subject} x {short} only.",
        "It has been less than {short} since the {subject} started.",
    ),
    "vague": (
        "Unclear how long the {subject} has been present; dates given are inconsistent.",
        "{Subject} of uncertain duration, awaiting old records.",
        "{Subject} 'on and off for a while' according to the patient, no start date.",
        "Onset of {subject} to be clarified at the next visit.",
        "{Subject} since last spring or possibly earlier, patient not sure.",
    ),
}

THERAPY: dict[Stance, tuple[str, ...]] = {
    "met": (
        "Completed {w} of {therapy} with little benefit.",
        "{Therapy} x {w}, no meaningful improvement.",
        "Has been on {therapy} for {w} and, despite good adherence, symptoms persist.",
        "Tried {therapy} faithfully for {w}; it did not help enough.",
        "Despite {w} of {therapy} the problem continues unchanged.",
    ),
    "not_met": (
        "No attempt at any of {therapies} is recorded; the patient confirms none was ever tried.",
        "No prior {therapy}; it was never offered before this referral.",
        "{Therapy} was started only {short} ago.",
        "Was on {therapy} for just {short}, then stopped of own accord, not for lack of effect.",
        "None of {therapies} has been tried so far.",
    ),
    "vague": (
        "Would likely benefit from {therapy} if not already done; will check.",
        "{Therapy} to be trialled.",
        "Says {therapy} was 'tried before' elsewhere; no dates, dose or duration on record.",
        "Candidate for {therapy}, will revisit if no improvement.",
        "Prior treatment history unclear; outside records about {therapy} requested.",
    ),
}
