"""Distributed workers over the PostgreSQL work queue, as real processes.

Exactly-once comes from the work store, not the queue: these tests run several
``interlock worker`` processes, kill one outright, stop another with SIGTERM, and then
ask the invariant checker whether any claim was lost, decided twice, or written
differently from what the audit trail says.
"""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
from queueworld import DOING, INTERLOCK, LEASED, QueueWorld, finish

from interlock.work.queue import EnqueueReport, build_queue, enqueue_records


def enqueue_claims_now(world: QueueWorld) -> EnqueueReport:
    """Enqueue the whole backlog again, in this process."""
    queue = build_queue(world.url)
    queue.open()
    try:
        return enqueue_records(queue, "claims.adjudicate", world.backlog)
    finally:
        queue.close()


@pytest.mark.postgres
def test_two_burst_workers_share_the_backlog_exactly_once(fast_world: QueueWorld) -> None:
    """Enqueue twice (the second adds nothing), drain with two workers: 0 lost, 0 duplicated.

    The kill and SIGTERM cases below take a minute each on a busy machine: ``-m slow``.
    """
    first = fast_world.enqueue()
    assert first == {"claims": 40, "enqueued": 40, "already_queued": 0}
    again = enqueue_claims_now(fast_world)
    assert again == EnqueueReport(enqueued=0, already_queued=40)
    assert fast_world.count("SELECT count(*) FROM procrastinate_jobs") == 40
    # The planner knows the backlog is there (stale statistics made fetches scan it whole).
    assert fast_world.count("SELECT reltuples::int FROM pg_class WHERE relname = 'procrastinate_jobs'") == 40
    # And every queue connection plans each fetch for what the table holds now.
    queue = build_queue(fast_world.url)
    queue.open()
    try:
        row = queue.connector.get_sync_connector().execute_query_one(
            "SELECT current_setting('plan_cache_mode') AS mode"
        )
        assert row["mode"] == "force_custom_plan"
    finally:
        queue.close()

    workers = [fast_world.worker("--burst", "--concurrency", "2") for _ in range(2)]
    summaries = [finish(w) for w in workers]

    assert sum(s["finished"] for s in summaries) == 40, summaries
    report = fast_world.check()
    assert report.ok, report.as_dict()
    assert (report.lost, report.duplicated, report.divergent) == (0, 0, 0)
    assert report.finalized + report.pended == 40
    assert fast_world.server.requests, "no claim reached the model: the backlog does not exercise rule 9"
    # Succeeded jobs are deleted; nothing waits, and the drained backlog enqueues nothing.
    assert fast_world.count("SELECT count(*) FROM procrastinate_jobs") == 0
    assert fast_world.count("SELECT count(*) FROM claims WHERE status = 'received'") == 0


@pytest.mark.postgres
@pytest.mark.slow
def test_jobs_of_a_killed_worker_are_recovered_by_another(slow_world: QueueWorld) -> None:
    """SIGKILL a worker with claims in hand; a second worker recovers its stalled jobs."""
    slow_world.enqueue()
    doomed = slow_world.worker("--concurrency", "4")
    try:
        slow_world.wait_for(LEASED)
        slow_world.wait_for(DOING)
    finally:
        doomed.kill()
        doomed.wait(timeout=30)
    assert doomed.returncode == -signal.SIGKILL
    stranded = slow_world.count(DOING)
    assert stranded >= 1, "the killed worker held no job"

    rescuer = finish(slow_world.worker("--burst", "--concurrency", "4"))

    assert rescuer["recovered"] >= 1, rescuer
    report = slow_world.check()
    assert report.ok, report.as_dict()
    assert (report.lost, report.duplicated, report.unfinished) == (0, 0, 0)
    assert slow_world.count(LEASED) == 0


@pytest.mark.postgres
@pytest.mark.slow
def test_sigterm_finishes_work_in_hand_and_exits_zero(slow_world: QueueWorld) -> None:
    """SIGTERM mid-run: exit 0, no work item left leased, no job left running; the rest drains."""
    slow_world.enqueue()
    worker = slow_world.worker("--concurrency", "4")
    slow_world.wait_for(LEASED)
    worker.send_signal(signal.SIGTERM)
    stopped = finish(worker, timeout=60)

    assert slow_world.count(LEASED) == 0
    assert slow_world.count(DOING) == 0
    assert stopped["finished"] >= 1, stopped
    left = slow_world.count("SELECT count(*) FROM procrastinate_jobs WHERE status = 'todo'")
    assert left >= 1, "the worker drained everything before the signal: nothing was interrupted"

    finish(slow_world.worker("--burst", "--concurrency", "4"))
    report = slow_world.check()
    assert report.ok, report.as_dict()


def test_queue_refuses_a_sqlite_store(tmp_path: Path) -> None:
    """The queue needs PostgreSQL: with a SQLite store, --queue fails and says why."""
    import subprocess

    sqlite = f"sqlite:///{tmp_path / 'store.db'}"
    done = subprocess.run(
        [*INTERLOCK, "adjudicate", "--sor", sqlite, "--store", sqlite, "--as", "service", "--all", "--queue"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "needs PostgreSQL" in done.stderr


def test_worker_takes_its_store_from_the_settings(tmp_path: Path) -> None:
    """With no --store, the worker uses INTERLOCK_STORE_URL, and refuses it when it is SQLite."""
    import os
    import subprocess

    env = {k: v for k, v in os.environ.items() if not k.startswith("INTERLOCK_")}
    env["INTERLOCK_STORE_URL"] = f"sqlite:///{tmp_path / 'configured-store.db'}"
    done = subprocess.run(
        [*INTERLOCK, "worker", "--burst"], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2
    assert "needs PostgreSQL" in done.stderr
    assert "the store is sqlite" in done.stderr
