"""Trained models kept in Interlock's store as JSON (never pickles), and model specs.

A model spec names where a proposal's judgement comes from: ``baseline`` is the latest
embedded model the task's domain trained with ``interlock model train``, and
``baseline:DIGEST`` the stored one whose model id ends in that digest;
``openai:NAME`` is any OpenAI-compatible server, configured the way the official SDK is
(``OPENAI_BASE_URL``, ``OPENAI_API_KEY``) unless the settings give an endpoint
(:class:`ProviderEndpoint`). The store keeps each domain's artifacts under its own
``kind``; what an artifact means is the domain's business.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select

from interlock.exceptions import ConfigurationError
from interlock.models.base import ModelClient
from interlock.models.chain import BreakerModel, FallbackModel
from interlock.models.observed import ObservedModel
from interlock.models.spec import parse_model_spec
from interlock.store.schema import trained_models


@dataclass(frozen=True, slots=True)
class ProviderEndpoint:
    """Where a hosted provider is and the key to use; ``None`` leaves it to the SDK's variables."""

    base_url: str | None = None
    api_key: str | None = None


def save_trained(
    store: Engine, *, kind: str, model_id: str, artifact: str, metrics: Mapping[str, Any], now: datetime
) -> str:
    """Store a trained artifact (JSON text) under ``kind``; the same id is stored once."""
    with store.begin() as conn:
        existing = conn.execute(
            select(trained_models.c.model_id).where(trained_models.c.model_id == model_id)
        ).first()
        if existing is None:
            conn.execute(
                trained_models.insert().values(
                    model_id=model_id,
                    kind=kind,
                    created_at=now.replace(tzinfo=None),
                    artifact=artifact,
                    metrics=json.dumps(dict(metrics), sort_keys=True, default=str),
                )
            )
    return model_id


def _latest(store: Engine, kind: str, column: Any, digest: str | None = None) -> Any:
    query = select(column).where(trained_models.c.kind == kind)
    if digest is not None:
        # A model id is ``<kind-ish prefix>:<digest>``; the spec names the part after the colon.
        query = query.where(trained_models.c.model_id.endswith(f":{digest}", autoescape=True))
    with store.connect() as conn:
        row = conn.execute(
            query.order_by(trained_models.c.created_at.desc(), trained_models.c.model_id).limit(1)
        ).first()
    return None if row is None else row[0]


def latest_artifact(store: Engine, kind: str, *, digest: str | None = None) -> str:
    """The most recently trained artifact of ``kind`` (with ``digest``: the one with that id).

    A clear error says how to train one, or that no stored model has that digest.
    """
    artifact = _latest(store, kind, trained_models.c.artifact, digest)
    if artifact is None and digest is not None:
        raise ConfigurationError(f"no trained baseline model with digest {digest!r} in the store")
    if artifact is None:
        raise ConfigurationError("no trained baseline model in the store: run `interlock model train` first")
    return str(artifact)


def latest_metrics(store: Engine, kind: str) -> dict[str, Any] | None:
    """Held-out metrics recorded when the latest artifact of ``kind`` was trained."""
    metrics = _latest(store, kind, trained_models.c.metrics)
    return None if metrics is None else dict(json.loads(metrics))


BaselineLoader = Callable[..., ModelClient]
"""``loader(store)`` loads a domain's latest baseline; ``loader(store, digest=D)`` a pinned one."""


def model_from_spec(
    spec: str,
    store: Engine,
    *,
    endpoints: Mapping[str, ProviderEndpoint] | None = None,
    baseline: BaselineLoader | None = None,
) -> ModelClient:
    """Resolve a model spec, or a comma-separated fallback chain of them, into a client.

    Each hosted provider gets its own circuit breaker; a chain such as
    ``openai:primary,anthropic:secondary,baseline`` tries them in order, and a person
    is the last resort after the chain (the engine defers or reviews). ``endpoints``
    maps a provider (``openai``, ``anthropic``) to its configured endpoint;
    ``baseline`` loads the task's domain's embedded model.
    """
    members = [part.strip() for part in spec.split(",") if part.strip()]
    if not members:
        raise ConfigurationError("empty model spec")
    clients = [_single(member, store, endpoints or {}, baseline) for member in members]
    return clients[0] if len(clients) == 1 else FallbackModel(clients)


def _single(
    spec: str, store: Engine, endpoints: Mapping[str, ProviderEndpoint], baseline: BaselineLoader | None
) -> ModelClient:
    provider, name = parse_model_spec(spec)
    endpoint = endpoints.get(provider, ProviderEndpoint())
    if provider == "baseline":
        if baseline is None:
            raise ConfigurationError("this task's domain ships no embedded baseline model")
        # In process, but a model all the same: its calls are spans and metrics too.
        return ObservedModel(baseline(store, digest=name) if name else baseline(store))
    if provider == "openai":
        from interlock.models.openai_compat import OpenAICompatibleModel  # noqa: PLC0415 - optional SDK path

        return BreakerModel(
            ObservedModel(OpenAICompatibleModel(name, base_url=endpoint.base_url, api_key=endpoint.api_key))
        )
    if provider == "anthropic":
        from interlock.models.anthropic_adapter import AnthropicModel  # noqa: PLC0415 - optional SDK path

        return BreakerModel(
            ObservedModel(AnthropicModel(name, base_url=endpoint.base_url, api_key=endpoint.api_key))
        )
    raise ConfigurationError(f"model provider {provider!r} is not available here")
