"""Acceptance from outside: Interlock run end to end, as a new user would, on payers it never saw.

For each family and several seeds: an empty SQLite system of record gets the reference
schema and an outside payer (:func:`write_payer`); then the ``interlock`` command, run
as a real subprocess, trains the embedded baseline on that payer's history
(``model train``), decides the backlog with the real engine (``run claims.adjudicate
--as service --all``), scores it against the payer's truth file (``eval``) and verifies
the audit trail. Nothing of the project is replaced or tuned.

The targets are issue 15's: no claim whose notes do not settle medical necessity is
finalized automatically; at least 99.5% of automatic finalizations are exactly right;
at least 75% of the backlog is finalized automatically. Each (family, seed, target)
the project does not meet yet is marked ``xfail(strict=True)`` in :data:`KNOWN_MISSES`
with the figure measured, so the day it is met the mark must go. Every run prints its
figures and, for each miss, the scenario, note plan and note writers behind it (run
with ``-s`` or ``-rA`` to see them).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from interlock.db import make_engine
from interlock.domains.claims.evaluation import read_truth
from interlock.domains.claims.pack import create_schema
from interlock.domains.claims.testing.otherparty import write_payer
from interlock.domains.claims.testing.otherparty.scoring import Scorecard, score

pytestmark = pytest.mark.slow

FAMILIES = ("dev", "heldout", "sealed", "blind", "fresh", "unseen", "unread", "unheard")
SEEDS = (1, 2, 3)
CLAIMS = 700

_UNSETTLED = "claims whose notes settle nothing were finalized automatically"
_PRECISION = "automatic finalizations exactly right"
_SHARE = "backlog finalized automatically"

#: (target, family, seed) -> what was measured when the mark was set (700 claims each, with
#: the familiarity check on, as `interlock run` has it by default). Unseen, unread and
#: unheard were measured after every change they report on, with nothing of their notes or
#: misses read (docs/models.md, "Payers written by someone else", says how often and on what).
KNOWN_MISSES: dict[tuple[str, str, int], str] = {
    ("unsettled", "blind", 1): f"1 of 57 {_UNSETTLED} (1 silent)",
    ("share", "unseen", 1): f"508 of 700 {_SHARE} (72.57%); 116 claims that needed no person pended",
    ("share", "unseen", 2): f"491 of 700 {_SHARE} (70.14%); 122 claims that needed no person pended",
    ("share", "unseen", 3): f"488 of 700 {_SHARE} (69.71%); 119 claims that needed no person pended",
    ("unsettled", "unread", 3): f"1 of 62 {_UNSETTLED} (1 contradictory)",
    ("share", "unread", 1): f"509 of 700 {_SHARE} (72.71%); 121 claims that needed no person pended",
    ("share", "unread", 2): f"498 of 700 {_SHARE} (71.14%); 108 claims that needed no person pended",
    ("share", "unread", 3): f"492 of 700 {_SHARE} (70.29%); 109 claims that needed no person pended",
    ("share", "unheard", 1): f"480 of 700 {_SHARE} (68.57%); 140 claims that needed no person pended",
    ("share", "unheard", 2): f"480 of 700 {_SHARE} (68.57%); 127 claims that needed no person pended",
    ("share", "unheard", 3): f"486 of 700 {_SHARE} (69.43%); 111 claims that needed no person pended",
}


@dataclass(frozen=True)
class Run:
    """One end-to-end run and what it printed."""

    card: Scorecard
    evaluation: dict[str, Any]
    trained: dict[str, Any]
    audit_returncode: int
    audit_output: str


def _interlock(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "interlock", *args], cwd=cwd, capture_output=True, text=True, timeout=900
    )


def _json(done: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert done.returncode == 0, done.stderr[-3000:]
    parsed: dict[str, Any] = json.loads(done.stdout)
    return parsed


def _end_to_end(folder: Path, family: str, seed: int) -> Run:
    sor_url = f"sqlite:///{folder / 'sor.db'}"
    store_url = f"sqlite:///{folder / 'store.db'}"
    truth_path = folder / "truth.jsonl"
    sor = make_engine(sor_url)
    try:
        create_schema(sor)
        report = write_payer(sor, family=family, seed=seed, claims=CLAIMS, truth_path=truth_path)
        trained = _json(
            _interlock("model", "train", "--sor", sor_url, "--store", store_url, "--json", cwd=folder)
        )
        ran = _interlock(
            "run",
            "claims.adjudicate",
            "--sor",
            sor_url,
            "--store",
            store_url,
            "--as",
            "service",
            "--all",
            "--json",
            cwd=folder,
        )
        assert ran.returncode == 0, ran.stderr[-3000:]
        evaluation = _json(
            _interlock(
                "eval",
                "--sor",
                sor_url,
                "--store",
                store_url,
                "--truth",
                str(truth_path),
                "--json",
                cwd=folder,
            )
        )
        audit = _interlock("audit", "verify", "--store", store_url, cwd=folder)
        card = score(sor, report, read_truth(truth_path))
    finally:
        sor.dispose()
    figures = {k: v for k, v in evaluation.items() if k not in ("wrong_examples", "model")}
    print(f"\n[{family} seed {seed}] interlock eval: {json.dumps(figures, sort_keys=True)}")
    print(
        f"[{family} seed {seed}] baseline: examples={trained.get('examples')} accuracy={trained['metrics'].get('accuracy')}"
    )
    print(f"[{family} seed {seed}] scorecard: {json.dumps(card.summary(), sort_keys=True)}")
    return Run(
        card=card,
        evaluation=evaluation,
        trained=trained,
        audit_returncode=audit.returncode,
        audit_output=audit.stdout + audit.stderr,
    )


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str, int], Run]]:
    """Each (family, seed) is run once, the first time a test asks for it."""
    done: dict[tuple[str, int], Run] = {}

    def get(family: str, seed: int) -> Run:
        if (family, seed) not in done:
            done[(family, seed)] = _end_to_end(
                tmp_path_factory.mktemp(f"accept-{family}-{seed}"), family, seed
            )
        return done[(family, seed)]

    yield get
    if done:
        print("\nfamily   seed  auto_share  precision  unsettled_auto  pended  needless_review")
        for (family, seed), run in sorted(done.items()):
            c = run.card
            print(
                f"{family:8s} {seed:4d}  {c.auto_share:10.4f}  {c.precision:9.4f}  {len(c.unsettled_auto):14d}  "
                f"{c.pended:6d}  {sum(c.needless_review.values()):15d}"
            )


def _cases(target: str) -> list[Any]:
    cases = []
    for family in FAMILIES:
        for seed in SEEDS:
            miss = KNOWN_MISSES.get((target, family, seed))
            marks = [pytest.mark.xfail(strict=True, reason=miss)] if miss else []
            cases.append(pytest.param(family, seed, id=f"{family}-{seed}", marks=marks))
    return cases


@pytest.mark.parametrize(("family", "seed"), _cases("complete"))
def test_every_claim_ends_and_the_audit_trail_holds(
    runs: Callable[[str, int], Run], family: str, seed: int
) -> None:
    """Every backlog claim is finalized or pended, the scorecard agrees with `interlock eval`, the chain verifies."""
    run = runs(family, seed)
    assert run.evaluation["unprocessed"] == 0
    assert run.evaluation["claims"] == CLAIMS == run.card.claims
    assert run.evaluation["auto_finalized"] == run.card.auto_finalized
    assert run.evaluation["auto_correct"] == run.card.auto_correct
    assert run.evaluation["pended"] == run.card.pended
    assert run.audit_returncode == 0, run.audit_output


@pytest.mark.parametrize(("family", "seed"), _cases("rules"))
def test_rules_amounts_and_always_a_person_routes_are_never_wrong(
    runs: Callable[[str, int], Run], family: str, seed: int
) -> None:
    """Every wrong automatic finalization is a reading of notes: none on rules 1-8, amounts, high value or Part 2."""
    card = runs(family, seed).card
    assert card.rules_wrong == [] and card.always_person_auto == [], card.summary()["wrong"]


@pytest.mark.parametrize(("family", "seed"), _cases("unsettled"))
def test_no_claim_whose_notes_settle_nothing_is_finalized_automatically(
    runs: Callable[[str, int], Run], family: str, seed: int
) -> None:
    """Vague, option-only, silent, hedged, contradictory and injected notes all reach a person."""
    card = runs(family, seed).card
    assert card.unsettled_auto == [], (card.unsettled_auto_by_plan, card.unsettled_by_plan)


@pytest.mark.parametrize(("family", "seed"), _cases("precision"))
def test_automatic_finalizations_are_at_least_99_5_percent_exactly_right(
    runs: Callable[[str, int], Run], family: str, seed: int
) -> None:
    """Outcome, CARC, allowed and paid of at least 99.5% of automatic finalizations equal the truth."""
    run = runs(family, seed)
    assert run.evaluation["auto_correct"] >= 0.995 * run.evaluation["auto_finalized"], run.card.summary()[
        "wrong"
    ]


@pytest.mark.parametrize(("family", "seed"), _cases("share"))
def test_at_least_three_quarters_of_the_backlog_is_finalized_automatically(
    runs: Callable[[str, int], Run], family: str, seed: int
) -> None:
    """A person sees at most a quarter of the backlog."""
    run = runs(family, seed)
    assert run.evaluation["auto_finalized"] >= 0.75 * run.evaluation["claims"], run.card.summary()[
        "needless_review"
    ]
