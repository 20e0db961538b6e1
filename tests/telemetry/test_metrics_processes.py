"""``serve --processes 2``: whichever process answers a scrape, the numbers are the whole server's.

Task runs spread over both processes (each on its own connection); every scrape, on a
connection of its own, must then count all of them, and pass the same checks as a
single process's scrape. The shared metrics directory is removed when the server stops.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx2 as httpx
from promcheck import differences, families, lint, promtool_problems

from interlock.api.testing import REVIEW_CLAIMS, SERVICE_KEY, TokenIssuer, free_port, seed_review_world


def _metrics_dirs() -> set[str]:
    return {p.name for p in Path(tempfile.gettempdir()).glob("interlock-metrics-*")}


def test_every_scrape_counts_the_work_of_every_process(tmp_path: Path) -> None:
    """Twelve runs over two processes: each of five scrapes reports all twelve."""
    settings = seed_review_world(tmp_path, TokenIssuer())
    port = free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("INTERLOCK_") and k != "PROMETHEUS_MULTIPROC_DIR"
    }
    before = _metrics_dirs()
    log = (tmp_path / "serve.log").open("wb")
    command = [
        sys.executable, "-m", "interlock", "serve", "--processes", "2",
        "--sor", settings.sor_url, "--store", settings.store_url,
        "--api-keys", str(settings.api_keys_file), "--host", "127.0.0.1", "--port", str(port),
    ]  # fmt: skip
    server = subprocess.Popen(command, env=env, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 90
        while (tmp_path / "serve.log").read_text().count("Application startup complete") < 2:
            assert server.poll() is None, (tmp_path / "serve.log").read_text()
            assert time.monotonic() < deadline
            time.sleep(0.2)
        made = _metrics_dirs() - before
        assert len(made) == 1
        runs = 0
        for claim_id in [*REVIEW_CLAIMS, *REVIEW_CLAIMS]:
            with httpx.Client(
                base_url=f"http://127.0.0.1:{port}", headers={"X-API-Key": SERVICE_KEY}
            ) as client:
                assert client.post(f"/v1/tasks/claims.adjudicate/{claim_id}").status_code == 200
                runs += 1
        for _ in range(5):
            with httpx.Client(base_url=f"http://127.0.0.1:{port}") as scraper:
                text = scraper.get("/metrics").text
            counted = families(text)["interlock_work_items_total"].samples
            assert sum(s.value for s in counted) == runs
            assert differences(text, "api") == []
            assert lint(text) == []
            assert promtool_problems(text) == []
    finally:
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=60) == 0
    assert _metrics_dirs() - before == set()
