"""``interlock worker``, ``interlock queue`` and ``adjudicate --queue``: the distributed mode.

``adjudicate --queue`` puts one job per claim in the PostgreSQL work queue instead of
deciding the claims in-process; any number of ``interlock worker`` processes, on any
number of machines, then drain it. The queue's tables are created on first use by
either command (or ahead of time with ``interlock queue init``). Like ``adjudicate``,
the worker takes what it is not told from the settings (URLs, model chain, policy file,
engine knobs), so every worker of a deployment can share one configuration file.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
from dataclasses import replace
from typing import Annotated, Any

import typer

from interlock.cli.app import ShadowModelOpt, ShadowThresholdOpt, app
from interlock.cli.common import (
    SOR_HELP,
    STORE_HELP,
    console,
    fail,
    open_sor,
    out,
    resolve_principal,
)
from interlock.cli.configured import endpoints, engine_settings, pick, settings
from interlock.cli.configured import policy as configured_policy
from interlock.cli.configured import shadow as configured_shadow

#: The task the queue commands enqueue and work on.
TASK = "claims.adjudicate"

queue_app = typer.Typer(help="The PostgreSQL work queue shared by workers.", no_args_is_help=True)
app.add_typer(queue_app, name="queue")

QUEUE_URL_HELP = "PostgreSQL URL of the work queue (default: the store, which must then be PostgreSQL)."
QueueUrlOpt = Annotated[str | None, typer.Option("--queue-url", help=QUEUE_URL_HELP)]


def _queue_url(store: str, queue_url: str | None) -> str:
    from interlock.exceptions import ConfigurationError  # noqa: PLC0415
    from interlock.work.queue import ensure_queue_schema, queue_url_for  # noqa: PLC0415

    try:
        url = queue_url_for(store, queue_url)
        ensure_queue_schema(url)
    except ConfigurationError as exc:
        fail(str(exc))
    except Exception as exc:  # an unreachable server is the operator's to fix, not a trace
        fail(f"cannot open the work queue: {exc}")
    return url


def enqueue_command(
    *, sor: str | None, store: str | None, as_: str, claim: str | None, queue_url: str | None, json_out: bool
) -> None:
    """``adjudicate --queue``: one job per claim (or for ``claim``), deduplicated."""
    from interlock.assembly import connector_for  # noqa: PLC0415
    from interlock.audit.chain import AuditLog  # noqa: PLC0415
    from interlock.db import make_engine  # noqa: PLC0415
    from interlock.exceptions import InterlockError  # noqa: PLC0415
    from interlock.policy.document import default_policy  # noqa: PLC0415
    from interlock.work.queue import build_queue, enqueue_records, refresh_queue_statistics  # noqa: PLC0415
    from interlock.work.store import WorkStore  # noqa: PLC0415

    if as_ != "service":
        fail("queued claims are decided by workers as the service principal: use --as service")
    conf = settings()
    sor, store = pick(sor, conf.sor_url), pick(store, conf.store_url)
    url = _queue_url(store, queue_url)
    sor_engine, store_engine = make_engine(sor), make_engine(store)
    connector = connector_for(TASK, sor_engine)
    try:
        principal = resolve_principal(connector, as_)
        # The workers' policy, so that the claims enqueued are the claims they may decide.
        scope = (configured_policy(conf) or default_policy()).claim_scope(principal)
    except InterlockError as exc:
        fail(str(exc))
    if claim is not None:
        claim_ids = [claim]
    else:
        # Claims awaiting a decision, plus work items an earlier run left unfinished.
        received = connector.claim_ids(scope, status="received")
        unfinished = WorkStore(store_engine, AuditLog(store_engine)).unfinished_records(TASK)
        claim_ids = sorted(set(received) | set(unfinished))
    queue = build_queue(url)
    queue.open()
    try:
        report = enqueue_records(queue, TASK, claim_ids)
    finally:
        queue.close()
    if report.enqueued:
        refresh_queue_statistics(url)
    if json_out:
        summary = {
            "claims": len(claim_ids),
            "enqueued": report.enqueued,
            "already_queued": report.already_queued,
        }
        out.print_json(json.dumps(summary))
    else:
        out.print(
            f"enqueued {report.enqueued} claims ({report.already_queued} already had a job); "
            "run `interlock worker` to decide them"
        )


@app.command("worker")
def worker(
    sor: Annotated[str | None, typer.Option("--sor", help=SOR_HELP)] = None,
    store: Annotated[str | None, typer.Option("--store", help=STORE_HELP)] = None,
    queue_url: QueueUrlOpt = None,
    concurrency: Annotated[int, typer.Option(min=1, help="Jobs in flight at once in this process.")] = 4,
    burst: Annotated[
        bool, typer.Option("--burst", help="Exit once nothing is waiting or running in the queue.")
    ] = False,
    model: Annotated[
        str | None, typer.Option(help="Model spec: baseline, openai:NAME, anthropic:NAME or a chain a,b.")
    ] = None,
    threshold: Annotated[
        float | None, typer.Option(help="Minimum model confidence to finalize automatically.")
    ] = None,
    lease_seconds: Annotated[float | None, typer.Option(help="Lease of a work item in the store.")] = None,
    poll_seconds: Annotated[float, typer.Option(help="Queue polling and supervision interval.")] = 1.0,
    heartbeat_seconds: Annotated[float, typer.Option(help="Worker heartbeat interval.")] = 10.0,
    stalled_seconds: Annotated[
        float, typer.Option(help="A worker silent this long is dead: its jobs go back to the queue.")
    ] = 30.0,
    name: Annotated[str | None, typer.Option(help="Worker name in leases and audit events.")] = None,
    task: Annotated[
        list[str] | None,
        typer.Option("--task", help="A task whose jobs to take (repeatable; default claims.adjudicate)."),
    ] = None,
    metrics_port: Annotated[
        int | None,
        typer.Option(help="Serve this process's Prometheus metrics at http://HOST:PORT/metrics."),
    ] = None,
    metrics_host: Annotated[str, typer.Option(help="Interface of the metrics port.")] = "127.0.0.1",
    follow_writes: Annotated[
        bool | None,
        typer.Option(
            "--follow-writes/--no-follow-writes",
            help="Re-sync each written record's documents in the search index (default: [index] follow_writes).",
        ),
    ] = None,
    shadow_model: ShadowModelOpt = None,
    shadow_threshold: ShadowThresholdOpt = None,
) -> None:
    """Take jobs of the given tasks (adjudication by default) from the work queue until SIGTERM/SIGINT (or, with --burst, until empty)."""
    from interlock.assembly import build_engine, connector_for, index_follower_for, model_for  # noqa: PLC0415
    from interlock.db import make_engine  # noqa: PLC0415
    from interlock.exceptions import InterlockError  # noqa: PLC0415
    from interlock.registry import domain_of  # noqa: PLC0415
    from interlock.retrieval.follow import IndexFollower  # noqa: PLC0415
    from interlock.work.queue_worker import (  # noqa: PLC0415
        QueueWorkerStats,
        TaskJobs,
        WorkerOptions,
        run_queue_worker,
    )
    from interlock.work.store import WorkStore  # noqa: PLC0415

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    conf = settings()
    sor, store = pick(sor, conf.sor_url), pick(store, conf.store_url)
    url = _queue_url(store, queue_url)
    # One connection per job thread, plus the supervisor's reads. The store's schema must
    # be current already (`interlock db upgrade`): a worker never migrates it.
    pool = max(conf.pool_size, concurrency + 2)
    # acting: with sor_row_security, every work item's transactions carry the service principal.
    sor_engine, store_engine = open_sor(sor, acting=True, pool_size=pool), make_engine(store, pool_size=pool)
    label = name or f"{socket.gethostname()}:{os.getpid()}"
    knobs = engine_settings(conf, threshold=threshold)
    work = WorkStore.grouped(store_engine)
    engines: dict[str, Any] = {}
    # One search index follower per domain, shared by its tasks (None: nothing to follow).
    followers: dict[str, IndexFollower | None] = {}
    follow = pick(follow_writes, conf.index.follow_writes)
    # Every task shares the one system of record given; each gets its domain's connector.
    for task_name in task or [TASK]:
        try:
            connector = connector_for(task_name, sor_engine)
            principal = resolve_principal(connector, "service")
            client = model_for(
                task_name, pick(model, conf.models.chain), store_engine, endpoints=endpoints(conf)
            )
            policy_document = configured_policy(conf)
            pack = domain_of(task_name)
            shadow = configured_shadow(
                conf, task_name, store_engine, knobs, model=shadow_model, threshold=shadow_threshold
            )
        except InterlockError as exc:
            fail(str(exc))
        if follow and pack.name not in followers:
            followers[pack.name] = index_follower_for(pack, sor_engine, store_engine)
        try:
            engines[task_name] = build_engine(
                task_name,
                connector=connector,
                store=work,
                principal=principal,
                model=client,
                settings=replace(knobs, lease_seconds=pick(lease_seconds, knobs.lease_seconds)),
                worker=label,
                policy=policy_document,
                on_written=followers.get(pack.name),
                shadow=shadow,
            )
        except InterlockError as exc:
            fail(str(exc))
    options = WorkerOptions(
        concurrency=concurrency,
        burst=burst,
        poll_seconds=poll_seconds,
        heartbeat_seconds=heartbeat_seconds,
        stalled_seconds=stalled_seconds,
    )
    jobs = TaskJobs(engines, QueueWorkerStats(worker=label), engines=(sor_engine, store_engine))
    if metrics_port is not None:
        from interlock.telemetry.exposition import serve_process_metrics  # noqa: PLC0415

        bound = serve_process_metrics(metrics_port, metrics_host)
        console.print(f"worker {label}: metrics at http://{metrics_host}:{bound}/metrics")
    following = ", following writes in the search index" if any(followers.values()) else ""
    for domain_name in sorted(n for n, f in followers.items() if f is None):
        console.print(f"worker {label}: domain {domain_name} has no searchable documents, nothing to follow")
    console.print(f"worker {label}: {concurrency} jobs at once{', burst' if burst else ''}{following}")
    try:
        stats = asyncio.run(run_queue_worker(url, jobs, options, name=label))
    finally:
        # The records written last are synced before the process goes (bounded wait).
        for follower in followers.values():
            if follower is not None:
                follower.close()
    # One JSON line on standard output, for scripts and the scaling benchmark.
    print(json.dumps(stats.as_dict()), flush=True)


@queue_app.command("init")
def queue_init(
    store: Annotated[str, typer.Option("--store", help=STORE_HELP)], queue_url: QueueUrlOpt = None
) -> None:
    """Create the work queue's tables now (workers and `adjudicate --queue` also do it on first use)."""
    _queue_url(store, queue_url)
    console.print("the work queue is ready")


@queue_app.command("status")
def queue_status(
    store: Annotated[str | None, typer.Option("--store", help=STORE_HELP)] = None,
    queue_url: QueueUrlOpt = None,
) -> None:
    """Jobs waiting, running, done and failed in the work queue, as JSON."""
    from interlock.work.queue import build_queue, queue_counts  # noqa: PLC0415

    url = _queue_url(pick(store, settings().store_url), queue_url)

    async def counts() -> dict[str, int]:
        queue = build_queue(url)
        async with queue.open_async():
            c = await queue_counts(queue)
        return {"todo": c.todo, "doing": c.doing, "succeeded": c.succeeded, "failed": c.failed}

    out.print_json(json.dumps(asyncio.run(counts())))
