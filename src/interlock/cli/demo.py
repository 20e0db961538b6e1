"""``interlock demo``: a domain's whole path on the embedded default, in one folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from interlock.cli.app import DomainOpt, app
from interlock.cli.common import domain_named, fail


@app.command("demo")
def demo(
    dir_: Annotated[
        Path, typer.Option("--dir", help="Folder for the SQLite files and the truth file.")
    ] = Path("demo"),
    domain: DomainOpt = "claims",
    records: Annotated[
        int, typer.Option("--records", "--claims", help="Backlog records to generate and decide.")
    ] = 2000,
    seed: Annotated[int, typer.Option(help="Generator seed.")] = 1,
    json_out: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
) -> None:
    """Seed a SQLite system of record, train the baseline, decide every record, evaluate."""
    pack = domain_named(domain)
    if pack.demo is None:
        fail(f"domain {pack.name!r} has no demo")
    code = pack.demo(dir_, records=records, seed=seed, json_out=json_out)
    if code:
        raise typer.Exit(code)
