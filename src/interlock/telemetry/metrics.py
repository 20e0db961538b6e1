"""Prometheus metrics of this process: stage latency, work items, model calls, breakers, queue, index follow.

Names carry the ``interlock_`` prefix (the GenAI duration keeps its semantic-convention
name) and base units (seconds, tokens); counters end in ``_total``. Labels are closed
sets (stage, route, error kind, provider, model id): never a record, member or staff
id. ``docs/observability.md`` lists every family with its type, unit, labels and help
text, and a test holds this module to that table.

The registry is this module's own, so that an API app, a worker and a test can expose
it without colliding with other libraries' metrics. When ``PROMETHEUS_MULTIPROC_DIR``
is set before this module is first imported (``interlock serve --processes`` sets it
for its server processes), prometheus_client keeps every value in a file of that
directory instead of in memory, and :mod:`interlock.telemetry.exposition` adds up the
files of all processes: the gauges below say how (``multiprocess_mode``).
"""

from __future__ import annotations

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)

# ``*_created`` samples would be families of their own in the text format (gauges no
# one documented) and are absent in multiprocess mode: leave them out everywhere.
disable_created_metrics()  # type: ignore[no-untyped-call]  # untyped in prometheus_client

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
#: The bucket boundaries the GenAI semantic conventions advise for this histogram.
GEN_AI_DURATION_BUCKETS = (
    0.01,
    0.02,
    0.04,
    0.08,
    0.16,
    0.32,
    0.64,
    1.28,
    2.56,
    5.12,
    10.24,
    20.48,
    40.96,
    81.92,
)
MODEL_SECONDS = Histogram(
    "gen_ai_client_operation_duration_seconds",
    "Duration of model calls (GenAI semantic conventions).",
    ["gen_ai_operation_name", "gen_ai_provider_name", "gen_ai_request_model"],
    buckets=GEN_AI_DURATION_BUCKETS,
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
    # Across server processes: open if it is open in any live one.
    multiprocess_mode="livemax",
)
API_QUEUE_DEPTH = Gauge(
    "interlock_api_queue_depth",
    "Task runs the API accepted that wait for a background thread.",
    registry=REGISTRY,
    # Across server processes: the runs waiting in all live ones.
    multiprocess_mode="livesum",
)

INDEX_FOLLOW = Counter(
    "interlock_index_follow_total",
    "Records whose search documents were re-synced after a write, by outcome (failed: left for the next index sync).",
    ["outcome"],
    registry=REGISTRY,
)
# Both outcomes from the start, so that a rate of failures reads 0, not nothing.
for _outcome in ("synced", "failed"):
    INDEX_FOLLOW.labels(outcome=_outcome)


_REASON_KINDS = (
    ("rules 1-8 pass", "rules_pass"),
    ("rule 9", "medical_necessity"),
    ("rule ", "rule_denial"),
    ("high-value", "high_value"),
    ("42 cfr part 2", "part2"),
    ("record cannot be decided", "integrity"),
    ("medical necessity not assessed", "model_unavailable"),
    ("familiarity", "unfamiliar"),
    ("confidence", "low_confidence"),
    ("citations", "citations"),
    ("necessity", "necessity"),
    ("write_boundary", "write_boundary"),
    ("automatic path closed", "path_closed"),
    ("claim ", "superseded"),
)


def reason_kind(reason: str) -> str:
    """A closed label value for a free-text reason: the check or cause, never content."""
    text = reason.strip().lower().removeprefix("proposal:").strip()
    return next((kind for prefix, kind in _REASON_KINDS if text.startswith(prefix)), "other")


def exposition() -> bytes:
    """The Prometheus text exposition of this process's metrics (in memory, not multiprocess)."""
    return generate_latest(REGISTRY)
