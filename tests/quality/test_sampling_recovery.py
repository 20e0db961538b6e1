"""A sampled work item through crashes, replays and a second worker: sampled once, blind, recorded once.

The hand-made payer's claims that the rules (or the scripted model) decide, on SQLite
and on PostgreSQL, every automatic decision sampled. A worker that dies at each step
boundary after the gate is replaced by another; the item ends in review with one sample
and one blind review item, exactly as if nothing had happened.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from interlock.audit.chain import AuditLog
from interlock.clock import FrozenClock
from interlock.db import make_engine
from interlock.domains.claims import schema as t
from interlock.domains.claims.connector import SqlClaimsConnector
from interlock.domains.claims.testing.handmade import add_claim, seed_reference
from interlock.domains.claims.testing.scripted import ScriptedModel
from interlock.engine import Engine as TaskEngine
from interlock.engine import EngineSettings
from interlock.policy.principal import service_principal
from interlock.quality.config import QualitySettings, TaskQuality
from interlock.quality.sampling import SAMPLE_REASON
from interlock.registry import task as task_named
from interlock.review.decide import ReviewDesk
from interlock.store.metadata import store_metadata
from interlock.store.schema import quality_samples, review_items, work_items
from interlock.task import PersonDecision
from interlock.work.failpoints import Failpoints, FailpointTriggered, raise_triggered
from interlock.work.store import WorkStore

MET_NOTE = "Patient completed eight weeks of supervised physical therapy without relief. MRI shows a medial meniscal tear."
EVERY = QualitySettings(default=TaskQuality(sample_rate=1.0))
CLAIMS = ("Q-RULES", "Q-DENY", "Q-KNEE")


class World:
    """The payer and the store, sharing a frozen clock."""

    def __init__(self, sor: Engine, store: Engine) -> None:
        self.sor, self.store = sor, store
        self.clock = FrozenClock(datetime(2026, 3, 1, tzinfo=UTC))

    def engine(self, failpoints: Failpoints | None = None, name: str = "w") -> TaskEngine[Any, Any, Any, Any]:
        return TaskEngine(
            task=task_named("claims.adjudicate"),
            connector=SqlClaimsConnector(self.sor),
            store=WorkStore(self.store, AuditLog(self.store)),
            principal=service_principal(),
            model=ScriptedModel("met", 0.99),
            settings=EngineSettings(lease_seconds=10.0, quality=EVERY),
            clock=self.clock,
            worker=name,
            failpoints=failpoints or Failpoints(),
        )

    def count(self, table: Any, *where: Any) -> int:
        with self.store.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one())


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    """Three claims automatic processing would write: by rule 6 denial, by the rules, by the model."""
    if request.param == "postgres":
        url = request.getfixturevalue("pg_url")
        sor, store = make_engine(url), make_engine(url)
    else:
        sor = make_engine(f"sqlite:///{tmp_path / 'sor.db'}")
        store = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    t.metadata.create_all(sor)
    store_metadata.create_all(store)
    seed_reference(sor)
    add_claim(sor, "Q-RULES", service_date=date(2026, 1, 2))
    add_claim(sor, "Q-DENY", service_date=date(2026, 1, 3), diagnoses=("M54.5",))
    add_claim(
        sor, "Q-KNEE", service_date=date(2026, 1, 4), lines=(("X2002", 1, "2000.00"),), notes=(MET_NOTE,)
    )
    yield World(sor, store)
    sor.dispose()
    store.dispose()


def _assert_sampled_once(world: World) -> None:
    """Each claim: one work item in review, one blind review item, one sample; nothing written."""
    for claim_id in CLAIMS:
        assert world.count(quality_samples, quality_samples.c.record_id == claim_id) == 1, claim_id
        with world.store.connect() as conn:
            row = (
                conn.execute(select(review_items).where(review_items.c.record_id == claim_id))
                .mappings()
                .one()
            )
            route = conn.execute(
                select(work_items.c.route).where(work_items.c.record_id == claim_id)
            ).scalar_one()
        assert route == "review"
        assert (json.loads(row["proposal"]), json.loads(row["findings"]), row["reason"]) == (
            {},
            [],
            SAMPLE_REASON,
        )
    with world.sor.connect() as conn:
        assert conn.execute(select(func.count()).select_from(t.adjudications)).scalar_one() == 0


@pytest.mark.parametrize("point", ["after_recovery_point", "after_sor_write", "before_ack"])
def test_a_sampled_item_survives_its_worker_dying(world: World, point: str) -> None:
    """A worker dies after the sample was decided; the next one finishes it as a sample, once."""
    dying = world.engine(Failpoints.always(**{point: raise_triggered}), name="dying")
    for claim_id in CLAIMS:
        with contextlib.suppress(FailpointTriggered):
            dying.process(claim_id)
    assert dying.failpoints.fired
    world.clock.advance(11)
    recovering = world.engine(name="recovering")
    for claim_id in CLAIMS:
        assert recovering.process(claim_id).route == "review"
    _assert_sampled_once(world)


def test_a_replayed_item_answers_its_recorded_end_and_samples_nothing_new(world: World) -> None:
    """Running a finished sampled item again is its recorded review, with the neutral reason."""
    engine = world.engine()
    first = [engine.process(c) for c in CLAIMS]
    again = [world.engine(name="other").process(c) for c in CLAIMS]
    assert all(r.route == "review" and r.reason == SAMPLE_REASON for r in first)
    assert all(r.replayed and r.route == "review" for r in again)
    _assert_sampled_once(world)


def test_the_person_decision_is_compared_with_the_withheld_one(world: World) -> None:
    """A person's decision against the withheld one: same upholds, a hold does not until replaced, another does not."""
    engine = world.engine()
    for claim_id in CLAIMS:
        engine.process(claim_id)
    connector = SqlClaimsConnector(world.sor)
    supervisor = connector.load_principal("SUP")
    assert supervisor is not None
    desk = ReviewDesk(
        task=task_named("claims.adjudicate"),
        connector=connector,
        store=world.store,
        audit=AuditLog(world.store),
        clock=world.clock,
        quality=EVERY,
    )

    def review_id(claim_id: str) -> str:
        with world.store.connect() as conn:
            return str(
                conn.execute(
                    select(review_items.c.review_id).where(review_items.c.record_id == claim_id)
                ).scalar_one()
            )

    def upheld(claim_id: str) -> Any:
        with world.store.connect() as conn:
            return conn.execute(
                select(quality_samples.c.upheld, quality_samples.c.person).where(
                    quality_samples.c.record_id == claim_id
                )
            ).one()

    desk.decide(review_id("Q-RULES"), supervisor, PersonDecision(action="approve"))
    assert upheld("Q-RULES")[0] == 1
    desk.decide(
        review_id("Q-DENY"), supervisor, PersonDecision(action="pend", comment="member history requested")
    )
    flag, person = upheld("Q-DENY")
    assert flag == 0 and json.loads(person)["outcome"] == "pend"  # a hold does not uphold a denial
    desk.decide(review_id("Q-DENY"), supervisor, PersonDecision(action="deny", reason_code="16"))
    assert upheld("Q-DENY")[0] == 1  # the final decision replaces the hold
    desk.decide(review_id("Q-KNEE"), supervisor, PersonDecision(action="deny", reason_code="50"))
    flag, person = upheld("Q-KNEE")
    assert flag == 0 and json.loads(person)["reason_code"] == "50"  # the model approved
    said = [
        e.body["details"].get("quality_sample")
        for claim_id in ("Q-DENY", "Q-KNEE")
        for e in AuditLog(world.store).events_for_record(claim_id)
        if e.body["kind"] == "review.decided"
    ]
    assert said == ["not upheld", "upheld", "not upheld"]
