"""The figures of sampled reviews: per task, per rule, per model version, per day, and now.

What ``interlock eval --from-reviews``, ``GET /v1/quality``, the desk's quality page and
the Prometheus gauges show, all computed here from :data:`~interlock.store.schema.quality_samples`
with SQL aggregates (a store's samples are never all loaded).

* **all samples**: every decided sample of the task since sampling began, by the rule
  the automatic path proposed (its outcome and reason code) and by the model version
  that answered (``rules:<version>`` for decisions of the rules alone);
* **current**: what the closing rule looks at (the task's most recent ``window``
  samples decided since its path last opened), with the target and whether the rule
  would close the path;
* **by day**: samples taken, and samples decided and upheld, per day (UTC) of the decision.

Every precision carries its Wilson score interval (:mod:`interlock.quality.precision`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, case, func, select, union
from sqlalchemy.sql.elements import ColumnElement

from interlock.quality.config import QualitySettings, TaskQuality
from interlock.quality.precision import METHOD, Measurement, closes, measure
from interlock.quality.store import PathState, path_state, window_tally
from interlock.store.schema import quality_paths, quality_samples, work_items

__all__ = ["DayRow", "TaskReport", "daily", "known_tasks", "quality_report", "task_report"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Group:
    """Samples of one rule or one model version: taken, decided, upheld, and the precision."""

    key: dict[str, str | None]
    samples: int
    measured: Measurement

    def as_dict(self) -> dict[str, Any]:
        """The JSON form of a report row."""
        return {**self.key, "samples": self.samples, **self.measured.as_dict()}


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskReport:
    """One task's figures (see the module docstring)."""

    task: str
    knobs: TaskQuality
    path: PathState
    samples: int
    overall: Measurement
    current: Measurement
    by_rule: list[Group]
    by_model: list[Group]

    @property
    def awaiting(self) -> int:
        """Samples no person has decided yet."""
        return self.samples - self.overall.decided

    @property
    def would_close(self) -> bool:
        """True when the closing rule, applied now, says the path should be closed."""
        return closes(self.current, target=self.knobs.target_precision, min_samples=self.knobs.min_samples)

    def as_dict(self) -> dict[str, Any]:
        """The JSON form of ``eval --from-reviews --json`` and ``GET /v1/quality``."""
        return {
            "task": self.task,
            "sample_rate": self.knobs.sample_rate,
            "path": self.path.as_dict(),
            "samples": self.samples,
            "awaiting": self.awaiting,
            **self.overall.as_dict(),
            "current": {
                **self.current.as_dict(),
                "target_precision": self.knobs.target_precision,
                "min_samples": self.knobs.min_samples,
                "window": self.knobs.window,
                "below_target": self.would_close,
            },
            "by_rule": [g.as_dict() for g in self.by_rule],
            "by_model": [g.as_dict() for g in self.by_model],
        }


def _tally_columns() -> tuple[ColumnElement[Any], ...]:
    c = quality_samples.c
    return (
        func.count().label("samples"),
        func.count(c.upheld).label("decided"),
        func.coalesce(func.sum(c.upheld), 0).label("upheld"),
    )


def _groups(conn: Connection, task: str, columns: Iterable[Any], confidence: float) -> list[Group]:
    cols = list(columns)
    rows = conn.execute(
        select(*cols, *_tally_columns()).where(quality_samples.c.task == task).group_by(*cols).order_by(*cols)
    ).mappings()
    out = []
    for r in rows:
        key = {col.name: (None if r[col.name] is None else str(r[col.name])) for col in cols}
        out.append(
            Group(
                key=key,
                samples=int(r["samples"]),
                measured=measure(int(r["upheld"]), int(r["decided"]), confidence),
            )
        )
    return out


def task_report(store: Engine, task: str, knobs: TaskQuality) -> TaskReport:
    """The figures of one task (see the module docstring)."""
    c = quality_samples.c
    with store.connect() as conn:
        path = path_state(conn, task)
        samples, decided, upheld = conn.execute(select(*_tally_columns()).where(c.task == task)).one()
        now_decided, now_upheld = window_tally(conn, task, since=path.opened_at, size=knobs.window)
        by_rule = _groups(conn, task, (c.outcome, c.reason_code), knobs.confidence)
        by_model = _groups(conn, task, (c.model,), knobs.confidence)
    return TaskReport(
        task=task,
        knobs=knobs,
        path=path,
        samples=int(samples),
        overall=measure(int(upheld), int(decided), knobs.confidence),
        current=measure(now_upheld, now_decided, knobs.confidence),
        by_rule=by_rule,
        by_model=by_model,
    )


def known_tasks(store: Engine | Connection) -> list[str]:
    """Every task the store has work items, samples or a path state of, sorted."""
    query = union(
        select(work_items.c.task).distinct(),
        select(quality_samples.c.task).distinct(),
        select(quality_paths.c.task),
    )
    if isinstance(store, Connection):
        return sorted(str(t) for t in store.execute(query).scalars())
    with store.connect() as conn:
        return sorted(str(t) for t in conn.execute(query).scalars())


def quality_report(
    store: Engine, settings: QualitySettings, *, tasks: Iterable[str] | None = None
) -> dict[str, Any]:
    """``eval --from-reviews``: every task's figures, with the interval's method and level."""
    names = list(tasks) if tasks is not None else known_tasks(store)
    return {
        "method": METHOD,
        "confidence": settings.default.confidence,
        "tasks": {name: task_report(store, name, settings.for_task(name)).as_dict() for name in names},
    }


@dataclass(frozen=True, slots=True, kw_only=True)
class DayRow:
    """One day (UTC): samples taken that day, samples decided that day and how many were upheld."""

    day: date
    taken: int
    measured: Measurement

    def as_dict(self) -> dict[str, Any]:
        """The JSON form of the API's ``days``."""
        return {"day": self.day.isoformat(), "taken": self.taken, **self.measured.as_dict()}


def _day(conn: Connection, column: Any) -> Any:
    if conn.dialect.name == "sqlite":
        return func.strftime("%Y-%m-%d", column)
    return func.to_char(column, "YYYY-MM-DD")


def daily(store: Engine, task: str, knobs: TaskQuality, *, since: datetime | None = None) -> list[DayRow]:
    """Per day, oldest first: samples taken, and samples decided and upheld (with precision and interval)."""
    c = quality_samples.c
    with store.connect() as conn:
        taken_day = _day(conn, c.sampled_at)
        decided_day = _day(conn, c.decided_at)
        where_taken: list[Any] = [c.task == task]
        where_decided: list[Any] = [c.task == task, c.decided_at.is_not(None)]
        if since is not None:
            cut = since.replace(tzinfo=None)
            where_taken.append(c.sampled_at >= cut)
            where_decided.append(c.decided_at >= cut)
        taken: Mapping[str, int] = {
            str(d): int(n)
            for d, n in conn.execute(
                select(taken_day, func.count()).where(*where_taken).group_by(taken_day)
            ).all()
        }
        decided = {
            str(d): (int(n), int(u or 0))
            for d, n, u in conn.execute(
                select(decided_day, func.count(), func.sum(case((c.upheld == 1, 1), else_=0)))
                .where(*where_decided)
                .group_by(decided_day)
            ).all()
        }
    days = sorted(set(taken) | set(decided))
    return [
        DayRow(
            day=date.fromisoformat(d),
            taken=taken.get(d, 0),
            measured=measure(decided.get(d, (0, 0))[1], decided.get(d, (0, 0))[0], knobs.confidence),
        )
        for d in days
    ]
