"""Criterion banks of the ongoing-care policies: physical therapy, glucose monitoring, tests.

Each criterion of MP-105 to MP-108 (continued therapy, continuous glucose monitoring,
vitamin D testing, hereditary cancer testing) gets sentences documenting it as met,
not met, or vaguely; ``notes`` draws from them by polarity.
"""

from __future__ import annotations

from interlock.domains.claims.seeding.templates import Bank, bank

CARE_BANKS: dict[str, Bank] = {
    "pt_progress": bank(
        """
Knee flexion improved from {rom_a} to {rom_b} degrees since the last plan of care.
Lower Extremity Functional Scale up from {lefs_a} to {lefs_b}.
Gait speed improved from 0.6 to [0.9|1.0] m/s; now walking without an assistive device.
Objective gains: shoulder abduction {rom_a} to {rom_b} degrees, grip strength up [6|8] kg.
Timed Up and Go decreased from 18 to [12|11] seconds.
Measurable functional improvement: able to climb 12 stairs (was 4).
Oswestry disability index improved from 48% to [30|28]%.
Hip abductor strength up to 4+/5 from 3/5; walking tolerance 20 minutes (was 5).
[Re-evaluation|Progress note] shows [measurable|objective] gains: LEFS {lefs_a} to {lefs_b}, range of motion {rom_a} to {rom_b} degrees.
""",
        """
No measurable change in range of motion or strength over the last {visits} visits.
Functional scores unchanged since the prior plan of care.
Progress has plateaued: LEFS {lefs_a} at the start and {lefs_a} now.
Patient reports feeling better, but objective measures are unchanged.
Regressed: gait speed has declined since the last re-evaluation.
No objective improvement documented over the past month.
[Re-evaluation|Reassessment] shows no [measurable|objective] functional gain since the previous plan of care.
""",
        """
Doing "a bit better" per patient.
Progress noted.
Some gains; measurements not repeated this period.
Feels stronger; formal testing deferred.
[Slow|Some] progress [per patient|reported]; no measurements today.
""",
    ),
    "pt_plan": bank(
        """
Updated plan of care signed by the treating {therapist} on {month_name} {day}: goals include independent stair climbing in 4 weeks.
Recertified plan of care with measurable goals (walk 500 ft without a device by week 6), signed by the treating therapist.
New plan of care: [twice|three times] weekly for 6 weeks, goals listed with target dates and signed.
Plan of care updated and signed, with specific time-limited goals.
Signed recertification on file with functional goals and target dates.
[Revised|Updated] plan of care [signed|co-signed] {month_name} {day}; goals: [return to work duties|community ambulation] within [4|6|8] weeks.
""",
        """
Plan of care has not been updated since the initial evaluation.
No signed updated plan of care; goals not revised.
Plan of care expired last month and was not renewed.
Continue as before; no new goals set.
Plan of care unsigned.
[No|No updated] plan of care on file for the continued visits.
""",
        """
Plan of care to be updated.
Goals discussed verbally with the patient.
Recertification in progress.
[Draft|Unfinished] plan of care [in the chart|started], signature status unknown.
""",
    ),
    "insulin_or_hypo": bank(
        """
Type 2 diabetes on basal-bolus insulin, {injections} injections daily.
Uses an insulin pump; type 1 diabetes since [childhood|adolescence].
On multiple daily injections of insulin glargine and lispro.
Two episodes of level 3 hypoglycemia needing assistance in the past year.
Insulin-treated diabetes (NPH twice daily plus mealtime aspart).
Recurrent level 2 hypoglycemia (below 54 mg/dL) despite medication changes.
Type 1 diabetes managed with multiple daily injections.
[Takes|Uses] insulin [degludec and aspart|glargine and lispro] with meals, {injections} shots a day.
""",
        """
Diabetes controlled on metformin alone; no insulin.
Not on insulin; diet-controlled type 2 diabetes.
No history of hypoglycemia; on oral agents only.
Takes metformin and a GLP-1 agonist; has never used insulin.
Prediabetes, no medications.
No insulin use and no hypoglycemic events.
[Oral agents only|Metformin and an SGLT2 inhibitor]; [denies|no] low blood sugar episodes, never on insulin.
""",
        """
May start insulin in the future.
Had a "low sugar" once, details unclear.
Diabetes medications: see outside list (not attached).
[Possibly|Maybe] on insulin at night? [Medication list incomplete|Patient unsure].
""",
    ),
    "recent_visit": bank(
        """
Seen today in person to review glucose logs and adjust therapy.
Telehealth visit with endocrinology {visit_weeks} weeks ago to evaluate glycemic control.
In-person visit this month; A1c {a1c}%, regimen reviewed.
Follow-up with the treating practitioner two months ago reviewed control and recommended a monitor.
Evaluated face to face today for diabetes management.
[Video|Telehealth|In-person] diabetes visit {visit_weeks} weeks ago: control reviewed, monitor ordered.
""",
        """
Last diabetes visit was over a year ago.
Has not seen the ordering provider in the past 12 months; order placed from a refill request.
Order generated without a recent evaluation by the treating practitioner.
Last seen by the treating practitioner {months_long} months ago.
[No|No documented] diabetes visit in the last [9|12|18] months.
""",
        """
Recent contact with the clinic, kind of contact unclear.
Seen "a few months ago" per patient.
Visit date not documented.
[Some|A] follow-up [occurred|took place] recently, [details not in chart|date unknown].
""",
    ),
    "device_training": bank(
        """
Trained on sensor insertion and the reader app; demonstrated correctly.
Diabetes educator completed device training; teach-back successful.
Caregiver ([daughter|son|spouse]) trained and will help with sensor changes.
Able to insert the sensor and read glucose trends independently.
Completed monitor education session; comfortable with the alarms.
[Demonstrated|Showed] correct sensor application and [alarm setup|data review] after training.
""",
        """
Unable to operate the device because of severe visual impairment; no caregiver available.
Declined device training.
Has not received any training on the device.
Could not apply the sensor after two training sessions; no caregiver support.
[Cannot|Is unable to] use the reader [because of tremor|because of cognitive impairment]; no caregiver available.
""",
        """
Training to be scheduled.
Familiar with "gadgets" per patient.
Possibly trained by the supplier; not documented.
[Training|Education] [planned|pending].
""",
    ),
    "ckd": bank(
        """
Chronic kidney disease stage {ckd_stage} (eGFR {egfr_low}).
Stage 3b chronic kidney disease followed by nephrology.
eGFR {egfr_low} on two measurements three months apart.
Stage 4 chronic kidney disease on a renal diet.
End-stage renal disease on [hemodialysis|peritoneal dialysis].
[CKD|Chronic kidney disease] stage {ckd_stage}, [followed by nephrology|on an ACE inhibitor]; latest eGFR {egfr_low}.
""",
        """
Kidney function normal (eGFR {egfr_ok}).
No history of kidney disease.
Creatinine normal; eGFR above 90.
Renal function within normal limits.
[Kidney|Renal] panel [normal|unremarkable]; no chronic kidney disease.
""",
        """
Kidney function "a little off" per patient.
eGFR pending.
Possible mild kidney disease, not staged.
[Borderline|Slightly low] eGFR once, not repeated.
""",
    ),
    "malabsorption": bank(
        """
Celiac disease confirmed by biopsy.
Crohn's disease with a prior ileal resection.
History of Roux-en-Y gastric bypass.
Ulcerative colitis with chronic diarrhea.
Pancreatic insufficiency on enzyme replacement.
Short bowel syndrome after resection.
[Biopsy-proven|Established] [celiac disease|Crohn's disease] on treatment.
""",
        """
No gastrointestinal or malabsorptive disease.
No history of celiac disease, inflammatory bowel disease or bariatric surgery.
Gastrointestinal history unremarkable.
Denies chronic diarrhea; no prior bowel surgery.
[No|Negative for] malabsorption, inflammatory bowel disease or prior GI surgery.
""",
        """
Occasional stomach upset[| after meals].
"Sensitive stomach" per patient, never worked up.
Possible gluten intolerance, never tested.
""",
    ),
    "bone_or_meds": bank(
        """
Osteoporosis on DXA (T-score {tscore}).
On long-term prednisone {pred} mg daily.
Chronic phenytoin therapy for seizures.
Fragility fracture of the wrist; osteoporosis confirmed.
On chronic glucocorticoids for rheumatoid arthritis.
Long-term carbamazepine for epilepsy.
[DXA|Bone density scan] confirms osteoporosis (T-score {tscore}).
""",
        """
DXA normal (T-score {tscore_ok}).
Not on glucocorticoids or anticonvulsants; no osteoporosis.
No bone disease and no medications affecting vitamin D.
Bone density normal for age.
[No|Negative for] osteoporosis; [no steroid or anticonvulsant use|no relevant medications].
""",
        """
Possible osteopenia; scan not available.
Takes "a steroid" [occasionally|now and then].
Bone density test overdue.
""",
    ),
    "family_history": bank(
        """
Personal history of breast cancer diagnosed at age {age_young}.
Sister carries a known BRCA2 pathogenic variant.
Mother diagnosed with ovarian cancer at {age_any}.
Father had male breast cancer.
Maternal aunt diagnosed with breast cancer at age {age_young}.
Personal history of high-grade serous ovarian cancer.
Brother found to carry a BRCA1 pathogenic variant.
[Sister|Daughter|Mother] with breast cancer diagnosed at {age_young}.
""",
        """
No personal or family history of breast, ovarian, pancreatic or prostate cancer.
Family history limited to a grandmother with breast cancer at 78.
Requests testing for reassurance; no relevant personal or family history.
No relatives with cancer and no personal cancer history.
Only family history is colon cancer in a great-uncle at 80.
[No|Negative] personal or family history of breast or ovarian cancer [per detailed pedigree|on review].
""",
        """
Family history incomplete; the patient was adopted.
Some relatives had "cancer", [types unknown|details unknown].
Possible breast cancer in an aunt, age unknown.
""",
    ),
    "counseling": bank(
        """
Pre-test genetic counseling completed with a certified genetic counselor on {month_name} {day}.
Seen in the genetics clinic for counseling before testing.
Genetic counselor reviewed risks, benefits and possible results; consent signed.
Pre-test counseling visit documented.
[Met with|Was counseled by] a [certified genetic counselor|clinical geneticist] before the sample was sent.
""",
        """
No genetic counseling before the test was ordered.
Test ordered at the annual visit without counseling.
Declined genetic counseling.
Has not seen a genetic counselor.
[Sample sent|Test sent] without [pre-test counseling|any genetics consultation].
""",
        """
Counseling planned.
Genetics discussed briefly.
May see a counselor later.
[Counseling|Genetics referral] [requested|pending].
""",
    ),
    "management": bank(
        """
The result will determine eligibility for risk-reducing mastectomy.
The result will guide the decision on PARP inhibitor therapy.
A positive result would change screening to annual breast MRI starting now.
Testing will direct surveillance and surgical planning.
[Result|Findings] will decide [risk-reducing salpingo-oophorectomy|enhanced screening] for this patient.
""",
        """
The result would not change management; the patient wants to know out of curiosity.
All treatment is complete; the result will not alter care.
Testing requested out of interest in ancestry only.
Management will be the same whatever the result.
[No|No planned] change in care [depends on|would follow from] the result.
""",
        """
[May be useful|Might be helpful].
Patient interested in testing.
Could inform future decisions.
""",
    ),
}
"""Criterion key -> polarity -> sentence templates."""
"""Criterion key -> polarity -> sentence templates, for MP-105 to MP-108."""
