"""A real Prometheus scrapes a running API server and a running worker after real work.

The API server (on loopback, ``metrics_auth`` on) adjudicates claims with a model behind
the scripted OpenAI-compatible server, two of whose answers fail; a worker
(``interlock worker --metrics-port``, on PostgreSQL) drains a queue of claims with a
model whose first answer fails. Both follow their writes in the search index. Debian's Prometheus server scrapes both every second
(the API with a bearer token, as an operator's Prometheus would), and its query API
must then answer every family docs/observability.md lists for each target, with
counters and histograms above zero: what a dashboard built from the docs would show.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from promcheck import documented
from sqlalchemy import select

from interlock.api.app import create_app
from interlock.api.services import Services
from interlock.domains.claims.testing.api_world import (
    REVIEW_CLAIMS,
    SERVICE_KEY,
    LiveServer,
    TokenIssuer,
    free_port,
    seed_review_world,
)
from interlock.domains.claims.testing.crash import seed_backlog
from interlock.domains.claims.testing.model_server import (
    Reply,
    Responder,
    ScriptedModelServer,
    echo_policies_responder,
)
from interlock.settings import IndexSection, ModelsSection, QualitySection
from interlock.store.schema import quality_samples

INTERLOCK = [sys.executable, "-m", "interlock"]
API_JOB, WORKER_JOB = "interlock-api", "interlock-worker"
WORKER_CLAIMS = 6
SERVER = "/usr/bin/prometheus"
#: Gauges that may rightly read 0 after healthy work: present is all they must be.
MAY_BE_ZERO = {
    "interlock_breaker_open",
    "interlock_api_queue_depth",
    "interlock_review_backlog",
    "interlock_review_oldest_age_seconds",
    "interlock_auto_path_closed",
}


@pytest.fixture(scope="module")
def prometheus_binary() -> str:
    """Debian's Prometheus server; skipped without it, except in CI, where it must be there."""
    found = SERVER if Path(SERVER).exists() else shutil.which("prometheus")
    if found is None:
        message = "the Prometheus server is not installed (Debian's prometheus package provides it)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return found


def _failing_first(failures: list[str | Reply]) -> Responder:
    """Answer like a healthy model, except the first requests, which get ``failures`` in order."""
    healthy = echo_policies_responder("met", 0.99)
    lock = threading.Lock()
    seen = [0]

    def respond(request: dict[str, Any]) -> str | Reply:
        with lock:
            number = seen[0]
            seen[0] += 1
        return failures[number] if number < len(failures) else healthy(request)

    return respond


@dataclass
class Prometheus:
    """A running Prometheus server and the ports of the targets it scrapes."""

    url: str
    api_port: int
    worker_port: int
    log: Path

    def get(self, path: str, **params: str) -> Any:
        """The ``data`` of a successful answer of the HTTP API."""
        response = httpx.get(f"{self.url}{path}", params=params, timeout=10)
        response.raise_for_status()
        body = response.json()
        assert body["status"] == "success", body
        return body["data"]

    def targets(self) -> dict[str, dict[str, Any]]:
        """The active targets, by job."""
        return {t["labels"]["job"]: t for t in self.get("/api/v1/targets", state="active")["activeTargets"]}

    def wait_up(self, *jobs: str, timeout: float = 20) -> None:
        """Wait until every job's target has been scraped successfully."""
        deadline = time.monotonic() + timeout
        while True:
            targets = self.targets()
            if all(targets.get(job, {}).get("health") == "up" for job in jobs):
                return
            if time.monotonic() > deadline:
                pytest.fail(
                    f"targets not up: {json.dumps(targets, indent=1)}\n{self.log.read_text()[-3000:]}"
                )
            time.sleep(0.25)

    def values(self, expression: str) -> list[float]:
        """The values of an instant vector query."""
        return [float(r["value"][1]) for r in self.get("/api/v1/query", query=expression)["result"]]


def _query(name: str, kind: str, job: str) -> str:
    """The selector for a documented family's samples in one job (a histogram by its ``_count``)."""
    series = f"{name}_count" if kind == "histogram" else name
    return f'{series}{{job="{job}"}}'


def _unshown(found: dict[str, list[float]]) -> dict[str, str]:
    """The families whose samples do not show the work yet, and why."""
    why: dict[str, str] = {}
    for name, values in found.items():
        if not values:
            why[name] = "no samples"
        elif name not in MAY_BE_ZERO and not any(v > 0 for v in values):
            why[name] = "counted nothing"
    return why


def _wait_for_families(
    prometheus: Prometheus, where: str, job: str, timeout: float = 20
) -> dict[str, list[float]]:
    """Query every family documented for ``where`` until each shows the work (or the time is up)."""
    expected = documented(where)
    deadline = time.monotonic() + timeout
    while True:
        found = {n: prometheus.values(_query(n, d.type, job)) for n, d in expected.items()}
        if not _unshown(found) or time.monotonic() > deadline:
            return found
        time.sleep(0.5)


@pytest.fixture(scope="module")
def api_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, str]]:
    """An API server that adjudicated claims (two model calls failed); its port and a scraper's token.

    Every automatic decision is sampled (``[quality] sample_rate = 1``), and the
    supervisor decides each sampled item by approving it, so the quality families count
    something too.
    """
    directory = tmp_path_factory.mktemp("prom-api")
    issuer = TokenIssuer()
    settings = seed_review_world(directory, issuer)
    failures: list[str | Reply] = [Reply(status=500), "this is not the answer's JSON"]
    with ScriptedModelServer(_failing_first(failures)) as model_server:
        settings = settings.model_copy(
            update={
                "model": "openai:scripted",
                "models": ModelsSection(openai_base_url=model_server.base_url),
                "metrics_auth": True,
                "index": IndexSection(follow_writes=True),
                "quality": QualitySection(sample_rate=1.0),
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
            assert len(model_server.requests) >= 2
            # The search index followed each write (interlock_index_follow_total counts them).
            assert services.follower is not None and services.follower.flush(timeout=30)
            with services.store.connect() as conn:
                sampled = conn.execute(select(quality_samples.c.review_id)).scalars().all()
            assert sampled, "the rules approve OK-N1: at least that decision is sampled"
            supervisor = {"Authorization": f"Bearer {issuer.token('SUP')}"}
            for review_id in sampled:
                decided = httpx.post(
                    f"{server.url}/v1/review-items/{review_id}/decision",
                    json={"action": "approve"},
                    headers=supervisor,
                    timeout=60,
                )
                assert decided.status_code == 200, decided.text
            assert httpx.get(f"{server.url}/metrics").status_code == 401  # credentials are needed
            yield server.port, issuer.token("A1", ttl=timedelta(minutes=30))


@pytest.fixture(scope="module")
def prometheus(
    prometheus_binary: str, tmp_path_factory: pytest.TempPathFactory, api_server: tuple[int, str]
) -> Iterator[Prometheus]:
    """Prometheus scraping the API server and, on a port kept for it, the worker, every second."""
    directory = tmp_path_factory.mktemp("prometheus")
    port, token = api_server
    (directory / "token").write_text(token, encoding="utf-8")
    worker_port, web_port = free_port(), free_port()
    config = {
        "global": {"scrape_interval": "1s", "scrape_timeout": "1s", "evaluation_interval": "1s"},
        "scrape_configs": [
            {
                "job_name": API_JOB,
                "metrics_path": "/metrics",
                "authorization": {"type": "Bearer", "credentials_file": str(directory / "token")},
                "static_configs": [{"targets": [f"127.0.0.1:{port}"]}],
            },
            {
                "job_name": WORKER_JOB,
                "metrics_path": "/metrics",
                "static_configs": [{"targets": [f"127.0.0.1:{worker_port}"]}],
            },
        ],
    }
    (directory / "prometheus.yml").write_text(json.dumps(config, indent=2), encoding="utf-8")  # JSON is YAML
    log = directory / "prometheus.log"
    with log.open("w", encoding="utf-8") as out:
        process = subprocess.Popen(
            [prometheus_binary, f"--config.file={directory / 'prometheus.yml'}",
             f"--storage.tsdb.path={directory / 'data'}", f"--web.listen-address=127.0.0.1:{web_port}"],
            stdout=out, stderr=subprocess.STDOUT, cwd=directory,
        )  # fmt: skip
    running = Prometheus(url=f"http://127.0.0.1:{web_port}", api_port=port, worker_port=worker_port, log=log)
    try:
        deadline = time.monotonic() + 20
        while True:
            assert process.poll() is None, f"Prometheus exited: {log.read_text()[-3000:]}"
            try:
                if httpx.get(f"{running.url}/-/ready", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"Prometheus did not become ready: {log.read_text()[-3000:]}")
            time.sleep(0.1)
        yield running
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            code = process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise
    assert code == 0, f"Prometheus did not stop cleanly ({code}): {log.read_text()[-3000:]}"
    assert "See you next time!" in log.read_text()


#: The series Prometheus adds to every target's own.
SYNTHETIC = {
    "up",
    "scrape_duration_seconds",
    "scrape_samples_scraped",
    "scrape_samples_post_metric_relabeling",
    "scrape_series_added",
}


def _series_names(where: str) -> set[str]:
    """The series names of the families documented for ``where`` (a histogram's three)."""
    names: set[str] = set()
    for name, doc in documented(where).items():
        suffixes = ("_bucket", "_sum", "_count") if doc.type == "histogram" else ("",)
        names.update(name + suffix for suffix in suffixes)
    return names


def _stored_names(prometheus: Prometheus, job: str) -> set[str]:
    """The series names Prometheus holds from ``job``, its own per-target series left out."""
    stored = prometheus.get("/api/v1/label/__name__/values", **{"match[]": f'{{job="{job}"}}'})
    return set(stored) - SYNTHETIC


def test_prometheus_scrapes_every_api_family(prometheus: Prometheus) -> None:
    """Scraped by Prometheus, with a bearer token, every API family answers a query, the work counted."""
    prometheus.wait_up(API_JOB)
    found = _wait_for_families(prometheus, "api", API_JOB)
    assert _unshown(found) == {}, f"the API's families as Prometheus holds them: {found}"
    assert _stored_names(prometheus, API_JOB) == _series_names("api")
    assert prometheus.values(f'interlock_model_errors_total{{job="{API_JOB}",kind="ModelUnavailable"}}') != []
    assert (
        prometheus.values(f'interlock_audit_error_events_total{{job="{API_JOB}",kind="model.called"}}') != []
    )
    assert sum(prometheus.values(f'interlock_work_items_total{{job="{API_JOB}"}}')) >= len(REVIEW_CLAIMS)


def _drain(pg_url: str, worker_port: int, model_server: ScriptedModelServer) -> Callable[[], None]:
    """Queue claims on PostgreSQL and start a worker serving metrics on ``worker_port``; its stopper."""
    backlog = seed_backlog(pg_url, pg_url, claims=WORKER_CLAIMS, seed=5)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INTERLOCK_", "OPENAI_"))}
    # A backlog without decided history has no familiar region to fit: the check is off.
    env.update(
        OPENAI_BASE_URL=model_server.base_url,
        OPENAI_API_KEY="test-key",
        INTERLOCK_ENGINE__FAMILIARITY="false",
    )
    common = ["--sor", pg_url, "--store", pg_url]
    enqueued = subprocess.run(
        [*INTERLOCK, "adjudicate", *common, "--as", "service", "--all", "--queue", "--json"],
        env=env, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    assert json.loads(enqueued.stdout)["enqueued"] == len(backlog)
    worker = subprocess.Popen(
        [*INTERLOCK, "worker", *common, "--model", "openai:scripted", "--poll-seconds", "0.2",
         "--metrics-port", str(worker_port), "--follow-writes"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip

    def stop() -> None:
        worker.send_signal(signal.SIGTERM)
        out, err = worker.communicate(timeout=60)
        assert worker.returncode == 0, (out, err)

    return stop


@pytest.mark.postgres
def test_prometheus_scrapes_every_worker_family_beside_the_api(prometheus: Prometheus, pg_url: str) -> None:
    """A worker that drained a queue (one model call failed): every worker family answers, the work counted."""
    with ScriptedModelServer(_failing_first([Reply(status=500)])) as model_server:
        stop = _drain(pg_url, prometheus.worker_port, model_server)
        try:  # queried while the worker runs: once it stops, Prometheus marks its series stale
            prometheus.wait_up(API_JOB, WORKER_JOB, timeout=60)
            deadline = time.monotonic() + 60
            while sum(prometheus.values(f'interlock_work_items_total{{job="{WORKER_JOB}"}}')) < WORKER_CLAIMS:
                assert time.monotonic() < deadline, "the worker did not finish the queue"
                time.sleep(0.5)
            found = _wait_for_families(prometheus, "worker", WORKER_JOB)
            errors = prometheus.get(
                "/api/v1/query", query=f'interlock_model_errors_total{{job="{WORKER_JOB}"}}'
            )
            stages = prometheus.get("/api/v1/label/stage/values", **{"match[]": f'{{job="{WORKER_JOB}"}}'})
            names = _stored_names(prometheus, WORKER_JOB)
            assert prometheus.targets()[API_JOB]["health"] == "up"
        finally:
            stop()
        assert model_server.requests, "no claim reached the model"
    assert _unshown(found) == {}, f"the worker's families as Prometheus holds them: {found}"
    assert names == _series_names("worker")
    assert "ModelUnavailable" in {r["metric"]["kind"] for r in errors["result"]}
    assert {"entitlement", "rules", "model", "gate", "write"} <= set(stages)
