"""Abstention on unfamiliar input: how far the text a model reads lies from its history.

A model trained or calibrated on a system of record's decided history maps any text onto
its answers, including text unlike anything in that history: a new writer's notes, a
vendor's new document style. Its stated confidence is measured on the history and says
nothing about such text. This module measures how far an item's text lies from the
history (the **reference texts**) in one nonconformity score, and split-conformal
calibration (:mod:`interlock.models.conformal`) turns a miscoverage ``alpha`` into a
threshold with a stated guarantee: a text drawn like the history scores at most the
threshold with probability at least ``1 - alpha``. The gate sends a model-based
proposal whose text scores above it to a person, whatever confidence the model stated
(:mod:`interlock.gate.familiarity`).

Three measures, each cheap and explainable:

* **distance**: one minus the mean cosine similarity of the text's tf-idf vector (word
  unigrams and bigrams, sublinear term frequency) to its ``k`` nearest reference texts.
  Terms the references never use count in the text's norm at the highest idf, so unseen
  vocabulary pulls a text away from every reference;
* **unseen**: the share of the text's words missing from the reference vocabulary;
* **length**: ``log(1 + words)``, too short or too long.

Each is standardised against the reference texts themselves, leaving each text out of
its own neighbours and vocabulary: 0 at the median, 1 at the 99th percentile (for
length also at the 1st, below the median). The score is the sum of the parts above 0.
The combination decides which items look unfamiliar first; the guarantee comes from
calibration on texts the fit never saw, and holds for any score fixed before it.

The fitted region is a JSON artifact (:class:`FamiliarityArtifact`): vocabulary, idf,
the reference texts' sparse tf-idf rows, the scales and the sorted calibration scores,
never a pickle and never a text. The vocabulary keeps only terms used by at least
``min_df`` reference texts, so nothing particular to one record (a name, an
identifier) is stored. Scoring needs numpy alone; fitting also uses scipy's sparse
matrices. Everything here is pure.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import re
import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from interlock.exceptions import ConfigurationError
from interlock.models.conformal import bounded_threshold, guaranteed_coverage

__all__ = [
    "ARTIFACT_FORMAT",
    "CoverageReport",
    "FamiliarRegion",
    "FamiliarityArtifact",
    "FamiliarityModel",
    "FitOptions",
    "Judgement",
    "Measures",
    "fit_familiarity",
    "words",
]

ARTIFACT_FORMAT: Final = "interlock.familiarity"
ARTIFACT_FORMAT_VERSION: Final = 1
#: Fewer reference texts than this make no useful region (nor a calibration set).
MIN_TEXTS: Final = 40
#: Miscoverages the training report lists beside the configured one.
REPORT_ALPHAS: Final = (0.1, 0.05, 0.02, 0.01, 0.005)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_WORD = re.compile(r"[^\W_]+")
# Spans below these floors are treated as these floors: a measure that never varies in
# the history still has a unit, so a text that departs from it scores a finite amount.
_FLOORS: Final = {"distance": 0.01, "unseen": 0.01, "length": 0.1}


def words(text: str) -> list[str]:
    """The text's words: NFKC-normalised, case-folded runs of letters and digits."""
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def _terms(tokens: Sequence[str]) -> Counter[str]:
    """Unigram and bigram counts: the features of a text."""
    counts = Counter(tokens)
    counts.update(f"{a} {b}" for a, b in pairwise(tokens))
    return counts


@dataclass(frozen=True, slots=True, kw_only=True)
class FitOptions:
    """How a region is fitted: neighbours, vocabulary floor, and how the history is split.

    ``reference_share`` of the texts become the references, ``calibration_share`` the
    calibration set, the rest the test set on which achieved coverage is reported; the
    split is a seeded shuffle, so the same history gives the same region.
    """

    k: int = 3
    min_df: int = 2
    reference_share: float = 0.5
    calibration_share: float = 0.3
    max_references: int = 2000
    max_calibration: int = 5000
    max_test: int = 5000
    seed: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class Measures:
    """The three raw measures of one text."""

    distance: float
    unseen: float
    length: float


@dataclass(frozen=True, slots=True, kw_only=True)
class Judgement:
    """A text's score against a region's threshold at miscoverage ``alpha``."""

    score: float
    threshold: float
    alpha: float

    @property
    def familiar(self) -> bool:
        """True when the score is within the threshold (ties are familiar, as calibration counts them)."""
        return self.score <= self.threshold


@dataclass(frozen=True, slots=True, kw_only=True)
class Scale:
    """Where a measure sits in the references: low (1st percentile), median, high (99th)."""

    low: float
    mid: float
    high: float

    def excess(self, value: float, *, two_sided: bool, floor: float) -> float:
        """How far ``value`` lies beyond the median, in units of the median-to-percentile span."""
        if value >= self.mid:
            return (value - self.mid) / max(self.high - self.mid, floor)
        if not two_sided:
            return 0.0
        return (self.mid - value) / max(self.mid - self.low, floor)


@dataclass(frozen=True, slots=True, kw_only=True)
class CoverageReport:
    """What calibration promises and what the held-out test texts achieved."""

    references: int
    calibration: int
    test: int
    alpha: float
    threshold: float
    capped: bool
    guaranteed: float
    achieved: float | None
    table: tuple[Mapping[str, float | bool | None], ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """Numbers only, for the artifact's metrics, ``model train --json`` and ``eval``."""
        return {
            "reference_texts": self.references,
            "calibration_texts": self.calibration,
            "test_texts": self.test,
            "alpha": self.alpha,
            "threshold": round(self.threshold, 6),
            "threshold_capped": self.capped,
            "promised_coverage": round(1.0 - self.alpha, 6),
            "guaranteed_coverage": round(self.guaranteed, 6),
            "achieved_coverage": _rounded(self.achieved),
            "by_alpha": [dict(row) for row in self.table],
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class FamiliarityArtifact:
    """The fitted region as stored: plain numbers and common terms, validated on load."""

    k: int
    min_df: int
    vocabulary: tuple[str, ...]
    idf: tuple[float, ...]
    unseen_idf: float
    indptr: tuple[int, ...]
    indices: tuple[int, ...]
    weights: tuple[float, ...]
    empty: tuple[int, ...]
    scales: Mapping[str, Scale]
    calibration: tuple[float, ...]
    report: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        """The artifact as canonical JSON text."""
        body = {
            "format": ARTIFACT_FORMAT,
            "format_version": ARTIFACT_FORMAT_VERSION,
            "k": self.k,
            "min_df": self.min_df,
            "vocabulary": list(self.vocabulary),
            "idf": list(self.idf),
            "unseen_idf": self.unseen_idf,
            "references": {
                "indptr": list(self.indptr),
                "indices": list(self.indices),
                "weights": list(self.weights),
                "empty": list(self.empty),
            },
            "scales": {name: [s.low, s.mid, s.high] for name, s in sorted(self.scales.items())},
            "calibration": list(self.calibration),
            "report": dict(self.report),
        }
        return json.dumps(body, sort_keys=True, separators=(",", ":"), allow_nan=False)

    def digest(self) -> str:
        """A short content hash: the artifact's id in the store."""
        return hashlib.sha256(self.to_json().encode("utf-8")).hexdigest()[:12]

    @classmethod
    def from_json(cls, text: str) -> FamiliarityArtifact:
        """Parse and validate; anything malformed is a one-line :class:`ConfigurationError`."""
        try:
            raw = json.loads(text)
            return _artifact_from(raw)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise ConfigurationError(f"the familiarity artifact is malformed: {exc}") from None


def _finite(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number")
    return float(value)


def _whole(value: Any, name: str, *, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name} must be an integer of at least {minimum}")
    return value


def _artifact_from(raw: Any) -> FamiliarityArtifact:
    if not isinstance(raw, dict):
        raise ValueError("not a JSON object")
    if raw.get("format") != ARTIFACT_FORMAT or raw.get("format_version") != ARTIFACT_FORMAT_VERSION:
        raise ValueError(f"not an {ARTIFACT_FORMAT} artifact of version {ARTIFACT_FORMAT_VERSION}")
    vocabulary = raw["vocabulary"]
    if not isinstance(vocabulary, list) or not all(isinstance(v, str) for v in vocabulary):
        raise ValueError("vocabulary must be a list of strings")
    idf = tuple(_finite(v, "idf") for v in raw["idf"])
    if len(idf) != len(vocabulary):
        raise ValueError("idf and vocabulary differ in length")
    refs = raw["references"]
    indptr = tuple(_whole(v, "indptr") for v in refs["indptr"])
    indices = tuple(_whole(v, "indices") for v in refs["indices"])
    weights = tuple(_finite(v, "weights") for v in refs["weights"])
    rows = len(indptr) - 1
    if rows < 1 or indptr[0] != 0 or indptr[-1] != len(indices) or len(weights) != len(indices):
        raise ValueError("reference rows do not add up")
    if any(b < a for a, b in pairwise(indptr)):
        raise ValueError("reference rows are out of order")
    if any(i >= len(vocabulary) for i in indices):
        raise ValueError("a reference term lies outside the vocabulary")
    empty = tuple(_whole(v, "empty") for v in refs["empty"])
    if any(i >= rows for i in empty):
        raise ValueError("an empty reference lies outside the references")
    scales: dict[str, Scale] = {}
    for name in ("distance", "unseen", "length"):
        low, mid, high = (_finite(v, f"scale {name}") for v in raw["scales"][name])
        if not low <= mid <= high:
            raise ValueError(f"scale {name} is not ordered")
        scales[name] = Scale(low=low, mid=mid, high=high)
    calibration = tuple(_finite(v, "calibration score") for v in raw["calibration"])
    if not calibration or any(b < a for a, b in pairwise(calibration)):
        raise ValueError("calibration scores must be a non-empty ascending list")
    report = raw.get("report", {})
    if not isinstance(report, dict):
        raise ValueError("report must be an object")
    return FamiliarityArtifact(
        k=_whole(raw["k"], "k", minimum=1),
        min_df=_whole(raw["min_df"], "min_df", minimum=1),
        vocabulary=tuple(vocabulary),
        idf=idf,
        unseen_idf=_finite(raw["unseen_idf"], "unseen_idf"),
        indptr=indptr,
        indices=indices,
        weights=weights,
        empty=empty,
        scales=scales,
        calibration=calibration,
        report=report,
    )


class FamiliarityModel:
    """Scores texts against a fitted region (numpy only); :meth:`at` fixes ``alpha``."""

    def __init__(self, artifact: FamiliarityArtifact) -> None:
        self.artifact = artifact
        self._index = {term: i for i, term in enumerate(artifact.vocabulary)}
        self._idf = np.asarray(artifact.idf, dtype=np.float64)
        self._indptr = np.asarray(artifact.indptr, dtype=np.int64)
        self._indices = np.asarray(artifact.indices, dtype=np.int64)
        self._weights = np.asarray(artifact.weights, dtype=np.float64)
        self._empty = np.zeros(len(artifact.indptr) - 1, dtype=bool)
        self._empty[list(artifact.empty)] = True
        self._row_empty = self._indptr[1:] == self._indptr[:-1]

    @property
    def model_id(self) -> str:
        """``familiarity:<digest>``."""
        return f"familiarity:{self.artifact.digest()}"

    def measures(self, text: str) -> Measures:
        """Distance to the nearest references, unseen share and log length of ``text``."""
        tokens = words(text)
        counts = _terms(tokens)
        query = np.zeros(len(self._idf), dtype=np.float64)
        unseen_mass = 0.0
        for term, count in counts.items():
            weight = 1.0 + math.log(count)
            i = self._index.get(term)
            if i is None:
                unseen_mass += (weight * self.artifact.unseen_idf) ** 2
            else:
                query[i] = weight * self._idf[i]
        norm = math.sqrt(float(query @ query) + unseen_mass)
        if norm > 0.0:
            query /= norm
        products = np.append(self._weights * query[self._indices], 0.0)
        sims = np.add.reduceat(products, self._indptr[:-1])
        sims[self._row_empty] = 0.0
        if not tokens:
            sims = self._empty.astype(np.float64)  # an empty text is like the empty references only
        k = min(self.artifact.k, len(sims))
        nearest = np.partition(sims, len(sims) - k)[len(sims) - k :]
        unseen = sum(1 for t in tokens if t not in self._index) / len(tokens) if tokens else 0.0
        return Measures(
            distance=float(1.0 - nearest.mean()), unseen=float(unseen), length=math.log1p(len(tokens))
        )

    def score_of(self, m: Measures) -> float:
        """The nonconformity score of measures: the sum of their standardised excesses."""
        s = self.artifact.scales
        parts = (
            s["distance"].excess(m.distance, two_sided=False, floor=_FLOORS["distance"]),
            s["unseen"].excess(m.unseen, two_sided=False, floor=_FLOORS["unseen"]),
            s["length"].excess(m.length, two_sided=True, floor=_FLOORS["length"]),
        )
        return float(sum(max(0.0, p) for p in parts))

    def score(self, text: str) -> float:
        """The nonconformity score of ``text``: 0 for a typical history text, larger the stranger."""
        return self.score_of(self.measures(text))

    def at(self, alpha: float) -> FamiliarRegion:
        """The region at miscoverage ``alpha``.

        A calibration set too small for ``alpha`` (fewer than ``1 / alpha - 1`` scores) gets
        the largest calibration score as its threshold: stricter, never a pass for all
        (:func:`~interlock.models.conformal.bounded_threshold`); ``capped`` says so.
        """
        threshold, capped = bounded_threshold(self.artifact.calibration, alpha)
        return FamiliarRegion(model=self, alpha=alpha, threshold=threshold, capped=capped)


@dataclass(frozen=True, slots=True)
class FamiliarRegion:
    """A fitted region at one miscoverage: what the gate asks whether a text is familiar."""

    model: FamiliarityModel
    alpha: float
    threshold: float
    #: True when the calibration set was too small for ``alpha`` and the threshold is its largest score.
    capped: bool = False

    @property
    def guaranteed(self) -> float:
        """The coverage calibration promises at this threshold (``n / (n + 1)`` when capped)."""
        return guaranteed_coverage(len(self.model.artifact.calibration), self.alpha)

    def judge(self, text: str) -> Judgement:
        """The text's score against the threshold."""
        return Judgement(score=self.model.score(text), threshold=self.threshold, alpha=self.alpha)


# -- fitting --------------------------------------------------------------------------------


def _split(n: int, options: FitOptions) -> tuple[list[int], list[int], list[int]]:
    order = list(range(n))
    random.Random(options.seed).shuffle(order)
    n_ref = min(max(1, round(n * options.reference_share)), options.max_references)
    n_cal = min(max(1, round(n * options.calibration_share)), options.max_calibration)
    rest = order[n_ref + n_cal :]
    return order[:n_ref], order[n_ref : n_ref + n_cal], rest[: options.max_test]


def _reference_rows(
    docs: Sequence[Counter[str]], index: Mapping[str, int], idf: FloatArray, unseen_idf: float
) -> tuple[list[int], list[int], list[float]]:
    """Sparse rows of unit tf-idf vectors; terms outside the vocabulary count in the norm only."""
    indptr, indices, weights = [0], [], []
    for counts in docs:
        row: list[tuple[int, float]] = []
        mass = 0.0
        for term, count in counts.items():
            weight = 1.0 + math.log(count)
            i = index.get(term)
            if i is None:
                mass += (weight * unseen_idf) ** 2
            else:
                row.append((i, weight * float(idf[i])))
        norm = math.sqrt(sum(w * w for _, w in row) + mass)
        for i, w in sorted(row):
            indices.append(i)
            weights.append(round(w / norm, 6))
        indptr.append(len(indices))
    return indptr, indices, weights


def _leave_one_out(
    docs: Sequence[list[str]], counts: Sequence[Counter[str]], df: Counter[str], artifact: FamiliarityArtifact
) -> dict[str, FloatArray]:
    """Each reference's measures with itself left out of the neighbours and the vocabulary."""
    from scipy import sparse  # noqa: PLC0415 - only fitting needs sparse products

    n, size = len(docs), len(artifact.vocabulary)
    index = {t: i for i, t in enumerate(artifact.vocabulary)}
    refs = sparse.csr_matrix(
        (artifact.weights, artifact.indices, artifact.indptr), shape=(n, size), dtype=np.float64
    )
    # Left out, a term used by exactly min_df references drops out of the vocabulary.
    loo_index = {t: i for t, i in index.items() if df[t] > artifact.min_df}
    idf = np.asarray(artifact.idf, dtype=np.float64)
    q_ptr, q_idx, q_w = _reference_rows(counts, loo_index, idf, artifact.unseen_idf)
    queries = sparse.csr_matrix((q_w, q_idx, q_ptr), shape=(n, size), dtype=np.float64)
    sims = np.asarray((queries @ refs.T).todense(), dtype=np.float64)
    empty = np.array([not d for d in docs])
    sims[np.ix_(empty, empty)] = 1.0
    np.fill_diagonal(sims, -np.inf)
    k = min(artifact.k, n - 1)
    nearest = -np.sort(-sims, axis=1)[:, :k]
    distance = 1.0 - nearest.mean(axis=1)
    unseen = np.array([sum(1 for t in d if df[t] <= artifact.min_df) / len(d) if d else 0.0 for d in docs])
    length = np.log1p(np.array([len(d) for d in docs], dtype=np.float64))
    return {"distance": distance, "unseen": unseen, "length": length}


def _region(texts: Sequence[str], options: FitOptions) -> FamiliarityArtifact:
    """Vocabulary, idf, reference rows and scales of the reference texts (no calibration yet)."""
    docs = [words(t) for t in texts]
    counts = [_terms(d) for d in docs]
    df: Counter[str] = Counter()
    for c in counts:
        df.update(c.keys())
    n = len(docs)
    vocabulary = tuple(sorted(t for t, d in df.items() if d >= options.min_df))
    index = {t: i for i, t in enumerate(vocabulary)}
    idf = np.array([math.log((1 + n) / (1 + df[t])) + 1.0 for t in vocabulary], dtype=np.float64)
    unseen_idf = math.log(1 + n) + 1.0
    indptr, indices, weights = _reference_rows(counts, index, idf, unseen_idf)
    draft = FamiliarityArtifact(
        k=options.k,
        min_df=options.min_df,
        vocabulary=vocabulary,
        idf=tuple(round(float(x), 8) for x in idf),
        unseen_idf=round(unseen_idf, 8),
        indptr=tuple(indptr),
        indices=tuple(indices),
        weights=tuple(weights),
        empty=tuple(i for i, d in enumerate(docs) if not d),
        scales={},
        calibration=(0.0,),
    )
    loo = _leave_one_out(docs, counts, df, draft)
    scales = {
        name: Scale(
            low=round(float(np.quantile(values, 0.01)), 8),
            mid=round(float(np.median(values)), 8),
            high=round(float(np.quantile(values, 0.99)), 8),
        )
        for name, values in loo.items()
    }
    return FamiliarityArtifact(**{**_fields(draft), "scales": scales})


def _fields(a: FamiliarityArtifact) -> dict[str, Any]:
    return {name: getattr(a, name) for name in FamiliarityArtifact.__dataclass_fields__}


def _coverage(scores: Sequence[float], threshold: float) -> float | None:
    if not scores:
        return None
    return sum(1 for s in scores if s <= threshold) / len(scores)


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def _row(
    alpha: float, calibration: Sequence[float], test_scores: Sequence[float]
) -> dict[str, float | bool | None]:
    """One line of the report: threshold, guaranteed and achieved coverage at ``alpha``."""
    threshold, capped = bounded_threshold(calibration, alpha)
    return {
        "alpha": alpha,
        "threshold": round(threshold, 6),
        "threshold_capped": capped,
        "guaranteed_coverage": round(guaranteed_coverage(len(calibration), alpha), 6),
        "achieved_coverage": _rounded(_coverage(test_scores, threshold)),
    }


def fit_familiarity(
    texts: Sequence[str], *, alpha: float, options: FitOptions | None = None
) -> tuple[FamiliarityArtifact, CoverageReport]:
    """Fit the region on a share of ``texts``, calibrate on another, report on the rest.

    ``texts`` are the reference texts in a stable order (the domain's history, as the
    model reads it). The calibration scores are computed from the artifact exactly as it
    will be loaded, so a stored region reproduces them. ``alpha`` is the miscoverage the
    report's headline figures are for; the artifact serves any alpha its calibration
    set is large enough for.
    """
    opts = options or FitOptions()
    if len(texts) < MIN_TEXTS:
        raise ConfigurationError(
            f"only {len(texts)} history texts: too few to fit a familiar region (at least {MIN_TEXTS})"
        )
    ref, cal, test = _split(len(texts), opts)
    region = _region([texts[i] for i in ref], opts)
    model = FamiliarityModel(region)
    calibration = tuple(sorted(round(model.score(texts[i]), 8) for i in cal))
    test_scores = [round(model.score(texts[i]), 8) for i in test]
    table = tuple(_row(a, calibration, test_scores) for a in sorted({*REPORT_ALPHAS, alpha}, reverse=True))
    threshold, capped = bounded_threshold(calibration, alpha)
    report = CoverageReport(
        references=len(ref),
        calibration=len(cal),
        test=len(test_scores),
        alpha=alpha,
        threshold=threshold,
        capped=capped,
        guaranteed=guaranteed_coverage(len(calibration), alpha),
        achieved=_coverage(test_scores, threshold),
        table=table,
    )
    artifact = FamiliarityArtifact(
        **{**_fields(region), "calibration": calibration, "report": report.as_dict()}
    )
    return artifact, report
