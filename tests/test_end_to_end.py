"""One end-to-end suite, run on the embedded default (SQLite) and on PostgreSQL.

The same commands a user types, as subprocesses: create and seed a system of record,
train the embedded model, adjudicate the whole backlog as the service principal,
adjudicate it again (nothing may be written twice), score the result against the
generator's truth, verify the audit trail, and check the write path's invariants.
Only the database URLs differ between the two runs.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from interlock.db import make_engine
from interlock.domains.claims import schema as t
from interlock.domains.claims.invariants import check_invariants

CLAIMS = 250


def interlock(*args: str, cwd: Path) -> dict[str, Any]:
    """Run one command with ``--json`` output and return it parsed (the command must succeed)."""
    done = subprocess.run(
        [sys.executable, "-m", "interlock", *args], cwd=cwd, capture_output=True, text=True, timeout=900
    )
    assert done.returncode == 0, f"interlock {' '.join(args)} failed:\n{done.stderr[-3000:]}"
    return json.loads(done.stdout) if "--json" in args else {}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=[pytest.mark.postgres, pytest.mark.slow])])
def urls(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, str]:
    """System-of-record and store URLs on one backend.

    On PostgreSQL both live in one scratch database (their table names are disjoint),
    as a small installation might run them. That half runs with the longer matrices
    (``-m slow``): the queue, follow-writes and MCP tests cover the same path on
    PostgreSQL in the default run.
    """
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'sor.db'}", f"sqlite:///{tmp_path / 'store.db'}"
    url: str = request.getfixturevalue("pg_url")
    return url, url


def test_backlog_end_to_end(urls: tuple[str, str], tmp_path: Path) -> None:
    """Seed, train, adjudicate twice, evaluate, verify: every claim decided once, precision held, trail intact."""
    sor, store = urls
    truth = tmp_path / "truth.jsonl"
    interlock("sor", "init", "--sor", sor, cwd=tmp_path)
    interlock(
        "sor",
        "seed",
        "--sor",
        sor,
        "--claims",
        str(CLAIMS),
        "--seed",
        "11",
        "--truth",
        str(truth),
        cwd=tmp_path,
    )
    interlock("model", "train", "--sor", sor, "--store", store, "--json", cwd=tmp_path)
    first = interlock(
        "adjudicate", "--sor", sor, "--store", store, "--as", "service", "--all", "--json", cwd=tmp_path
    )
    assert first["claims"] == CLAIMS
    assert {r["route"] for r in first["results"]} <= {"commit", "review"}
    sor_engine, store_engine = make_engine(sor), make_engine(store)
    with sor_engine.connect() as conn:
        written = conn.execute(select(func.count()).select_from(t.adjudications)).scalar_one()

    # Run it again: nothing is left to decide, and nothing is written a second time.
    again = interlock(
        "adjudicate", "--sor", sor, "--store", store, "--as", "service", "--all", "--json", cwd=tmp_path
    )
    assert again["claims"] == 0
    with sor_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(t.adjudications)).scalar_one() == written

    figures = interlock("eval", "--sor", sor, "--store", store, "--truth", str(truth), "--json", cwd=tmp_path)
    assert figures["unprocessed"] == 0
    assert figures["auto_finalized"] == sum(1 for r in first["results"] if r["route"] == "commit")
    assert figures["auto_finalized_share"] >= 0.5
    assert figures["auto_precision"] >= 0.99
    interlock("audit", "verify", "--store", store, cwd=tmp_path)

    backlog = [r["claim_id"] for r in first["results"]]
    report = check_invariants(sor_engine, store_engine, backlog)
    assert report.ok, report.as_dict()
    assert report.finalized + report.pended == CLAIMS
    sor_engine.dispose()
    store_engine.dispose()
