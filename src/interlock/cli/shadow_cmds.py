"""``interlock eval --shadow``: production against the shadow candidate, as JSON or tables.

Reads only Interlock's store (and the truth file when one is given): the shadow
records, and the review items people decided.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.table import Table

from interlock.cli.common import fail, open_store, out
from interlock.exceptions import InterlockError

if TYPE_CHECKING:
    from interlock.task import Domain


def shadow_eval(pack: Domain, task: str, *, store: str | None, truth: Path | None, json_out: bool) -> None:
    """Print the comparison of production and each shadow candidate of ``task``."""
    from interlock.shadow.evaluation import shadow_report  # noqa: PLC0415

    if truth is not None and not truth.exists():
        fail(f"no truth file at {truth} (write one with `interlock sor seed --truth PATH`)")
    try:
        report = shadow_report(open_store(store, create=False), pack, task, truth_path=truth)
    except InterlockError as exc:
        fail(str(exc))
    if json_out:
        out.print_json(json.dumps(report))
        return
    if not report["candidates"]:
        out.print(f"{task}: no shadow decisions in the store (run with --shadow-model or --shadow-threshold)")
        return
    for comparison in report["candidates"]:
        out.print(_table(task, comparison, truth is not None))
    out.print(
        f"precision intervals: {report['interval']}; people's decisions read: {report['people_decisions']}"
    )


def _precision(figures: dict[str, Any] | None) -> str:
    if figures is None or figures["precision"] is None:
        return "n/a (0 judged)"
    low, high = figures["interval"]
    return f"{figures['precision']:.2%} ({figures['correct']}/{figures['judged']}; {low:.2%} to {high:.2%})"


def _table(task: str, c: dict[str, Any], with_truth: bool) -> Table:
    """One candidate's figures beside production's."""
    table = Table(title=f"{task}: shadow candidate {c['candidate']} on {c['items']} work items")
    table.add_column("measure")
    table.add_column("production", justify="right")
    table.add_column("candidate", justify="right")
    prod, cand = c["production"], c["shadow"]
    table.add_row(
        "automatic",
        f"{prod['automatic']} ({prod['automatic_share']:.2%})",
        f"{cand['automatic']} ({cand['automatic_share']:.2%})",
    )
    table.add_row(
        "precision vs people",
        _precision(prod["precision_vs_people"]),
        _precision(cand["precision_vs_people"]),
    )
    if with_truth:
        table.add_row(
            "precision vs truth",
            _precision(prod["precision_vs_truth"]),
            _precision(cand["precision_vs_truth"]),
        )
    table.add_row("candidate failed", "", f"{cand['failed']} {cand['failures'] or ''}".strip())
    agreement = c["agreement"]
    share = "n/a" if agreement["share"] is None else f"{agreement['share']:.2%}"
    table.add_row("same decision", f"{agreement['same']} ({share})", "")
    for key in (
        "both_automatic_different",
        "production_only_automatic",
        "candidate_only_automatic",
        "both_review",
    ):
        table.add_row(key.replace("_", " "), str(agreement[key]), "")
    return table
