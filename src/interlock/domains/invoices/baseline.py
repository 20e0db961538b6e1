"""The embedded expense-account model: a linear text classifier over a JSON artifact.

It answers rule 8's :class:`~interlock.domains.invoices.question.AccountRequest` and
nothing else, locally and deterministically (numpy only; scikit-learn is needed to
train it, never to run it). Its answer is an account of the request's candidates with
a calibrated confidence and verbatim citations of the lines that show the purchase, or
``unclear`` when it cannot tell:

* the lines' evidence is thin (too few words the model knows, as in "monthly charges");
* the lines point to different accounts (the policy sends those to a person);
* the lines alone and the lines with the invoice text disagree: a document trying to
  steer the coding ("classify it as office supplies") then costs a person's look
  instead of a wrong account;
* the calibrated confidence is below ``min_confidence``.

Covering emails and memos are never read: they restate the lines at best and carry
the bank-change requests and instructions to a model at worst.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from itertools import pairwise
from typing import Any, TypeVar, cast

import numpy as np
from numpy.typing import NDArray

from interlock.domains.invoices.question import UNCLEAR, AccountAnswer, AccountRequest
from interlock.exceptions import ModelOutputInvalid
from interlock.models.base import ModelAnswer, ModelQuestion, Usage

__all__ = ["AccountBaseline", "BaselineArtifact", "features"]

_A = TypeVar("_A", bound=ModelAnswer)
FloatArray = NDArray[np.float64]
_WORD = re.compile(r"[a-z][a-z]+")
_STOP = frozenset(
    [
        "the",
        "and",
        "for",
        "of",
        "to",
        "a",
        "an",
        "in",
        "on",
        "at",
        "by",
        "with",
        "from",
        "per",
        "our",
        "your",
        "this",
        "that",
        "as",
        "is",
        "are",
        "be",
        "or",
        "we",
        "you",
        "please",
        "see",
        "attached",
        "invoice",
        "total",
        "due",
        "quantity",
        "terms",
        "net",
        "days",
        "ref",
    ]
)
#: Document kinds the model reads besides the lines: the invoice itself, nothing else.
READ_KINDS = frozenset({"invoice_text"})
MIN_QUOTE = 8


def features(text: str) -> list[str]:
    """Lower-case words (no digits, no stop words) and their adjacent pairs."""
    words = [w for w in _WORD.findall(text.lower()) if w not in _STOP]
    return words + [f"{a} {b}" for a, b in pairwise(words)]


@dataclass(frozen=True, slots=True, kw_only=True)
class BaselineArtifact:
    """Everything the model is: vocabulary, idf weights, the linear layer and its calibration."""

    classes: list[str]
    vocabulary: list[str]
    idf: list[float]
    coef: list[list[float]]
    intercept: list[float]
    temperature: float
    min_confidence: float
    min_evidence: int
    metrics: dict[str, Any]

    def to_json(self) -> str:
        """The stored form: canonical JSON, so equal models have equal text."""
        return json.dumps(asdict(self), sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> BaselineArtifact:
        """An artifact stored by :meth:`to_json`."""
        return cls(**json.loads(text))

    def digest(self) -> str:
        """A content hash: a retrained model is a new model id."""
        return hashlib.sha256(self.to_json().encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class _Reading:
    probabilities: FloatArray
    known: int


class AccountBaseline:
    """The embedded :class:`~interlock.models.base.ModelClient` of the invoices domain."""

    def __init__(self, artifact: BaselineArtifact) -> None:
        self.artifact = artifact
        self._model_id = f"invoices-baseline:{artifact.digest()[:12]}"
        self._index = {term: i for i, term in enumerate(artifact.vocabulary)}
        self._idf = np.asarray(artifact.idf, dtype=np.float64)
        self._weights = np.asarray(artifact.coef, dtype=np.float64).T  # (terms, classes)
        self._intercept = np.asarray(artifact.intercept, dtype=np.float64)

    @classmethod
    def from_json(cls, text: str) -> AccountBaseline:
        """Load a stored artifact."""
        return cls(BaselineArtifact.from_json(text))

    @property
    def model_id(self) -> str:
        """``invoices-baseline:`` and a short hash of the artifact."""
        return self._model_id

    def read(self, text: str) -> _Reading:
        """Class probabilities of ``text`` (sublinear tf-idf, L2, temperature-scaled softmax)."""
        counts = Counter(f for f in features(text) if f in self._index)
        if not counts:
            uniform = np.full(len(self.artifact.classes), 1.0 / len(self.artifact.classes))
            return _Reading(probabilities=uniform, known=0)
        columns = np.fromiter((self._index[f] for f in counts), dtype=np.int64, count=len(counts))
        tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        values = (np.log(tf) + 1.0) * self._idf[columns]
        values /= math.sqrt(float(np.dot(values, values)))
        logits = (values @ self._weights[columns] + self._intercept) / self.artifact.temperature
        exp = np.exp(logits - logits.max())
        return _Reading(probabilities=exp / exp.sum(), known=len(counts))

    def ask(self, question: ModelQuestion[_A], *, timeout: float) -> _A:
        """Answer the expense-account question; any other question is outside this model."""
        del timeout  # a local computation of milliseconds
        if not isinstance(question, AccountRequest):
            raise ModelOutputInvalid(f"{self.model_id} answers only the invoices expense-account question")
        answer: Any = self.answer(question)
        return cast(_A, answer)

    def answer(self, request: AccountRequest) -> AccountAnswer:
        """The account the lines and invoice text describe, or ``unclear``, through the request's contract."""
        body = self.decide(request)
        prompt = request.render()
        return request.parse(json.dumps(body), model_id=self.model_id, prompt=prompt, usage=Usage())

    def _best(self, reading: _Reading, allowed: Sequence[int]) -> tuple[int, float]:
        """The most probable candidate class and its probability renormalised over the candidates."""
        probs = reading.probabilities[list(allowed)]
        total = float(probs.sum())
        k = int(np.argmax(probs))
        return allowed[k], float(probs[k]) / total if total > 0 else 0.0

    def decide(self, request: AccountRequest) -> dict[str, Any]:
        """The raw answer: account, confidence, rationale, citations (pure)."""
        candidates = {c.account for c in request.candidates}
        allowed = [i for i, c in enumerate(self.artifact.classes) if c in candidates]
        if not allowed or not request.lines:
            return _unclear(0.0, "no candidate account the model knows, or no lines")
        line_text = " . ".join(x.description for x in request.lines)
        docs = [d for d in request.documents if d.kind in READ_KINDS]
        whole = self.read(line_text + " . " + " . ".join(d.body for d in docs))
        lines_only = self.read(line_text)
        if lines_only.known < self.artifact.min_evidence:
            # The lines themselves must say what was bought; a vendor's name alone does not.
            return _unclear(0.0, "too little known wording in the lines to tell what was bought")
        best, whole_confidence = self._best(whole, allowed)
        line_best, line_confidence = self._best(lines_only, allowed)
        confidence = min(whole_confidence, line_confidence)
        if line_best != best:
            return _unclear(confidence, "the lines and the invoice text point to different accounts")
        per_line = []
        for x in request.lines:
            reading = self.read(x.description)
            if reading.known:
                k, p = self._best(reading, allowed)
                per_line.append((k, p, x))
        if any(k != best for k, _, _ in per_line):
            return _unclear(confidence, "the lines belong to different accounts")
        if confidence < self.artifact.min_confidence:
            return _unclear(confidence, "no account is likely enough")
        account = self.artifact.classes[best]
        citations = [
            {"item_id": x.item_id, "quote": x.description}
            for k, _, x in per_line
            if k == best and len(x.description.strip()) >= MIN_QUOTE
        ]
        return {
            "account": account,
            "confidence": round(confidence, 6),
            "rationale": f"the lines read as account {account}",
            "citations": citations[:20],
        }


def _unclear(confidence: float, why: str) -> dict[str, Any]:
    return {"account": UNCLEAR, "confidence": round(confidence, 6), "rationale": why, "citations": []}
