"""``interlock quality``: each task's automatic path (status, close, reopen); ``eval --from-reviews``.

The path's state lives in the store (:mod:`interlock.quality.store`), so a path closed
here, by the review desk or by any worker is closed for every process, and a reopening
here is seen by the next work item anywhere. Both are ``config.changed`` audit events
whose principal is ``operator:NAME`` (``--by``, by default the login name).
"""

from __future__ import annotations

import getpass
import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from interlock.cli.app import JsonOpt, StoreOpt, app
from interlock.cli.common import domain_of_task, fail, open_store, out
from interlock.cli.configured import settings

if TYPE_CHECKING:
    from interlock.quality.config import QualitySettings

quality_app = typer.Typer(
    help="Quality measured in production: each task's automatic path and its sampled precision.",
    no_args_is_help=True,
)
app.add_typer(quality_app, name="quality")

TaskOpt = Annotated[str, typer.Option("--task", help="The task whose automatic path to change.")]
ByOpt = Annotated[
    str | None, typer.Option("--by", help="Who does it, for the audit trail (default: the login name).")
]


def _quality() -> QualitySettings:
    from interlock.from_settings import quality_of  # noqa: PLC0415

    return quality_of(settings().quality)


def _operator(by: str | None) -> str:
    name = (by or getpass.getuser()).strip()
    if not name or not name.replace("-", "").replace("_", "").replace(".", "").isalnum():
        fail("--by must be a plain name (letters, digits, '-', '_', '.')")
    return f"operator:{name}"


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2%}"


def _interval(row: dict[str, Any]) -> str:
    bounds = row.get("interval")
    return "n/a" if not bounds else f"{bounds[0]:.2%} to {bounds[1]:.2%}"


def print_from_reviews(store: str | None, task: str | None, *, json_out: bool) -> None:
    """Print the precision of automatic decisions measured from sampled reviews."""
    from interlock.quality.report import quality_report  # noqa: PLC0415

    if task is not None:
        domain_of_task(task)  # an unknown task is a typo, not an empty report
    engine = open_store(store, create=False)
    report = quality_report(engine, _quality(), tasks=None if task is None else [task])
    if json_out:
        out.print_json(json.dumps(report, default=str))
        return
    confidence = float(report["confidence"])
    for name, figures in report["tasks"].items():
        path = figures["path"]
        current = figures["current"]
        head = Table(title=f"{name}: automatic decisions measured from sampled reviews")
        head.add_column("measure")
        head.add_column("value", justify="right")
        head.add_row("automatic path", f"{path['state']} ({path['reason']})")
        head.add_row("sample rate", f"{figures['sample_rate']:g}")
        head.add_row("samples taken", str(figures["samples"]))
        head.add_row("awaiting a person", str(figures["awaiting"]))
        head.add_row("decided / upheld", f"{figures['decided']} / {figures['upheld']}")
        head.add_row("precision", _pct(figures["precision"]))
        head.add_row(f"{confidence:.0%} {report['method']}", _interval(figures))
        head.add_row(
            "closing rule now",
            f"{current['upheld']} of {current['decided']} upheld, interval {_interval(current)}, "
            f"target {_pct(current['target_precision'])}, at least {current['min_samples']} samples"
            + (": below target" if current["below_target"] else ""),
        )
        out.print(head)
        for title, rows, keys in (
            (
                "by rule (the outcome and reason code proposed)",
                figures["by_rule"],
                ("outcome", "reason_code"),
            ),
            ("by model version", figures["by_model"], ("model",)),
        ):
            table = Table(title=f"{name}: {title}")
            for column in (*keys, "samples", "decided", "upheld", "precision", "interval"):
                table.add_column(column.replace("_", " "), justify="left" if column in keys else "right")
            for row in rows:
                table.add_row(
                    *(str(row[k] or "-") for k in keys),
                    str(row["samples"]),
                    str(row["decided"]),
                    str(row["upheld"]),
                    _pct(row["precision"]),
                    _interval(row),
                )
            out.print(table)


@quality_app.command("status")
def status(
    store: StoreOpt = None,
    task: Annotated[str | None, typer.Option("--task", help="One task (default: every task).")] = None,
    json_out: JsonOpt = False,
) -> None:
    """The automatic path of each task (open or closed, why, since when) and its sampled precision."""
    print_from_reviews(store, task, json_out=json_out)


@quality_app.command("reopen")
def reopen(task: TaskOpt, store: StoreOpt = None, by: ByOpt = None) -> None:
    """Reopen a task's closed automatic path: automatic decisions resume and are measured afresh."""
    from interlock.quality.store import reopen_path  # noqa: PLC0415

    domain_of_task(task)
    who = _operator(by)
    if not reopen_path(open_store(store, create=False), task, by=who, at=datetime.now(UTC)):
        fail(f"the automatic path of {task} is not closed", code=1)
    out.print(f"reopened the automatic path of {task} ({who}); samples are measured afresh from now")


@quality_app.command("close")
def close(task: TaskOpt, store: StoreOpt = None, by: ByOpt = None) -> None:
    """Close a task's automatic path now: every item goes to a person until it is reopened."""
    from interlock.quality.store import close_path  # noqa: PLC0415

    domain_of_task(task)
    who = _operator(by)
    reason = "automatic path closed by an operator; a person decides every item until it is reopened"
    if not close_path(open_store(store, create=False), task, by=who, at=datetime.now(UTC), reason=reason):
        fail(f"the automatic path of {task} is already closed", code=1)
    out.print(f"closed the automatic path of {task} ({who})")
