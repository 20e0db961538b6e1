"""`interlock db index-sor`: the indexes interlock's per-claim reads use, added to a bare schema."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect
from typer.testing import CliRunner

from interlock.cli.app import app
from interlock.db import make_engine
from interlock.domains.claims import schema as t

runner = CliRunner()
WANTED = {str(index.name) for index in t.ACCESS_INDEXES}


def _indexes(engine: Engine) -> set[str]:
    names: set[str] = set()
    found = inspect(engine)
    for table in ("clinical_notes", "claims", "prior_authorizations"):
        names |= {str(ix["name"]) for ix in found.get_indexes(table)}
    return names


@pytest.fixture
def bare_sor(db_url: str) -> str:
    """The reference tables as another system would create them: no secondary indexes."""
    url = db_url
    engine = make_engine(url)
    t.metadata.create_all(engine)
    for index in t.ACCESS_INDEXES:
        index.drop(engine)
    assert not _indexes(engine) & WANTED
    engine.dispose()
    return str(url)


def test_index_sor_adds_the_access_indexes_once(bare_sor: str) -> None:
    for _ in range(2):  # the second run finds them and changes nothing
        result = runner.invoke(app, ["db", "index-sor", "--sor", bare_sor])
        assert result.exit_code == 0, result.output
    engine = make_engine(bare_sor)
    assert _indexes(engine) >= WANTED
    engine.dispose()


def test_without_a_database_it_prints_idempotent_sql() -> None:
    result = runner.invoke(app, ["db", "index-sor"])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line and not line.startswith("--")]
    assert len(lines) == len(WANTED)
    # CONCURRENTLY: a plain build would block writers of the live system of record.
    assert all(line.startswith("CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_interlock_") for line in lines)


def test_the_reference_schema_creates_them_with_the_tables(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    t.metadata.create_all(engine)
    assert _indexes(engine) >= WANTED
    engine.dispose()
