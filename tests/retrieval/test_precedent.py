"""Precedent for adjudication: similar adjudicated claims the engine's principal may see."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, inspect, select

from interlock.assembly import build_engine
from interlock.audit.chain import AuditLog, audit_events
from interlock.db import make_engine
from interlock.domains.claims import schema as t
from interlock.domains.claims.connector import SqlClaimsConnector
from interlock.domains.claims.documents import SqlDocumentSource
from interlock.domains.claims.precedent import PrecedentFinder
from interlock.domains.claims.testing.handmade import add_claim, seed_reference
from interlock.domains.claims.testing.scripted import ScriptedModel
from interlock.engine import Engine as TaskEngine
from interlock.engine import ItemResult
from interlock.policy.entitlements import claim_scope
from interlock.policy.principal import service_principal
from interlock.retrieval.freshness import sync_index
from interlock.retrieval.index import SearchIndex
from interlock.store.metadata import store_metadata
from interlock.store.schema import work_items
from interlock.work.store import WorkStore

KNEE = (("X2002", 1, "2000.00"),)
NOTE = "Eight weeks of supervised physical therapy without relief; MRI shows a medial meniscal tear."
# The service principal is scoped to the north commercial book and no sensitive claims.
SERVICE = service_principal(assignments=frozenset({("north", "commercial")}), sensitivities=frozenset())


@dataclass
class World:
    sor: Engine
    store: Engine

    def engine(self) -> TaskEngine[Any, Any, Any, Any]:
        return build_engine(
            "claims.adjudicate",
            connector=SqlClaimsConnector(self.sor),
            store=WorkStore(self.store, AuditLog(self.store)),
            principal=SERVICE,
            model=ScriptedModel("met", 0.99),
        )

    def retrieved(self) -> dict[str, Any]:
        with self.store.connect() as conn:
            bodies = conn.execute(
                select(audit_events.c.body).where(audit_events.c.kind == "context.retrieved")
            ).scalars()
            found = [json.loads(b) for b in bodies]
        assert len(found) == 1
        details: dict[str, Any] = found[0]["details"]
        return details

    def decision(self) -> dict[str, Any]:
        with self.store.connect() as conn:
            saved = conn.execute(select(work_items.c.decision)).scalar_one()
        decision: dict[str, Any] = json.loads(saved)
        return decision


def _world(root: Path, *, with_index: bool) -> World:
    """A SOR with a knee claim to decide and adjudicated look-alikes inside and outside the scope."""
    root.mkdir()
    sor = make_engine(f"sqlite:///{root / 'sor.db'}")
    t.metadata.create_all(sor)
    seed_reference(sor)
    add_claim(sor, "NEW", lines=KNEE, notes=[NOTE])
    add_claim(sor, "PAST1", lines=KNEE, notes=[NOTE], status="adjudicated")
    add_claim(
        sor, "PAST2", lines=KNEE, notes=["Physical therapy done; meniscal tear on MRI."], status="adjudicated"
    )
    add_claim(
        sor,
        "SOUTH",
        lines=KNEE,
        notes=[NOTE],
        status="adjudicated",
        region="south",
        line_of_business="medicaid",
    )
    add_claim(sor, "HIV", lines=KNEE, notes=[NOTE], status="adjudicated", sensitivity="hiv")
    add_claim(sor, "OPEN", lines=KNEE, notes=[NOTE])  # not adjudicated yet
    add_claim(sor, "VISIT", notes=[NOTE], status="adjudicated")  # another procedure
    store = make_engine(f"sqlite:///{root / 'store.db'}")
    store_metadata.create_all(store)
    if with_index:
        sync_index(SearchIndex(store), SqlDocumentSource(sor), now=datetime(2026, 3, 1, tzinfo=UTC))
    return World(sor=sor, store=store)


def _outcome(result: ItemResult) -> tuple[str, str, str | None]:
    return result.route, result.outcome, result.reason_code


def test_precedent_names_entitled_adjudicated_look_alikes_only(tmp_path: Path) -> None:
    """Adjudicated claims with the same procedure are precedent; unentitled, open and other-procedure ones never are."""
    world = _world(tmp_path / "indexed", with_index=True)
    world.engine().process("NEW")
    precedent = world.retrieved()["precedent"]
    assert precedent[0] == "claim:PAST1@v1"  # the closest notes rank first
    assert set(precedent) == {"claim:PAST1@v1", "claim:PAST2@v1"}
    assert world.decision()["precedent"] == precedent


def test_precedent_does_not_change_the_outcome(tmp_path: Path) -> None:
    """The same claim is decided identically with and without an index to find precedent in."""
    indexed = _world(tmp_path / "indexed", with_index=True)
    bare = _world(tmp_path / "bare", with_index=False)
    assert _outcome(indexed.engine().process("NEW")) == _outcome(bare.engine().process("NEW"))
    with_precedent, without = indexed.decision(), bare.decision()
    assert with_precedent.pop("precedent") and without.pop("precedent") == []
    assert with_precedent["proposal"] == without["proposal"]
    assert with_precedent["verdict"] == without["verdict"]


def test_store_without_index_is_left_untouched(tmp_path: Path) -> None:
    """With no index in the store, the lookup is skipped and creates no index tables."""
    world = _world(tmp_path / "bare", with_index=False)
    world.engine().process("NEW")
    assert world.retrieved()["precedent"] == []
    assert not any(name.startswith("search_") for name in inspect(world.store).get_table_names())


def test_a_failing_search_is_logged_and_yields_no_precedent(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A broken index never fails the lookup: it logs a warning and returns nothing."""
    world = _world(tmp_path / "indexed", with_index=True)
    finder = PrecedentFinder(world.store)
    ctx = SqlClaimsConnector(world.sor).fetch_context("NEW", claim_scope(SERVICE))
    assert ctx is not None
    assert [p.claim_id for p in finder.lookup(ctx, claim_scope(SERVICE))][:1] == ["PAST1"]
    with world.store.begin() as conn:
        conn.exec_driver_sql("DROP TABLE search_documents")
    with caplog.at_level(logging.WARNING, logger="interlock.domains.claims.precedent"):
        assert finder.lookup(ctx, claim_scope(SERVICE)) == ()
    assert "precedent lookup skipped" in caplog.text


def test_a_claim_moved_out_of_scope_after_sync_is_not_reported(tmp_path: Path) -> None:
    """The live re-check drops a look-alike whose region changed after the last sync."""
    world = _world(tmp_path / "indexed", with_index=True)
    with world.sor.begin() as conn:
        conn.execute(t.claims.update().where(t.claims.c.claim_id == "PAST1").values(region="south"))
    world.engine().process("NEW")
    assert world.retrieved()["precedent"] == ["claim:PAST2@v1"]


def test_a_new_look_alike_appears_after_the_next_sync(tmp_path: Path) -> None:
    """Remembered candidates are forgotten when a sync changes the index, so new precedent is found."""
    world = _world(tmp_path / "indexed", with_index=True)
    finder = PrecedentFinder(world.store, sor=world.sor)
    scope = claim_scope(SERVICE)
    ctx = SqlClaimsConnector(world.sor).fetch_context("NEW", scope)
    assert ctx is not None
    assert "LATE" not in [p.claim_id for p in finder.lookup(ctx, scope)]
    add_claim(world.sor, "LATE", lines=KNEE, notes=[NOTE], status="adjudicated")
    sync_index(SearchIndex(world.store), SqlDocumentSource(world.sor), now=datetime(2026, 3, 2, tzinfo=UTC))
    assert "LATE" in [p.claim_id for p in finder.lookup(ctx, scope)]
