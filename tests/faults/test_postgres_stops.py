"""PostgreSQL stopped immediately under working processes: nothing lost, nothing twice.

Every test here runs on a private cluster (``interlock.testing.pgcluster``) that it
may stop at will: ``pg_ctl stop -m immediate`` is a crash of the database host (no
shutdown checkpoint, every connection cut), and the next start replays the
write-ahead log. The CI variant stops the server under 60 claims at two failpoints;
the matrix (6 failpoints x 1,000 claims, random restarts over 3 seeds) is ``slow``
and also in ``bench/faults_matrix.py`` (results in docs/faults.md).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest
from sqlalchemy import text

from interlock.db import make_engine
from interlock.domains.claims.testing.crash import CrashPlan, CrashRun, run_crash, seed_backlog
from interlock.exceptions import ConfigurationError
from interlock.testing.pgcluster import PgCluster
from interlock.work.failpoints import FAILPOINTS

RANDOM_KILLS = ",".join(f"{fp}=kill:0.004" for fp in FAILPOINTS)


def _run(cluster: PgCluster, plan: CrashPlan, *, claims: int, seed: int) -> CrashRun:
    url = cluster.create_database("crash")
    backlog = seed_backlog(url, url, claims=claims, seed=seed)
    assert len(backlog) == claims
    run = run_crash(url, url, backlog, plan, cluster=cluster)
    assert run.drained, run.as_dict()
    assert run.unexpected_exits == [], run.unexpected_exits
    assert run.report.ok, run.report.as_dict()
    assert run.report.pended_with_adjudication == 0
    assert run.report.finalized + run.report.pended == claims
    return run


@pytest.mark.postgres
def test_an_immediate_stop_keeps_every_committed_row(private_cluster: PgCluster) -> None:
    """The crash is real but durable: committed rows survive it, the open transaction does not."""
    url = private_cluster.create_database("durable")
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (n int)"))
        conn.execute(text("INSERT INTO t SELECT generate_series(1, 500)"))
    open_conn = engine.connect()
    open_conn.execute(text("INSERT INTO t VALUES (-1)"))  # never committed
    private_cluster.crash()
    assert not private_cluster.running
    private_cluster.start()
    engine.dispose()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*), min(n) FROM t")).one() == (500, 1)
    engine.dispose()
    assert "redo" in private_cluster.log.read_text(), "the start after the crash replayed no log"


@pytest.mark.postgres
def test_teardown_removes_the_cluster(private_cluster: PgCluster) -> None:
    """A removed cluster leaves no server and no directory behind."""
    assert private_cluster.running
    private_cluster.remove()
    assert not private_cluster.root.exists()
    assert not private_cluster.running


def test_a_server_stopping_plan_needs_a_private_cluster() -> None:
    """The harness refuses to stop a server it was not given: the shared one is never touched."""
    with pytest.raises(ConfigurationError):
        run_crash("sqlite://", "sqlite://", [], CrashPlan(crash_kind="postgres", failpoints=["before_ack"]))


@pytest.mark.postgres
def test_a_worker_started_during_a_long_outage_waits_for_the_server(private_cluster: PgCluster) -> None:
    """Down for longer than a quick retry budget (about 11 s once): the worker waits, then drains."""
    url = private_cluster.create_database("late")
    seed_backlog(url, url, claims=5, seed=3)
    private_cluster.crash()
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "interlock.domains.claims.testing.drill_worker",
            "--sor",
            url,
            "--store",
            url,
            "--max-seconds",
            "90",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        time.sleep(14)
        assert worker.poll() is None, worker.communicate()[0][-2000:]
        private_cluster.start()
        out, _ = worker.communicate(timeout=90)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    assert worker.returncode == 0, out[-2000:]
    assert json.loads(out.strip().splitlines()[-1])["finished"] == 5


@pytest.mark.postgres
def test_postgres_stopped_while_workers_wait_at_failpoints(private_cluster: PgCluster) -> None:
    """Stopped twice under a worker at the write and ack boundaries: 0 lost, 0 duplicated, 0 divergent."""
    plan = CrashPlan(
        workers=2,
        lease_seconds=1.0,
        failpoints=["after_sor_write", "before_ack"],
        crash_kind="postgres",
        pause_probability=0.5,
        stop_every_pauses=4,
        postgres_stops=2,
        outage_seconds=1.0,
        stop_gap_seconds=1.0,
        breaker_reset_seconds=1.0,
        seed=5,
        max_seconds=120,
    )
    run = _run(private_cluster, plan, claims=60, seed=11)
    assert run.postgres_restarts == 2, run.as_dict()
    assert sum(run.postgres_stops.values()) == 2
    assert run.database_errors > 0, "no worker noticed the server going away"


@pytest.mark.postgres
def test_sigkill_and_a_server_restart_on_the_private_cluster(private_cluster: PgCluster) -> None:
    """The kill kind at every failpoint, plus one immediate restart half a second in (before it drains)."""
    plan = CrashPlan(
        workers=2,
        lease_seconds=1.0,
        failpoints=FAILPOINTS,
        restart_postgres_at=(0.5,),
        outage_seconds=1.0,
        breaker_reset_seconds=1.0,
        seed=7,
        max_seconds=120,
    )
    run = _run(private_cluster, plan, claims=60, seed=12)
    assert set(run.failpoint_kills) == set(FAILPOINTS), run.as_dict()
    assert run.postgres_restarts == 1


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.parametrize("point", FAILPOINTS)
def test_matrix_postgres_stopped_at_each_failpoint(private_cluster: PgCluster, point: str) -> None:
    """1,000 claims, 4 workers, the server stopped six times while a worker waits at ``point``."""
    plan = CrashPlan(
        workers=4,
        lease_seconds=1.0,
        failpoints=[point],
        crash_kind="postgres",
        pause_probability=1.0 if point == "after_model_call" else 0.25,
        stop_every_pauses=30,
        stop_gap_seconds=1.0,
        postgres_stops=6,
        breaker_reset_seconds=2.0,
        seed=1,
        max_seconds=600,
    )
    run = _run(private_cluster, plan, claims=1000, seed=1)
    assert run.postgres_stops[point] >= 5, run.as_dict()


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_matrix_random_restarts(private_cluster: PgCluster, seed: int) -> None:
    """2,500 claims under random kills, dropped connections and restarts every 4-10 s.

    Enough claims that the run outlasts at least two restarts: 1,000 claims once took
    about a minute, and drained in 12-15 s once the engine got cheaper.
    """
    plan = CrashPlan(
        workers=4,
        lease_seconds=1.0,
        random_spec=RANDOM_KILLS,
        kill_rate=0.3,
        terminate_every=3.0,
        restart_postgres_every=(4.0, 10.0),
        breaker_reset_seconds=2.0,
        seed=seed,
        max_seconds=600,
    )
    run = _run(private_cluster, plan, claims=2500, seed=1)
    assert run.postgres_restarts >= 2, run.as_dict()
