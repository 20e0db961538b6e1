"""``interlock run TASK``: decide any registered task's records, in process.

The same engine, gate, work store and audit trail as every other path; the task's
domain supplies the connector, the embedded model and the precedent lookup through
:mod:`interlock.registry`. ``interlock adjudicate`` is the claims shorthand of
``interlock run claims.adjudicate``.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from interlock.cli.app import JsonOpt, ShadowModelOpt, ShadowThresholdOpt, SorOpt, StoreOpt, app
from interlock.cli.common import (
    domain_of_task,
    fail,
    index_follower,
    open_sor,
    open_store,
    out,
    resolve_principal,
)
from interlock.cli.configured import endpoints, engine_settings, pick, settings
from interlock.cli.configured import policy as configured_policy
from interlock.cli.configured import shadow as configured_shadow
from interlock.exceptions import AccessDenied, InterlockError

if TYPE_CHECKING:
    from interlock.engine import ItemResult


@app.command("run")
def run_task(
    task: Annotated[str, typer.Argument(help="A registered task, such as claims.adjudicate.")],
    *,
    sor: SorOpt = None,
    store: StoreOpt = None,
    as_: Annotated[
        str, typer.Option("--as", help="`service` (the configured service principal) or a staff id.")
    ],
    all_: Annotated[
        bool, typer.Option("--all", help="Every record awaiting the task that the principal may process.")
    ] = False,
    record: Annotated[str | None, typer.Option(help="One record id.")] = None,
    model: Annotated[
        str | None, typer.Option(help="Model spec: baseline, openai:NAME, anthropic:NAME or a chain a,b.")
    ] = None,
    concurrency: Annotated[int | None, typer.Option(help="Work items in flight at once.")] = None,
    threshold: Annotated[
        float | None, typer.Option(help="Minimum model confidence to commit automatically.")
    ] = None,
    shadow_model: ShadowModelOpt = None,
    shadow_threshold: ShadowThresholdOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Run TASK on one record or on every record awaiting it: rules, a model where needed, the gate, then write or hold."""
    from interlock.assembly import build_engine, connector_for, model_for  # noqa: PLC0415 - pulls in domains
    from interlock.work.runner import run_claims  # noqa: PLC0415
    from interlock.work.store import WorkStore  # noqa: PLC0415

    if all_ == (record is not None):
        fail("give exactly one of --all or --record ID")
    conf = settings()
    pack = domain_of_task(task)
    sor_engine, store_engine = open_sor(sor, acting=True, domain=pack), open_store(store)
    try:
        connector = connector_for(task, sor_engine)
        principal = resolve_principal(connector, as_)
        client = model_for(task, pick(model, conf.models.chain), store_engine, endpoints=endpoints(conf))
        knobs = engine_settings(conf, threshold=threshold)
        with index_follower(conf.index.follow_writes, pack, sor_engine, store_engine) as follower:
            engine = build_engine(
                task,
                connector=connector,
                store=WorkStore.grouped(store_engine),
                principal=principal,
                model=client,
                settings=knobs,
                policy=configured_policy(conf),
                on_written=follower,
                shadow=configured_shadow(
                    conf, task, store_engine, knobs, model=shadow_model, threshold=shadow_threshold
                ),
            )
            ids = engine.pending_records() if all_ else [record or ""]
            started = time.monotonic()
            results = run_claims(engine, ids, concurrency=pick(concurrency, conf.engine.concurrency))
    except AccessDenied as exc:
        fail(f"record {record}: {exc}", code=3)
    except InterlockError as exc:
        fail(str(exc))
    _print(task, results, time.monotonic() - started, json_out)


def _print(task: str, results: list[ItemResult], seconds: float, json_out: bool) -> None:
    if json_out:
        body: dict[str, Any] = {
            "task": task,
            "records": len(results),
            "seconds": round(seconds, 2),
            "results": [r.to_json() for r in results],
        }
        out.print_json(json.dumps(body))
        return
    noun = "record" if len(results) == 1 else "records"
    table = Table(title=f"{task}: {len(results)} {noun} in {seconds:.1f} s")
    for column in ("route", "outcome", "code", "records"):
        table.add_column(column)
    mix = Counter((r.route, r.outcome, r.reason_code or "") for r in results)
    for (route, outcome, code), n in sorted(mix.items()):
        table.add_row(route, outcome, code, str(n))
    out.print(table)
    if len(results) == 1:
        only = results[0]
        out.print(f"{only.record_id}: {only.route} / {only.outcome} — {only.reason}")
