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
    from interlock.testing.faults import FAULTS, run_all  # noqa: PLC0415 - starts servers

    unknown = [f for f in fault or [] if f not in FAULTS and f != "outage_recovery"]
    if unknown:
        fail(f"unknown fault {unknown[0]!r}; choose from {', '.join([*FAULTS, 'outage_recovery'])}")
    console.print(f"running {len(fault or FAULTS) + (0 if fault else 1)} fault modes x {claims} claims ...")
    outcomes = run_all(claims=claims, deadline=deadline, faults=fault or None)
    if json_out:
        out.print_json(json.dumps([o.as_dict() for o in outcomes]))
    else:
        table = Table(title=f"model faults, {claims} claims each, deadline {deadline}s")
        for column in (
            "fault",
            "end states",
            "max over deadline (s)",
            "max attempts/try",
            "adjudications",
            "typical reason",
        ):
            table.add_column(column)
        for o in outcomes:
            d = o.as_dict()
            states = ", ".join(f"{k} {v}" for k, v in sorted(o.states.items()))
            table.add_row(
                o.fault,
                states,
                f"{d['max_overrun_seconds']:.2f}",
                str(o.max_attempts_per_try),
                str(o.adjudications),
                d["top_reason"],
            )
        out.print(table)
