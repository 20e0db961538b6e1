"""``interlock serve --processes N``: several server processes, one port, the same options.

Each process opens its own listening socket (``SO_REUSEPORT``) and builds its app from
the settings; the command's own options (here the databases and the API key file, given
only on the command line) must reach every one of them, or requests would fail to
authenticate or read another database. Connections spread over the processes, a
SIGTERM stops them all cleanly, and one process dying stops the rest with an error.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx2 as httpx
import pytest

from interlock.api.processes import listening_socket
from interlock.api.settings import SERVE_OVERRIDES_ENV, ApiSettings
from interlock.db import make_engine
from interlock.domains.claims import schema as t
from interlock.domains.claims.testing.api_world import SERVICE_KEY, TokenIssuer, free_port, seed_review_world
from interlock.exceptions import ConfigurationError


def _servers(pid: int) -> list[int]:
    """The server processes started by ``pid`` (not multiprocessing's resource tracker)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                command = (entry / "cmdline").read_bytes()
            except (OSError, IndexError, ValueError):
                continue
            if parent == pid and b"resource_tracker" not in command:
                found.append(int(entry.name))
    return found


def _gone(pid: int) -> bool:
    """True once ``pid`` has exited (a zombie awaiting its reaper counts as exited)."""
    try:
        return "\nState:\tZ" in Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return True


def _serve(tmp_path: Path, settings: ApiSettings, port: int) -> subprocess.Popen[bytes]:
    """``interlock serve --processes 2``, returned once both processes have started."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTERLOCK_")}
    log = (tmp_path / "serve.log").open("wb")
    command = [
        sys.executable, "-m", "interlock", "serve", "--processes", "2",
        "--sor", settings.sor_url, "--store", settings.store_url,
        "--api-keys", str(settings.api_keys_file), "--host", "127.0.0.1", "--port", str(port),
    ]  # fmt: skip
    server = subprocess.Popen(command, env=env, stdout=log, stderr=log)
    deadline = time.monotonic() + 60
    log_text = ""
    while log_text.count("Application startup complete") < 2:
        assert server.poll() is None, log_text
        assert time.monotonic() < deadline, log_text
        time.sleep(0.2)
        log_text = (tmp_path / "serve.log").read_text()
    return server


def test_two_processes_serve_one_port_with_the_command_line_options(tmp_path: Path) -> None:
    settings = seed_review_world(tmp_path, TokenIssuer())
    port = free_port()
    server = _serve(tmp_path, settings, port)
    try:
        servers = _servers(server.pid)
        assert len(servers) == 2
        # Separate connections spread over the processes; each must know the key and the databases.
        answers = []
        for _ in range(8):
            with httpx.Client(
                base_url=f"http://127.0.0.1:{port}", headers={"X-API-Key": SERVICE_KEY}
            ) as client:
                answers.append(client.post("/v1/tasks/claims.adjudicate/OK-N1"))
        assert all(a.status_code == 200 for a in answers), [a.text for a in answers]
        assert answers[0].json()["route"] == "commit"
    finally:
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=30) == 0
    assert all(_gone(pid) for pid in servers)
    sor = make_engine(settings.sor_url)
    with sor.connect() as conn:
        rows = conn.execute(t.adjudications.select().where(t.adjudications.c.claim_id == "OK-N1")).all()
    sor.dispose()
    assert len(rows) == 1


def test_one_process_dying_stops_the_others_with_an_error(tmp_path: Path) -> None:
    settings = seed_review_world(tmp_path, TokenIssuer())
    server = _serve(tmp_path, settings, free_port())
    try:
        first, second = _servers(server.pid)
        os.kill(first, signal.SIGKILL)
        assert server.wait(timeout=30) == 1
    finally:
        if server.poll() is None:
            server.kill()
    assert _gone(second)
    assert "exited with -9; stopping the others" in (tmp_path / "serve.log").read_text()


def test_each_listening_socket_is_tcp_without_nagle_and_shares_its_port() -> None:
    # asyncio turns Nagle's algorithm off only on sockets that name IPPROTO_TCP; with it
    # on, every keep-alive response waited out the client's delayed ACK (about 40 ms).
    first = listening_socket("127.0.0.1", 0)
    try:
        assert first.proto == socket.IPPROTO_TCP
        assert first.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
        second = listening_socket("127.0.0.1", first.getsockname()[1])  # SO_REUSEPORT: same port
        second.close()
    finally:
        first.close()


def test_a_process_stopped_from_outside_counts_as_a_death(tmp_path: Path) -> None:
    settings = seed_review_world(tmp_path, TokenIssuer())
    server = _serve(tmp_path, settings, free_port())
    try:
        first, second = _servers(server.pid)
        os.kill(first, signal.SIGTERM)  # not from the parent: the set would be left partial
        assert server.wait(timeout=30) == 1
    finally:
        if server.poll() is None:
            server.kill()
    assert _gone(second)


def test_the_processes_do_not_outlive_a_killed_parent(tmp_path: Path) -> None:
    settings = seed_review_world(tmp_path, TokenIssuer())
    server = _serve(tmp_path, settings, free_port())
    servers = _servers(server.pid)
    server.kill()  # SIGKILL: the parent cannot stop anything itself
    server.wait(timeout=10)
    deadline = time.monotonic() + 30
    while not all(_gone(pid) for pid in servers):
        assert time.monotonic() < deadline, "a server process outlived its parent"
        time.sleep(0.2)


@pytest.mark.parametrize(
    "raw", ["{not json", "null", "[]", '{"environ": {}}', '{"sor_url": "x", "engine": {}}']
)
def test_handed_over_options_must_be_an_object_of_api_settings(raw: str) -> None:
    with pytest.raises(ConfigurationError, match=SERVE_OVERRIDES_ENV):
        ApiSettings.serve_overrides(raw)


def test_handed_over_options_are_read_as_given() -> None:
    assert ApiSettings.serve_overrides(None) == {}
    given = {"sor_url": "sqlite:///s.db", "queue_workers": 3, "cookie_secure": False}
    assert ApiSettings.serve_overrides(json.dumps(given)) == given
