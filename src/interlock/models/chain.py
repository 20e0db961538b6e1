"""Wrappers that compose failure behaviour around any ModelClient.

Behaviour is added by wrapping, not by flags: :class:`BreakerModel` fails fast while a
provider keeps failing, :class:`FallbackModel` tries the next model of a task's chain.
Retries live in exactly one place (:mod:`interlock.models.resilience`), outside these.

What each failure becomes::

    provider down / throttling / too slow  -> ModelUnavailable (retryable; the item is deferred)
    circuit open                           -> ModelUnavailable without a call
    answer outside the contract            -> ModelOutputInvalid (next model in the chain; else review)
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import timedelta
from typing import TypeVar

import pybreaker

from interlock.exceptions import (
    ConfigurationError,
    DependencyUnavailable,
    ModelOutputInvalid,
    ModelUnavailable,
)
from interlock.models.base import ModelAnswer, ModelClient, ModelQuestion
from interlock.telemetry.metrics import BREAKER_OPEN

_A = TypeVar("_A", bound=ModelAnswer)


class BreakerGauge(pybreaker.CircuitBreakerListener):
    """Mirrors a breaker's state into the ``interlock_breaker_open`` gauge."""

    def state_change(self, cb: pybreaker.CircuitBreaker, old_state: object, new_state: object) -> None:
        """Set the gauge to 1 while open, else 0."""
        BREAKER_OPEN.labels(dependency=str(cb.name)).set(1 if str(new_state) == "open" else 0)


class BreakerModel:
    """A circuit breaker around one provider (pybreaker): open after repeated outages.

    Only retryable failures count against the provider; an invalid answer is the
    model's fault, not the provider's availability, and does not trip the breaker.
    """

    def __init__(self, inner: ModelClient, *, fail_max: int = 5, reset_seconds: float = 30.0) -> None:
        self.inner = inner
        self.breaker = pybreaker.CircuitBreaker(
            fail_max=fail_max,
            reset_timeout=reset_seconds,
            exclude=[lambda exc: not isinstance(exc, DependencyUnavailable)],
            name=inner.model_id,
            listeners=[BreakerGauge()],
        )
        BREAKER_OPEN.labels(dependency=inner.model_id).set(0)

    @property
    def model_id(self) -> str:
        """The wrapped model's id: the breaker is not a model of its own."""
        return self.inner.model_id

    @property
    def state(self) -> str:
        """``closed``, ``open`` or ``half-open``."""
        return str(self.breaker.current_state)

    def ask(self, question: ModelQuestion[_A], *, timeout: float) -> _A:
        """Call through the breaker; an open circuit answers at once without a call."""
        try:
            result: _A = self.breaker.call(self.inner.ask, question, timeout=timeout)
        except pybreaker.CircuitBreakerError:
            wait = timedelta(seconds=self.breaker.reset_timeout)
            raise ModelUnavailable(f"circuit open for {self.model_id}; next try after {wait}") from None
        return result


class FallbackModel:
    """Try each model of a chain in order until one answers within the contract.

    The chain's last resort after every model is a person: when all fail, the last
    error propagates and the engine defers (outage) or reviews (invalid answers).
    """

    def __init__(self, chain: Sequence[ModelClient]) -> None:
        if not chain:
            raise ConfigurationError("a fallback chain needs at least one model")
        self.chain = tuple(chain)

    @property
    def model_id(self) -> str:
        """The chain's members, in order."""
        return ">".join(m.model_id for m in self.chain)

    def ask(self, question: ModelQuestion[_A], *, timeout: float) -> _A:
        """The first contract-valid answer; the answer names the model that gave it."""
        errors: list[Exception] = []
        deadline = time.monotonic() + timeout
        for model in self.chain:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                errors.append(ModelUnavailable(f"no time left for {model.model_id}"))
                break
            try:
                # The chain shares one budget: a slow primary leaves less for the next model.
                return model.ask(question, timeout=remaining)
            except (DependencyUnavailable, ModelOutputInvalid) as exc:
                errors.append(exc)
        if any(isinstance(e, DependencyUnavailable) for e in errors):
            # At least one model was unreachable: waiting may help, so defer.
            raise ModelUnavailable("every model of the chain failed: " + "; ".join(str(e) for e in errors))
        raise ModelOutputInvalid(
            "every model of the chain answered outside the contract: " + "; ".join(str(e) for e in errors)
        )
