"""Shared pieces of the shadow-mode tests: copies of a seeded world, runs, and independent reads."""

from __future__ import annotations

import json
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, MetaData, func, select
from typer.testing import CliRunner

from interlock.assembly import build_engine, connector_for
from interlock.audit.chain import AuditLog
from interlock.cli.app import app
from interlock.clock import FrozenClock
from interlock.db import make_engine
from interlock.models.base import ModelClient
from interlock.policy.principal import service_principal
from interlock.shadow.runner import ShadowRunner
from interlock.store.schema import shadow_decisions, work_items
from interlock.work.runner import run_claims
from interlock.work.store import WorkStore

#: Every run of a test uses this one instant, so that runs differ only in what they decide.
INSTANT = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


def checkpoint(path: Path) -> None:
    """Fold SQLite's write-ahead log into the file, so that copying the file copies the database."""
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


@dataclass
class Copy:
    """One private copy of a seeded world: its system of record and its store."""

    dir: Path
    sor: Engine
    store: Engine

    @property
    def store_url(self) -> str:
        """The store's URL, for the CLI."""
        return self.store.url.render_as_string(hide_password=False)

    @property
    def sor_url(self) -> str:
        """The system of record's URL, for the CLI."""
        return self.sor.url.render_as_string(hide_password=False)

    def dispose(self) -> None:
        """Close both engines."""
        self.sor.dispose()
        self.store.dispose()


def copy_world(template: Path, into: Path, store_url: str | None = None) -> Copy:
    """Copy the template's ``sor.db`` and ``store.db`` into ``into`` (or put the store at ``store_url``)."""
    into.mkdir(parents=True, exist_ok=True)
    shutil.copy(template / "sor.db", into / "sor.db")
    if store_url is None:
        shutil.copy(template / "store.db", into / "store.db")
        store_url = f"sqlite:///{into / 'store.db'}"
    return Copy(dir=into, sor=make_engine(f"sqlite:///{into / 'sor.db'}"), store=make_engine(store_url))


def decide_backlog(
    task: str, world: Copy, model: ModelClient | None, *, shadow: ShadowRunner | None = None
) -> list[Any]:
    """Run every pending record of ``task`` as the service principal, at :data:`INSTANT`."""
    engine = build_engine(
        task,
        connector=connector_for(task, world.sor),
        store=WorkStore(world.store, AuditLog(world.store)),
        principal=service_principal(),
        model=model,
        clock=FrozenClock(INSTANT),
        shadow=shadow,
    )
    return run_claims(engine, engine.pending_records())


def table_dump(engine: Engine, metadata: MetaData) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of a system of record, in a stable order."""
    dump: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            dump[table.name] = sorted((tuple(row) for row in conn.execute(select(table))), key=repr)
    return dump


def shadow_rows(store: Engine, task: str) -> list[dict[str, Any]]:
    """The shadow records of ``task`` as plain rows."""
    with store.connect() as conn:
        return [
            dict(r)
            for r in conn.execute(select(shadow_decisions).where(shadow_decisions.c.task == task)).mappings()
        ]


def done_work_items(store: Engine, task: str) -> set[str]:
    """Ids of ``task``'s work items that reached their end."""
    with store.connect() as conn:
        return {
            str(r)
            for r in conn.execute(
                select(work_items.c.work_item_id).where(
                    work_items.c.task == task, work_items.c.status == "done"
                )
            ).scalars()
        }


def count_rows(engine: Engine, table: Any) -> int:
    """Rows in ``table``."""
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def eval_shadow(task: str, store_url: str, truth: Path | None = None) -> dict[str, Any]:
    """``interlock eval --shadow --json`` through the CLI, parsed."""
    args = ["eval", "--shadow", "--task", task, "--store", store_url, "--json"]
    if truth is not None:
        args += ["--truth", str(truth)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    report: dict[str, Any] = json.loads(result.stdout)
    return report
