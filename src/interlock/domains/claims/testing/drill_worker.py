"""A drill worker process: drain the backlog of ``claims.adjudicate`` and exit.

    python -m interlock.domains.claims.testing.drill_worker --sor URL --store URL [--lease-seconds 2] [--model scripted]

The crash harness (:mod:`interlock.domains.claims.testing.crash`) forks these and kills
them at failpoints; the loop is :func:`interlock.work.worker.drain`. Exit status 0 once
the backlog is drained, 3 when ``--max-seconds`` ran out first.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict

from sqlalchemy import Engine
from sqlalchemy.exc import InterfaceError, OperationalError
from tenacity import Retrying, retry_if_exception_type, stop_after_delay, wait_exponential

from interlock.assembly import build_engine
from interlock.audit.chain import AuditLog
from interlock.db import make_engine
from interlock.domains.claims.connector import SqlClaimsConnector
from interlock.engine import EngineSettings
from interlock.models.base import ModelClient
from interlock.policy.principal import service_principal
from interlock.store.metadata import store_metadata
from interlock.work.store import WorkStore
from interlock.work.worker import EXIT_DRAINED, EXIT_TIMED_OUT, WorkerStats, drain


def _model(kind: str, store: Engine) -> ModelClient | None:
    match kind:
        case "scripted":
            from interlock.domains.claims.testing.scripted import ScriptedModel  # noqa: PLC0415

            return ScriptedModel("met", 0.99)
        case "baseline":
            from interlock.assembly import model_for  # noqa: PLC0415

            return model_for("claims.adjudicate", "baseline", store)
        case "none":
            return None
    raise SystemExit(f"unknown model {kind!r}: use scripted, baseline or none")


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments, build the engine, drain the backlog; the exit status says how it ended."""
    parser = argparse.ArgumentParser(
        prog="python -m interlock.domains.claims.testing.drill_worker", description=__doc__.split("\n")[0]
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
    engine = build_engine(
        "claims.adjudicate",
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
