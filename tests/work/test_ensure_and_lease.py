"""Creating and leasing a work item in one transaction, on SQLite and PostgreSQL.

Two processes may reach the same claim version at once: the item's id comes from its
idempotency key, creation yields to an existing row (``ON CONFLICT DO NOTHING``), and
only one of them may hold the lease until it expires.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select

from interlock.audit.chain import AuditLog
from interlock.db import make_engine
from interlock.store.metadata import store_metadata
from interlock.store.schema import work_items
from interlock.work.store import Lease, WorkStore

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ITEM = {"task": "claims.adjudicate", "record_id": "C-1", "version": 3, "principal": "service:test"}
#: Rounds of the race; a create that yields only on the id lost about 1 round in 25 on PostgreSQL.
ROUNDS = 150


@pytest.fixture
def store_engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    store_metadata.create_all(engine)
    yield engine
    engine.dispose()


def test_one_transaction_creates_and_leases_and_a_second_caller_is_refused(store_engine: Engine) -> None:
    store = WorkStore(store_engine, AuditLog(store_engine))
    item_id, lease = store.ensure_and_lease(**ITEM, worker="w1", now=NOW, seconds=60)
    assert lease is not None and lease.work_item_id == item_id and lease.attempt == 1
    assert lease.idempotency_key == "claims.adjudicate/C-1/v3" and lease.decision is None
    again_id, again = store.ensure_and_lease(**ITEM, worker="w2", now=NOW + timedelta(seconds=1), seconds=60)
    assert again_id == item_id and again is None
    # Once the first lease expires, the next caller takes the same item with the next attempt.
    later_id, later = store.ensure_and_lease(**ITEM, worker="w2", now=NOW + timedelta(seconds=61), seconds=60)
    assert later_id == item_id and later is not None and later.attempt == 2
    with store_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(work_items)).scalar_one() == 1


def test_it_leases_an_item_that_ensure_created_earlier(store_engine: Engine) -> None:
    store = WorkStore(store_engine, AuditLog(store_engine))
    created = store.ensure(**ITEM, now=NOW)
    item_id, lease = store.ensure_and_lease(**ITEM, worker="w1", now=NOW, seconds=60)
    assert item_id == created and lease is not None and lease.attempt == 1


def test_racing_callers_create_one_item_and_one_of_them_holds_it(store_engine: Engine) -> None:
    # Separate transactions on separate connections, released together, as separate
    # processes would race; many rounds, because a lost race is a matter of timing.
    store = WorkStore(store_engine, AuditLog(store_engine))
    callers = 8
    barrier = threading.Barrier(callers)

    def race(worker: int, version: int) -> tuple[str, Lease | None]:
        barrier.wait()
        return store.ensure_and_lease(
            **{**ITEM, "version": version}, worker=f"w{worker}", now=NOW, seconds=60
        )

    with ThreadPoolExecutor(callers) as pool:
        for version in range(1, ROUNDS + 1):
            results = list(pool.map(race, range(callers), [version] * callers))
            assert len({item_id for item_id, _ in results}) == 1
            assert sum(lease is not None for _, lease in results) == 1
    with store_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(work_items)).scalar_one() == ROUNDS
