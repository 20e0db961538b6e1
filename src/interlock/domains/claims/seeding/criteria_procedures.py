"""Criterion banks of the procedure policies: spine MRI, knee arthroscopy, sleep study, bariatric.

Each criterion of MP-101 to MP-104 gets sentences that clearly document it as met, as
not met, or vaguely (settling nothing); ``notes`` draws from them by polarity, which
is what fixes the ground truth of rule 9.
"""

from __future__ import annotations

from interlock.domains.claims.seeding.templates import Bank, bank

_CONSERVATIVE_MET = """
[Has completed|Completed|Finished] {W} weeks of {T} with [no meaningful improvement|little to no improvement|no lasting relief] in pain or function.
{C} has persisted [despite|in spite of] {W} weeks of {T} and [scheduled|daily] {nsaid}.
Failed conservative management: {T} for {W} weeks plus {nsaid}; pain still [7/10|8/10|6/10].
Attended {visits} therapy sessions over {W} weeks; symptoms [unchanged|no better] per the therapist's discharge summary.
Conservative care since {month_name}: daily {nsaid} and {T}, now {W} weeks in with persistent pain.
[Tried and failed|Has failed] {W} weeks of {T}; a trial of {nsaid} also gave no relief.
Over the last {W} weeks the patient has done {T} [twice weekly|three times a week|as prescribed] and taken {nsaid}; still unable to {A}.
Therapy discharge note reviewed: {W} weeks completed, progress plateaued, goals not met.
Symptoms for {months} months. Completed a course of {T} ({W} wks) and NSAIDs without adequate relief.
Conservative treatment exhausted: {W} weeks of {T}, activity modification and {nsaid}.
Despite {W} weeks of {T}, [reports no improvement|reports only minimal improvement|remains symptomatic] and still cannot {A}.
Documented trial of {T} from {month_name} onward ({W} weeks in total) with [minimal|no|only transient] benefit.
[Six-week|Full] course of conservative care [completed|done] ({W} weeks of {T} and {nsaid}) without [adequate relief|meaningful benefit].
{W} weeks of {T} [completed|attended] with good adherence; [pain and function unchanged|no functional gain].
"""
_CONSERVATIVE_NOT_MET = """
Has not tried physical therapy, an exercise program or anti-inflammatory medication.
Patient [declined|refused|did not want] physical therapy and is not taking any anti-inflammatory medication.
[No documented|No] conservative treatment to date.
Pain started {days} days ago; no treatment tried yet.
Only {S} weeks of {T} before stopping on their own; no anti-inflammatory or other treatment.
Never started the PT referral from the last visit and has used no {nsaid} or other NSAID.
[Denies|Reports no] prior treatment for this problem and wants to go straight to the procedure.
Onset {days} days ago; conservative therapy [not yet attempted|has not been started].
Refused exercises, PT and medication trials, stating there is no time for them.
Conservative management has [not been trialed|never been tried].
No therapy, chiropractic care or medication trial documented; symptoms began {days} days ago.
Patient states they "have not done anything for it yet."
[Has not tried|Never tried|Has not attempted] any conservative measures; [new|acute] symptoms of {days} days.
Skipped physical therapy entirely and took no medication for it; [requests|wants] the procedure now.
"""
_CONSERVATIVE_VAGUE = """
May have tried some therapy in the past; details unknown.
Reports doing "some exercises" at home off and on; duration unclear.
Possibly saw a chiropractor last year? Records not available.
Takes over-the-counter pain relievers now and then; [unclear for how long|duration not stated].
Thinks they went to PT a few times but cannot recall when.
Conservative care per patient: "tried stuff."
Referring office mentions some PT, without dates or a visit count.
{C} for somewhere between a few weeks and a few months, per patient.
[Some|Possibly some] physical therapy [at another clinic|years ago]; [no records|records not received].
"""


def _conservative(weeks: str, short: str, therapy: str, activity: str, complaint: str) -> Bank:
    """The conservative-therapy bank shared by the spine and knee policies.

    The week slots carry each policy's threshold, so "{weeks4}" never reads as failing
    a four-week criterion and "{weeks6_short}" never reaches six weeks.
    """

    def fill(block: str) -> str:
        return (
            block.replace("{W}", "{" + weeks + "}")
            .replace("{S}", "{" + short + "}")
            .replace("{T}", "{" + therapy + "}")
            .replace("{A}", "{" + activity + "}")
            .replace("{C}", complaint)
        )

    return bank(fill(_CONSERVATIVE_MET), fill(_CONSERVATIVE_NOT_MET), fill(_CONSERVATIVE_VAGUE))


PROCEDURE_BANKS: dict[str, Bank] = {
    "conservative_spine": _conservative(
        "weeks6", "weeks6_short", "spine_therapy", "spine_activity", "Low back pain"
    ),
    "conservative_knee": _conservative(
        "weeks4", "weeks4_short", "knee_therapy", "knee_activity", "Knee pain"
    ),
    "red_flag": bank(
        """
New {side} foot drop with [3/5|2/5] dorsiflexion, worse than [last week|at the prior visit].
Reports new urinary retention and numbness in the saddle area; [concern for|possible] cauda equina syndrome.
History of metastatic {cancer} cancer with new unremitting night pain; spinal metastasis to be ruled out.
Temperature 101.8 F, recent injection drug use and focal spinal tenderness: concern for epidural abscess.
Progressive weakness of the {side} leg over two weeks, now 4-/5 hip flexion with diminished reflexes.
Fall from standing with known osteoporosis and point tenderness at [L1|L2|T12]: compression fracture suspected.
Unexplained [15 lb|20 lb] weight loss with new back pain in a patient with prior {cancer} cancer.
New bowel incontinence since [yesterday|this morning] and decreased perianal sensation.
Progressive motor deficit in the L5 distribution: {side} great toe extension 3/5, was 4/5 two weeks ago.
Red flags present: saddle anesthesia and new bladder dysfunction.
[Worsening|Progressive] numbness and weakness of both legs with [gait instability|new falls].
""",
        """
[Denies|No] bowel or bladder changes, saddle numbness, leg weakness, fever or weight loss; no cancer history.
No red flags: neurological exam intact, no saddle anesthesia or incontinence, no fever, trauma or cancer.
Red-flag screen negative: no neurological deficit, bowel or bladder change, fever, trauma or cancer history.
Neurologically intact, reflexes symmetric; denies incontinence and saddle numbness; no fever or weight loss.
No red-flag findings on [history or examination|history and exam].
Red flags reviewed and absent (no deficit, no cauda equina signs, no concern for infection, tumor or fracture).
Strength and sensation normal in both legs; bladder and bowel function normal; no constitutional symptoms.
Motor exam 5/5 throughout, no saddle anesthesia, no malignancy, immunosuppression or injection drug use.
[Screened for|Asked about] red flags: [none present|all negative] (neuro, bowel and bladder, fever, cancer, trauma).
""",
        """
Mentions occasional tingling in the {side} foot, significance unclear.
? mild weakness on exam, limited by pain.
Possibly some bladder urgency; patient unsure whether it is new.
Remote history of a "spot" on a scan years ago, no records.
Some numbness reported, not further characterized.
Neurological exam [deferred|limited] because of pain.
[Vague|Intermittent] leg heaviness, [not examined today|exam inconclusive].
""",
    ),
    "mechanical_symptoms": bank(
        """
Reports the {side} knee locks [several times a week|most days] and has to be worked loose to straighten.
[Catching|Painful catching] and giving way of the {side} knee when pivoting.
Knee intermittently locks; unable to fully extend during episodes.
Mechanical symptoms present: painful catching along the [medial|lateral] joint line.
Two episodes of true locking this month, one needing help to unlock.
Knee [buckles|gives way] on stairs, with a clicking and catching sensation.
Describes the knee "getting stuck" mid-stride, then releasing with a clunk.
Positive McMurray test with reproducible catching; history of locking.
Recurrent giving way with a catching sensation since the [injury|twisting injury].
Locking episodes documented at the last two visits.
""",
        """
[Denies|No] locking, catching or instability.
No mechanical symptoms; pain is diffuse and worse with prolonged standing.
Knee has never locked or given way, per patient.
Mechanical symptoms absent; complains only of aching morning stiffness.
No catching, no locking, no buckling reported.
Pain only; no mechanical complaints.
Denies the knee giving out. No clicking or locking.
Stable knee without catching or locking on [history or exam|history and examination].
""",
        """
Occasional "funny feeling" in the knee, not clearly locking.
May have had the knee catch once or twice? Patient unsure.
Some clicking, no further details.
Feels unstable at times; unclear whether true giving way or pain.
Reports "stiffness" that might be locking.
[Possible|Questionable] catching, [not reproduced on exam|not described further].
""",
    ),
    "mri_tear": bank(
        """
MRI from {month_name} shows a complex tear of the posterior horn of the medial meniscus.
Knee MRI: bucket-handle tear of the medial meniscus with a displaced fragment.
Imaging confirms a [radial|complex] tear of the lateral meniscus.
[MRI report reviewed|Radiology report reviewed]: horizontal cleavage tear of the [medial|lateral] meniscus reaching the inferior surface.
Meniscal tear confirmed on an MRI done at an outside facility in {month_name}.
MRI positive for a [medial|lateral] meniscus tear; no significant arthritis.
Recent MRI demonstrates a displaced flap tear of the medial meniscus.
MRI: oblique tear of the posterior horn of the medial meniscus extending to the articular surface.
""",
        """
MRI shows no meniscal tear; [moderate|severe] tricompartmental osteoarthritis.
[Knee MRI|MRI of the knee] negative for [internal derangement|meniscal pathology].
No imaging has been obtained for this knee.
MRI: intact menisci, small joint effusion, patellar chondromalacia.
MRI [not done|not performed]; diagnosis based on examination alone.
MRI: degenerative signal within the meniscus without a tear.
Plain films only (mild degenerative change); no MRI performed.
Menisci intact on the MRI from {month_name}.
""",
        """
MRI [ordered|requested], results [pending|not back yet].
Patient says an MRI done somewhere "a while ago" showed "something."
MRI [report|result] not available at the time of the visit.
Imaging equivocal per radiology: possible tear versus degeneration.
Outside MRI mentioned by the patient, no report in the chart.
""",
    ),
    "hsat_failed": bank(
        """
Home sleep apnea test in {month_name} was technically inadequate (under [4|3] hours of valid recording).
Home test negative (AHI 3.1) despite loud snoring, witnessed apneas and an Epworth score of {ess}.
Home sleep study failed [twice|on two nights] because of [sensor loss|a dislodged cannula].
Prior home sleep test inconclusive; strong clinical suspicion of sleep apnea remains.
Home test AHI 4.2 with a poor oximetry signal; the clinical picture strongly suggests sleep apnea.
Unattended study could not be scored: the flow channel was lost for most of the night.
Home sleep apnea testing was nondiagnostic; bed partner reports frequent pauses in breathing.
Home study result: insufficient data, and a repeat home test is not appropriate per the sleep physician.
""",
        """
[No|No prior] home sleep apnea test has been [attempted|done].
Home sleep test already diagnosed moderate obstructive sleep apnea (AHI 22).
Home study completed and diagnostic: AHI 18, consistent with moderate sleep apnea.
Has not had a home study; in-lab testing requested by patient preference.
Home sleep apnea test was technically adequate and showed [severe|moderate] sleep apnea.
[Patient declined|Declined] home sleep testing [and prefers the lab|outright].
Home sleep test not performed.
Home test adequate and positive; the diagnosis is already established.
""",
        """
May have had a home study through a previous insurer; results unknown.
Had "some kind of sleep test" [years ago|a while back].
Home sleep test results [pending|not yet available].
Home study reportedly "did not go well"; no report available.
""",
    ),
    "hsat_unsuitable": bank(
        """
Severe COPD on [2|3] L of home oxygen; home testing not appropriate.
Heart failure with reduced ejection fraction (EF [25|30]%).
Amyotrophic lateral sclerosis with progressive respiratory muscle weakness.
Chronic opioid therapy (oxycodone 60 mg daily) for cancer pain; concern for central apnea.
Moderate to severe pulmonary disease: FEV1 [38|42]% of predicted.
Neuromuscular disease (myotonic dystrophy) documented by neurology.
Congestive heart failure, NYHA class III.
Long-acting morphine for chronic pain for several years.
""",
        """
No significant heart or lung disease; lungs clear, normal ejection fraction on a prior echo.
[No|Denies] chronic opioid use; no neuromuscular disease [or|and no] heart failure.
Otherwise healthy [adult|patient] without lung or heart disease.
Not on opioids or sedatives; no pulmonary history.
No comorbidity that would interfere with home testing.
Cardiac and pulmonary review of systems negative; no neuromuscular disorder.
""",
        """
Some shortness of breath on exertion, [not yet evaluated|work-up pending].
Possible history of "heart trouble", details unknown.
Takes "pain pills" occasionally per patient; unclear which.
Mild lung disease reported by the patient; no spirometry available.
""",
    ),
    "other_disorder": bank(
        """
Excessive daytime sleepiness with episodes of cataplexy: narcolepsy suspected.
Bed partner describes dream enactment during sleep; REM sleep behavior disorder suspected.
Frequent rhythmic leg jerks during sleep reported by [partner|spouse]; periodic limb movement disorder suspected.
Daytime sleep attacks and sleep paralysis; evaluation for narcolepsy planned.
Recurrent sleepwalking with injury; parasomnia work-up indicated.
Hypnagogic hallucinations and cataplexy triggered by [laughter|surprise].
""",
        """
No features of narcolepsy, parasomnia or limb movement disorder.
Symptoms limited to [snoring|snoring and fatigue]; no other sleep disorder suspected.
Denies cataplexy, sleep paralysis and abnormal movements in sleep.
No parasomnias reported by the [bed partner|spouse].
Differential is obstructive sleep apnea only.
No history suggesting a sleep disorder other than apnea.
""",
        """
Occasionally feels "weak" when laughing? Unclear.
Partner mentions some movement at night, not described further.
Daytime sleepiness; other causes [not explored|not yet considered].
""",
    ),
    "bmi": bank(
        """
BMI {bmi_high}.
[Weight|Current weight] {weight} lb, BMI {bmi_high}.
BMI {bmi_mid} with {comorbidity}.
Class III obesity, BMI {bmi_high} today.
BMI {bmi_mid}; comorbid {comorbidity}.
Body mass index [measured at|recorded as] {bmi_high} in clinic.
BMI {bmi_mid}, complicated by {comorbidity}.
Severe obesity, BMI {bmi_high}, with {comorbidity}.
""",
        """
BMI {bmi_low}.
BMI {bmi_mid}; [no diabetes, hypertension or sleep apnea|no obesity-related comorbidities].
Weight {weight_low} lb, BMI {bmi_low}; no obesity-related comorbidities.
BMI {bmi_low} today, [down from last year|stable].
BMI {bmi_mid}, otherwise healthy with normal blood pressure and glucose.
BMI {bmi_low}: class I obesity, no comorbid conditions.
""",
        """
BMI not [recorded|measured] at this visit.
Patient reports weight "around 250"; height not measured.
BMI "mid to high 30s" per referral letter; comorbidities not listed.
[Scale unavailable|Weight not taken] today.
""",
    ),
    "supervised_program": bank(
        """
[Completed|Finished] a {program_months}-month medically supervised weight management program with monthly visits.
Participated in the hospital's supervised weight-loss program for {program_months} consecutive months.
Dietitian-supervised program for {program_months} months; [attendance logs on file|visit notes attached].
Has been in a physician-supervised diet program for {program_months} consecutive months.
Monthly visits with the weight management clinic for the past {program_months} months, weights documented each visit.
Finished {program_months} months of supervised nutrition counseling and exercise prescription.
[Medically supervised|Physician-supervised] weight loss: {program_months} consecutive months [documented|completed], lost [12|18|25] lb.
Enrolled in [a medical weight management program|the clinic's supervised program] for {program_months} consecutive months, no gaps.
""",
        """
Has not participated in a supervised weight-loss program.
Attended only {program_short} months of the supervised program before dropping out.
Tried diet apps on their own; no medically supervised program.
[Declined|Refused] referral to the medical weight management program.
No documented supervised diet history.
Self-directed dieting only.
Supervised program [started last month|began {program_short} months ago]; six months not yet completed.
[Never enrolled in|Did not attend] a medically supervised program; commercial diet plans only.
""",
        """
Has "tried every diet"; unclear whether any were supervised.
Attended some nutrition visits; number and dates not documented.
Weight program participation reported by the patient; records pending.
Was enrolled in a program at some point; completion unknown.
[Possibly|May have] worked with a dietitian [in the past|before moving here]; no documentation.
""",
    ),
    "psych_eval": bank(
        """
Preoperative psychological evaluation completed in {month_name}: cleared for surgery.
Psychology consult: no contraindication to bariatric surgery.
Behavioral health assessment done; the patient is an appropriate surgical candidate.
Psychological evaluation on file, cleared without restrictions.
Completed pre-surgical psychological assessment; approved to proceed.
Psychologist's report reviewed: no barriers to surgery identified.
[Pre-surgical|Preoperative] psychology clearance [received|on file] ({month_name}).
Psychological screening [complete|completed]: [cleared|no concerns] for weight-loss surgery.
""",
        """
Psychological evaluation not yet done.
Psychologist recommended deferring surgery until eating behaviors are addressed.
Has not been seen by psychology.
No preoperative psychological assessment on file.
Missed two psychology appointments; evaluation not completed.
Psychologist did not clear the patient for surgery at this time.
[Declined|Refused] the required psychological evaluation.
Psychology evaluation [found contraindications|advised against surgery] for now.
""",
        """
Psychological evaluation scheduled.
Patient states they "talked to someone" about the surgery.
Psychology referral placed, status unknown.
[Psych|Psychology] visit [pending|to be arranged].
""",
    ),
}
"""Criterion key -> polarity -> sentence templates, for MP-101 to MP-104."""
