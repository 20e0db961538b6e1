"""``interlock faults run``: which model faults end in which state, through the real engine."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from interlock.cli.app import app
from interlock.cli.common import console, fail, out

faults_app = typer.Typer(help="Fault injection against a loopback model server.", no_args_is_help=True)
app.add_typer(faults_app, name="faults")


@faults_app.command("run")
def faults_run(
    claims: Annotated[int, typer.Option(help="Claims per fault.")] = 20,
    deadline: Annotated[float, typer.Option(help="Deadline of each work item, in seconds.")] = 2.0,
    fault: Annotated[list[str] | None, typer.Option(help="Run only this fault (repeatable).")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
) -> None:
    """Send claims through the engine against each fault mode and report their end states."""
    from interlock.domains.claims.testing.faults import FAULTS, run_all  # noqa: PLC0415 - starts servers

    unknown = [f for f in fault or [] if f not in FAULTS]
    if unknown:
        fail(f"unknown fault {unknown[0]!r}; choose from {', '.join(FAULTS)}")
    names = fault or list(FAULTS)
    console.print(f"running {len(names)} fault modes x {claims} claims (deadline {deadline}s) ...")
    outcomes = run_all(claims=claims, deadline=deadline, faults=names)
    if json_out:
        out.print_json(json.dumps([o.as_dict() for o in outcomes]))
        return
    table = Table(title=f"model faults, {claims} claims each, work-item deadline {deadline}s")
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
