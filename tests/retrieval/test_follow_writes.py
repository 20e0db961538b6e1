"""Follow-writes: the search index re-syncs each record the engine or a person writes, on SQLite and PostgreSQL.

A hand-written payer (north and south claims; one approved by the rules, one denied,
one held for a person) is synced once, then decided by the engine in process, with
and without an :class:`IndexFollower` behind it. Searches run as staff members,
through the same index filter the API and ``interlock ask`` use.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select, text

from interlock.assembly import build_engine, index_follower_for
from interlock.audit.chain import AuditLog
from interlock.db import make_engine
from interlock.domains.claims import schema as t
from interlock.domains.claims.connector import SqlClaimsConnector
from interlock.domains.claims.documents import SqlDocumentSource
from interlock.domains.claims.testing.handmade import add_claim, seed_reference
from interlock.engine import Engine as TaskEngine
from interlock.policy.entitlements import index_filter
from interlock.policy.principal import Principal, service_principal
from interlock.registry import domain
from interlock.retrieval.backends import search_index_for
from interlock.retrieval.follow import IndexFollower
from interlock.retrieval.freshness import LAST_SYNC, sync_index, sync_records
from interlock.retrieval.index import Document, SearchIndex
from interlock.retrieval.pg_index import INDEX_TABLES
from interlock.retrieval.planner import Retriever
from interlock.store.metadata import store_metadata
from interlock.store.schema import work_items
from interlock.telemetry.metrics import REGISTRY
from interlock.work.store import WorkStore
from interlock.work.written import Written
from pgscratch import scratch_database

T0 = datetime(2026, 3, 1, tzinfo=UTC)
KNEE = "Knee pain after a fall; six weeks of physical therapy without relief."
VAGUE = "Patient reports knee pain. Plan: arthroscopy."
#: Decided by the rules (approve), denied by rule 26 (filed too late), held for a person
#: (no model to judge medical necessity), and one south claim.
CLAIMS: dict[str, dict[str, Any]] = {
    "N1": {"notes": (KNEE,)},
    "N2": {"service_date": date(2023, 12, 1), "received_date": date(2024, 1, 5), "notes": (KNEE,)},
    "NR": {"lines": (("X2002", 1, "2500.00"),), "notes": (VAGUE,), "service_date": date(2026, 2, 3)},
    "S1": {
        "member_id": "M2",
        "region": "south",
        "line_of_business": "medicaid",
        "notes": ("Physical therapy for the knee, south clinic.",),
        "service_date": date(2026, 2, 4),
    },
}


def follow_count(outcome: str) -> float:
    """This process's ``interlock_index_follow_total`` for ``outcome``."""
    value = REGISTRY.get_sample_value("interlock_index_follow_total", {"outcome": outcome})
    return value or 0.0


@dataclass
class World:
    """A payer in a system of record, Interlock's store with a synced index, and helpers."""

    sor: Engine
    store: Engine
    url: str | None  # the PostgreSQL database both live in (None: SQLite files)

    @property
    def source(self) -> SqlDocumentSource:
        return SqlDocumentSource(self.sor)

    def index(self) -> SearchIndex:
        return search_index_for(self.store)

    def engine(self, follower: IndexFollower | None) -> TaskEngine[Any, Any, Any, Any]:
        """The service principal's adjudication engine, telling ``follower`` of its writes."""
        return build_engine(
            "claims.adjudicate",
            connector=SqlClaimsConnector(self.sor),
            store=WorkStore(self.store, AuditLog(self.store)),
            principal=service_principal(),
            model=None,
            on_written=follower,
        )

    def staff(self, staff_id: str) -> Principal:
        principal = SqlClaimsConnector(self.sor).load_principal(staff_id)
        assert principal is not None
        return principal

    def summary(self, claim_id: str) -> Document:
        """The claim summary the index holds for ``claim_id``."""
        return self.index().documents_by_id([f"claim:{claim_id}"])[f"claim:{claim_id}"]

    def found_by(self, staff_id: str, query: str) -> set[str]:
        """The claims whose documents a search by ``staff_id`` returns (the index's own filter)."""
        hits = self.index().search(query, index_filter(self.staff(staff_id)), k=50)
        return {h.document.claim_id for h in hits if h.document.claim_id is not None}


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    """The payer of :data:`CLAIMS`, all received, with the index synced once."""
    url: str | None = None
    if request.param == "postgresql":
        # One scratch database holds both: the table names of the two schemas do not overlap.
        url = request.getfixturevalue("pg_url")
        sor, store = make_engine(url), make_engine(url)
    else:
        sor = make_engine(f"sqlite:///{tmp_path / 'sor.db'}")
        store = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    t.metadata.create_all(sor)
    store_metadata.create_all(store)
    seed_reference(sor)
    for claim_id, fields in CLAIMS.items():
        add_claim(sor, claim_id, **fields)
    sync_index(search_index_for(store), SqlDocumentSource(sor), now=T0)
    yield World(sor=sor, store=store, url=url)
    sor.dispose()
    store.dispose()


def _bump(world: World, claim_id: str, **values: object) -> None:
    """Change a claim as the platform does: the new values and the next version."""
    with world.sor.begin() as conn:
        conn.execute(
            t.claims.update()
            .where(t.claims.c.claim_id == claim_id)
            .values(version=t.claims.c.version + 1, **values)
        )


def test_sync_records_applies_exactly_what_a_full_sync_would_for_those_records(world: World) -> None:
    """Only the named records' documents change (text, attributes, new ones); the sync time stays."""
    index = world.index()
    synced_at = index.get_state(LAST_SYNC)
    with world.sor.begin() as conn:
        conn.execute(
            t.clinical_notes.update().where(t.clinical_notes.c.claim_id == "N1").values(body="Edited note.")
        )
        conn.execute(t.clinical_notes.delete().where(t.clinical_notes.c.claim_id == "N2"))
    _bump(world, "N1")
    _bump(world, "N2")
    with world.sor.begin() as conn:  # an attribute-only change: same version, new region
        conn.execute(t.claims.update().where(t.claims.c.claim_id == "S1").values(region="north"))
    add_claim(world.sor, "N3", notes=("A new claim's note.",), service_date=date(2026, 2, 5))

    report = sync_records(index, world.source, ["N1", "S1", "N3", "GONE"], now=T0)

    # N3's summary and note are new, N1's are rewritten, S1's two move to north's access key.
    assert (report.inserted, report.updated, report.attributes_changed, report.deleted) == (2, 2, 2, 0)
    docs = index.documents_by_id(["note:N1-N1", "note:N2-N1", "claim:S1", "claim:N3"])
    assert docs["note:N1-N1"].body == "Edited note."
    assert "note:N2-N1" in docs  # N2 was not named: its deleted note waits for a full sync
    assert docs["claim:S1"].region == "north" and "claim:N3" in docs
    assert index.get_state(LAST_SYNC) == synced_at
    assert sum(index.key_counts().values()) == index.count()
    # The full sync finds only what was left: N2's summary and its deleted note.
    rest = sync_index(index, world.source, now=T0)
    assert (rest.inserted, rest.updated, rest.attributes_changed, rest.deleted) == (0, 1, 0, 1)


@pytest.mark.parametrize("follow", [True, False], ids=["following", "not-following"])
def test_a_decision_is_found_by_search_once_the_index_follows_it(world: World, follow: bool) -> None:
    """With a follower, a search for the decision finds it at once; without, only after a sync."""
    follower = IndexFollower(world.store, world.source) if follow else None
    synced = follow_count("synced")
    try:
        engine = world.engine(follower)
        routes = {cid: engine.process(cid).route for cid in ("N1", "N2", "NR")}
        assert routes == {"N1": "commit", "N2": "commit", "NR": "review"}
        if follower is not None:
            assert follower.flush(timeout=30)
    finally:
        if follower is not None:
            follower.close()
    decided = world.found_by("A1", "decision")
    if follow:
        assert decided == {"N1", "N2"}
        assert "status adjudicated" in world.summary("N1").body
        assert "Decision: approve." in world.summary("N1").body
        assert "Decision: deny (CARC 26)." in world.summary("N2").body
        assert "status pended" in world.summary("NR").body
        assert follow_count("synced") - synced == 3
    else:
        assert decided == set()
        assert "status received" in world.summary("N1").body
        sync_index(world.index(), world.source, now=T0)
        assert world.found_by("A1", "decision") == {"N1", "N2"}
    # The decision is what an answer reads: the claim summary, cited at the claim's version.
    retrieved = Retriever(world.index(), world.source).retrieve("decision claim N1", world.staff("A1"))
    by_id = {d.item_id: d.document for d in retrieved.documents}
    assert "Decision: approve." in by_id["claim:N1@v1"].body
    # A south analyst never finds a north decision, followed or not.
    assert world.found_by("A2", "decision") == set()


@pytest.mark.parametrize("follow", [True, False], ids=["following", "not-following"])
def test_a_reassigned_claim_leaves_the_old_assignees_view_of_the_index_after_a_write(
    world: World, follow: bool
) -> None:
    """N1 moves south, then is decided: following, the north analyst's index search no longer holds it."""
    assert "N1" in world.found_by("A1", "knee therapy")
    _bump(world, "N1", region="south", line_of_business="medicaid")
    follower = IndexFollower(world.store, world.source) if follow else None
    try:
        assert world.engine(follower).process("N1").route in ("commit", "review")
    finally:
        if follower is not None:
            assert follower.close()
    if follow:
        assert "N1" not in world.found_by("A1", "knee therapy")
        assert "N1" in world.found_by("A2", "knee therapy")
        assert world.summary("N1").region == "south"
    else:
        # The index still files N1 under north (the retriever's live re-check withholds it).
        assert "N1" in world.found_by("A1", "knee therapy")
        withheld = Retriever(world.index(), world.source).retrieve("knee therapy", world.staff("A1"))
        assert withheld.withheld >= 1 and all(d.document.claim_id != "N1" for d in withheld.documents)


def _done(world: World, claim_id: str) -> str:
    with world.store.connect() as conn:
        return str(
            conn.execute(
                select(work_items.c.route).where(
                    work_items.c.record_id == claim_id, work_items.c.status == "done"
                )
            ).scalar_one()
        )


def test_a_dropped_index_table_neither_fails_nor_changes_the_work_item(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """SQLite: the index's text table is dropped under a running follower; the item still commits, the failure is counted."""
    world = _sqlite_world(tmp_path)
    follower = IndexFollower(world.store, world.source)
    try:
        engine = world.engine(follower)
        assert engine.process("N1").route == "commit"
        assert follower.flush(timeout=30)  # the follower's index is open and working
        with world.store.begin() as conn:
            conn.exec_driver_sql("DROP TABLE search_fts")
        failed = follow_count("failed")
        with caplog.at_level(logging.WARNING, logger="interlock.retrieval.follow"):
            result = engine.process("N2")
            assert follower.flush(timeout=30)
        assert (result.route, result.outcome, result.reason_code) == ("commit", "deny", "26")
        assert _done(world, "N2") == "commit"
    finally:
        follower.close()
        world.sor.dispose()
        world.store.dispose()
    assert follow_count("failed") - failed == 1
    logged = [r.getMessage() for r in caplog.records if r.name == "interlock.retrieval.follow"]
    assert logged and "OperationalError" in logged[0]
    assert not any("N2" in m or "knee" in m.lower() for m in logged)  # no record id, no content


def _sqlite_world(tmp_path: Path) -> World:
    sor = make_engine(f"sqlite:///{tmp_path / 'sor.db'}")
    store = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    t.metadata.create_all(sor)
    store_metadata.create_all(store)
    seed_reference(sor)
    for claim_id, fields in CLAIMS.items():
        add_claim(sor, claim_id, **fields)
    sync_index(search_index_for(store), SqlDocumentSource(sor), now=T0)
    return World(sor=sor, store=store, url=None)


@pytest.mark.postgres
def test_a_revoked_index_privilege_neither_fails_nor_changes_the_work_item() -> None:
    """PostgreSQL: the follower's role loses its privileges on the index; items still end, and a grant back resumes following."""
    role = f"il_follow_{secrets.token_hex(4)}"
    with scratch_database("interlock_follow", roles=[role]) as url:
        owner_url = url.render_as_string(hide_password=False)
        sor, store = make_engine(owner_url), make_engine(owner_url)
        t.metadata.create_all(sor)
        store_metadata.create_all(store)
        seed_reference(sor)
        for claim_id, fields in CLAIMS.items():
            add_claim(sor, claim_id, **fields)
        sync_index(search_index_for(store), SqlDocumentSource(sor), now=T0)
        tables = ", ".join(INDEX_TABLES)
        with store.begin() as conn:
            conn.execute(text(f'CREATE ROLE "{role}" LOGIN'))
            conn.execute(text(f'GRANT ALL ON ALL TABLES IN SCHEMA public TO "{role}"'))
            conn.execute(text(f'GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO "{role}"'))
            conn.execute(text(f'REVOKE ALL ON {tables} FROM "{role}"'))
        world = World(sor=sor, store=store, url=owner_url)
        follower_store = make_engine(url.set(username=role).render_as_string(hide_password=False))
        follower = IndexFollower(follower_store, world.source)
        failed, synced = follow_count("failed"), follow_count("synced")
        try:
            engine = world.engine(follower)
            assert engine.process("N1").route == "commit"
            assert engine.process("NR").route == "review"
            assert follower.flush(timeout=30)
            assert follow_count("failed") - failed == 2
            assert (_done(world, "N1"), _done(world, "NR")) == ("commit", "review")
            assert "status received" in world.summary("N1").body  # the index was not touched
            with store.begin() as conn:
                conn.execute(text(f'GRANT ALL ON {tables} TO "{role}"'))
            assert engine.process("N2").route == "commit"
            assert follower.flush(timeout=30)
            assert follow_count("synced") - synced == 1
        finally:
            follower.close()
            follower_store.dispose()
        assert "Decision: deny (CARC 26)." in world.summary("N2").body
        # What failed meanwhile is left for the periodic sync, which catches it up.
        caught_up = sync_index(world.index(), world.source, now=T0)
        assert caught_up.updated == 2
        assert "Decision: approve." in world.summary("N1").body
        sor.dispose()
        store.dispose()


@pytest.mark.postgres
@pytest.mark.parametrize("world", ["postgresql"], indirect=True)
def test_followers_of_several_workers_share_one_postgresql_index(world: World) -> None:
    """Four followers sync overlapping records at once: the index ends exactly as a full sync leaves it."""
    assert world.url is not None
    for claim_id in CLAIMS:
        _bump(world, claim_id, status="pended")
    followers = [IndexFollower(make_engine(world.url), world.source, batch=2) for _ in range(4)]
    principal = service_principal()
    start = threading.Barrier(len(followers))

    def tell_all(follower: IndexFollower) -> None:
        start.wait()
        for claim_id in CLAIMS:
            follower.written(
                Written(task="claims.adjudicate", record_id=claim_id, principal=principal, write="hold")
            )

    threads = [threading.Thread(target=tell_all, args=(f,)) for f in followers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for follower in followers:
        assert follower.close()
        follower.store.dispose()
    index = world.index()
    assert all("status pended" in world.summary(c).body for c in CLAIMS)
    assert sum(index.key_counts().values()) == index.count()
    left = sync_index(index, world.source, now=T0)
    assert (left.inserted, left.updated, left.attributes_changed, left.deleted) == (0, 0, 0, 0)


def test_a_failing_listener_never_fails_the_write(world: World) -> None:
    """A listener that raises is logged and dropped: the item still commits and completes."""

    class Broken:
        def written(self, event: Written) -> None:
            raise RuntimeError(event.record_id)

    engine = build_engine(
        "claims.adjudicate",
        connector=SqlClaimsConnector(world.sor),
        store=WorkStore(world.store, AuditLog(world.store)),
        principal=service_principal(),
        model=None,
        on_written=Broken(),
    )
    assert engine.process("N1").route == "commit"
    assert _done(world, "N1") == "commit"


def test_a_closed_follower_syncs_what_it_was_told_and_then_nothing(world: World) -> None:
    """Closing waits for the records already noted; a write told afterwards is left for the next sync."""
    follower = IndexFollower(world.store, world.source)
    _bump(world, "N1", status="pended")
    follower.written(
        Written(task="claims.adjudicate", record_id="N1", principal=service_principal(), write="hold")
    )
    assert follower.close()
    assert "status pended" in world.summary("N1").body
    _bump(world, "N2", status="pended")
    follower.written(
        Written(task="claims.adjudicate", record_id="N2", principal=service_principal(), write="hold")
    )
    assert "status received" in world.summary("N2").body


def test_a_domain_without_searchable_documents_has_nothing_to_follow(tmp_path: Path) -> None:
    """The invoices domain declares no documents: no follower is built for it, the claims domain gets one."""
    store = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    sor = make_engine(f"sqlite:///{tmp_path / 'sor.db'}")
    assert index_follower_for(domain("invoices"), sor, store) is None
    follower = index_follower_for(domain("claims"), sor, store)
    assert isinstance(follower, IndexFollower)
    assert follower.close()
    store.dispose()
    sor.dispose()
