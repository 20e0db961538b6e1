"""The familiar region: the split-conformal rule, its coverage on exchangeable texts, the artifact.

Synthetic texts come from a seeded generator (words drawn from a Zipf-like vocabulary,
lengths from a fixed range), so a fresh draw is exchangeable with the history the
region was fitted and calibrated on; a draw from another vocabulary is not.
"""

from __future__ import annotations

import json
import math
import random

import pytest

from interlock.exceptions import ConfigurationError
from interlock.models.conformal import conformal_rank, conformal_threshold, guaranteed_coverage
from interlock.models.familiarity import (
    FamiliarityArtifact,
    FamiliarityModel,
    FitOptions,
    fit_familiarity,
    words,
)

VOCABULARY = [f"w{i}" for i in range(400)]
FOREIGN = [f"zz{i}" for i in range(400)]


def texts(
    rng: random.Random, count: int, *, vocabulary: list[str] = VOCABULARY, lo: int = 8, hi: int = 40
) -> list[str]:
    """``count`` texts of ``lo``..``hi`` words drawn with Zipf-like weights from ``vocabulary``."""
    weights = [1.0 / (rank + 1) for rank in range(len(vocabulary))]
    return [" ".join(rng.choices(vocabulary, weights, k=rng.randint(lo, hi))) for _ in range(count)]


@pytest.mark.parametrize(
    ("n", "alpha", "rank"),
    [(9, 0.1, 9), (19, 0.05, 19), (99, 0.01, 99), (100, 0.1, 91), (18, 0.05, 19), (268, 0.01, 267)],
)
def test_the_threshold_rank_is_ceil_of_n_plus_one_times_one_minus_alpha(
    n: int, alpha: float, rank: int
) -> None:
    """The rank is ceil((n + 1)(1 - alpha)), exactly, including where floating point lands on an integer."""
    assert conformal_rank(n, alpha) == rank
    scores = [float(i) for i in range(1, n + 1)]
    threshold = conformal_threshold(scores, alpha)
    assert threshold == (None if rank > n else float(rank))
    assert guaranteed_coverage(n, alpha) == (rank / (n + 1) if rank <= n else n / (n + 1))
    if rank <= n:
        assert guaranteed_coverage(n, alpha) >= 1 - alpha


def test_a_calibration_set_too_small_for_alpha_takes_its_largest_score_never_infinity() -> None:
    """With fewer calibration texts than alpha needs, the threshold is the largest score: stricter, and said so."""
    artifact, report = fit_familiarity(texts(random.Random(1), 120), alpha=0.001)
    n = len(artifact.calibration)
    assert conformal_threshold(artifact.calibration, 0.001) is None  # the formula's threshold is infinite
    region = FamiliarityModel(artifact).at(0.001)
    assert region.capped and region.threshold == max(artifact.calibration)
    assert region.guaranteed == pytest.approx(n / (n + 1))
    assert report.capped and report.as_dict()["threshold_capped"] is True
    assert not region.judge(" ".join(FOREIGN[:30])).familiar
    roomy = FamiliarityModel(artifact).at(0.1)
    assert not roomy.capped and roomy.threshold == conformal_threshold(artifact.calibration, 0.1)


@pytest.mark.parametrize("alpha", [0.1, 0.05])
def test_coverage_on_exchangeable_texts_is_within_the_binomial_margin(alpha: float) -> None:
    """Over several fits, fresh texts drawn like the history are familiar at a rate 1 - alpha, within 4 sd.

    Given a calibration set of n, coverage is Beta(k, n + 1 - k) with mean k / (n + 1) (in
    [1 - alpha, 1 - alpha + 1/(n + 1)]); m fresh texts add binomial noise. The mean over
    the repetitions must lie within four standard deviations of that band.
    """
    repetitions, history, fresh = 5, 1000, 1500
    achieved, calibration_sizes = [], []
    for seed in range(repetitions):
        rng = random.Random(1000 + seed)
        artifact, report = fit_familiarity(texts(rng, history), alpha=alpha, options=FitOptions(seed=seed))
        region = FamiliarityModel(artifact).at(alpha)
        new = texts(rng, fresh)
        achieved.append(sum(region.judge(t).familiar for t in new) / fresh)
        calibration_sizes.append(report.calibration)
        assert report.achieved is not None and report.guaranteed >= 1 - alpha
    n = min(calibration_sizes)
    sd = math.sqrt(alpha * (1 - alpha) * (1 / n + 1 / fresh) / repetitions)
    mean = sum(achieved) / repetitions
    print(f"\nalpha {alpha}: achieved {[round(a, 4) for a in achieved]}, mean {mean:.4f}, sd {sd:.4f}, n {n}")
    assert 1 - alpha - 4 * sd <= mean <= 1 - alpha + 1 / (n + 1) + 4 * sd


def test_texts_from_another_vocabulary_or_of_another_length_are_unfamiliar() -> None:
    """Unseen words, and lengths far outside the history's, score above the threshold."""
    rng = random.Random(7)
    artifact, _report = fit_familiarity(texts(rng, 600), alpha=0.05)
    region = FamiliarityModel(artifact).at(0.05)
    foreign = texts(rng, 100, vocabulary=FOREIGN)
    # Every other word replaced by one the history never used.
    half = [
        " ".join(w if i % 2 else rng.choice(FOREIGN) for i, w in enumerate(t.split()))
        for t in texts(rng, 100)
    ]
    longer = texts(rng, 100, lo=400, hi=600)
    assert all(not region.judge(t).familiar for t in foreign)
    assert all(not region.judge(t).familiar for t in half)
    assert all(not region.judge(t).familiar for t in longer)
    judged = region.judge(foreign[0])
    assert judged.score > judged.threshold and judged.alpha == 0.05


def test_an_empty_text_is_as_familiar_as_empty_texts_were_in_the_history() -> None:
    """A history with texts that say nothing keeps an empty text familiar; a history without them does not."""
    rng = random.Random(3)
    with_empty = texts(rng, 400) + [""] * 40
    rng.shuffle(with_empty)
    region = FamiliarityModel(fit_familiarity(with_empty, alpha=0.05)[0]).at(0.05)
    assert region.judge("").familiar
    never_empty = FamiliarityModel(fit_familiarity(texts(rng, 400, lo=20), alpha=0.05)[0]).at(0.05)
    assert not never_empty.judge("").familiar


def test_the_artifact_round_trips_and_reproduces_its_calibration_scores() -> None:
    """JSON out and back gives the same region: same id, same scores, and the calibration scores recur."""
    history = texts(random.Random(11), 300)
    artifact, report = fit_familiarity(history, alpha=0.05)
    loaded = FamiliarityArtifact.from_json(artifact.to_json())
    assert loaded == artifact
    before, after = FamiliarityModel(artifact), FamiliarityModel(loaded)
    assert after.model_id == before.model_id
    scores = [round(after.score(t), 8) for t in history]
    assert scores == [round(before.score(t), 8) for t in history]
    remaining = list(scores)
    for calibrated in loaded.calibration:  # each calibration score is the score of one history text
        remaining.remove(calibrated)
    assert len(loaded.calibration) == report.calibration
    assert loaded.report["threshold"] == pytest.approx(report.threshold)
    body = json.loads(artifact.to_json())
    assert "w0" in body["vocabulary"] and all(" " not in t or len(t.split()) == 2 for t in body["vocabulary"])


def test_the_vocabulary_keeps_no_word_of_only_one_reference_text() -> None:
    """A word one record alone uses (a name, an identifier) is never stored in the artifact."""
    history = texts(random.Random(5), 200)
    history[0] += " zebulonqx"
    history[1] += " rarissimo rarissimo"
    artifact, _report = fit_familiarity(history, alpha=0.1)
    stored = artifact.to_json()
    assert "zebulonqx" not in stored and "rarissimo" not in stored


def _mutated(body: dict[str, object], path: tuple[str, ...], value: object) -> str:
    copy = json.loads(json.dumps(body))
    target = copy
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return json.dumps(copy)


@pytest.fixture(scope="module")
def artifact_body() -> dict[str, object]:
    artifact, _ = fit_familiarity(texts(random.Random(2), 200), alpha=0.1)
    body: dict[str, object] = json.loads(artifact.to_json())
    return body


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("format",), "interlock.baseline"),
        (("format_version",), 2),
        (("idf",), [1.0]),
        (("calibration",), [2.0, 1.0]),
        (("calibration",), []),
        (("references", "indices"), [10**9]),
        (("references", "indptr"), [0, 5, 3]),
        (("scales", "distance"), [1.0, 0.5, 0.9]),
        (("k",), 0),
        (("k",), True),
        (("unseen_idf",), "high"),
        (("vocabulary",), KeyError),
    ],
)
def test_a_malformed_artifact_is_refused_in_one_line(
    artifact_body: dict[str, object], path: tuple[str, ...], value: object
) -> None:
    """Every malformation found on load is a ConfigurationError of one line, never a region."""
    with pytest.raises(ConfigurationError) as refused:
        FamiliarityArtifact.from_json(_mutated(artifact_body, path, value))
    assert str(refused.value).startswith("the familiarity artifact is malformed") and "\n" not in str(
        refused.value
    )


@pytest.mark.parametrize("text", ["not json", "[]", '{"calibration": [NaN]}', "null"])
def test_text_that_is_no_artifact_is_refused(text: str) -> None:
    """Non-JSON, a JSON array, NaN and null are refused like any malformation."""
    with pytest.raises(ConfigurationError):
        FamiliarityArtifact.from_json(text)


def test_too_little_history_is_refused() -> None:
    """A region needs enough history to fit, calibrate and test on."""
    with pytest.raises(ConfigurationError, match="too few"):
        fit_familiarity(texts(random.Random(0), 10), alpha=0.1)


def test_words_are_normalised_runs_of_letters_and_digits() -> None:
    """Case, compatibility forms and punctuation do not make a word new."""
    assert words("Knee MRI: ＭＲＩ, 6/52 — knee!") == ["knee", "mri", "mri", "6", "52", "knee"]
