"""``interlock worker --metrics-port``: a worker serves its own process's documented families.

A real worker drains a small PostgreSQL queue with a model behind the scripted server on
loopback; its metrics port must then serve every family the docs list for the worker,
no other, with the work counted, and pass promtool and its lint rules.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import httpx2 as httpx
import pytest
from promcheck import differences, documented, families, lint, promtool_problems

from interlock.domains.claims.testing.api_world import free_port
from interlock.domains.claims.testing.crash import seed_backlog
from interlock.domains.claims.testing.model_server import ScriptedModelServer, echo_policies_responder

INTERLOCK = [sys.executable, "-m", "interlock"]


@pytest.mark.postgres
def test_a_worker_serves_its_documented_families_after_work(pg_url: str) -> None:
    """After the worker decides the queued claims, its port serves each worker family, with samples."""
    backlog = seed_backlog(pg_url, pg_url, claims=8, seed=5)
    with ScriptedModelServer(echo_policies_responder()) as model_server:
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
            env=env, capture_output=True, text=True, timeout=180, check=True,
        )  # fmt: skip
        assert json.loads(enqueued.stdout)["enqueued"] == len(backlog)
        port = free_port()
        worker = subprocess.Popen(
            [*INTERLOCK, "worker", *common, "--model", "openai:scripted", "--poll-seconds", "0.2",
             "--metrics-port", str(port), "--follow-writes"],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 180
            text = ""
            while time.monotonic() < deadline:
                assert worker.poll() is None, worker.communicate()
                try:
                    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
                except httpx.TransportError:
                    text = ""
                if text:
                    done = families(text)["interlock_work_items_total"].samples
                    followed = families(text)["interlock_index_follow_total"].samples
                    synced = sum(s.value for s in followed if s.labels["outcome"] == "synced")
                    if sum(s.value for s in done) >= len(backlog) and synced > 0:
                        break
                time.sleep(0.3)
            else:
                pytest.fail(f"the worker did not finish the backlog: {text[-2000:]}")
        finally:
            worker.send_signal(signal.SIGTERM)
            worker.communicate(timeout=60)
        assert model_server.requests, "no claim reached the model"
    assert differences(text, "worker") == []
    served = families(text)
    for name in documented("worker"):
        if name != "interlock_model_errors_total":  # nothing failed: no error kind to count
            assert served[name].samples, name
    assert lint(text) == []
    assert promtool_problems(text) == []
