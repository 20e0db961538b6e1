"""The shadow runner inside the engine, one hand-written claim at a time.

Production never waits on, fails with, or changes because of the candidate: a
candidate with no time left, one that raises, and a store that cannot take the shadow
record all leave production's result and writes as they are.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, select

from interlock.assembly import build_engine
from interlock.audit.chain import AuditLog
from interlock.db import make_engine
from interlock.domains.claims import schema as t
from interlock.domains.claims.connector import SqlClaimsConnector
from interlock.domains.claims.testing.handmade import add_claim, seed_reference
from interlock.domains.claims.testing.scripted import ScriptedModel
from interlock.engine import Engine as TaskEngine
from interlock.engine import EngineSettings
from interlock.models.base import ModelAnswer, ModelQuestion
from interlock.policy.principal import service_principal
from interlock.shadow.runner import Candidate, ShadowRunner
from interlock.store.metadata import store_metadata
from interlock.store.schema import shadow_decisions
from interlock.task import Thresholds
from interlock.telemetry.metrics import REGISTRY
from interlock.work.runner import run_claims
from interlock.work.store import WorkStore

NOTE = "Eight weeks of supervised physical therapy completed without relief. MRI shows a meniscal tear."
_A = TypeVar("_A", bound=ModelAnswer)


class SlowModel:
    """The scripted model, answering after ``seconds``: production that uses up its deadline."""

    def __init__(self, seconds: float) -> None:
        self.inner = ScriptedModel("met", 0.99, name="slow")
        self.seconds = seconds

    @property
    def model_id(self) -> str:
        """The inner model's id."""
        return self.inner.model_id

    def ask(self, question: ModelQuestion[_A], *, timeout: float) -> _A:
        """Sleep, then answer."""
        time.sleep(self.seconds)
        return self.inner.ask(question, timeout=timeout)


class BrokenModel:
    """A candidate with a bug of its own: every call raises an error that is not a model error."""

    model_id = "scripted:broken"

    def ask(self, question: ModelQuestion[_A], *, timeout: float) -> _A:
        """Fail the way a bug fails."""
        raise KeyError("policies")


def _world(tmp_path: Path) -> tuple[Engine, Engine]:
    sor = make_engine(f"sqlite:///{tmp_path / 'sor.db'}")
    store = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    t.metadata.create_all(sor)
    store_metadata.create_all(store)
    seed_reference(sor)
    add_claim(sor, "K1", lines=(("X2002", 1, "2000.00"),), notes=(NOTE,))  # type: ignore[arg-type]
    return sor, store


def _engine(
    sor: Engine, store: Engine, model: Any, shadow: ShadowRunner, settings: EngineSettings | None = None
) -> TaskEngine[Any, Any, Any, Any]:
    return build_engine(
        "claims.adjudicate",
        connector=SqlClaimsConnector(sor),
        store=WorkStore(store, AuditLog(store)),
        principal=service_principal(),
        model=model,
        settings=settings,
        shadow=shadow,
    )


def _record(store: Engine) -> dict[str, Any]:
    with store.connect() as conn:
        [row] = conn.execute(select(shadow_decisions)).mappings().all()
    return dict(row)


def test_a_candidate_with_no_time_left_is_not_asked(tmp_path: Path) -> None:
    """Production spent the deadline: the candidate is recorded as failed (no_time), never called."""
    sor, store = _world(tmp_path)
    candidate = ScriptedModel("not_met", 0.99, name="candidate")
    shadow = ShadowRunner(Candidate(label="late", model=candidate), store)
    engine = _engine(sor, store, SlowModel(0.75), shadow, EngineSettings(deadline_seconds=0.8))
    [result] = run_claims(engine, ["K1"])
    assert (result.route, result.outcome) == ("commit", "approve")
    record = _record(store)
    assert (record["candidate_status"], record["candidate_failure"]) == ("failed", "no_time")
    assert record["candidate_route"] == "review"
    assert (record["production_route"], record["production_outcome"]) == ("commit", "approve")
    assert candidate.calls == 0


def test_a_candidate_that_raises_is_counted_and_production_stands(tmp_path: Path) -> None:
    """An unexpected error in the candidate is its failure (error), not production's."""
    sor, store = _world(tmp_path)
    shadow = ShadowRunner(Candidate(label="broken", model=BrokenModel()), store)
    [result] = run_claims(_engine(sor, store, ScriptedModel("met", 0.99), shadow), ["K1"])
    assert (result.route, result.outcome) == ("commit", "approve")
    record = _record(store)
    assert (record["candidate_status"], record["candidate_failure"]) == ("failed", "error")
    assert record["candidate_model_id"] == "scripted:broken"


def _shadow_stage_count() -> float:
    return REGISTRY.get_sample_value("interlock_stage_duration_seconds_count", {"stage": "shadow"}) or 0.0


def test_a_candidate_that_disagrees_is_recorded_beside_production(tmp_path: Path) -> None:
    """A candidate reading the notes as not met would deny (CARC 50); production's approval is what was written."""
    sor, store = _world(tmp_path)
    shadow = ShadowRunner(Candidate(label="stricter", model=ScriptedModel("not_met", 0.99, name="c")), store)
    before = _shadow_stage_count()
    [result] = run_claims(_engine(sor, store, ScriptedModel("met", 0.99), shadow), ["K1"])
    assert _shadow_stage_count() == before + 1
    assert (result.route, result.outcome) == ("commit", "approve")
    record = _record(store)
    assert record["candidate_status"] == "answered"
    assert (record["candidate_route"], record["candidate_outcome"], record["candidate_reason_code"]) == (
        "commit",
        "deny",
        "50",
    )
    assert record["candidate_model_id"] == "scripted:c"
    assert record["production_model_id"] == "scripted:scripted"
    assert record["production_facts"] != record["candidate_facts"]
    with sor.connect() as conn:
        assert [r.outcome for r in conn.execute(select(t.adjudications.c.outcome))] == ["approve"]


def test_thresholds_alone_judge_production_answers(tmp_path: Path) -> None:
    """With only candidate thresholds, production's own answer is judged again: stricter ones send it to a person."""
    sor, store = _world(tmp_path)
    shadow = ShadowRunner(Candidate(label="strict", thresholds=Thresholds(approve=0.995, deny=0.995)), store)
    [result] = run_claims(_engine(sor, store, ScriptedModel("met", 0.99), shadow), ["K1"])
    assert result.route == "commit"
    record = _record(store)
    assert (record["candidate_status"], record["candidate_route"]) == ("reused", "review")
    assert record["candidate_answer_sha256"] == record["production_answer_sha256"] is not None


def test_a_store_that_refuses_the_shadow_record_does_not_fail_production(tmp_path: Path) -> None:
    """Without the shadow table the record is lost (logged), and the work item still ends committed."""
    sor, store = _world(tmp_path)
    with store.begin() as conn:
        conn.exec_driver_sql("DROP TABLE shadow_decisions")
    shadow = ShadowRunner(Candidate(label="lost", model=ScriptedModel("met", 0.99, name="c")), store)
    [result] = run_claims(_engine(sor, store, ScriptedModel("met", 0.99), shadow), ["K1"])
    assert (result.route, result.outcome) == ("commit", "approve")
    with sor.connect() as conn:
        assert len(conn.execute(select(t.adjudications)).all()) == 1


def test_a_retry_from_the_recovery_point_does_not_ask_the_candidate_again(tmp_path: Path) -> None:
    """A write that fails (system of record locked) defers; the retry writes the saved decision, shadowed once."""
    sor, store = _world(tmp_path)
    candidate = ScriptedModel("not_met", 0.99, name="c")
    shadow = ShadowRunner(Candidate(label="once", model=candidate), store)
    # A short busy timeout: a locked system of record fails the write fast instead of waiting.
    impatient = SqlClaimsConnector(
        create_engine(f"sqlite:///{tmp_path / 'sor.db'}", connect_args={"timeout": 0.2})
    )
    engine = build_engine(
        "claims.adjudicate",
        connector=impatient,
        store=WorkStore(store, AuditLog(store)),
        principal=service_principal(),
        model=ScriptedModel("met", 0.99),
        settings=EngineSettings(defer_base_seconds=0.0),
        shadow=shadow,
    )
    blocker = sqlite3.connect(tmp_path / "sor.db", isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    first = engine.process("K1")
    blocker.execute("ROLLBACK")
    blocker.close()
    assert first.route == "defer"
    assert candidate.calls == 1
    second = engine.process("K1")
    assert (second.route, second.outcome) == ("commit", "approve")
    assert candidate.calls == 1
    record = _record(store)
    assert (record["production_outcome"], record["candidate_outcome"]) == ("approve", "deny")
    with sor.connect() as conn:
        assert len(conn.execute(select(t.adjudications)).all()) == 1
