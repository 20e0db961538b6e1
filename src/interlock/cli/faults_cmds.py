"""``interlock faults run``: which model faults end in which state, through the real engine."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from interlock.cli.app import app
from interlock.cli.common import console, domain_of_task, fail, out

faults_app = typer.Typer(help="Fault injection against a loopback model server.", no_args_is_help=True)
app.add_typer(faults_app, name="faults")


@faults_app.command("run")
def faults_run(
    task: Annotated[
        str, typer.Option("--task", help="The task whose fault drill to run.")
    ] = "claims.adjudicate",
    records: Annotated[int, typer.Option("--records", "--claims", help="Records per fault.")] = 20,
    deadline: Annotated[float, typer.Option(help="Deadline of each work item, in seconds.")] = 2.0,
    fault: Annotated[list[str] | None, typer.Option(help="Run only this fault (repeatable).")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
) -> None:
    """Send records through the engine against each fault mode and report their end states."""
    pack = domain_of_task(task)
    if pack.faults is None:
        fail(f"domain {pack.name!r} has no fault drill")
    drill = pack.faults()
    unknown = [f for f in fault or [] if f not in drill.names]
    if unknown:
        fail(f"unknown fault {unknown[0]!r}; choose from {', '.join(drill.names)}")
    names = fault or list(drill.names)
    console.print(f"running {len(names)} fault modes x {records} records (deadline {deadline}s) ...")
    outcomes = drill.run(records=records, deadline=deadline, faults=names)
    if json_out:
        out.print_json(json.dumps([o.as_dict() for o in outcomes]))
        return
    table = Table(title=f"model faults, {records} records each, work-item deadline {deadline}s")
    columns = (
        "fault",
        "during the fault",
        "after recovery",
        "drain s",
        "max over deadline s",
        "max calls/try",
        "writes during fault",
    )
    for column in columns:
        table.add_column(column)
    for o in outcomes:
        d = o.as_dict()
        table.add_row(
            o.fault,
            ", ".join(f"{k} {v}" for k, v in sorted(o.during.items())),
            ", ".join(f"{k} {v}" for k, v in sorted(o.final.items())),
            f"{o.drain_seconds:.1f}",
            f"{d['max_overrun_seconds']:.2f}",
            str(o.max_attempts_per_try),
            str(o.writes_during_fault),
        )
    out.print(table)
