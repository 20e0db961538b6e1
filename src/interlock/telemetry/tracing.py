"""OpenTelemetry spans per stage, following the GenAI semantic conventions for model calls.

A model call is a CLIENT span named ``{operation} {model}`` with
``gen_ai.operation.name``, ``gen_ai.provider.name``, ``gen_ai.request.model``,
``server.address`` and ``server.port``, and, once answered, ``gen_ai.response.id``,
``gen_ai.response.model``, ``gen_ai.response.finish_reasons`` and the token usage. Message content is never recorded: capturing prompts would copy clinical
notes into the tracing backend. The gate's verdict is an ``apply_guardrail`` span with
``gen_ai.security.decision.type``. Exporters are configured once per process:
``console``, ``otlp`` (OTLP over HTTP, endpoint from the standard OTEL_ variables) or
``none`` (the default: spans are created but go nowhere).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Literal
from urllib.parse import urlsplit

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SimpleSpanProcessor,
    SpanExporter,
)
from opentelemetry.trace import Span, SpanKind

from interlock.exceptions import ConfigurationError

Exporter = Literal["none", "console", "otlp"]
TRACER_NAME = "interlock"
_configured: list[TracerProvider] = []


def configure_tracing(
    exporter: Exporter = "none", *, service_name: str = "interlock", span_exporter: SpanExporter | None = None
) -> TracerProvider:
    """Install a tracer provider for this process (once) and return it.

    ``span_exporter`` overrides ``exporter`` (tests pass an in-memory exporter).
    """
    if _configured:
        return _configured[0]
    provider = TracerProvider(resource=Resource.create({"service.name": service_name}))
    chosen: SpanExporter | None = span_exporter
    if chosen is None and exporter == "console":
        chosen = ConsoleSpanExporter()
    elif chosen is None and exporter == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter  # noqa: PLC0415

        chosen = OTLPSpanExporter()
    elif chosen is None and exporter != "none":
        raise ConfigurationError(f"unknown trace exporter {exporter!r}: use none, console or otlp")
    if chosen is not None:
        provider.add_span_processor(BatchSpanProcessor(chosen))
    trace.set_tracer_provider(provider)
    _configured.append(provider)
    return provider


def flush_spans(timeout_millis: int = 5_000) -> None:
    """Export the spans still waiting in this process's batch processor.

    A server stopping on SIGTERM ends by re-raising the signal, so the provider's exit
    hook never runs: without this, the spans of the last seconds before a stop are lost.
    The provider stays usable (an app in a test process is not the only one).
    """
    if _configured:
        _configured[0].force_flush(timeout_millis)


def add_exporter(span_exporter: SpanExporter) -> None:
    """Send this process's spans to one more exporter as they end (tests, debugging)."""
    provider = configure_tracing()
    provider.add_span_processor(SimpleSpanProcessor(span_exporter))


def tracer() -> trace.Tracer:
    """The tracer every stage uses."""
    return trace.get_tracer(TRACER_NAME)


@contextmanager
def stage_span(stage: str, *, task: str) -> Iterator[Span]:
    """A span for one stage of a work item (``interlock.stage`` names it, no record ids)."""
    with tracer().start_as_current_span(
        f"interlock {stage}", attributes={"interlock.stage": stage, "interlock.task": task}
    ) as span:
        yield span


@contextmanager
def model_call_span(
    *, provider: str, model: str, operation: str = "chat", server_url: str | None = None
) -> Iterator[Span]:
    """A GenAI client span; the caller adds usage with :func:`record_usage`.

    ``server_url`` (the endpoint's base URL, for hosted or served models) becomes
    ``server.address`` and ``server.port``; an in-process model has neither.
    """
    attributes: dict[str, str | int] = {
        "gen_ai.operation.name": operation,
        "gen_ai.provider.name": provider,
        "gen_ai.request.model": model,
        **server_attributes(server_url),
    }
    with tracer().start_as_current_span(
        f"{operation} {model}", kind=SpanKind.CLIENT, attributes=attributes
    ) as span:
        yield span


def record_usage(
    span: Span, *, input_tokens: int, output_tokens: int, response_model: str | None = None
) -> None:
    """Token usage and the model that answered, as the GenAI conventions name them."""
    span.set_attribute("gen_ai.usage.input_tokens", input_tokens)
    span.set_attribute("gen_ai.usage.output_tokens", output_tokens)
    if response_model:
        span.set_attribute("gen_ai.response.model", response_model)


def server_attributes(url: str | None) -> dict[str, str | int]:
    """``server.address`` and ``server.port`` of an endpoint URL (the port the scheme implies if absent)."""
    if not url:
        return {}
    parts = urlsplit(url)
    if not parts.hostname:
        return {}
    port = parts.port or {"https": 443, "http": 80}.get(parts.scheme)
    found: dict[str, str | int] = {"server.address": parts.hostname}
    if port is not None:
        found["server.port"] = port
    return found


def record_response(
    *, response_id: str | None, response_model: str | None, finish_reasons: Sequence[str | None]
) -> None:
    """What the provider answered with, on the current model span (GenAI conventions).

    Adapters call this where they read the response; the span is the one
    :class:`~interlock.models.observed.ObservedModel` opened around the call, so an
    adapter needs no span of its own. Outside a recording span it does nothing.
    """
    span = trace.get_current_span()
    if not span.is_recording():
        return
    if response_id:
        span.set_attribute("gen_ai.response.id", response_id)
    if response_model:
        span.set_attribute("gen_ai.response.model", response_model)
    reasons = [r for r in finish_reasons if r]
    if reasons:
        span.set_attribute("gen_ai.response.finish_reasons", reasons)


def trace_fields() -> dict[str, str]:
    """``trace_id`` and ``span_id`` (W3C hex) of the current span, for an audit event.

    Empty when no span is recording (tracing not configured): the event then names no
    trace rather than one that no backend received.
    """
    span = trace.get_current_span()
    context = span.get_span_context()
    if not context.is_valid or not span.is_recording():
        return {}
    return {"trace_id": format(context.trace_id, "032x"), "span_id": format(context.span_id, "016x")}


@contextmanager
def guardrail_span(name: str) -> Iterator[Span]:
    """The gate as a guardrail span; the caller sets the decision type."""
    with tracer().start_as_current_span(
        f"apply_guardrail {name}", attributes={"gen_ai.guardrail.name": name}
    ) as span:
        yield span


def record_decision(span: Span, verdict_status: str) -> None:
    """Map a verdict onto ``gen_ai.security.decision.type`` (allow, deny or audit)."""
    decision = {"pass": "allow", "block": "deny"}.get(verdict_status, "audit")
    span.set_attribute("gen_ai.security.decision.type", decision)
