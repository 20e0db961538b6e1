"""Review reasons said once, in words, and grouped the same way by the demo and the desk."""

from __future__ import annotations

import pytest

from interlock.review.reasons import in_words, review_reason


@pytest.mark.parametrize(
    ("reason", "key"),
    [
        ("proposal: 42 CFR Part 2 claim passed rules 1-8: a person decides", "part2"),
        ("proposal: high-value claim: total billed 15204.62 exceeds 10,000.00", "high_value"),
        ("confidence: confidence 0.846 below the approve threshold 0.90", "low_confidence"),
        (
            "familiarity: unfamiliar input: score 4.127 above the familiar threshold 2.482 (alpha 0.01); the text is unlike the history the model learnt from; confidence: confidence 0.712 below the approve threshold 0.90",
            "unfamiliar",
        ),
        ("proposal: rule 9: the notes do not settle medical necessity for MP-102", "unsettled"),
        ("proposal: record cannot be decided as it stands: no member", "integrity"),
        ("proposal: medical necessity not assessed: no model configured", "no_model"),
        ("citations: policy MP-101: quote from note:N1 is too short to verify; confidence: ...", "citations"),
        ("write_boundary: outcome deny not allowed", "other"),
    ],
)
def test_each_engine_reason_maps_to_its_cause(reason: str, key: str) -> None:
    """The engine's reason texts fall into the causes the demo and the desk show."""
    assert review_reason(reason).key == key


def test_low_confidence_reads_as_a_percentage_once() -> None:
    """ "confidence: confidence 0.846 ..." reads as one sentence with the certainty and the bar."""
    words = in_words("confidence: confidence 0.846 below the approve threshold 0.90")
    assert words == "Low confidence: the model was 84.6% sure of approving; 90% is needed to finalize"
    assert words.lower().count("confidence") == 1


def test_unfamiliar_input_reads_with_its_score_and_threshold() -> None:
    """An unfamiliar-input hold says by how much the text lies outside the familiar region."""
    words = in_words(
        "familiarity: unfamiliar input: score 4.127 above the familiar threshold 2.482 (alpha 0.01); the text is unlike the history the model learnt from"
    )
    assert words == (
        "Unfamiliar input: the text scored 4.13 against a familiar threshold of 2.48; "
        "it is unlike the history the model learnt from"
    )


def test_high_value_shows_the_amount_with_separators() -> None:
    """A high-value reason shows the billed total as money, with thousands separators."""
    words = in_words(
        "proposal: high-value claim: total billed 28194.21 exceeds 10,000.00 (rules suggest deny 50)"
    )
    assert words.startswith("High value: billed 28,194.21")


def test_the_filter_type_names_every_cause() -> None:
    """The API's reason filter accepts exactly the causes the demo and the desk group by."""
    from typing import get_args

    from interlock.review.reasons import REASONS, ReasonKey

    assert get_args(ReasonKey) == tuple(r.key for r in REASONS)
