"""Shadow mode on a generated claims backlog: a hosted candidate beside the embedded baseline.

The production model is the embedded baseline; the candidate is the project's loopback
OpenAI-compatible server, scripted to read every criterion as met, asked over real
HTTP. Three runs of the same backlog are compared: production alone, production with
the candidate in shadow, and the candidate alone as production. The system of record
of the shadow run must equal the first byte for byte; the shadow figures must equal
what the domain's own evaluation computes from the truth file for the first and the
third runs.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from shadowworld import (
    INSTANT,
    Copy,
    checkpoint,
    copy_world,
    decide_backlog,
    done_work_items,
    eval_shadow,
    shadow_rows,
    table_dump,
)
from sqlalchemy import Engine, select

from interlock.assembly import connector_for, model_for, shadow_for
from interlock.audit.chain import AuditLog
from interlock.clock import FrozenClock
from interlock.db import make_engine
from interlock.domains.claims import schema as t
from interlock.domains.claims.evaluation import evaluate as evaluate_claims
from interlock.domains.claims.evaluation import read_truth
from interlock.domains.claims.pack import DOMAIN
from interlock.domains.claims.testing.model_server import Reply, ScriptedModelServer, echo_policies_responder
from interlock.exceptions import DecisionRefused
from interlock.models.registry import ProviderEndpoint
from interlock.registry import task as task_named
from interlock.review.decide import ReviewDesk
from interlock.store.migrations import prepare_store
from interlock.store.schema import review_items
from interlock.task import PersonDecision

TASK = "claims.adjudicate"
BACKLOG = 80


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A seeded claims system of record with its truth, and a store holding the trained baseline."""
    directory = tmp_path_factory.mktemp("claims-shadow")
    sor, store = (
        make_engine(f"sqlite:///{directory / 'sor.db'}"),
        make_engine(f"sqlite:///{directory / 'store.db'}"),
    )
    assert DOMAIN.create_schema is not None and DOMAIN.seed is not None and DOMAIN.train is not None
    DOMAIN.create_schema(sor)
    DOMAIN.seed(sor, records=BACKLOG, seed=5, truth_path=directory / "truth.jsonl")
    prepare_store(store)
    DOMAIN.train(sor, store, now=datetime(2026, 5, 1, tzinfo=UTC))
    sor.dispose()
    store.dispose()
    for name in ("sor.db", "store.db"):
        checkpoint(directory / name)
    return directory


@pytest.fixture
def met_server() -> Iterator[ScriptedModelServer]:
    """A hosted candidate that reads every criterion as met, with confidence 0.97."""
    with ScriptedModelServer(echo_policies_responder("met", 0.97), api_key="candidate-key") as server:
        yield server


def _hosted(server: ScriptedModelServer) -> dict[str, ProviderEndpoint]:
    return {"openai": ProviderEndpoint(base_url=server.base_url, api_key="candidate-key")}


def _adjudications(sor: Engine) -> dict[str, tuple[Any, ...]]:
    """Each claim's adjudication as (outcome, CARC, allowed, paid, decided by)."""
    with sor.connect() as conn:
        rows = conn.execute(
            select(
                t.adjudications.c.claim_id,
                t.adjudications.c.outcome,
                t.adjudications.c.carc_code,
                t.adjudications.c.allowed_amount,
                t.adjudications.c.paid_amount,
                t.adjudications.c.decided_by,
            )
        ).all()
    return {str(r[0]): (r[1], r[2], Decimal(str(r[3])), Decimal(str(r[4])), r[5]) for r in rows}


def _people_decide_by_truth(world: Copy, truth_path: Path) -> dict[str, str]:
    """A supervisor decides every open review item whose truth is final; returns claim -> work item."""
    truth = read_truth(truth_path)
    connector = connector_for(TASK, world.sor)
    supervisor = connector.load_principal("S0002")
    assert supervisor is not None
    desk = ReviewDesk(
        task=task_named(TASK),
        connector=connector,
        store=world.store,
        audit=AuditLog(world.store),
        clock=FrozenClock(INSTANT),
    )
    with world.store.connect() as conn:
        open_items = conn.execute(
            select(review_items.c.review_id, review_items.c.record_id, review_items.c.work_item_id).where(
                review_items.c.status == "open"
            )
        ).all()
    decided: dict[str, str] = {}
    for review_id, claim_id, work_item_id in open_items:
        want = truth[str(claim_id)]
        if want.outcome == "review":
            continue
        try:
            desk.decide(review_id, supervisor, PersonDecision(action=want.outcome, reason_code=want.carc))
        except DecisionRefused:
            continue
        decided[str(claim_id)] = str(work_item_id)
    return decided


def test_shadow_candidate_writes_nothing_and_its_figures_match_the_truth(
    template: Path, tmp_path: Path, met_server: ScriptedModelServer
) -> None:
    """Same system of record as without shadow, a record per item, figures equal to the domain's own evaluation."""
    truth_path = template / "truth.jsonl"
    alone = copy_world(template, tmp_path / "alone")
    shadowed = copy_world(template, tmp_path / "shadowed")
    candidate_alone = copy_world(template, tmp_path / "candidate")

    decide_backlog(TASK, alone, model_for(TASK, "baseline", alone.store))
    runner = shadow_for(
        TASK,
        shadowed.store,
        model="openai:candidate",
        endpoints=_hosted(met_server),
        clock=FrozenClock(INSTANT),
    )
    assert runner is not None
    shadow_results = decide_backlog(
        TASK, shadowed, model_for(TASK, "baseline", shadowed.store), shadow=runner
    )
    asked = len(met_server.requests)
    decide_backlog(
        TASK,
        candidate_alone,
        model_for(TASK, "openai:candidate", candidate_alone.store, endpoints=_hosted(met_server)),
    )

    # Production wrote exactly what it writes without shadow, every table, every row.
    assert table_dump(shadowed.sor, t.metadata) == table_dump(alone.sor, t.metadata)
    assert len(shadow_results) == BACKLOG
    # Every work item has its shadow record, and the candidate was asked over HTTP.
    rows = shadow_rows(shadowed.store, TASK)
    assert {r["work_item_id"] for r in rows} == done_work_items(shadowed.store, TASK)
    assert len(rows) == BACKLOG
    assert asked == sum(r["candidate_status"] == "answered" for r in rows) > 0
    assert {r["candidate_status"] for r in rows} <= {"answered", "not_asked"}
    assert {r["candidate_model_id"] for r in rows if r["candidate_status"] == "answered"} == {
        "openai:candidate"
    }
    assert all(r["candidate_answer_sha256"] for r in rows if r["candidate_status"] == "answered")
    # Codes and numbers only: the candidate's rationale and the notes it quoted are not kept.
    kept = repr(rows)
    assert "Scripted answer" not in kept and "quote" not in kept and "rationale" not in kept

    report = eval_shadow(TASK, shadowed.store_url, truth_path)
    [comparison] = report["candidates"]
    assert comparison["candidate"] == "model openai:candidate, thresholds production"
    assert comparison["items"] == BACKLOG
    assert report["interval"] == "wilson score interval, 95%"

    # Production's figures are what `interlock eval` computes from the truth file for the run alone.
    production_truth = evaluate_claims(alone.sor, read_truth(truth_path))
    production = comparison["production"]
    assert production["automatic"] == production_truth.auto_finalized
    assert production["precision_vs_truth"]["judged"] == production_truth.auto_finalized
    assert production["precision_vs_truth"]["correct"] == production_truth.auto_correct
    # The candidate's are what the same evaluation computes for the candidate run as production.
    candidate_truth = evaluate_claims(candidate_alone.sor, read_truth(truth_path))
    shadow = comparison["shadow"]
    assert shadow["automatic"] == candidate_truth.auto_finalized
    assert shadow["precision_vs_truth"]["judged"] == candidate_truth.auto_finalized
    assert shadow["precision_vs_truth"]["correct"] == candidate_truth.auto_correct
    assert shadow["failed"] == 0
    # A candidate that reads everything as met is worse here: it decides what it should not.
    assert candidate_truth.auto_correct < candidate_truth.auto_finalized
    low, high = shadow["precision_vs_truth"]["interval"]
    assert low < shadow["precision_vs_truth"]["precision"] <= high

    # Agreement, counted from the two systems of record claim by claim.
    first, second = _adjudications(alone.sor), _adjudications(candidate_alone.sor)
    claims = set(read_truth(truth_path))
    same = sum(
        (c not in first and c not in second) or (c in first and c in second and first[c][:4] == second[c][:4])
        for c in claims
    )
    agreement = comparison["agreement"]
    assert agreement["same"] == same
    assert agreement["both_review"] == sum(c not in first and c not in second for c in claims)
    assert agreement["candidate_only_automatic"] == sum(c in second and c not in first for c in claims)
    assert agreement["production_only_automatic"] == sum(c in first and c not in second for c in claims)

    # People decide the review items by the truth: the candidate's automatic decisions on
    # those items are judged against what the people wrote.
    decided = _people_decide_by_truth(shadowed, truth_path)
    assert decided
    people = _adjudications(shadowed.sor)
    judged = [c for c in decided if c in second]
    after = eval_shadow(TASK, shadowed.store_url)["candidates"][0]
    assert after["shadow"]["precision_vs_people"]["judged"] == len(judged) > 0
    assert after["shadow"]["precision_vs_people"]["correct"] == sum(
        second[c][:4] == people[c][:4] for c in judged
    )
    # Production's automatic decisions never reached a person: nothing to judge them by.
    assert after["production"]["precision_vs_people"] == {
        "judged": 0,
        "correct": 0,
        "precision": None,
        "interval": None,
    }
    assert after["production"]["precision_vs_truth"] is None
    for world in (alone, shadowed, candidate_alone):
        world.dispose()


def test_a_candidate_that_hangs_or_talks_nonsense_changes_nothing_and_is_counted_failed(
    template: Path, tmp_path: Path
) -> None:
    """Timeouts and garbage from the candidate leave production's writes as they are; eval reports them failed."""
    calls: list[int] = []

    def unreliable(_request: dict[str, Any]) -> str | Reply:
        calls.append(1)
        return "this is not JSON" if len(calls) % 2 else Reply(content="{}", delay=3.0)

    truth_path = template / "truth.jsonl"
    alone = copy_world(template, tmp_path / "alone")
    shadowed = copy_world(template, tmp_path / "shadowed")
    started = time.monotonic()
    decide_backlog(TASK, alone, model_for(TASK, "baseline", alone.store))
    plain_seconds = time.monotonic() - started
    budget = 0.4
    with ScriptedModelServer(unreliable) as server:
        runner = shadow_for(
            TASK,
            shadowed.store,
            model="openai:flaky",
            endpoints={"openai": ProviderEndpoint(base_url=server.base_url, api_key="k")},
            budget_seconds=budget,
            clock=FrozenClock(INSTANT),
        )
        assert runner is not None
        started = time.monotonic()
        decide_backlog(TASK, shadowed, model_for(TASK, "baseline", shadowed.store), shadow=runner)
        shadow_seconds = time.monotonic() - started

    assert table_dump(shadowed.sor, t.metadata) == table_dump(alone.sor, t.metadata)
    rows = shadow_rows(shadowed.store, TASK)
    assert {r["work_item_id"] for r in rows} == done_work_items(shadowed.store, TASK)
    asked = [r for r in rows if r["candidate_status"] != "not_asked"]
    assert asked and all(r["candidate_status"] == "failed" for r in asked)
    failures = {r["candidate_failure"] for r in asked}
    assert failures == {"timeout", "invalid_output"}
    # A failed candidate decides as the task does when its model fails: a person.
    assert {r["candidate_route"] for r in asked} == {"review"}
    # Each item waited at most the candidate's budget (and a little for the abandoned call).
    timeouts = sum(r["candidate_failure"] == "timeout" for r in asked)
    assert shadow_seconds - plain_seconds < timeouts * (budget + 0.3) + 5.0
    assert all(r["candidate_ms"] <= (budget + 0.3) * 1000 for r in asked)

    report = eval_shadow(TASK, shadowed.store_url, truth_path)
    [comparison] = report["candidates"]
    shadow = comparison["shadow"]
    assert shadow["failed"] == len(asked)
    assert shadow["failures"] == {"invalid_output": len(asked) - timeouts, "timeout": timeouts}
    assert shadow["statuses"] == {"failed": len(asked), "not_asked": BACKLOG - len(asked)}
    production_truth = evaluate_claims(alone.sor, read_truth(truth_path))
    assert comparison["production"]["automatic"] == production_truth.auto_finalized
    assert comparison["production"]["precision_vs_truth"]["correct"] == production_truth.auto_correct
    for world in (alone, shadowed):
        world.dispose()
