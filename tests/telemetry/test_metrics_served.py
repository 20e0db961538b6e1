"""Every documented metric family is served, after real work, exactly as docs/observability.md lists it.

A real server on loopback adjudicates claims through the API with a model behind the
scripted OpenAI-compatible server (two answers fail, so the error families count too)
and follows its writes in the search index;
its ``/metrics`` must then hold every family the docs list for the API, no other, each
with samples, and pass ``promtool check metrics`` and promtool's lint rules.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from promcheck import differences, documented, families, lint, promtool_problems

from interlock.api.app import create_app
from interlock.api.services import Services
from interlock.domains.claims.testing.api_world import (
    REVIEW_CLAIMS,
    SERVICE_KEY,
    LiveServer,
    TokenIssuer,
    seed_review_world,
)
from interlock.domains.claims.testing.model_server import (
    Reply,
    ScriptedModelServer,
    echo_policies_responder,
)
from interlock.settings import IndexSection, ModelsSection


def _fails_twice() -> Any:
    """Answer like a healthy model, except the first request (a 500) and the second (not JSON)."""
    healthy = echo_policies_responder("met", 0.99)
    lock = threading.Lock()
    seen = [0]

    def respond(request: dict[str, Any]) -> str | Reply:
        with lock:
            seen[0] += 1
            number = seen[0]
        if number == 1:
            return Reply(status=500)  # retried: a model error, not an audited one
        if number == 2:
            return "this is not the answer's JSON"  # outside the contract: audited as an error
        return healthy(request)

    return respond


@dataclass
class Scraped:
    """What one scrape of a server that did real work returned."""

    text: str
    model_requests: int


@pytest.fixture(scope="module")
def scraped(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scraped]:
    """Claims adjudicated over HTTP with a scripted model (two failed calls), then /metrics."""
    directory = tmp_path_factory.mktemp("served")
    settings = seed_review_world(directory, TokenIssuer())
    with ScriptedModelServer(_fails_twice()) as model_server:
        settings = settings.model_copy(
            update={
                "model": "openai:scripted",
                "models": ModelsSection(openai_base_url=model_server.base_url),
                "index": IndexSection(follow_writes=True),
                # A hand-made world has no decided history to fit a familiar region on.
                "engine": settings.engine.model_copy(update={"familiarity": False}),
            }
        )
        services = Services(settings)
        services.use_configured_model()
        with (
            LiveServer(create_app(settings, services=services)) as server,
            httpx.Client(base_url=server.url, headers={"X-API-Key": SERVICE_KEY}, timeout=60) as client,
        ):
            for claim_id in REVIEW_CLAIMS:
                assert client.post(f"/v1/tasks/claims.adjudicate/{claim_id}").status_code == 200
            # The search index followed each write (interlock_index_follow_total counts them).
            assert services.follower is not None and services.follower.flush(timeout=30)
            response = client.get("/metrics")
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/plain; version=")
            yield Scraped(text=response.text, model_requests=len(model_server.requests))


def test_the_api_serves_exactly_the_documented_families(scraped: Scraped) -> None:
    """No documented family is missing from /metrics, none is undocumented, types, help and labels match."""
    assert scraped.model_requests >= 2
    assert differences(scraped.text, "api") == []


def test_every_api_family_has_samples_and_work_shows_in_them(scraped: Scraped) -> None:
    """After real work each family has samples; counters and histograms have counted something."""
    served = families(scraped.text)
    for name in documented("api"):
        family = served[name]
        assert family.samples, f"{name} has no samples"
        if family.type in {"counter", "histogram"}:
            assert any(s.value > 0 for s in family.samples), f"{name} counted nothing"
    errors = {s.labels["kind"]: s.value for s in served["interlock_model_errors_total"].samples}
    assert errors.get("ModelUnavailable", 0) >= 1
    audited = {s.labels["kind"]: s.value for s in served["interlock_audit_error_events_total"].samples}
    assert audited.get("model.called", 0) >= 1
    stages = {s.labels["stage"] for s in served["interlock_stage_duration_seconds"].samples}
    assert {"entitlement", "rules", "model", "gate", "write"} <= stages
    followed = {s.labels["outcome"]: s.value for s in served["interlock_index_follow_total"].samples}
    assert set(followed) == {"synced", "failed"} and followed["synced"] > 0
    duration = served["gen_ai_client_operation_duration_seconds"].samples
    assert any(
        s.labels.get("gen_ai_provider_name") == "openai"
        and s.labels.get("gen_ai_request_model") == "scripted"
        for s in duration
    )


def test_the_api_scrape_passes_promtool_and_its_lint_rules(scraped: Scraped) -> None:
    """``promtool check metrics`` (when installed) and promtool's lint rules find nothing."""
    assert lint(scraped.text) == []
    assert promtool_problems(scraped.text) == []


def test_no_record_id_reaches_a_metric(scraped: Scraped) -> None:
    """Label values are closed sets: no claim id of the work appears in the scrape."""
    for claim_id in REVIEW_CLAIMS:
        assert claim_id not in scraped.text


def test_interlock_metrics_prints_the_documented_store_families(scraped: Scraped, tmp_path: Path) -> None:
    """`interlock metrics` prints exactly the families the docs list for it, lint-clean."""
    issuer = TokenIssuer()
    settings = seed_review_world(tmp_path, issuer)
    with (
        LiveServer(create_app(settings)) as server,
        httpx.Client(base_url=server.url, headers={"X-API-Key": SERVICE_KEY}, timeout=60) as client,
    ):
        for claim_id in REVIEW_CLAIMS:
            assert client.post(f"/v1/tasks/claims.adjudicate/{claim_id}").status_code == 200
    done = subprocess.run(
        [sys.executable, "-m", "interlock", "metrics", "--store", settings.store_url],
        capture_output=True,
        text=True,
        check=True,
    )
    assert differences(done.stdout, "cli") == []
    assert lint(done.stdout) == []
    assert promtool_problems(done.stdout) == []
    by_status = families(done.stdout)["interlock_work_items_by_status"].samples
    assert sum(s.value for s in by_status) == len(REVIEW_CLAIMS)
    # The API serves the same store families, with the same names, labels and help.
    api_store = {n: d for n, d in documented("api").items() if "cli" in d.served_by}
    assert api_store.keys() == documented("cli").keys()
