"""How throughput grows with the number of queue workers.

    .venv/bin/python bench/worker_scaling.py [--claims 20000] [--workers 1 2 4]
        [--concurrency 8] [--latency 0.2] [--server URL] [--out bench/worker_scaling.json]

Seeds one PostgreSQL system of record (store and queue in the same database) with
``--claims`` backlog claims into a template database, then for each worker count: copies
the template to a fresh database (``CREATE DATABASE ... TEMPLATE``), enqueues the whole
backlog, starts that many ``interlock worker --burst`` processes and waits until they
have all exited, then runs the invariant checker. Claims that need clinical judgement
(rule 9) call a loopback OpenAI-compatible server (``openai:scripted`` with
``OPENAI_BASE_URL``) that answers after ``--latency`` seconds; the others never reach a
model, so the latency only weighs on that share.

Throughput is measured over the processing window (first work item created to last
one done), which leaves out each process's start-up (imports, the ICD-10-CM code set);
the wall time including start-up is recorded too, and so is the CPU time the workers
used (claims per CPU-second, start-up included), which depends far less on what else
the machine is doing. On a shared machine compare ratios and CPU cost, not the
absolute rates, and rerun before drawing conclusions.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import secrets
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from interlock.db import make_engine, normalize_url
from interlock.domains.claims.invariants import check_invariants
from interlock.domains.claims.testing.crash import seed_backlog
from interlock.domains.claims.testing.model_server import Reply, ScriptedModelServer, echo_policies_responder
from interlock.work.queue import build_queue, enqueue_records, ensure_queue_schema, refresh_queue_statistics

DEFAULT_SERVER = os.environ.get("INTERLOCK_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def _admin(server: str) -> Any:
    return create_engine(normalize_url(server), isolation_level="AUTOCOMMIT")


def _url(server: str, name: str) -> str:
    return make_url(server).set(database=name).render_as_string(hide_password=False)


def _responder(latency: float) -> Any:
    answer = echo_policies_responder()

    def respond(request: dict[str, Any]) -> Reply:
        return Reply(content=answer(request), delay=latency)

    return respond


def _window(url: str) -> tuple[float, int]:
    """Seconds from the first work item created to the last one done, and the done count."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            row = conn.execute(
                text(
                    "SELECT EXTRACT(EPOCH FROM max(updated_at) - min(created_at)), count(*) "
                    "FROM work_items WHERE status = 'done'"
                )
            ).one()
    finally:
        engine.dispose()
    return float(row[0] or 0.0), int(row[1])


def _children_cpu() -> float:
    """User + system CPU seconds of the finished worker processes so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_once(
    server: str,
    template: str,
    backlog: list[str],
    workers: int,
    args: argparse.Namespace,
    env: dict[str, str],
) -> dict[str, Any]:
    """One fresh copy of the backlog drained by ``workers`` burst workers."""
    name = f"interlock_scaling_{workers}w_{secrets.token_hex(4)}"
    admin = _admin(server)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    url = _url(server, name)
    try:
        queue = build_queue(url)
        queue.open()
        try:
            enqueued = enqueue_records(queue, "claims.adjudicate", backlog).enqueued
        finally:
            queue.close()
        refresh_queue_statistics(url)
        argv = [
            sys.executable,
            "-m",
            "interlock",
            "worker",
            "--sor",
            url,
            "--store",
            url,
            "--burst",
            "--model",
            "openai:scripted",
            "--concurrency",
            str(args.concurrency),
            "--poll-seconds",
            "0.5",
        ]
        started = time.monotonic()
        cpu_before = _children_cpu()
        load_before = os.getloadavg()[0]
        procs = [
            subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # noqa: S603 - fixed argv
            for _ in range(workers)
        ]
        summaries = []
        for p in procs:
            out, err = p.communicate()
            if p.returncode != 0:
                raise SystemExit(f"worker exited {p.returncode}: {err[-2000:]}")
            summaries.append(json.loads(out.strip().splitlines()[-1]))
        wall = time.monotonic() - started
        cpu = _children_cpu() - cpu_before
        window, done = _window(url)
        engine = make_engine(url)
        try:
            report = check_invariants(engine, engine, backlog)
        finally:
            engine.dispose()
        return {
            "workers": workers,
            "concurrency": args.concurrency,
            "claims": len(backlog),
            "enqueued": enqueued,
            "done": done,
            "window_seconds": round(window, 2),
            "wall_seconds": round(wall, 2),
            "claims_per_second": round(done / window, 2) if window else None,
            "worker_cpu_seconds": round(cpu, 1),
            "load_average_1m_at_start": round(load_before, 1),
            "claims_per_cpu_second": round(done / cpu, 2) if cpu else None,
            "per_worker": [
                {k: s[k] for k in ("finished", "rescheduled", "recovered", "seconds")} for s in summaries
            ],
            "invariants": report.as_dict(),
        }
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def main() -> int:
    """Seed, run each worker count on a fresh copy, print a table and write JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--claims", type=int, default=20_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--concurrency", type=int, default=8, help="jobs in flight per worker")
    parser.add_argument("--latency", type=float, default=0.2, help="model answer delay, seconds")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--server", default=DEFAULT_SERVER, help="PostgreSQL server URL (any database)")
    parser.add_argument("--out", type=Path, default=Path("bench/worker_scaling.json"))
    args = parser.parse_args()

    template = f"interlock_scaling_tpl_{secrets.token_hex(4)}"
    admin = _admin(args.server)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{template}"')
    runs: list[dict[str, Any]] = []
    try:
        t0 = time.monotonic()
        tpl_url = _url(args.server, template)
        backlog = seed_backlog(tpl_url, tpl_url, claims=args.claims, seed=args.seed)
        ensure_queue_schema(tpl_url)
        print(f"seeded {len(backlog)} claims in {time.monotonic() - t0:.1f} s", flush=True)
        with ScriptedModelServer(_responder(args.latency)) as model:
            env = {k: v for k, v in os.environ.items() if not k.startswith(("INTERLOCK_", "OPENAI_"))}
            env.update(OPENAI_BASE_URL=model.base_url, OPENAI_API_KEY="bench")
            for n in args.workers:
                before = len(model.requests)
                run = run_once(args.server, template, backlog, n, args, env)
                run["model_calls"] = len(model.requests) - before
                runs.append(run)
                print(
                    f"{n} worker(s): {run['claims_per_second']} claims/s over {run['window_seconds']} s, "
                    f"invariants ok={run['invariants']['ok']}",
                    flush=True,
                )
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')
        admin.dispose()

    base = next((r["claims_per_second"] for r in runs if r["workers"] == 1), None)
    for r in runs:
        r["scaling_vs_1"] = (
            round(r["claims_per_second"] / base, 2) if base and r["claims_per_second"] else None
        )
    result = {
        "claims": args.claims,
        "latency_seconds": args.latency,
        "concurrency_per_worker": args.concurrency,
        "cpus": os.cpu_count(),
        "load_average_at_end": os.getloadavg(),
        "runs": runs,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(
        f"\n{'workers':>7} {'claims/s':>9} {'x vs 1':>7} {'window s':>9} {'wall s':>7} "
        f"{'claims/cpu-s':>12} {'model calls':>11} {'ok':>3}"
    )
    for r in runs:
        print(
            f"{r['workers']:>7} {r['claims_per_second']:>9} {r['scaling_vs_1']!s:>7} {r['window_seconds']:>9} "
            f"{r['wall_seconds']:>7} {r['claims_per_cpu_second']!s:>12} {r['model_calls']:>11} "
            f"{'yes' if r['invariants']['ok'] else 'NO':>3}"
        )
    print(f"written to {args.out}")
    return 0 if all(r["invariants"]["ok"] for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
