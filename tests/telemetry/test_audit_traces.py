"""Every audit event written during traced work names a trace and span that were exported.

A real server on loopback adjudicates claims and a person decides a review item over
HTTP, with spans going to the OpenTelemetry SDK's in-memory exporter. Each audit event
of that work must carry the trace id and span id of a span the exporter received; the
server's request spans must carry route templates, never record ids; and ``audit
explain`` must print the trace id.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from interlock.api.app import create_app
from interlock.api.testing import (
    REVIEW_CLAIMS,
    SERVICE_KEY,
    ApiWorld,
    LiveServer,
    TokenIssuer,
    seed_review_world,
)
from interlock.audit.chain import AuditLog
from interlock.audit.explain import explain_record
from interlock.db import make_engine
from interlock.telemetry.tracing import add_exporter


@dataclass
class TracedWork:
    """The exported spans and the audit events of one run of work."""

    spans: list[ReadableSpan]
    events: list[dict[str, object]]
    caller_trace: str
    caller_span: str
    world: ApiWorld


def _wait_for(exporter: InMemorySpanExporter, span_ids: set[str]) -> list[ReadableSpan]:
    """The finished spans, once every id in ``span_ids`` is among them (request spans end last)."""
    deadline = time.monotonic() + 5
    while True:
        spans = list(exporter.get_finished_spans())
        have = {format(s.context.span_id, "016x") for s in spans if s.context is not None}
        if span_ids <= have or time.monotonic() > deadline:
            return spans
        time.sleep(0.05)


@pytest.fixture(scope="module")
def traced(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TracedWork]:
    """Claims adjudicated and one review item decided over HTTP, with tracing on."""
    exporter = InMemorySpanExporter()
    add_exporter(exporter)
    directory = tmp_path_factory.mktemp("traced")
    issuer = TokenIssuer()
    settings = seed_review_world(directory, issuer)
    sor, store = make_engine(settings.sor_url), make_engine(settings.store_url)
    caller_trace, caller_span = secrets.token_hex(16), secrets.token_hex(8)
    with LiveServer(create_app(settings)) as server:
        world = ApiWorld(url=server.url, sor=sor, store=store, issuer=issuer)
        with world.client(api_key=SERVICE_KEY) as service:
            for claim_id in REVIEW_CLAIMS:
                assert service.post(f"/v1/tasks/claims.adjudicate/{claim_id}").status_code == 200
        with world.client("A1") as analyst:
            decided = analyst.post(
                f"/v1/review-items/{world.review_id('RV-N1')}/decision",
                json={"action": "approve"},
                headers={"traceparent": f"00-{caller_trace}-{caller_span}-01"},
            )
            assert decided.status_code == 200, decided.text
        events = [e.body for claim_id in REVIEW_CLAIMS for e in AuditLog(store).events_for_record(claim_id)]
        wanted = {str(e.get("span_id")) for e in events}
        yield TracedWork(_wait_for(exporter, wanted), events, caller_trace, caller_span, world)
    sor.dispose()
    store.dispose()


def _ids(span: ReadableSpan) -> tuple[str, str]:
    assert span.context is not None
    return format(span.context.trace_id, "032x"), format(span.context.span_id, "016x")


def test_every_audit_event_names_an_exported_span(traced: TracedWork) -> None:
    """Each event of the work carries a trace id and span id, and the exporter received that span."""
    exported = {_ids(s) for s in traced.spans}
    assert len(traced.events) >= 8 * len(REVIEW_CLAIMS) // 2
    for event in traced.events:
        assert (event.get("trace_id"), event.get("span_id")) in exported, event["kind"]


def test_a_work_items_events_share_the_trace_of_its_work_item_span(traced: TracedWork) -> None:
    """The engine's events of one work item name one trace, whose root is the request's server span."""
    by_trace: dict[str, list[ReadableSpan]] = {}
    for span in traced.spans:
        by_trace.setdefault(_ids(span)[0], []).append(span)
    engine_events = [
        e for e in traced.events if str(e.get("source")).startswith("interlock/") and e["work_item_id"]
    ]
    engine_events = [e for e in engine_events if e["source"] != "interlock/review"]
    assert engine_events
    for item in {str(e["work_item_id"]) for e in engine_events}:
        traces = {str(e["trace_id"]) for e in engine_events if e["work_item_id"] == item}
        assert len(traces) == 1, item
        names = {s.name for s in by_trace[traces.pop()]}
        assert "interlock claims.adjudicate" in names
        assert "POST /v1/tasks/claims.adjudicate/{claim_id}" in names


def test_a_review_decision_joins_the_callers_trace(traced: TracedWork) -> None:
    """A person's decision is audited under the request's span, a child of the caller's traceparent."""
    decided = [e for e in traced.events if e["kind"] == "review.decided"]
    assert decided and all(e["trace_id"] == traced.caller_trace for e in decided)
    [server] = [
        s
        for s in traced.spans
        if s.name == "POST /v1/review-items/{review_id}/decision" and _ids(s)[0] == traced.caller_trace
    ]
    assert server.parent is not None and format(server.parent.span_id, "016x") == traced.caller_span
    assert server.kind.name == "SERVER"


def test_server_spans_carry_route_templates_not_record_ids(traced: TracedWork) -> None:
    """Request spans name the route template in their name, url.path and http.route; no record id anywhere."""
    servers = [s for s in traced.spans if s.kind.name == "SERVER"]
    assert len(servers) >= len(REVIEW_CLAIMS) + 1
    review_id = traced.world.review_id("RV-N1")
    for span in servers:
        attributes = dict(span.attributes or {})
        assert attributes["url.path"] == attributes["http.route"]
        assert "{" in str(attributes["url.path"])
        text = span.name + repr(sorted(attributes.items()))
        assert not any(claim_id in text for claim_id in REVIEW_CLAIMS), text
        assert review_id not in text
        assert isinstance(attributes["http.response.status_code"], int)


def test_audit_explain_prints_the_trace_id(traced: TracedWork) -> None:
    """`audit explain` shows each work item's trace id in its heading."""
    events = AuditLog(traced.world.store).events_for_record("OK-N1")
    text = explain_record("OK-N1", events)
    trace_ids = {str(e.body["trace_id"]) for e in events}
    assert trace_ids and all(f"trace {t}" in text for t in trace_ids)


def test_without_tracing_events_name_no_trace(tmp_path: Path) -> None:
    """Outside any recording span an event carries no trace id (none that no backend received)."""
    from interlock.telemetry.tracing import trace_fields

    assert trace_fields() == {}
