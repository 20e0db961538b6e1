"""The familiarity check in the real engine on claims: unfamiliar notes go to a person.

One seeded world (real SQLite): the baseline and the familiar region are trained on its
history before anything else happens, then copies of it are run three ways: the
generator's own backlog, the backlog rewritten in the held-out family of notes
(:mod:`interlock.domains.claims.testing.heldout`) judged by the baseline, and the same
judged by a hosted model over real HTTP that reads "met" into every criterion with 0.99
confidence. Nothing of the held-out module reaches the fit: the region is fitted on the
history before any backlog is rewritten, and refitting afterwards gives the same region.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from interlock.assembly import build_engine
from interlock.audit.chain import audit_events, events_for_record
from interlock.audit.explain import explain_record
from interlock.db import make_engine
from interlock.domains.claims import schema as t
from interlock.domains.claims.baseline import train_baseline
from interlock.domains.claims.connector import SqlClaimsConnector
from interlock.domains.claims.evaluation import EvalReport, Truth, evaluate, read_truth
from interlock.domains.claims.generator import seed
from interlock.domains.claims.pack import DOMAIN, create_schema, load_baseline, save_baseline
from interlock.domains.claims.testing.heldout import HeldOutWorld, rewrite_backlog
from interlock.domains.claims.testing.model_server import ScriptedModelServer, echo_policies_responder
from interlock.engine import EngineSettings
from interlock.models.base import ModelClient
from interlock.models.familiarity import FamiliarityModel
from interlock.models.familiarity_store import load_familiarity, train_familiarity, unfamiliar_counts
from interlock.models.openai_compat import OpenAICompatibleModel
from interlock.policy.principal import service_principal
from interlock.store.metadata import store_metadata
from interlock.store.schema import review_items
from interlock.work.runner import run_claims
from interlock.work.store import WorkStore

CLAIMS = 800
SEED = 11
ALPHA = 0.01
TASK = "claims.adjudicate"
NOW = datetime(2026, 5, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class World:
    """A seeded, trained world kept pristine; runs work on copies of its files."""

    folder: Path
    region: FamiliarityModel
    report: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Run:
    sor: Engine
    store: Engine
    truth: dict[str, Truth]
    report: EvalReport
    held_out: HeldOutWorld | None
    unfamiliar: dict[str, int]
    #: The region fitted on this world's history after the rewrite, before any decision.
    refit_id: str | None


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    folder = tmp_path_factory.mktemp("familiar-world")
    sor, store = (
        make_engine(f"sqlite:///{folder / 'sor.db'}"),
        make_engine(f"sqlite:///{folder / 'store.db'}"),
    )
    create_schema(sor)
    store_metadata.create_all(store)
    seed(sor, claims=CLAIMS, seed=SEED, truth_path=folder / "truth.jsonl")
    from interlock.domains.claims.training import load_training_examples

    artifact = train_baseline(load_training_examples(sor), seed=SEED)
    save_baseline(store, artifact, {}, now=NOW)
    report = train_familiarity(DOMAIN, sor, store, now=NOW, alpha=ALPHA, seed=SEED)
    assert report is not None
    region = load_familiarity(store, "claims")
    sor.dispose()
    store.dispose()
    print(f"\nfamiliar region: {json.dumps({k: v for k, v in report.items() if k != 'by_alpha'})}")
    return World(folder=folder, region=region, report=report)


def _run(
    world: World, tmp: Path, *, held_out: bool, model: ModelClient | None = None, alpha: float | None = ALPHA
) -> Run:
    for name in ("sor.db", "store.db"):
        shutil.copy(world.folder / name, tmp / name)
    sor, store = make_engine(f"sqlite:///{tmp / 'sor.db'}"), make_engine(f"sqlite:///{tmp / 'store.db'}")
    truth = read_truth(world.folder / "truth.jsonl")
    rewritten = rewrite_backlog(sor, truth, seed=SEED) if held_out else None
    refit_id = None
    if rewritten is not None:
        truth = rewritten.truth
        refit = train_familiarity(DOMAIN, sor, store, now=NOW, alpha=ALPHA, seed=SEED)
        refit_id = None if refit is None else str(refit["model_id"])
    engine = build_engine(
        TASK,
        connector=SqlClaimsConnector(sor),
        store=WorkStore.grouped(store),
        principal=service_principal(),
        model=model or load_baseline(store),
        settings=EngineSettings(familiarity_alpha=alpha),
    )
    assert (engine.familiarity is None) == (alpha is None)
    run_claims(engine, engine.pending_records())
    report = evaluate(sor, truth)
    unfamiliar = unfamiliar_counts(store, TASK)
    figures = {k: v for k, v in report.as_dict().items() if k not in ("wrong_examples", "outcome_mix")}
    name = f"{'held-out' if held_out else 'standard'}, {'hosted' if model else 'baseline'}, alpha {alpha}"
    print(f"\n{name}: {json.dumps({**figures, **unfamiliar}, sort_keys=True)}")
    return Run(
        sor=sor,
        store=store,
        truth=truth,
        report=report,
        held_out=rewritten,
        unfamiliar=unfamiliar,
        refit_id=refit_id,
    )


@pytest.fixture(scope="module")
def standard(world: World, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    run = _run(world, tmp_path_factory.mktemp("standard"), held_out=False)
    yield run
    run.sor.dispose()


@pytest.fixture(scope="module")
def standard_off(world: World, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    run = _run(world, tmp_path_factory.mktemp("standard-off"), held_out=False, alpha=None)
    yield run
    run.sor.dispose()


@pytest.fixture(scope="module")
def heldout(world: World, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    run = _run(world, tmp_path_factory.mktemp("heldout"), held_out=True)
    yield run
    run.sor.dispose()


@pytest.fixture(scope="module")
def heldout_hosted(world: World, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    """The held-out world judged over loopback HTTP by a model stating "met" at 0.99 for every criterion."""
    with (
        pytest.MonkeyPatch.context() as env,
        ScriptedModelServer(echo_policies_responder("met", 0.99), api_key="k") as server,
    ):
        env.setenv("NO_PROXY", "127.0.0.1,localhost")
        env.setenv("no_proxy", "127.0.0.1,localhost")
        with OpenAICompatibleModel("misreader", base_url=server.base_url, api_key="k") as model:
            run = _run(world, tmp_path_factory.mktemp("hosted"), held_out=True, model=model)
        assert server.requests, "the hosted model was never asked"
    yield run
    run.sor.dispose()


def _auto(sor: Engine) -> dict[str, str]:
    query = select(t.adjudications.c.claim_id, t.adjudications.c.outcome, t.adjudications.c.decided_by)
    with sor.connect() as conn:
        return {str(c): str(o) for c, o, by in conn.execute(query) if str(by).startswith("auto:")}


def _reviews(store: Engine) -> dict[str, tuple[str, list[dict[str, str]]]]:
    query = select(review_items.c.record_id, review_items.c.reason, review_items.c.findings)
    with store.connect() as conn:
        return {str(r): (str(reason), json.loads(f)) for r, reason, f in conn.execute(query)}


def _verdict_measures(store: Engine) -> dict[str, dict[str, Any]]:
    """The familiarity measures of each record's last gate verdict, from the audit trail."""
    query = select(audit_events.c.record_id, audit_events.c.body).where(audit_events.c.kind == "gate.verdict")
    out: dict[str, dict[str, Any]] = {}
    with store.connect() as conn:
        for record_id, body in conn.execute(query.order_by(audit_events.c.seq)):
            measures = json.loads(body)["details"].get("measures", {})
            if "familiarity" in measures:
                out[str(record_id)] = measures["familiarity"]
    return out


def test_the_threshold_comes_from_the_history_alone(world: World, heldout: Run) -> None:
    """Refitting after the backlog was rewritten in the held-out family gives the very same region."""
    assert heldout.refit_id == world.report["model_id"]
    assert world.region.at(ALPHA).threshold == pytest.approx(world.report["threshold"], abs=1e-6)
    assert world.report["guaranteed_coverage"] >= 1 - ALPHA
    assert world.report["achieved_coverage"] >= 1 - ALPHA - 0.03  # 3 sd of a test split this size


def test_unfamiliar_vague_notes_go_to_a_person_with_the_score_and_threshold(
    world: World, heldout: Run
) -> None:
    """Vague held-out notes the model read are judged unfamiliar and held, saying by how much."""
    assert heldout.held_out is not None
    threshold = world.region.at(ALPHA).threshold
    measures = _verdict_measures(heldout.store)
    reviews = _reviews(heldout.store)
    read = [c for c in heldout.held_out.vague if c in measures]
    unfamiliar = [c for c in read if measures[c]["score"] > measures[c]["threshold"]]
    print(f"\nvague notes read by the model: {len(read)}, judged unfamiliar: {len(unfamiliar)}")
    assert len(read) >= 50 and len(unfamiliar) >= 0.9 * len(read)
    for claim_id in unfamiliar:
        assert (
            measures[claim_id]["threshold"] == pytest.approx(threshold)
            and measures[claim_id]["alpha"] == ALPHA
        )
        reason, findings = reviews[claim_id]
        assert reason.startswith(
            f"familiarity: unfamiliar input: score {measures[claim_id]['score']:.3f} above"
        )
        assert {"check": "familiarity", "severity": "review"}.items() <= findings[0].items()
    assert not set(heldout.held_out.vague) & set(_auto(heldout.sor))
    assert heldout.report.precision >= 0.995
    # `audit explain` says it in plain words, with the numbers the trail holds.
    example = sorted(unfamiliar)[0]
    told = explain_record(example, events_for_record(heldout.store, example))
    m = measures[example]
    assert f"familiarity alpha {ALPHA}, score {m['score']}, threshold {m['threshold']}" in told


def test_a_hosted_model_confident_on_unfamiliar_notes_still_goes_to_a_person(heldout_hosted: Run) -> None:
    """Notes the evidence check would let a 0.99-confident hosted model approve are held as unfamiliar."""
    world = heldout_hosted.held_out
    assert world is not None
    auto = _auto(heldout_hosted.sor)
    measures = _verdict_measures(heldout_hosted.store)
    reviews = _reviews(heldout_hosted.store)
    held_only_for_it = [
        c
        for c, (_reason, findings) in reviews.items()
        if [f["check"] for f in findings if f["severity"] != "info"] == ["familiarity"]
    ]
    print(f"\nheld for unfamiliarity alone, against a 0.99-confident hosted answer: {len(held_only_for_it)}")
    assert held_only_for_it, "no confident hosted answer was stopped by the familiarity check alone"
    for claim_id in held_only_for_it:
        assert measures[claim_id]["score"] > measures[claim_id]["threshold"]
    for claim_id in world.documented | world.vague:
        if claim_id in auto:
            assert measures[claim_id]["score"] <= measures[claim_id]["threshold"]
    assert heldout_hosted.unfamiliar["unfamiliar_only"] == len(held_only_for_it)


def test_the_generators_own_backlog_keeps_its_automatic_share(standard: Run, standard_off: Run) -> None:
    """On notes like the history's the check costs at most a handful of automatic decisions and no precision."""
    lost = standard_off.report.auto_finalized - standard.report.auto_finalized
    print(
        f"\nautomatic: {standard.report.auto_finalized} with the check, {standard_off.report.auto_finalized} without"
    )
    assert 0 <= lost <= max(2, round(0.01 * standard.report.claims))
    assert lost == standard.unfamiliar["unfamiliar_only"]
    assert standard.report.precision >= standard_off.report.precision >= 0.995
    measures = _verdict_measures(standard.store)
    assert measures and all(set(m) == {"score", "threshold", "alpha"} for m in measures.values())
    assert all(
        isinstance(v, int | float) and not isinstance(v, bool) for m in measures.values() for v in m.values()
    )


def test_without_the_check_no_measure_reaches_the_trail(standard_off: Run) -> None:
    """Switched off, the engine holds no region and the trail records no familiarity measure."""
    assert _verdict_measures(standard_off.store) == {}
    assert standard_off.unfamiliar == {"routed_unfamiliar": 0, "unfamiliar_only": 0}
