"""Failure behaviour composed around models: Anthropic adapter, breaker, fallback chain."""

from __future__ import annotations

import json
import time

import pytest

from interlock.domains.claims.question import NecessityRequest, NoteText, PolicyText
from interlock.domains.claims.testing.model_server import Reply, ScriptedModelServer, echo_policies_responder
from interlock.domains.claims.testing.scripted import ScriptedModel
from interlock.exceptions import ModelOutputInvalid, ModelUnavailable
from interlock.models.anthropic_adapter import AnthropicModel
from interlock.models.chain import BreakerModel, FallbackModel
from interlock.models.openai_compat import OpenAICompatibleModel

NOTE = "Eight weeks of supervised physical therapy were completed before the request."
REQUEST = NecessityRequest(
    claim_id="C1",
    line_of_business="commercial",
    member_age=51,
    procedure_codes=("X2002",),
    diagnosis_codes=("M23.2",),
    policies=(
        PolicyText(item_id="policy:MP@1", policy_id="MP", title="Knee", body="(1) therapy (2) imaging"),
    ),
    notes=(NoteText(item_id="note:N1@1", body=NOTE),),
)


def test_anthropic_adapter_reads_the_forced_tool_answer() -> None:
    """The Messages API adapter returns the recorded assessment with token usage."""
    with ScriptedModelServer(echo_policies_responder("met", 0.97), api_key="secret") as server:
        model = AnthropicModel("judge", base_url=server.base_url.removesuffix("/v1"), api_key="secret")
        answer = model.ask(REQUEST, timeout=5)
        sent = server.requests[0]
    assert answer.model_id == "anthropic:judge"
    assert [(p.policy_id, p.status) for p in answer.policies] == [("MP", "met")]
    assert answer.usage.input_tokens > 0
    assert sent["tool_choice"]["type"] == "tool"
    assert [t["name"] for t in sent["tools"]] == [sent["tool_choice"]["name"]]


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (Reply(status=529), ModelUnavailable),
        (Reply(status=429), ModelUnavailable),
        (Reply(content="no tool here"), ModelOutputInvalid),
        (Reply(status=401), Exception),
    ],
)
def test_anthropic_errors_map_into_the_tree(reply: Reply, error: type[Exception]) -> None:
    """Overload and throttling are retryable; a text answer without the tool is invalid output."""
    with ScriptedModelServer(lambda _r: reply) as server:
        model = AnthropicModel("judge", base_url=server.base_url.removesuffix("/v1"), api_key="k")
        with pytest.raises(error):
            model.ask(REQUEST, timeout=5)


def test_trickled_answer_is_abandoned_at_the_deadline() -> None:
    """A server that drips its answer byte by byte is cut off at the deadline, not awaited."""
    body = json.dumps({"policies": []})
    with ScriptedModelServer(lambda _r: Reply(content=body, trickle_seconds=30)) as server:
        model = OpenAICompatibleModel("slow", base_url=server.base_url, api_key="k")
        started = time.monotonic()
        with pytest.raises(ModelUnavailable):
            model.ask(REQUEST, timeout=0.5)
        assert time.monotonic() - started < 0.5 + 0.5


def test_breaker_opens_after_repeated_outages_and_fails_fast() -> None:
    """After fail_max outages the breaker answers at once without calling the provider."""
    with ScriptedModelServer(lambda _r: Reply(status=503)) as server:
        model = BreakerModel(
            OpenAICompatibleModel("down", base_url=server.base_url, api_key="k"), fail_max=2, reset_seconds=60
        )
        for _ in range(2):
            with pytest.raises(ModelUnavailable):
                model.ask(REQUEST, timeout=2)
        calls = len(server.requests)
        with pytest.raises(ModelUnavailable, match="circuit open"):
            model.ask(REQUEST, timeout=2)
        assert len(server.requests) == calls
        assert model.state == "open"


def test_invalid_output_does_not_trip_the_breaker() -> None:
    """A model that answers badly is not an unavailable provider."""
    with ScriptedModelServer(lambda _r: "not json") as server:
        model = BreakerModel(OpenAICompatibleModel("bad", base_url=server.base_url, api_key="k"), fail_max=1)
        for _ in range(3):
            with pytest.raises(ModelOutputInvalid):
                model.ask(REQUEST, timeout=2)
        assert model.state == "closed"


def test_fallback_chain_uses_the_next_model_and_names_it() -> None:
    """When the primary is down the secondary answers, and the answer says which model gave it."""
    with ScriptedModelServer(lambda _r: Reply(status=500)) as down:
        chain = FallbackModel(
            [
                OpenAICompatibleModel("primary", base_url=down.base_url, api_key="k"),
                ScriptedModel("met", 0.95, name="backup"),
            ]
        )
        answer = chain.ask(REQUEST, timeout=2)
    assert answer.model_id == "scripted:backup"


def test_fallback_chain_exhausted_by_outage_defers_and_by_bad_output_reviews() -> None:
    """All members down raises a retryable error; all members invalid raises invalid output."""
    with (
        ScriptedModelServer(lambda _r: Reply(status=503)) as down,
        ScriptedModelServer(lambda _r: "garbage") as bad,
    ):
        outage = FallbackModel(
            [
                OpenAICompatibleModel("a", base_url=down.base_url, api_key="k"),
                OpenAICompatibleModel("b", base_url=bad.base_url, api_key="k"),
            ]
        )
        with pytest.raises(ModelUnavailable):
            outage.ask(REQUEST, timeout=2)
        invalid = FallbackModel([OpenAICompatibleModel("b", base_url=bad.base_url, api_key="k")])
        with pytest.raises(ModelOutputInvalid):
            invalid.ask(REQUEST, timeout=2)
