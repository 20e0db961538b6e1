"""A reviewer's decision survives a system of record that fails mid-write: the recovery point wins."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from interlock.audit.chain import AuditLog
from interlock.db import make_engine
from interlock.domains.claims.connector import SqlClaimsConnector
from interlock.domains.claims.testing.api_world import ApiWorld, TokenIssuer, settings_for
from interlock.exceptions import ConnectorUnavailable, ReviewConflict
from interlock.registry import task as task_named
from interlock.review.decide import ReviewDesk
from interlock.task import PersonDecision


def test_a_saved_decision_is_the_one_written_on_retry(
    tmp_path: Path, adjudicated: Path, issuer: TokenIssuer
) -> None:
    """A1's approval saved before a failed write is applied later, even when SUP then decides otherwise."""
    for name in ("sor.db", "store.db"):
        shutil.copy(adjudicated / name, tmp_path / name)
    settings = settings_for(tmp_path, issuer)
    sor, store = make_engine(settings.sor_url), make_engine(settings.store_url)
    world = ApiWorld(url="", sor=sor, store=store, issuer=issuer)
    # A short busy timeout: a locked system of record fails fast instead of waiting 30 s.
    impatient = SqlClaimsConnector(create_engine(settings.sor_url, connect_args={"timeout": 0.2}))
    desk = ReviewDesk(
        task=task_named("claims.adjudicate"), connector=impatient, store=store, audit=AuditLog(store)
    )
    a1 = impatient.load_principal("A1")
    sup = impatient.load_principal("SUP")
    assert a1 is not None and sup is not None
    review_id = world.review_id("RV-N1")

    blocker = sqlite3.connect(tmp_path / "sor.db", isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")  # another writer holds the database: readers go on, writes fail
    with pytest.raises(ConnectorUnavailable):
        desk.decide(review_id, a1, PersonDecision(action="approve"))
    blocker.execute("ROLLBACK")
    blocker.close()
    assert world.adjudications("RV-N1") == []

    with pytest.raises(ReviewConflict):
        desk.decide(review_id, sup, PersonDecision(action="deny", reason_code="50"))
    rows = world.adjudications("RV-N1")
    assert [(r["outcome"], r["decided_by"]) for r in rows] == [("approve", "staff:A1")]
    assert world.audit_kinds("RV-N1").count("review.decided") == 1
    with pytest.raises(ReviewConflict):
        desk.decide(review_id, a1, PersonDecision(action="approve"))
    assert len(world.adjudications("RV-N1")) == 1
    sor.dispose()
    store.dispose()
