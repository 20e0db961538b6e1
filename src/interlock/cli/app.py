"""Interlock: seed a system of record, train the embedded model, adjudicate, evaluate, audit."""

from __future__ import annotations

import json
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from interlock.cli.common import (
    SOR_HELP,
    STORE_HELP,
    console,
    domain_named,
    domain_of_task,
    ensure_sor_schema,
    fail,
    has_records,
    index_follower,
    is_terminal,
    open_sor,
    open_store,
    out,
    plural,
    resolve_principal,
    shown,
)
from interlock.cli.configured import endpoints, engine_settings, pick, settings
from interlock.cli.configured import policy as configured_policy
from interlock.cli.configured import shadow as configured_shadow

if TYPE_CHECKING:
    from interlock.api import cli as _api_cli
    from interlock.engine import Engine, ItemResult
    from interlock.task import Domain
from interlock.exceptions import AccessDenied, InterlockError

#: The task the claims shorthands (`adjudicate`) run.
CLAIMS_TASK = "claims.adjudicate"

app = typer.Typer(
    help=__doc__,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: no rich markup parsing of `[section]`, no metavar on flags
)
sor_app = typer.Typer(help="The reference system of record (schema and seeded data).", no_args_is_help=True)
model_app = typer.Typer(help="The embedded baseline model.", no_args_is_help=True)
audit_app = typer.Typer(help="The tamper-evident audit trail.", no_args_is_help=True)
app.add_typer(sor_app, name="sor")
app.add_typer(model_app, name="model")
app.add_typer(audit_app, name="audit")

# Left out, --sor and --store fall back to the settings (interlock.settings, `config show`).
SorOpt = Annotated[str | None, typer.Option("--sor", help=SOR_HELP)]
StoreOpt = Annotated[str | None, typer.Option("--store", help=STORE_HELP)]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
ShadowModelOpt = Annotated[
    str | None,
    typer.Option(
        "--shadow-model",
        help="Also run this candidate model spec in shadow beside production; it writes nothing (`eval --shadow`).",
    ),
]
ShadowThresholdOpt = Annotated[
    float | None,
    typer.Option(
        "--shadow-threshold", min=0.0, max=1.0, help="Candidate confidence threshold for shadow mode."
    ),
]


DomainOpt = Annotated[
    str, typer.Option("--domain", help="The registered domain (see `interlock run --help`).")
]


@sor_app.command("init")
def sor_init(sor: SorOpt = None, domain: DomainOpt = "claims") -> None:
    """Create the domain's empty reference schema (docs/reference/)."""
    pack = domain_named(domain)
    sor = pick(sor, settings().sor_url)
    engine = open_sor(sor, create=True)
    ensure_sor_schema(engine, pack)
    console.print(f"created the {pack.name} reference schema in {sor}")


@sor_app.command("seed")
def sor_seed(
    sor: SorOpt = None,
    domain: DomainOpt = "claims",
    records: Annotated[
        int, typer.Option("--records", "--claims", help="Backlog records to create (awaiting a decision).")
    ] = 2000,
    seed: Annotated[int, typer.Option(help="Seed: the same seed gives the same data.")] = 1,
    truth: Annotated[
        Path | None, typer.Option(help="Write the correct outcome of every backlog record here (JSON lines).")
    ] = None,
    history: Annotated[
        int | None, typer.Option(help="Decided history records (default: the domain's own).")
    ] = None,
) -> None:
    """Fill an empty system of record deterministically, with ground truth."""
    pack = domain_named(domain)
    if pack.seed is None:
        fail(f"domain {pack.name!r} has no generator")
    engine = open_sor(sor, domain=pack)
    if has_records(engine, pack):
        fail(
            f"{shown(pick(sor, settings().sor_url))} already holds {pack.name}: seed an empty system of record"
        )
    options: dict[str, Any] = {} if history is None else {"history": history}
    try:
        report = pack.seed(engine, records=records, seed=seed, truth_path=truth, **options)
    except InterlockError as exc:
        fail(str(exc))
    noun = record_noun(pack)
    console.print(
        f"seeded {report.get('backlog')} backlog and {report.get('history')} history {noun}s "
        f"in {float(report.get('seconds', 0.0)):.1f} s; truth mix {report.get('truth_mix', {})}"
    )


def record_noun(pack: Domain) -> str:
    """What the domain's records are called (its first task's ``record_type``)."""
    return pack.tasks[0].record_type if pack.tasks else "record"


@model_app.command("train")
def model_train(
    sor: SorOpt = None, store: StoreOpt = None, domain: DomainOpt = "claims", json_out: JsonOpt = False
) -> None:
    """Train the domain's embedded baseline on its decided history and store it, with its familiar region.

    The familiar region is fitted on the history's texts, calibrated (split-conformal) on
    texts the fit never saw, and its promised coverage printed beside the coverage
    achieved on a held-out test split of the history.
    """
    from interlock.models.familiarity_store import coverage_line, train_familiarity  # noqa: PLC0415 - numpy

    pack = domain_named(domain)
    if pack.train is None:
        fail(f"domain {pack.name!r} ships no trainable baseline")
    sor_engine, store_engine = open_sor(sor, domain=pack), open_store(store)
    now = datetime.now(UTC)
    try:
        engine_conf = settings().engine
        trained = dict(pack.train(sor_engine, store_engine, now=now))
        # With the check off ([engine] familiarity = false) no region is fitted: a history
        # too small for one does not stop the model from being trained.
        trained["familiarity"] = (
            train_familiarity(pack, sor_engine, store_engine, now=now, alpha=engine_conf.familiarity_alpha)
            if engine_conf.familiarity
            else None
        )
    except InterlockError as exc:
        fail(str(exc))
    if json_out:
        out.print_json(json.dumps(trained, default=str))
        return
    console.print(
        f"trained {trained['model_id']} on {trained['examples']} history {record_noun(pack)}s; "
        f"held-out metrics: {_short_metrics(dict(trained['metrics']))}"
    )
    if trained["familiarity"] is None:
        console.print("familiarity check off ([engine] familiarity = false): no familiar region fitted")
    else:
        console.print(coverage_line(trained["familiarity"]), highlight=False)


def _short_metrics(metrics: dict[str, object]) -> str:
    keys = ("accuracy", "ece_before", "ece_after", "ece")
    return ", ".join(f"{k}={metrics[k]:.3f}" for k in keys if isinstance(metrics.get(k), float))


@app.command("adjudicate")
def adjudicate(
    *,
    sor: SorOpt = None,
    store: StoreOpt = None,
    as_: Annotated[
        str, typer.Option("--as", help="`service` (the configured service principal) or a staff id.")
    ],
    all_: Annotated[
        bool, typer.Option("--all", help="Every received claim the principal may process.")
    ] = False,
    claim: Annotated[str | None, typer.Option(help="One claim id.")] = None,
    model: Annotated[
        str | None, typer.Option(help="Model spec: baseline, openai:NAME, anthropic:NAME or a chain a,b.")
    ] = None,
    concurrency: Annotated[int | None, typer.Option(help="Work items in flight at once.")] = None,
    threshold: Annotated[
        float | None, typer.Option(help="Minimum model confidence to finalize automatically.")
    ] = None,
    queue: Annotated[bool, typer.Option("--queue", help="Enqueue for `interlock worker` instead.")] = False,
    queue_url: Annotated[str | None, typer.Option(help="PostgreSQL work queue (default: the store).")] = None,
    shadow_model: ShadowModelOpt = None,
    shadow_threshold: ShadowThresholdOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Decide claims: rules, a model where judgement is needed, the gate, then write or pend."""
    from interlock.assembly import build_engine, connector_for  # noqa: PLC0415
    from interlock.work.store import WorkStore  # noqa: PLC0415

    if all_ == (claim is not None):
        fail("give exactly one of --all or --claim ID")
    if queue:
        from interlock.cli.worker_cmds import enqueue_command  # noqa: PLC0415

        enqueue_command(sor=sor, store=store, as_=as_, claim=claim, queue_url=queue_url, json_out=json_out)
        return
    from interlock.assembly import model_for  # noqa: PLC0415 - pulls in model code

    pack = domain_of_task(CLAIMS_TASK)
    sor_engine = open_sor(sor, acting=True, domain=pack)
    store_engine = open_store(store)
    connector = connector_for(CLAIMS_TASK, sor_engine)
    conf = settings()
    try:
        principal = resolve_principal(connector, as_)
        client = model_for(
            CLAIMS_TASK, pick(model, conf.models.chain), store_engine, endpoints=endpoints(conf)
        )
        policy_document = configured_policy(conf)
        knobs = engine_settings(conf, threshold=threshold)
        shadow = configured_shadow(
            conf, CLAIMS_TASK, store_engine, knobs, model=shadow_model, threshold=shadow_threshold
        )
    except InterlockError as exc:
        fail(str(exc))
    with index_follower(conf.index.follow_writes, pack, sor_engine, store_engine) as follower:
        try:
            engine = build_engine(
                CLAIMS_TASK,
                connector=connector,
                store=WorkStore.grouped(store_engine),
                principal=principal,
                model=client,
                settings=knobs,
                policy=policy_document,
                on_written=follower,
                shadow=shadow,
            )
        except InterlockError as exc:
            fail(str(exc))
        claim_ids = engine.pending_records() if all_ else [claim or ""]
        started = time.monotonic()
        try:
            results = _run_with_progress(engine, claim_ids, pick(concurrency, conf.engine.concurrency))
        except AccessDenied as exc:
            fail(f"claim {claim}: {exc}", code=3)
    _print_results(results, time.monotonic() - started, json_out)


def _run_with_progress(
    engine: Engine[Any, Any, Any, Any], claim_ids: list[str], concurrency: int
) -> list[ItemResult]:
    from interlock.work.runner import run_claims  # noqa: PLC0415

    if not is_terminal() or len(claim_ids) <= 1:
        return run_claims(engine, claim_ids, concurrency=concurrency)
    columns = (TextColumn("adjudicating"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("claims", total=len(claim_ids))
        return run_claims(engine, claim_ids, concurrency=concurrency, progress=lambda _r: bar.advance(task))


def _print_results(results: list[ItemResult], seconds: float, json_out: bool) -> None:
    mix = Counter((r.route, r.outcome, r.reason_code or "") for r in results)
    if json_out:
        out.print_json(
            json.dumps(
                {
                    "claims": len(results),
                    "seconds": round(seconds, 2),
                    "results": [
                        {
                            "claim_id": r.record_id,
                            "claim_version": r.record_version,
                            "route": r.route,
                            "outcome": r.outcome,
                            "carc": r.reason_code,
                            "reason": r.reason,
                        }
                        for r in results
                    ],
                }
            )
        )
        return
    table = Table(title=f"{plural(len(results), 'claim')} in {seconds:.1f} s")
    for column in ("route", "outcome", "CARC", "claims"):
        table.add_column(column)
    for (route, outcome, carc), n in sorted(mix.items()):
        table.add_row(route, outcome, carc, str(n))
    out.print(table)
    if len(results) == 1:
        out.print(f"{results[0].record_id}: {results[0].route} / {results[0].outcome} — {results[0].reason}")


@app.command("eval")
def eval_(
    *,
    sor: SorOpt = None,
    store: StoreOpt = None,
    task: Annotated[
        str | None,
        typer.Option(
            "--task",
            help="The task whose decisions to score (claims.adjudicate; with --from-reviews, every task).",
        ),
    ] = None,
    truth: Annotated[Path | None, typer.Option(help="Truth file written by `sor seed`.")] = None,
    from_reviews: Annotated[
        bool,
        typer.Option(
            "--from-reviews",
            help="Measure automatic decisions from people's blind decisions on sampled items, not a truth file.",
        ),
    ] = False,
    target_precision: Annotated[
        float, typer.Option(help="Precision to choose a model confidence threshold for.")
    ] = 0.99,
    shadow: Annotated[
        bool,
        typer.Option(
            "--shadow",
            help="Compare production with the shadow candidate against people's decisions (and --truth).",
        ),
    ] = False,
    json_out: JsonOpt = False,
) -> None:
    """Score what was written against the truth: auto share, precision, review share, errors by rule.

    With --from-reviews, no truth file: the precision of automatic decisions measured
    from the people who decided sampled items blind, with a Wilson score interval, per
    task, per rule and per model version (docs/quality.md). Against a truth file, also
    how many items the familiarity check sent to a person (routed_unfamiliar;
    unfamiliar_only when no other check asked for one) and the familiar region's
    coverage report (familiarity).
    """
    from interlock.models.familiarity_store import (  # noqa: PLC0415 - numpy
        coverage_line,
        familiarity_metrics,
        unfamiliar_counts,
    )

    if from_reviews:
        if truth is not None:
            fail("give --truth FILE or --from-reviews, not both")
        from interlock.cli.quality_cmds import print_from_reviews  # noqa: PLC0415

        print_from_reviews(store, task, json_out=json_out)
        return
    task = task or CLAIMS_TASK
    pack = domain_of_task(task)
    if shadow:
        from interlock.cli.shadow_cmds import shadow_eval  # noqa: PLC0415

        shadow_eval(pack, task, store=store, truth=truth, json_out=json_out)
        return
    if truth is None:
        fail("give --truth FILE (written by `interlock sor seed --truth`), --from-reviews or --shadow")
    if pack.evaluate is None:
        fail(f"domain {pack.name!r} has no evaluation against a truth file")
    sor_engine = open_sor(sor, domain=pack)
    if not truth.exists():
        fail(f"no truth file at {truth} (write one with `interlock sor seed --truth PATH`)")
    try:
        store_engine = open_store(store, create=False)
        summary = dict(pack.evaluate(sor_engine, store_engine, truth, target_precision=target_precision))
        summary.update(unfamiliar_counts(store_engine, task))
        summary["familiarity"] = familiarity_metrics(store_engine, pack.name)
    except InterlockError as exc:
        fail(str(exc))
    if json_out:
        out.print_json(json.dumps(summary, default=str))
        return
    table = Table(title=f"{task}: evaluation against the truth file")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for key, value in summary.items():
        if isinstance(value, dict) and key not in ("model", "familiarity"):
            for sub, n in sorted(value.items()):
                table.add_row(f"{key.replace('_', ' ')}: {sub}", str(n))
        elif isinstance(value, int | float | str) and not isinstance(value, bool):
            table.add_row(key.replace("_", " "), f"{value:.4g}" if isinstance(value, float) else str(value))
    out.print(table)
    region = summary.get("familiarity")
    if isinstance(region, dict):
        out.print(coverage_line(region), highlight=False)
    model = summary.get("model")
    if isinstance(model, dict) and model.get("reliability"):
        _print_calibration(model, target_precision, summary.get("threshold_for_target_precision"))


def _print_calibration(model: dict[str, Any], target: float, threshold: float | None) -> None:
    """The baseline's held-out reliability diagram, ECE, and the threshold for ``target``."""
    bins = Table(
        title=f"model calibration on held-out history (ECE {model.get('ece_after', 0.0):.3f}, before calibration {model.get('ece_before', 0.0):.3f})"
    )
    for column in ("confidence bin", "mean confidence", "accuracy", "records", ""):
        bins.add_column(column)
    for row in model.get("reliability", []):
        bar = "█" * round(20 * float(row["accuracy"]))
        bins.add_row(
            f"{row['lower']:.2f}-{row['upper']:.2f}",
            f"{row['mean_confidence']:.3f}",
            f"{row['accuracy']:.3f}",
            str(row["count"]),
            bar,
        )
    out.print(bins)
    if threshold is None:
        out.print()
    else:
        out.print(
            f"threshold for {target:.2%} held-out precision: {threshold:.2f} (use `run --threshold {threshold:.2f}`)"
        )


from interlock.api import cli as _api_cli  # noqa: E402, F401  - registers `serve`
from interlock.cli import audit_cmds as _audit_cmds  # noqa: E402  - registers the `audit` commands
from interlock.cli import config_cmds as _config_cmds  # noqa: E402, F401  - `--config` and `config show`
from interlock.cli import db_cmds as _db_cmds  # noqa: E402, F401  - `db`, `policy emit-rls`
from interlock.cli import demo as _demo  # noqa: E402  - registers the demo command on ``app``
from interlock.cli import faults_cmds as _faults_cmds  # noqa: E402  - registers `faults run`
from interlock.cli import quality_cmds as _quality_cmds  # noqa: E402, F401  - `quality reopen|close|status`
from interlock.cli import retrieval_cmds as _retrieval_cmds  # noqa: E402  - `index`, `ask`, `summarize`, `policy`
from interlock.cli import run_cmds as _run_cmds  # noqa: E402, F401  - registers `run TASK`
from interlock.cli import telemetry_cmds as _telemetry_cmds  # noqa: E402  - registers `metrics`
from interlock.cli import worker_cmds as _worker_cmds  # noqa: E402, F401  - `worker`, `queue`
from interlock.mcp import cli as _mcp_cli  # noqa: E402, F401  - registers `mcp`

__all__ = ["_audit_cmds", "_demo", "_faults_cmds", "_retrieval_cmds", "_telemetry_cmds", "app"]
