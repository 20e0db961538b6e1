"""Task runs per second through HTTP against the same engine in process, measured in one run.

Both sides run ``claims.adjudicate`` on the same kind of claims (rules decide them, so
no model is called and the embedded path is what is measured) on SQLite files with the
pragmas ``make_engine`` sets:

* in process: ``ClaimsEngine.process`` called from ``--concurrency`` threads;
* HTTP: ``POST /v1/tasks/claims.adjudicate/{id}`` (API key auth, sync mode) to a
  uvicorn server on loopback from ``--concurrency`` client threads.

The difference is the cost of the HTTP layer: parsing, authentication, the scoped
version check and the response. Target from the issue: >= 300 runs/s and p99 < 100 ms
on 2 cores. Writes JSON (``--out``) and prints a short table. Usage::

    .venv/bin/python bench/api_bench.py --claims 600 --concurrency 4 --out bench/results/api.json
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx2 as httpx

from interlock.api.app import create_app
from interlock.api.testing import SERVICE_KEY, LiveServer, TokenIssuer, seed_review_world, settings_for
from interlock.audit.chain import AuditLog
from interlock.connectors.sql_claims import SqlClaimsConnector
from interlock.db import make_engine
from interlock.engine import ClaimsEngine
from interlock.policy.principal import service_principal
from interlock.testing.handmade import add_claim
from interlock.work.store import WorkStore


def seed(directory: Path, n: int) -> list[str]:
    """A review world plus ``n`` claims that rules 1-8 approve, each on its own service date."""
    seed_review_world(directory, TokenIssuer())
    sor = make_engine(f"sqlite:///{directory / 'sor.db'}")
    ids = [f"B-{i:05d}" for i in range(n)]
    for i, claim_id in enumerate(ids):
        add_claim(sor, claim_id, service_date=date(2025, 1, 1) + timedelta(days=i % 360))
    sor.dispose()
    return ids


def measure(call: Callable[[str], None], ids: list[str], concurrency: int) -> dict[str, Any]:
    """Run ``call`` over ``ids`` from a thread pool; throughput and latency percentiles."""
    latencies: list[float] = []
    lock = threading.Lock()

    def timed(claim_id: str) -> None:
        started = time.perf_counter()
        call(claim_id)
        elapsed = time.perf_counter() - started
        with lock:
            latencies.append(elapsed)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(timed, ids))
    wall = time.perf_counter() - started
    latencies.sort()
    return {
        "runs": len(ids),
        "seconds": round(wall, 3),
        "runs_per_second": round(len(ids) / wall, 1),
        "p50_ms": round(1000 * statistics.median(latencies), 2),
        "p99_ms": round(1000 * latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))], 2),
    }


def in_process(directory: Path, ids: list[str], concurrency: int) -> dict[str, Any]:
    """The engine called directly, as the local runner does."""
    store = make_engine(f"sqlite:///{directory / 'store.db'}")
    engine = ClaimsEngine(
        connector=SqlClaimsConnector(make_engine(f"sqlite:///{directory / 'sor.db'}")),
        store=WorkStore(store, AuditLog(store)),
        principal=service_principal("batch"),
        model=None,
    )

    def run(claim_id: str) -> None:
        assert engine.process(claim_id).route == "commit"

    return measure(run, ids, concurrency)


def over_http(directory: Path, ids: list[str], concurrency: int) -> dict[str, Any]:
    """The same runs through the API on loopback."""
    settings = settings_for(directory, TokenIssuer())
    local = threading.local()
    with LiveServer(create_app(settings)) as server:

        def run(claim_id: str) -> None:
            client = getattr(local, "client", None)
            if client is None:
                client = local.client = httpx.Client(
                    base_url=server.url, headers={"X-API-Key": SERVICE_KEY}, timeout=60
                )
            response = client.post(f"/v1/tasks/claims.adjudicate/{claim_id}")
            assert response.status_code == 200 and response.json()["route"] == "commit", response.text

        return measure(run, ids, concurrency)


def main() -> None:
    """Measure both sides and write the JSON report."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--claims", type=int, default=600)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--out", type=Path, default=Path("bench/results/api.json"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        a, b = Path(tmp, "inproc"), Path(tmp, "http")
        a.mkdir()
        b.mkdir()
        ids_a, ids_b = seed(a, args.claims), seed(b, args.claims)
        results = {
            "claims": args.claims,
            "concurrency": args.concurrency,
            "in_process": in_process(a, ids_a, args.concurrency),
            "http": over_http(b, ids_b, args.concurrency),
            "target": {"runs_per_second": 300, "p99_ms": 100},
        }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    for side in ("in_process", "http"):
        row = results[side]
        print(
            f"{side:10s} {row['runs_per_second']:8.1f} runs/s  p50 {row['p50_ms']:7.2f} ms  p99 {row['p99_ms']:7.2f} ms"
        )


if __name__ == "__main__":
    main()
