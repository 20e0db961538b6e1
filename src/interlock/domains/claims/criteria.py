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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Final, Literal

from interlock.domains.claims import quantities
from interlock.domains.claims.hedges import unsettled
from interlock.domains.claims.vocabulary import content_stems, fold, words

__all__ = [
    "ABBREVIATIONS",
    "ALL",
    "ANY",
    "FINDINGS",
    "UNKNOWN",
    "Combine",
    "Criterion",
    "Finding",
    "PolicyCriteria",
    "PolicyStatus",
    "clause_about",
    "clauses",
    "combine",
    "content_stems",
    "criterion_terms",
    "evidence_clauses",
    "heading",
    "is_relevant",
    "most_relevant",
    "naming_services",
    "policy_criteria",
    "relevance",
    "required",
    "says_something",
    "template_key",
    "unsettled",
    "with_learned",
]

Combine = Literal["all", "any", "unknown"]
Finding = Literal["met", "not_met", "not_documented"]
FINDINGS: tuple[Finding, ...] = ("met", "not_met", "not_documented")
PolicyStatus = Literal["met", "not_met", "unclear"]

ALL: Final = "all"
ANY: Final = "any"
UNKNOWN: Final = "unknown"

#: The lowest :func:`relevance` at which a passage counts as evidence for a criterion.
RELEVANCE_THRESHOLD: Final = 1.0
#: Learned stems (:attr:`Criterion.learned`) count toward relevance only this many at a time.
LEARNED_MIN_HITS: Final = 2
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
_EVERY_ONE = re.compile(r"\b(?:every|each)\s+(?:single\s+)?one\s+of\b", re.IGNORECASE)
_LEAD_BREAK = re.compile(r"(?<=[.!?])\s+|\n+")
#: Where a sentence ends and another begins inside the last item: ". If any ...".
_FOLLOWING_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
_ABBREVIATIONS: Final = frozenset(
    {"e.g.", "i.e.", "etc.", "vs.", "dr.", "approx.", "incl.", "no.", "st.", "u.s."}
)
_IF_ONE_MISSING = re.compile(
    r"\b(?:if|when|where)\b[^.;]*\b(?:any|one)\b[^.;]*\b(?:absent|missing|lacking|not met|not documented|"
    r"not shown|not established|not present|unmet)\b",
    re.IGNORECASE,
)
_STANDALONE_NUMBER = re.compile(r"(?<![A-Za-z\d])\d")
_CLOSING = re.compile(r"(?:If|When|Where|Otherwise|Unless|Absent|Without)\b")
_IF_NONE = re.compile(r"\b(?:if|when|where)\b[^.;]*\bnone\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True, kw_only=True)
class Criterion:
    """One numbered criterion of a policy, as the policy text states it.

    ``learned`` are stems the payer's own history ties to this criterion where its
    clinicians write in words the criterion does not use (:mod:`.lexicon`); empty
    until a history has been learned from.
    """

    number: int
    text: str
    learned: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True, kw_only=True)
class PolicyCriteria:
    """A policy's criteria in order, how they combine, and its preamble's words."""

    combine: Combine
    criteria: tuple[Criterion, ...]
    preamble: str
    #: Clauses the payer's writers repeat under many policies whatever the outcome
    #: ("PE: well-appearing, cooperative with the examination"), by :func:`template_key`:
    #: learned from the history (:mod:`.lexicon`), they are about no criterion.
    templates: frozenset[str] = frozenset()

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
    begins, at a blank line, or at the end of the text. The last item ends with its
    first sentence when more sentences follow in its paragraph: those say what happens
    when criteria are missing ("If any listed condition is absent, the service is not
    covered"), and read as part of the last criterion they would lend it the policy's
    own words. The combining sentence is the text just before ``(1)``, else the first
    sentence after the list (:func:`combination`).
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
        last = index + 1 == len(items)
        end = len(body) if last else items[index + 1][1].start()
        text = body[match.end() : end]
        gap = re.search(r"\n", text) if by_line else _BLANK_LINE.search(text)
        if gap is not None:
            text = text[: gap.start()]
        if last:
            text = _first_sentence_of_item(text)
        end = match.end() + len(text)
        criteria.append(Criterion(number=number, text=text.strip().rstrip(";").strip()))
    lead, closing = _sentences(preamble), _sentences(body[end:])
    how = combination(lead[-1]) if lead else None
    if how is None and closing:
        how = combination(closing[0])
    combine: Combine = ALL if len(criteria) == 1 else how or UNKNOWN
    return PolicyCriteria(combine=combine, criteria=tuple(criteria), preamble=preamble)


def _first_sentence_of_item(text: str) -> str:
    """The last item up to the sentence that closes the policy ("If any listed condition is absent, ...").

    A full stop after an abbreviation ("e.g. NSAIDs", "Dr. Lee") ends no sentence, and a
    following sentence that states a number is still the criterion's own ("... taken for
    six weeks. At least 4 of those weeks supervised."), unless it opens as a closing
    sentence does ("If", "When", "Otherwise"), so nothing is cut there.
    """
    for found in _FOLLOWING_SENTENCE.finditer(text):
        before = text[: found.start()].split()
        if before and before[-1].casefold() in _ABBREVIATIONS:
            continue
        rest = text[found.end() :]
        if _STANDALONE_NUMBER.search(rest) and not _CLOSING.match(rest):
            return text
        return text[: found.start()]
    return text


def combination(sentence: str) -> Combine | None:
    """How a combining sentence joins the criteria, or None when it does not say.

    "every one of the requirements" and "each one of" are all of them, although they
    contain "one of". A closing sentence says it by its consequence: "if any listed
    condition is absent, the service is not covered" needs them all, "if none of them
    is shown" needs one. A sentence that says both ways ("all of ... at least one of")
    is read strictly (:data:`UNKNOWN`): an approval then needs every criterion met and a
    denial every criterion not met.
    """
    if _IF_ONE_MISSING.search(sentence):
        return ALL  # "If any listed condition is absent, ... not covered": each one is needed
    if _IF_NONE.search(sentence):
        return ANY  # "If the chart establishes none of them, ... declines": one is enough
    text = _EVERY_ONE.sub("all of", sentence)
    anyone, everyone = _ANY.search(text) is not None, _ALL.search(text) is not None
    if anyone and everyone:
        return UNKNOWN
    return ANY if anyone else ALL if everyone else None


def _sentences(text: str) -> list[str]:
    """The sentences and lines of ``text`` (a header line is not part of the sentence after it)."""
    return [p for p in _LEAD_BREAK.split(text.strip()) if p.strip()]


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

#: Titles and Latin abbreviations whose full stop ends no sentence: "Heart team (CT
#: surgeon Dr. Okafor) recommends ..." is one statement. "Ms." and "St." only as written
#: in titles: "reflux 1280 ms." ends a sentence.
ABBREVIATIONS: Final = (
    "(?i:dr)",
    "(?i:drs)",
    "(?i:mr)",
    "(?i:mrs)",
    "Ms",
    "(?i:prof)",
    "St",
    "(?i:vs)",
    "(?i:approx)",
    r"(?i:e\.g)",
    r"(?i:i\.e)",
    "(?i:cf)",
)
#: A lookbehind per abbreviation, for the position just after its full stop.
_NOT_AN_ABBREVIATION: Final = "".join(rf"(?<!\b{a}\.)" for a in ABBREVIATIONS)
_SENTENCE_BREAK: Final = re.compile(rf"(?<=[.!?]){_NOT_AN_ABBREVIATION}\s+(?=[A-Z0-9(\-•*])|\n+|\s*\|+\s*")
_NEGATIONS: Final = frozenset(
    {"no", "not", "never", "none", "denies", "denied", "declined", "refused", "without"}
)
_WITHOUT: Final = re.compile(r"\bw/o\b", re.IGNORECASE)
#: Where a clause ends: after a semicolon, a sentence end, a line break, a pipe or a spaced " // ".
CLAUSE_BREAK: Final = re.compile(
    rf"(?<=;)|(?<=[.!?]){_NOT_AN_ABBREVIATION}\s+(?=[A-Z0-9(\-•*])|\n+|\s*\|+\s*|(?<=\s)//(?=\s)"
)


def clauses(passage: str) -> tuple[str, ...]:
    """The clauses of a passage: split after semicolons, sentence ends, line breaks and pipes.

    A pipe separates fields the way a line break does in the one-line summaries many
    record systems export ("Order: ... | Pain score 3/10. | Signed"), and so does a
    spaced double slash ("BMI 45.0 // psych evaluation done").

    Shorthand notes join several findings with semicolons ("declined PT; MRI shows a
    tear; knee locks"); each clause is read against the criteria on its own, so one
    clause's finding is not credited to another criterion.
    """
    parts = (p.strip().rstrip(";").strip() for p in CLAUSE_BREAK.split(passage))
    return tuple(p for p in parts if p)


#: Stock phrases that say "normal" and nothing about any criterion: "vitals within normal
#: limits" is no limit on daily activities.
_STOCK_PHRASES: Final = re.compile(r"\bwithin normal limits\b|\bWNL\b", re.IGNORECASE)


@lru_cache(maxsize=65_536)
def _passage_stems(passage: str) -> frozenset[str]:
    """The content stems of a passage, its stock phrases left out (cached: every criterion reads every clause)."""
    return content_stems(_STOCK_PHRASES.sub(" ", passage))


@lru_cache(maxsize=1024)
def criterion_terms(criterion_text: str, preamble: str) -> frozenset[str]:
    """The distinctive stems of a criterion: its own words minus the policy's preamble."""
    return content_stems(criterion_text) - content_stems(preamble, expand=False)


def relevance(
    criterion_text: str, preamble: str, passage: str, learned: frozenset[str] = frozenset()
) -> float:
    """How many of the criterion's distinctive stems the passage uses (0 when none).

    At :data:`RELEVANCE_THRESHOLD` or above, the passage is about this criterion. The
    score says nothing about which way the passage reads (met or not): that is the
    model's finding, and the gate checks the two together. Stems learned from the
    payer's history (``learned``) count only when at least :data:`LEARNED_MIN_HITS` of
    them occur together, or when they are all the passage says ("no radiation"): one
    word learned from co-occurrence among others ("arm in a sling") proves too little.
    """
    found = _passage_stems(passage)
    own = criterion_terms(criterion_text, preamble)
    score = float(len(own & found))
    # A learned word the preamble (or the service's name) uses names the topic, as own words do.
    hits = len((learned - own - content_stems(preamble, expand=False)) & found)
    return score + (hits if hits >= LEARNED_MIN_HITS or (hits and hits == len(found)) else 0)


_TEMPLATE_EDGES: Final = re.compile(r"^[\W_]+|[\W_]+$")


def template_key(clause: str) -> str:
    """A clause as a writer's template would repeat it: folded, spacing and edge punctuation dropped."""
    return _TEMPLATE_EDGES.sub("", " ".join(fold(clause).split()))


def naming_services(criteria: PolicyCriteria, services: Iterable[str]) -> PolicyCriteria:
    """``criteria`` with the names of the services the policy governs on this claim read as preamble.

    "Cataract removal with intraocular lens, one eye" heads many notes ("Topic: ...",
    "Reason for visit: ..."); its words name what every claim under the policy is about,
    like the policy's title, so they are evidence for no criterion ("the operative
    eye" is then about the eye's acuity only where the clause says more).
    """
    named = "\n".join(s for s in services if s)
    if not named:
        return criteria
    return replace(criteria, preamble=f"{criteria.preamble}\n{named}")


def with_learned(criteria: PolicyCriteria, learned: Mapping[str, frozenset[str]]) -> PolicyCriteria:
    """``criteria`` with each criterion's learned stems (keyed by the criterion's text) attached."""
    if not learned:
        return criteria
    return replace(
        criteria,
        criteria=tuple(replace(c, learned=learned.get(c.text, frozenset())) for c in criteria.criteria),
    )


def _sentence_of(passage: str, clause: str) -> str:
    """The sentence (or line) of ``passage`` that holds ``clause``."""
    for sentence in _SENTENCE_BREAK.split(passage):
        if clause in sentence:
            return sentence
    return clause


def _value_criteria(criteria: PolicyCriteria, clause: str) -> tuple[int, ...]:
    """The criteria whose thresholds measure a value ``clause`` states.

    When several could (two spans in weeks and months), those whose measure the value's
    own words name, if any, beyond the policy's preamble: "trying to conceive for 29
    months" measures the infertility criterion, not the one on weeks of ovulation
    induction.
    """
    measuring = tuple(
        c for c in criteria.criteria if quantities.reading(c.text, clause) not in ("absent", "none")
    )
    if len(measuring) > 1:
        common = content_stems(criteria.preamble, expand=False)
        named = tuple(c for c in measuring if quantities.names_the_measure(c.text, clause, common))
        if named:
            measuring = named
    return tuple(c.number for c in measuring)


def clause_about(criteria: PolicyCriteria, number: int, clause: str) -> bool:
    """True when ``clause`` is about criterion ``number`` of the policy.

    It must use the criterion's distinctive vocabulary (:func:`relevance` at least
    :data:`RELEVANCE_THRESHOLD`), or state a value that only this criterion's thresholds
    measure ("last seen 17 months ago" against the one criterion asking for a visit
    within six months). A clause that states a measured value belongs to the criteria
    it scores highest on, so "sleep study AHI 14" is about the AHI criterion and not the
    daytime-sleepiness one that shares the word "sleep". Any other clause belongs to every
    criterion it scores highest on (ties keep both): "partner reports witnessed apneas"
    shares one word with an AHI criterion and two with the one about witnessed apneas,
    and reading it against the AHI criterion would only make that criterion look
    contradicted. A template line of the payer's writers (:attr:`PolicyCriteria.templates`)
    is about nothing.
    """
    criterion = criteria.criterion(number)
    if criterion is None or (criteria.templates and template_key(clause) in criteria.templates):
        return False
    measured = _value_criteria(criteria, clause)

    def score_of(other: Criterion) -> float:
        bonus = 1.0 if measured == (other.number,) else 0.0
        return relevance(other.text, criteria.preamble, clause, other.learned) + bonus

    score = score_of(criterion)
    if score < RELEVANCE_THRESHOLD:
        return False
    return all(score_of(other) <= score for other in criteria.criteria if other.number != number)


#: Where a criterion asks for something to be absent: "finds no contraindication", "no
#: seizure disorder and no metal implant", "free of untreated illness". Not "no more than".
_ABSENCE_CUE: Final = re.compile(
    r"\b(?:no|without|free of|absence of)\s+(?!(?:more|less|fewer|longer|later|earlier|greater)\b)",
    re.IGNORECASE,
)
#: Where a clause denies something: "no contraindication found", "negative for implants".
_DENIAL_CUE: Final = re.compile(
    r"\b(?:no|not|never|denies|denied|without|negative for|free of|absence of|ruled out)\s+"
    r"(?:(?:any|known|current|history of|hx of|evidence of|signs? of|further)\s+)*",
    re.IGNORECASE,
)
_ABSENCE_END: Final = re.compile(r"[;,.:]|\b(?:that|which|who|and no|or no)\b", re.IGNORECASE)


@lru_cache(maxsize=1024)
def _absent_groups(criterion_text: str) -> tuple[frozenset[str], ...]:
    """The things a criterion asks to be absent, one set of stems per "no ..." phrase."""
    groups: list[frozenset[str]] = []
    for m in _ABSENCE_CUE.finditer(criterion_text):
        rest = criterion_text[m.end() :]
        end = _ABSENCE_END.search(rest)
        stems = content_stems(rest[: end.start() if end else len(rest)], expand=False)
        if stems:
            groups.append(stems)
    return tuple(groups)


def denies_what_is_required_absent(criterion_text: str, clause: str) -> bool:
    """True when the clause denies every thing the criterion asks to be absent.

    "Psychology evaluation completed: no contraindication found" documents "an evaluation
    that finds no contraindication"; a word classifier, seeing "no", tends to read it the
    other way. The denied thing is the first word after the denial ("no evaluation for
    contraindications" denies the evaluation, not the contraindication), and a criterion
    asking for two absences ("no seizure disorder and no metal implant") needs both denied.
    """
    groups = _absent_groups(criterion_text)
    if not groups:
        return False
    denied: set[str] = set()
    for m in _DENIAL_CUE.finditer(clause):
        following = content_stems(" ".join(clause[m.end() :].split()[:1]), expand=False)
        denied |= following
    return all(group & denied for group in groups)


def says_something(criterion_text: str, clause: str, sentence: str | None = None) -> bool:
    """The clause's sentence has :data:`MIN_CONTENT_WORDS` content words or denies something, or the clause states a value the criterion measures.

    "Seen for diabetes." names a topic and documents nothing; "No effusion.", "no
    mechanical symptoms; pain only" and "pain 4/10" document something.
    """
    text = sentence if sentence is not None else clause
    found = set(words(text))
    negations = len(found & _NEGATIONS) + len(_WITHOUT.findall(text))
    content = len(content_stems(text))
    if content + negations >= MIN_CONTENT_WORDS or (negations and content):
        return True  # "No effusion." denies a finding: that is a statement, not a topic
    return quantities.reading(criterion_text, clause) not in ("absent", "none")


def evidence_clauses(criteria: PolicyCriteria, number: int, passage: str) -> tuple[str, ...]:
    """The clauses of ``passage`` that document something about criterion ``number``.

    A clause documents something when it is no heading (:func:`heading`), is about the
    criterion (:func:`clause_about`),
    says something (:func:`says_something`) and states rather than plans, weighs or
    doubts (:func:`~interlock.domains.claims.hedges.unsettled`).
    """
    criterion = criteria.criterion(number)
    if criterion is None:
        return ()
    return tuple(
        c
        for c in clauses(passage)
        if not heading(c)
        and clause_about(criteria, number, c)
        and says_something(criterion.text, c, _sentence_of(passage, c))
        and not unsettled(criterion.text, c)
    )


def heading(clause: str) -> bool:
    """A clause that titles what follows ("HOSPITAL MEDICINE PROGRESS NOTE", "Findings:") states nothing.

    A line in capitals is a heading only when it is short and states no number and no
    negation: "PAIN 3/10 TODAY" and "NO RELIEF WITH PT" are findings, written loudly.
    """
    if clause.rstrip().endswith(":"):
        return True
    letters = [ch for ch in clause if ch.isalpha()]
    found = words(clause)
    return (
        len(letters) >= 4
        and all(ch.isupper() for ch in letters)
        and 2 <= len(found) <= 6
        and not any(ch.isdigit() for ch in clause)
        and not (set(found) & _NEGATIONS)
    )


def is_relevant(criteria: PolicyCriteria, number: int, passage: str) -> bool:
    """True when some clause of ``passage`` documents something about criterion ``number``."""
    return bool(evidence_clauses(criteria, number, passage))


def most_relevant(criteria: PolicyCriteria, number: int, passages: Iterable[str]) -> tuple[int, float]:
    """The index of the passage most relevant to criterion ``number``, and its score (-1 when none)."""
    criterion = criteria.criterion(number)
    best, best_score = -1, 0.0
    if criterion is None:
        return best, best_score
    for index, passage in enumerate(passages):
        score = relevance(criterion.text, criteria.preamble, passage, criterion.learned)
        if score > best_score:
            best, best_score = index, score
    return best, best_score
