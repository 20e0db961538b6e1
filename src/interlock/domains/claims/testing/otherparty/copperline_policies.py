"""Copperline Health Trust's coverage determination guidelines, and what its clinicians chart about them.

The Trust's Medical Technology Assessment Panel publishes each guideline as
``CDG-<number><revision letter>``: a heading block (scope, the span of service dates
it governs, the panel's approval date), an "Indications" section whose opening
sentence says whether every numbered indication is required or any single one is
enough, and a "Determination" sentence on what follows when the record falls short.
A replaced revision keeps its text and names the revision that replaced it, because
claims with older dates of service are still judged by it.

Thresholds are written the way the treating specialties measure them: questionnaire
points, percent stenosis, centimetres of fibroid, diopters of corneal steepening,
decibels of hearing loss, seizures a month, micrograms of calprotectin per gram.
Each criterion carries the sentences clinicians write when it is met, when it is
not, and when the chart only points at it without settling it.
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

_SCOPE: dict[str | None, str] = {
    None: "all Copperline Health Trust plans (employer, individual, Senior Alloy and Community Care)",
    "commercial": "employer-group and individual plans only",
    "medicare_advantage": "Copperline Senior Alloy (Medicare Advantage) plans only",
    "medicaid": "Copperline Community Care (Medicaid managed care) plans only",
}


def copperline_body(
    *,
    policy_id: str,
    title: str,
    service: str,
    combine: Combine,
    criteria: Sequence[Criterion],
    line_of_business: LineOfBusiness | None,
    effective_from: date,
    effective_to: date | None,
    approved: date,
    replaced_by: str | None,
) -> str:
    """A coverage determination guideline as the Trust's assessment panel publishes it."""
    span = f"Dates of service: {effective_from.isoformat()} onward"
    if effective_to is not None:
        span = f"Dates of service: {effective_from.isoformat()} through {effective_to.isoformat()} only"
        span += (
            f" (replaced by {replaced_by} for later dates)"
            if replaced_by
            else " (withdrawn; no guideline applies to later dates)"
        )
    if combine == "all":
        opening = (
            f"The Trust regards {service} as medically necessary only when the clinical record"
            " demonstrates every numbered indication below; all of them are required."
        )
        verdict = (
            f"Where even one indication is not demonstrated, {service} does not meet this guideline"
            " and is not medically necessary."
        )
    else:
        opening = (
            f"The Trust regards {service} as medically necessary when the clinical record"
            " demonstrates at least one numbered indication below; any single indication suffices."
        )
        verdict = (
            f"Where none of the indications is demonstrated, {service} does not meet this guideline"
            " and is not medically necessary."
        )
    listed = [f"  ({n}) {c.statement[:1].upper()}{c.statement[1:]}." for n, c in enumerate(criteria, start=1)]
    return "\n".join(
        [
            "COPPERLINE HEALTH TRUST",
            f"Coverage Determination Guideline {policy_id}",
            title.upper(),
            "",
            f"Scope: {_SCOPE[line_of_business]}",
            span,
            f"Approved by the Medical Technology Assessment Panel: {approved:%d %b %Y}",
            "",
            "INDICATIONS",
            opening,
            *listed,
            "",
            "DETERMINATION",
            verdict,
        ]
    )


def _guideline(
    *,
    policy_id: str,
    title: str,
    service: str,
    combine: Combine,
    criteria: tuple[Criterion, ...],
    line_of_business: LineOfBusiness | None,
    effective_from: date,
    approved: date,
    effective_to: date | None = None,
    replaced_by: str | None = None,
) -> Policy:
    return Policy(
        policy_id=policy_id,
        title=title,
        combine=combine,
        criteria=criteria,
        body=copperline_body(
            policy_id=policy_id,
            title=title,
            service=service,
            combine=combine,
            criteria=criteria,
            line_of_business=line_of_business,
            effective_from=effective_from,
            effective_to=effective_to,
            approved=approved,
            replaced_by=replaced_by,
        ),
        line_of_business=line_of_business,
        effective_from=effective_from,
        effective_to=effective_to,
        updated_at=utc(approved, 16, 5),
    )


# ---------------------------------------------------------------- applied behavior analysis

ASD_DIAGNOSIS = Criterion(
    kind="finding",
    statement=(
        "a diagnosis of autism spectrum disorder made by a developmental pediatrician, child psychiatrist,"
        " child neurologist or licensed psychologist, supported by a standardized instrument such as the ADOS-2"
    ),
    subject="autism diagnosis",
    met=(
        "ADOS-2 Module 1 administered by developmental pediatrics: scores in the autism range; DSM-5"
        " criteria for autism spectrum disorder met.",
        "Autism spectrum disorder, level 2 support needs, diagnosed by the clinic psychologist after"
        " ADOS-2 and ADI-R.",
        "Child neurology diagnostic evaluation complete; ASD confirmed, ADOS-2 comparison score 8.",
    ),
    not_met=(
        "ADOS-2 done by the psychologist: below the autism cutoff and no ASD diagnosis made; picture"
        " fits an expressive language delay.",
        "M-CHAT screen was positive, but the developmental pediatric evaluation did not confirm autism.",
        "Full diagnostic assessment in September concluded the child does not meet criteria for autism"
        " spectrum disorder.",
    ),
    vague=(
        "Parents report an autism diagnosis made in another state; the evaluation report has not arrived.",
        "Diagnostic testing booked with developmental pediatrics for next month.",
        "Daycare staff raised concerns about autism.",
    ),
)

SRS_SCORE = Criterion(
    kind="measure",
    statement="social impairment with a Social Responsiveness Scale, Second Edition (SRS-2) total T-score of 66 or higher",
    subject="SRS-2 total T-score",
    minimum=66,
    floor=42,
    maximum=90,
    met=(
        "SRS-2 parent form: total T-score {v}.",
        "Social Responsiveness Scale-2 returned at T = {v}; teacher form concordant.",
        "SRS-2 total T {v}, with the highest elevations in social communication and restricted interests.",
    ),
    not_met=(
        "SRS-2 total T-score {low}.",
        "Parent SRS-2 scored at T {low}; teacher form similar.",
    ),
    vague=(
        "SRS-2 forms handed to the parents to fill in at home.",
        "Teacher rating scales requested, not yet returned.",
    ),
)

BCBA_PLAN = Criterion(
    kind="finding",
    statement=(
        "a written treatment plan with measurable goals, developed and supervised by a Board Certified"
        " Behavior Analyst, that includes parent or caregiver training"
    ),
    subject="treatment plan",
    met=(
        "BCBA treatment plan on file: twelve measurable goals (requesting, toileting, elopement) and"
        " weekly caregiver training sessions.",
        "Plan authored and supervised by the BCBA lists baseline data, measurable targets and"
        " parent training twice a month.",
    ),
    not_met=(
        "Program would be delivered by a tutoring centre with no Board Certified Behavior Analyst supervising.",
        "The plan submitted has no measurable goals and no caregiver training component.",
    ),
    vague=(
        "BCBA intake appointment pending.",
        "Treatment plan still being drafted by the agency.",
    ),
)

ABA = _guideline(
    policy_id="CDG-311A",
    title="Applied behavior analysis for autism spectrum disorder",
    service="applied behavior analysis",
    combine="all",
    criteria=(ASD_DIAGNOSIS, SRS_SCORE, BCBA_PLAN),
    line_of_business=None,
    effective_from=date(2020, 3, 1),
    approved=date(2020, 1, 22),
)

# ---------------------------------------------------------------- uterine artery embolization

FIBROID_SYMPTOMS = Criterion(
    kind="duration",
    statement=(
        "heavy menstrual bleeding, pelvic pressure or pain attributable to uterine fibroids, present for"
        " at least 26 weeks"
    ),
    subject="fibroid-related symptoms",
    minimum=26,
)

FIBROID_SIZE = Criterion(
    kind="measure",
    statement="at least one fibroid of 3.0 cm or more in greatest dimension on ultrasound or MRI",
    subject="largest fibroid",
    minimum=3,
    floor=1,
    maximum=12,
    decimals=1,
    met=(
        "Transvaginal ultrasound: posterior intramural fibroid measuring {v} cm.",
        "MRI pelvis with contrast: dominant submucosal-intramural fibroid, {v} cm in greatest dimension.",
        "Largest leiomyoma {v} cm (fundal, subserosal component) on today's scan.",
    ),
    not_met=(
        "Ultrasound shows small fibroids only, the largest {low} cm.",
        "MRI: largest leiomyoma measures {low} cm; uterus normal in size.",
    ),
    vague=(
        "Fibroids mentioned on an old ultrasound; sizes not in the report.",
        "Repeat imaging ordered as the last scan is over two years old.",
    ),
)

FIBROID_MEDICINES = Criterion(
    kind="therapy",
    statement="bleeding or bulk symptoms not controlled by at least 12 weeks of medical therapy",
    subject="medical therapy",
    minimum=12,
    therapies=(
        "tranexamic acid",
        "a levonorgestrel intrauterine device",
        "combined oral contraceptives",
        "relugolix combination therapy",
        "norethindrone acetate",
    ),
)

UAE = _guideline(
    policy_id="CDG-522A",
    title="Uterine artery embolization for symptomatic leiomyomas",
    service="uterine artery embolization",
    combine="all",
    criteria=(FIBROID_SYMPTOMS, FIBROID_SIZE, FIBROID_MEDICINES),
    line_of_business=None,
    effective_from=date(2021, 5, 1),
    approved=date(2021, 3, 30),
)

# ---------------------------------------------------------------- prostatic urethral lift

IPSS = Criterion(
    kind="measure",
    statement="moderate or severe lower urinary tract symptoms with an International Prostate Symptom Score (IPSS) of 13 or higher",
    subject="IPSS",
    minimum=13,
    floor=2,
    maximum=35,
    met=(
        "IPSS {v}/35, quality-of-life item 5 (unhappy).",
        "Symptom score (IPSS) {v} today; nocturia three times a night.",
        "IPSS questionnaire completed in clinic: {v} points.",
    ),
    not_met=(
        "IPSS {low}, mild symptoms.",
        "Today's IPSS comes to {low} points.",
    ),
    vague=(
        "Symptom questionnaire not completed today.",
        "Describes his urinary symptoms as 'a nuisance'; IPSS not scored.",
    ),
)

BPH_MEDICINES = Criterion(
    kind="therapy",
    statement="symptoms persisting after at least 8 weeks of medication for benign prostatic hyperplasia",
    subject="BPH medication",
    minimum=8,
    therapies=("tamsulosin", "alfuzosin", "silodosin", "finasteride", "daily tadalafil 5 mg"),
)

PROSTATE_ANATOMY = Criterion(
    kind="finding",
    statement="a prostate volume between 30 and 80 mL without an obstructing median lobe, on ultrasound or cystoscopy",
    subject="prostate anatomy",
    met=(
        "TRUS volume 46 mL; cystoscopy shows lateral lobe coaptation, no median lobe.",
        "Prostate 58 cc on transrectal ultrasound, and no intravesical median lobe at cystoscopy.",
        "Volume 37 mL with bilobar enlargement only (no median lobe) on flexible cystoscopy.",
    ),
    not_met=(
        "Prostate volume 112 mL on TRUS.",
        "Cystoscopy: large obstructing median lobe projecting into the bladder.",
        "TRUS volume 24 cc, smaller than the range for a urethral lift.",
    ),
    vague=(
        "Cystoscopy scheduled to look for a median lobe.",
        "Prostate feels moderately enlarged on DRE; volume not measured.",
    ),
)

URETHRAL_LIFT = _guideline(
    policy_id="CDG-540A",
    title="Prostatic urethral lift for benign prostatic hyperplasia",
    service="a prostatic urethral lift",
    combine="all",
    criteria=(IPSS, BPH_MEDICINES, PROSTATE_ANATOMY),
    line_of_business=None,
    effective_from=date(2020, 10, 1),
    approved=date(2020, 8, 18),
)

# ---------------------------------------------------------------- corneal cross-linking

KMAX = Criterion(
    kind="measure",
    statement="an increase in maximum keratometry (Kmax) of 1.0 diopter or more within the preceding 24 months",
    subject="Kmax increase",
    minimum=1,
    floor=0,
    maximum=4,
    decimals=1,
    met=(
        "Serial Scheimpflug tomography: Kmax up {v} D compared with the scan of 14 months ago.",
        "Topography confirms steepening, Kmax +{v} D over the last year.",
        "Kmax has risen by {v} diopters since the baseline scan last spring.",
    ),
    not_met=(
        "Kmax change of {low} D over two years; tomography stable.",
        "Tomography essentially unchanged from last year, Kmax difference {low} D.",
    ),
    vague=(
        "Only one tomography scan on file; nothing earlier to compare with.",
        "Earlier scans were done at an outside practice and have been requested.",
    ),
)

CYLINDER = Criterion(
    kind="measure",
    statement="an increase in manifest astigmatism of 1.0 diopter or more within the preceding 24 months",
    subject="increase in astigmatism",
    minimum=1,
    floor=0,
    maximum=3,
    decimals=1,
    met=(
        "Manifest refraction: cylinder up {v} D since the refraction 18 months ago.",
        "Astigmatism worse by {v} D of cylinder compared with last year's refraction.",
    ),
    not_met=(
        "Refraction stable; cylinder has changed by {low} D.",
        "Manifest cylinder within {low} D of the prior refraction.",
    ),
    vague=(
        "Could not refract reliably today (scleral lens wearer).",
        "Glasses prescription 'changes every year' per patient; old refractions unavailable.",
    ),
)

ACUITY_LOSS = Criterion(
    kind="measure",
    statement="a loss of 2 or more Snellen lines of best spectacle-corrected visual acuity attributed to the ectasia",
    subject="lines of acuity lost",
    minimum=2,
    floor=0,
    maximum=5,
    met=(
        "Best corrected acuity down {v} Snellen lines from baseline.",
        "BSCVA has fallen by {v} lines in the affected eye since the 2024 visit.",
    ),
    not_met=(
        "BSCVA change since baseline: {low} line(s).",
        "Corrected acuity essentially stable (difference of {low} line(s)).",
    ),
    vague=(
        "Acuity not comparable between visits; different charts were used.",
        "Vision 'worse' per the patient; corrected acuity not measured today.",
    ),
)

CROSS_LINKING = _guideline(
    policy_id="CDG-605A",
    title="Corneal collagen cross-linking for progressive keratoconus",
    service="epithelium-off corneal collagen cross-linking",
    combine="any",
    criteria=(KMAX, CYLINDER, ACUITY_LOSS),
    line_of_business=None,
    effective_from=date(2021, 9, 1),
    approved=date(2021, 7, 13),
)

# ---------------------------------------------------------------- carotid endarterectomy (withdrawn)

CAROTID_STENOSIS = Criterion(
    kind="measure",
    statement="stenosis of the internal carotid artery of 70 percent or more by duplex ultrasound, CT angiography or MR angiography",
    subject="carotid stenosis",
    minimum=70,
    floor=20,
    maximum=99,
    met=(
        "CTA neck: symptomatic-side ICA stenosis of {v}% by NASCET.",
        "Duplex estimates {v} percent narrowing of the internal carotid on the affected side.",
        "MRA confirms a {v}% stenosis at the carotid bifurcation.",
    ),
    not_met=(
        "CTA: ICA stenosis of {low}% by NASCET criteria.",
        "Duplex grades the internal carotid stenosis at {low} percent.",
    ),
    vague=(
        "Bruit on auscultation; duplex ordered.",
        "Outside duplex reads 'significant stenosis' with no percentage given.",
    ),
)

CAROTID_SYMPTOMS = Criterion(
    kind="finding",
    statement=(
        "transient ischemic attack, amaurosis fugax or non-disabling stroke in the territory of that artery"
        " within the last 180 days"
    ),
    subject="recent carotid-territory symptoms",
    met=(
        "Two spells of contralateral hand weakness with word-finding trouble three weeks ago, in the"
        " territory of the narrowed carotid.",
        "Amaurosis fugax in the eye on the side of the stenosis last month, lasting about five minutes.",
        "Minor stroke in the same carotid territory six weeks ago (NIHSS 2), now nearly recovered.",
    ),
    not_met=(
        "Stenosis found incidentally on imaging for neck pain; has never had neurological symptoms.",
        "Last TIA was in 2021; no events in the past four years.",
    ),
    vague=(
        "Describes episodes of 'dizziness'; whether any were TIAs is unclear.",
        "Neurology opinion on the recent spells awaited.",
    ),
)

SURGICAL_RISK = Criterion(
    kind="finding",
    statement="a perioperative risk judged acceptable by the treating surgeon, with a life expectancy of at least 5 years",
    subject="operative risk",
    met=(
        "Cardiology clearance obtained: low perioperative risk, independent in daily activities.",
        "Pre-operative assessment: fit for surgery, good functional reserve, no major comorbidity limiting life expectancy.",
    ),
    not_met=(
        "Severe cardiomyopathy (EF 20%) and oxygen-dependent COPD; vascular surgery considers open surgery too high-risk.",
        "Metastatic pancreatic cancer with a prognosis of months; surgery not advised.",
    ),
    vague=(
        "Pre-operative cardiac evaluation not yet done.",
        "Anesthesia pre-assessment booked.",
    ),
)

ENDARTERECTOMY = _guideline(
    policy_id="CDG-713A",
    title="Carotid endarterectomy",
    service="carotid endarterectomy",
    combine="all",
    criteria=(CAROTID_STENOSIS, CAROTID_SYMPTOMS, SURGICAL_RISK),
    line_of_business=None,
    effective_from=date(2019, 4, 1),
    effective_to=date(2025, 9, 30),
    approved=date(2019, 2, 26),
)

# ---------------------------------------------------------------- vagus nerve stimulation

ASM_TRIALS = Criterion(
    kind="therapy",
    statement=(
        "seizures continuing despite adequate trials of at least two tolerated antiseizure medications,"
        " each for at least 12 weeks"
    ),
    subject="antiseizure medication trials",
    minimum=12,
    therapies=("levetiracetam", "lamotrigine", "lacosamide", "oxcarbazepine", "valproate", "clobazam"),
    met=(
        "Drug-resistant: levetiracetam and then lacosamide, each at target dose for {w}; seizures unchanged.",
        "Three antiseizure medications so far (valproate, lamotrigine, clobazam), each for at least {w}; still seizing.",
        "Failed adequate trials of oxcarbazepine and levetiracetam, {w} apiece at therapeutic levels.",
    ),
    not_met=(
        "Only one antiseizure medication tried so far ({therapy}).",
        "On {therapy} for {short}, the first and only agent to date.",
    ),
    vague=(
        "Several seizure medicines tried in the past; names and durations unknown.",
        "Medication history to be obtained from the previous neurologist.",
    ),
)

SEIZURE_RATE = Criterion(
    kind="measure",
    statement="a seizure frequency of 4 or more a month on a diary kept over the previous 3 months",
    subject="seizures a month",
    minimum=4,
    floor=0,
    maximum=30,
    met=(
        "Seizure diary (3 months): average {v} focal impaired-awareness seizures a month.",
        "Mother's log shows {v} seizures a month on average over the last quarter.",
    ),
    not_met=(
        "Diary averages {low} seizures a month over three months.",
        "Down to {low} events a month over the last quarter per the diary.",
    ),
    vague=(
        "Seizures described as 'frequent'; no diary kept.",
        "Unclear how many events are epileptic rather than functional; video-EEG pending.",
    ),
)

SURGICAL_CANDIDACY = Criterion(
    kind="finding",
    statement=(
        "not a candidate for resective epilepsy surgery, or resection declined after evaluation at an"
        " epilepsy center"
    ),
    subject="surgical candidacy",
    met=(
        "Epilepsy surgery conference: multifocal onset on video-EEG, not a candidate for resection.",
        "Evaluated at the comprehensive epilepsy center and declined temporal lobectomy after counselling.",
    ),
    not_met=(
        "Video-EEG localises to the right mesial temporal lobe with a concordant MRI lesion; resection"
        " recommended and he wishes to go ahead with it.",
        "Lesionectomy of the cavernoma is planned; the epilepsy team prefers surgery to a stimulator.",
    ),
    vague=(
        "Surgical candidacy to be discussed at the next epilepsy conference.",
        "Referral to the epilepsy center placed.",
    ),
)

VAGUS = _guideline(
    policy_id="CDG-808A",
    title="Vagus nerve stimulation for drug-resistant epilepsy",
    service="implantation of a vagus nerve stimulator",
    combine="all",
    criteria=(ASM_TRIALS, SEIZURE_RATE, SURGICAL_CANDIDACY),
    line_of_business=None,
    effective_from=date(2018, 7, 1),
    approved=date(2018, 5, 8),
)

# ---------------------------------------------------------------- tympanostomy tubes

OTITIS_EPISODES = Criterion(
    kind="measure",
    statement="3 or more documented episodes of acute otitis media in the preceding 6 months",
    subject="episodes of acute otitis media",
    minimum=3,
    floor=0,
    maximum=7,
    met=(
        "{v} separate ear infections in the last six months, each seen and treated in clinic.",
        "Chart confirms {v} AOM episodes within six months, two needing a second antibiotic.",
    ),
    not_met=(
        "Clinic records show {low} episode(s) of acute otitis media in the past six months.",
        "{low} AOM episode(s) documented in the last half-year.",
    ),
    vague=(
        "Mother reports 'constant' ear infections, mostly treated at urgent care; those visits are not in our records.",
        "Number of recent ear infections unclear.",
    ),
)

EFFUSION = Criterion(
    kind="duration",
    statement="bilateral middle ear effusion persisting for at least 12 weeks",
    subject="bilateral middle ear effusion",
    minimum=12,
)

HEARING_LOSS = Criterion(
    kind="measure",
    statement="effusion with a hearing level of 25 dB HL or worse in the better ear",
    subject="hearing level",
    minimum=25,
    floor=5,
    maximum=60,
    met=(
        "Audiogram: conductive loss, better-ear average {v} dB HL, flat (type B) tympanograms both sides.",
        "Sound-field testing {v} dB HL with type B tympanograms.",
    ),
    not_met=(
        "Audiogram today: better-ear thresholds at {low} dB HL.",
        "Better-ear average {low} dB on today's audiogram.",
    ),
    vague=(
        "Hearing test could not be completed; child would not cooperate.",
        "Audiology appointment next week.",
    ),
)

EAR_TUBES = _guideline(
    policy_id="CDG-226A",
    title="Tympanostomy tube insertion in children",
    service="insertion of tympanostomy tubes",
    combine="any",
    criteria=(OTITIS_EPISODES, EFFUSION, HEARING_LOSS),
    line_of_business="medicaid",
    effective_from=date(2020, 1, 1),
    approved=date(2019, 11, 5),
)

# ---------------------------------------------------------------- negative pressure wound therapy

CHRONIC_WOUND = Criterion(
    kind="duration",
    statement=(
        "a chronic wound (stage 3 or 4 pressure injury, diabetic foot ulcer or venous ulcer) present for"
        " at least 4 weeks"
    ),
    subject="chronic wound",
    minimum=4,
    met=(
        "Stage 4 sacral pressure injury, open for {w}.",
        "Diabetic plantar ulcer of the forefoot, not healing after {w}.",
        "Venous ulcer above the medial malleolus, present {w}.",
    ),
    not_met=(
        "Ulcer opened only {short} ago.",
        "The pressure injury is new, first documented {short} ago.",
    ),
    vague=(
        "Wound age unknown; first noticed by the home health aide.",
        "Onset of the ulcer not recorded in the transfer paperwork.",
    ),
)

WOUND_CARE = Criterion(
    kind="therapy",
    statement=(
        "at least 4 weeks of standard wound care (debridement, moist dressings, and offloading or"
        " compression as appropriate) without progress toward healing"
    ),
    subject="standard wound care",
    minimum=4,
    therapies=(
        "moist wound dressings",
        "serial sharp debridement",
        "total contact casting",
        "multilayer compression",
        "a pressure-redistributing mattress with two-hourly turns",
    ),
)

CLEAN_BED = Criterion(
    kind="finding",
    statement="no untreated osteomyelitis, untreated cellulitis or necrotic tissue with eschar in the wound",
    subject="wound bed",
    met=(
        "Wound bed granular and clean after debridement; MRI negative for osteomyelitis.",
        "No eschar, no cellulitis; probe-to-bone negative and plain films show no osteomyelitis.",
    ),
    not_met=(
        "Probe-to-bone positive and MRI shows osteomyelitis of the fifth metatarsal head; antibiotics not yet started.",
        "Thick black eschar covers most of the wound bed.",
    ),
    vague=(
        "Bone involvement not yet assessed.",
        "MRI to exclude osteomyelitis ordered.",
    ),
)

NPWT_OLD = _guideline(
    policy_id="CDG-430A",
    title="Negative pressure wound therapy in the home",
    service="home negative pressure wound therapy",
    combine="all",
    criteria=(
        Criterion(
            kind="duration",
            statement="an open wound present for at least 3 weeks",
            subject="open wound",
            minimum=3,
        ),
        Criterion(
            kind="therapy",
            statement="a trial of moist dressings for at least 2 weeks",
            subject="moist dressings",
            minimum=2,
            therapies=("moist wound dressings",),
        ),
    ),
    line_of_business=None,
    effective_from=date(2017, 1, 1),
    effective_to=date(2023, 6, 30),
    approved=date(2016, 11, 29),
    replaced_by="CDG-430B",
)

NPWT = _guideline(
    policy_id="CDG-430B",
    title="Negative pressure wound therapy in the home",
    service="home negative pressure wound therapy",
    combine="all",
    criteria=(CHRONIC_WOUND, WOUND_CARE, CLEAN_BED),
    line_of_business=None,
    effective_from=date(2023, 7, 1),
    approved=date(2023, 5, 16),
)

# ---------------------------------------------------------------- pectus excavatum

CORRECTION_INDEX = Criterion(
    kind="measure",
    statement="a correction index of 28 percent or greater on chest CT or MRI",
    subject="correction index",
    minimum=28,
    floor=8,
    maximum=50,
    met=(
        "Chest CT: correction index {v}%, Haller index also elevated.",
        "Non-contrast chest MRI gives a correction index of {v} percent.",
    ),
    not_met=(
        "CT correction index {low}%, a mild deformity.",
        "Correction index calculated at {low} percent on MRI.",
    ),
    vague=(
        "Chest imaging not yet performed.",
        "Deformity looks moderate to severe on examination; no cross-sectional measurement.",
    ),
)

CHEST_PHYSIOLOGY = Criterion(
    kind="finding",
    statement=(
        "physiological impairment: a restrictive pattern on pulmonary function tests, reduced capacity on"
        " cardiopulmonary exercise testing, or cardiac compression on echocardiography"
    ),
    subject="physiological impairment",
    met=(
        "CPET: peak VO2 68% of predicted, limited by stroke volume.",
        "PFTs show a restrictive pattern (TLC 74% predicted).",
        "Echocardiogram: sternal compression of the right ventricle with impaired RV filling.",
    ),
    not_met=(
        "PFTs and cardiopulmonary exercise test both normal.",
        "Exercise testing normal and echo shows no cardiac compression; the concern is appearance.",
    ),
    vague=(
        "Gets winded in gym class; testing not done yet.",
        "Echo requested.",
    ),
)

PECTUS = _guideline(
    policy_id="CDG-352A",
    title="Surgical repair of pectus excavatum",
    service="surgical repair of pectus excavatum",
    combine="all",
    criteria=(CORRECTION_INDEX, CHEST_PHYSIOLOGY),
    line_of_business="commercial",
    effective_from=date(2022, 1, 1),
    approved=date(2021, 10, 26),
)

# ---------------------------------------------------------------- capsule endoscopy

OBSCURE_BLEEDING = Criterion(
    kind="finding",
    statement=(
        "suspected small bowel bleeding: overt or occult gastrointestinal bleeding with no source found on"
        " both upper endoscopy and colonoscopy"
    ),
    subject="small bowel bleeding",
    met=(
        "Recurrent melena; EGD and colonoscopy last month found no source.",
        "Iron deficiency anemia with a positive FIT; bidirectional endoscopy unrevealing.",
    ),
    not_met=(
        "Bleeding source found at EGD (gastric angioectasia, treated with argon plasma coagulation).",
        "No GI bleeding: hemoglobin and ferritin normal, stool occult blood negative.",
    ),
    vague=(
        "Colonoscopy done; upper endoscopy not yet scheduled.",
        "Dark stools reported once, not confirmed.",
    ),
)

CALPROTECTIN = Criterion(
    kind="measure",
    statement=(
        "suspected small bowel Crohn's disease with a fecal calprotectin of 250 micrograms per gram or"
        " more and a non-diagnostic ileocolonoscopy"
    ),
    subject="fecal calprotectin",
    minimum=250,
    floor=20,
    maximum=1800,
    met=(
        "Fecal calprotectin {v} µg/g; ileocolonoscopy with a normal terminal ileum.",
        "Calprotectin {v} mcg/g with diarrhea and weight loss; colonoscopy and ileal biopsies unremarkable.",
    ),
    not_met=(
        "Fecal calprotectin only {low} µg/g.",
        "Calprotectin came back at {low} mcg/g.",
    ),
    vague=(
        "Calprotectin sent.",
        "Crohn's disease suspected; workup in progress.",
    ),
)

POLYPOSIS = Criterion(
    kind="finding",
    statement="surveillance in an inherited polyposis syndrome (Peutz-Jeghers syndrome or familial adenomatous polyposis)",
    subject="polyposis syndrome",
    met=(
        "Known Peutz-Jeghers syndrome (STK11 variant); due for small bowel surveillance.",
        "FAP with duodenal adenomas; genetics advises small bowel surveillance.",
    ),
    not_met=(
        "No personal or family history of a polyposis syndrome.",
        "Germline polyposis panel negative; one sporadic adenoma only.",
    ),
    vague=(
        "Family history of 'polyps' on the father's side; details unknown.",
        "Genetics referral pending.",
    ),
)

CAPSULE = _guideline(
    policy_id="CDG-647A",
    title="Wireless capsule endoscopy of the small bowel",
    service="small bowel capsule endoscopy",
    combine="any",
    criteria=(OBSCURE_BLEEDING, CALPROTECTIN, POLYPOSIS),
    line_of_business=None,
    effective_from=date(2019, 8, 1),
    approved=date(2019, 6, 11),
)

# ---------------------------------------------------------------- Mohs micrographic surgery

HIGH_RISK_SITE = Criterion(
    kind="finding",
    statement=(
        "a basal or squamous cell carcinoma on the central face, eyelids, nose, lips, ears, hands, feet or"
        " genitalia"
    ),
    subject="tumour site",
    met=(
        "Biopsy-proven nodular BCC of the left nasal ala.",
        "Well-differentiated SCC on the lower lip vermilion.",
        "Infiltrative BCC on the helix of the right ear.",
    ),
    not_met=(
        "Superficial BCC on the upper back.",
        "SCC in situ on the extensor forearm.",
    ),
    vague=(
        "Referral gives the site only as 'face/neck'.",
        "Biopsy site photo not attached to the referral.",
    ),
)

RECURRENT_TUMOUR = Criterion(
    kind="finding",
    statement="a tumour that has recurred after previous treatment",
    subject="recurrence",
    met=(
        "Recurrent BCC within the scar of a 2021 excision.",
        "Recurred at the site of electrodesiccation and curettage two years ago.",
    ),
    not_met=(
        "Primary lesion, never treated before.",
        "No previous treatment at this site.",
    ),
    vague=(
        "Thinks 'something was burned off' there years ago; records unavailable.",
        "Possibly treated before at another practice.",
    ),
)

TUMOUR_SIZE = Criterion(
    kind="measure",
    statement="a tumour of 20 mm or more in diameter, at any site",
    subject="tumour diameter",
    minimum=20,
    floor=3,
    maximum=60,
    met=(
        "Lesion measures {v} mm clinically, with ill-defined borders.",
        "Clinical diameter {v} mm under dermoscopy.",
    ),
    not_met=(
        "Lesion {low} mm across.",
        "Measures {low} mm with a well-defined edge.",
    ),
    vague=(
        "Size not recorded at biopsy.",
        "Lesion 'larger than a pea' per the referral letter.",
    ),
)

MOHS = _guideline(
    policy_id="CDG-615A",
    title="Mohs micrographic surgery for basal and squamous cell carcinoma",
    service="Mohs micrographic surgery",
    combine="any",
    criteria=(HIGH_RISK_SITE, RECURRENT_TUMOUR, TUMOUR_SIZE),
    line_of_business=None,
    effective_from=date(2022, 4, 1),
    approved=date(2022, 2, 15),
)

# ---------------------------------------------------------------- methadone in an opioid treatment program

OPIOID_HISTORY = Criterion(
    kind="duration",
    statement="opioid use disorder with physiological dependence for at least 52 weeks before admission",
    subject="opioid dependence",
    minimum=52,
    met=(
        "Daily heroin and fentanyl use for {w}, with withdrawal whenever a day is missed.",
        "Injecting opioids for {w}; physically dependent throughout.",
        "Opioid dependence dating back {w}, beginning with oxycodone prescribed after a work injury.",
    ),
    not_met=(
        "Began using opioids {short} ago.",
        "Opioid use started only {short} before intake.",
    ),
    vague=(
        "Length of opioid use not established at intake.",
        "Says he has used 'on and off for years' with long gaps; dependence history unclear.",
    ),
)

CURRENT_USE = Criterion(
    kind="finding",
    statement=(
        "current opioid use confirmed at intake by a urine drug test positive for opioids or by observed"
        " withdrawal"
    ),
    subject="current use",
    met=(
        "Intake urine positive for fentanyl and morphine.",
        "Observed withdrawal at intake: COWS 11, with yawning, rhinorrhea, piloerection and dilated pupils.",
    ),
    not_met=(
        "Intake urine negative for all opioids including fentanyl, and no withdrawal on observation (COWS 0).",
        "Urine drug test negative for opioids on two intake samples; no signs of withdrawal.",
    ),
    vague=(
        "Urine collected; results pending.",
        "Reports using this morning; toxicology not yet back.",
    ),
)

REGISTRY = Criterion(
    kind="finding",
    statement="no concurrent enrollment in another opioid treatment program, confirmed through the central registry",
    subject="central registry check",
    met=(
        "Central registry check complete: not enrolled at any other OTP.",
        "Registry clearance obtained today; no dual enrollment.",
    ),
    not_met=(
        "Registry check shows active enrollment and daily dosing at another OTP since August.",
        "Currently dosing at a different clinic per the registry; no transfer arranged.",
    ),
    vague=(
        "Registry check requested.",
        "Awaiting a reply from the state central registry.",
    ),
)

METHADONE = _guideline(
    policy_id="CDG-904A",
    title="Methadone maintenance in an opioid treatment program",
    service="methadone maintenance treatment",
    combine="all",
    criteria=(OPIOID_HISTORY, CURRENT_USE, REGISTRY),
    line_of_business=None,
    effective_from=date(2020, 6, 1),
    approved=date(2020, 4, 21),
)

POLICIES: tuple[Policy, ...] = (
    ABA,
    UAE,
    URETHRAL_LIFT,
    CROSS_LINKING,
    ENDARTERECTOMY,
    VAGUS,
    EAR_TUBES,
    NPWT_OLD,
    NPWT,
    PECTUS,
    CAPSULE,
    MOHS,
    METHADONE,
)

# ---------------------------------------------------------------- how the Trust's clinicians chart durations and trials

DURATION: dict[Stance, tuple[str, ...]] = {
    "met": (
        "{Subject} for {w} now, per the patient and earlier visit notes.",
        "Has had {subject} continuously over the past {w}.",
        "{Subject} documented in our records going back {w}.",
        "{Subject}, by the history given today: {w}.",
    ),
    "not_met": (
        "{Subject} began just {short} ago.",
        "Has had {subject} for only {short}.",
        "Duration of {subject}: {short} at this point.",
        "{Subject} is of recent onset ({short}).",
    ),
    "vague": (
        "{Subject} present, though for how long is not stated.",
        "Patient is unsure when the {subject} started.",
        "Timeline of the {subject} not yet clarified.",
        "{Subject} noted; start date not in the records we hold.",
    ),
}

THERAPY: dict[Stance, tuple[str, ...]] = {
    "met": (
        "Completed {w} of {therapy}, with no adequate response.",
        "Tried {therapy} for {w} without meaningful improvement.",
        "{Therapy} given a full trial of {w}; response inadequate.",
        "No real benefit after {w} of {therapy}.",
    ),
    "not_met": (
        "No trial of {therapies} so far.",
        "{Therapy} was started only {short} ago, the first treatment tried.",
        "Stopped {therapy} after {short}; nothing else tried since or before.",
        "Treatment-naive with respect to {therapies}.",
    ),
    "vague": (
        "{Therapy} tried in the past; length of the trial unknown.",
        "Possibly had {therapy} previously, no details available.",
        "{Therapy} appears on the medication history with no start or stop dates.",
        "Outcome and duration of earlier {therapy} not documented.",
    ),
}
