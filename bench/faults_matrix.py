"""The crash matrix: every failpoint x every crash kind, plus random faults, over 1,000 claims.

    .venv/bin/python bench/faults_matrix.py [--claims 1000] [--backends sqlite postgres]
        [--kinds kill stall random postgres postgres-random] [--seeds 1 2 3]
        [--restart-postgres] [--server URL] [--out bench/results/faults.json]

Each run starts from a fresh copy of one seeded system of record (a file copy on SQLite,
``CREATE DATABASE ... TEMPLATE`` on PostgreSQL), runs four workers under one fault plan
until the backlog drains, and records the invariant checker's counts.

Kinds: ``kill`` and ``stall`` at each failpoint, ``random`` (random failpoint kills and
harness SIGKILLs), ``postgres`` (the server stopped immediately while a worker waits at
each failpoint, several times per run) and ``postgres-random`` (random kills plus
immediate-mode server restarts at seeded random intervals). PostgreSQL runs use a
private cluster created for the matrix (``initdb`` on a free port, removed afterwards),
so stopping the server disturbs nobody; ``--server URL`` runs the kinds that never stop
the server against an existing one instead.
"""

from __future__ import annotations

import argparse
import json
import secrets
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from interlock.db import normalize_url
from interlock.domains.claims.testing.crash import CrashKind, CrashPlan, run_crash, seed_backlog
from interlock.testing.pgcluster import PgCluster
from interlock.work.failpoints import FAILPOINTS

RANDOM_SPEC = ",".join(f"{fp}=kill:0.004" for fp in FAILPOINTS)
KINDS = ("kill", "stall", "random", "postgres", "postgres-random")
STOPPING = ("postgres", "postgres-random")
# Workers reach after_model_call on about a quarter of the claims and every other
# failpoint on every claim: pause on every model call but a quarter of the others, and
# stop the server at every 30th pause, so stops spread over the whole run.
PAUSE_PROBABILITY = {"after_model_call": 1.0}


class Backend:
    """Seeds once, then hands out fresh copies of the seeded databases."""

    def __init__(self, kind: str, claims: int, seed: int, tmp: Path, server: str | None) -> None:
        self.kind, self.tmp, self.copies = kind, tmp, 0
        self.cluster: PgCluster | None = None
        if kind == "sqlite":
            self.urls = (f"sqlite:///{tmp / 'seed-sor.db'}", f"sqlite:///{tmp / 'seed-store.db'}")
        else:
            if server is None:
                self.cluster = PgCluster.create()
                server = self.cluster.url()
            self.server = server
            self.admin = create_engine(normalize_url(server), isolation_level="AUTOCOMMIT")
            self.template = f"interlock_faults_{secrets.token_hex(4)}"
            self._sql(f'CREATE DATABASE "{self.template}"')
            url = make_url(server).set(database=self.template).render_as_string(hide_password=False)
            self.urls = (url, url)
        self.backlog = seed_backlog(*self.urls, claims=claims, seed=seed)
        self.created: list[str] = []

    def _sql(self, statement: str) -> None:
        with self.admin.connect() as conn:
            conn.exec_driver_sql(statement)

    def fresh(self) -> tuple[str, str]:
        """URLs of a new copy of the seeded system of record and (empty) store."""
        self.copies += 1
        if self.kind == "sqlite":
            sor, store = self.tmp / f"sor-{self.copies}.db", self.tmp / f"store-{self.copies}.db"
            shutil.copy(self.tmp / "seed-sor.db", sor)
            shutil.copy(self.tmp / "seed-store.db", store)
            return f"sqlite:///{sor}", f"sqlite:///{store}"
        self.admin.dispose()  # pooled connections die with every server stop
        name = f"{self.template}_{self.copies}"
        self._sql(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        self.created.append(name)
        url = make_url(self.server).set(database=name).render_as_string(hide_password=False)
        return url, url

    def close(self) -> None:
        """Drop every database this backend created, or remove the private cluster whole."""
        if self.kind != "postgres":
            return
        try:
            if self.cluster is None:
                for name in [*self.created, self.template]:
                    self._sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            self.admin.dispose()
            if self.cluster is not None:
                self.cluster.remove()


def plans_for(kind: str, backend: str, args: argparse.Namespace) -> list[tuple[str, CrashPlan]]:
    """The named plans of one crash kind on one backend."""
    common: dict[str, Any] = {"workers": args.workers, "lease_seconds": 1.0, "max_seconds": 600}
    if kind in ("kill", "stall"):
        crash: CrashKind = "kill" if kind == "kill" else "stall"
        return [
            (
                f"{kind}@{fp}",
                CrashPlan(
                    failpoints=[fp] * args.kills_per_failpoint, crash_kind=crash, seed=args.seeds[0], **common
                ),
            )
            for fp in FAILPOINTS
        ]
    if kind == "postgres":
        return [
            (
                f"postgres@{fp}",
                CrashPlan(
                    failpoints=[fp],
                    crash_kind="postgres",
                    pause_probability=PAUSE_PROBABILITY.get(fp, 0.25),
                    stop_every_pauses=30,
                    stop_gap_seconds=1.0,
                    postgres_stops=args.stops_per_run,
                    outage_seconds=args.outage_seconds,
                    breaker_reset_seconds=2.0,
                    seed=args.seeds[0],
                    **common,
                ),
            )
            for fp in FAILPOINTS
        ]
    plans = []
    for seed in args.seeds:
        plan = CrashPlan(
            random_spec=RANDOM_SPEC,
            kill_rate=0.3,
            terminate_every=3.0 if backend == "postgres" else None,
            restart_postgres_at=(8.0,) if backend == "postgres" and args.restart_postgres else (),
            restart_postgres_every=(4.0, 10.0) if kind == "postgres-random" else None,
            outage_seconds=args.outage_seconds,
            breaker_reset_seconds=2.0 if kind == "postgres-random" else 10.0,
            seed=seed,
            **common,
        )
        plans.append((f"{kind}/seed{seed}", plan))
    return plans


def main() -> int:
    """Run the matrix and write one JSON document with every run's counts."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--claims", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgres"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[1, 2, 3])
    parser.add_argument("--kills-per-failpoint", type=int, default=3)
    parser.add_argument("--kinds", nargs="+", choices=KINDS, default=["kill", "stall", "random"])
    parser.add_argument("--stops-per-run", type=int, default=6, help="server stops per `postgres` run")
    parser.add_argument("--outage-seconds", type=float, default=1.5, help="how long the server stays down")
    parser.add_argument(
        "--restart-postgres", action="store_true", help="also restart it 8 s into random runs"
    )
    parser.add_argument("--server", default=None, help="an existing PostgreSQL server (never stopped)")
    parser.add_argument("--out", type=Path, default=Path("bench/results/faults.json"))
    args = parser.parse_args()
    if args.server and (args.restart_postgres or set(args.kinds) & set(STOPPING)):
        parser.error(
            "--server is never stopped: drop it to run the server-stopping kinds on a private cluster"
        )

    runs: list[dict[str, Any]] = []
    started = time.monotonic()
    for backend_kind in args.backends:
        kinds = [k for k in args.kinds if backend_kind == "postgres" or k not in STOPPING]
        if not kinds:
            continue
        with tempfile.TemporaryDirectory(prefix="interlock-faults-") as tmp:
            backend = Backend(backend_kind, args.claims, args.seeds[0], Path(tmp), args.server)
            try:
                plans = [p for kind in kinds for p in plans_for(kind, backend_kind, args)]
                for name, plan in plans:
                    run = run_crash(*backend.fresh(), backend.backlog, plan, cluster=backend.cluster)
                    row = {
                        "backend": backend_kind,
                        "plan": name,
                        "claims": len(backend.backlog),
                        **run.as_dict(),
                    }
                    runs.append(row)
                    inv = row["invariants"]
                    print(
                        f"{backend_kind:8} {name:28} {row['seconds']:6.1f}s ok={inv['ok']} lost={inv['lost']} "
                        f"dup={inv['duplicated']} div={inv['divergent']} "
                        f"pended+adj={inv['pended_with_adjudication']} "
                        f"kills={sum(row['failpoint_kills'].values())}+{row['harness_kills']} "
                        f"stalls={sum(row['stalls'].values())} term={row['terminations']} "
                        f"restarts={row['postgres_restarts']} pauses={row['pauses']} "
                        f"dberrors={row['database_errors']} starts={row['starts']}",
                        flush=True,
                    )
            finally:
                backend.close()
    summary = {
        "claims": args.claims,
        "workers": args.workers,
        "seconds": round(time.monotonic() - started, 1),
        "all_ok": all(r["invariants"]["ok"] for r in runs),
        "runs": runs,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(summary, indent=1, default=str) + "\n", encoding="utf-8")
    print(f"{len(runs)} runs, all ok: {summary['all_ok']}, {summary['seconds']} s -> {args.out}")
    return 0 if summary["all_ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
