"""A ModelClient wrapper that reports each call as a GenAI span and as metrics.

It observes and changes nothing: the same answer or the same error comes out. Content
is never recorded, only the provider, the model, the server, durations, token counts and
the kind of error. The adapter inside adds what the provider answered with (response
id, model, finish reasons) to this span with
:func:`~interlock.telemetry.tracing.record_response`.
"""

from __future__ import annotations

import time
from typing import TypeVar

from interlock.exceptions import InterlockError
from interlock.models.base import ModelAnswer, ModelClient, ModelQuestion
from interlock.telemetry.metrics import MODEL_ERRORS, MODEL_SECONDS, TOKENS
from interlock.telemetry.tracing import model_call_span, record_usage

_A = TypeVar("_A", bound=ModelAnswer)


class ObservedModel:
    """Spans (GenAI conventions) and Prometheus metrics around every call of ``inner``."""

    def __init__(self, inner: ModelClient) -> None:
        self.inner = inner
        provider, _, name = inner.model_id.partition(":")
        self.provider = provider
        self.name = name or provider

    @property
    def model_id(self) -> str:
        """The wrapped model's id."""
        return self.inner.model_id

    def ask(self, question: ModelQuestion[_A], *, timeout: float) -> _A:
        """Call ``inner`` inside a CLIENT span; count tokens, time and errors."""
        started = time.monotonic()
        # A served model's endpoint (an SDK adapter's ``base_url``) names the span's server.
        server_url = getattr(self.inner, "base_url", None)
        with model_call_span(
            provider=self.provider,
            model=self.name,
            server_url=server_url if isinstance(server_url, str) else None,
        ) as span:
            try:
                answer = self.inner.ask(question, timeout=timeout)
            except InterlockError as exc:
                MODEL_ERRORS.labels(provider=self.provider, kind=type(exc).__name__).inc()
                span.set_attribute("error.type", type(exc).__name__)
                raise
            finally:
                MODEL_SECONDS.labels(
                    gen_ai_operation_name="chat",
                    gen_ai_provider_name=self.provider,
                    gen_ai_request_model=self.name,
                ).observe(time.monotonic() - started)
            record_usage(
                span, input_tokens=answer.usage.input_tokens, output_tokens=answer.usage.output_tokens
            )
            TOKENS.labels(provider=self.provider, direction="input").inc(answer.usage.input_tokens)
            TOKENS.labels(provider=self.provider, direction="output").inc(answer.usage.output_tokens)
            return answer
