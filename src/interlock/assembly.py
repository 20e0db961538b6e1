"""Putting a registered task's engine together from its domain's pieces.

The edges (CLI, API, workers, fault runs) know a task by name and hold a system of
record, a store and a principal; this is where those become an
:class:`~interlock.engine.Engine` with the domain's connector, its precedent lookup and
its embedded model, without any edge naming a domain.
"""

from __future__ import annotations

import logging
from typing import Any, cast

from sqlalchemy import Engine as SqlEngine

from interlock.audit.chain import AuditLog
from interlock.clock import Clock
from interlock.engine import Engine, EngineSettings
from interlock.exceptions import ConfigurationError
from interlock.models.base import ModelClient
from interlock.models.registry import ProviderEndpoint, model_from_spec
from interlock.policy.document import PolicyDocument
from interlock.policy.principal import Principal
from interlock.registry import domain_of
from interlock.retrieval.answers import Assistant
from interlock.retrieval.follow import IndexFollower
from interlock.retrieval.planner import Retriever
from interlock.task import Domain
from interlock.work.failpoints import Failpoints
from interlock.work.store import WorkStore
from interlock.work.written import WriteListener

log = logging.getLogger(__name__)

__all__ = ["assistant_for", "build_engine", "connector_for", "index_follower_for", "model_for"]


def connector_for(task: str, sor: SqlEngine) -> Any:
    """The connector of ``task``'s domain over the system of record ``sor``."""
    return domain_of(task).connector(sor)


def model_for(
    task: str, spec: str, store: SqlEngine, *, endpoints: dict[str, ProviderEndpoint] | None = None
) -> ModelClient:
    """Resolve a model spec for ``task``: ``baseline`` is its domain's embedded model."""
    return model_from_spec(spec, store, endpoints=endpoints, baseline=domain_of(task).baseline)


def build_engine(
    task: str,
    *,
    connector: Any,
    store: WorkStore,
    principal: Principal,
    model: ModelClient | None,
    settings: EngineSettings | None = None,
    policy: PolicyDocument | None = None,
    clock: Clock | None = None,
    worker: str | None = None,
    failpoints: Failpoints | None = None,
    on_written: WriteListener | None = None,
) -> Engine[Any, Any, Any, Any]:
    """An engine for ``task``, with its domain's precedent lookup when the domain has one.

    ``on_written`` hears of every record the engine writes (see :func:`index_follower_for`).
    """
    pack = domain_of(task)
    precedent = pack.precedent(store.engine, connector) if pack.precedent is not None else None
    return Engine(
        task=pack.task(task),
        connector=connector,
        store=store,
        principal=principal,
        model=model,
        settings=settings,
        policy=policy,
        clock=clock,
        worker=worker,
        failpoints=failpoints,
        precedent=precedent,
        on_written=on_written,
    )


def index_follower_for(
    pack: Domain, sor: SqlEngine, store: SqlEngine, *, clock: Clock | None = None
) -> IndexFollower | None:
    """The search index follower of ``pack``'s records (``[index] follow_writes``), or None.

    ``None`` for a domain that declares no searchable documents: its records are in no
    index, so there is nothing to follow. The index itself is opened on the follower's
    thread at the first write, so a store whose index is broken starts all the same.
    """
    if pack.documents is None:
        log.info("domain %s declares no searchable documents: follow-writes has nothing to follow", pack.name)
        return None
    return IndexFollower(store, pack.documents(sor), clock=clock, name=f"interlock-index-follow-{pack.name}")


def assistant_for(
    pack: Domain,
    sor: SqlEngine,
    *,
    retriever: Retriever | None,
    audit: AuditLog,
    policy: PolicyDocument | None = None,
    clock: Clock | None = None,
    connector: Any = None,
) -> Assistant:
    """The domain's ``summarize``/``ask`` over ``sor`` (``ask`` needs ``retriever``).

    ``connector`` reuses a connector the caller already holds (the API's), so that
    summaries and decisions share one breaker and one pool.
    """
    if pack.assistant is None:
        raise ConfigurationError(f"domain {pack.name!r} declares no summaries or answers")
    return cast(
        "Assistant",
        pack.assistant(
            connector=connector if connector is not None else pack.connector(sor),
            retriever=retriever,
            audit=audit,
            policy=policy,
            clock=clock,
        ),
    )
