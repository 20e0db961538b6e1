"""``interlock serve --processes N``: several server processes, one port, the same options.

The processes are started by uvicorn's supervisor and build their app from the
settings; the command's own options (here the databases and the API key file, given
only on the command line) must reach every one of them, or requests would fail to
authenticate or read another database.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx2 as httpx

from interlock.api.testing import SERVICE_KEY, TokenIssuer, free_port, seed_review_world
from interlock.db import make_engine
from interlock.domains.claims import schema as t


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
    return found


def test_two_processes_serve_one_port_with_the_command_line_options(tmp_path: Path) -> None:
    settings = seed_review_world(tmp_path, TokenIssuer())
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTERLOCK_")}
    log = (tmp_path / "serve.log").open("wb")
    command = [
        sys.executable, "-m", "interlock", "serve", "--processes", "2",
        "--sor", settings.sor_url, "--store", settings.store_url,
        "--api-keys", str(settings.api_keys_file), "--host", "127.0.0.1", "--port", str(port),
    ]  # fmt: skip
    server = subprocess.Popen(command, env=env, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 60
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"X-API-Key": SERVICE_KEY}) as client:
            while True:
                assert server.poll() is None, (tmp_path / "serve.log").read_text()
                assert time.monotonic() < deadline, "the server did not start"
                try:
                    if client.get("/readyz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.2)
            log_text = (tmp_path / "serve.log").read_text()
            while log_text.count("Application startup complete") < 2:
                assert time.monotonic() < deadline, log_text
                time.sleep(0.2)
                log_text = (tmp_path / "serve.log").read_text()
            # Two server processes (besides the supervisor's resource tracker) hold the port.
            assert log_text.count("Started server process") == 2
            assert len(_children(server.pid)) >= 2
            # Each request may land on either process; all must know the key and the databases.
            answers = [client.post("/v1/tasks/claims.adjudicate/OK-N1") for _ in range(6)]
            assert all(a.status_code == 200 for a in answers), [a.text for a in answers]
            assert answers[0].json()["route"] == "commit"
    finally:
        server.terminate()
        server.wait(timeout=30)
    sor = make_engine(settings.sor_url)
    with sor.connect() as conn:
        rows = conn.execute(t.adjudications.select().where(t.adjudications.c.claim_id == "OK-N1")).all()
    sor.dispose()
    assert len(rows) == 1
