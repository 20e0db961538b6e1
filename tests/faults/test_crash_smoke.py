"""Real worker processes, SIGKILLed at every failpoint, over SQLite and PostgreSQL (CI smoke).

The full matrix (1,000 claims, both crash kinds, random kills, server restarts) is
``bench/faults_matrix.py``; see docs/faults.md. This smoke never restarts the server:
on PostgreSQL it only terminates connections to its own scratch database.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from interlock.domains.claims.testing.crash import CrashPlan, run_crash, seed_backlog
from interlock.work.failpoints import FAILPOINTS

CLAIMS = 60


def _smoke(sor_url: str, store_url: str, *, terminate_every: float | None) -> None:
    backlog = seed_backlog(sor_url, store_url, claims=CLAIMS, seed=11)
    assert len(backlog) == CLAIMS
    plan = CrashPlan(
        workers=2,
        lease_seconds=1.0,
        failpoints=FAILPOINTS,
        terminate_every=terminate_every,
        seed=11,
        max_seconds=120,
    )
    run = run_crash(sor_url, store_url, backlog, plan)
    assert run.drained, run.as_dict()
    assert run.unexpected_exits == [], run.unexpected_exits
    assert set(run.failpoint_kills) == set(FAILPOINTS), run.as_dict()
    assert run.report.ok, run.report.as_dict()
    assert run.report.finalized + run.report.pended == CLAIMS


def test_sigkill_at_every_failpoint_on_sqlite(tmp_path: Path) -> None:
    """Workers killed once at each boundary over SQLite leave 0 lost, 0 duplicated, 0 divergent."""
    _smoke(f"sqlite:///{tmp_path / 'sor.db'}", f"sqlite:///{tmp_path / 'store.db'}", terminate_every=None)


@pytest.mark.postgres
def test_sigkill_at_every_failpoint_and_dropped_connections_on_postgres(pg_url: str) -> None:
    """The same over PostgreSQL, with the database's connections terminated every two seconds."""
    _smoke(pg_url, pg_url, terminate_every=2.0)
