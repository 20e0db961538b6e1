"""Numeric thresholds read from a criterion, values read from a passage, and how they compare."""

from __future__ import annotations

import math

import pytest

from interlock.domains.claims.quantities import needs_value, reading, thresholds, values

DURATION = "shoulder stiffness that has lasted at least 8 weeks despite home stretching"
INDEX = "an oxygen desaturation index (ODI) of 10 or more events per hour on overnight oximetry"
SCALE = "disability rated 6 or higher on a 0-10 scale"
DISJUNCTIVE = "a waist circumference of 100 or more, or of 90 or more with a metabolic comorbidity"
ABSENCE = "no alcohol use for at least 3 months before transplant listing"
WITHIN = "a specialist review within the 4 months before the request"
STAGE = "heart failure of class 3 or higher"


@pytest.mark.parametrize(
    ("criterion", "expected"),
    [
        (DURATION, [(">=", 8.0, "time")]),
        ("no fewer than 12 supervised sessions", [(">=", 12.0, None)]),
        ("a reading greater than 200 mg/dL", [(">", 200.0, "mg/dl")]),
        ("symptoms of 3 months or longer", [(">=", 3.0, "time")]),
        ("an HbA1c of 8% or higher", [(">=", 8.0, "%")]),
        (INDEX, [(">=", 10.0, "/hour")]),
        (SCALE, [(">=", 6.0, "/10")]),
        (WITHIN, [("<=", 4.0, "time")]),
        (STAGE, [(">=", 3.0, "class")]),
        ("imaging shows a mass", []),
    ],
)
def test_thresholds_are_read_from_the_criterion_text(
    criterion: str, expected: list[tuple[str, float, str | None]]
) -> None:
    """Comparator phrases before or after the number, with units after it or a rank word before it."""
    found = [(t.comparator, t.number, t.unit.key if t.unit else None) for t in thresholds(criterion)]
    assert found == expected


def test_an_abbreviation_the_criterion_defines_names_its_measure() -> None:
    """ "(ODI)" makes "ODI 14" a value of the index even without a unit."""
    (threshold,) = thresholds(INDEX)
    assert "odi" in threshold.names
    assert reading(INDEX, "Overnight oximetry: ODI 14.") == "satisfies"
    assert reading(INDEX, "ODI 6 per hour on the home recording.") == "fails"


def test_an_elliptical_threshold_keeps_the_measure_before_it() -> None:
    """ "or of 90 or more" is the waist again: 95 is neither clearly in nor out, 80 is out."""
    assert [t.number for t in thresholds(DISJUNCTIVE)] == [100.0, 90.0]
    assert reading(DISJUNCTIVE, "Waist circumference 104.") == "satisfies"
    assert reading(DISJUNCTIVE, "Waist circumference 95.") == "unsure"
    assert reading(DISJUNCTIVE, "Waist circumference 80.") == "fails"


@pytest.mark.parametrize(
    ("passage", "low", "high"),
    [
        ("Stiff for nine weeks.", 9.0, 9.0),
        ("Stretching for 4-6 wks with no gain.", 4.0, 6.0),
        ("Stopped drinking over a year ago.", 1.0, math.inf),
        ("Symptoms for less than 2 weeks.", 0.0, 2.0),
        ("A ten-week course of stretching.", 10.0, 10.0),
    ],
)
def test_values_are_intervals(passage: str, low: float, high: float) -> None:
    """Ranges, number words, hyphenated units and open bounds ("over", "less than")."""
    (value,) = values(passage)
    assert (value.low, value.high) == (low, high)


@pytest.mark.parametrize(
    "passage",
    [
        "Stretches twice a week.",
        "Stretches three times a week.",
        "Recheck in 6 weeks.",
        "A 58-year-old carpenter.",
        "Strength 4/5 in the deltoid; BP 130/85.",
        "Home program begun; eight weeks not yet completed.",
        "Stiff for a few weeks.",
    ],
)
def test_what_is_not_a_span_that_passed_is_not_read(passage: str) -> None:
    """Frequencies, times to come, ages, unknown ratios, spans not reached and vague amounts."""
    assert reading(DURATION, passage) == "absent"


def test_weeks_months_and_years_compare_as_clinicians_count_them() -> None:
    """A year is 52 weeks and 12 months: "26 weeks" is six months and "52 weeks" a year.

    As days, 182 is short of six calendar months and 364 of a year, which sent every
    such claim to a person for a difference nobody who wrote it meant.
    """
    six_months = "at least 6 months of a supervised program"
    assert reading(six_months, "Program for 7 months.") == "satisfies"
    assert reading(six_months, "Program for 6 months.") == "satisfies"
    assert reading(six_months, "Program for 26 weeks.") == "satisfies"
    assert reading(six_months, "Program for 25 weeks.") == "fails"
    assert reading(six_months, "Program for 20 weeks.") == "fails"
    assert reading("symptoms for at least 1 year", "symptoms for 52 weeks") == "satisfies"
    assert reading("symptoms for at least 1 year", "symptoms for 51 weeks") == "fails"
    assert reading(DURATION, "Stiff since 2 months.") == "satisfies"
    assert reading(DURATION, "Stiff for 1 month.") == "fails"


def test_days_against_months_stay_intervals_of_days() -> None:
    """A month is 28 to 31 days: "30 days" against "a month" is for a person to weigh."""
    assert reading("pain for at least 1 month", "pain for 30 days") == "unsure"
    assert reading("pain for at least 1 month", "pain for 35 days") == "satisfies"
    assert reading("pain for at least 1 month", "pain for 20 days") == "fails"


def test_readings_of_a_passage() -> None:
    """Satisfies, fails, conflict (two values on both sides), absent, none (no threshold)."""
    assert reading(SCALE, "Rates disability 7 out of 10.") == "satisfies"
    assert reading(SCALE, "Disability 3/10.") == "fails"
    assert reading(SCALE, "Disability 8/10 on Monday; disability 2/10 today.") == "conflict"
    assert reading(SCALE, "Disability interferes with work.") == "absent"
    assert reading("imaging shows a mass", "Mass of 3 cm.") == "none"
    assert reading(WITHIN, "Specialist review 6 weeks ago.") == "satisfies"
    assert reading(WITHIN, "Last specialist review 9 months ago.") == "fails"
    assert reading(STAGE, "Class 4 heart failure.") == "satisfies"
    assert reading(STAGE, "Ejection fraction 60.") == "absent"  # a stage is only ever a stage


def test_which_criteria_need_a_stated_amount() -> None:
    """A lower bound on something present does; an absence, an upper bound or a rank does not."""
    assert needs_value(DURATION) and needs_value(INDEX) and needs_value(SCALE)
    assert not needs_value(ABSENCE)
    assert not needs_value(WITHIN)
    assert not needs_value(STAGE)
    assert not needs_value("imaging shows a mass")


def test_minutes_and_hours_do_not_measure_weeks_of_care() -> None:
    """ "Limits walking to 10 minutes" says nothing about "12 weeks of care"; days do."""
    criterion = "At least twelve weeks of non-operative care."
    assert reading(criterion, "Hip pain limits walking to 10 minutes.") == "absent"
    assert reading(criterion, "Apnea episodes lasting 20 seconds.") == "absent"
    assert reading(criterion, "Non-operative care for 10 days.") == "fails"
    assert reading(criterion, "Non-operative care for 2 years.") == "satisfies"
    assert reading("Desaturation for at least 5 minutes.", "Desaturation for 12 minutes.") == "satisfies"


def test_milliseconds_and_seconds_are_units_of_time() -> None:
    """Venous reflux is measured in milliseconds; "reflux time 320 ms" names the measure, it is no frequency."""
    criterion = "Reflux of 500 milliseconds or longer in the treated vein on duplex ultrasound."
    assert reading(criterion, "Duplex: great saphenous reflux 2080 ms.") == "satisfies"
    assert reading(criterion, "GSV reflux time 320 milliseconds.") == "fails"
    assert reading(criterion, "Reflux 0.8 seconds.") == "satisfies"
    assert reading(criterion, "Compression stockings for 12 weeks.") == "absent"


@pytest.mark.parametrize(
    ("criterion", "passage", "expected"),
    [
        ("A depressive episode scoring 15 or more on the PHQ-9.", "PHQ-9 at intake: 21.", "satisfies"),
        ("A depressive episode scoring 15 or more on the PHQ-9.", "PHQ-9 of 12 today", "fails"),
        ("An arterial oxygen tension (PaO2) of 55 mmHg or less.", "Room air PaO2 74 mmHg.", "fails"),
        ("An arterial oxygen tension (PaO2) of 55 mmHg or less.", "PaO2 50 mmHg", "satisfies"),
        (
            "A planned resection of at least 500 grams from each breast.",
            "Expects to remove 330 grams",
            "fails",
        ),
        (
            "A planned resection of at least 500 grams from each breast.",
            "Resection 620 g per side",
            "satisfies",
        ),
        ("A preventive medicine taken for eight weeks or more.", "amitriptyline for 22/52", "satisfies"),
        ("A preventive medicine taken for eight weeks or more.", "amitriptyline for 5/52", "fails"),
    ],
)
def test_named_instruments_written_units_and_week_shorthand(
    criterion: str, passage: str, expected: str
) -> None:
    """The 9 of "PHQ-9" is no score, grams are grams however spelt, and "22/52" is 22 weeks."""
    assert reading(criterion, passage) == expected


def test_a_total_is_not_an_upper_bound() -> None:
    """ "adds up to 21 out of 27" is a score of 21; "up to 8 headache days" bounds from above."""
    criterion = "A depressive episode scoring 15 or more on the PHQ-9."
    assert reading(criterion, "Questionnaire (PHQ-9) adds up to 21 out of 27.") == "satisfies"
    assert reading(criterion, "PHQ-9 up to 21 on some days") == "unsure"


EXERTION = "A fall in saturation to 88% or lower on exertion that supplemental oxygen corrects."


@pytest.mark.parametrize(
    ("passage", "expected"),
    [
        ("Walked the full six minutes without going under 92%.", "fails"),
        ("Sats never below 90% on the stairs.", "fails"),
        ("Did not fall below 91% walking.", "fails"),
        ("Dropped under 85% walking.", "satisfies"),
        ("On the walk test saturation dropped to 84% and came back to 92% on 2 L.", "satisfies"),
    ],
)
def test_a_negated_bound_and_a_recovery_are_read_as_said(passage: str, expected: str) -> None:
    """ "without going under 92%" stayed at 92 or above; "came back to 92%" is the correction, not the fall."""
    assert reading(EXERTION, passage) == expected


def test_month_shorthand_measures_a_span_only_against_a_span() -> None:
    """ "3/12" is three months against a duration, and no measure of anything else."""
    care = "Twelve weeks or more of non-surgical care that has not relieved the pain."
    assert reading(care, "Completed 3/12 of a fitted support bra, no better.") == "satisfies"
    assert reading(care, "Completed 1/12 of physio, no better.") == "fails"
    assert reading("Pain rated 5 or higher on a 0-10 scale.", "Vision 6/12 in the left eye.") == "absent"


@pytest.mark.parametrize(
    ("passage", "expected"),
    [
        ("BCVA only 20/60 even with a fresh refraction.", "satisfies"),
        ("Vision 20/30 with correction.", "fails"),
        ("Acuity 6/18 in the right eye.", "satisfies"),
        ("Acuity 6/9 in the right eye.", "fails"),
    ],
)
def test_snellen_fractions_compare_by_their_denominator(passage: str, expected: str) -> None:
    """ "20/50 or worse" is met by 20/60 and by its metric twin 6/18, not by 20/30 or 6/9."""
    assert reading("Best-corrected acuity in the operative eye is 20/50 or worse.", passage) == expected


@pytest.mark.parametrize(
    ("criterion", "passage", "expected"),
    [
        # A date is no span, and 6/12 vision is no six months.
        ("Conservative therapy for at least 6 weeks.", "PT started 3/12 per ortho", "absent"),
        ("Conservative therapy for at least 6 weeks.", "Seen 6/12/2024 for PT", "absent"),
        ("Conservative therapy for at least 6 weeks.", "OD 6/12, OS 6/9", "absent"),
        # "NRS-2/10" is a score of 2, not an instrument named NRS-2 scoring 10.
        ("Pain of 7/10 or greater.", "NRS-2/10 at rest", "fails"),
        # Best-corrected acuity is the corrected value: it is read, not skipped.
        ("BCVA of 20/50 or worse.", "VA 20/200 uncorrected, corrected to 20/40", "conflict"),
        # "never dropped below 88%" is 88 or more: on the boundary of "88% or less".
        ("An oxygen saturation of 88% or less on exertion.", "SpO2 never dropped below 88%", "unsure"),
        ("An oxygen saturation of 88% or less on exertion.", "sats didn't fall below 90%", "fails"),
        # A distance walked is no saturation.
        ("An oxygen saturation of 88% or less on exertion.", "Walked 200 feet with walker", "absent"),
        # "or worse" has a direction only for a Snellen denominator.
        ("A left ventricular ejection fraction of 35% or worse.", "EF 60%", "none"),
    ],
)
def test_readings_that_must_not_settle_a_criterion(criterion: str, passage: str, expected: str) -> None:
    """Dates, instrument-like values, corrected acuity, negated falls and units that are not the measure."""
    assert reading(criterion, passage) == expected


def test_a_measured_upper_bound_needs_a_value() -> None:
    """ "88% or less" is documented only by a percentage; "within 6 months" by a date."""
    assert needs_value("An oxygen saturation of 88% or less on exertion.")
    assert not needs_value("A specialist visit within 6 months.")


@pytest.mark.parametrize(
    ("passage", "expected"),
    [
        # "a month" after a count is "per month": 12 days a month is 12, not 12 and a month.
        ("Averages 12 headache days a month.", "fails"),
        ("Averages 18 headache days a month.", "satisfies"),
        ("Diary shows 16 headache days in the last month.", "satisfies"),
    ],
)
def test_an_article_after_a_count_is_a_rate(passage: str, expected: str) -> None:
    """ "12 headache days a month" counts days per month; it does not also state a month."""
    assert reading("15 or more headache days in a month.", passage) == expected


def test_an_article_span_is_still_a_span() -> None:
    """ "over a month" and "a month ago" keep their month: only a count before the article makes a rate."""
    care = "Pain for at least 6 weeks."
    assert reading(care, "Pain for over a month.") == "unsure"
    assert reading(care, "Pain for 2 weeks a month ago.") == "fails"
    assert reading(care, "3 flares a month for 10 weeks.") == "satisfies"


@pytest.mark.parametrize(
    ("passage", "expected"),
    [
        ("Reports near-daily migraine going back 4/12.", "satisfies"),
        ("Reports near-daily migraine going back 2/12.", "fails"),
        ("Reports near-daily migraine going back 26/52.", "satisfies"),
    ],
)
def test_going_back_introduces_a_month_shorthand_span(passage: str, expected: str) -> None:
    """ "going back 4/12" is four months, as "for 4/12" is."""
    assert reading("A pattern of near-daily migraine present for at least three months.", passage) == expected


@pytest.mark.parametrize(
    ("criterion", "passage", "expected"),
    [
        # A unit written onto its number, and "x" for "for" written onto it too.
        ("Pain present for at least 26 weeks.", "Neuropathic pain x10mo now.", "satisfies"),
        ("Pain present for at least 26 weeks.", "pain, present continuously x40wk", "satisfies"),
        ("Pain present for at least 26 weeks.", "pain x5wks", "fails"),
        ("Pain present for at least 26 weeks.", "pain x 3/12", "fails"),
        # "x3" with no unit of time is three times, not a span.
        ("Pain present for at least 26 weeks.", "PT x3 sessions", "absent"),
        # "3D" is no three days.
        ("Pain present for at least 26 weeks.", "3D imaging of the spine", "absent"),
        # Number words past twelve, and compounds.
        ("Relief after at least 12 weeks of therapy.", "thirteen weeks of therapy", "satisfies"),
        ("Pain present for at least 26 weeks.", "pain for twenty-six weeks", "satisfies"),
        ("Pain present for at least 26 weeks.", "pain for twenty five weeks", "fails"),
    ],
)
def test_glued_units_shorthand_and_number_words(criterion: str, passage: str, expected: str) -> None:
    """ "x10mo", "40wk", "thirteen" and "twenty-six" are read; "x3" and "3D" are no spans."""
    assert reading(criterion, passage) == expected


def test_one_of_a_list_is_no_threshold() -> None:
    """ "at least one of gabapentin, pregabalin..." counts options: 7 weeks fails "at least 8 weeks"."""
    criterion = (
        "Inadequate relief after at least 8 weeks of at least one of gabapentin, pregabalin, "
        "duloxetine or a supervised physical therapy program."
    )
    assert reading(criterion, "Completed 7wk of splinting") == "fails"
    assert reading(criterion, "Completed 9 weeks of gabapentin") == "satisfies"


@pytest.mark.parametrize(
    ("passage", "expected"),
    [
        # How far back a statement looks is no time since an event.
        ("No hypoglycemia in the past 12 mo", "absent"),
        ("No severe episodes over the last year", "absent"),
        # The time since an event is.
        ("One severe episode needing glucagon 3 months ago", "satisfies"),
        ("Last severe episode 17 months ago", "fails"),
    ],
)
def test_a_look_back_span_is_not_a_time_since(passage: str, expected: str) -> None:
    """ "in the past 12 mo" says how far the record reaches; "3 months ago" is when something happened."""
    criterion = "At least one episode of severe hypoglycemia needing assistance within the past 12 months."
    assert reading(criterion, passage) == expected


def test_a_look_back_span_still_measures_a_duration() -> None:
    """ "over the past 8 weeks" against "at least 6 weeks" is how long the therapy lasted."""
    assert (
        reading("Physical therapy for at least 6 weeks.", "PT twice weekly over the past 8 weeks")
        == "satisfies"
    )
    assert reading("Physical therapy for at least 6 weeks.", "PT for the past 3 weeks") == "fails"


@pytest.mark.parametrize(
    ("passage", "expected"),
    [
        ("Amitriptyline x eleven (11) weeks, no meaningful improvement.", "satisfies"),
        ("Completed seven (7) weeks of topiramate", "fails"),
        ("Preventive treatment for 106 (106) days", "satisfies"),
        # A bracket that says something else is no restatement.
        ("Topiramate for six (see letter) weeks", "absent"),
    ],
)
def test_a_number_restated_in_brackets_is_one_number(passage: str, expected: str) -> None:
    """Letters write "eleven (11) weeks"; the bracket repeats the number and the unit follows it."""
    assert (
        reading("Headaches continuing after at least 8 weeks of a preventive medication", passage) == expected
    )


@pytest.mark.parametrize(
    ("passage", "expected"),
    [
        ("brace on 21 h daily, off only for bathing", "satisfies"),
        ("Wear prescription 20 hrs/day", "satisfies"),
        ("agreed to full-time bracing, 18 hours every day", "satisfies"),
        ("night-time bracing only, 12 hours a day", "fails"),
        # Weeks are no daily amount of hours, nor is a visit's length or hours not counted per day.
        ("braced for 12 weeks", "absent"),
        ("Assessment time: 40 min.", "absent"),
        ("brace fitted, worn 22 hours so far", "absent"),
    ],
)
def test_hours_a_day_are_compared_as_hours(passage: str, expected: str) -> None:
    """ "18 hours a day or more" is a threshold in hours; "a day" says how the hours are counted."""
    criterion = (
        "A prescribed brace wearing schedule of 18 hours a day or more that the family agreed to follow"
    )
    assert needs_value(criterion)
    assert reading(criterion, passage) == expected


def test_days_written_onto_a_span_after_x_or_for() -> None:
    """ "rental x 39d" is 39 days; "3D imaging" stays no span."""
    criterion = "A rental trial of a TENS unit lasting 30 days or more"
    assert reading(criterion, "tens rental x 39d w/ good use") == "satisfies"
    assert reading(criterion, "rental for 21d") == "fails"
    assert reading(criterion, "3D imaging of the spine") == "absent"


def test_a_restatement_in_brackets_before_the_comparator() -> None:
    """ "six months (26 weeks) or longer" is a threshold of six months; without it "has limb pain" would do."""
    criterion = "Neuropathic limb pain for six months (26 weeks) or longer."
    assert needs_value(criterion)
    assert reading(criterion, "Neuropathic limb pain ongoing for 9 mo.") == "satisfies"
    assert reading(criterion, "pain for 20 weeks") == "fails"
    assert reading(criterion, "Has neuropathic limb pain") == "absent"


def test_a_count_after_a_colon_is_named_further_back() -> None:
    """ "Throat infections documented over the past year: 7." counts throat infections."""
    criterion = "Seven or more documented episodes of throat infection in the past year."
    assert reading(criterion, "Throat infections documented over the past year: 7.") == "satisfies"
    assert reading(criterion, "Throat infections documented over the past year: 2.") == "fails"
    assert reading(criterion, "Visits over the past year: 7.") == "absent"
