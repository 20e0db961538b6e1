"""Prometheus metrics of this process: stage latency, routes, model errors, tokens, breakers.

Names carry the ``interlock_`` prefix and base units (seconds, tokens); counters end
in ``_total``. Labels are closed sets (stage, route, error kind, provider, model id):
never a claim, member or staff id. The registry is this module's own, so that an API
app and a test can expose it without colliding with other libraries' metrics.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

REGISTRY = CollectorRegistry(auto_describe=True)

WORK_ITEMS = Counter(
    "interlock_work_items_total",
    "Work items that reached an end state in this process, by task, route and reason kind.",
    ["task", "route", "reason"],
    registry=REGISTRY,
)
STAGE_SECONDS = Histogram(
    "interlock_stage_duration_seconds",
    "Time spent in each stage of a work item.",
    ["stage"],
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
    registry=REGISTRY,
)
MODEL_ERRORS = Counter(
    "interlock_model_errors_total",
    "Model calls that failed, by provider and error kind.",
    ["provider", "kind"],
    registry=REGISTRY,
)
MODEL_SECONDS = Histogram(
    "gen_ai_client_operation_duration_seconds",
    "Duration of model calls (GenAI semantic conventions).",
    ["gen_ai_operation_name", "gen_ai_provider_name"],
    registry=REGISTRY,
)
TOKENS = Counter(
    "interlock_model_tokens_total",
    "Tokens sent to and received from models.",
    ["provider", "direction"],
    registry=REGISTRY,
)
BREAKER_OPEN = Gauge(
    "interlock_breaker_open",
    "1 while a dependency's circuit breaker is open, else 0.",
    ["dependency"],
    registry=REGISTRY,
)


_REASON_KINDS = (
    ("rules 1-8 pass", "rules_pass"),
    ("rule 9", "medical_necessity"),
    ("rule ", "rule_denial"),
    ("high-value", "high_value"),
    ("42 cfr part 2", "part2"),
    ("record cannot be decided", "integrity"),
    ("medical necessity not assessed", "model_unavailable"),
    ("confidence", "low_confidence"),
    ("citations", "citations"),
    ("necessity", "necessity"),
    ("write_boundary", "write_boundary"),
    ("claim ", "superseded"),
)


def reason_kind(reason: str) -> str:
    """A closed label value for a free-text reason: the check or cause, never content."""
    text = reason.strip().lower().removeprefix("proposal:").strip()
    return next((kind for prefix, kind in _REASON_KINDS if text.startswith(prefix)), "other")


def exposition() -> bytes:
    """The Prometheus text exposition of this process's metrics."""
    return generate_latest(REGISTRY)
