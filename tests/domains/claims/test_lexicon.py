"""Criterion vocabulary learned from a payer's decided history, and the gate reading with it.

A payer's clinicians document "loss of function with overhead activity" as "cannot
lift the arm above shoulder height": no word shared, so without the payer's history
the criterion looks undocumented and every such claim goes to a person. The history
teaches the words (approvals under an "all" policy document every criterion), never
a writer's sign-off or greeting, and the gate reads with what ``model train`` stored.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine

from interlock.domains.claims.criteria import (
    clause_about,
    evidence_clauses,
    policy_criteria,
    relevance,
    template_key,
)
from interlock.domains.claims.lexicon import NO_LEXICON, Lexicon, learn
from interlock.domains.claims.pack import LEXICON_KIND, load_lexicon, save_lexicon
from interlock.domains.claims.task import ClaimsAdjudicate
from interlock.domains.claims.vocabulary import content_stems, stem
from interlock.exceptions import ConfigurationError
from interlock.models.registry import save_trained
from interlock.store.migrations import prepare_store

SHOULDER = (
    "Rotator cuff repair is medically necessary when all of the following are met:\n"
    "(1) a full-thickness tear confirmed by MRI or ultrasound;\n"
    "(2) weakness or loss of function with overhead activity."
)
KNEE = (
    "Knee replacement is medically necessary when all of the following are met:\n"
    "(1) severe joint space narrowing on standing radiographs;\n"
    "(2) pain that limits walking despite a cane."
)
OVERHEAD = SHOULDER.split("(2) ")[1]
SIGN_OFFS = ("Electronically signed by the attending.", "Thank you for reviewing this request today.")


@dataclass(frozen=True)
class Decided:
    """One decided (claim, policy) as the history holds it."""

    policy_body: str
    notes: tuple[str, ...]
    label: str


def _history(count: int, seed: int = 0) -> list[Decided]:
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        shoulder = rng.random() < 0.5
        label = rng.choice(("met", "met", "not_met"))
        if shoulder:
            facts = ["MRI confirms a full-thickness supraspinatus tear."]
            if label == "met":
                facts.append(
                    rng.choice(
                        (
                            "Cannot lift the arm above shoulder height; positive drop-arm sign.",
                            "Unable to lift arm past shoulder height.",
                            "Weakness with overhead activity.",
                        )
                    )
                )
        else:
            facts = ["Standing films show severe joint space narrowing."]
            if label == "met":
                facts.append("Pain limits walking to one block even with a cane.")
        facts.extend(rng.sample(SIGN_OFFS, rng.randint(0, 2)))
        rng.shuffle(facts)
        out.append(Decided(policy_body=SHOULDER if shoulder else KNEE, notes=(" ".join(facts),), label=label))
    return out


def test_history_teaches_a_criterion_its_payers_words_and_never_a_sign_off() -> None:
    """The arm/shoulder words are learned for the overhead criterion; greetings and signatures for nothing."""
    lexicon = learn(_history(240))
    assert {"arm", "lift", "shoulder", "height"} <= lexicon.terms[OVERHEAD]
    learned = set().union(*lexicon.terms.values())
    assert not learned & {
        "electron",
        "electronical",
        "sign",
        "sign-off",
        "thank",
        "review",
        "request",
        "attend",
    }
    assert lexicon.examples > 0
    assert Lexicon.from_json(lexicon.to_json()) == lexicon


def test_no_history_teaches_nothing() -> None:
    """Denials under "all" leave criteria unmentioned on purpose: they teach nothing."""
    denials = [d for d in _history(240) if d.label == "not_met"]
    assert learn(denials).terms == {}


def test_learned_words_count_only_two_at_a_time() -> None:
    """One learned word shared by chance ("arm in a sling") does not make a clause about the criterion."""
    criteria = Lexicon(terms={OVERHEAD: frozenset({"arm", "lift", "shoulder", "height"})}).apply(
        policy_criteria(SHOULDER)
    )
    learned = criteria.criteria[1].learned
    assert relevance(OVERHEAD, criteria.preamble, "Arm in a sling after the fall.", learned) == 0
    assert relevance(OVERHEAD, criteria.preamble, "Cannot lift the arm above shoulder height.", learned) >= 2
    plain = policy_criteria(SHOULDER)
    passage = "Cannot lift the arm above shoulder height; positive drop-arm sign."
    assert evidence_clauses(plain, 2, passage) == ()
    assert evidence_clauses(criteria, 2, passage) == ("Cannot lift the arm above shoulder height",)


def test_the_task_is_bound_to_what_model_train_stored(tmp_path: object) -> None:
    """An engine's claims task reads with the stored vocabulary; a store without one gives the policies' words."""
    store = create_engine(f"sqlite:///{tmp_path}/store.db")
    prepare_store(store)
    assert ClaimsAdjudicate().bind(store).lexicon == NO_LEXICON == load_lexicon(store)
    lexicon = learn(_history(240))
    save_lexicon(store, lexicon, now=datetime(2026, 1, 1, tzinfo=UTC))
    assert ClaimsAdjudicate().bind(store).lexicon == lexicon
    store.dispose()


def test_a_learned_word_that_is_all_a_clause_says_is_enough() -> None:
    """ "No radiation." says one thing, in the payer's word for it; one learned word among others does not."""
    policy = (
        "Facet injection is medically necessary when all of the following are met:\n"
        "(1) axial neck pain for twelve weeks or longer;\n"
        "(2) no radicular symptoms in the arms."
    )
    learned = content_stems("radiation tingling")  # the stems learning would have kept
    criteria = Lexicon(terms={"no radicular symptoms in the arms.": learned}).apply(policy_criteria(policy))
    assert evidence_clauses(criteria, 2, "Pain stays in the neck; no radiation.") == ("no radiation.",)
    assert evidence_clauses(criteria, 2, "Radiation oncology follow-up booked.") == ()


def test_a_malformed_stored_vocabulary_stops_the_engine_with_what_to_run(tmp_path: object) -> None:
    """A corrupted lexicon row is a configuration error naming the cure, not a crash in a work item."""
    store = create_engine(f"sqlite:///{tmp_path}/store.db")
    prepare_store(store)
    save_trained(
        store,
        kind=LEXICON_KIND,
        model_id="lexicon:bad",
        artifact='{"terms": 3}',
        metrics={},
        now=datetime(2026, 1, 1),
    )
    with pytest.raises(ConfigurationError, match="run `interlock model train` again"):
        ClaimsAdjudicate().bind(store)
    store.dispose()


@pytest.mark.parametrize(
    "inflections",
    [
        ("fracture", "fractures", "fractured"),
        ("therapy", "therapies"),
        ("disease", "diseases"),
        ("image", "images", "imaging"),
        ("nerve", "nerves"),
    ],
)
def test_a_word_and_its_inflections_share_one_stem(inflections: tuple[str, ...]) -> None:
    """ "fracture" and "fractures" must meet, or a plural in a note is about nothing the criterion says."""
    assert len({stem(w) for w in inflections}) == 1


LYMPH = (
    "A compression pump is medically necessary when all of the following are met:\n"
    "(1) lymphedema confirmed on examination;\n"
    "(2) at least 4 weeks of compression garments without improvement."
)
TEMPLATE_LINE = "PE: Well-appearing, cooperative with the examination."


def _templated_history(count: int, seed: int = 1) -> list[Decided]:
    """Three policies' claims, each note closed by the same exam line whatever the outcome."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        body = rng.choice((SHOULDER, KNEE, LYMPH))
        label = rng.choice(("met", "not_met"))
        facts = ["Findings as the policy asks." if label == "met" else "Findings fall short."]
        if label == "met":
            facts.append("No improvement.")  # leans to one outcome: says something
        facts += [TEMPLATE_LINE, "Assessment time: 40 min."]
        out.append(Decided(policy_body=body, notes=(" ".join(facts),), label=label))
    return out


def test_a_writers_template_line_is_learned_and_is_about_no_criterion() -> None:
    """A line every note repeats under many policies, whatever the outcome, ties to no criterion.

    A line that leans to one outcome ("No improvement.") or states a number ("Assessment
    time: 40 min.") is no template line.
    """
    lexicon = learn(_templated_history(300))
    assert template_key(TEMPLATE_LINE) in lexicon.templates
    assert template_key("No improvement.") not in lexicon.templates
    assert template_key("Assessment time: 40 min.") not in lexicon.templates
    plain = policy_criteria(LYMPH)
    assert clause_about(plain, 1, TEMPLATE_LINE)
    assert not clause_about(lexicon.apply(plain), 1, TEMPLATE_LINE)
    assert clause_about(lexicon.apply(plain), 1, "Lymphedema of the left leg confirmed on examination.")
    assert Lexicon.from_json(lexicon.to_json()) == lexicon


def test_a_vocabulary_stored_before_template_lines_still_loads() -> None:
    """A stored vocabulary without the templates key reads as one with none."""
    old = Lexicon.from_json('{"examples": 3, "terms": {"x": ["y"]}}')
    assert old.templates == frozenset() and old.terms == {"x": frozenset({"y"})}
