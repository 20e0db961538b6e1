"""Reading a policy's numbered criteria, combining findings, and the relevance scorer."""

from __future__ import annotations

import pytest

from interlock.domains.claims.criteria import (
    clause_about,
    clauses,
    combine,
    denies_what_is_required_absent,
    evidence_clauses,
    heading,
    is_relevant,
    naming_services,
    policy_criteria,
    required,
    says_something,
)
from interlock.domains.claims.seeding.policies import POLICY_BY_ID
from interlock.domains.claims.testing.handmade import KNEE_POLICY


def test_criteria_and_combination_are_read_from_the_policy_text() -> None:
    """Parenthesised and line-numbered items, with the combining sentence before or after them."""
    spine = policy_criteria(POLICY_BY_ID["MP-101"].body)
    assert (spine.combine, spine.numbers) == ("any", (1, 2))
    assert spine.criteria[1].text.startswith("A red-flag finding")
    assert "Documentation" not in spine.criteria[1].text  # the paragraph after the list is not a criterion
    knee = policy_criteria(KNEE_POLICY)
    assert (knee.combine, knee.numbers) == ("all", (1, 2))
    listed = policy_criteria("1. Therapy for 12 weeks.\n2. Imaging.\nAny one suffices.")
    assert (listed.combine, [c.text for c in listed.criteria]) == (
        "any",
        ["Therapy for 12 weeks.", "Imaging."],
    )
    assert policy_criteria("Criteria: (1) a (2) b").combine == "unknown"
    whole = policy_criteria("Necessary when the surgeon says so.")
    assert (whole.combine, whole.numbers) == ("all", (1,))


@pytest.mark.parametrize(
    ("sentence", "how"),
    [
        (
            "The plan pays only if the chart establishes every one of the three requirements that follow.",
            "all",
        ),
        ("Coverage needs each one of these findings.", "all"),
        ("Covered when the records show any one of these conditions.", "any"),
        ("Covered when at least one of the following is documented.", "any"),
        ("All of the following are required, or at least one of them with a referral.", "unknown"),
    ],
)
def test_the_combining_sentence_is_read_as_a_phrase(sentence: str, how: str) -> None:
    """ "every one of" is all of them; a sentence that says both ways is read strictly."""
    body = f"Header line: All products\n{sentence}\n(1) Pain for 6 weeks. (2) Imaging shows a tear."
    assert policy_criteria(body).combine == how


def test_the_sentence_after_the_last_criterion_is_not_part_of_it() -> None:
    """What happens when a criterion is missing is the policy's text, not the last criterion's."""
    body = (
        "Paid only if the chart establishes every one of the requirements that follow. "
        "(1) A planned resection of at least 500 grams. (2) Intertrigo that keeps coming back. "
        "When even one requirement is missing from the chart, the plan declines reduction mammaplasty."
    )
    read = policy_criteria(body)
    assert read.combine == "all"
    assert [c.text for c in read.criteria] == [
        "A planned resection of at least 500 grams.",
        "Intertrigo that keeps coming back.",
    ]


@pytest.mark.parametrize(
    ("how", "findings", "status"),
    [
        ("all", ["met", "met"], "met"),
        ("all", ["met", "not_documented"], "unclear"),
        ("all", ["not_met", "not_documented"], "not_met"),
        ("any", ["met", "not_documented"], "met"),
        ("any", ["not_met", "not_documented"], "unclear"),
        ("any", ["not_met", "not_met"], "not_met"),
        ("unknown", ["met", "not_documented"], "unclear"),
        ("unknown", ["not_met", "met"], "unclear"),
        ("unknown", ["met", "met"], "met"),
        ("all", [], "unclear"),
    ],
)
def test_combination(how: str, findings: list[str], status: str) -> None:
    """A criterion the notes do not document leaves the policy open unless the combination decides without it."""
    assert combine(how, findings) == status  # type: ignore[arg-type]


def test_required_criteria() -> None:
    """A met 'any' policy rests on its met criteria; a met 'all' policy on every one."""
    pairs = [(1, "met"), (2, "not_documented")]
    assert required("any", pairs, "met") == (1,)  # type: ignore[arg-type]
    assert required("all", [(1, "met"), (2, "met")], "met") == (1, 2)  # type: ignore[arg-type]
    assert required("all", [(1, "met"), (2, "not_met")], "not_met") == (2,)  # type: ignore[arg-type]
    assert required("any", pairs, "unclear") == ()  # type: ignore[arg-type]


SPINE = policy_criteria(POLICY_BY_ID["MP-101"].body)


@pytest.mark.parametrize(
    ("number", "passage", "relevant"),
    [
        (1, "Completed 8 weeks of PT and daily naproxen without relief.", True),
        (1, "Has not tried physical therapy or anti-inflammatory medication.", True),
        (2, "New urinary retention and saddle anesthesia since yesterday.", True),
        (2, "Completed 8 weeks of PT and daily naproxen without relief.", False),
        (1, "Follow-up visit for low back pain. Options discussed.", False),  # preamble words only
        (1, "Discussed options: physical therapy, anti-inflammatories or an MRI.", False),  # options
        (1, "Pt here for lumbar spine f/u today.", False),  # pt is the patient, not physical therapy
        (2, "? progressive weakness, exam limited", False),  # doubt
    ],
)
def test_relevance(number: int, passage: str, relevant: bool) -> None:
    """Evidence uses the criterion's own words and states something; topics, plans and doubts do not count."""
    assert is_relevant(SPINE, number, passage) is relevant


OXIMETRY = policy_criteria(
    "Home oxygen. All of the following criteria must be met:\n"
    "(1) an oxygen desaturation index (ODI) of 10 or more events per hour on overnight oximetry;\n"
    "(2) breathlessness or fatigue attributable to nocturnal hypoxaemia;\n"
    "(3) at least 4 weeks of pulmonary rehabilitation."
)


def test_clauses_split_at_semicolons_sentence_ends_and_lines() -> None:
    """Shorthand that joins findings with semicolons is read a clause at a time; a "?" prefix is no break."""
    assert clauses("Rehab 6 wks; ODI 14. Tired daily\n- naps") == (
        "Rehab 6 wks",
        "ODI 14.",
        "Tired daily",
        "- naps",
    )
    assert clauses("? mild fatigue, unclear") == ("? mild fatigue, unclear",)


@pytest.mark.parametrize(
    ("number", "passage", "expected"),
    [
        # A shared unit says nothing about what lasted: "a week" is not rehabilitation.
        (3, "Tired most days of the week and naps twice a week.", ()),
        (2, "Breathless walking to the car for 6 weeks.", ("Breathless walking to the car for 6 weeks.",)),
        # A value only one criterion measures makes a clause about that criterion.
        (3, "Attended 9 weeks of classes.", ("Attended 9 weeks of classes.",)),
        # Each clause of a joined note goes to its own criterion.
        (1, "Declined pulmonary rehabilitation; oximetry ODI 14", ("oximetry ODI 14",)),
        (3, "Declined pulmonary rehabilitation; oximetry ODI 14", ("Declined pulmonary rehabilitation",)),
        # A clause stating a measured value belongs to the measure's criterion, not to one sharing a word.
        (2, "Overnight oximetry ODI 14 events/hour.", ()),
        # Short clauses count when they state the measured value or a negation.
        (1, "ODI 4.", ("ODI 4.",)),
        (2, "No fatigue; sleeps well", ("No fatigue",)),
        # Headings, plans and missing records are not evidence.
        (1, "Overnight oximetry summary:", ()),
        (1, "Oximetry to be repeated next month", ()),
    ],
)
def test_evidence_clauses(number: int, passage: str, expected: tuple[str, ...]) -> None:
    """The clauses of a passage that document something about one criterion."""
    assert evidence_clauses(OXIMETRY, number, passage) == expected
    assert says_something(OXIMETRY.criteria[0].text, "ODI 4.")
    assert not says_something(OXIMETRY.criteria[1].text, "Seen for fatigue.")


SLEEP_POLICY = (
    "A CPAP device is medically necessary when all of the following criteria are met:\n"
    "(1) an apnea-hypopnea index (AHI) of 15 or more events per hour on a sleep study; and\n"
    "(2) daytime sleepiness, witnessed apneas or insomnia attributable to sleep-disordered breathing."
)


@pytest.mark.parametrize(
    ("clause", "about"),
    [
        # One word shared with (1), two with (2): it belongs to (2) only.
        ("Partner reports witnessed apneas nightly.", (2,)),
        # A value only (1) measures: (1), although "sleep" is a word of (2) too.
        ("Sleep study AHI 6 events/hour.", (1,)),
        # Equally about both: both keep it.
        ("Apneas noted.", (1, 2)),
        ("Knee examined.", ()),
    ],
)
def test_a_clause_belongs_to_the_criteria_it_is_most_about(clause: str, about: tuple[int, ...]) -> None:
    """A clause sharing a word with a criterion but more words with another is not evidence for the first."""
    criteria = policy_criteria(SLEEP_POLICY)
    assert tuple(n for n in criteria.numbers if clause_about(criteria, n, clause)) == about


def test_a_pipe_separates_fields_like_a_line_break() -> None:
    """One-line record exports join fields with pipes; each field is read as its own clause."""
    export = "PROGRESS NOTE (export) | Order: facet injection | Pain score 3/10. | Signed electronically"
    assert clauses(export) == (
        "PROGRESS NOTE (export)",
        "Order: facet injection",
        "Pain score 3/10.",
        "Signed electronically",
    )


def test_non_operative_care_is_conservative_care() -> None:
    """A criterion asking for non-operative (non-surgical) care is about the therapies that are that care."""
    body = (
        "Covered when all of the following are met:\n"
        "(1) radiographic evidence of advanced hip arthritis;\n"
        "(2) at least twelve weeks of non-operative care."
    )
    criteria = policy_criteria(body)
    never = "Never tried physical therapy or bracing."
    assert evidence_clauses(criteria, 2, never) == (never,)
    assert evidence_clauses(policy_criteria(body.replace("non-operative", "nonsurgical")), 2, never) == (
        never,
    )


def test_a_heading_documents_nothing() -> None:
    """A note's title shares words with a criterion ("medicine") but states no finding."""
    criteria = policy_criteria(
        "Covered when all of the following are documented. (1) 15 or more headache days a month. "
        "(2) An oral preventive medicine taken for eight weeks or more without enough benefit."
    )
    note = "HOSPITAL MEDICINE PROGRESS NOTE\nPreventive medicine review:\nTopiramate tried for 10 weeks without benefit."
    assert evidence_clauses(criteria, 2, note) == ("Topiramate tried for 10 weeks without benefit.",)


@pytest.mark.parametrize("drug", ["topiramate", "sertraline", "propranolol", "amitriptyline", "escitalopram"])
def test_a_generic_drug_name_is_a_medicine(drug: str) -> None:
    """ "an oral preventive medicine" is documented by the drug's name, whichever drug it is."""
    criteria = policy_criteria(
        "Covered when all of the following are documented. (1) Near-daily migraine for three months. "
        "(2) An oral preventive medicine taken for eight weeks or more without enough benefit."
    )
    assert clause_about(criteria, 2, f"Failed {drug}.")
    assert not clause_about(criteria, 2, "Trial of sleep hygiene advice, no change.")


def test_the_name_of_the_service_is_evidence_for_no_criterion() -> None:
    """ "Topic: Cataract removal, one eye" shares "eye" with an acuity criterion and says nothing of it."""
    body = (
        "Paid only if every one of the requirements that follow is charted. "
        "(1) Slit-lamp examination shows a dense cataract. (2) Best-corrected acuity in the operative eye "
        "is 20/50 or worse."
    )
    topic = "Topic: Cataract removal with intraocular lens, one eye"
    plain = policy_criteria(body)
    named = naming_services(plain, ["Cataract removal with intraocular lens, one eye"])
    assert evidence_clauses(plain, 2, topic) == (topic,)
    assert evidence_clauses(named, 2, topic) == ()
    assert evidence_clauses(named, 2, "BCVA 20/60 in the operative eye.") == (
        "BCVA 20/60 in the operative eye.",
    )
    assert naming_services(plain, []) is plain


def test_short_plurals_and_pain_scales_are_read() -> None:
    """ "No arm pain" is about "symptoms in the arms"; "NRS 7" is a pain score of 7."""
    criteria = policy_criteria(
        "Covered when all of the following are documented. (1) No radicular symptoms in the arms. "
        "(2) Pain of at least 6 on a 10-point scale."
    )
    assert clause_about(criteria, 1, "No arm pain, numbness or tingling.")
    assert evidence_clauses(criteria, 2, "NRS 7.") == ("NRS 7.",)


def test_what_the_review_found_stays_fixed() -> None:
    """A closing "if any ... absent" means all; "e.g." ends no sentence; loud findings are findings; medicines are no drug use."""
    closing = (
        "Lumbar MRI criteria:\n(1) Pain for 6 weeks; (2) failed physical therapy; (3) a deficit on exam. "
        "If any listed condition is absent, the service is not covered."
    )
    assert policy_criteria(closing).combine == "all"
    example = policy_criteria(
        "All of the following. (1) Pain. (2) A trial of medication, e.g. NSAIDs, for at least 4 weeks."
    )
    assert example.criteria[1].text.endswith("for at least 4 weeks.")
    assert not heading("PAIN 3/10 TODAY") and not heading("NO RELIEF WITH PT")
    assert heading("HOSPITAL MEDICINE PROGRESS NOTE")
    bariatric = policy_criteria(
        "All of the following. (1) A BMI of 40 or more. (2) No active drug or alcohol abuse in the past year."
    )
    assert not clause_about(bariatric, 2, "Current meds: metformin 500 mg twice daily.")
    lenses = policy_criteria("All of the following. (1) Contact lenses not tolerated. (2) Pain.")
    assert clause_about(lenses, 1, "Cannot tolerate a contact lens.")


def test_a_spaced_double_slash_separates_clauses() -> None:
    """ "BMI 45.0 // psych evaluation done" is two findings; "http://" and "n/12" are not cut."""
    assert clauses("BMI 45.0 // Psych evaluation done, see http://ehr/7 // Wt clinic x 3/12") == (
        "BMI 45.0",
        "Psych evaluation done, see http://ehr/7",
        "Wt clinic x 3/12",
    )


def test_within_normal_limits_is_about_no_limit() -> None:
    """ "Vitals within normal limits" says nothing about symptoms that limit daily activities."""
    body = (
        "Covered when all of the following are documented:\n"
        "(1) reflux of 500 milliseconds or longer on duplex ultrasound;\n"
        "(2) symptoms that limit daily activities."
    )
    criteria = policy_criteria(body)
    assert evidence_clauses(criteria, 2, "O: NAD, vitals within normal limits.") == ()
    assert evidence_clauses(criteria, 2, "Aching legs limit her daily walks.") == (
        "Aching legs limit her daily walks.",
    )


def test_a_plural_is_about_what_its_singular_is_about() -> None:
    """ "no low-trauma fractures" is about "a prior fragility fracture": inflections meet at one stem."""
    body = (
        "Covered when at least one of the following is documented:\n"
        "(1) glucocorticoid therapy of 5 mg a day or more for at least 12 weeks;\n"
        "(2) a prior fragility fracture from standing height or less."
    )
    criteria = policy_criteria(body)
    assert clause_about(criteria, 2, "no low-trauma fractures")
    assert clause_about(criteria, 2, "Fractured her wrist falling from standing height")


@pytest.mark.parametrize(
    ("criterion", "clause", "expected"),
    [
        (
            "A psychological evaluation that finds no contraindication to surgery.",
            "Psychology evaluation completed: no contraindication found, cleared for surgery.",
            True,
        ),
        (
            "A psychological evaluation that finds no untreated psychiatric illness or substance misuse.",
            "Pain psychologist evaluated him and found no untreated psychiatric illness.",
            True,
        ),
        # The denial is of the evaluation, not of the contraindication.
        (
            "A psychological evaluation that finds no contraindication to surgery.",
            "No evaluation for contraindications yet",
            False,
        ),
        # Two absences asked for: both must be denied.
        ("No seizure disorder and no metal implant near the head.", "No seizures ever", False),
        (
            "No seizure disorder and no metal implant near the head.",
            "No seizures; negative for metal implants",
            True,
        ),
        # "no more than" asks for no absence.
        ("At least 6 weeks of therapy with no more than 2 missed sessions.", "No therapy", False),
    ],
)
def test_a_denial_of_what_must_be_absent_is_what_the_criterion_asks(
    criterion: str, clause: str, expected: bool
) -> None:
    """ "no contraindication found" meets "an evaluation that finds no contraindication"."""
    assert denies_what_is_required_absent(criterion, clause) is expected


def test_well_ties_nothing_and_common_abbreviations_tie_what_they_stand_for() -> None:
    """ "PE: well-appearing" is about no "well-documented" criterion; IUI and girth are what they abbreviate."""
    body = (
        "Covered when all of the following are documented:\n"
        "(1) persistent, well-documented infertility of at least 12 months;\n"
        "(2) no pregnancy after at least 12 weeks of ovulation induction or intrauterine insemination;\n"
        "(3) a circumference difference of 2.0 cm or more between the affected and unaffected limb."
    )
    criteria = policy_criteria(body)
    assert not clause_about(criteria, 1, "PE: Well-appearing, cooperative with the examination.")
    assert clause_about(criteria, 2, "Completed 4 months of gonadotropin IUI with little benefit.")
    assert clause_about(criteria, 3, "Girth difference at the calf is 9.0 cm.")


def test_a_title_or_an_abbreviation_ends_no_clause() -> None:
    """ "Heart team (CT surgeon Dr. Okafor) recommends ..." is one clause; "reflux 1280 ms." ends one."""
    text = "Heart team (CT surgeon Dr. Okafor) recommends TAVR. Reflux 1280 ms. Aching calves. Tried NSAIDs, e.g. naproxen."
    assert clauses(text) == (
        "Heart team (CT surgeon Dr. Okafor) recommends TAVR.",
        "Reflux 1280 ms.",
        "Aching calves.",
        "Tried NSAIDs, e.g. naproxen.",
    )


def test_a_value_belongs_to_the_measure_its_own_words_name() -> None:
    """Two spans, two criteria: "trying to conceive for 29 months" is the infertility one, not the induction one.

    A word of the policy's title names every measure alike: "migraine" under a migraine
    policy decides nothing.
    """
    ivf = policy_criteria(
        "Covered when all of the following are documented:\n"
        "(1) infertility of at least 12 months (inability to conceive);\n"
        "(2) no pregnancy after at least 12 weeks of ovulation induction or intrauterine insemination."
    )
    assert clause_about(ivf, 1, "Trying to conceive for 29 months with no pregnancy.")
    assert not clause_about(ivf, 2, "Trying to conceive for 29 months with no pregnancy.")
    assert clause_about(ivf, 2, "Was on gonadotropin IUI for just 7 weeks, then stopped.")
    migraine = policy_criteria(
        "Botulinum toxin for chronic migraine is covered when all of the following are documented:\n"
        "(1) 15 or more headache days in a month;\n"
        "(2) a pattern of near-daily migraine present for at least three months."
    )
    assert clause_about(migraine, 1, "Chronic migraine: averages 20 headache days a month.")
    assert not clause_about(migraine, 2, "Chronic migraine: averages 20 headache days a month.")
