"""A medical policy's numbered criteria, how they combine, and which passages bear on them.

Rule 9 of CLAIMS_POLICY.md: a policy states its criteria as numbered items and says
whether all of them or any one of them must be met. Everything about a medical-necessity
answer is checked against that structure, read here from the policy text itself (never
from a model's answer):

- :func:`policy_criteria` finds the numbered items ``(1) ... (2) ...`` and the combining
  sentence ("all of the following", "at least one of the following"). A policy with no
  numbered items is one criterion, its whole text; a policy whose combining sentence
  says neither is read strictly (:data:`UNKNOWN`: an approval needs every criterion met
  and a denial every criterion not met).
- :func:`combine` turns per-criterion findings into the policy's status. A criterion
  the notes do not document leaves the policy unsettled unless the combination decides
  without it: the notes then do not settle medical necessity, and that is review.
- :func:`relevance` scores whether a passage is evidence about one criterion: whether it
  shares the criterion's own distinctive vocabulary, after light stemming and a small
  table of clinical abbreviations and synonyms. Words the policy uses before its
  criteria (its title, scope and combining sentence: the condition and the service
  every claim under it mentions) do not count, so "follow-up for low back pain, imaging
  planned" is evidence for none of the lumbar MRI policy's criteria. A passage that
  discusses, plans or doubts ("options discussed: physical therapy or an MRI") is not
  evidence either (:func:`unsettled`). The same scorer checks the embedded baseline's
  citations and a hosted model's.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Final, Literal

Combine = Literal["all", "any", "unknown"]
Finding = Literal["met", "not_met", "not_documented"]
FINDINGS: tuple[Finding, ...] = ("met", "not_met", "not_documented")
PolicyStatus = Literal["met", "not_met", "unclear"]

ALL: Final = "all"
ANY: Final = "any"
UNKNOWN: Final = "unknown"

#: The lowest :func:`relevance` at which a passage counts as evidence for a criterion.
RELEVANCE_THRESHOLD: Final = 1.0
#: A passage of fewer content words names a topic ("Seen for diabetes.") and documents nothing.
MIN_CONTENT_WORDS: Final = 3
#: The shortest quote the gate can verify: a shorter one proves too little.
MIN_QUOTE_CHARS: Final = 12
#: Criteria read from one policy are capped; a policy text is data.
MAX_CRITERIA: Final = 20

_MARKER = re.compile(r"(?:^|(?<=[\s:;.]))\((\d{1,2})\)\s+")
_LINE_MARKER = re.compile(r"^[ \t]*\(?(\d{1,2})[.)][ \t]+", re.MULTILINE)
_ANY = re.compile(r"\b(?:any|at least one|one or more|one of|either)\b", re.IGNORECASE)
_ALL = re.compile(r"\b(?:all|each|every|both)\b", re.IGNORECASE)
_BLANK_LINE = re.compile(r"\n\s*\n")
_WORD = re.compile(r"[^\W_]+(?:[-/'][^\W_]+)*")


@dataclass(frozen=True, slots=True, kw_only=True)
class Criterion:
    """One numbered criterion of a policy, as the policy text states it."""

    number: int
    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PolicyCriteria:
    """A policy's criteria in order, how they combine, and its preamble's words."""

    combine: Combine
    criteria: tuple[Criterion, ...]
    preamble: str

    @property
    def numbers(self) -> tuple[int, ...]:
        """The criterion numbers, in policy order."""
        return tuple(c.number for c in self.criteria)

    def criterion(self, number: int) -> Criterion | None:
        """The criterion numbered ``number``, if the policy has one."""
        return next((c for c in self.criteria if c.number == number), None)


@lru_cache(maxsize=256)
def policy_criteria(body: str) -> PolicyCriteria:
    """Read the numbered criteria and their combination from a policy's text.

    Items are numbered ``(1)``, ``(2)``, ... in order; an item ends where the next
    begins, at a blank line, or at the end of the text. The combining sentence is the
    text just before ``(1)``.
    """
    items, by_line = _items(list(_MARKER.finditer(body))), False
    if not items:
        items, by_line = _items(list(_LINE_MARKER.finditer(body))), True
    if not items:
        return PolicyCriteria(combine=ALL, criteria=(Criterion(number=1, text=body.strip()),), preamble="")
    preamble = body[: items[0][1].start()]
    criteria: list[Criterion] = []
    end = len(body)
    for index, (number, match) in enumerate(items):
        end = items[index + 1][1].start() if index + 1 < len(items) else len(body)
        text = body[match.end() : end]
        gap = re.search(r"\n", text) if by_line else _BLANK_LINE.search(text)
        if gap is not None:
            end = match.end() + gap.start()
            text = text[: gap.start()]
        criteria.append(Criterion(number=number, text=text.strip().rstrip(";").strip()))
    # The combining sentence is the last sentence before (1), else the first one after the list.
    lead = re.split(r"(?<=[.!?])\s+", preamble.strip())[-1] if preamble.strip() else ""
    if not (_ANY.search(lead) or _ALL.search(lead)):
        lead = re.split(r"(?<=[.!?])\s+", body[end:].strip())[0] if body[end:].strip() else ""
    combine: Combine = ANY if _ANY.search(lead) else ALL if _ALL.search(lead) else UNKNOWN
    if len(criteria) == 1:
        combine = ALL
    return PolicyCriteria(combine=combine, criteria=tuple(criteria), preamble=preamble)


def _items(markers: list[re.Match[str]]) -> list[tuple[int, re.Match[str]]]:
    """The markers numbered 1, 2, 3... in order (others are ordinary text)."""
    items: list[tuple[int, re.Match[str]]] = []
    expected = 1
    for match in markers:
        if int(match.group(1)) == expected:
            items.append((expected, match))
            expected += 1
        if expected > MAX_CRITERIA:
            break
    return items


def combine(how: Combine, findings: Sequence[Finding]) -> PolicyStatus:
    """The policy's status from its criteria's findings, combined as the policy says.

    ``all``: one criterion documented as not met decides not met; every criterion met
    gives met. ``any``: one criterion met decides met; every criterion not met gives
    not met. ``unknown``: met only when every criterion is met, not met only when every
    one is not met. Anything else, a criterion the notes leave undocumented included,
    is unclear.
    """
    if not findings:
        return "unclear"
    if how == ALL:
        if "not_met" in findings:
            return "not_met"
        return "met" if all(f == "met" for f in findings) else "unclear"
    if how == ANY:
        if "met" in findings:
            return "met"
        return "not_met" if all(f == "not_met" for f in findings) else "unclear"
    if all(f == "met" for f in findings):
        return "met"
    return "not_met" if all(f == "not_met" for f in findings) else "unclear"


def required(how: Combine, findings: Sequence[tuple[int, Finding]], status: PolicyStatus) -> tuple[int, ...]:
    """The criteria a ``status`` rests on: each must have a relevant cited passage.

    A met ``all`` policy rests on every criterion; a met ``any`` policy on the criteria
    stated as met; a not-met ``all`` policy on those stated as not met; a not-met ``any``
    (or ``unknown``) policy on every criterion. An unclear status rests on nothing.
    """
    if status == "met":
        if how == ANY:
            return tuple(n for n, f in findings if f == "met")
        return tuple(n for n, _ in findings)
    if status == "not_met":
        if how == ALL:
            return tuple(n for n, f in findings if f == "not_met")
        return tuple(n for n, _ in findings)
    return ()


# ------------------------------------------------------------------------- relevance

_STOP: Final = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "also",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "done",
        "during",
        "each",
        "either",
        "following",
        "for",
        "from",
        "had",
        "has",
        "have",
        "having",
        "her",
        "here",
        "his",
        "how",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "least",
        "less",
        "may",
        "might",
        "more",
        "most",
        "must",
        "no",
        "nor",
        "not",
        "of",
        "on",
        "one",
        "only",
        "or",
        "other",
        "our",
        "out",
        "over",
        "per",
        "same",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "within",
        "without",
        "would",
        "you",
        "adequate",
        "adequately",
        "criteria",
        "criterion",
        "documented",
        "documentation",
        "member",
        "members",
        "patient",
        "patients",
        "medical",
        "medically",
        "necessary",
        "service",
        "services",
        "record",
        "records",
        "note",
        "notes",
        "new",
        "condition",
        "treating",
        "practitioner",
        "clinician",
        "includes",
        "including",
        "example",
    ]
)

# Clinical abbreviations and synonyms: each spelling on the left also counts as the
# words on the right. General clinical usage, not any one payer's wording.
_SYNONYMS: Final[dict[str, str]] = {
    "physio": "physical therapy",
    "physiotherapy": "physical therapy",
    "nsaid": "anti-inflammatory medication",
    "nsaids": "anti-inflammatory medication",
    "ibuprofen": "anti-inflammatory medication",
    "naproxen": "anti-inflammatory medication",
    "meloxicam": "anti-inflammatory medication",
    "diclofenac": "anti-inflammatory medication",
    "celecoxib": "anti-inflammatory medication",
    "mri": "magnetic resonance imaging",
    "bmi": "body mass index",
    "wks": "weeks",
    "wk": "weeks",
    "mos": "months",
    "hx": "history",
    "tx": "treatment",
    "dx": "diagnosis",
    "osa": "obstructive sleep apnea",
    "hsat": "home sleep apnea test",
    "hst": "home sleep apnea test",
    "chf": "congestive heart failure",
    "copd": "pulmonary disease",
    "ckd": "chronic kidney disease",
    "egfr": "kidney",
    "ibd": "inflammatory bowel disease",
    "crohn": "inflammatory bowel disease",
    "colitis": "inflammatory bowel disease",
    "cgm": "continuous glucose monitor device",
    "a1c": "glycemic",
    "t2dm": "type 2 diabetes",
    "dm": "diabetes",
    "htn": "hypertension",
    "plm": "periodic limb movement",
    "rom": "range motion",
    "weakness": "neurological deficit",
    "foot drop": "neurological deficit",
    "reflexes": "neurological",
    "incontinence": "bowel bladder dysfunction",
    "retention": "bladder dysfunction",
    "urinary": "bladder",
    "metastatic": "malignancy",
    "metastasis": "malignancy",
    "cancer": "malignancy",
    "tumor": "malignancy",
    "abscess": "infection",
    "osteomyelitis": "infection",
    "locks": "locking",
    "locked": "locking",
    "catches": "catching",
    "buckling": "giving way",
    "buckles": "giving way",
    "gives way": "giving way",
    "insulin pump": "insulin",
    "hypoglycaemia": "hypoglycemia",
    "telemedicine": "telehealth",
    "video visit": "telehealth",
    "psychologist": "psychological",
    "psychology": "psychological",
    "dietitian": "weight-loss program",
    "diet": "weight-loss program",
    "brca": "brca1 brca2",
    "insufficient": "inadequate",
    "nondiagnostic": "inconclusive",
    "non-diagnostic": "inconclusive",
}
_PT: Final = re.compile(r"\bPT\b")
_SUFFIXES: Final = ("ations", "ation", "ings", "ing", "ies", "ied", "ors", "or", "ed", "es", "s", "al", "ly")


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text.replace("\u2019", "'")).casefold()


def _stem(word: str) -> str:
    """A light suffix stripper: enough for locks/locking, weeks/week, tried/tries."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def _words(text: str) -> list[str]:
    out: list[str] = []
    for token in _WORD.findall(_fold(text)):
        out.extend(part for part in re.split(r"[-/]", token) if part)
    return out


def _expanded(text: str) -> list[str]:
    """The words of ``text`` with the synonym table's words added after their spelling.

    ``PT`` in capitals is physical therapy; ``pt`` or ``Pt`` is the patient.
    """
    words = _words(text)
    extra: list[str] = ["physical", "therapy"] if _PT.search(text) else []
    for i, word in enumerate(words):
        pair = f"{word} {words[i + 1]}" if i + 1 < len(words) else ""
        for key in (word, pair):
            if key and key in _SYNONYMS:
                extra.extend(_words(_SYNONYMS[key]))
    return words + extra


def content_stems(text: str, *, expand: bool = True) -> frozenset[str]:
    """Stems of the content words of ``text`` (numbers and stop words dropped)."""
    words = _expanded(text) if expand else _words(text)
    return frozenset(_stem(w) for w in words if len(w) >= 2 and w not in _STOP and not w.isdigit())


@lru_cache(maxsize=1024)
def criterion_terms(criterion_text: str, preamble: str) -> frozenset[str]:
    """The distinctive stems of a criterion: its own words minus the policy's preamble."""
    return content_stems(criterion_text) - content_stems(preamble, expand=False)


def relevance(criterion_text: str, preamble: str, passage: str) -> float:
    """How many of the criterion's distinctive stems the passage uses (0 when none).

    At :data:`RELEVANCE_THRESHOLD` or above, the passage is about this criterion. The
    score says nothing about which way the passage reads (met or not): that is the
    model's finding, and the gate checks the two together.
    """
    terms = criterion_terms(criterion_text, preamble)
    if not terms:
        return 0.0
    return float(len(terms & content_stems(passage)))


# Words that make a passage a plan, an option or a doubt rather than a record of what
# happened or was found: "discussed PT and an MRI" documents neither.
_UNSETTLED: Final = frozenset(
    [
        "discuss",
        "discussed",
        "discussing",
        "discussion",
        "option",
        "options",
        "consider",
        "considering",
        "considered",
        "plan",
        "plans",
        "planned",
        "planning",
        "will",
        "would",
        "may",
        "might",
        "maybe",
        "perhaps",
        "possibly",
        "unsure",
        "unclear",
        "unknown",
        "uncertain",
        "prefers",
        "wants",
        "keen",
        "arrange",
        "arranged",
        "talked",
        "talk",
        "explained",
        "choice",
        "choices",
        "versus",
        "vs",
        "next",
        "ordered",
        "order",
        "referred",
        "requested",
        "re",
        "regarding",
    ]
)


_MODALS: Final = frozenset({"will", "would", "may", "might"})


def unsettled(criterion_text: str, passage: str) -> bool:
    """True when the passage speaks of plans, options or doubt (a ``?`` included).

    A cue the criterion itself uses (a criterion may ask for a *suspected* condition)
    does not count against a passage.
    """
    own = set(_words(criterion_text))
    if own & _MODALS:
        own |= _MODALS  # a criterion about what *will* happen accepts what *would*
    words = set(_words(passage))
    return "?" in passage or "f/u" in passage.casefold() or bool((words & _UNSETTLED) - own)


def is_relevant(criteria: PolicyCriteria, number: int, passage: str) -> bool:
    """True when ``passage`` documents something about criterion ``number`` of the policy.

    It must say something (at least :data:`MIN_CONTENT_WORDS` content words), use the
    criterion's distinctive vocabulary (:func:`relevance`) and state something rather
    than discuss, plan or doubt it (:func:`unsettled`).
    """
    criterion = criteria.criterion(number)
    if criterion is None:
        return False
    if len(content_stems(passage)) < MIN_CONTENT_WORDS:
        return False
    if relevance(criterion.text, criteria.preamble, passage) < RELEVANCE_THRESHOLD:
        return False
    return not unsettled(criterion.text, passage)


def most_relevant(criteria: PolicyCriteria, number: int, passages: Iterable[str]) -> tuple[int, float]:
    """The index of the passage most relevant to criterion ``number``, and its score (-1 when none)."""
    criterion = criteria.criterion(number)
    best, best_score = -1, 0.0
    if criterion is None:
        return best, best_score
    for index, passage in enumerate(passages):
        score = relevance(criterion.text, criteria.preamble, passage)
        if score > best_score:
            best, best_score = index, score
    return best, best_score
