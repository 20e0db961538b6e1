"""Real ``interlock`` processes around one scratch PostgreSQL database and a loopback model.

The system of record, the store and the work queue share the test's database, as a
small deployment would. Claims that need the model (rule 9) go to a scripted
OpenAI-compatible server on 127.0.0.1 whose answers can be slowed down, so that a
test can catch a worker with work in hand.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import Engine, text

from interlock.db import make_engine
from interlock.domains.claims.invariants import InvariantReport, check_invariants
from interlock.domains.claims.testing.crash import seed_backlog
from interlock.domains.claims.testing.model_server import Reply, ScriptedModelServer, echo_policies_responder

INTERLOCK = [sys.executable, "-m", "interlock"]


def slow_responder(delay: float) -> Callable[[dict[str, Any]], Reply]:
    """Schema-valid "met" answers held back ``delay`` seconds each."""
    answer = echo_policies_responder()

    def respond(request: dict[str, Any]) -> Reply:
        return Reply(content=answer(request), delay=delay)

    return respond


@dataclass
class QueueWorld:
    """A seeded backlog, the model server and helpers to run and inspect processes."""

    url: str
    backlog: list[str]
    server: ScriptedModelServer
    engine: Engine

    @property
    def env(self) -> dict[str, str]:
        """The environment of every child process: the model server is the OpenAI endpoint."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("INTERLOCK_", "OPENAI_"))}
        # A backlog without decided history has no familiar region to fit: the check is off.
        env.update(
            OPENAI_BASE_URL=self.server.base_url,
            OPENAI_API_KEY="test-key",
            INTERLOCK_ENGINE__FAMILIARITY="false",
        )
        return env

    def run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """Run one ``interlock`` command to completion."""
        return subprocess.run(
            [*INTERLOCK, *args], env=self.env, capture_output=True, text=True, timeout=timeout
        )

    def enqueue(self) -> dict[str, int]:
        """``adjudicate --all --queue`` through the CLI; its JSON summary."""
        done = self.run(
            "adjudicate",
            "--sor",
            self.url,
            "--store",
            self.url,
            "--as",
            "service",
            "--all",
            "--queue",
            "--json",
        )
        assert done.returncode == 0, done.stderr
        summary: dict[str, int] = json.loads(done.stdout)
        return summary

    def worker(self, *extra: str) -> subprocess.Popen[str]:
        """Start ``interlock worker`` with short timings; the caller waits for it."""
        argv = [
            *INTERLOCK,
            "worker",
            "--sor",
            self.url,
            "--store",
            self.url,
            "--model",
            "openai:scripted",
            "--poll-seconds",
            "0.2",
            "--heartbeat-seconds",
            "0.5",
            "--stalled-seconds",
            "2",
            "--lease-seconds",
            "3",
            *extra,
        ]
        return subprocess.Popen(argv, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def count(self, sql: str) -> int:
        """One integer from the scratch database."""
        with self.engine.connect() as conn:
            return int(conn.execute(text(sql)).scalar_one())

    def wait_for(self, sql: str, *, at_least: int = 1, seconds: float = 90) -> int:
        """Poll ``sql`` until it counts ``at_least``; fail after ``seconds``."""
        give_up = time.monotonic() + seconds
        while time.monotonic() < give_up:
            n = self.count(sql)
            if n >= at_least:
                return n
            time.sleep(0.05)
        pytest.fail(f"timed out waiting for {sql!r} to reach {at_least}")

    def check(self) -> InvariantReport:
        """The exactly-once checker over the whole backlog."""
        return check_invariants(self.engine, self.engine, self.backlog)


def finish(proc: subprocess.Popen[str], *, timeout: float = 180) -> dict[str, Any]:
    """Wait for a worker; assert it exited 0 and return its JSON summary line."""
    out, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, f"exit {proc.returncode}: {err[-3000:]}"
    return dict(json.loads(out.strip().splitlines()[-1]))


LEASED = "SELECT count(*) FROM work_items WHERE status = 'leased'"
DOING = "SELECT count(*) FROM procrastinate_jobs WHERE status = 'doing'"


def queue_world(pg_url: str, *, claims: int, model_delay: float) -> Iterator[QueueWorld]:
    """Seed ``claims`` claims into ``pg_url`` and serve the model; yields the world."""
    backlog = seed_backlog(pg_url, pg_url, claims=claims, seed=5)
    engine = make_engine(pg_url)
    with ScriptedModelServer(slow_responder(model_delay)) as server:
        yield QueueWorld(url=pg_url, backlog=backlog, server=server, engine=engine)
    engine.dispose()
