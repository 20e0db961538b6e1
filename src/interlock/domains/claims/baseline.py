"""The embedded default model: a calibrated linear classifier over the notes.

Interlock must work before anyone configures a hosted model, and a hosted model's
confidence is a number nobody calibrated. The baseline answers the same
:class:`~interlock.models.base.NecessityRequest` with a multinomial logistic
regression trained on the system of record's own adjudicated history, so its
confidence is a measured probability on held-out claims and every answer can be
explained by the note sentences that moved it.

Features. Each note is cut into sentence-like segments (kept as exact character
spans, so a citation is a verbatim substring). Segment text is NFKC-normalised,
case-folded and tokenised; the few tokens after a negation cue ("no", "not", "never",
"denies", "hasn't"...) are marked ``NEG_`` up to a window or a clause break, because
"tried physical therapy" and "never tried physical therapy" must not look alike.
Word 1-3 grams are emitted twice: shared (``g|``) and prefixed with the policy id
(``p|<policy>|``), the "frustratingly easy" domain adaptation trick that lets one model
learn both cross-policy and policy-specific evidence; and note words that occur in the
policy's own criteria are emitted as ``c|`` features so an unseen policy still has
something to go on. Counts are sublinear tf-idf, L2-normalised.

Calibration. History is split (stratified, seeded) into train, calibration and
evaluation parts; a temperature is fitted on the calibration part and accuracy, ECE
and a reliability table are measured on the untouched evaluation part.

Storage. :class:`BaselineArtifact` is plain JSON: vocabulary, idf, coefficients,
intercepts and temperature. No pickle anywhere, because artifacts live in a database
and unpickling what a database returns is running code from it. Inference is a few
numpy operations over those arrays and reproduces scikit-learn's training-time
probabilities to rounding error; scikit-learn is imported only to train.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from functools import lru_cache, partial
from typing import Any, TypeVar, cast

import numpy as np
import numpy.typing as npt

from interlock.domains.claims import quantities
from interlock.domains.claims.answer import (
    NECESSITY_STATUSES,
    Citation,
    CriterionFinding,
    NecessityAssessment,
    NecessityStatus,
    PolicyAssessment,
)
from interlock.domains.claims.criteria import (
    ABBREVIATIONS,
    ALL,
    ANY,
    MIN_QUOTE_CHARS,
    RELEVANCE_THRESHOLD,
    Combine,
    Criterion,
    PolicyCriteria,
    clause_about,
    combine,
    denies_what_is_required_absent,
    evidence_clauses,
    policy_criteria,
    relevance,
)
from interlock.domains.claims.criteria import Finding as CriterionStatus
from interlock.domains.claims.lexicon import Lexicon
from interlock.domains.claims.lexicon import learn as learn_lexicon
from interlock.domains.claims.question import NecessityRequest, PolicyText
from interlock.domains.claims.training import TrainingExample
from interlock.exceptions import ConfigurationError, ModelOutputInvalid
from interlock.models.base import ModelAnswer, ModelQuestion, Usage

FEATURE_VERSION = "5"
PROMPT_TEMPLATE = f"baseline.features@{FEATURE_VERSION}"
ARTIFACT_FORMAT = "interlock.baseline"
ARTIFACT_FORMAT_VERSION = 1
ECE_BINS = 15
MAX_CITATIONS = 3
#: The least probability at which a hedged clause's reading disputes a criterion's finding:
#: below it the classifier says too little either way.
DISPUTE_PROBABILITY = 0.6

FloatArray = npt.NDArray[np.float64]
_A = TypeVar("_A", bound=ModelAnswer)

_NEG = "NEG_"
_CUE_WORDS = """
    no not never without denies denied deny declined declines refused refuses none neither
    nor cannot lacks lacking absent
"""
_NEGATION_CUES = frozenset(_CUE_WORDS.split())
_SCOPE_BREAKS = frozenset({"but", "however", "although", "though", "except", "yet", "whereas"})
_CLAUSE_PUNCT = frozenset({",", ";", ":", "(", ")"})
_STOP_WORDS = """
    about after also and any been before being both does each either following from have
    into least less more must only other over such than that their there these this those
    under when where which while will with within would a an the of to in on at for or is
    was were be by as it he she his her
"""
_STOPWORDS = frozenset(_STOP_WORDS.split())
_TOKEN_RE = re.compile(r"[^\W_]+(?:'[^\W_]+)*|[,;:()]")
#: Sentence ends, line breaks, and pipes (the field separator of one-line record exports).
#: Not the full stop of a title or an abbreviation ("Dr. Okafor", "e.g. naproxen").
_BREAK_RE = re.compile(
    r"(?<![.!?])" + "".join(rf"(?<!\b{a})" for a in ABBREVIATIONS) + r"[.!?]++(?=\s)|[\r\n\u2028\u2029|]+"
)
_MAX_TOKEN_CHARS = 40
#: "w/o" is shorthand for "without", a negation cue.
_WITHOUT = re.compile(r"\bw/o\b")
_MAX_SEGMENT_CHARS = 400
#: What separates clauses within a segment: a semicolon, or " // " spaced on both sides.
_CLAUSE_SEPARATOR = re.compile(r";|(?<=\s)//(?=\s)")
_MAX_POLICY_CHARS = 100_000


# ---------------------------------------------------------------------------- features


@dataclass(frozen=True, slots=True, kw_only=True)
class FeatureSettings:
    """How text becomes features; stored in the artifact so inference matches training."""

    negation_window: int = 4
    max_note_chars: int = 20_000
    max_claim_chars: int = 200_000


@dataclass(frozen=True, slots=True, kw_only=True)
class Segment:
    """A sentence-like piece of one note: its exact span and its marked n-grams."""

    note: int
    start: int
    end: int
    tokens: tuple[str, ...]
    grams: tuple[str, ...]
    #: The segment's exact text, for the numbers in it (:func:`measured_features`).
    text: str = ""


def _normal_tokens(text: str) -> list[str]:
    """Case-folded NFKC tokens and clause punctuation, each token capped in length."""
    folded = _WITHOUT.sub("without", unicodedata.normalize("NFKC", text.replace("\u2019", "'")).casefold())
    return [t[:_MAX_TOKEN_CHARS] for t in _TOKEN_RE.findall(folded)]


def _is_cue(token: str) -> bool:
    """True for a negation cue, including contractions such as "hasn't"."""
    return token in _NEGATION_CUES or token.endswith("n't")


def mark_negation(raw: Sequence[str], window: int) -> tuple[str, ...]:
    """Prefix the ``window`` words after a negation cue with ``NEG_``.

    Scope ends early at clause punctuation or a contrast word ("no fever, but cough"
    negates only "fever"); punctuation itself is dropped from the output.
    """
    out: list[str] = []
    remaining = 0
    for token in raw:
        if token in _CLAUSE_PUNCT:
            remaining = 0
        elif token in _SCOPE_BREAKS:
            remaining = 0
            out.append(token)
        elif _is_cue(token):
            out.append(token)
            remaining = window
        elif remaining > 0:
            out.append(_NEG + token)
            remaining -= 1
        else:
            out.append(token)
    return tuple(out)


def _ngrams(tokens: Sequence[str]) -> tuple[str, ...]:
    """Word 1, 2 and 3 grams of one segment (never across segments)."""
    n = len(tokens)
    grams: list[str] = list(tokens)
    grams.extend(f"{tokens[i]} {tokens[i + 1]}" for i in range(n - 1))
    grams.extend(f"{tokens[i]} {tokens[i + 1]} {tokens[i + 2]}" for i in range(n - 2))
    return tuple(grams)


def _trimmed_spans(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """Sub-spans of ``text[start:end]`` trimmed of whitespace and pipes, none longer than the cap."""
    while start < end and (text[start].isspace() or text[start] == "|"):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] == "|"):
        end -= 1
    while end - start > _MAX_SEGMENT_CHARS:
        cut = text.rfind(" ", start + 1, start + _MAX_SEGMENT_CHARS)
        if cut <= start:
            cut = start + _MAX_SEGMENT_CHARS
        yield from _trimmed_spans(text, start, cut)
        start = cut
        while start < end and text[start].isspace():
            start += 1
    if end > start:
        yield start, end


def sentence_spans(text: str) -> Iterator[tuple[int, int]]:
    """Sentence-like ``(start, end)`` spans of ``text``: split at terminators and line breaks."""
    start = 0
    for match in _BREAK_RE.finditer(text):
        yield from _trimmed_spans(text, start, match.end())
        start = match.end()
    yield from _trimmed_spans(text, start, len(text))


def segment_notes(notes: Sequence[str], settings: FeatureSettings) -> tuple[tuple[Segment, ...], bool]:
    """Cut every note into segments; also say whether any text was left unread.

    Each note is read up to ``max_note_chars`` and the claim up to ``max_claim_chars``
    in total, which bounds the cost of one call whatever a provider pasted into a note.
    """
    segments: list[Segment] = []
    budget = settings.max_claim_chars
    truncated = False
    for index, body in enumerate(notes):
        limit = min(len(body), settings.max_note_chars, max(budget, 0))
        truncated = truncated or limit < len(body)
        budget -= limit
        text = body[:limit]
        for start, end in sentence_spans(text):
            tokens = mark_negation(_normal_tokens(text[start:end]), settings.negation_window)
            if tokens:
                segments.append(
                    Segment(
                        note=index,
                        start=start,
                        end=end,
                        tokens=tokens,
                        grams=_ngrams(tokens),
                        text=text[start:end],
                    )
                )
    return tuple(segments), truncated


def _clause_segments(
    request: NecessityRequest, segments: Sequence[Segment], settings: FeatureSettings
) -> list[tuple[Segment, str, str, str]]:
    """Each segment cut at its semicolons: (clause segment, its exact text, its note's item id, its sentence).

    Shorthand joins findings with semicolons; each clause is read on its own so one
    clause's reading is not credited to another criterion. Offsets stay exact, so a
    clause is a verbatim quote of its note.
    """
    out: list[tuple[Segment, str, str, str]] = []
    for segment in segments:
        note = request.notes[segment.note]
        for start, end in _semicolon_spans(note.body, segment.start, segment.end):
            text = note.body[start:end]
            tokens = mark_negation(_normal_tokens(text), settings.negation_window)
            if tokens:
                clause = Segment(
                    note=segment.note, start=start, end=end, tokens=tokens, grams=_ngrams(tokens), text=text
                )
                out.append((clause, text, note.item_id, note.body[segment.start : segment.end]))
    return out


def _strength(
    how: Combine,
    findings: Sequence[CriterionFinding],
    status: NecessityStatus,
    certainty: Mapping[int, float],
) -> float:
    """How sure the criterion evidence itself is of ``status``: its weakest necessary link.

    A status that one criterion decides (met under "any", not met under "all") is as
    sure as the surest such criterion; one that needs every criterion is as sure as the
    least sure of them. A numeric comparison is certain (1.0); a classifier's reading
    of a clause counts its probability.
    """
    if status == "unclear":
        return 0.0
    deciding = [certainty.get(f.criterion, 0.0) for f in findings if f.finding == status]
    if (status == "met" and how == ANY) or (status == "not_met" and how == ALL):
        return max(deciding, default=0.0)
    return min((certainty.get(f.criterion, 0.0) for f in findings), default=0.0)


def _sentence_key(clause: tuple[Segment, str, str, str]) -> tuple[str, str]:
    """The note and sentence a clause belongs to."""
    return clause[2], clause[3]


def _quote(clause: tuple[Segment, str, str, str]) -> str:
    """What a clause is cited as: itself, or its whole sentence when it is too short to verify."""
    _, text, _, sentence = clause
    return text if len(text) >= MIN_QUOTE_CHARS else sentence.strip()


def _stripped(found: Sequence[str]) -> set[str]:
    return {c.rstrip(".!? ") for c in found}


def _semicolon_spans(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """Whitespace-trimmed spans of ``text[start:end]`` between semicolons and `` // `` (each keeps none).

    " // " separates findings in many one-line entries ("BMI 45 // psych eval done"), as
    :data:`~interlock.domains.claims.criteria.CLAUSE_BREAK` has it.
    """
    cut = start
    for separator in [*_CLAUSE_SEPARATOR.finditer(text, start, end), None]:
        a, b = cut, end if separator is None else separator.start()
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if b > a:
            yield a, b
        if separator is not None:
            cut = separator.end()


@dataclass(frozen=True, slots=True, kw_only=True)
class PolicyLens:
    """What of a policy's text the features look through: its vocabulary and its numeric criteria."""

    policy_id: str
    #: Content words of the policy's text: the criteria's vocabulary.
    terms: frozenset[str]
    #: How the criteria combine ("all" or "any").
    combine: str
    #: (number, text) of each criterion that states a numeric threshold.
    measured: tuple[tuple[int, str], ...]


@lru_cache(maxsize=256)
def policy_lens(policy_id: str, policy_body: str) -> PolicyLens:
    """The lens for one policy, read from its text (cached: a policy is read for every claim)."""
    body = policy_body[:_MAX_POLICY_CHARS]
    structure = policy_criteria(body)
    return PolicyLens(
        policy_id=policy_id,
        terms=frozenset(
            t for t in _normal_tokens(body) if len(t) >= 4 and t not in _STOPWORDS and not t.isdigit()
        ),
        combine=structure.combine,
        measured=tuple((c.number, c.text) for c in structure.criteria if quantities.thresholds(c.text)),
    )


def measured_features(segment: Segment, lens: PolicyLens) -> list[str]:
    """Features for the values a segment states against the policy's numeric thresholds.

    Words cannot tell "AHI 6" from "AHI 60", and both kinds appear in every payer's
    history; the exact comparison (:func:`quantities.reading`) can. A segment gives
    ``q|<combine>|<reading>`` (shared by every policy) and ``p|<policy>|q|<n>|<reading>``
    for each numeric criterion it states a value for, so the classifier learns from the
    history how much a satisfied or failed threshold weighs, and its calibration covers
    it: a comparison moves the stated confidence only as far as the history shows it should.
    """
    out: list[str] = []
    for number, text in lens.measured:
        read = quantities.reading(text, segment.text)
        if read in ("satisfies", "fails", "conflict"):
            out.append(f"q|{lens.combine}|{read}")
            out.append(f"p|{lens.policy_id}|q|{number}|{read}")
    return out


def segment_features(segment: Segment, lens: PolicyLens) -> list[str]:
    """The features one segment contributes when read against one policy."""
    prefix = f"p|{lens.policy_id}|"
    features = [f"g|{g}" for g in segment.grams]
    features.extend(prefix + g for g in segment.grams)
    for token in segment.tokens:
        base = token[len(_NEG) :] if token.startswith(_NEG) else token
        if base in lens.terms:
            features.append(f"c|{token}")
    features.extend(measured_features(segment, lens))
    return features


def example_features(example: TrainingExample, settings: FeatureSettings) -> list[str]:
    """All features of one training example, exactly as inference would build them."""
    segments, _ = segment_notes(example.notes, settings)
    lens = policy_lens(example.policy_id, example.policy_body)
    features: list[str] = []
    for segment in segments:
        features.extend(segment_features(segment, lens))
    return features


# ------------------------------------------------------------------------- calibration


def softmax(logits: FloatArray) -> FloatArray:
    """Row-wise softmax, stable for large logits."""
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    out: FloatArray = exp / exp.sum(axis=-1, keepdims=True)
    return out


def _nll(probs: FloatArray, targets: npt.NDArray[np.int64]) -> float:
    """Mean negative log-likelihood; a class the model lacks (target -1) costs log(1e-12)."""
    if len(targets) == 0:
        return 0.0
    picked = np.where(targets >= 0, probs[np.arange(len(targets)), np.maximum(targets, 0)], 0.0)
    return float(-np.mean(np.log(np.clip(picked, 1e-12, 1.0))))


def fit_temperature(logits: FloatArray, targets: npt.NDArray[np.int64]) -> float:
    """The temperature that minimises held-out log loss (1.0 when there is nothing to fit)."""
    if len(targets) == 0 or not np.any(targets >= 0):
        return 1.0
    from scipy.optimize import minimize_scalar  # noqa: PLC0415 - training only

    result = minimize_scalar(
        lambda log_t: _nll(softmax(logits / math.exp(log_t)), targets),
        bounds=(math.log(0.1), math.log(10.0)),
        method="bounded",
        options={"xatol": 1e-6},
    )
    return float(math.exp(result.x))


@dataclass(frozen=True, slots=True, kw_only=True)
class ReliabilityBin:
    """One confidence bin: its range, mean confidence, accuracy and size."""

    lower: float
    upper: float
    mean_confidence: float
    accuracy: float
    count: int


def reliability_table(
    confidences: FloatArray, correct: npt.NDArray[np.bool_], *, bins: int = ECE_BINS
) -> tuple[ReliabilityBin, ...]:
    """Non-empty equal-width bins over (0, 1]; a confidence of exactly 1 goes in the top bin."""
    index = np.clip(np.ceil(confidences * bins).astype(np.int64) - 1, 0, bins - 1)
    table: list[ReliabilityBin] = []
    for b in range(bins):
        mask = index == b
        count = int(mask.sum())
        if count:
            table.append(
                ReliabilityBin(
                    lower=b / bins,
                    upper=(b + 1) / bins,
                    mean_confidence=float(confidences[mask].mean()),
                    accuracy=float(correct[mask].mean()),
                    count=count,
                )
            )
    return tuple(table)


def expected_calibration_error(
    confidences: FloatArray, correct: npt.NDArray[np.bool_], *, bins: int = ECE_BINS
) -> float:
    """Expected calibration error: the count-weighted gap between confidence and accuracy."""
    total = len(confidences)
    if total == 0:
        return 0.0
    table = reliability_table(confidences, correct, bins=bins)
    return float(sum(b.count / total * abs(b.accuracy - b.mean_confidence) for b in table))


# ---------------------------------------------------------------------------- artifact


@dataclass(frozen=True, slots=True, kw_only=True)
class HeldOutMetrics:
    """How the model did on history it never saw (the evaluation part of the split)."""

    n_train: int
    n_calibration: int
    n_evaluation: int
    class_counts: Mapping[str, int]
    evaluation_class_counts: Mapping[str, int]
    accuracy: float
    ece_before: float
    ece_after: float
    nll_before: float
    nll_after: float
    reliability: tuple[ReliabilityBin, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class TrainingInfo:
    """The knobs and data a model was trained with, for the audit trail."""

    seed: int
    c: float
    min_df: int
    max_features: int
    n_examples: int
    policy_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class BaselineArtifact:
    """Everything inference needs, as plain JSON-able values (no pickle, ever)."""

    feature_version: str
    settings: FeatureSettings
    training: TrainingInfo
    classes: tuple[NecessityStatus, ...]
    vocabulary: tuple[str, ...]
    idf: tuple[float, ...]
    coef: tuple[tuple[float, ...], ...]
    intercept: tuple[float, ...]
    temperature: float
    metrics: HeldOutMetrics
    #: The criterion vocabulary learned from the same history, in its JSON form (:mod:`.lexicon`).
    lexicon: Mapping[str, Any]

    def to_json(self) -> str:
        """Canonical JSON (sorted keys, ASCII, no NaN): equal artifacts give equal text."""
        body = asdict(self)
        body["metrics"]["class_counts"] = dict(self.metrics.class_counts)
        body["metrics"]["evaluation_class_counts"] = dict(self.metrics.evaluation_class_counts)
        body["format"] = ARTIFACT_FORMAT
        body["format_version"] = ARTIFACT_FORMAT_VERSION
        return json.dumps(body, sort_keys=True, separators=(",", ":"), allow_nan=False)

    def digest(self) -> str:
        """SHA-256 of the canonical JSON: the identity of this exact model."""
        return hashlib.sha256(self.to_json().encode("ascii")).hexdigest()

    @classmethod
    def from_json(cls, text: str) -> BaselineArtifact:
        """Parse and validate an artifact; anything malformed is a ConfigurationError."""
        try:
            raw = json.loads(text, parse_constant=_reject_constant)
            return _artifact_from_dict(raw)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ConfigurationError(f"baseline artifact is malformed: {exc}") from exc


def _reject_constant(name: str) -> float:
    """Refuse NaN and infinities, which no valid artifact contains."""
    raise ValueError(f"non-finite number {name}")


def _floats(values: Any) -> tuple[float, ...]:
    """A tuple of finite floats, or ValueError."""
    out = tuple(float(v) for v in values)
    if not all(math.isfinite(v) for v in out) or any(isinstance(v, bool) for v in values):
        raise ValueError("expected finite numbers")
    return out


def _artifact_from_dict(raw: dict[str, Any]) -> BaselineArtifact:
    """Build an artifact from parsed JSON, checking that its arrays fit together."""
    if raw["format"] != ARTIFACT_FORMAT or raw["format_version"] != ARTIFACT_FORMAT_VERSION:
        raise ValueError(f"unsupported format {raw['format']!r} v{raw['format_version']!r}")
    if raw["feature_version"] != FEATURE_VERSION:
        raise ValueError(f"features v{raw['feature_version']!r}, this code builds v{FEATURE_VERSION}")
    classes = tuple(raw["classes"])
    if len(classes) < 2 or len(set(classes)) != len(classes):
        raise ValueError("classes must be at least two distinct statuses")
    statuses: list[NecessityStatus] = []
    for name in classes:
        if name not in NECESSITY_STATUSES:
            raise ValueError(f"unknown class {name!r}")
        statuses.append(name)
    vocabulary = tuple(str(term) for term in raw["vocabulary"])
    idf = _floats(raw["idf"])
    coef = tuple(_floats(row) for row in raw["coef"])
    intercept = _floats(raw["intercept"])
    temperature = float(raw["temperature"])
    if len(idf) != len(vocabulary) or len(set(vocabulary)) != len(vocabulary):
        raise ValueError("vocabulary and idf disagree")
    if len(coef) != len(classes) or len(intercept) != len(classes):
        raise ValueError("coefficient rows do not match classes")
    if any(len(row) != len(vocabulary) for row in coef):
        raise ValueError("coefficient columns do not match vocabulary")
    if not (math.isfinite(temperature) and temperature > 0):
        raise ValueError("temperature must be positive")
    s, t, m = raw["settings"], raw["training"], raw["metrics"]
    lexicon = json.loads(Lexicon.from_dict(raw["lexicon"]).to_json())
    return BaselineArtifact(
        feature_version=FEATURE_VERSION,
        settings=FeatureSettings(**{f.name: _count(s[f.name]) for f in fields(FeatureSettings)}),
        training=TrainingInfo(**{**t, "policy_ids": tuple(t["policy_ids"])}),
        classes=tuple(statuses),
        vocabulary=vocabulary,
        idf=idf,
        coef=coef,
        intercept=intercept,
        temperature=temperature,
        metrics=HeldOutMetrics(**{**m, "reliability": tuple(ReliabilityBin(**b) for b in m["reliability"])}),
        lexicon=lexicon,
    )


def _count(value: Any) -> int:
    """A non-negative integer setting, or ValueError (inference loops on these)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"expected a non-negative integer, got {value!r}")
    return value


# ---------------------------------------------------------------------------- training


@dataclass(frozen=True, slots=True, kw_only=True)
class FittedBaseline:
    """A trained artifact together with the scikit-learn objects that produced it.

    Kept only in memory, to evaluate or to check that the JSON artifact reproduces
    what scikit-learn computed; only ``artifact`` is ever stored.
    """

    artifact: BaselineArtifact
    vectorizer: Any
    estimator: Any

    def reference_probabilities(self, examples: Sequence[TrainingExample]) -> FloatArray:
        """Calibrated class probabilities as scikit-learn computes them, one row per example."""
        matrix = self.vectorizer.transform(list(examples))
        return softmax(_sklearn_logits(self.estimator, matrix) / self.artifact.temperature)


def _sklearn_logits(estimator: Any, matrix: Any) -> FloatArray:
    """Per-class logits; a binary model's single score z becomes the pair (0, z)."""
    scores = np.asarray(estimator.decision_function(matrix), dtype=np.float64)
    if scores.ndim == 1:
        return np.stack([np.zeros_like(scores), scores], axis=1)
    return scores


def _split(
    indices: npt.NDArray[np.int64], labels: Sequence[str], test_size: float, seed: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """A seeded split, stratified by label whenever every label has enough members."""
    from sklearn.model_selection import train_test_split  # noqa: PLC0415 - training only

    try:
        a, b = train_test_split(indices, test_size=test_size, random_state=seed, stratify=labels)
    except ValueError:
        a, b = train_test_split(indices, test_size=test_size, random_state=seed)
    return np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)


def fit_baseline(
    examples: Sequence[TrainingExample],
    *,
    seed: int = 0,
    c: float = 16.0,
    min_df: int = 2,
    max_features: int = 100_000,
    settings: FeatureSettings | None = None,
) -> FittedBaseline:
    """Train, calibrate and evaluate the baseline on labelled history.

    70% of the examples fit the classifier, 15% fit the temperature and the last 15%,
    never seen by either, measure accuracy and calibration. The criterion vocabulary
    (:func:`~interlock.domains.claims.lexicon.learn`) is learned from the whole history:
    it uses no label but "every criterion was documented". Raises ConfigurationError
    when the history is too small or has a single label, because no useful model can
    come out of it and the caller must supply more history.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: PLC0415 - training only
    from sklearn.linear_model import LogisticRegression  # noqa: PLC0415 - training only

    settings = settings or FeatureSettings()
    if len(examples) < 10:
        raise ConfigurationError(f"baseline needs at least 10 examples, got {len(examples)}")
    labels = [ex.label for ex in examples]
    everything = np.arange(len(examples), dtype=np.int64)
    train_idx, held_idx = _split(everything, labels, 0.3, seed)
    cal_idx, eval_idx = _split(held_idx, [labels[i] for i in held_idx], 0.5, seed)
    train_labels = [labels[i] for i in train_idx]
    if len(set(train_labels)) < 2:
        raise ConfigurationError("baseline needs at least two different labels in its history")

    vectorizer = TfidfVectorizer(
        analyzer=partial(example_features, settings=settings),
        token_pattern=None,
        sublinear_tf=True,
        min_df=min(min_df, len(train_idx)),
        max_features=max_features,
        dtype=np.float64,
    )
    x_train = vectorizer.fit_transform([examples[i] for i in train_idx])
    estimator = LogisticRegression(C=c, max_iter=1000)
    estimator.fit(x_train, train_labels)
    classes: tuple[NecessityStatus, ...] = tuple(str(k) for k in estimator.classes_)  # type: ignore[misc]
    position = {name: i for i, name in enumerate(classes)}

    def logits_and_targets(
        idx: npt.NDArray[np.int64],
    ) -> tuple[FloatArray, npt.NDArray[np.int64]]:
        if len(idx) == 0:
            return np.zeros((0, len(classes))), np.zeros(0, dtype=np.int64)
        matrix = vectorizer.transform([examples[i] for i in idx])
        targets = np.array([position.get(labels[i], -1) for i in idx], dtype=np.int64)
        return _sklearn_logits(estimator, matrix), targets

    cal_logits, cal_targets = logits_and_targets(cal_idx)
    temperature = fit_temperature(cal_logits, cal_targets)
    eval_logits, eval_targets = logits_and_targets(eval_idx)
    before = softmax(eval_logits)
    after = softmax(eval_logits / temperature)
    correct = before.argmax(axis=1) == eval_targets if len(eval_idx) else np.zeros(0, bool)

    coef = np.asarray(estimator.coef_, dtype=np.float64)
    intercept = np.asarray(estimator.intercept_, dtype=np.float64)
    if coef.shape[0] == 1:
        coef = np.vstack([np.zeros_like(coef), coef])
        intercept = np.concatenate([[0.0], intercept])
    artifact = BaselineArtifact(
        feature_version=FEATURE_VERSION,
        settings=settings,
        training=TrainingInfo(
            seed=seed,
            c=float(c),
            min_df=min_df,
            max_features=max_features,
            n_examples=len(examples),
            policy_ids=tuple(sorted({ex.policy_id for ex in examples})),
        ),
        classes=classes,
        vocabulary=tuple(str(t) for t in vectorizer.get_feature_names_out()),
        idf=tuple(float(v) for v in vectorizer.idf_),
        coef=tuple(tuple(float(v) for v in row) for row in coef),
        intercept=tuple(float(v) for v in intercept),
        temperature=temperature,
        metrics=HeldOutMetrics(
            n_train=len(train_idx),
            n_calibration=len(cal_idx),
            n_evaluation=len(eval_idx),
            class_counts=dict(sorted(Counter(labels).items())),
            evaluation_class_counts=dict(sorted(Counter(labels[i] for i in eval_idx).items())),
            accuracy=float(correct.mean()) if len(correct) else 0.0,
            ece_before=expected_calibration_error(before.max(axis=1), correct),
            ece_after=expected_calibration_error(after.max(axis=1), correct),
            nll_before=_nll(before, eval_targets),
            nll_after=_nll(after, eval_targets),
            reliability=reliability_table(after.max(axis=1), correct),
        ),
        lexicon=json.loads(learn_lexicon(examples).to_json()),
    )
    return FittedBaseline(artifact=artifact, vectorizer=vectorizer, estimator=estimator)


def train_baseline(examples: Sequence[TrainingExample], *, seed: int = 0) -> BaselineArtifact:
    """Train the baseline on labelled history and return only what is stored: the artifact."""
    return fit_baseline(examples, seed=seed).artifact


# --------------------------------------------------------------------------- inference


@dataclass(frozen=True, slots=True, kw_only=True)
class _Reading:
    """What the model computed for one policy against one claim's notes."""

    probabilities: FloatArray
    logits: FloatArray
    known: int
    total: int
    evidence: tuple[tuple[str, float], ...] = ()
    segment_scores: tuple[tuple[int, float], ...] = ()


def _display_term(feature: str, policy_id: str) -> str:
    """A feature as words for a rationale: prefixes dropped, ``NEG_x`` shown as ``not-x``."""
    for prefix in ("g|", "c|", f"p|{policy_id}|"):
        if feature.startswith(prefix):
            feature = feature[len(prefix) :]
            break
    return " ".join(f"not-{w[len(_NEG) :]}" if w.startswith(_NEG) else w for w in feature.split(" "))


def _informative(term: str) -> bool:
    """False for evidence made only of function words or bare cues ("no", "not"): they explain nothing."""
    return any(w.removeprefix("not-") not in _STOPWORDS | _NEGATION_CUES for w in term.split(" "))


class BaselineModel:
    """The embedded :class:`~interlock.models.base.ModelClient` of the claims domain: numpy over a JSON artifact.

    Deterministic and local: the same artifact and request always give the same answer,
    and a call takes milliseconds, so ``timeout`` never comes into play.
    """

    def __init__(self, artifact: BaselineArtifact) -> None:
        self._artifact = artifact
        self._model_id = f"baseline:{artifact.digest()[:12]}"
        self._lexicon = Lexicon.from_dict(artifact.lexicon)
        self._index = {term: i for i, term in enumerate(artifact.vocabulary)}
        self._idf = np.asarray(artifact.idf, dtype=np.float64)
        self._weights = np.ascontiguousarray(np.asarray(artifact.coef, dtype=np.float64).T)
        self._centered = self._weights - self._weights.mean(axis=1, keepdims=True)
        self._intercept = np.asarray(artifact.intercept, dtype=np.float64)
        empty_logits = self._intercept.copy()
        self._empty = softmax(empty_logits / artifact.temperature)
        self._empty_logits = empty_logits

    @classmethod
    def from_json(cls, text: str) -> BaselineModel:
        """Load a model from a stored artifact."""
        return cls(BaselineArtifact.from_json(text))

    @property
    def model_id(self) -> str:
        """``baseline:`` and a short hash of the artifact: a retrained model is a new id."""
        return self._model_id

    @property
    def artifact(self) -> BaselineArtifact:
        """The artifact this model runs."""
        return self._artifact

    def _status_probabilities(self, probs: FloatArray) -> dict[NecessityStatus, float]:
        """Map the model's classes onto all three statuses (absent classes get 0)."""
        out: dict[NecessityStatus, float] = dict.fromkeys(NECESSITY_STATUSES, 0.0)
        for name, p in zip(self._artifact.classes, probs, strict=True):
            out[name] = float(p)
        return out

    def _read(self, lens: PolicyLens, segments: Sequence[Segment]) -> _Reading:
        """Vectorise the segments against one policy and score them (sublinear tf-idf, L2)."""
        per_segment = [segment_features(s, lens) for s in segments]
        counts: Counter[str] = Counter()
        for features in per_segment:
            counts.update(features)
        known = [(f, self._index[f], n) for f, n in counts.items() if f in self._index]
        if not known:
            return _Reading(probabilities=self._empty, logits=self._empty_logits, known=0, total=len(counts))
        columns = np.fromiter((j for _, j, _ in known), dtype=np.int64, count=len(known))
        tf = np.fromiter((n for _, _, n in known), dtype=np.float64, count=len(known))
        weights = (np.log(tf) + 1.0) * self._idf[columns]
        values = weights / np.sqrt(np.dot(weights, weights))
        logits = values @ self._weights[columns] + self._intercept
        probs = softmax(logits / self._artifact.temperature)
        winner = int(np.argmax(probs))
        contribution = values * self._centered[columns, winner]
        share = {f: float(contribution[i]) / n for i, (f, _, n) in enumerate(known)}
        segment_scores = tuple(
            (k, sum(share.get(f, 0.0) for f in features)) for k, features in enumerate(per_segment)
        )
        order = np.argsort(-contribution, kind="stable")[:10]
        evidence = tuple((known[i][0], float(contribution[i])) for i in order if contribution[i] > 0)
        return _Reading(
            probabilities=probs,
            logits=logits,
            known=len(known),
            total=len(counts),
            evidence=evidence,
            segment_scores=segment_scores,
        )

    def probabilities(
        self, *, policy_id: str, policy_body: str, notes: Sequence[str]
    ) -> dict[NecessityStatus, float]:
        """Calibrated probability of each status for one policy and a claim's note texts."""
        segments, _ = segment_notes(notes, self._artifact.settings)
        reading = self._read(policy_lens(policy_id, policy_body), segments)
        return self._status_probabilities(reading.probabilities)

    def ask(self, question: ModelQuestion[_A], *, timeout: float) -> _A:
        """Answer the medical-necessity question; any other question is outside this model."""
        if not isinstance(question, NecessityRequest):
            raise ModelOutputInvalid(f"{self.model_id} answers only the claims medical-necessity question")
        answer: Any = self.assess(question, timeout=timeout)
        return cast(_A, answer)

    def assess(self, request: NecessityRequest, *, timeout: float) -> NecessityAssessment:
        """Read every policy in ``request`` against all of the claim's notes."""
        del timeout  # bounded local computation: truncation caps the work per call
        segments, truncated = segment_notes([note.body for note in request.notes], self._artifact.settings)
        assessments: list[PolicyAssessment] = []
        raw_policies: list[dict[str, Any]] = []
        for policy in request.policies:
            reading = self._read(policy_lens(policy.policy_id, policy.body), segments)
            assessment, raw = self._assessment(request, policy, segments, reading)
            assessments.append(assessment)
            raw_policies.append(raw)
        feature_text = "\n".join(
            [f"policy\t{p.policy_id}" for p in request.policies]
            + [f"note\t{request.notes[s.note].item_id}\t{' '.join(s.tokens)}" for s in segments]
        )
        raw_output = json.dumps(
            {
                "model_id": self._model_id,
                "prompt_template": PROMPT_TEMPLATE,
                "classes": list(self._artifact.classes),
                "temperature": self._artifact.temperature,
                "segments": len(segments),
                "notes_truncated": truncated,
                "policies": raw_policies,
            },
            sort_keys=True,
        )
        return NecessityAssessment(
            model_id=self._model_id,
            policies=tuple(assessments),
            raw_output=raw_output,
            prompt_template=PROMPT_TEMPLATE,
            prompt_hash=hashlib.sha256(feature_text.encode("utf-8", "surrogatepass")).hexdigest(),
            usage=Usage(),
        )

    def _segment_statuses(
        self, lens: PolicyLens, segments: Sequence[Segment], wanted: Sequence[int]
    ) -> dict[int, tuple[NecessityStatus, float]]:
        """How each wanted segment reads on its own against the policy: its likeliest status and that probability."""
        out: dict[int, tuple[NecessityStatus, float]] = {}
        for k in wanted:
            reading = self._read(lens, [segments[k]])
            if reading.known == 0:
                continue
            probs = self._status_probabilities(reading.probabilities)
            status = max(NECESSITY_STATUSES, key=lambda s: (probs[s], -NECESSITY_STATUSES.index(s)))
            out[k] = (status, probs[status])
        return out

    def _disputed(
        self,
        lens: PolicyLens,
        structure: PolicyCriteria,
        criterion: Criterion,
        finding: CriterionStatus,
        clauses: Sequence[tuple[Segment, str, str, str]],
        set_aside: Sequence[int],
        readings: dict[int, tuple[NecessityStatus, float]],
    ) -> bool:
        """True when a clause set aside as a plan, a hedge or a doubt reads against ``finding``.

        Only a clause about the criterion in its own words counts ("family will accept
        roughly 12 hours a day", "imaging might show no stenosis"), read by its amount
        or by the classifier at :data:`DISPUTE_PROBABILITY` or more: the notes then
        disagree. A bare "RTC 4-6wk" is no statement about 12 weeks of stockings.
        ``readings`` holds the clause readings made so far for this policy; the ones
        read here join it, so a clause about several criteria is read once.
        """
        if finding == "not_documented":
            return False
        against, opposite = ("fails", "not_met") if finding == "met" else ("satisfies", "met")
        worded = [
            k
            for k in set_aside
            if relevance(criterion.text, structure.preamble, clauses[k][1], criterion.learned)
            >= RELEVANCE_THRESHOLD
        ]
        if any(quantities.reading(criterion.text, clauses[k][1]) == against for k in worded):
            return True
        unread = [k for k in worded if k not in readings]
        readings.update(self._segment_statuses(lens, [c[0] for c in clauses], unread))
        return any(
            k in readings and readings[k][0] == opposite and readings[k][1] >= DISPUTE_PROBABILITY
            for k in worded
        )

    def _criterion_findings(
        self,
        request: NecessityRequest,
        policy: PolicyText,
        segments: Sequence[Segment],
    ) -> tuple[tuple[CriterionFinding, ...], list[dict[str, Any]], float]:
        """One finding per numbered criterion, each resting on the clauses about that criterion.

        A clause is about a criterion when the shared evidence reader says so
        (:func:`~interlock.domains.claims.criteria.evidence_clauses`: relevant, saying
        something, not a plan or a doubt). How it reads is, for a criterion with a
        numeric threshold and a clause that states its value, the comparison
        (:mod:`~interlock.domains.claims.quantities`); for a criterion asking that something
        be absent and a clause denying it, met
        (:func:`~interlock.domains.claims.criteria.denies_what_is_required_absent`);
        otherwise the classifier's reading of that clause alone. Clauses that read both
        ways leave the criterion not documented (contradictory notes), as does a clause
        that only plans, hedges or doubts in words about the criterion and reads the
        other way (by its amount, or by the classifier's reading at
        :data:`DISPUTE_PROBABILITY` or more); so do clauses that read neither way, a
        criterion no clause is about, and an amount the criterion asks for that no
        clause states ("reports low back pain" for "pain for at least 6 weeks").

        Also returns the evidence's own confidence in the combined status (:func:`_strength`).
        A criterion's certainty is that of the least sure clause about it (a numeric
        comparison is certain, a classifier reading counts its probability), and none
        when some clause about it only plans, hedges or doubts: the notes speak of it in
        a way nothing here can read, so only the whole-note classifier may vouch.
        """
        structure = self._lexicon.apply(policy.criteria)
        clauses = _clause_segments(request, segments, self._artifact.settings)
        texts = [c[1] for c in clauses]
        about = {
            n: [
                k
                for k, q in enumerate(texts)
                if len(_quote(clauses[k])) >= MIN_QUOTE_CHARS
                and q.rstrip(".!? ") in _stripped(evidence_clauses(structure, n, clauses[k][3]))
            ]
            for n in structure.numbers
        }
        wanted = sorted({k for ks in about.values() for k in ks})
        lens = policy_lens(policy.policy_id, policy.body)
        readings = self._segment_statuses(lens, [c[0] for c in clauses], wanted)
        findings: list[CriterionFinding] = []
        raw: list[dict[str, Any]] = []
        certainty: dict[int, float] = {}
        for n in structure.numbers:
            criterion = structure.criterion(n)
            assert criterion is not None
            read: dict[int, tuple[str, float, bool]] = {}
            for k in about[n]:
                numeric = quantities.reading(criterion.text, texts[k])
                if numeric == "satisfies":
                    read[k] = ("met", 1.0, True)
                elif numeric == "fails":
                    read[k] = ("not_met", 1.0, True)
                elif numeric == "conflict":
                    read[k] = ("conflict", 1.0, True)
                elif denies_what_is_required_absent(criterion.text, texts[k]):
                    # "no contraindication found" against "finds no contraindication": the
                    # denial is what the criterion asks for, however the classifier reads "no".
                    read[k] = ("met", 1.0, False)
                elif k in readings:
                    read[k] = (readings[k][0], readings[k][1], False)
            # Clauses of one sentence are one statement: where the numbers settle it, the
            # classifier's reading of a clause beside them ("... ; naproxen gave no
            # relief") is not a second, contradicting statement.
            numeric_sentences = {_sentence_key(clauses[k]) for k in read if read[k][2]}
            read = {
                k: r for k, r in read.items() if r[2] or _sentence_key(clauses[k]) not in numeric_sentences
            }
            met = sorted((k for k in read if read[k][0] == "met"), key=lambda k: (-read[k][1], k))
            not_met = sorted((k for k in read if read[k][0] == "not_met"), key=lambda k: (-read[k][1], k))
            conflict = any(r[0] == "conflict" for r in read.values())
            finding: CriterionStatus = "not_documented"
            chosen: list[int] = []
            if met and not not_met and not conflict:
                if not quantities.needs_value(criterion.text) or any(read[k][2] for k in met):
                    finding, chosen = "met", met[:MAX_CITATIONS]
            elif not_met and not met and not conflict:
                finding, chosen = "not_met", not_met[:MAX_CITATIONS]
            set_aside = [
                k for k in range(len(texts)) if k not in about[n] and clause_about(structure, n, texts[k])
            ]
            if self._disputed(lens, structure, criterion, finding, clauses, set_aside, readings):
                finding, chosen = "not_documented", []
            murky = bool(set_aside)
            if chosen and not murky:
                # As sure as the least sure clause about it: one clause the classifier
                # barely reads, or one that only hedges about it, weakens the rest.
                certainty[n] = min(read[k][1] for k in read)
            # A clause too short to verify is cited as its sentence, and a sentence only once.
            cited = dict.fromkeys((clauses[k][2], _quote(clauses[k])) for k in chosen)
            citations = tuple(Citation(item_id=item, quote=quote) for item, quote in cited)
            findings.append(CriterionFinding(criterion=n, finding=finding, citations=citations))
            raw.append(
                {
                    "criterion": n,
                    "finding": finding,
                    "about": [
                        [
                            clauses[k][2],
                            clauses[k][0].start,
                            clauses[k][0].end,
                            read[k][0] if k in read else None,
                        ]
                        for k in about[n]
                    ],
                }
            )
        status = combine(structure.combine, [f.finding for f in findings])
        return tuple(findings), raw, _strength(structure.combine, findings, status, certainty)

    def _assessment(
        self,
        request: NecessityRequest,
        policy: PolicyText,
        segments: Sequence[Segment],
        reading: _Reading,
    ) -> tuple[PolicyAssessment, dict[str, Any]]:
        """One reading as a policy assessment (criterion findings, status, rationale) and its raw record.

        The status is the combination of the criterion findings, as the policy says. The
        confidence is the calibrated probability the whole-claim classifier gives that
        status; the strength of the criterion evidence (:func:`_strength`: certain for
        numbers compared with the policy's thresholds, the clause reading's probability
        otherwise) is recorded beside it, uncalibrated, and never raises it. A combination
        the classifier does not support comes out unsure and goes to review; what the gate refuses
        (irrelevant, hedged, contradicted or wrong-sided evidence) never gets this far
        as an automatic decision.
        """
        policy_id, title = policy.policy_id, policy.title
        probs = self._status_probabilities(reading.probabilities)
        short_title = title if len(title) <= 80 else title[:77] + "..."
        findings, raw_criteria, strength = self._criterion_findings(request, policy, segments)
        if reading.known == 0:
            status: NecessityStatus = "unclear"
            reason = "unknown to the model" if reading.total else "empty"
            rationale = (
                f"Baseline reading of {policy_id} ({short_title}): unclear; the note text is {reason}."
            )
            findings = tuple(
                CriterionFinding(criterion=f.criterion, finding="not_documented") for f in findings
            )
        else:
            classified = max(NECESSITY_STATUSES, key=lambda s: (probs[s], -NECESSITY_STATUSES.index(s)))
            status = combine(policy.criteria.combine, [f.finding for f in findings])
            terms: list[str] = []
            for feature, _ in reading.evidence:
                term = _display_term(feature, policy_id)
                if _informative(term) and term not in terms:
                    terms.append(term)
                if len(terms) == 5:
                    break
            per_criterion = ", ".join(f"({f.criterion}) {f.finding}" for f in findings)
            rationale = (
                f"Baseline reading of {policy_id} ({short_title}): criteria {per_criterion} "
                f"combine ({policy.criteria.combine}) to {status}; the whole-note classifier reads "
                f"{classified} and gives {status} a calibrated probability of {probs[status]:.2f}; "
                f"criterion evidence strength {strength:.2f}; "
                f"top evidence terms: {', '.join(terms) if terms else 'none'}."
            )
        # The stated confidence is the calibrated classifier's alone. The criterion
        # evidence's strength is recorded beside it but never raises it: it is not
        # calibrated, and on another party's phrasings a raised confidence decided
        # claims the notes do not settle (docs/models.md, "Payers written by someone else").
        confidence = probs[status]
        raw = {
            "policy_id": policy_id,
            "status": status,
            "confidence": confidence,
            "classifier_probability": probs[status],
            "evidence_strength": strength,
            "probabilities": probs,
            "logits": [float(v) for v in reading.logits],
            "known_features": reading.known,
            "total_features": reading.total,
            "evidence": [[f, c] for f, c in reading.evidence],
            "criteria": raw_criteria,
        }
        assessment = PolicyAssessment(
            policy_id=policy_id,
            status=status,
            confidence=confidence,
            citations=tuple(c for f in findings for c in f.citations),
            rationale=rationale,
            criteria=findings,
        )
        return assessment, raw
