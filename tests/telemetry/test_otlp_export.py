"""Audit events name traces that a real OTLP receiver received from a running server.

``interlock serve`` runs as its own process with ``[telemetry] traces = "otlp"`` and
``otlp_endpoint`` set through its ``INTERLOCK_TELEMETRY__*`` variables, so spans leave
through the real OTLP/HTTP exporter (protobuf over HTTP) to a receiver in this test,
which decodes each ``ExportTraceServiceRequest`` with the opentelemetry-proto classes.
The server adjudicates claims with a model behind the scripted OpenAI-compatible
server and a person decides a review item. After the server stops (its shutdown sends
the spans still batched), every audit event of that work must name a trace id and span
id the receiver got, and what was received must be the spans the docs describe, without
record ids.
"""

from __future__ import annotations

import gzip
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx2 as httpx
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span as ProtoSpan
from sqlalchemy import Engine, select

from interlock.audit.chain import AuditLog
from interlock.db import make_engine
from interlock.domains.claims.testing.api_world import (
    REVIEW_CLAIMS,
    SERVICE_KEY,
    TokenIssuer,
    free_port,
    seed_review_world,
)
from interlock.domains.claims.testing.model_server import ScriptedModelServer, echo_policies_responder
from interlock.store.schema import review_items

SERVICE_NAME = "interlock-otlp-check"


@dataclass(frozen=True)
class ReceivedSpan:
    """One span as decoded from the wire."""

    trace_id: str
    span_id: str
    parent_span_id: str
    name: str
    kind: int
    service: str
    attributes: dict[str, Any]


@dataclass
class Receiver:
    """What the loopback OTLP/HTTP receiver decoded."""

    spans: list[ReceivedSpan] = field(default_factory=list)
    requests: int = 0
    refused: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _value(value: AnyValue) -> Any:
    which = value.WhichOneof("value")
    if which == "array_value":
        return [_value(v) for v in value.array_value.values]
    return getattr(value, which) if which else None


def _decode(body: bytes, receiver: Receiver) -> None:
    request = ExportTraceServiceRequest()
    request.ParseFromString(body)
    for resource_spans in request.resource_spans:
        resource = {a.key: _value(a.value) for a in resource_spans.resource.attributes}
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                received = ReceivedSpan(
                    trace_id=span.trace_id.hex(),
                    span_id=span.span_id.hex(),
                    parent_span_id=span.parent_span_id.hex(),
                    name=span.name,
                    kind=span.kind,
                    service=str(resource.get("service.name")),
                    attributes={a.key: _value(a.value) for a in span.attributes},
                )
                with receiver.lock:
                    receiver.spans.append(received)


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if self.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            kind = self.headers.get("Content-Type", "")
            if self.path != "/v1/traces" or kind != "application/x-protobuf":
                with receiver.lock:
                    receiver.refused.append(f"{self.path} {kind}")
                self.send_response(404 if self.path != "/v1/traces" else 415)
                self.end_headers()
                return
            _decode(body, receiver)
            with receiver.lock:
                receiver.requests += 1
            answer = ExportTraceServiceResponse().SerializeToString()
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: Any) -> None:
            del format, args

    return Handler


@contextmanager
def otlp_receiver() -> Iterator[tuple[str, Receiver]]:
    """A loopback OTLP/HTTP traces receiver: its endpoint URL and what it decoded."""
    receiver = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1/traces", receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@dataclass
class Exported:
    """The received spans and the audit events of one served run of work."""

    receiver: Receiver
    events: list[dict[str, Any]]
    events_in_trail: int
    model_url: str


def _wait_for_startup(server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 90
    while "Application startup complete" not in log.read_text(errors="replace"):
        assert server.poll() is None, log.read_text(errors="replace")
        assert time.monotonic() < deadline, log.read_text(errors="replace")
        time.sleep(0.2)


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Exported]:
    """A served run of work with spans going over OTLP/HTTP to the receiver, as configured."""
    directory = tmp_path_factory.mktemp("otlp")
    issuer = TokenIssuer()
    settings = seed_review_world(directory, issuer)
    port = free_port()
    log_path = directory / "serve.log"
    # Confidence below the threshold: every claim the model judges goes to review.
    with (
        otlp_receiver() as (endpoint, receiver),
        ScriptedModelServer(echo_policies_responder("met", 0.5)) as model_server,
    ):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("INTERLOCK_", "OTEL_"))}
        env |= {
            "INTERLOCK_TELEMETRY__TRACES": "otlp",
            "INTERLOCK_TELEMETRY__OTLP_ENDPOINT": endpoint,
            "INTERLOCK_TELEMETRY__SERVICE_NAME": SERVICE_NAME,
            "INTERLOCK_MODELS__OPENAI_BASE_URL": model_server.base_url,
            "OPENAI_API_KEY": "unused-by-the-scripted-server",
            # A hand-made world with no decided history: no familiar region to check against.
            "INTERLOCK_ENGINE__FAMILIARITY": "false",
        }
        command = [
            sys.executable, "-m", "interlock", "serve",
            "--sor", settings.sor_url, "--store", settings.store_url,
            "--api-keys", str(settings.api_keys_file), "--jwks-file", str(settings.jwks_file),
            "--issuer", issuer.issuer, "--audience", issuer.audience,
            "--model", "openai:scripted", "--host", "127.0.0.1", "--port", str(port),
        ]  # fmt: skip
        with log_path.open("wb") as log:
            server = subprocess.Popen(command, env=env, stdout=log, stderr=log)
        try:
            _wait_for_startup(server, log_path)
            base = f"http://127.0.0.1:{port}"
            with httpx.Client(base_url=base, headers={"X-API-Key": SERVICE_KEY}, timeout=60) as service:
                for claim_id in REVIEW_CLAIMS:
                    answered = service.post(f"/v1/tasks/claims.adjudicate/{claim_id}")
                    assert answered.status_code == 200, answered.text
            store = make_engine(settings.store_url)
            try:
                review_id = _review_id(store, "RV-N1")
                person = {"Authorization": f"Bearer {issuer.token('A1')}"}
                with httpx.Client(base_url=base, headers=person, timeout=60) as analyst:
                    decided = analyst.post(
                        f"/v1/review-items/{review_id}/decision", json={"action": "approve"}
                    )
                    assert decided.status_code == 200, decided.text
            finally:
                store.dispose()
        finally:
            # The app's shutdown sends the spans still batched (the work took less than the
            # exporter's 5 s batch delay); uvicorn then re-raises SIGTERM, so no exit hook runs.
            server.send_signal(signal.SIGTERM)
            stopped = server.wait(timeout=60)
        assert stopped in (0, -signal.SIGTERM), log_path.read_text(errors="replace")
        store = make_engine(settings.store_url)
        try:
            trail = AuditLog(store)
            events = [e.body for claim_id in REVIEW_CLAIMS for e in trail.events_for_record(claim_id)]
            in_trail = trail.count()
        finally:
            store.dispose()
        yield Exported(receiver, events, in_trail, model_server.base_url)


def _review_id(store: Engine, claim_id: str) -> str:
    with store.connect() as conn:
        return str(
            conn.execute(
                select(review_items.c.review_id).where(review_items.c.record_id == claim_id)
            ).scalar_one()
        )


def test_the_receiver_got_the_servers_spans_over_otlp_http(exported: Exported) -> None:
    """Spans arrived as protobuf over HTTP from the configured service, nothing was refused."""
    received = exported.receiver
    assert received.refused == []
    assert received.requests >= 1
    assert received.spans
    assert {s.service for s in received.spans} == {SERVICE_NAME}


def test_every_audit_event_names_a_received_span(exported: Exported) -> None:
    """Each audit event of the work carries a trace id and span id the receiver decoded."""
    received = {(s.trace_id, s.span_id) for s in exported.receiver.spans}
    assert exported.events, "no audit events were written"
    # Every event in the trail is one of this work's: none is left out of the check.
    assert len(exported.events) == exported.events_in_trail
    kinds = {str(e["kind"]) for e in exported.events}
    assert {"model.called", "review.decided"} <= kinds, kinds
    for event in exported.events:
        trace_id, span_id = event.get("trace_id"), event.get("span_id")
        assert isinstance(trace_id, str) and len(trace_id) == 32, event["kind"]
        assert isinstance(span_id, str) and len(span_id) == 16, event["kind"]
        assert (trace_id, span_id) in received, (event["kind"], trace_id, span_id)


def test_a_work_items_events_join_its_work_item_and_request_spans(exported: Exported) -> None:
    """The trace an engine event names holds the work item's span and the request's server span."""
    by_trace: dict[str, list[ReceivedSpan]] = {}
    for span in exported.receiver.spans:
        by_trace.setdefault(span.trace_id, []).append(span)
    engine = [e for e in exported.events if e.get("work_item_id") and e.get("source") != "interlock/review"]
    assert engine
    for event in engine:
        spans = by_trace[str(event["trace_id"])]
        names = {s.name for s in spans}
        assert "interlock claims.adjudicate" in names, names
        [server] = [s for s in spans if s.kind == ProtoSpan.SPAN_KIND_SERVER]
        assert server.name == "POST /v1/tasks/{task}/{record_id}"
        assert server.attributes["http.route"] == "/v1/tasks/{task}/{record_id}"
    decided = [e for e in exported.events if e["kind"] == "review.decided"]
    for event in decided:
        names = {s.name for s in by_trace[str(event["trace_id"])]}
        assert "POST /v1/review-items/{review_id}/decision" in names


def test_model_spans_carry_the_genai_attributes_over_the_wire(exported: Exported) -> None:
    """Model calls arrive as CLIENT spans with the GenAI conventions' attributes."""
    calls = [s for s in exported.receiver.spans if s.name == "chat scripted"]
    assert calls
    port = urlsplit(exported.model_url).port
    for span in calls:
        assert span.kind == ProtoSpan.SPAN_KIND_CLIENT
        attributes = span.attributes
        assert attributes["gen_ai.operation.name"] == "chat"
        assert attributes["gen_ai.provider.name"] == "openai"
        assert attributes["gen_ai.request.model"] == "scripted"
        assert attributes["server.address"] == "127.0.0.1"
        assert attributes["server.port"] == port
        assert attributes["gen_ai.usage.input_tokens"] > 0
        assert attributes["gen_ai.usage.output_tokens"] > 0


def test_no_received_span_names_a_record(exported: Exported) -> None:
    """No span name or attribute the receiver got carries a claim id."""
    for span in exported.receiver.spans:
        text = span.name + repr(sorted(span.attributes.items()))
        assert not any(claim_id in text for claim_id in REVIEW_CLAIMS), text
