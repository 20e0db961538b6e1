"""Interlock: seed a system of record, train the embedded model, adjudicate, evaluate, audit."""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import asdict
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
    ensure_sor_schema,
    fail,
    has_claims,
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

if TYPE_CHECKING:
    from interlock.api import cli as _api_cli
    from interlock.engine import Engine, ItemResult
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


@sor_app.command("init")
def sor_init(sor: SorOpt = None) -> None:
    """Create the empty reference schema (docs/reference/claims-system-of-record.md)."""
    sor = pick(sor, settings().sor_url)
    engine = open_sor(sor, create=True)
    ensure_sor_schema(engine)
    console.print(f"created the reference schema in {sor}")


@sor_app.command("seed")
def sor_seed(
    sor: SorOpt = None,
    claims: Annotated[int, typer.Option(help="Backlog claims to create (status received).")] = 2000,
    seed: Annotated[int, typer.Option(help="Seed: the same seed gives the same data.")] = 1,
    truth: Annotated[
        Path | None, typer.Option(help="Write the correct outcome of every backlog claim here (JSON lines).")
    ] = None,
    history: Annotated[
        int | None, typer.Option(help="Adjudicated history claims (default: max(1500, claims)).")
    ] = None,
) -> None:
    """Fill an empty system of record deterministically, with ground truth."""
    from interlock.domains.claims.generator import seed as run_seed  # noqa: PLC0415 - heavy import

    engine = open_sor(sor)
    if has_claims(engine):
        fail(f"{shown(pick(sor, settings().sor_url))} already holds claims: seed an empty system of record")
    report = run_seed(engine, claims=claims, seed=seed, truth_path=truth, history=history)
    console.print(
        f"seeded {report.backlog_claims} backlog and {report.history_claims} history claims "
        f"in {report.seconds:.1f} s; truth mix {dict(report.outcome_counts)}"
    )


@model_app.command("train")
def model_train(sor: SorOpt = None, store: StoreOpt = None, json_out: JsonOpt = False) -> None:
    """Train the embedded baseline on the adjudicated history and store it."""
    from interlock.domains.claims.baseline import train_baseline  # noqa: PLC0415 - pulls in scikit-learn
    from interlock.domains.claims.pack import save_baseline  # noqa: PLC0415
    from interlock.domains.claims.training import load_training_examples  # noqa: PLC0415

    sor_engine, store_engine = open_sor(sor), open_store(store)
    examples = load_training_examples(sor_engine)
    if len(examples) < 20:
        fail(f"only {len(examples)} labelled history claims: too few to train on")
    artifact = train_baseline(examples)
    metrics = asdict(artifact.metrics)
    model_id = save_baseline(store_engine, artifact, metrics, now=datetime.now(UTC))
    if json_out:
        out.print_json(
            json.dumps({"model_id": model_id, "examples": len(examples), "metrics": metrics}, default=str)
        )
    else:
        console.print(
            f"trained {model_id} on {len(examples)} history claims; held-out metrics: {_short_metrics(metrics)}"
        )


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
    json_out: JsonOpt = False,
) -> None:
    """Decide claims: rules, a model where judgement is needed, the gate, then write or pend."""
    from interlock.assembly import build_engine  # noqa: PLC0415
    from interlock.domains.claims.connector import SqlClaimsConnector  # noqa: PLC0415
    from interlock.work.store import WorkStore  # noqa: PLC0415

    if all_ == (claim is not None):
        fail("give exactly one of --all or --claim ID")
    if queue:
        from interlock.cli.worker_cmds import enqueue_command  # noqa: PLC0415

        enqueue_command(sor=sor, store=store, as_=as_, claim=claim, queue_url=queue_url, json_out=json_out)
        return
    from interlock.assembly import model_for  # noqa: PLC0415 - pulls in model code

    sor_engine, store_engine = open_sor(sor, acting=True), open_store(store)
    connector = SqlClaimsConnector(sor_engine)
    conf = settings()
    try:
        principal = resolve_principal(connector, as_)
        client = model_for(
            CLAIMS_TASK, pick(model, conf.models.chain), store_engine, endpoints=endpoints(conf)
        )
        policy_document = configured_policy(conf)
    except InterlockError as exc:
        fail(str(exc))
    engine = build_engine(
        CLAIMS_TASK,
        connector=connector,
        store=WorkStore.grouped(store_engine),
        principal=principal,
        model=client,
        settings=engine_settings(conf, threshold=threshold),
        policy=policy_document,
    )
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
    truth: Annotated[Path, typer.Option(help="Truth file written by `sor seed`.")],
    target_precision: Annotated[
        float, typer.Option(help="Precision to choose a model confidence threshold for.")
    ] = 0.99,
    json_out: JsonOpt = False,
) -> None:
    """Score what was written against the truth: auto share, precision, review share, errors by rule."""
    from interlock.domains.claims.evaluation import (  # noqa: PLC0415
        evaluate,
        read_truth,
        threshold_for_precision,
    )
    from interlock.domains.claims.pack import baseline_metrics  # noqa: PLC0415

    report = evaluate(open_sor(sor), read_truth(truth))
    summary = report.as_dict()
    summary["model"] = baseline_metrics(open_store(store, create=False))
    if summary["model"]:
        summary["threshold_for_target_precision"] = threshold_for_precision(
            summary["model"].get("reliability", []), target_precision
        )
    if json_out:
        out.print_json(json.dumps(summary, default=str))
        return
    table = Table(title="evaluation against the truth file")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_row("backlog claims", str(report.claims))
    table.add_row("auto-finalized", f"{report.auto_finalized} ({report.auto_share:.1%})")
    table.add_row("precision of auto-finalized", f"{report.precision:.2%}")
    table.add_row("sent to review", f"{report.pended} ({report.review_share:.1%})")
    table.add_row("  of which truly needed a person", str(report.pended_truly_review))
    table.add_row("not processed", str(report.unprocessed))
    for label, n in sorted(report.errors_by_rule.items()):
        table.add_row(f"errors: {label}", str(n))
    out.print(table)
    model = summary["model"]
    if model:
        _print_calibration(model, target_precision)


def _print_calibration(model: dict[str, Any], target: float) -> None:
    """The baseline's held-out reliability diagram, ECE, and the threshold for ``target``."""
    from interlock.domains.claims.evaluation import threshold_for_precision  # noqa: PLC0415

    bins = Table(
        title=f"model calibration on held-out history (ECE {model.get('ece_after', 0.0):.3f}, before calibration {model.get('ece_before', 0.0):.3f})"
    )
    for column in ("confidence bin", "mean confidence", "accuracy", "claims", ""):
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
    threshold = threshold_for_precision(model.get("reliability", []), target)
    if threshold is None:
        out.print()
    else:
        out.print(
            f"threshold for {target:.2%} held-out precision: {threshold:.2f} (use `adjudicate --threshold {threshold:.2f}`)"
        )


from interlock.api import cli as _api_cli  # noqa: E402, F401  - registers `serve`
from interlock.cli import audit_cmds as _audit_cmds  # noqa: E402  - registers the `audit` commands
from interlock.cli import config_cmds as _config_cmds  # noqa: E402, F401  - `--config` and `config show`
from interlock.cli import db_cmds as _db_cmds  # noqa: E402, F401  - `db`, `policy emit-rls`
from interlock.cli import demo as _demo  # noqa: E402  - registers the demo command on ``app``
from interlock.cli import faults_cmds as _faults_cmds  # noqa: E402  - registers `faults run`
from interlock.cli import retrieval_cmds as _retrieval_cmds  # noqa: E402  - `index`, `ask`, `summarize`, `policy`
from interlock.cli import run_cmds as _run_cmds  # noqa: E402, F401  - registers `run TASK`
from interlock.cli import telemetry_cmds as _telemetry_cmds  # noqa: E402  - registers `metrics`
from interlock.cli import worker_cmds as _worker_cmds  # noqa: E402, F401  - `worker`, `queue`

__all__ = ["_audit_cmds", "_demo", "_faults_cmds", "_retrieval_cmds", "_telemetry_cmds", "app"]
