"""Halyard Coastal Health's medical policies, and what its clinicians write about each criterion.

Halyard publishes each policy as a short document headed by its identifier
(``MP-<TOPIC>-v<revision>``), with one requirement per line and a closing sentence
that says how the requirements combine. Its thresholds are in the units its
specialists use: kg/m2, months of supervised care, mmHg, milliseconds of venous
reflux, dB HL, percent, DSM-5 criteria and counselling sessions. Durations of
treatment are stated in weeks, so a note's "N weeks" or "N months" is never near
the line. The sentences under each criterion are the ones notes use to show it met,
show it not met, or leave it open.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from interlock.domains.claims.testing.otherparty.model import (
    Combine,
    Criterion,
    LineOfBusiness,
    Policy,
    utc,
)

_SCOPE = {
    None: "every Halyard product (commercial, Medicare Advantage and Medicaid)",
    "commercial": "Halyard commercial group and individual plans only",
    "medicare_advantage": "Halyard Medicare Advantage plans only",
    "medicaid": "Halyard Medicaid managed care plans only",
}


def halyard_body(
    *,
    policy_id: str,
    title: str,
    service: str,
    combine: Combine,
    criteria: Sequence[Criterion],
    line_of_business: LineOfBusiness | None,
    effective_from: date,
    status: str = "",
) -> str:
    """A Halyard medical policy document: heading, scope, one requirement per line, closing rule."""
    if combine == "all":
        lead = (
            f"Halyard considers {service} medically necessary only when the medical record "
            "documents every one of the requirements below."
        )
        close = f"If any numbered requirement is not met, {service} is not medically necessary."
    else:
        lead = (
            f"Halyard considers {service} medically necessary when the medical record documents "
            "at least one of the requirements below; any single requirement is sufficient."
        )
        close = f"If none of the numbered requirements is met, {service} is not medically necessary."
    items = [f"  ({n}) {c.statement[0].upper()}{c.statement[1:]}." for n, c in enumerate(criteria, start=1)]
    heading = [
        f"HALYARD COASTAL HEALTH | MEDICAL POLICY {policy_id}",
        title,
        f"Applies to: {_SCOPE[line_of_business]}",
        f"Effective for dates of service from {effective_from.day} {effective_from:%B %Y}",
    ]
    if status:
        heading.append(f"Status: {status}")
    return "\n".join([*heading, "", "Coverage requirements", lead, *items, close])


def _policy(
    *,
    policy_id: str,
    title: str,
    service: str,
    combine: Combine,
    criteria: tuple[Criterion, ...],
    line_of_business: LineOfBusiness | None,
    effective_from: date,
    effective_to: date | None = None,
    status: str = "",
    revised: date,
) -> Policy:
    return Policy(
        policy_id=policy_id,
        title=title,
        combine=combine,
        criteria=criteria,
        body=halyard_body(
            policy_id=policy_id,
            title=title,
            service=service,
            combine=combine,
            criteria=criteria,
            line_of_business=line_of_business,
            effective_from=effective_from,
            status=status,
        ),
        line_of_business=line_of_business,
        effective_from=effective_from,
        effective_to=effective_to,
        updated_at=utc(revised, 14, 20),
    )


# ---------------------------------------------------------------- bariatric surgery (all)

BMI = Criterion(
    kind="measure",
    statement="a measured body mass index (BMI) of 40.0 kg/m2 or higher",
    subject="body mass index",
    minimum=40,
    floor=31,
    maximum=57,
    decimals=1,
    met=(
        "BMI {v} kg/m2 at today's weigh-in.",
        "Height and weight taken in clinic; body mass index calculates to {v}.",
        "Measured BMI this visit: {v}.",
        "On the clinic scale today her BMI is {v} kg/m2.",
    ),
    not_met=(
        "BMI {low} kg/m2 at today's weigh-in.",
        "Body mass index measured in clinic at {low}.",
        "Current measured BMI is {low}.",
        "Weighed and measured today: BMI {low} kg/m2.",
    ),
    vague=(
        "Weight per patient is 'well over 300 pounds'; not weighed today and no height on file.",
        "BMI to be recorded at the pre-operative visit.",
        "Clinic scale out of service, so no weight was taken; no recent BMI in the chart.",
        "Says she has put on a lot of weight since her last pregnancy, no figures available.",
    ),
)

SUPERVISED_DIET = Criterion(
    kind="measure",
    statement=(
        "participation in a physician- or dietitian-supervised weight management program "
        "for at least 6 consecutive months"
    ),
    subject="supervised weight management",
    minimum=6,
    floor=2,
    maximum=24,
    met=(
        "Completed {v} consecutive months in the hospital's supervised weight management program, "
        "with monthly dietitian visits on file.",
        "Dietitian-supervised program: {v} months, attendance documented every month.",
        "Has attended our physician-supervised weight loss clinic for {v} months without a gap.",
    ),
    not_met=(
        "Supervised weight management to date: {low} months, with no earlier supervised attempt.",
        "Joined the dietitian-supervised program {low} months ago; no other supervised program before that.",
        "Has never been in a physician- or dietitian-supervised diet program; all attempts were on her own.",
    ),
    vague=(
        "Patient states she has tried 'every diet there is'; no program records in the chart.",
        "Attendance at the supervised program is to be confirmed with the dietitian's office.",
        "Goes to a commercial slimming group on and off; dates and supervision unknown.",
        "Prior diet attempts would need to be documented before surgery is considered.",
    ),
)

BARIATRIC_PSYCH = Criterion(
    kind="finding",
    statement=(
        "a pre-operative psychological or psychiatric evaluation that finds no contraindication "
        "to bariatric surgery"
    ),
    subject="pre-operative psychological evaluation",
    met=(
        "Pre-surgical psychology evaluation completed: no contraindication found, cleared for bariatric surgery.",
        "Seen by behavioral health for the pre-op assessment; no eating disorder or untreated mood "
        "disorder, recommended to proceed.",
        "Psychological clearance for bariatric surgery is on file (no contraindications identified).",
    ),
    not_met=(
        "Pre-surgical psychology evaluation found an active binge eating disorder and did not clear her for surgery.",
        "Behavioral health assessment concluded she is not a surgical candidate at present because of "
        "untreated severe depression.",
        "No psychological or psychiatric evaluation has been done for this surgery.",
    ),
    vague=(
        "Psychology assessment took place last week; the written report has not come back yet.",
        "Patient says a counselor 'signed off' on surgery at another clinic; nothing in our records.",
        "Mood is 'fine' per family; status of the formal psychological assessment is unclear.",
    ),
)

BARIATRIC = _policy(
    policy_id="MP-BARI-v3",
    title="Surgical treatment of severe obesity (bariatric surgery)",
    service="bariatric surgery",
    combine="all",
    criteria=(BMI, SUPERVISED_DIET, BARIATRIC_PSYCH),
    line_of_business=None,
    effective_from=date(2021, 9, 1),
    revised=date(2021, 8, 12),
)

# ---------------------------------------------------------------- spinal cord stimulation (all)

NEUROPATHIC_PAIN = Criterion(
    kind="duration",
    statement="chronic neuropathic pain of the trunk or limbs that has been present for at least 26 weeks",
    subject="neuropathic back and leg pain",
    minimum=26,
)

SCS_CONSERVATIVE = Criterion(
    kind="therapy",
    statement=(
        "inadequate relief after at least 8 weeks of at least one of gabapentin, pregabalin, "
        "duloxetine or a supervised physical therapy program"
    ),
    subject="conservative treatment",
    minimum=8,
    therapies=("gabapentin", "pregabalin", "duloxetine", "supervised physical therapy"),
)

SCS_PSYCH = Criterion(
    kind="finding",
    statement=(
        "a psychological evaluation that finds no untreated psychiatric illness or substance misuse "
        "that would interfere with neuromodulation"
    ),
    subject="neuromodulation psychological screen",
    met=(
        "Neuromodulation psych screen completed: no untreated psychiatric or substance issues, "
        "cleared for the stimulator.",
        "Pain psychologist evaluated him for SCS and found no barrier to proceeding.",
        "Pre-stimulator psychological evaluation done; mood stable on treatment, no substance misuse, suitable.",
    ),
    not_met=(
        "Pain psychology evaluation identified untreated PTSD and active opioid misuse; advised against SCS for now.",
        "No psychological evaluation has been performed.",
        "Psych screen for the stimulator: not suitable, untreated major depression with poor coping.",
    ),
    vague=(
        "Psychology screen is booked; outcome to follow.",
        "Per wife he 'saw someone about his nerves' years ago; no formal pre-SCS evaluation in chart.",
        "Psychological evaluation done elsewhere, result not yet received.",
    ),
)

SCS_OLD = _policy(
    policy_id="MP-SCS-v1",
    title="Spinal cord stimulation for chronic pain",
    service="spinal cord stimulation",
    combine="all",
    criteria=(NEUROPATHIC_PAIN, SCS_CONSERVATIVE),
    line_of_business=None,
    effective_from=date(2019, 7, 1),
    effective_to=date(2023, 6, 30),
    status="Replaced by MP-SCS-v2 from 1 July 2023; applies to dates of service up to 30 June 2023.",
    revised=date(2019, 6, 3),
)

SCS = _policy(
    policy_id="MP-SCS-v2",
    title="Spinal cord stimulation for chronic pain",
    service="spinal cord stimulation (trial or permanent implant)",
    combine="all",
    criteria=(NEUROPATHIC_PAIN, SCS_CONSERVATIVE, SCS_PSYCH),
    line_of_business=None,
    effective_from=date(2023, 7, 1),
    revised=date(2023, 5, 22),
)

# ---------------------------------------------------------------- hyperbaric oxygen (all, withdrawn)

WAGNER = Criterion(
    kind="measure",
    statement="a diabetic foot ulcer of Wagner grade 3 or higher",
    subject="Wagner grade",
    minimum=3,
    floor=1,
    maximum=5,
    met=(
        "Diabetic foot ulcer graded Wagner {v} at today's debridement.",
        "Plantar ulcer, Wagner grade {v}.",
        "Wound classification: Wagner {v}.",
    ),
    not_met=(
        "Ulcer is Wagner grade {low} on today's exam.",
        "Wagner classification {low}; no deep tissue involvement.",
        "Foot wound graded Wagner {low}.",
    ),
    vague=(
        "Wound grade not recorded; photos sent to the wound center for review.",
        "Depth of the ulcer to be reassessed after debridement, MRI for bone involvement pending.",
        "Foot ulcer 'looks deep' per home nurse, not yet examined here.",
    ),
)

WOUND_CARE = Criterion(
    kind="duration",
    statement=(
        "no measurable healing after at least 4 weeks of standard wound care "
        "(off-loading, debridement and moist dressings)"
    ),
    subject="standard wound care",
    minimum=4,
    met=(
        "Off-loading boot, weekly debridement and moist dressings for {w}; wound area has not decreased.",
        "{w} of documented standard wound care with no reduction in ulcer size.",
        "Ulcer measurements unchanged after {w} of off-loading and serial debridement.",
    ),
    not_met=(
        "Standard wound care (off-loading, debridement, dressings) began only {short} ago.",
        "Off-loading and moist dressings were started {short} ago.",
        "Ulcer has shrunk by more than half on standard wound care and is healing well.",
    ),
    vague=(
        "Home health has been doing dressings; how long and what was done is not in our records.",
        "Continue wound care and reassess healing next visit.",
        "Wound is 'not getting better' per daughter; no measurements on file.",
    ),
)

TOE_PRESSURE = Criterion(
    kind="measure",
    statement="adequate arterial perfusion for healing: a toe pressure of 30 mmHg or higher on the affected foot",
    subject="toe pressure",
    minimum=30,
    floor=8,
    maximum=95,
    met=(
        "Toe pressure {v} mmHg on the ulcerated foot.",
        "Vascular lab: great toe pressure {v} mmHg on the affected side.",
        "Affected-side toe pressure measured at {v} mmHg.",
    ),
    not_met=(
        "Toe pressure only {low} mmHg on the affected foot.",
        "Vascular lab toe pressure {low} mmHg, affected side.",
    ),
    vague=(
        "Toe pressures ordered.",
        "Foot warm with palpable pulses per nursing; no pressure readings taken.",
        "Perfusion studies done at the vein clinic, values not sent over.",
    ),
)

HBOT = _policy(
    policy_id="MP-HBO-v1",
    title="Hyperbaric oxygen therapy for diabetic lower-extremity wounds",
    service="hyperbaric oxygen therapy",
    combine="all",
    criteria=(WAGNER, WOUND_CARE, TOE_PRESSURE),
    line_of_business=None,
    effective_from=date(2020, 3, 1),
    effective_to=date(2025, 6, 30),
    status="Withdrawn 30 June 2025; retained for dates of service on or before that date.",
    revised=date(2020, 2, 4),
)

# ---------------------------------------------------------------- continuous glucose monitoring (any)

INSULIN_INJECTIONS = Criterion(
    kind="measure",
    statement="intensive insulin therapy with 3 or more insulin injections a day",
    subject="daily insulin injections",
    minimum=3,
    floor=1,
    maximum=6,
    met=(
        "Injects insulin {v} times daily (basal plus mealtime rapid-acting).",
        "Multiple daily injections: {v} insulin injections per day.",
        "Insulin {v} shots a day, adjusting mealtime doses.",
    ),
    not_met=(
        "Insulin injections per day: {low}.",
        "Uses insulin {low} time(s) daily and no more.",
        "Not on insulin; managed on metformin and a GLP-1 agonist.",
    ),
    vague=(
        "Insulin regimen being changed; new dosing schedule from endocrinology to follow.",
        "May add mealtime insulin if the sugars stay high.",
        "Uses 'a few' insulin pens a day per the patient's daughter.",
    ),
)

HYPOGLYCEMIA = Criterion(
    kind="finding",
    statement=(
        "at least one documented episode of level 2 hypoglycemia (glucose below 54 mg/dL) or of severe "
        "hypoglycemia needing assistance within the past 12 months"
    ),
    subject="documented hypoglycemia",
    met=(
        "Meter download shows glucose readings of 41 and 47 mg/dL in the past two months.",
        "EMS called in the spring for severe hypoglycemia (glucose 36 mg/dL), needed IV dextrose.",
        "Glucose of 50 mg/dL documented in the emergency department four months ago.",
    ),
    not_met=(
        "Meter download for the past year shows no reading below 70 mg/dL and no severe episodes.",
        "No hypoglycemia in the past 12 months; lowest logged glucose was 82 mg/dL.",
    ),
    vague=(
        "Feels 'shaky' at night now and then, never checked her sugar during these spells.",
        "Meter not brought to the visit; download planned for next time.",
        "Family describes a possible low sugar episode last winter, details unclear.",
    ),
)

A1C = Criterion(
    kind="measure",
    statement="an HbA1c of 9.0 percent or higher on the most recent test",
    subject="HbA1c",
    minimum=9,
    floor=6,
    maximum=14,
    decimals=1,
    met=(
        "HbA1c {v}% drawn last week.",
        "Most recent A1c {v} percent.",
        "Latest glycated hemoglobin {v}%.",
    ),
    not_met=(
        "Latest HbA1c {low}%.",
        "A1c {low} percent on the most recent draw.",
        "Most recent glycated hemoglobin: {low}%.",
    ),
    vague=(
        "A1c drawn today, result pending.",
        "HbA1c is 'high' according to the patient; lab value not available.",
        "Repeat A1c due next month.",
    ),
)

CGM = _policy(
    policy_id="MP-CGM-v4",
    title="Continuous glucose monitoring systems",
    service="a continuous glucose monitor",
    combine="any",
    criteria=(INSULIN_INJECTIONS, HYPOGLYCEMIA, A1C),
    line_of_business=None,
    effective_from=date(2022, 6, 1),
    revised=date(2022, 5, 9),
)

# ---------------------------------------------------------------- varicose vein ablation (all)

REFLUX = Criterion(
    kind="measure",
    statement=(
        "venous reflux lasting 500 milliseconds or longer in the great or small saphenous vein on duplex ultrasound"
    ),
    subject="saphenous reflux time",
    minimum=500,
    floor=100,
    maximum=2500,
    met=(
        "Duplex today: great saphenous reflux {v} ms at the junction.",
        "Saphenous vein reflux time {v} milliseconds on duplex ultrasound.",
        "Venous duplex shows reflux lasting {v} ms in the small saphenous vein.",
    ),
    not_met=(
        "Duplex: saphenous reflux only {low} ms.",
        "Reflux time in the great saphenous vein measured at {low} milliseconds.",
        "Duplex ultrasound shows competent saphenous veins, no reflux.",
    ),
    vague=(
        "Venous duplex ordered.",
        "Outside duplex report mentions 'significant reflux' without giving times.",
        "Will get venous mapping before deciding about ablation.",
    ),
)

COMPRESSION = Criterion(
    kind="therapy",
    statement=(
        "persistent symptoms despite at least 12 weeks of prescription compression stockings (20-30 mmHg)"
    ),
    subject="compression",
    minimum=12,
    therapies=("20-30 mmHg compression stockings", "thigh-high prescription compression stockings"),
)

VENOUS_SYMPTOMS = Criterion(
    kind="finding",
    statement=(
        "symptoms from venous disease (aching, heaviness, swelling, cramping or skin changes) "
        "that limit daily activities"
    ),
    subject="venous symptoms",
    met=(
        "Aching and heaviness in the left calf by midday, has to sit down at work; ankle swelling every evening.",
        "Throbbing, night cramps and swelling in the leg now limit her shifts on the ward.",
        "Skin changes at the medial ankle with daily aching that stops him walking any distance.",
    ),
    not_met=(
        "Wants the veins treated for appearance only; no aching, swelling or skin changes.",
        "Varicosities are asymptomatic and do not limit any activity.",
    ),
    vague=(
        "Leg discomfort of uncertain cause, may be musculoskeletal; further evaluation to follow.",
        "Patient states her legs 'feel bad'; no further description obtained.",
        "Will keep a symptom diary for the next month.",
    ),
)

VEINS = _policy(
    policy_id="MP-VEIN-v2",
    title="Endovenous ablation of the saphenous veins",
    service="endovenous ablation",
    combine="all",
    criteria=(REFLUX, COMPRESSION, VENOUS_SYMPTOMS),
    line_of_business=None,
    effective_from=date(2021, 10, 1),
    revised=date(2021, 9, 14),
)

# ---------------------------------------------------------------- hereditary cancer testing (any, commercial)

EARLY_BREAST_CANCER = Criterion(
    kind="finding",
    statement="a personal history of breast cancer diagnosed at age 45 or younger",
    subject="personal breast cancer history",
    met=(
        "Personal history: left breast cancer diagnosed at age 41, treated with lumpectomy.",
        "She had triple-negative breast cancer at 38.",
        "Ductal carcinoma of the breast diagnosed at age 44 (pathology report in chart).",
    ),
    not_met=(
        "No personal history of any cancer.",
        "Breast cancer diagnosed at age 63; no other cancers.",
    ),
    vague=(
        "Had 'a lump removed' from the breast years ago, pathology unknown.",
        "Possible past breast cancer; outside oncology records requested.",
    ),
)

OVARIAN_RELATIVE = Criterion(
    kind="finding",
    statement="a first- or second-degree relative with ovarian cancer",
    subject="ovarian cancer in the family",
    met=(
        "Mother died of ovarian cancer at 52.",
        "Maternal aunt was treated for ovarian cancer.",
        "Sister diagnosed with epithelial ovarian cancer last year.",
    ),
    not_met=(
        "No relative on either side has had ovarian cancer.",
        "Family history is negative for ovarian cancer.",
    ),
    vague=(
        "An aunt had 'some kind of female cancer', type unknown.",
        "Family history incomplete; patient will ask her mother about cancers in the family.",
    ),
)

FAMILIAL_VARIANT = Criterion(
    kind="finding",
    statement="a known pathogenic BRCA1 or BRCA2 variant in a blood relative",
    subject="familial variant",
    met=(
        "Brother tested positive for a pathogenic BRCA2 variant; lab report reviewed.",
        "Maternal cousin carries a pathogenic BRCA1 mutation (copy of the result on file).",
    ),
    not_met=(
        "No relative has ever had genetic testing.",
        "Her sister's germline test found no pathogenic variant, and no other relative has been tested.",
    ),
    vague=(
        "A cousin 'has the breast cancer gene' per family; no report seen.",
        "Awaiting a copy of her sister's genetic test result.",
    ),
)

BREAST_CANCER_RELATIVES = Criterion(
    kind="measure",
    statement="3 or more relatives on the same side of the family with breast cancer",
    subject="relatives with breast cancer",
    minimum=3,
    floor=1,
    maximum=6,
    met=(
        "{v} relatives on her mother's side have had breast cancer.",
        "Paternal line: breast cancer in {v} relatives.",
        "Pedigree shows {v} relatives with breast cancer, all on the maternal side.",
    ),
    not_met=(
        "Relatives with breast cancer, counting both sides together: {low}.",
        "Breast cancer in {low} relative(s) in the whole family.",
        "No family history of breast cancer.",
    ),
    vague=(
        "Several relatives with cancer; types and sides of the family not recorded.",
        "Full pedigree to be drawn at the genetic counseling visit.",
    ),
)

GENETICS = _policy(
    policy_id="MP-GEN-v1",
    title="Germline testing for hereditary breast and ovarian cancer",
    service="germline BRCA1/BRCA2 or hereditary cancer panel testing",
    combine="any",
    criteria=(EARLY_BREAST_CANCER, OVARIAN_RELATIVE, FAMILIAL_VARIANT, BREAST_CANCER_RELATIVES),
    line_of_business="commercial",
    effective_from=date(2022, 3, 1),
    revised=date(2022, 2, 7),
)

# ---------------------------------------------------------------- pulmonary rehabilitation (all, Medicare Advantage)

DYSPNEA_GRADE = Criterion(
    kind="measure",
    statement="breathlessness of mMRC grade 2 or higher",
    subject="mMRC dyspnea grade",
    minimum=2,
    floor=0,
    maximum=4,
    met=(
        "mMRC dyspnea grade {v}.",
        "Breathlessness scored mMRC {v} today.",
        "Dyspnea scale (mMRC): {v}.",
    ),
    not_met=(
        "mMRC dyspnea grade {low}.",
        "Breathlessness scored mMRC {low} today.",
    ),
    vague=(
        "Breathless 'at times' per patient; dyspnea scale not scored.",
        "Breathlessness to be graded formally at the rehab intake.",
    ),
)

SPIROMETRY = Criterion(
    kind="finding",
    statement="post-bronchodilator spirometry showing airflow obstruction (FEV1/FVC below 0.70)",
    subject="spirometry",
    met=(
        "Post-bronchodilator FEV1/FVC 0.54, FEV1 48% predicted.",
        "Spirometry after albuterol: FEV1/FVC ratio 0.61.",
        "PFTs confirm obstruction, post-bronchodilator FEV1/FVC 0.66.",
    ),
    not_met=(
        "Post-bronchodilator FEV1/FVC 0.79; no obstruction on spirometry.",
        "Spirometry normal, ratio 0.76 after bronchodilator.",
    ),
    vague=(
        "Spirometry booked for next month.",
        "Was told she has 'COPD' at another practice; no spirometry on file.",
    ),
)

INHALERS = Criterion(
    kind="therapy",
    statement=(
        "persistent symptoms despite at least 8 weeks of maintenance inhaler therapy with tiotropium, "
        "a LAMA/LABA combination inhaler or another long-acting bronchodilator"
    ),
    subject="maintenance inhalers",
    minimum=8,
    therapies=("tiotropium", "a LAMA/LABA combination inhaler", "a long-acting bronchodilator"),
)

PULM_REHAB = _policy(
    policy_id="MP-PULR-v1",
    title="Outpatient pulmonary rehabilitation for COPD",
    service="pulmonary rehabilitation",
    combine="all",
    criteria=(DYSPNEA_GRADE, SPIROMETRY, INHALERS),
    line_of_business="medicare_advantage",
    effective_from=date(2021, 1, 1),
    revised=date(2020, 11, 30),
)

# ---------------------------------------------------------------- cochlear implantation (all)

PURE_TONE = Criterion(
    kind="measure",
    statement=(
        "bilateral sensorineural hearing loss with a pure-tone average of 70 dB HL or more in the better ear"
    ),
    subject="better-ear pure-tone average",
    minimum=70,
    floor=30,
    maximum=115,
    met=(
        "Audiogram: sensorineural loss both sides, better-ear PTA {v} dB HL.",
        "Pure-tone average {v} dB in the better ear, bilateral SNHL.",
        "Bilateral sensorineural hearing loss; right (better) ear PTA {v} dB, left worse.",
    ),
    not_met=(
        "Better-ear pure-tone average {low} dB HL.",
        "PTA {low} dB in the better ear on today's audiogram.",
    ),
    vague=(
        "Formal audiogram scheduled.",
        "Hearing 'very poor' per family; no audiometry available to us.",
    ),
)

HEARING_AIDS = Criterion(
    kind="therapy",
    statement=("limited benefit from at least 12 weeks of appropriately fitted bilateral hearing aids"),
    subject="amplification",
    minimum=12,
    therapies=("bilateral hearing aids", "power behind-the-ear hearing aids"),
)

COCHLEA_IMAGING = Criterion(
    kind="finding",
    statement="temporal bone CT or MRI showing a cochlea and auditory nerve suitable for implantation",
    subject="temporal bone imaging",
    met=(
        "MRI of the internal auditory canals: normal cochleae and auditory nerves on both sides.",
        "Temporal bone CT shows patent cochleae with no ossification.",
    ),
    not_met=(
        "CT shows ossified cochleae on both sides; not suitable for an implant.",
        "MRI shows the cochlear nerve is absent on both sides.",
    ),
    vague=(
        "Imaging of the temporal bones requested.",
        "CT done at an outside hospital, images not loaded yet.",
    ),
)

COCHLEAR = _policy(
    policy_id="MP-COCH-v2",
    title="Cochlear implantation in adults and children",
    service="cochlear implantation",
    combine="all",
    criteria=(PURE_TONE, HEARING_AIDS, COCHLEA_IMAGING),
    line_of_business=None,
    effective_from=date(2020, 7, 1),
    revised=date(2020, 6, 16),
)

# ---------------------------------------------------------------- panniculectomy (all)

PANNUS = Criterion(
    kind="finding",
    statement="a panniculus hanging at or below the level of the pubic symphysis on examination or photographs",
    subject="panniculus",
    met=(
        "Standing exam: pannus overhangs the pubic symphysis by about 8 cm; photographs attached.",
        "Panniculus hangs below the mons pubis on standing; photos in the chart.",
    ),
    not_met=(
        "The lower abdominal skin fold sits well above the pubis.",
        "Mild skin laxity only; the panniculus does not reach the pubic area.",
    ),
    vague=(
        "Abdominal exam limited today; photographs to be taken at the next visit.",
        "Describes an overhanging 'apron' of skin; not examined standing.",
    ),
)

FOLD_RASH = Criterion(
    kind="therapy",
    statement=(
        "recurrent rash, infection or skin breakdown under the panniculus that persists despite at least "
        "12 weeks of treatment with a topical antifungal, nystatin powder or barrier care"
    ),
    subject="skin fold treatment",
    minimum=12,
    therapies=("topical antifungal cream", "nystatin powder", "barrier cream with moisture-wicking cloths"),
    met=(
        "Recurrent candidal intertrigo under the pannus despite {therapy} for {w}.",
        "Skin breakdown beneath the fold keeps coming back after {w} of {therapy}.",
        "{Therapy} used for {w}; maceration and rash under the fold persist.",
    ),
    not_met=(
        "Skin beneath the panniculus is intact, with no history of rash or infection.",
        "The fold rash has never been treated; {therapies} not used.",
    ),
    vague=(
        "Rash under the fold comes and goes per patient; what she has used for it is not recorded.",
        "Has tried 'some creams' from the pharmacy, names and duration unknown.",
        "Dermatology saw her about the fold rash; their notes are awaited.",
    ),
)

STABLE_WEIGHT = Criterion(
    kind="duration",
    statement="a stable weight (change of 5 percent or less) for at least 26 weeks",
    subject="stable weight",
    minimum=26,
    met=(
        "Weight has stayed within 2 kg for {w}.",
        "Weight steady over the last {w}, logs attached.",
        "No meaningful weight change across {w}, within 3 percent.",
    ),
    not_met=(
        "Weight has held steady for only {short}; before that she was still losing steadily.",
        "Still losing about 2 kg every month.",
        "Has regained 15 percent of her body weight over the past few months.",
    ),
    vague=(
        "Weight stable 'for a while' per patient.",
        "Weight trend to be reviewed with the bariatric team.",
    ),
)

PANNICULECTOMY = _policy(
    policy_id="MP-PANN-v1",
    title="Panniculectomy",
    service="panniculectomy",
    combine="all",
    criteria=(PANNUS, FOLD_RASH, STABLE_WEIGHT),
    line_of_business=None,
    effective_from=date(2021, 4, 1),
    revised=date(2021, 3, 2),
)

# ---------------------------------------------------------------- substance use intensive outpatient (all)

DSM_CRITERIA = Criterion(
    kind="measure",
    statement="a substance use disorder of at least moderate severity (4 or more DSM-5 criteria)",
    subject="DSM-5 criteria",
    minimum=4,
    floor=2,
    maximum=11,
    met=(
        "Meets {v} of the 11 DSM-5 criteria for opioid use disorder.",
        "DSM-5 alcohol use disorder with {v} criteria met.",
        "Structured interview: {v} DSM-5 substance use criteria present.",
    ),
    not_met=(
        "{low} DSM-5 criteria present (mild use disorder).",
        "Structured interview finds only {low} DSM-5 criteria.",
    ),
    vague=(
        "Full diagnostic interview to be completed at intake.",
        "Drinking 'more than she should' per husband; criteria not assessed.",
    ),
)

COUNSELLING_SESSIONS = Criterion(
    kind="measure",
    statement="no adequate progress after at least 6 sessions of standard outpatient counselling",
    subject="outpatient counselling sessions",
    minimum=6,
    floor=2,
    maximum=20,
    met=(
        "Attended {v} standard outpatient counselling sessions; relapsed twice and not progressing.",
        "{v} outpatient therapy sessions completed and still using most days.",
        "After {v} counselling sessions at the outpatient clinic, cravings and use are unchanged.",
    ),
    not_met=(
        "Has attended {low} outpatient counselling sessions in total.",
        "No outpatient counselling of any kind before this referral.",
        "Making steady progress in weekly outpatient counselling ({v} sessions so far), abstinent for two months.",
    ),
    vague=(
        "Previous counselling 'somewhere in the city', number of sessions unknown.",
        "Attendance record requested from the outpatient counsellor.",
    ),
)

OUTPATIENT_STABLE = Criterion(
    kind="finding",
    statement=(
        "medically and psychiatrically stable for outpatient care, with no need for medically managed "
        "withdrawal or inpatient treatment"
    ),
    subject="stability for outpatient care",
    met=(
        "COWS 2, no withdrawal signs; medically stable for an outpatient level of care.",
        "No withdrawal signs on exam today and no acute medical or psychiatric problem.",
        "No need for detox or admission; medically and psychiatrically stable.",
    ),
    not_met=(
        "In moderate withdrawal today (CIWA-Ar 17); needs medically managed detox first.",
        "Active suicidal ideation with a plan; requires inpatient psychiatric admission.",
    ),
    vague=(
        "Withdrawal risk to be reassessed once labs are back.",
        "Last use unclear; may still be withdrawing.",
    ),
)

SUD_IOP = _policy(
    policy_id="MP-SUD-IOP-v2",
    title="Intensive outpatient treatment for substance use disorders",
    service="intensive outpatient substance use treatment",
    combine="all",
    criteria=(DSM_CRITERIA, COUNSELLING_SESSIONS, OUTPATIENT_STABLE),
    line_of_business=None,
    effective_from=date(2021, 2, 1),
    revised=date(2021, 1, 11),
)

# ---------------------------------------------------------------- carpal tunnel release (all)

MOTOR_LATENCY = Criterion(
    kind="measure",
    statement="nerve conduction studies showing a median distal motor latency of 5.0 ms or longer at the wrist",
    subject="median distal motor latency",
    minimum=5,
    floor=3,
    maximum=9,
    decimals=1,
    met=(
        "NCS: median distal motor latency {v} ms.",
        "Nerve conduction, median DML {v} ms at the wrist.",
        "Electrodiagnostics confirm median neuropathy at the wrist, motor latency {v} ms.",
    ),
    not_met=(
        "NCS median motor latency {low} ms.",
        "Nerve conduction studies: distal motor latency {low} ms at the wrist.",
    ),
    vague=(
        "EMG/NCS booked for next week.",
        "Outside nerve test 'positive' per patient; no values seen.",
    ),
)

SPLINTING = Criterion(
    kind="therapy",
    statement=(
        "persistent symptoms despite at least 6 weeks of night splinting, a neutral wrist splint or "
        "splinting with activity modification"
    ),
    subject="splinting",
    minimum=6,
    therapies=("night splinting", "a neutral wrist splint", "splinting with activity modification"),
)

MEDIAN_SYMPTOMS = Criterion(
    kind="finding",
    statement="numbness or tingling in the median nerve distribution (thumb, index and middle fingers)",
    subject="median nerve symptoms",
    met=(
        "Numbness and tingling in the thumb, index and middle fingers, worse at night.",
        "Paresthesias in the median distribution, waking her most nights.",
    ),
    not_met=(
        "Numbness is in the ring and little fingers only; thumb and index spared.",
        "No numbness or tingling in the hand; complains of wrist ache only.",
    ),
    vague=(
        "Hand numbness, distribution not well described.",
        "Sensory exam deferred today, will map symptoms next visit.",
    ),
)

CARPAL_TUNNEL = _policy(
    policy_id="MP-CTR-v1",
    title="Carpal tunnel release",
    service="carpal tunnel release",
    combine="all",
    criteria=(MOTOR_LATENCY, SPLINTING, MEDIAN_SYMPTOMS),
    line_of_business=None,
    effective_from=date(2020, 10, 1),
    revised=date(2020, 9, 8),
)

# ---------------------------------------------------------------- bone densitometry outside screening (any, Medicaid)

LONG_STEROIDS = Criterion(
    kind="duration",
    statement="glucocorticoid therapy equivalent to prednisone 5 mg a day or more for at least 12 weeks",
    subject="glucocorticoid therapy",
    minimum=12,
    met=(
        "On prednisone 10 mg daily for {w}.",
        "Long-term steroids: prednisone 7.5 mg a day for {w}.",
        "Daily prednisone, never below 5 mg, continuously for {w} for polymyalgia.",
    ),
    not_met=(
        "Not on steroids and never has been.",
        "Prednisone 20 mg was started {short} ago for a flare and is being tapered off.",
        "Inhaled steroids only; no oral glucocorticoids.",
    ),
    vague=(
        "Has had 'several courses' of prednisone, dates and doses unknown.",
        "May need long-term steroids if the vasculitis flares again.",
    ),
)

FRAGILITY_FRACTURE = Criterion(
    kind="finding",
    statement="a prior fragility fracture (from standing height or less)",
    subject="fragility fracture",
    met=(
        "Fractured her left wrist falling from standing height last winter.",
        "Vertebral compression fracture after lifting a grocery bag, confirmed on x-ray.",
    ),
    not_met=(
        "No fractures, ever.",
        "Only fracture was a femur broken in a motorcycle crash at 22; no low-trauma fractures.",
    ),
    vague=(
        "Possible old vertebral fracture on an outside x-ray report; images awaited.",
        "Reports 'cracking a rib' once, circumstances unclear.",
    ),
)

BONE_LOSS_CAUSE = Criterion(
    kind="finding",
    statement="aromatase inhibitor therapy, androgen deprivation therapy or primary hyperparathyroidism",
    subject="secondary cause of bone loss",
    met=(
        "On anastrozole since her breast cancer surgery.",
        "Receiving androgen deprivation therapy (leuprolide) for prostate cancer.",
        "Primary hyperparathyroidism, calcium 11.2 with high PTH.",
    ),
    not_met=(
        "Not on aromatase inhibitors or androgen deprivation; calcium and PTH normal.",
        "No hormonal cancer therapy and no parathyroid disease.",
    ),
    vague=(
        "PTH drawn, result pending.",
        "Oncology may start an aromatase inhibitor after radiotherapy.",
    ),
)

DXA = _policy(
    policy_id="MP-DXA-v2",
    title="Bone densitometry outside routine screening",
    service="bone density testing (DXA)",
    combine="any",
    criteria=(LONG_STEROIDS, FRAGILITY_FRACTURE, BONE_LOSS_CAUSE),
    line_of_business="medicaid",
    effective_from=date(2022, 1, 1),
    revised=date(2021, 12, 6),
)

POLICIES: tuple[Policy, ...] = (
    BARIATRIC,
    SCS_OLD,
    SCS,
    HBOT,
    CGM,
    VEINS,
    GENETICS,
    PULM_REHAB,
    COCHLEAR,
    PANNICULECTOMY,
    SUD_IOP,
    CARPAL_TUNNEL,
    DXA,
)
