"""Model spans carry the GenAI semantic conventions' client attributes, on every adapter.

The OpenAI-compatible and Anthropic adapters call the scripted model server on loopback
through :class:`ObservedModel` (as every configured model is wrapped); their spans must
name the response's id, model and finish reasons and the server they called. ``interlock
faults run`` must emit model spans too.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from interlock.domains.claims.question import NecessityRequest, NoteText, PolicyText
from interlock.domains.claims.testing.model_server import ScriptedModelServer, echo_policies_responder
from interlock.domains.claims.testing.scripted import ScriptedModel
from interlock.models.anthropic_adapter import AnthropicModel
from interlock.models.base import ModelClient
from interlock.models.observed import ObservedModel
from interlock.models.openai_compat import OpenAICompatibleModel
from interlock.telemetry.tracing import add_exporter

REQUEST = NecessityRequest(
    claim_id="C",
    line_of_business="commercial",
    member_age=40,
    procedure_codes=("X",),
    diagnosis_codes=("E11.9",),
    policies=(PolicyText(item_id="p", policy_id="P", title="t", body="(1) x"),),
    notes=(NoteText(item_id="n", body="a note long enough to cite in an answer"),),
)


@pytest.fixture(scope="module")
def spans() -> InMemorySpanExporter:
    exporter = InMemorySpanExporter()
    add_exporter(exporter)
    return exporter


def _one_call(spans: InMemorySpanExporter, model: ModelClient, name: str) -> dict[str, Any]:
    spans.clear()
    ObservedModel(model).ask(REQUEST, timeout=10)
    [span] = [s for s in spans.get_finished_spans() if s.name == f"chat {name}"]
    assert span.kind.name == "CLIENT"
    return dict(span.attributes or {})


def test_openai_compatible_spans_name_the_response_and_the_server(spans: InMemorySpanExporter) -> None:
    """response id, model and finish reasons come from the completion; server from the base URL."""
    with ScriptedModelServer(echo_policies_responder()) as server:
        port = int(server.base_url.rsplit(":", 1)[1].split("/")[0])
        attributes = _one_call(spans, OpenAICompatibleModel("judge-1", base_url=server.base_url), "judge-1")
    assert attributes["gen_ai.provider.name"] == "openai"
    assert attributes["gen_ai.request.model"] == "judge-1"
    assert attributes["gen_ai.response.model"] == "judge-1"
    assert str(attributes["gen_ai.response.id"]).startswith("chatcmpl-scripted-")
    assert tuple(attributes["gen_ai.response.finish_reasons"]) == ("stop",)
    assert (attributes["server.address"], attributes["server.port"]) == ("127.0.0.1", port)
    assert attributes["gen_ai.usage.input_tokens"] > 0
    assert "note long enough" not in json.dumps({k: str(v) for k, v in attributes.items()})


def test_anthropic_spans_name_the_response_and_the_server(spans: InMemorySpanExporter) -> None:
    """The Anthropic adapter's spans carry the message id, model, stop reason and server."""
    with ScriptedModelServer(echo_policies_responder()) as server:
        base = server.base_url.removesuffix("/v1")
        model = AnthropicModel("claude-judge", base_url=base, api_key="test-key")
        attributes = _one_call(spans, model, "claude-judge")
    assert attributes["gen_ai.provider.name"] == "anthropic"
    assert str(attributes["gen_ai.response.id"]).startswith("msg_scripted_")
    assert attributes["gen_ai.response.model"] == "claude-judge"
    assert tuple(attributes["gen_ai.response.finish_reasons"]) == ("tool_use",)
    assert attributes["server.address"] == "127.0.0.1"


def test_a_failed_call_names_its_error_type(spans: InMemorySpanExporter) -> None:
    """A call that fails carries error.type and no response attributes."""
    from interlock.domains.claims.testing.model_server import Reply

    with ScriptedModelServer(lambda _r: Reply(status=503)) as server:
        spans.clear()
        with pytest.raises(Exception, match="503"):
            ObservedModel(OpenAICompatibleModel("down", base_url=server.base_url)).ask(REQUEST, timeout=10)
    [span] = [s for s in spans.get_finished_spans() if s.name == "chat down"]
    attributes = dict(span.attributes or {})
    assert attributes["error.type"] == "ModelUnavailable"
    assert "gen_ai.response.id" not in attributes


def test_an_in_process_model_has_no_server(spans: InMemorySpanExporter) -> None:
    """A model without an endpoint gets no server.address (it called none)."""
    attributes = _one_call(spans, ScriptedModel("met", 0.9, name="local"), "local")
    assert "server.address" not in attributes


def test_faults_run_emits_model_spans() -> None:
    """`interlock faults run` with console traces prints a model span per model call."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTERLOCK_")}
    env["INTERLOCK_TELEMETRY__TRACES"] = "console"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "interlock",
            "faults",
            "run",
            "--claims",
            "1",
            "--fault",
            "malformed_json",
            "--json",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=True,
    )
    assert '"name": "chat faulty"' in done.stdout
    assert '"gen_ai.provider.name": "openai"' in done.stdout
    assert '"server.address": "127.0.0.1"' in done.stdout


def test_serve_help_shows_its_settings_sections() -> None:
    """`interlock serve --help` prints `[api]` and `[engine]` as written (no markup eats them)."""
    shown = subprocess.run(
        [sys.executable, "-m", "interlock", "serve", "--help"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "COLUMNS": "200"},
    ).stdout
    assert "the [api] and [engine] sections" in shown
