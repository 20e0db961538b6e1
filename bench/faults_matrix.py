"""The crash matrix: every failpoint x both crash kinds, plus random faults, over 1,000 claims.

    .venv/bin/python bench/faults_matrix.py [--claims 1000] [--backends sqlite postgres]
        [--seeds 1 2 3] [--restart-postgres] [--out bench/results/faults.json]

Each run starts from a fresh copy of one seeded system of record (a file copy on SQLite,
``CREATE DATABASE ... TEMPLATE`` on PostgreSQL), runs four workers under one fault plan
until the backlog drains, and records the invariant checker's counts. ``--restart-postgres``
restarts the whole local cluster (immediate mode) during the random runs: it disturbs
every other user of the server, so it is never part of the test suite.
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
from interlock.testing.crash import CrashKind, CrashPlan, run_crash, seed_backlog
from interlock.work.failpoints import FAILPOINTS

PG_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
RANDOM_SPEC = ",".join(f"{fp}=kill:0.004" for fp in FAILPOINTS)


class Backend:
    """Seeds once, then hands out fresh copies of the seeded databases."""

    def __init__(self, kind: str, claims: int, seed: int, tmp: Path) -> None:
        self.kind, self.tmp, self.copies = kind, tmp, 0
        if kind == "sqlite":
            self.urls = (f"sqlite:///{tmp / 'seed-sor.db'}", f"sqlite:///{tmp / 'seed-store.db'}")
        else:
            self.admin = create_engine(normalize_url(PG_SERVER), isolation_level="AUTOCOMMIT")
            self.template = f"interlock_faults_{secrets.token_hex(4)}"
            self._sql(f'CREATE DATABASE "{self.template}"')
            url = make_url(PG_SERVER).set(database=self.template).render_as_string(hide_password=False)
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
        name = f"{self.template}_{self.copies}"
        self._sql(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        self.created.append(name)
        url = make_url(PG_SERVER).set(database=name).render_as_string(hide_password=False)
        return url, url

    def close(self) -> None:
        """Drop every database this backend created."""
        if self.kind == "postgres":
            for name in [*self.created, self.template]:
                self._sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            self.admin.dispose()


def main() -> int:
    """Run the matrix and write one JSON document with every run's counts."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--claims", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgres"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[1, 2, 3])
    parser.add_argument("--kills-per-failpoint", type=int, default=3)
    parser.add_argument("--restart-postgres", action="store_true")
    parser.add_argument("--out", type=Path, default=Path("bench/results/faults.json"))
    args = parser.parse_args()

    runs: list[dict[str, Any]] = []
    started = time.monotonic()
    for kind in args.backends:
        with tempfile.TemporaryDirectory(prefix="interlock-faults-") as tmp:
            backend = Backend(kind, args.claims, args.seeds[0], Path(tmp))
            try:
                plans: list[tuple[str, CrashPlan]] = []
                crash_kinds: tuple[CrashKind, ...] = ("kill", "stall")
                for crash in crash_kinds:
                    for fp in FAILPOINTS:
                        plan = CrashPlan(
                            workers=args.workers,
                            lease_seconds=1.0,
                            failpoints=[fp] * args.kills_per_failpoint,
                            crash_kind=crash,
                            seed=args.seeds[0],
                            max_seconds=600,
                        )
                        plans.append((f"{crash}@{fp}", plan))
                for seed in args.seeds:
                    plan = CrashPlan(
                        workers=args.workers,
                        lease_seconds=1.0,
                        random_spec=RANDOM_SPEC,
                        kill_rate=0.3,
                        terminate_every=3.0 if kind == "postgres" else None,
                        restart_postgres_at=(8.0,) if kind == "postgres" and args.restart_postgres else (),
                        seed=seed,
                        max_seconds=600,
                    )
                    plans.append((f"random/seed{seed}", plan))
                for name, plan in plans:
                    run = run_crash(*backend.fresh(), backend.backlog, plan)
                    row = {"backend": kind, "plan": name, "claims": len(backend.backlog), **run.as_dict()}
                    runs.append(row)
                    inv = row["invariants"]
                    print(
                        f"{kind:8} {name:28} {row['seconds']:6.1f}s ok={inv['ok']} lost={inv['lost']} "
                        f"dup={inv['duplicated']} div={inv['divergent']} kills={sum(row['failpoint_kills'].values())}"
                        f"+{row['harness_kills']} stalls={sum(row['stalls'].values())} "
                        f"term={row['terminations']} restarts={row['postgres_restarts']}",
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
