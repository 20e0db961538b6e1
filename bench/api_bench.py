"""Task runs per second through HTTP, beside the same runs in process, measured in one run.

    .venv/bin/python bench/api_bench.py [--claims 3000] [--mix generated|rules]
        [--processes 1 2] [--connections 8] [--threads 4] [--out bench/api.json]

Both sides run ``claims.adjudicate`` with the embedded baseline model (in process, so
zero network latency) on SQLite files, each side on its own copy of one seeded world:

* ``--mix generated`` (default): the reference generator's backlog, the realistic mix
  of clean claims, rule denials, duplicates, clinical judgement by the model and
  claims sent to review; ``--mix rules``: claims that rules 1-8 approve, so no model;
* in process: :meth:`Engine.process` from ``--threads`` threads, with the work
  store's group commit as the API uses it;
* HTTP: ``interlock serve --processes P`` started as its own process(es), and
  ``POST /v1/tasks/claims.adjudicate/{id}`` (API key, sync mode) sent by an asyncio
  load generator over ``--connections`` keep-alive connections. The generator speaks
  HTTP/1.1 on raw sockets so that its own cost (measured, and reported) stays small
  beside the server's on the same cores.

Every response is checked (status 200, a route in the body); any other answer is
counted as an error and fails the run. Reported per side: runs/s, p50 and p99 latency,
and CPU milliseconds per run (server processes, and the load generator). Target from
the issue: >= 300 runs/s and p99 < 100 ms on 2 cores. Compare ratios on a shared
machine, not absolute rates; writes JSON (``--out``) and prints a short table.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from interlock.domains.claims.testing.api_world import SERVICE_KEY, TokenIssuer, free_port, settings_for
from interlock.assembly import build_engine
from interlock.db import make_engine, normalize_url
from interlock.domains.claims import schema as t
from interlock.domains.claims.baseline import train_baseline
from interlock.domains.claims.connector import SqlClaimsConnector
from interlock.domains.claims.generator import seed as generate
from interlock.domains.claims.pack import load_baseline, save_baseline
from interlock.domains.claims.testing.handmade import add_claim, seed_reference
from interlock.domains.claims.training import load_training_examples
from interlock.policy.principal import service_principal
from interlock.store.migrations import prepare_store
from interlock.work.store import WorkStore

DB_FILES = ("sor.db", "store.db")
WARM_UP = 40
DEFAULT_SERVER = os.environ.get("INTERLOCK_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


@dataclass(frozen=True)
class World:
    """One side's databases, and a folder for its key files and server log."""

    directory: Path
    sor_url: str
    store_url: str


def sqlite_world(directory: Path) -> World:
    """Both databases as SQLite files in ``directory``."""
    return World(directory, f"sqlite:///{directory / 'sor.db'}", f"sqlite:///{directory / 'store.db'}")


def seed_world(world: World, claims: int, mix: str) -> list[str]:
    """Seed both databases of ``world``; the backlog's claim ids, in order."""
    settings_for(world.directory, TokenIssuer())  # the key and JWKS files a server trusts
    sor, store = make_engine(world.sor_url), make_engine(world.store_url)
    t.metadata.create_all(sor)
    if mix == "rules":
        seed_reference(sor)
        for i in range(claims):
            add_claim(sor, f"B-{i:05d}", service_date=date(2025, 1, 1) + timedelta(days=i % 360))
    else:
        generate(sor, claims=claims, seed=1)
    prepare_store(store)
    if mix == "generated":
        artifact = train_baseline(load_training_examples(sor), seed=1)
        save_baseline(store, artifact, asdict(artifact.metrics), now=datetime.now(UTC))
    with sor.connect() as conn:
        ids = list(
            conn.execute(
                select(t.claims.c.claim_id)
                .where(t.claims.c.status == "received")
                .order_by(t.claims.c.claim_id)
            ).scalars()
        )
    sor.dispose()
    store.dispose()
    return ids


def copy_world(source: World, target: Path, server: str | None) -> World:
    """A fresh copy of a seeded world, so every side starts from the same state.

    SQLite: the files. PostgreSQL: ``CREATE DATABASE ... TEMPLATE`` of the seeded one
    (system of record and store share a database; their table names do not overlap).
    """
    target.mkdir()
    for name in ("jwks.json", "keys.toml"):
        shutil.copy(source.directory / name, target / name)
    if server is None:
        for name in DB_FILES:
            for suffix in ("", "-wal", "-shm"):
                if (source.directory / (name + suffix)).exists():
                    shutil.copy(source.directory / (name + suffix), target / (name + suffix))
        return sqlite_world(target)
    url = _new_database(server, f"interlock_bench_{target.name}", template=make_url(source.sor_url).database)
    return World(target, url, url)


def pg_world(directory: Path, server: str) -> World:
    """An empty PostgreSQL database for the seeded template."""
    url = _new_database(server, "interlock_bench_template")
    return World(directory, url, url)


def _new_database(server: str, name: str, *, template: str | None = None) -> str:
    """(Re)create database ``name`` on ``server``, empty or as a copy of ``template``; its URL."""
    admin = create_engine(normalize_url(server), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
    admin.dispose()
    return make_url(server).set(database=name).render_as_string(hide_password=False)


def drop_databases(server: str) -> None:
    """Drop every database this benchmark created."""
    admin = create_engine(normalize_url(server), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        names = conn.execute(
            text("SELECT datname FROM pg_database WHERE datname LIKE 'interlock_bench_%'")
        ).scalars()
        for name in list(names):
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def summarize(latencies: list[float], wall: float, routes: Counter[str], errors: int) -> dict[str, Any]:
    """Throughput and latency percentiles of one side."""
    latencies = sorted(latencies)
    return {
        "runs": len(latencies),
        "errors": errors,
        "routes": dict(routes),
        "seconds": round(wall, 3),
        "runs_per_second": round(len(latencies) / wall, 1),
        "p50_ms": round(1000 * statistics.median(latencies), 2),
        "p90_ms": round(1000 * latencies[int(0.90 * len(latencies))], 2),
        "p99_ms": round(1000 * latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))], 2),
        "max_ms": round(1000 * latencies[-1], 2),
    }


# -- in process ----------------------------------------------------------------------------


def in_process(world: World, ids: list[str], threads: int, model: str) -> dict[str, Any]:
    """The engine called directly from ``threads`` threads, as the API's threads call it."""
    store = make_engine(world.store_url)
    engine = build_engine(
        "claims.adjudicate",
        connector=SqlClaimsConnector(make_engine(world.sor_url)),
        store=WorkStore.grouped(store),
        principal=service_principal("batch"),
        model=load_baseline(store) if model == "baseline" else None,
    )
    for claim_id in ids[:WARM_UP]:
        engine.process(claim_id)
    latencies: list[float] = []
    routes: Counter[str] = Counter()
    lock = threading.Lock()

    def run(claim_id: str) -> None:
        started = time.perf_counter()
        route = engine.process(claim_id).route
        elapsed = time.perf_counter() - started
        with lock:
            latencies.append(elapsed)
            routes[route] += 1

    cpu, started = process_cpu(), time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(run, ids[WARM_UP:]))
    wall, cpu = time.perf_counter() - started, process_cpu() - cpu
    result = summarize(latencies, wall, routes, errors=0)
    result["cpu_ms_per_run"] = round(1000 * cpu / len(latencies), 2)
    return result


def process_cpu() -> float:
    """CPU seconds this process has used."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# -- over HTTP -----------------------------------------------------------------------------


def tree_cpu(pid: int) -> float:
    """CPU seconds used by process ``pid`` and its live descendants (Linux ``/proc``)."""
    tick = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        times[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        total += times.get(current, 0.0)
        todo.extend(child for child, parent in parents.items() if parent == current)
    return total


def start_server(world: World, processes: int, port: int, model: str) -> subprocess.Popen[bytes]:
    """``interlock serve`` over ``world``, ready to answer."""
    directory = world.directory
    settings = settings_for(directory, TokenIssuer()).model_copy(
        update={"sor_url": world.sor_url, "store_url": world.store_url}
    )
    env = {k: v for k, v in os.environ.items() if k != "INTERLOCK_CONFIG"}
    log = (directory / "server.log").open("wb")
    command = [
        sys.executable, "-m", "interlock", "serve",
        "--sor", settings.sor_url, "--store", settings.store_url,
        "--api-keys", str(settings.api_keys_file), "--jwks-file", str(settings.jwks_file),
        "--issuer", str(settings.jwt_issuer), "--audience", str(settings.jwt_audience),
        "--model", model, "--workers", "1", "--processes", str(processes),
        "--host", "127.0.0.1", "--port", str(port), "--insecure-cookies",
    ]  # fmt: skip
    # Its own session: whatever happens, the whole group can be stopped (see _stop).
    server = subprocess.Popen(  # noqa: S603 - fixed argv
        command, env=env, stdout=subprocess.DEVNULL, stderr=log, start_new_session=True
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"server exited: {(directory / 'server.log').read_text()[-2000:]}")
        try:
            status = asyncio.run(_get_status(port, "/readyz"))
        except OSError:
            status = 0
        if status == 200 and (processes == 1 or _all_processes_up(server.pid, processes)):
            return server
        time.sleep(0.2)
    _stop(server)
    raise RuntimeError("server did not become ready")


def _stop(server: subprocess.Popen[bytes]) -> None:
    """SIGTERM the server and wait; then SIGKILL its whole process group if anything is left."""
    server.terminate()
    try:
        server.wait(timeout=30)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)


def _all_processes_up(pid: int, processes: int) -> bool:
    """True once uvicorn's supervisor has started every process (each has loaded its app)."""
    children = [p for p in Path("/proc").iterdir() if p.name.isdigit() and _parent(p) == pid]
    # Loading the app takes seconds of CPU; the supervisor's resource tracker takes none.
    return sum(tree_cpu(int(c.name)) > 0.5 for c in children) >= processes


def _parent(proc: Path) -> int:
    try:
        return int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return -1


async def _get_status(port: int, path: str) -> int:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n".encode())
    status = int((await reader.readline()).split()[1])
    writer.close()
    return status


async def _connection(
    port: int, ids: list[str], record: Callable[[float, int, bytes], None], key: str
) -> None:
    """One keep-alive connection sending the next claim until none is left."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    while ids:
        claim_id = ids.pop()
        request = (
            f"POST /v1/tasks/claims.adjudicate/{claim_id} HTTP/1.1\r\nHost: bench\r\n"
            f"X-API-Key: {key}\r\nContent-Length: 0\r\n\r\n"
        ).encode()
        started = time.perf_counter()
        writer.write(request)
        status = int((await reader.readline()).split()[1])
        length = 0
        while (line := await reader.readline()) != b"\r\n":
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        body = await reader.readexactly(length)
        record(time.perf_counter() - started, status, body)
    writer.close()


def load(port: int, ids: list[str], connections: int) -> tuple[list[float], Counter[str], int, float]:
    """Send every claim over ``connections`` connections; latencies, routes, errors, wall seconds."""
    latencies: list[float] = []
    routes: Counter[str] = Counter()
    errors = [0]

    def record(elapsed: float, status: int, body: bytes) -> None:
        latencies.append(elapsed)
        if status == 200:
            routes[json.loads(body)["route"]] += 1
        else:
            errors[0] += 1
            if errors[0] <= 3:
                print(f"error {status}: {body[:300]!r}", file=sys.stderr)

    todo = list(reversed(ids))

    async def main() -> None:
        await asyncio.gather(*(_connection(port, todo, record, SERVICE_KEY) for _ in range(connections)))

    started = time.perf_counter()
    asyncio.run(main())
    return latencies, routes, errors[0], time.perf_counter() - started


def over_http(world: World, ids: list[str], processes: int, connections: int, model: str) -> dict[str, Any]:
    """The same runs through ``interlock serve --processes N`` on loopback."""
    port = free_port()
    server = start_server(world, processes, port, model)
    try:
        load(port, ids[:WARM_UP], connections)
        server_cpu, own_cpu = tree_cpu(server.pid), process_cpu()
        latencies, routes, errors, wall = load(port, ids[WARM_UP:], connections)
        server_cpu, own_cpu = tree_cpu(server.pid) - server_cpu, process_cpu() - own_cpu
    finally:
        _stop(server)
    result = summarize(latencies, wall, routes, errors)
    result["processes"] = processes
    result["connections"] = connections
    result["server_cpu_ms_per_run"] = round(1000 * server_cpu / len(latencies), 2)
    result["load_generator_cpu_ms_per_run"] = round(1000 * own_cpu / len(latencies), 2)
    return result


def main() -> None:
    """Seed once, measure in process and over HTTP, write the JSON report and a table."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--claims", type=int, default=3000)
    parser.add_argument("--mix", choices=("generated", "rules"), default="generated")
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--server", default=DEFAULT_SERVER, help="PostgreSQL server URL (--backend postgres)")
    parser.add_argument("--out", type=Path, default=Path("bench/api.json"))
    args = parser.parse_args()
    server = args.server if args.backend == "postgres" else None
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "world").mkdir()
        world = sqlite_world(Path(tmp, "world")) if server is None else pg_world(Path(tmp, "world"), server)
        try:
            started = time.perf_counter()
            ids = seed_world(world, args.claims, args.mix)
            print(f"seeded {len(ids)} backlog claims ({args.mix}) in {time.perf_counter() - started:.1f} s")
            model = "baseline" if args.mix == "generated" else "none"
            inproc = copy_world(world, Path(tmp, "inproc"), server)
            sides: dict[str, Any] = {"in_process": in_process(inproc, ids, args.threads, model)}
            for n in args.processes:
                target = copy_world(world, Path(tmp, f"http{n}"), server)
                sides[f"http_{n}_processes"] = over_http(target, ids, n, args.connections, model)
        finally:
            if server is not None:
                drop_databases(server)
    results = {
        "claims": len(ids),
        "mix": args.mix,
        "backend": args.backend,
        "cores": os.cpu_count(),
        "load_average_1m": round(os.getloadavg()[0], 2),
        **sides,
        "target": {"runs_per_second": 300, "p99_ms": 100},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    base = sides["in_process"]["runs_per_second"]
    print(
        f"{'side':18s} {'runs/s':>8s} {'x in-proc':>9s} {'p50 ms':>8s} {'p99 ms':>8s} {'cpu ms/run':>10s}  routes"
    )
    for name, row in sides.items():
        cpu = row.get("server_cpu_ms_per_run", row.get("cpu_ms_per_run"))
        print(
            f"{name:18s} {row['runs_per_second']:8.1f} {row['runs_per_second'] / base:9.2f} "
            f"{row['p50_ms']:8.2f} {row['p99_ms']:8.2f} {cpu:10.2f}  {row['routes']}"
        )
    if any(row.get("errors") for row in sides.values()):
        raise SystemExit("some runs failed; see the errors above")


if __name__ == "__main__":
    main()
