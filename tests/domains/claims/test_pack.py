"""The claims pack's generic hooks: what `sor init|seed`, `model train` and `eval` call for any domain."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select

from interlock.assembly import build_engine, connector_for, model_for
from interlock.audit.chain import AuditLog
from interlock.db import make_engine
from interlock.domains.claims import schema as t
from interlock.exceptions import ConfigurationError
from interlock.policy.principal import service_principal
from interlock.registry import domain
from interlock.store.metadata import store_metadata
from interlock.work.runner import run_claims
from interlock.work.store import WorkStore


def test_the_hooks_seed_train_run_and_evaluate_a_small_world(tmp_path: Path) -> None:
    """Schema, seed, train and evaluate through the registry alone give a scored, decided backlog."""
    pack = domain("claims")
    assert pack.create_schema and pack.seed and pack.train and pack.evaluate
    sor = make_engine(f"sqlite:///{tmp_path / 'sor.db'}")
    store = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    store_metadata.create_all(store)
    pack.create_schema(sor)
    assert "claims" in inspect(sor).get_table_names()
    truth = tmp_path / "truth.jsonl"
    seeded = pack.seed(sor, records=60, seed=3, truth_path=truth)
    assert seeded["backlog"] == 60 and truth.exists()
    trained = pack.train(sor, store, now=datetime(2026, 12, 1, tzinfo=UTC))
    assert trained["model_id"].startswith("baseline:") and trained["examples"] >= 20
    engine = build_engine(
        "claims.adjudicate",
        connector=connector_for("claims.adjudicate", sor),
        store=WorkStore(store, AuditLog(store)),
        principal=service_principal(),
        model=model_for("claims.adjudicate", "baseline", store),
    )
    results = run_claims(engine, engine.pending_records())
    assert len(results) == 60
    summary = pack.evaluate(sor, store, truth)
    assert summary["claims"] == 60 and summary["unprocessed"] == 0
    assert summary["model"]["accuracy"] > 0
    backlog = [json.loads(line)["claim_id"] for line in truth.read_text().splitlines()]
    written = select(func.count()).where(t.adjudications.c.claim_id.in_(backlog))
    with sor.connect() as conn:
        assert conn.execute(written).scalar_one() == summary["auto_finalized"] + summary["finalized_by_staff"]


def test_training_on_an_empty_history_is_a_clear_error(tmp_path: Path) -> None:
    """Too little history refuses with a configuration error instead of a useless model."""
    pack = domain("claims")
    assert pack.create_schema and pack.train
    sor = make_engine(f"sqlite:///{tmp_path / 'sor.db'}")
    store = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    store_metadata.create_all(store)
    pack.create_schema(sor)
    with pytest.raises(ConfigurationError, match="too few to train"):
        pack.train(sor, store, now=datetime(2026, 12, 1, tzinfo=UTC))
