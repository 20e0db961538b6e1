"""A queue worker: take jobs from the work queue until stopped.

Each job runs :meth:`~interlock.engine.Engine.process` of the engine for its task on its
record, in a thread (the engine is synchronous; ``concurrency`` threads share one engine
per task, as the local runner's pool does). A job for a task this worker does not run
fails at once with the reason, rather than bouncing between workers. What the engine answers decides the job's fate:

* committed, reviewed or superseded: the job succeeds;
* ``busy`` or ``defer``: the job is rescheduled (:class:`ComeBackLater`) for the moment
  the work item's lease runs out or its deferral ends, read from the work store, or it
  succeeds at once if the work item turns out to be done already;
* a lost lease or a database error: rescheduled after a short backoff.

Beside procrastinate's own loop a supervisor runs every ``poll_seconds``: it returns the
jobs of workers whose heartbeat stopped to the queue (stalled-job recovery) and, in
burst mode, stops the worker once the queue has nothing waiting and nothing running.
SIGTERM and SIGINT stop fetching and let the jobs in hand finish (procrastinate's
graceful shutdown); each is bounded by the work item's deadline.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import procrastinate
from sqlalchemy import Engine, select
from sqlalchemy.exc import DBAPIError

from interlock.engine import Engine as TaskEngine
from interlock.exceptions import AccessDenied, ConfigurationError, DependencyUnavailable, LeaseLost
from interlock.store.schema import work_items
from interlock.work.queue import (
    QUEUE,
    ComeBackLater,
    as_aware,
    build_queue,
    queue_counts,
    recover_stalled_jobs,
    utc_in,
)
from interlock.work.store import idempotency_key_for, work_item_id_for

#: Margin added to a lease expiry before looking again, so the lease has surely run out.
LEASE_MARGIN_SECONDS = 0.2

log = logging.getLogger(__name__)


@dataclass(slots=True)
class QueueWorkerStats:
    """What one queue worker did, printed as JSON when it exits."""

    worker: str
    routes: Counter[str] = field(default_factory=Counter)
    already_done: int = 0
    rescheduled: int = 0
    denied: int = 0
    recovered: int = 0
    seconds: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count(self, attr: str, route: str | None = None) -> None:
        """Thread-safe increment: jobs run in several threads at once."""
        with self._lock:
            if route is not None:
                self.routes[route] += 1
            else:
                setattr(self, attr, getattr(self, attr) + 1)

    @property
    def finished(self) -> int:
        """Work items this worker brought to an end state."""
        return sum(self.routes.values())

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready summary."""
        return {
            "worker": self.worker,
            "finished": self.finished,
            "routes": dict(self.routes),
            "already_done": self.already_done,
            "rescheduled": self.rescheduled,
            "denied": self.denied,
            "recovered": self.recovered,
            "seconds": round(self.seconds, 3),
        }


class TaskJobs:
    """Runs one queue job through its task's engine and tells the queue what comes next."""

    def __init__(
        self,
        engines_by_task: Mapping[str, TaskEngine[Any, Any, Any, Any]],
        stats: QueueWorkerStats,
        engines: Sequence[Engine] = (),
    ) -> None:
        if not engines_by_task:
            raise ConfigurationError("a queue worker needs the engine of at least one task")
        self.engines_by_task = dict(engines_by_task)
        self.stats = stats
        self.engines = engines

    def __call__(self, task: str, record_id: str, attempts: int) -> str:
        """Process ``record_id`` for ``task``; raise :class:`ComeBackLater` when it needs another go."""
        engine = self.engines_by_task.get(task)
        if engine is None:
            raise ConfigurationError(f"this worker does not run task {task!r}")
        try:
            result = engine.process(record_id)
        except AccessDenied:
            # Not this principal's record (or gone): nothing a retry would change.
            self.stats.count("denied")
            return "denied"
        except LeaseLost as exc:
            self.stats.count("rescheduled")
            raise ComeBackLater(utc_in(engine.settings.defer_base_seconds), str(exc)) from None
        except (DBAPIError, DependencyUnavailable) as exc:
            # Pooled connections may all be dead after a server restart.
            for e in self.engines:
                e.dispose()
            self.stats.count("rescheduled")
            delay = min(30.0, engine.settings.defer_base_seconds * 2 ** min(attempts, 5))
            raise ComeBackLater(utc_in(delay), f"database unavailable: {exc}") from None
        if result.replayed:
            self.stats.count("already_done")
            return "done"
        if result.route not in ("busy", "defer"):
            self.stats.count("routes", result.route)
            return result.route
        at = self._when_free(engine, record_id, result.record_version)
        if at is None:
            self.stats.count("already_done")
            return "done"
        self.stats.count("rescheduled")
        raise ComeBackLater(at, result.reason)

    @staticmethod
    def _when_free(
        engine: TaskEngine[Any, Any, Any, Any], record_id: str, version: int | None
    ) -> datetime | None:
        """When the work item can be taken again, or None when it is done."""
        if version is None:
            return utc_in(engine.settings.defer_base_seconds)
        item_id = work_item_id_for(idempotency_key_for(engine.task_name, record_id, version))
        with engine.store.engine.connect() as conn:
            row = conn.execute(
                select(work_items.c.status, work_items.c.not_before, work_items.c.lease_expires_at).where(
                    work_items.c.work_item_id == item_id
                )
            ).first()
        if row is None:
            return utc_in(engine.settings.defer_base_seconds)
        status, not_before, lease_expires_at = row
        if status == "done":
            return None
        if status == "deferred" and not_before is not None:
            return as_aware(not_before)
        if status == "leased" and lease_expires_at is not None:
            return as_aware(lease_expires_at) + timedelta(seconds=LEASE_MARGIN_SECONDS)
        return utc_in(engine.settings.defer_base_seconds)


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkerOptions:
    """How a queue worker runs."""

    concurrency: int = 4
    burst: bool = False
    poll_seconds: float = 1.0
    heartbeat_seconds: float = 10.0
    stalled_seconds: float = 30.0


async def _supervise(
    app: procrastinate.App,
    worker: asyncio.Task[None],
    options: WorkerOptions,
    stats: QueueWorkerStats,
) -> None:
    """Recover stalled jobs; in burst mode, stop the worker once the queue is empty."""
    while not worker.done():
        await asyncio.sleep(options.poll_seconds)
        try:
            recovered = await recover_stalled_jobs(app, stalled_seconds=options.stalled_seconds)
            empty = options.burst and not recovered and (await queue_counts(app)).empty
        except procrastinate.exceptions.ConnectorException as exc:
            # The queue's database is briefly unreachable: look again next round.
            log.warning("queue supervision failed, retrying: %s", exc)
            continue
        stats.recovered += len(recovered)
        if empty:
            # Cancelling run_worker_async is procrastinate's way to stop a worker it
            # runs: it stops fetching and waits for the jobs in hand.
            worker.cancel()
            return


async def run_queue_worker(
    url: str, jobs: TaskJobs, options: WorkerOptions, *, name: str
) -> QueueWorkerStats:
    """Run a worker on the queue in ``url`` until a signal (or, in burst mode, an empty queue)."""
    started = time.monotonic()
    loop = asyncio.get_running_loop()
    # Sync jobs run in the loop's default executor: give it one thread per job slot.
    loop.set_default_executor(ThreadPoolExecutor(max_workers=options.concurrency, thread_name_prefix=name))
    app = build_queue(url, jobs, pool_size=options.concurrency + 4)
    async with app.open_async():
        worker = asyncio.create_task(
            app.run_worker_async(
                queues=[QUEUE],
                name=name,
                concurrency=options.concurrency,
                wait=True,
                fetch_job_polling_interval=options.poll_seconds,
                update_heartbeat_interval=options.heartbeat_seconds,
                stalled_worker_timeout=options.stalled_seconds,
                delete_jobs="successful",
            )
        )
        supervisor = asyncio.create_task(_supervise(app, worker, options, jobs.stats))
        try:
            with contextlib.suppress(asyncio.CancelledError):
                await worker
        finally:
            supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await supervisor
    jobs.stats.seconds = time.monotonic() - started
    return jobs.stats
