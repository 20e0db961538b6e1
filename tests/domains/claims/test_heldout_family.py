"""The whole engine on notes written in a family nothing trained or tuned on.

Two worlds from the same seed: the generator's own notes (the standard family), and
the same backlog with every claim that only rule 9 can settle rewritten in the
held-out family (:mod:`interlock.domains.claims.testing.heldout`). The baseline is
trained on the world's history, which is always the standard family. Real SQLite, the
real engine and gate; nothing of ours is replaced.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from interlock.assembly import build_engine
from interlock.db import make_engine
from interlock.domains.claims import schema as t
from interlock.domains.claims.baseline import BaselineModel, train_baseline
from interlock.domains.claims.connector import SqlClaimsConnector
from interlock.domains.claims.evaluation import EvalReport, Truth, evaluate, read_truth
from interlock.domains.claims.generator import seed
from interlock.domains.claims.pack import create_schema
from interlock.domains.claims.testing.heldout import VAGUE, HeldOutWorld, rewrite_backlog, vague_note
from interlock.domains.claims.testing.model_server import ScriptedModelServer, echo_policies_responder
from interlock.domains.claims.training import load_training_examples
from interlock.models.base import ModelClient
from interlock.models.openai_compat import OpenAICompatibleModel
from interlock.policy.principal import service_principal
from interlock.store.metadata import store_metadata
from interlock.work.runner import run_claims
from interlock.work.store import WorkStore

CLAIMS = 800
SEED = 11


@dataclass(frozen=True, slots=True)
class Run:
    sor: Engine
    truth: dict[str, Truth]
    report: EvalReport
    held_out: HeldOutWorld | None


def _run(tmp: Path, *, held_out: bool, hosted: ModelClient | None = None) -> Run:
    sor = make_engine(f"sqlite:///{tmp / 'sor.db'}")
    store = make_engine(f"sqlite:///{tmp / 'store.db'}")
    create_schema(sor)
    store_metadata.create_all(store)
    seed(sor, claims=CLAIMS, seed=SEED, truth_path=tmp / "truth.jsonl")
    truth = read_truth(tmp / "truth.jsonl")
    model = hosted or BaselineModel(train_baseline(load_training_examples(sor), seed=SEED))
    world = rewrite_backlog(sor, truth, seed=SEED) if held_out else None
    if world is not None:
        truth = world.truth
    engine = build_engine(
        "claims.adjudicate",
        connector=SqlClaimsConnector(sor),
        store=WorkStore.grouped(store),
        principal=service_principal(),
        model=model,
    )
    run_claims(engine, engine.pending_records())
    report = evaluate(sor, truth)
    figures = {k: v for k, v in report.as_dict().items() if k != "wrong_examples"}
    name = f"{'held-out' if held_out else 'standard'} family, {'hosted' if hosted else 'baseline'}"
    print(f"\n{name}: {json.dumps(figures, sort_keys=True)}")
    return Run(sor=sor, truth=truth, report=report, held_out=world)


@pytest.fixture(scope="module")
def standard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    run = _run(tmp_path_factory.mktemp("standard"), held_out=False)
    yield run
    run.sor.dispose()


@pytest.fixture(scope="module")
def heldout(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    run = _run(tmp_path_factory.mktemp("heldout"), held_out=True)
    yield run
    run.sor.dispose()


@pytest.fixture(scope="module")
def heldout_hosted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    """The held-out world judged by a hosted model that reads "met" into every criterion.

    That is the failure the issue describes: a confident approval of notes that settle
    nothing. The model speaks the real wire format over loopback HTTP and cites, for each
    criterion, the verbatim note sentence most about it; only the gate stands between
    its answer and a write.
    """
    with (
        pytest.MonkeyPatch.context() as env,
        ScriptedModelServer(echo_policies_responder("met", 0.99), api_key="k") as server,
    ):
        env.setenv("NO_PROXY", "127.0.0.1,localhost")
        env.setenv("no_proxy", "127.0.0.1,localhost")
        with OpenAICompatibleModel("misreader", base_url=server.base_url, api_key="k") as model:
            run = _run(tmp_path_factory.mktemp("hosted"), held_out=True, hosted=model)
    yield run
    run.sor.dispose()


def _auto(sor: Engine) -> dict[str, str]:
    with sor.connect() as conn:
        rows = conn.execute(
            select(t.adjudications.c.claim_id, t.adjudications.c.outcome, t.adjudications.c.decided_by)
        ).all()
    return {str(cid): str(outcome) for cid, outcome, by in rows if str(by).startswith("auto:")}


def test_the_held_out_world_is_what_it_claims_to_be(heldout: Run) -> None:
    """Every rule 9 claim got a held-out note, and no vague note is in the training history."""
    world = heldout.held_out
    assert world is not None
    assert len(world.vague) >= 50 and len(world.documented) >= 20
    assert all(heldout.truth[c].outcome == "review" for c in world.vague)
    with heldout.sor.connect() as conn:
        bodies = conn.execute(
            select(t.clinical_notes.c.claim_id, t.clinical_notes.c.body).where(
                t.clinical_notes.c.claim_id.in_(sorted(world.vague))
            )
        ).all()
        history = conn.execute(
            select(t.clinical_notes.c.body).where(t.clinical_notes.c.claim_id.not_in(list(heldout.truth)))
        ).scalars()
        trained_on = "\n".join(history)
    assert {str(c) for c, _ in bodies} == set(world.vague)
    assert "Options discussed" not in trained_on and "Discussed options" not in trained_on


def test_no_vague_note_is_finalized_automatically(heldout: Run) -> None:
    """A claim whose notes settle nothing goes to a person, whatever the model read into its words."""
    world = heldout.held_out
    assert world is not None
    auto = _auto(heldout.sor)
    decided = {c: auto[c] for c in world.vague if c in auto}
    assert decided == {}


def test_a_hosted_model_that_misreads_vague_notes_cannot_finalize_them(heldout_hosted: Run) -> None:
    """Whatever a hosted model states, a vague note's citations are not evidence for any criterion."""
    world = heldout_hosted.held_out
    assert world is not None
    auto = _auto(heldout_hosted.sor)
    assert {c: auto[c] for c in world.vague if c in auto} == {}
    # The same model's confident reading of clearly documented notes does get through.
    assert any(auto.get(c) == "approve" for c in world.documented)


def test_automatic_decisions_stay_precise_on_both_families(standard: Run, heldout: Run) -> None:
    """At least 99.5% of automatic finalizations are exactly right, on familiar and unfamiliar notes."""
    assert standard.report.precision >= 0.995, standard.report.wrong_examples
    assert heldout.report.precision >= 0.995, heldout.report.wrong_examples
    assert standard.report.unprocessed == 0 and heldout.report.unprocessed == 0


def test_the_standard_family_keeps_its_automatic_share(standard: Run) -> None:
    """Requiring cited evidence per criterion does not send familiar, well-documented claims to people."""
    assert standard.report.auto_share >= 0.65


def test_documented_held_out_claims_are_never_decided_the_wrong_way(heldout: Run) -> None:
    """A held-out note that documents the criteria is decided as its truth says, or goes to a person."""
    world = heldout.held_out
    assert world is not None
    auto = _auto(heldout.sor)
    wrong = {c: auto[c] for c in world.documented if c in auto and auto[c] != heldout.truth[c].outcome}
    assert wrong == {}


def test_a_vague_note_names_no_duration_therapy_or_finding() -> None:
    """The vague family is what it says: no number of weeks, no therapy tried, no finding."""
    import random

    rng = random.Random(0)
    for _ in range(200):
        body = vague_note(rng, rng.choice(["MP-101", "MP-102", "MP-103", "MP-108"])).lower()
        for word in ("weeks", "completed", "tried", "failed", "tear", "deficit", "bmi", "/52", "no relief"):
            assert word not in body
    assert len(VAGUE) >= 10
