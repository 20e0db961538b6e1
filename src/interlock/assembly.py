"""Putting a registered task's engine together from its domain's pieces.

The edges (CLI, API, workers, fault runs) know a task by name and hold a system of
record, a store and a principal; this is where those become an
:class:`~interlock.engine.Engine` with the domain's connector, its precedent lookup and
its embedded model, without any edge naming a domain.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Engine as SqlEngine

from interlock.audit.chain import AuditLog
from interlock.clock import Clock
from interlock.engine import Engine, EngineSettings
from interlock.exceptions import ConfigurationError
from interlock.models.base import ModelClient
from interlock.models.familiarity_store import region_for
from interlock.models.registry import ProviderEndpoint, model_from_spec
from interlock.policy.document import PolicyDocument
from interlock.policy.principal import Principal
from interlock.registry import domain_of
from interlock.retrieval.answers import Assistant
from interlock.retrieval.follow import IndexFollower
from interlock.retrieval.planner import Retriever
from interlock.task import Domain, Thresholds
from interlock.work.failpoints import Failpoints
from interlock.work.store import WorkStore
from interlock.work.written import WriteListener

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from interlock.shadow.runner import ShadowRunner

__all__ = ["assistant_for", "build_engine", "connector_for", "index_follower_for", "model_for", "shadow_for"]


def connector_for(task: str, sor: SqlEngine) -> Any:
    """The connector of ``task``'s domain over the system of record ``sor``."""
    return domain_of(task).connector(sor)


def model_for(
    task: str, spec: str, store: SqlEngine, *, endpoints: dict[str, ProviderEndpoint] | None = None
) -> ModelClient:
    """Resolve a model spec for ``task``: ``baseline`` is its domain's embedded model."""
    return model_from_spec(spec, store, endpoints=endpoints, baseline=domain_of(task).baseline)


def shadow_for(
    task: str,
    store: SqlEngine,
    *,
    model: str | None = None,
    thresholds: Thresholds | None = None,
    budget_seconds: float = 5.0,
    endpoints: dict[str, ProviderEndpoint] | None = None,
    clock: Clock | None = None,
) -> ShadowRunner | None:
    """The shadow runner for a candidate ``model`` spec and/or ``thresholds``; ``None`` for neither.

    The candidate model is resolved like any model spec of ``task`` (``baseline:DIGEST``
    pins a stored baseline), with its own breakers; its records go to ``store``.
    """
    from interlock.shadow.runner import Candidate, ShadowRunner  # noqa: PLC0415 - only when shadowing

    if model is None and thresholds is None:
        return None
    client = None if model is None else model_for(task, model, store, endpoints=endpoints)
    shown = "production" if thresholds is None else f"approve {thresholds.approve:g} deny {thresholds.deny:g}"
    label = f"model {'production' if client is None else client.model_id}, thresholds {shown}"
    candidate = Candidate(label=label, model=client, thresholds=thresholds, budget_seconds=budget_seconds)
    return ShadowRunner(candidate, store, clock=clock)


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
    shadow: ShadowRunner | None = None,
) -> Engine[Any, Any, Any, Any]:
    """An engine for ``task``, with its domain's precedent lookup when the domain has one.

    ``on_written`` hears of every record the engine writes (see :func:`index_follower_for`);
    ``shadow`` runs a candidate beside production (:func:`shadow_for`).
    With a model and ``settings.familiarity_alpha`` set, the engine also gets the domain's
    fitted familiar region from the store at that miscoverage; a store without one is a
    :class:`~interlock.exceptions.ConfigurationError` here, before any work item.
    """
    pack = domain_of(task)
    precedent = pack.precedent(store.engine, connector) if pack.precedent is not None else None
    alpha = settings.familiarity_alpha if settings is not None and model is not None else None
    familiarity = region_for(pack, store.engine, alpha)
    return Engine(
        task=pack.task(task).bind(store.engine),
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
        shadow=shadow,
        familiarity=familiarity,
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
