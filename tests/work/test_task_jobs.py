"""Queue jobs carry their task: a worker runs the jobs of the tasks it has engines for."""

from __future__ import annotations

from pathlib import Path

import pytest

from interlock.assembly import build_engine
from interlock.audit.chain import AuditLog
from interlock.db import make_engine
from interlock.domains.claims import schema as t
from interlock.domains.claims.connector import SqlClaimsConnector
from interlock.domains.claims.testing.handmade import add_claim, seed_reference
from interlock.exceptions import ConfigurationError
from interlock.policy.principal import service_principal
from interlock.store.metadata import store_metadata
from interlock.work.queue import job_lock
from interlock.work.queue_worker import QueueWorkerStats, TaskJobs
from interlock.work.store import WorkStore


def test_a_job_runs_on_its_tasks_engine_and_a_foreign_task_fails(tmp_path: Path) -> None:
    """The job's task picks the engine; a task this worker does not run is a clear error, not a retry."""
    sor = make_engine(f"sqlite:///{tmp_path / 'sor.db'}")
    store = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    t.metadata.create_all(sor)
    store_metadata.create_all(store)
    seed_reference(sor)
    add_claim(sor, "Q-1", lines=(("X1001", 1, "80.00"),))
    engine = build_engine(
        "claims.adjudicate",
        connector=SqlClaimsConnector(sor),
        store=WorkStore(store, AuditLog(store)),
        principal=service_principal(),
        model=None,
    )
    jobs = TaskJobs({"claims.adjudicate": engine}, QueueWorkerStats(worker="w"))
    assert jobs("claims.adjudicate", "Q-1", 0) == "commit"
    with pytest.raises(ConfigurationError, match=r"does not run task 'invoices\.approve'"):
        jobs("invoices.approve", "Q-1", 0)


def test_a_worker_without_engines_is_refused() -> None:
    """A worker that would run no task at all is a configuration error at start-up."""
    with pytest.raises(ConfigurationError):
        TaskJobs({}, QueueWorkerStats(worker="w"))


def test_job_locks_keep_tasks_apart() -> None:
    """The same record id under two tasks gets two locks, so their jobs never block each other."""
    assert job_lock("claims.adjudicate", "X") != job_lock("invoices.approve", "X")
