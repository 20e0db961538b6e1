"""Shadow mode on the invoices domain: a newly trained account baseline beside the pinned production one.

Production is the expense-account baseline trained on the whole decided history; the
candidate is an older baseline trained on a small part of it, pinned by its digest
(``baseline:DIGEST``), with lower thresholds. The shadow run's ERP must equal a run
without shadow; the shadow figures must equal what the domain's own evaluation
computes from the truth file, for production and for the candidate run as production.
The store is SQLite, then PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from shadowworld import (
    INSTANT,
    checkpoint,
    copy_world,
    decide_backlog,
    done_work_items,
    eval_shadow,
    shadow_rows,
    table_dump,
)
from sqlalchemy import Engine, insert, select
from typer.testing import CliRunner

from interlock.assembly import build_engine, connector_for, model_for, shadow_for
from interlock.audit.chain import AuditLog
from interlock.cli.app import app
from interlock.clock import FrozenClock
from interlock.db import make_engine
from interlock.domains.invoices import schema as t
from interlock.domains.invoices.baseline import AccountBaseline
from interlock.domains.invoices.evaluation import evaluate as evaluate_invoices
from interlock.domains.invoices.pack import BASELINE_KIND, DOMAIN
from interlock.domains.invoices.training import load_examples, train_artifact
from interlock.engine import EngineSettings
from interlock.models.familiarity_store import train_familiarity
from interlock.models.registry import save_trained
from interlock.policy.principal import service_principal
from interlock.store.migrations import prepare_store
from interlock.store.schema import trained_models
from interlock.task import Thresholds
from interlock.work.runner import run_claims
from interlock.work.store import WorkStore

TASK = "invoices.approve"
BACKLOG = 80


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A seeded ERP with its truth; a store with a small older baseline and the full newer one."""
    directory = tmp_path_factory.mktemp("invoices-shadow")
    sor, store = (
        make_engine(f"sqlite:///{directory / 'sor.db'}"),
        make_engine(f"sqlite:///{directory / 'store.db'}"),
    )
    assert DOMAIN.create_schema is not None and DOMAIN.seed is not None and DOMAIN.train is not None
    DOMAIN.create_schema(sor)
    DOMAIN.seed(sor, records=BACKLOG, seed=3, truth_path=directory / "truth.jsonl")
    prepare_store(store)
    examples = load_examples(sor)
    first = sorted({e.invoice_id for e in examples if e.whole_invoice})[:24]
    small = train_artifact([e for e in examples if e.invoice_id in first], [], seed=0)
    candidate_id = save_trained(
        store,
        kind=BASELINE_KIND,
        model_id=AccountBaseline(small).model_id,
        artifact=small.to_json(),
        metrics=small.metrics,
        now=datetime(2026, 4, 1),
    )
    full = DOMAIN.train(sor, store, now=datetime(2026, 5, 1, tzinfo=UTC))
    assert full["model_id"] != candidate_id
    # As `interlock model train` does: the familiar region beside the model, for the CLI's engines.
    train_familiarity(DOMAIN, sor, store, now=datetime(2026, 5, 1, tzinfo=UTC), alpha=0.01)
    sor.dispose()
    store.dispose()
    for name in ("sor.db", "store.db"):
        checkpoint(directory / name)
    return directory, candidate_id.rpartition(":")[2]


def _with_models(template: Path, store: Engine) -> None:
    """Give a fresh store (PostgreSQL) the template's trained models."""
    prepare_store(store)
    source = make_engine(f"sqlite:///{template / 'store.db'}")
    with source.connect() as conn:
        rows = [dict(r) for r in conn.execute(select(trained_models)).mappings()]
    source.dispose()
    with store.begin() as conn:
        conn.execute(insert(trained_models), rows)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def shadow_store(request: pytest.FixtureRequest) -> str | None:
    """Where the shadow run's store lives: ``None`` for a SQLite copy, else a scratch PostgreSQL URL."""
    if request.param == "sqlite":
        return None
    url: str = request.getfixturevalue("pg_url")
    return url


def test_a_pinned_baseline_in_shadow_on_invoices(
    template: tuple[Path, str], tmp_path: Path, shadow_store: str | None
) -> None:
    """ERP unchanged by shadow, one record per item in the store, figures equal to the domain's evaluation."""
    directory, digest = template
    truth_path = directory / "truth.jsonl"
    alone = copy_world(directory, tmp_path / "alone")
    shadowed = copy_world(directory, tmp_path / "shadowed", store_url=shadow_store)
    if shadow_store is not None:
        _with_models(directory, shadowed.store)
    candidate_alone = copy_world(directory, tmp_path / "candidate")
    lower = Thresholds(approve=0.6, deny=0.6)

    decide_backlog(TASK, alone, model_for(TASK, "baseline", alone.store))
    runner = shadow_for(
        TASK, shadowed.store, model=f"baseline:{digest}", thresholds=lower, clock=FrozenClock(INSTANT)
    )
    assert runner is not None
    decide_backlog(TASK, shadowed, model_for(TASK, "baseline", shadowed.store), shadow=runner)
    # The candidate alone: its model pinned as production, at its thresholds.
    engine = build_engine(
        TASK,
        connector=connector_for(TASK, candidate_alone.sor),
        store=WorkStore(candidate_alone.store, AuditLog(candidate_alone.store)),
        principal=service_principal(),
        model=model_for(TASK, f"baseline:{digest}", candidate_alone.store),
        settings=EngineSettings(thresholds=lower),
        clock=FrozenClock(INSTANT),
    )
    run_claims(engine, engine.pending_records())

    assert table_dump(shadowed.sor, t.metadata) == table_dump(alone.sor, t.metadata)
    rows = shadow_rows(shadowed.store, TASK)
    assert {r["work_item_id"] for r in rows} == done_work_items(shadowed.store, TASK)
    assert len(rows) == BACKLOG
    answered = [r for r in rows if r["candidate_status"] == "answered"]
    assert answered
    assert {r["candidate_model_id"] for r in answered} == {f"invoices-baseline:{digest}"}
    assert {r["production_model_id"] for r in answered} != {f"invoices-baseline:{digest}"}

    store_url = shadow_store or shadowed.store_url
    [comparison] = eval_shadow(TASK, store_url, truth_path)["candidates"]
    assert comparison["candidate"] == f"model invoices-baseline:{digest}, thresholds approve 0.6 deny 0.6"
    production = evaluate_invoices(alone.sor, truth_path)
    candidate = evaluate_invoices(candidate_alone.sor, truth_path)
    assert comparison["production"]["automatic"] == production["automatic"]
    assert comparison["production"]["precision_vs_truth"]["judged"] == production["automatic"]
    assert comparison["production"]["precision_vs_truth"]["correct"] == production["automatic_correct"]
    assert comparison["shadow"]["automatic"] == candidate["automatic"]
    assert comparison["shadow"]["precision_vs_truth"]["judged"] == candidate["automatic"]
    assert comparison["shadow"]["precision_vs_truth"]["correct"] == candidate["automatic_correct"]
    assert comparison["shadow"]["failed"] == 0
    # The two differ: agreement is not total.
    assert comparison["agreement"]["same"] < BACKLOG
    for world in (alone, shadowed, candidate_alone):
        world.dispose()


def test_run_and_eval_commands_take_shadow_options(template: tuple[Path, str], tmp_path: Path) -> None:
    """`run --shadow-threshold` records production's answers judged at the candidate's thresholds; `eval --shadow` prints them."""
    directory, _digest = template
    world = copy_world(directory, tmp_path / "cli")
    ran = CliRunner().invoke(
        app,
        [
            "run",
            TASK,
            "--sor",
            world.sor_url,
            "--store",
            world.store_url,
            "--as",
            "service",
            "--all",
            "--shadow-threshold",
            "0.5",
            "--json",
        ],
    )
    assert ran.exit_code == 0, ran.output
    rows = shadow_rows(world.store, TASK)
    assert len(rows) == BACKLOG
    assert {r["candidate"] for r in rows} == {"model production, thresholds approve 0.5 deny 0.5"}
    assert {r["candidate_status"] for r in rows} <= {"reused", "not_asked"}
    reused = [r for r in rows if r["candidate_status"] == "reused"]
    assert reused and all(r["candidate_model_id"] == r["production_model_id"] for r in reused)
    text = CliRunner().invoke(app, ["eval", "--shadow", "--task", TASK, "--store", world.store_url])
    assert text.exit_code == 0, text.output
    assert "shadow candidate model production, thresholds approve 0.5 deny 0.5" in " ".join(
        text.stdout.split()
    )
    assert "wilson score interval, 95%" in text.stdout
    world.dispose()
