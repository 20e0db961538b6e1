"""Fixtures of the invoices tests: a hand-written ERP on SQLite, then on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from erpworld import ErpWorld

from interlock.db import make_engine
from interlock.domains.invoices import schema as t
from interlock.domains.invoices.testing.handmade import seed_reference
from interlock.store.metadata import store_metadata


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def erp(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ErpWorld]:
    """The hand-written reference ERP and an empty store (one PostgreSQL database holds both)."""
    if request.param == "postgres":
        url = request.getfixturevalue("pg_url")
        sor, store = make_engine(url), make_engine(url)
    else:
        sor = make_engine(f"sqlite:///{tmp_path / 'erp.db'}")
        store = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    t.metadata.create_all(sor)
    store_metadata.create_all(store)
    seed_reference(sor)
    yield ErpWorld(sor=sor, store=store)
    sor.dispose()
    store.dispose()
