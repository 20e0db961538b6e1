"""A real ``interlock serve`` process on loopback, for checks that need the whole server."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from interlock.api.settings import ApiSettings
from interlock.domains.claims.testing.api_world import free_port


@dataclass(frozen=True)
class Served:
    """The server process and where it listens."""

    process: subprocess.Popen[bytes]
    port: int

    @property
    def url(self) -> str:
        """The base URL."""
        return f"http://127.0.0.1:{self.port}"

    def rss_bytes(self) -> int:
        """The server's resident memory, from /proc."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        raise AssertionError("no VmRSS")


def serve_command(settings: ApiSettings, port: int, *extra: str) -> list[str]:
    """``interlock serve`` over ``settings``' databases, key file and token issuer."""
    return [
        sys.executable, "-m", "interlock", "serve",
        "--sor", settings.sor_url, "--store", settings.store_url,
        "--api-keys", str(settings.api_keys_file), "--jwks-file", str(settings.jwks_file),
        "--issuer", str(settings.jwt_issuer), "--audience", str(settings.jwt_audience),
        "--host", "127.0.0.1", "--port", str(port), "--insecure-cookies", *extra,
    ]  # fmt: skip


def clean_env() -> dict[str, str]:
    """The environment without any ``INTERLOCK_`` setting of the test run."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTERLOCK_")}
    env["COLUMNS"] = "300"  # one-line errors stay on one line
    return env


@contextmanager
def served(tmp_path: Path, settings: ApiSettings) -> Iterator[Served]:
    """Run ``interlock serve`` until the block ends; its output goes to ``serve.log``."""
    port = free_port()
    log_path = tmp_path / "serve.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(serve_command(settings, port), env=clean_env(), stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 60
        while "Application startup complete" not in log_path.read_text():
            assert process.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.1)
        yield Served(process=process, port=port)
    finally:
        process.terminate()
        process.wait(timeout=30)
