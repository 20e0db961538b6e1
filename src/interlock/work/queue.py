"""The work queue: one job per (task, record), shared by workers on any number of machines.

The queue only *distributes* work; it is not where exactly-once comes from. A job says
"run task T on record R"; the worker that takes it runs
:meth:`~interlock.engine.Engine.process` of its engine for T, and the work store's
leases, fencing tokens, recovery points and the idempotency key of every write decide
what actually happens. So a job that runs twice, or a job whose worker died half-way
and is handed to another worker, costs a little time and nothing else.

The queue is procrastinate's: jobs live in PostgreSQL tables (``procrastinate_*``), in
the store's database unless a separate queue URL is given. Each job carries
``task:record`` as its *queueing lock* (at most one waiting job per record and task, so
enqueueing the backlog twice adds nothing) and as its *lock* (never two jobs of one
record and task running at once). A job that finds its work item busy, deferred or unreachable is not failed: it
raises :class:`ComeBackLater` and :class:`ComeBackStrategy` reschedules the same job
for the moment the lease runs out or the deferral ends.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import procrastinate
import psycopg
from procrastinate import exceptions as pq_errors
from procrastinate.jobs import Job
from procrastinate.retry import BaseRetryStrategy, RetryDecision
from procrastinate.schema import SchemaManager
from psycopg.conninfo import make_conninfo
from sqlalchemy.engine import make_url

from interlock.db import normalize_url
from interlock.exceptions import ConfigurationError

QUEUE = "interlock"
#: procrastinate's name for the one job kind: run a task on a record.
TASK_NAME = "interlock.run_task"
#: ``pg_advisory_xact_lock`` key held while the queue schema is created, so that
#: several workers starting at once do not race to create the same tables.
SCHEMA_LOCK_KEY = 0x1A7E_0C0B
#: Jobs inserted per statement when the backlog is enqueued.
ENQUEUE_CHUNK = 500

log = logging.getLogger(__name__)

#: Runs one job: the task, the record id and how many times the job ran before; returns what happened.
JobHandler = Callable[[str, str, int], str]


class ComeBackLater(Exception):
    """The record still needs work, but not now: run the same job again at ``at``."""

    def __init__(self, at: datetime, reason: str) -> None:
        super().__init__(reason)
        self.at = at
        self.reason = reason


@dataclass(frozen=True, slots=True, kw_only=True)
class ComeBackStrategy(BaseRetryStrategy):
    """Reschedule on :class:`ComeBackLater`; retry anything else a few times with backoff.

    Waiting for a lease or a deferral is normal and bounded by the work store (a lease
    always runs out, deferrals have a budget), hence the generous ``max_waits``. Other
    exceptions are unexpected: after ``max_errors`` the job fails and the work item
    stays unfinished in the store, where the next ``adjudicate --queue`` finds it.
    """

    max_waits: int = 1000
    max_errors: int = 5
    backoff_seconds: float = 1.0

    def get_retry_decision(self, *, exception: BaseException, job: Job) -> RetryDecision | None:
        """When (and whether) procrastinate runs the job again."""
        if isinstance(exception, ComeBackLater):
            return RetryDecision(retry_at=exception.at) if job.attempts < self.max_waits else None
        if isinstance(exception, Exception) and job.attempts < self.max_errors:
            return RetryDecision(retry_in={"seconds": self.backoff_seconds * 2**job.attempts})
        return None


def queue_url_for(store_url: str, queue_url: str | None = None) -> str:
    """The PostgreSQL URL the queue lives in: ``queue_url`` or else the store's.

    Raises :class:`ConfigurationError` when that is not PostgreSQL: the queue relies on
    row locks, ``LISTEN/NOTIFY`` and PL/pgSQL, which SQLite does not have.
    """
    url = queue_url or store_url
    backend = make_url(normalize_url(url)).get_backend_name()
    if backend != "postgresql":
        where = "--queue-url" if queue_url else "the store"
        raise ConfigurationError(
            f"the work queue needs PostgreSQL, but {where} is {backend}: "
            "use a postgresql:// store or give --queue-url postgresql://..."
        )
    return url


def conninfo(url: str) -> str:
    """A libpq connection string for a SQLAlchemy-style PostgreSQL URL."""
    return make_url(normalize_url(url)).set(drivername="postgresql").render_as_string(hide_password=False)


def ensure_queue_schema(url: str) -> bool:
    """Create procrastinate's tables in ``url`` unless they exist; True when created.

    Safe to call from every process at start-up: an advisory lock serialises the check
    and the creation. Upgrades of procrastinate itself use its migration files
    (``procrastinate schema --migrate``), not this.
    """
    with psycopg.connect(conninfo(url)) as conn:
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK_KEY,))
        row = conn.execute("SELECT to_regclass('procrastinate_jobs') IS NOT NULL").fetchone()
        if row is not None and row[0]:
            return False
        conn.execute(SchemaManager.get_schema())
    log.info("created the work queue schema")
    return True


def build_queue(url: str, handler: JobHandler | None = None, *, pool_size: int = 4) -> procrastinate.App:
    """A procrastinate app on ``url`` with the run-a-task job registered.

    Enqueueing needs no ``handler``; a worker passes the function that runs one job.
    """
    # Each fetch runs procrastinate_fetch_job_v2, whose statements PL/pgSQL caches per
    # session. A generic plan made while the jobs table looked tiny stays in use after a
    # backlog of thousands arrives, and every fetch then takes seconds: plan per call.
    app = procrastinate.App(
        connector=procrastinate.PsycopgConnector(
            conninfo=make_conninfo(conninfo(url), options="-c plan_cache_mode=force_custom_plan"),
            min_size=1,
            max_size=max(2, pool_size),
        )
    )

    @app.task(name=TASK_NAME, queue=QUEUE, retry=ComeBackStrategy(), pass_context=True)
    def run_task(context: procrastinate.JobContext, task: str, record_id: str) -> str:
        if handler is None:
            raise RuntimeError("this process only enqueues work; it runs no jobs")
        return handler(task, record_id, context.job.attempts)

    return app


def refresh_queue_statistics(url: str) -> None:
    """``ANALYZE`` the jobs table after a bulk enqueue.

    The planner otherwise keeps the row estimate of the empty table until autovacuum
    gets round to it, and picks fetch plans that scan the whole backlog per job: with
    20,000 jobs queued, workers measured 3-10 s per fetch before this and about 1 ms
    after.
    """
    with psycopg.connect(conninfo(url), autocommit=True) as conn:
        conn.execute("ANALYZE procrastinate_jobs")


@dataclass(frozen=True, slots=True)
class EnqueueReport:
    """How many records got a new job, and how many already had one waiting or running."""

    enqueued: int
    already_queued: int


def job_lock(task: str, record_id: str) -> str:
    """The lock and queueing lock of one record's job for ``task``."""
    return f"{task}:{record_id}"


def _job(task: str, record_id: str) -> Job:
    lock = job_lock(task, record_id)
    return Job(
        queue=QUEUE,
        task_name=TASK_NAME,
        lock=lock,
        queueing_lock=lock,
        task_kwargs={"task": task, "record_id": record_id},
    )


def enqueue_records(app: procrastinate.App, task: str, record_ids: Iterable[str]) -> EnqueueReport:
    """Give every record without a waiting or running job for ``task`` one job; idempotent.

    Records whose job is already ``todo`` or ``doing`` are skipped up front, so the batch
    inserts rarely meet the queueing lock; when they do (another process enqueued at the
    same moment) the chunk is retried one job at a time and the loser is counted as
    already queued.
    """
    manager = app.job_manager
    queued = {
        job.queueing_lock
        for status in ("todo", "doing")
        for job in manager.list_jobs(queue=QUEUE, status=status)
        if job.queueing_lock is not None
    }
    wanted = list(dict.fromkeys(record_ids))
    todo = [r for r in wanted if job_lock(task, r) not in queued]
    enqueued = 0
    for start in range(0, len(todo), ENQUEUE_CHUNK):
        chunk = todo[start : start + ENQUEUE_CHUNK]
        try:
            manager.batch_defer_jobs([_job(task, r) for r in chunk])
            enqueued += len(chunk)
        except pq_errors.AlreadyEnqueued:
            for record_id in chunk:
                try:
                    manager.defer_job(_job(task, record_id))
                    enqueued += 1
                except pq_errors.AlreadyEnqueued:
                    pass
    return EnqueueReport(enqueued=enqueued, already_queued=len(wanted) - enqueued)


@dataclass(frozen=True, slots=True)
class QueueCounts:
    """Jobs of the work queue by state."""

    todo: int
    doing: int
    succeeded: int
    failed: int

    @property
    def empty(self) -> bool:
        """Nothing waiting (now or later) and nothing running."""
        return self.todo == 0 and self.doing == 0


async def queue_counts(app: procrastinate.App) -> QueueCounts:
    """Count the queue's jobs by state (one grouped query)."""
    rows = list(await app.job_manager.list_queues_async(queue=QUEUE))
    row = rows[0] if rows else {}
    return QueueCounts(
        todo=int(row.get("todo", 0)),
        doing=int(row.get("doing", 0)),
        succeeded=int(row.get("succeeded", 0)),
        failed=int(row.get("failed", 0)),
    )


async def recover_stalled_jobs(app: procrastinate.App, *, stalled_seconds: float) -> list[int]:
    """Put back in the queue the running jobs of workers whose heartbeat stopped.

    A worker killed outright (SIGKILL, lost machine) leaves its jobs ``doing`` forever;
    procrastinate notices through its worker heartbeats, and this returns such jobs to
    ``todo``. The work items they were on are still leased in the store until the lease
    runs out, so the recovered job usually comes back once more, at lease expiry.
    Several workers may recover at once: a job someone else already recovered is skipped.
    """
    manager = app.job_manager
    recovered: list[int] = []
    stalled = await manager.get_stalled_jobs(queue=QUEUE, seconds_since_heartbeat=stalled_seconds)
    for job in stalled:
        assert job.id is not None
        try:
            await manager.retry_job(job)
            recovered.append(job.id)
        except pq_errors.UniqueViolation:
            # A newer job for the same claim is already waiting: it carries the claim.
            await manager.finish_job_by_id_async(job.id, status=_failed(), delete_job=False)
        except pq_errors.ConnectorException as exc:
            log.debug("stalled job %s was recovered elsewhere: %s", job.id, exc)
    return recovered


def _failed() -> procrastinate.jobs.Status:
    return procrastinate.jobs.Status.FAILED


def utc_in(seconds: float) -> datetime:
    """An aware UTC time ``seconds`` from now (procrastinate needs aware datetimes)."""
    return datetime.now(UTC) + timedelta(seconds=seconds)


def as_aware(naive_utc: datetime) -> datetime:
    """The store keeps naive UTC timestamps; procrastinate wants aware ones."""
    return naive_utc if naive_utc.tzinfo is not None else naive_utc.replace(tzinfo=UTC)


__all__: Sequence[str] = (
    "QUEUE",
    "TASK_NAME",
    "ComeBackLater",
    "ComeBackStrategy",
    "EnqueueReport",
    "QueueCounts",
    "build_queue",
    "conninfo",
    "enqueue_records",
    "ensure_queue_schema",
    "job_lock",
    "queue_counts",
    "queue_url_for",
    "recover_stalled_jobs",
    "refresh_queue_statistics",
)
