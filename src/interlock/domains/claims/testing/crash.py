"""A crash harness: several worker processes, killed and restarted until the backlog drains.

The harness forks ``workers`` processes running :mod:`interlock.domains.claims.testing.drill_worker` (after
loading the code sets once, see :func:`preload`) over one system
of record and one store, injects faults while they work, restarts every process that
died, waits until one of them reports that nothing is left, and then runs the
invariant checker over the final state. Faults, all optional and seeded:

* a named failpoint per process start, taken in turn from ``failpoints``: the process
  dies there (``kill``) or stalls there past its lease and then carries on (``stall``);
  once the list is used up, restarted processes run unarmed (or with ``random_spec``);
* ``random_spec``: an ``INTERLOCK_FAILPOINTS`` value given to every unarmed start;
* ``kill_rate``: SIGKILLs per second sent by the harness to a random live worker;
* ``terminate_every``: ``pg_terminate_backend`` on every other connection to the
  database (PostgreSQL only; it touches nothing outside that database);
* ``crash_kind="postgres"``: every worker is armed to *pause* at the failpoints with
  probability ``pause_probability``; when one does, the harness stops the PostgreSQL
  server immediately (no shutdown checkpoint, every connection gone), lets the worker
  go on into a dead database, and starts the server again after ``outage_seconds``.
  Every ``stop_every_pauses``-th pause (counted since the last stop) becomes a stop, at
  most ``postgres_stops`` per run and at least ``stop_gap_seconds`` apart, so the stops
  spread over the run and the backlog keeps draining between them;
* ``restart_postgres_at`` and ``restart_postgres_every``: immediate-mode restarts at
  fixed seconds into the run, or at seeded random intervals until the backlog drains.

Every server stop needs a :class:`~interlock.testing.pgcluster.PgCluster` (a private
cluster) passed to :func:`run_crash`: the harness never stops a server it did not start.
"""

from __future__ import annotations

import json
import multiprocessing
import multiprocessing.process
import os
import random
import signal
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from interlock.db import make_engine
from interlock.domains.claims.invariants import InvariantReport, check_invariants
from interlock.exceptions import ConfigurationError
from interlock.testing.outage import OutageCounts, OutagePlan, Outages
from interlock.testing.pgcluster import PgCluster
from interlock.work.failpoints import PAUSE_DIR_VAR

CrashKind = Literal["kill", "stall", "postgres"]


@dataclass(frozen=True, slots=True, kw_only=True)
class CrashPlan:
    """Which faults to inject into one run."""

    workers: int = 2
    lease_seconds: float = 2.0
    failpoints: Sequence[str] = ()
    crash_kind: CrashKind = "kill"
    random_spec: str = ""
    kill_rate: float = 0.0
    terminate_every: float | None = None
    restart_postgres_at: Sequence[float] = ()
    restart_postgres_every: tuple[float, float] | None = None
    pause_probability: float = 0.02
    postgres_stops: int = 5
    stop_every_pauses: int = 1
    outage_seconds: float = 1.5
    stop_gap_seconds: float = 3.0
    breaker_reset_seconds: float = 10.0
    seed: int = 0
    max_seconds: float = 300.0


@dataclass(slots=True, kw_only=True)
class CrashRun:
    """What happened during one run, and what the checker found afterwards."""

    seconds: float = 0.0
    starts: int = 0
    failpoint_kills: Counter[str] = field(default_factory=Counter)
    stalls: Counter[str] = field(default_factory=Counter)
    harness_kills: int = 0
    terminations: int = 0
    outages: OutageCounts = field(default_factory=OutageCounts)
    lease_lost: int = 0
    database_errors: int = 0
    unexpected_exits: list[str] = field(default_factory=list)
    drained: bool = False
    report: InvariantReport = field(default_factory=InvariantReport)

    @property
    def postgres_restarts(self) -> int:
        """Immediate-mode server restarts, at failpoints or on a schedule."""
        return self.outages.restarts

    @property
    def postgres_stops(self) -> Counter[str]:
        """Server stops at each failpoint (the ``postgres`` crash kind)."""
        return self.outages.stops

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready form for benchmark output."""
        return {
            "seconds": round(self.seconds, 2),
            "starts": self.starts,
            "failpoint_kills": dict(self.failpoint_kills),
            "stalls": dict(self.stalls),
            "harness_kills": self.harness_kills,
            "terminations": self.terminations,
            "postgres_restarts": self.outages.restarts,
            "postgres_stops": dict(self.outages.stops),
            "postgres_down_seconds": round(self.outages.down_seconds, 1),
            "pauses": self.outages.pauses,
            "lease_lost": self.lease_lost,
            "database_errors": self.database_errors,
            "unexpected_exits": self.unexpected_exits[:5],
            "drained": self.drained,
            "invariants": self.report.as_dict(),
        }


_FORK = multiprocessing.get_context("fork")


def _worker_child(argv: list[str], env: dict[str, str], log: str) -> None:
    """The body of a forked worker: its own output file, environment and exit status."""
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    # The forked child inherits the parent's sys.stdout, which under pytest is a capture
    # buffer, not file descriptor 1: the worker's closing summary would never reach the log.
    sys.stdout = open(1, "w", encoding="utf-8", closefd=False)  # noqa: SIM115 - lives as long as the child
    sys.stderr = open(2, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
    os.environ.clear()
    os.environ.update(env)
    from interlock.domains.claims.testing.drill_worker import main  # noqa: PLC0415

    os._exit(main(argv))


def preload() -> None:
    """Import and warm what every worker needs, once, before forking workers.

    Loading the ICD-10-CM code set alone takes seconds; a forked worker inherits it, so
    a restart after a kill costs milliseconds and the harness measures recovery, not
    start-up. The forked worker is still a separate process that SIGKILL really kills.
    """
    from interlock.domains.claims.codesets import icd10_status  # noqa: PLC0415
    from interlock.work import worker  # noqa: PLC0415

    _ = worker
    icd10_status("E11.9")


@dataclass(slots=True)
class _Slot:
    proc: multiprocessing.process.BaseProcess | None = None
    armed: str | None = None
    log: Path | None = None
    done: bool = False


class _Harness:
    def __init__(
        self, sor_url: str, store_url: str, plan: CrashPlan, workdir: Path, cluster: PgCluster | None
    ) -> None:
        self.sor_url, self.store_url, self.plan, self.workdir = sor_url, store_url, plan, workdir
        self.cluster = cluster
        self.queue = [] if plan.crash_kind == "postgres" else list(plan.failpoints)
        self.rng = random.Random(plan.seed)
        self.run = CrashRun()
        self.pause_dir = workdir / "paused"
        self.pause_dir.mkdir()
        self.admin: Engine | None = make_engine(sor_url) if sor_url.startswith("postgres") else None
        self.outages = Outages(
            cluster,
            self.pause_dir,
            OutagePlan(
                outage_seconds=plan.outage_seconds,
                stop_gap_seconds=plan.stop_gap_seconds,
                stop_every_pauses=plan.stop_every_pauses,
                max_stops=plan.postgres_stops,
            ),
            after_restart=self.admin.dispose if self.admin is not None else lambda: None,
        )
        self.run.outages = self.outages.counts

    def start(self, slot: _Slot) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("INTERLOCK_FAILPOINTS")}
        slot.armed = self.queue.pop(0) if self.queue else None
        if self.plan.crash_kind == "postgres":
            wait = self.plan.outage_seconds * 10 + 30
            p = self.plan.pause_probability
            env["INTERLOCK_FAILPOINTS"] = ",".join(f"{fp}=pause:{p}:{wait}" for fp in self.plan.failpoints)
            env[PAUSE_DIR_VAR] = str(self.pause_dir)
        elif slot.armed is not None:
            if self.plan.crash_kind == "kill":
                env["INTERLOCK_FAILPOINTS"] = f"{slot.armed}=kill:1"
            else:
                env["INTERLOCK_FAILPOINTS"] = f"{slot.armed}=stall:1:{self.plan.lease_seconds * 2.5}"
                env["INTERLOCK_FAILPOINTS_MAX"] = "1"
        elif self.plan.random_spec:
            env["INTERLOCK_FAILPOINTS"] = self.plan.random_spec
        env["INTERLOCK_FAILPOINTS_SEED"] = str(self.plan.seed * 100_003 + self.run.starts)
        self.run.starts += 1
        slot.log = self.workdir / f"worker-{self.run.starts}.log"
        # Created here, not only in the child: a worker killed before its first instruction
        # still leaves a (empty) log for reap() to read.
        slot.log.touch()
        argv = [
            "--sor",
            self.sor_url,
            "--store",
            self.store_url,
            "--lease-seconds",
            str(self.plan.lease_seconds),
            "--max-seconds",
            str(self.plan.max_seconds),
            "--poll-seconds",
            "0.1",
            "--breaker-reset-seconds",
            str(self.plan.breaker_reset_seconds),
        ]
        slot.proc = _FORK.Process(target=_worker_child, args=(argv, env, str(slot.log)), daemon=False)
        slot.proc.start()

    def reap(self, slot: _Slot, code: int) -> None:
        assert slot.log is not None
        tail = slot.log.read_text(errors="replace").strip().splitlines()
        summary = _summary(tail)
        if summary is not None:
            self.run.lease_lost += int(summary.get("lease_lost", 0))
            self.run.database_errors += int(summary.get("database_errors", 0))
            if self.plan.crash_kind != "postgres":
                for name in summary.get("fired", []):
                    self.run.stalls[name] += 1
        if code == 0:
            slot.done = True
            self.run.drained = True
            # The armed failpoint never fired: give it to the next start.
            if slot.armed is not None and self.plan.crash_kind == "kill":
                self.queue.insert(0, slot.armed)
        elif code == -signal.SIGKILL and slot.armed is not None and self.plan.crash_kind == "kill":
            self.run.failpoint_kills[slot.armed] += 1
        elif code != -signal.SIGKILL:
            self.run.unexpected_exits.append(f"exit {code}: " + " | ".join(tail[-5:]))

    def terminate_connections(self) -> None:
        if self.admin is None:
            return
        try:
            with self.admin.connect() as conn:
                killed = conn.execute(
                    text(
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
                ).scalar_one()
        except DBAPIError:
            self.admin.dispose()  # the server is down or restarting: try again next time
            return
        self.run.terminations += int(killed)


def _summary(lines: Sequence[str]) -> dict[str, Any] | None:
    for line in reversed(lines):
        if line.startswith("{"):
            try:
                value: dict[str, Any] = json.loads(line)
            except ValueError:
                return None
            return value
    return None


def run_crash(
    sor_url: str,
    store_url: str,
    backlog: Sequence[str],
    plan: CrashPlan,
    *,
    cluster: PgCluster | None = None,
) -> CrashRun:
    """Run workers under ``plan`` until the backlog drains, then check the invariants.

    ``cluster`` is the private server behind both URLs; a plan that stops the server
    needs one and is refused without it.
    """
    stops_server = plan.crash_kind == "postgres" or plan.restart_postgres_at or plan.restart_postgres_every
    if stops_server and cluster is None:
        raise ConfigurationError("this plan stops PostgreSQL: give run_crash a private PgCluster")
    with tempfile.TemporaryDirectory(prefix="interlock-crash-") as tmp:
        harness = _Harness(sor_url, store_url, plan, Path(tmp), cluster)
        run = harness.run
        slots = [_Slot() for _ in range(plan.workers)]
        restarts = sorted(plan.restart_postgres_at)
        started = time.monotonic()
        next_terminate = started + (plan.terminate_every or 0.0)
        next_restart = (
            started + harness.rng.uniform(*plan.restart_postgres_every)
            if plan.restart_postgres_every
            else None
        )
        tick = 0.05
        preload()
        try:
            for slot in slots:
                harness.start(slot)
            while not all(s.done for s in slots) and time.monotonic() - started < plan.max_seconds:
                time.sleep(tick)
                now = time.monotonic()
                for slot in slots:
                    if slot.done or slot.proc is None:
                        continue
                    code = slot.proc.exitcode
                    if code is None:
                        continue
                    harness.reap(slot, code)
                    if not slot.done:
                        harness.start(slot)
                if run.drained:
                    # One worker found nothing left: the others will too; stop restarting.
                    for slot in slots:
                        slot.done = slot.done or (slot.proc is not None and slot.proc.exitcode is not None)
                live = [s for s in slots if not s.done and s.proc is not None and s.proc.exitcode is None]
                chaos = not run.drained
                harness.outages.serve_pauses(chaos)
                if chaos and plan.kill_rate and live and harness.rng.random() < plan.kill_rate * tick:
                    victim = harness.rng.choice(live)
                    assert victim.proc is not None
                    victim.proc.kill()
                    if victim.armed is not None:
                        harness.queue.insert(0, victim.armed)
                        victim.armed = None
                    run.harness_kills += 1
                if chaos and plan.terminate_every and now >= next_terminate:
                    harness.terminate_connections()
                    next_terminate = now + plan.terminate_every
                if chaos and restarts and now - started >= restarts[0]:
                    restarts.pop(0)
                    harness.outages.restart()
                if chaos and next_restart is not None and plan.restart_postgres_every and now >= next_restart:
                    harness.outages.restart()
                    next_restart = time.monotonic() + harness.rng.uniform(*plan.restart_postgres_every)
        finally:
            for slot in slots:
                if slot.proc is not None and slot.proc.exitcode is None:
                    slot.proc.kill()
                    slot.proc.join()
            if harness.admin is not None:
                harness.admin.dispose()
            if cluster is not None and not cluster.running:
                cluster.start()
        run.seconds = time.monotonic() - started
    if cluster is not None:
        cluster.wait_ready()
    sor, store = make_engine(sor_url), make_engine(store_url)
    try:
        run.report = check_invariants(sor, store, backlog)
    finally:
        sor.dispose()
        store.dispose()
    return run


def seed_backlog(sor_url: str, store_url: str, *, claims: int, seed: int, history: int = 0) -> list[str]:
    """Create both schemas, seed ``claims`` backlog claims and return their ids."""
    from interlock.audit.chain import AuditLog  # noqa: PLC0415 - registers the audit tables
    from interlock.domains.claims import schema as sor_schema  # noqa: PLC0415
    from interlock.domains.claims.connector import SqlClaimsConnector  # noqa: PLC0415
    from interlock.domains.claims.generator import seed as run_seed  # noqa: PLC0415
    from interlock.policy.entitlements import claim_scope  # noqa: PLC0415
    from interlock.policy.principal import service_principal  # noqa: PLC0415
    from interlock.store.metadata import store_metadata  # noqa: PLC0415

    sor, store = make_engine(sor_url), make_engine(store_url)
    try:
        sor_schema.metadata.create_all(sor)
        _ = AuditLog
        store_metadata.create_all(store)
        run_seed(sor, claims=claims, seed=seed, history=history)
        return SqlClaimsConnector(sor).claim_ids(claim_scope(service_principal()))
    finally:
        sor.dispose()
        store.dispose()
