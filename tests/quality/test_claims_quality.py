"""Quality measured in production on claims: sampled reviews measure the truth, and a shift closes the path.

A seeded payer (the generator, with its truth file) on SQLite; Interlock's store on
SQLite, then on PostgreSQL, brought to the newest revision. Claims are decided by the
real engine; the supervisor decides every sampled claim blind through the real review
desk, by the truth file; ``interlock eval --from-reviews`` and ``interlock quality``
run as separate processes, as an operator runs them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reviewers import Tally, decide_samples, eval_from_reviews, money, quality_cli, withheld_decisions
from sqlalchemy import Engine, select

from interlock.assembly import build_engine
from interlock.audit.chain import AuditLog, audit_events
from interlock.db import make_engine
from interlock.domains.claims.connector import SqlClaimsConnector
from interlock.domains.claims.evaluation import Truth, evaluate, read_truth
from interlock.domains.claims.generator import seed
from interlock.domains.claims.pack import create_schema
from interlock.domains.claims.task import ClaimsAdjudicate
from interlock.domains.claims.testing.model_server import ScriptedModelServer, echo_policies_responder
from interlock.domains.claims.testing.scripted import ScriptedModel
from interlock.engine import Engine as TaskEngine
from interlock.engine import EngineSettings, ItemResult
from interlock.models.base import ModelClient
from interlock.models.openai_compat import OpenAICompatibleModel
from interlock.policy.entitlements import claim_scope
from interlock.policy.principal import service_principal
from interlock.quality.config import QualitySettings, TaskQuality
from interlock.quality.sampling import SAMPLE_REASON, is_sampled
from interlock.quality.store import path_state
from interlock.store.migrations import prepare_store
from interlock.store.schema import quality_samples, work_items
from interlock.task import PersonDecision
from interlock.work.runner import run_claims
from interlock.work.store import WorkStore

TASK = "claims.adjudicate"
#: The generator's supervisor: every region and line of business, every sensitivity.
SUPERVISOR = "S0002"


@dataclass
class ClaimsWorld:
    """A seeded payer, its truth, and a store at the newest revision."""

    sor: Engine
    store: Engine
    store_url: str
    truth: dict[str, Truth]
    ids: list[str]

    def engine(self, model: ModelClient | None, quality: QualitySettings) -> TaskEngine[Any, Any, Any, Any]:
        """A fresh engine of the service principal: what any worker process would build."""
        return build_engine(
            TASK,
            connector=SqlClaimsConnector(self.sor),
            store=WorkStore(self.store, AuditLog(self.store)),
            principal=service_principal(),
            model=model,
            settings=EngineSettings(quality=quality),
        )

    def decide_samples(self, quality: QualitySettings) -> int:
        """The supervisor decides every open sampled claim by the truth file."""
        connector = SqlClaimsConnector(self.sor)
        supervisor = connector.load_principal(SUPERVISOR)
        assert supervisor is not None

        def by_truth(claim_id: str) -> PersonDecision:
            want = self.truth[claim_id]
            if want.outcome == "approve":
                return PersonDecision(action="approve")
            if want.outcome == "deny":
                return PersonDecision(action="deny", reason_code=want.carc)
            return PersonDecision(action="pend", comment="the notes do not settle it; records requested")

        return decide_samples(
            task=ClaimsAdjudicate(),
            connector=connector,
            store=self.store,
            quality=quality,
            reviewer=lambda _attributes: supervisor,
            decision=by_truth,
        )

    def true_precision(self) -> Tally:
        """Right / all automatic decisions: those written (``auto:``) and those withheld from reviewers."""
        written = evaluate(self.sor, self.truth)
        correct, total = written.auto_correct, written.auto_finalized
        for claim_id, kept in withheld_decisions(self.store, TASK).items():
            want = self.truth[claim_id]
            total += 1
            correct += (
                kept["outcome"],
                kept["reason_code"],
                money(kept["facts"]["allowed"]),
                money(kept["facts"]["paid"]),
            ) == (
                want.outcome,
                want.carc,
                want.allowed,
                want.paid,
            )
        return Tally(correct=correct, total=total)


def claims_world(tmp_path: Path, store_url: str, *, claims: int, seed_value: int) -> ClaimsWorld:
    """Seed ``claims`` backlog claims (and no decided history: no model is trained here)."""
    sor = make_engine(f"sqlite:///{tmp_path / 'sor.db'}")
    create_schema(sor)
    seed(sor, claims=claims, seed=seed_value, truth_path=tmp_path / "truth.jsonl", history=0)
    store = make_engine(store_url)
    prepare_store(store)
    ids = SqlClaimsConnector(sor).claim_ids(claim_scope(service_principal()))
    return ClaimsWorld(
        sor=sor, store=store, store_url=store_url, truth=read_truth(tmp_path / "truth.jsonl"), ids=ids
    )


def _sampled_ids(store: Engine) -> set[str]:
    with store.connect() as conn:
        return {str(w) for w in conn.execute(select(quality_samples.c.work_item_id)).scalars()}


def test_sampled_reviews_measure_the_true_precision_of_automatic_decisions(
    db_url: str, tmp_path: Path
) -> None:
    """With 5% sampling, eval --from-reviews reports an interval that holds the truth file's precision.

    The model answers "met" for every policy, so about one automatic decision in eight
    is wrong and the interval has something to find (true precision near 0.9, not 1).
    """
    world = claims_world(tmp_path, db_url, claims=2000, seed_value=7)
    quality = QualitySettings(default=TaskQuality(sample_rate=0.05))
    results = run_claims(world.engine(ScriptedModel("met", 0.99), quality), world.ids)
    assert {r.route for r in results} <= {"commit", "review"}
    decided = world.decide_samples(quality)
    truth = world.true_precision()

    # About 5% of the automatic decisions were sampled (within four standard deviations).
    assert abs(decided - 0.05 * truth.total) <= 4 * math.sqrt(truth.total * 0.05 * 0.95), (decided, truth)
    # The choice is the keyed hash of each work item's idempotency key: every sample's hash
    # falls below the rate, and no item whose hash does was written automatically.
    with world.store.connect() as conn:
        items = conn.execute(
            select(work_items.c.work_item_id, work_items.c.idempotency_key, work_items.c.route)
        ).all()
    hashed = {w for w, key, _ in items if is_sampled(quality.sample_key, key, 0.05)}
    committed = {w for w, _, route in items if route == "commit"}
    assert _sampled_ids(world.store) <= hashed and not hashed & committed

    figures = eval_from_reviews(world.store_url, TASK)
    low, high = figures["interval"]
    assert figures["samples"] == figures["decided"] == decided and figures["awaiting"] == 0
    assert 0.5 < truth.precision < 0.95, truth  # the model's errors make the check worth making
    assert low <= truth.precision <= high, (truth, figures["precision"], figures["interval"])
    # By model version: the deterministic rules are never wrong, the scripted model often is.
    by_model = {g["model"]: g for g in figures["by_model"]}
    assert by_model["rules:claims-rules@1"]["precision"] == 1.0
    assert by_model["scripted:scripted"]["precision"] < 0.9
    # By rule: what the automatic path proposed, outcome and reason code.
    rules = {(g["outcome"], g["reason_code"]) for g in figures["by_rule"]}
    assert ("approve", None) in rules
    assert sum(g["samples"] for g in figures["by_rule"]) == decided


def _run_batch(engine: TaskEngine[Any, Any, Any, Any], ids: Sequence[str]) -> list[ItemResult]:
    results = run_claims(engine, ids)
    assert len(results) == len(ids)
    return results


def _assert_all_to_people(results: Sequence[ItemResult], sampled: set[str], store: Engine) -> None:
    """Every item went to a person: sampled ones blind and neutral, those the gate passed saying the path is closed."""
    with store.connect() as conn:
        items = dict(conn.execute(select(work_items.c.record_id, work_items.c.work_item_id)).all())
    closed = 0
    for r in results:
        assert r.route == "review", r
        if items[r.record_id] in sampled:
            assert r.reason == SAMPLE_REASON
        closed += r.reason.startswith("automatic path closed: reviewers upheld")
    # Most claims of a batch would be written automatically: they are the ones held for the closed path.
    assert closed > len(results) / 3, [r.reason for r in results]


def _path_changes(store: Engine) -> list[Mapping[str, Any]]:
    import json

    with store.connect() as conn:
        return [
            json.loads(b)
            for b in conn.execute(
                select(audit_events.c.body)
                .where(audit_events.c.kind == "config.changed")
                .order_by(audit_events.c.seq)
            ).scalars()
        ]


def test_a_shift_closes_the_automatic_path_until_an_operator_reopens_it(db_url: str, tmp_path: Path) -> None:
    """A hosted model that misreads the notes closes the path; later claims all go to people; reopening restores it.

    First the rules alone decide (no model: every automatic decision right), then a
    hosted model (the scripted OpenAI-compatible server over HTTP) that reads every
    note as documenting the policy's criteria, as a model meeting a new note style it
    misreads would. People decide each batch's sampled claims by the truth file.
    """
    world = claims_world(tmp_path, db_url, claims=1200, seed_value=11)
    knobs = TaskQuality(sample_rate=0.2, target_precision=0.98, min_samples=20, window=200)
    quality = QualitySettings(default=knobs)
    first, second, third = world.ids[:300], world.ids[300:900], world.ids[900:]

    _run_batch(world.engine(None, quality), first)
    assert world.decide_samples(quality) >= knobs.min_samples
    assert not path_state(world.store, TASK).closed  # every sampled rule decision upheld

    closed_after: int | None = None
    with ScriptedModelServer(echo_policies_responder("met", 0.99)) as server:
        hosted = OpenAICompatibleModel(model="misreader", base_url=server.base_url, api_key="test")
        engine = world.engine(hosted, quality)
        for start in range(0, len(second), 50):
            batch = second[start : start + 50]
            results = _run_batch(engine, batch)
            if closed_after is not None:
                _assert_all_to_people(results, _sampled_ids(world.store), world.store)
            world.decide_samples(quality)
            if closed_after is None and path_state(world.store, TASK).closed:
                closed_after = start + len(batch)
        assert closed_after is not None, "the misreading model never closed the path"
        assert closed_after <= len(second) - 100, "at least two batches run on the closed path"
        # A new engine (another worker, or one started after a restart) finds it closed too.
        _assert_all_to_people(
            _run_batch(world.engine(hosted, quality), third[:40]), _sampled_ids(world.store), world.store
        )

    changes = _path_changes(world.store)
    assert [(c["outcome"], c["principal"], c["purpose"]) for c in changes] == [
        ("closed", "interlock:quality", TASK)
    ]
    details = changes[0]["details"]
    assert details["setting"] == "quality.automatic_path" and details["decided"] >= knobs.min_samples
    assert float(details["interval"][1]) < knobs.target_precision
    figures = eval_from_reviews(world.store_url, TASK, knobs)
    assert figures["path"]["state"] == "closed" and figures["current"]["below_target"], figures["current"]
    assert {g["model"] for g in figures["by_model"]} >= {"openai:misreader", "rules:claims-rules@1"}
    assert {g["model"]: g["precision"] for g in figures["by_model"]}["rules:claims-rules@1"] == 1.0

    reopened = quality_cli(
        "quality", "reopen", "--task", TASK, "--store", world.store_url, "--by", "ops-lead"
    )
    assert reopened.returncode == 0, reopened.stderr
    assert not path_state(world.store, TASK).closed
    results = _run_batch(world.engine(None, quality), third[40:])
    assert sum(r.route == "commit" for r in results) > 0.3 * len(results)
    assert [(c["outcome"], c["principal"]) for c in _path_changes(world.store)][-1] == (
        "reopened",
        "operator:ops-lead",
    )
    # Measured afresh: the samples taken before the reopening no longer count.
    assert eval_from_reviews(world.store_url, TASK)["current"]["decided"] == 0
    assert AuditLog(world.store).verify().ok
