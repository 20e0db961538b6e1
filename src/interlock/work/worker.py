"""A worker process: drain the backlog of ``claims.adjudicate`` and exit.

    python -m interlock.work.worker --sor URL --store URL [--lease-seconds 2] [--model scripted]

Any number of workers may run at once over the same system of record and store, and any
of them may be killed at any moment: delivery is at least once, and the work store's
leases, fencing and recovery points make the effects exactly once. Each round a worker
takes the union of

* claims still ``received`` in the system of record (new work), and
* work items that are not done in the store: leased by a worker whose lease expired,
  deferred, or pending. A worker killed after its write to the system of record leaves
  a claim that no longer looks pending there; only the store remembers it needs an ack.

It processes them in its own shuffled order (so workers rarely queue on the same item),
and exits with status 0 once both sets are empty. A dropped database connection or a
restarting server costs a pause and a retry, never the process; the lease of the item
in hand simply runs out and the item is picked up again.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from tenacity import Retrying, retry_if_exception_type, stop_after_delay, wait_exponential

from interlock.audit.chain import AuditLog
from interlock.connectors.sql_claims import SqlClaimsConnector
from interlock.db import make_engine
from interlock.engine import TASK, ClaimsEngine, EngineSettings
from interlock.exceptions import AccessDenied, DependencyUnavailable, LeaseLost
from interlock.models.base import ModelClient
from interlock.policy.principal import service_principal
from interlock.store.metadata import store_metadata
from interlock.work.store import WorkStore

EXIT_DRAINED = 0
EXIT_TIMED_OUT = 3


@dataclass(slots=True)
class WorkerStats:
    """What one worker process did, printed as JSON when it exits."""

    worker: str
    finished: int = 0
    busy: int = 0
    lease_lost: int = 0
    database_errors: int = 0
    rounds: int = 0
    seconds: float = 0.0


def _model(kind: str, store: Engine) -> ModelClient | None:
    match kind:
        case "scripted":
            from interlock.testing.scripted import ScriptedModel  # noqa: PLC0415

            return ScriptedModel("met", 0.99)
        case "baseline":
            from interlock.models.registry import load_baseline  # noqa: PLC0415

            return load_baseline(store)
        case "none":
            return None
    raise SystemExit(f"unknown model {kind!r}: use scripted, baseline or none")


def drain(
    engine: ClaimsEngine,
    *,
    max_seconds: float,
    poll_seconds: float,
    stats: WorkerStats,
    engines: Sequence[Engine] = (),
) -> bool:
    """Process rounds until nothing is left (True) or ``max_seconds`` pass (False)."""
    rng = random.Random(f"{stats.worker}:{time.time_ns()}")
    give_up = time.monotonic() + max_seconds
    while time.monotonic() < give_up:
        stats.rounds += 1
        try:
            todo = sorted(set(engine.pending_claims()) | set(engine.store.unfinished_records(TASK)))
        except (DBAPIError, DependencyUnavailable):
            stats.database_errors += 1
            _reset(engines)
            time.sleep(poll_seconds)
            continue
        if not todo:
            return True
        rng.shuffle(todo)
        progressed = False
        for claim_id in todo:
            try:
                result = engine.process(claim_id)
            except LeaseLost:
                stats.lease_lost += 1
                continue
            except AccessDenied:
                continue
            except (DBAPIError, DependencyUnavailable):
                # The item's lease runs out and some worker (maybe this one) retries it.
                stats.database_errors += 1
                _reset(engines)
                time.sleep(poll_seconds)
                continue
            if result.route in ("busy", "defer") or result.replayed:  # replayed: another worker finished it
                stats.busy += 1
            else:
                stats.finished += 1
                progressed = True
        if not progressed:
            time.sleep(poll_seconds)
    return False


def _reset(engines: Sequence[Engine]) -> None:
    """Drop pooled connections: after a server restart every one of them is dead."""
    for e in engines:
        e.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments, build the engine, drain the backlog; the exit status says how it ended."""
    parser = argparse.ArgumentParser(
        prog="python -m interlock.work.worker", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--sor", required=True, help="system of record URL")
    parser.add_argument("--store", required=True, help="Interlock store URL")
    parser.add_argument("--lease-seconds", type=float, default=120.0, help="lease duration of a work item")
    parser.add_argument("--model", default="scripted", help="scripted, baseline or none")
    parser.add_argument("--max-seconds", type=float, default=600.0, help="give up (exit 3) after this long")
    parser.add_argument("--poll-seconds", type=float, default=0.2, help="pause when a round made no progress")
    parser.add_argument("--name", default=None, help="worker name in leases and audit events")
    parser.add_argument(
        "--breaker-reset-seconds",
        type=float,
        default=10.0,
        help="how long the system-of-record breaker stays open before it tries the database again",
    )
    args = parser.parse_args(argv)

    name = args.name or f"{socket.gethostname()}:{os.getpid()}"
    sor, store = make_engine(args.sor), make_engine(args.store)
    # A dropped connection at start-up (a database restart, a killed backend) is retried, not
    # fatal, for as long as the worker would run at all: a server that takes longer than a
    # few seconds to come back (recovery replaying its log on a busy host) is still an outage
    # to wait out, not a reason to die.
    for attempt in Retrying(
        stop=stop_after_delay(args.max_seconds),
        wait=wait_exponential(multiplier=0.1, max=2.0),
        retry=retry_if_exception_type((OperationalError, InterfaceError)),
        reraise=True,
    ):
        with attempt:
            store_metadata.create_all(store)
    engine = ClaimsEngine(
        connector=SqlClaimsConnector(sor, reset_seconds=args.breaker_reset_seconds),
        store=WorkStore(store, AuditLog(store)),
        principal=service_principal(),
        model=_model(args.model, store),
        settings=EngineSettings(lease_seconds=args.lease_seconds, defer_base_seconds=0.2),
        worker=name,
    )
    stats = WorkerStats(worker=name)
    started = time.monotonic()
    drained = drain(
        engine,
        max_seconds=args.max_seconds,
        poll_seconds=args.poll_seconds,
        stats=stats,
        engines=(sor, store),
    )
    stats.seconds = round(time.monotonic() - started, 3)
    print(json.dumps({"drained": drained, **asdict(stats), "fired": engine.failpoints.fired}), flush=True)
    return EXIT_DRAINED if drained else EXIT_TIMED_OUT


if __name__ == "__main__":
    sys.exit(main())
