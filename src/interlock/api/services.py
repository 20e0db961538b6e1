"""What one API process holds: databases, the connector, the engines and the task queue.

One process serves one domain (``ApiSettings.domain``, claims unless configured): its
system of record, its connector and every task it registers. A second system of
record is a second process, so each keeps its own pool, breaker and row-level
security binding.

Engines are built once per principal and reused: an engine is cheap but compiles its
principal's scope, and a hot task endpoint should not redo that per request. Queued
work runs on background threads that call the very same :meth:`~interlock.engine.Engine.process`
the synchronous endpoint calls; deferred items are retried after their backoff.
``process`` acts as its engine's principal itself, so with ``sor_row_security`` those
threads read through row-level security as the requests do.
"""

from __future__ import annotations

import queue
import threading
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, RowMapping, select, text

from interlock.api.auth import Authenticator, check_bearer_settings, read_api_keys
from interlock.api.devlogin import DevLogin
from interlock.api.settings import ApiSettings
from interlock.assembly import assistant_for, build_engine, index_follower_for
from interlock.clock import Clock, SystemClock
from interlock.connectors.pg_access import secure_rows
from interlock.db import make_engine
from interlock.engine import Engine as TaskEngine
from interlock.engine import EngineSettings, ItemResult
from interlock.exceptions import ConfigurationError, InterlockError
from interlock.from_settings import endpoints_of, engine_settings_of, policy_or_default, quality_of
from interlock.models.base import ModelClient
from interlock.policy.document import PolicyDocument
from interlock.policy.principal import Principal
from interlock.quality.config import QualitySettings
from interlock.registry import domain as domain_named
from interlock.retrieval.answers import Assistant
from interlock.retrieval.backends import search_index_for
from interlock.retrieval.planner import Retriever
from interlock.review.decide import ReviewDesk
from interlock.review.queue import ReviewRow, review_row
from interlock.store.migrations import prepare_store
from interlock.store.schema import work_items
from interlock.task import Scope, Task
from interlock.telemetry.metrics import API_QUEUE_DEPTH
from interlock.work.store import WorkStore, idempotency_key_for, work_item_id_for

RETRY_DELAY_SECONDS = 2.0
#: The shortest salt :func:`interlock.audit.events.content_ref` accepts.
MIN_SALT_BYTES = 16


def work_item_id(task: str, record_id: str, version: int) -> str:
    """The id the engine gives the work item of one record version under ``task``."""
    return work_item_id_for(idempotency_key_for(task, record_id, version))


@dataclass
class TaskStats:
    """Counters of this process's task runs, for metrics and the operations page."""

    routes: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, result: ItemResult | None, error: str | None = None) -> None:
        """Count one finished run by route, or one failure by error type."""
        with self.lock:
            if result is not None:
                self.routes[result.route] += 1
            if error is not None:
                self.errors[error] += 1


class TaskQueue:
    """An in-process queue of task runs served by background threads."""

    def __init__(self, services: Services, workers: int) -> None:
        self.services = services
        self._queue: queue.Queue[tuple[float, str, Principal, str] | None] = queue.Queue()
        self._threads = [
            threading.Thread(target=self._serve, name=f"interlock-task-{i}", daemon=True)
            for i in range(workers)
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, task: str, principal: Principal, record_id: str, *, not_before: float = 0.0) -> None:
        """Run the record's work item of ``task`` for ``principal`` on a background thread."""
        self._queue.put((not_before, task, principal, record_id))
        API_QUEUE_DEPTH.set(self._queue.qsize())

    def depth(self) -> int:
        """How many runs wait for a thread."""
        return self._queue.qsize()

    def close(self) -> None:
        """Stop the threads after the runs already taken."""
        for _ in self._threads:
            self._queue.put(None)
        for thread in self._threads:
            thread.join(timeout=5)

    def _serve(self) -> None:
        while (job := self._queue.get()) is not None:
            API_QUEUE_DEPTH.set(self._queue.qsize())
            not_before, task, principal, record_id = job
            wait = not_before - time.monotonic()
            if wait > 0:
                time.sleep(min(wait, 1.0))
                if not_before - time.monotonic() > 0:
                    self._queue.put(job)
                    API_QUEUE_DEPTH.set(self._queue.qsize())
                    continue
            try:
                result = self.services.engine_for(principal, task).process(record_id)
            except InterlockError as exc:
                self.services.stats.record(None, type(exc).__name__)
                continue
            self.services.stats.record(result)
            if result.route == "defer" or (
                result.route == "busy" and not self.services.is_done(task, result)
            ):
                self.submit(task, principal, record_id, not_before=time.monotonic() + RETRY_DELAY_SECONDS)


def _read_salt(path: Path | None) -> bytes | None:
    """The audit content salt from its file; too short a salt is refused at start-up."""
    if path is None:
        return None
    try:
        salt = path.read_bytes().strip()
    except OSError as exc:
        raise ConfigurationError(f"cannot read content salt file {str(path)!r}: {exc.strerror}") from None
    if len(salt) < MIN_SALT_BYTES:
        raise ConfigurationError(f"content salt file {str(path)!r} holds fewer than {MIN_SALT_BYTES} bytes")
    return salt


def preflight(settings: ApiSettings) -> None:
    """Check and prepare what every API process needs, without building one.

    The policy file and the content salt are read, the store is created or brought to
    the newest revision, and a configured model's familiar region is looked up, once:
    ``serve --processes`` runs this before starting its processes, so a bad file or a
    missing region stops it at once and the processes never race to migrate.
    """
    policy = policy_or_default(settings.policy_file)
    check_bearer_settings(settings)
    read_api_keys(settings, policy)
    _read_salt(settings.content_salt_file)
    store = make_engine(settings.store_url, pool_size=1)
    try:
        prepare_store(store)
        if settings.model != "none":
            # A configured model needs the domain's familiar region (unless the check is off).
            from interlock.models.familiarity_store import region_for  # noqa: PLC0415 - numpy

            alpha = engine_settings_of(settings.engine).familiarity_alpha
            region_for(domain_named(settings.domain), store, alpha)
    finally:
        store.dispose()


class Services:
    """The long-lived objects behind every request of one API process."""

    #: Set by ``interlock serve --dev-login``: the desk then offers its staff sign-in.
    dev_login: DevLogin | None = None

    def __init__(
        self,
        settings: ApiSettings,
        *,
        model: ModelClient | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock or SystemClock()
        # Read before any connection opens: a bad policy file stops the process at start-up.
        self.policy: PolicyDocument = policy_or_default(settings.policy_file)
        self.content_salt: bytes | None = _read_salt(settings.content_salt_file)
        # Who may call is checked before any connection opens too: a key file with a
        # missing or unknown scope, or tokens without an issuer and audience, stop start-up.
        check_bearer_settings(settings)
        read_api_keys(settings, self.policy)
        # With sor_row_security every transaction carries the principal of the request's
        # acting_as block (see deps.principal); on anything but PostgreSQL start-up fails.
        self.sor: Engine = secure_rows(
            make_engine(settings.sor_url, pool_size=settings.pool_size), enabled=settings.sor_row_security
        )
        self.store: Engine = make_engine(settings.store_url, pool_size=settings.pool_size)
        # The same schema rule as the CLI: a new store is created, SQLite follows every
        # revision, a PostgreSQL store behind this code waits for `interlock db upgrade`.
        prepare_store(self.store)
        self.domain = domain_named(settings.domain)
        #: The served tasks by name; the first is the default of routes that name none.
        self.tasks = {t.name: t for t in self.domain.tasks}
        self.connector: Any = self.domain.connector(self.sor)
        self.work = WorkStore.grouped(self.store)
        self.audit = self.work.audit
        self.model = model
        self.auth = Authenticator(settings, self.connector, self.policy)
        # [index] follow_writes: every record this process writes (a task run or a person's
        # decision) is re-synced in the search index in the background.
        self.follower = (
            index_follower_for(self.domain, self.sor, self.store, clock=self.clock)
            if settings.index.follow_writes
            else None
        )
        #: The ``[quality]`` knobs: sampling (in the engines), the closing rule (in the desks).
        self.quality: QualitySettings = quality_of(settings.quality)
        self.desks = {
            name: ReviewDesk(
                task=task,
                connector=self.connector,
                store=self.store,
                audit=self.audit,
                clock=self.clock,
                policy=self.policy,
                content_salt=self.content_salt,
                on_written=self.follower,
                quality=self.quality,
            )
            for name, task in self.tasks.items()
        }
        retriever = None
        if self.domain.documents is not None:
            # The store's own index: SQLite FTS5 embedded, PostgreSQL shared by every worker.
            retriever = Retriever(
                search_index_for(self.store),
                self.domain.documents(self.sor),
                policy=self.policy,
                clock=self.clock,
            )
        self.retriever = retriever
        self.assistant: Assistant | None = (
            assistant_for(
                self.domain,
                self.sor,
                retriever=retriever,
                audit=self.audit,
                clock=self.clock,
                policy=self.policy,
                connector=self.connector,
            )
            if self.domain.assistant is not None
            else None
        )
        # The same [engine] knobs the CLI and the worker use; the API's own deadline bounds a request.
        self.engine_settings: EngineSettings = replace(
            engine_settings_of(settings.engine, quality=settings.quality),
            deadline_seconds=settings.deadline_seconds,
        )
        if self.domain.warm is not None:
            # Load what the first request should not pay for (the ICD-10-CM code set) at
            # start-up, but beside it: loading takes seconds, and the server can listen meanwhile.
            threading.Thread(target=self.domain.warm, name="interlock-warm", daemon=True).start()
        self.stats = TaskStats()
        self._engines: dict[tuple[str, Principal], TaskEngine[Any, Any, Any, Any]] = {}
        self._engines_lock = threading.Lock()
        self.queue = TaskQueue(self, settings.queue_workers)

    @property
    def default_task(self) -> str:
        """The domain's first task: what routes that name no task mean."""
        return next(iter(self.tasks))

    @property
    def desk(self) -> ReviewDesk:
        """The review desk of the default task."""
        return self.desks[self.default_task]

    def task(self, name: str) -> Task[Any, Any, Any, Any] | None:
        """The served task called ``name``; ``None`` when this process serves no such task."""
        return self.tasks.get(name)

    def review_of(
        self, review_id: str, principal: Principal
    ) -> tuple[Task[Any, Any, Any, Any], Scope, ReviewRow] | None:
        """The review item of a served task that ``principal`` may see, with that task and its scope.

        ``None`` for a missing item and for one outside every served task's scope alike.
        """
        for task in self.tasks.values():
            scope = task.scope(self.policy, principal)
            row = review_row(self.store, review_id, scope)
            if row is not None and row.task == task.name:
                return task, scope, row
        return None

    def engine_for(self, principal: Principal, task: str | None = None) -> TaskEngine[Any, Any, Any, Any]:
        """The engine that runs ``task``'s work items on behalf of ``principal``."""
        name = task or self.default_task
        with self._engines_lock:
            engine = self._engines.get((name, principal))
            if engine is None:
                engine = build_engine(
                    name,
                    connector=self.connector,
                    store=self.work,
                    principal=principal,
                    model=self.model,
                    settings=self.engine_settings,
                    policy=self.policy,
                    clock=self.clock,
                    worker=f"api:{threading.get_native_id()}",
                    on_written=self.follower,
                )
                self._engines[(name, principal)] = engine
            return engine

    def use_configured_model(self) -> None:
        """Put the configured model (``settings.model``) behind API-started adjudications.

        With the familiarity check on, the domain's familiar region is loaded here too, so
        a store without one stops the server at start with one line, not a request later.
        """
        if self.settings.model == "none":
            return
        from interlock.assembly import model_for  # noqa: PLC0415 - pulls in model code
        from interlock.models.familiarity_store import region_for  # noqa: PLC0415 - numpy

        self.model = model_for(
            self.default_task, self.settings.model, self.store, endpoints=endpoints_of(self.settings.models)
        )
        region_for(self.domain, self.store, self.engine_settings.familiarity_alpha)

    def work_item_row(self, item_id: str) -> RowMapping | None:
        """The stored row of one work item, if it exists."""
        with self.store.connect() as conn:
            return (
                conn.execute(select(work_items).where(work_items.c.work_item_id == item_id))
                .mappings()
                .first()
            )

    def is_done(self, task: str, result: ItemResult) -> bool:
        """True when the run's work item already reached its end (nothing left to retry)."""
        if result.record_version is None:
            return False
        row = self.work_item_row(work_item_id(task, result.record_id, result.record_version))
        return row is not None and row["status"] == "done"

    def ready(self) -> dict[str, str]:
        """``ok`` or the error class for each database (for ``/readyz``)."""
        status: dict[str, str] = {}
        for name, engine in (("sor", self.sor), ("store", self.store)):
            try:
                with engine.connect() as conn:
                    conn.execute(text("SELECT 1"))
                status[name] = "ok"
            except Exception as exc:  # any failure means not ready; the reason is the class name
                status[name] = type(exc).__name__
        return status

    def close(self) -> None:
        """Stop background threads and release database connections."""
        self.queue.close()
        if self.follower is not None:
            self.follower.close()
        self.sor.dispose()
        self.store.dispose()
