"""Criterion vocabulary learned from a payer's own decided history.

The relevance scorer (:func:`~interlock.domains.claims.criteria.relevance`) ties a note
clause to a criterion by the words they share, widened by a small table of general
clinical synonyms. A payer's clinicians often document a criterion in words the policy
never uses ("cannot lift the arm above shoulder height" for "loss of function with
overhead activity"); such a criterion then looks undocumented and every claim under it
goes to a person.

The history says which words those are, without anyone labelling a criterion. When
people approved a claim under an "all" policy (or denied one under an "any" policy),
every criterion was documented. If exactly one criterion has no clause about it, the
clauses about no criterion are where it was documented, together with whatever else
the notes say (greetings, plans, filler). A stem is learned for that criterion when it
occurs in those orphan clauses in at least :data:`MIN_SUPPORT` such examples and far
more often than in the orphan clauses of the policy's examples where a clause was about
the criterion (at least :data:`MIN_SUPPORT` of them, or nothing is learned for it), and
of other policies' examples: filler and a writer's sign-off occur everywhere and are
never learned, nor are the words of the policy's own title and preamble (the service's
name, which every note repeats).

The history also says which lines are a writer's template ("PE: well-appearing,
cooperative with the examination"): repeated word for word under many policies, whatever
the outcome (:func:`templates`). Such a line shares a word with some criterion now and
then, and read as evidence it only makes that criterion look contradicted; it is about
no criterion.

:func:`learn` is pure; a :class:`Lexicon` is plain JSON keyed by criterion text, so a
revised policy whose criterion reads the same keeps what was learned. The baseline keeps
the lexicon in its artifact and reads with it; ``model train`` also stores it for the
gate, so a citation is judged relevant by the same vocabulary whichever model made it.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Final, Protocol

from interlock.domains.claims.criteria import (
    ALL,
    ANY,
    PolicyCriteria,
    clause_about,
    clauses,
    policy_criteria,
    says_something,
    template_key,
    with_learned,
)
from interlock.domains.claims.vocabulary import content_stems

#: Examples in which a stem must occur where the criterion went unmatched.
MIN_SUPPORT: Final = 3
#: Share of those examples that must carry the stem.
MIN_SHARE: Final = 0.25
#: How many times more often than in the policy's other orphan clauses and in other policies'.
MIN_LIFT: Final = 6.0
#: Largest share of policies in whose orphan clauses a learned stem may recur: a word
#: left over under many policies is a writer's habit, not a criterion's vocabulary.
MAX_SPREAD: Final = 0.25
#: Rounds of learning at most (each reads the criteria with what the last one learned).
ROUNDS: Final = 3
#: Learned stems kept per criterion (the most frequent first).
MAX_TERMS: Final = 40
#: Share of the history's policies under which a clause must recur to be a template line.
TEMPLATE_SPREAD: Final = 0.2
#: ... and the fewest policies, whatever the share.
TEMPLATE_MIN_POLICIES: Final = 3
#: Largest difference between its claims' approval share and the history's.
TEMPLATE_MAX_TILT: Final = 0.15


class DecidedNotes(Protocol):
    """One policy at stake on a decided claim: what :func:`learn` reads (a training example)."""

    @property
    def policy_body(self) -> str: ...
    @property
    def notes(self) -> tuple[str, ...]: ...
    @property
    def label(self) -> str: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class Lexicon:
    """Learned stems by criterion text, and how many history examples taught them."""

    terms: Mapping[str, frozenset[str]] = field(default_factory=dict)
    examples: int = 0
    #: The writers' template lines (:func:`~interlock.domains.claims.criteria.template_key`).
    templates: frozenset[str] = frozenset()

    def apply(self, criteria: PolicyCriteria) -> PolicyCriteria:
        """``criteria`` with the learned stems of each criterion and the template lines attached."""
        learned = with_learned(criteria, self.terms)
        return replace(learned, templates=self.templates) if self.templates else learned

    def counts(self) -> dict[str, int]:
        """How much was learned, for the store's metrics and ``model train``'s report."""
        return {
            "examples": self.examples,
            "criteria": len(self.terms),
            "terms": sum(len(v) for v in self.terms.values()),
            "templates": len(self.templates),
        }

    def to_json(self) -> str:
        """Canonical JSON: equal lexicons give equal text."""
        return json.dumps(
            {
                "examples": self.examples,
                "terms": {k: sorted(v) for k, v in sorted(self.terms.items())},
                "templates": sorted(self.templates),
            },
            sort_keys=True,
            separators=(",", ":"),
        )

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Lexicon:
        """Parse the JSON form; a malformed one raises ValueError."""
        terms = raw["terms"]
        if not isinstance(terms, dict) or not all(
            isinstance(k, str) and isinstance(v, list) and all(isinstance(s, str) for s in v)
            for k, v in terms.items()
        ):
            raise ValueError("lexicon terms must map criterion text to a list of stems")
        templates = raw.get("templates", [])  # absent from lexicons learned before templates were
        if not isinstance(templates, list) or not all(isinstance(t, str) for t in templates):
            raise ValueError("lexicon templates must be a list of strings")
        return cls(
            terms={k: frozenset(v) for k, v in terms.items()},
            examples=int(raw["examples"]),
            templates=frozenset(templates),
        )

    @classmethod
    def from_json(cls, text: str) -> Lexicon:
        """Parse a stored lexicon."""
        return cls.from_dict(json.loads(text))


#: What a task knows before any history was learned from: the policies' own words only.
NO_LEXICON: Final = Lexicon()


def _orphans_and_missing(criteria: PolicyCriteria, notes: Iterable[str]) -> tuple[list[str], list[int]]:
    """The clauses about no criterion (that say something), and the criteria no clause is about."""
    every = [c for body in notes for c in clauses(body)]
    about = {n: False for n in criteria.numbers}
    orphans: list[str] = []
    for clause in every:
        hit = [n for n in criteria.numbers if clause_about(criteria, n, clause)]
        for n in hit:
            about[n] = True
        if not hit and any(says_something(c.text, clause) for c in criteria.criteria):
            orphans.append(clause)
    return orphans, [n for n, seen in about.items() if not seen]


def templates(examples: Sequence[DecidedNotes]) -> frozenset[str]:
    """The clauses the payer's writers repeat word for word, whatever the policy and the outcome.

    "PE: Well-appearing, cooperative with the examination" closes every note a writer's
    template produces; it shares a word with some criterion ("confirmed on
    examination") and the classifier reads it one way or the other, which makes that
    criterion look contradicted. A clause stating a number is never a template line:
    "Physical therapy for 20 weeks" recurs under many policies too, and its number is
    what decides. Any other clause is a template line when it recurs under at least
    :data:`TEMPLATE_SPREAD` of the history's policies (and
    :data:`TEMPLATE_MIN_POLICIES`), and the share of approvals among the claims that
    carry it is within :data:`TEMPLATE_MAX_TILT` of the history's: a clause that leans
    toward one outcome ("No improvement.") says something, wherever it recurs.
    """
    policies: defaultdict[str, set[str]] = defaultdict(set)
    labels: defaultdict[str, Counter[str]] = defaultdict(Counter)
    overall: Counter[str] = Counter()
    for example in examples:
        overall[example.label] += 1
        for key in {template_key(c) for body in example.notes for c in clauses(body)}:
            if any(ch.isalpha() for ch in key) and not any(ch.isdigit() for ch in key):
                policies[key].add(example.policy_body)
                labels[key][example.label] += 1
    total = sum(overall.values())
    if not total:
        return frozenset()
    spread = max(TEMPLATE_MIN_POLICIES, TEMPLATE_SPREAD * len({e.policy_body for e in examples}))
    base = overall["met"] / total
    return frozenset(
        key
        for key, seen in policies.items()
        if len(seen) >= spread
        and abs(labels[key]["met"] / sum(labels[key].values()) - base) <= TEMPLATE_MAX_TILT
    )


def learn(examples: Iterable[DecidedNotes]) -> Lexicon:
    """Learn criterion stems and template lines from decided history (see the module docstring).

    Learning runs in up to :data:`ROUNDS` rounds: what one round learns ties more
    clauses to their criteria, so an example with two unmatched criteria may have one
    left in the next round, and teaches it. Template lines (:func:`templates`) are
    found first, so no round learns from them.
    """
    examples = list(examples)
    lines = templates(examples)
    documented = []
    for example in examples:
        criteria = policy_criteria(example.policy_body)
        settled = (example.label == "met" and criteria.combine == ALL) or (
            example.label == "not_met" and criteria.combine == ANY
        )
        if settled and len(criteria.criteria) >= 2:
            documented.append((example.policy_body, criteria, example.notes))
    lexicon = Lexicon(examples=len(documented), templates=lines)
    for _ in range(ROUNDS):
        learned = _round(documented, lexicon)
        merged = {
            k: lexicon.terms.get(k, frozenset()) | learned.get(k, frozenset())
            for k in {*lexicon.terms, *learned}
        }
        if merged == dict(lexicon.terms):
            break
        lexicon = Lexicon(terms=merged, examples=len(documented), templates=lines)
    return lexicon


def _round(
    documented: list[tuple[str, PolicyCriteria, tuple[str, ...]]], lexicon: Lexicon
) -> dict[str, frozenset[str]]:
    """One round of learning over the documented examples, reading criteria with ``lexicon``."""
    # Per policy text: examples with orphan clauses, and per stem how many of them carry it.
    policy_examples: Counter[str] = Counter()
    policy_stems: defaultdict[str, Counter[str]] = defaultdict(Counter)
    # Per (policy text, criterion number): the examples where it alone went unmatched,
    # and those where a clause was about it (where its words are not among the orphans).
    lone_examples: Counter[tuple[str, int]] = Counter()
    lone_stems: defaultdict[tuple[str, int], Counter[str]] = defaultdict(Counter)
    found_examples: Counter[tuple[str, int]] = Counter()
    found_stems: defaultdict[tuple[str, int], Counter[str]] = defaultdict(Counter)
    texts: dict[tuple[str, int], str] = {}
    for body, plain, notes in documented:
        criteria = lexicon.apply(plain)
        orphans, missing = _orphans_and_missing(criteria, notes)
        stems = frozenset().union(*(content_stems(c) for c in orphans)) if orphans else frozenset()
        policy_examples[body] += 1
        policy_stems[body].update(stems)
        for c in criteria.criteria:
            key = (body, c.number)
            texts[key] = c.text
            if c.number not in missing:
                found_examples[key] += 1
                found_stems[key].update(stems)
        if len(missing) == 1 and stems:
            key = (body, missing[0])
            lone_examples[key] += 1
            lone_stems[key].update(stems)
    every_examples = sum(policy_examples.values())
    every_stems: Counter[str] = Counter()
    for counts in policy_stems.values():
        every_stems.update(counts)
    learned: dict[str, set[str]] = defaultdict(set)
    for key, n in lone_examples.items():
        body, _ = key
        rest = found_examples[key]
        if rest < MIN_SUPPORT:
            continue  # never seen matched: nothing tells its words from the notes' boilerplate
        others = every_examples - policy_examples[body]
        service = content_stems(policy_criteria(body).preamble)
        ranked = []
        for stem_, k in lone_stems[key].items():
            if k < MIN_SUPPORT or k / n < MIN_SHARE or stem_ in service:
                continue
            # Rarer where a clause was about the criterion, and in other policies' notes: a
            # writer's sign-off or template line occurs everywhere and is never learned.
            same = found_stems[key][stem_] / rest if rest else 0.0
            across = (every_stems[stem_] - policy_stems[body][stem_]) / others if others else 0.0
            spread = sum(1 for counts in policy_stems.values() if counts[stem_] >= MIN_SUPPORT)
            if k / n >= MIN_LIFT * max(same, across) and spread <= max(1, len(policy_stems) * MAX_SPREAD):
                ranked.append((-k, stem_))
        learned[texts[key]].update(s for _, s in sorted(ranked)[:MAX_TERMS])
    return {k: frozenset(v) for k, v in learned.items() if v}
