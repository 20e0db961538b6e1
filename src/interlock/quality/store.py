"""Samples and automatic-path states in Interlock's store, with their audit events.

Every process of a deployment (API servers, queue workers, CLI runs) reads and writes
the same two tables (:data:`~interlock.store.schema.quality_samples`,
:data:`~interlock.store.schema.quality_paths`), so a path closed by one process is
closed for all, and stays closed across restarts. A path changes state only from the
state it is in (``UPDATE ... WHERE state = ...``), in the transaction that appends its
``config.changed`` audit event: two processes closing a path at once record one change.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, Literal

from sqlalchemy import Connection, Engine, RowMapping, and_, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from interlock.audit.chain import AuditLog, begin_write
from interlock.audit.events import AuditEvent, JsonInput
from interlock.quality.agreement import Decision, Withheld
from interlock.store.schema import quality_paths, quality_samples

__all__ = [
    "PATH_SETTING",
    "PathState",
    "close_path",
    "path_state",
    "record_person",
    "record_sample",
    "reopen_path",
    "window_tally",
    "withheld_for",
]

PathStateName = Literal["open", "closed"]
#: What the ``config.changed`` events of a path name as the setting that changed.
PATH_SETTING: Final = "quality.automatic_path"
_SOURCE: Final = "interlock/quality"


def naive(at: datetime) -> datetime:
    """Timestamps are stored as naive UTC, as everywhere in the store."""
    return at if at.tzinfo is None else at.astimezone(UTC).replace(tzinfo=None)


def aware(at: datetime | None) -> datetime | None:
    """A stored naive-UTC timestamp as an aware one."""
    return None if at is None else at if at.tzinfo is not None else at.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True, kw_only=True)
class PathState:
    """A task's automatic path: open or closed, why, since when, and since when it is open again."""

    task: str
    state: PathStateName
    reason: str
    changed_at: datetime | None
    changed_by: str | None
    #: When the path was last reopened; the closing rule measures samples since then.
    opened_at: datetime | None

    @property
    def closed(self) -> bool:
        """True while every item of the task goes to a person."""
        return self.state == "closed"

    def as_dict(self) -> dict[str, Any]:
        """The JSON form of reports and the API."""
        return {
            "state": self.state,
            "reason": self.reason,
            "changed_at": None if self.changed_at is None else self.changed_at.isoformat(),
            "changed_by": self.changed_by,
            "opened_at": None if self.opened_at is None else self.opened_at.isoformat(),
        }


def _state_of(task: str, row: RowMapping | None) -> PathState:
    if row is None:
        return PathState(
            task=task, state="open", reason="never closed", changed_at=None, changed_by=None, opened_at=None
        )
    return PathState(
        task=task,
        state="closed" if row["state"] == "closed" else "open",
        reason=str(row["reason"]),
        changed_at=aware(row["changed_at"]),
        changed_by=str(row["changed_by"]),
        opened_at=aware(row["opened_at"]),
    )


def path_state(store: Engine | Connection, task: str) -> PathState:
    """The automatic path of ``task`` as the store says now (open when it was never closed)."""
    query = select(quality_paths).where(quality_paths.c.task == task)
    if isinstance(store, Connection):
        return _state_of(task, store.execute(query).mappings().first())
    with store.connect() as conn:
        return _state_of(task, conn.execute(query).mappings().first())


def record_sample(
    conn: Connection,
    *,
    work_item_id: str,
    review_id: str,
    task: str,
    record_id: str,
    record_version: int,
    withheld: Mapping[str, Any],
    at: datetime,
) -> None:
    """Keep the withheld automatic decision of a sampled work item (in the caller's transaction)."""
    kept = Withheld.from_json(withheld)
    conn.execute(
        quality_samples.insert().values(
            work_item_id=work_item_id,
            review_id=review_id,
            task=task,
            record_id=record_id,
            record_version=record_version,
            outcome=kept.decision.outcome,
            reason_code=kept.decision.reason_code,
            model=kept.model,
            withheld=json.dumps(kept.to_json(), sort_keys=True),
            sampled_at=naive(at),
        )
    )


def withheld_for(store: Engine, work_item_id: str) -> Withheld | None:
    """The automatic decision withheld from the reviewer of a work item; ``None`` if it was not sampled."""
    with store.connect() as conn:
        text = conn.execute(
            select(quality_samples.c.withheld).where(quality_samples.c.work_item_id == work_item_id)
        ).scalar_one_or_none()
    return None if text is None else Withheld.from_json(json.loads(text))


def record_person(
    conn: Connection, work_item_id: str, *, person: Decision, upheld: bool, decided_by: str, at: datetime
) -> bool:
    """Record a person's decision on a sampled item (the latest replaces an earlier hold); False if not sampled."""
    done = conn.execute(
        update(quality_samples)
        .where(quality_samples.c.work_item_id == work_item_id)
        .values(
            person=json.dumps(person.to_json(), sort_keys=True),
            upheld=1 if upheld else 0,
            decided_by=decided_by,
            decided_at=naive(at),
        )
    )
    return bool(done.rowcount)


def window_tally(conn: Connection, task: str, *, since: datetime | None, size: int) -> tuple[int, int]:
    """Decided and upheld among the ``size`` most recently decided samples taken since ``since``."""
    c = quality_samples.c
    where = [c.task == task, c.upheld.is_not(None)]
    if since is not None:
        where.append(c.sampled_at >= naive(since))
    recent = (
        select(c.upheld)
        .where(and_(*where))
        .order_by(c.decided_at.desc(), c.work_item_id)
        .limit(size)
        .subquery()
    )
    decided, upheld = conn.execute(select(func.count(), func.coalesce(func.sum(recent.c.upheld), 0))).one()
    return int(decided), int(upheld)


def _ensure(conn: Connection, row: Mapping[str, Any]) -> None:
    """Insert ``row`` unless the task has a row already (either dialect)."""
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    conn.execute(insert(quality_paths).values(**row).on_conflict_do_nothing())


def _event(
    *, task: str, by: str, at: datetime, outcome: str, reason: str, details: Mapping[str, JsonInput]
) -> AuditEvent:
    return AuditEvent(
        kind="config.changed",
        at=at,
        principal=by,
        on_behalf_of=None,
        purpose=task,
        work_item_id=None,
        subject={},
        outcome=outcome,
        reason=reason[:500],
        details={"setting": PATH_SETTING, "task": task, **details},
        source=_SOURCE,
    )


def _change(
    store: Engine,
    *,
    task: str,
    to: PathStateName,
    by: str,
    at: datetime,
    reason: str,
    details: Mapping[str, JsonInput],
) -> bool:
    """Move ``task``'s path to ``to`` from the other state, with its audit event; False if it already was."""
    frm = "open" if to == "closed" else "closed"
    when = naive(at)
    values: dict[str, Any] = {"state": to, "reason": reason[:1000], "changed_at": when, "changed_by": by}
    if to == "open":
        values["opened_at"] = when
    with begin_write(store) as conn:
        if to == "closed":  # a task never closed has no row yet
            _ensure(
                conn,
                {
                    "task": task,
                    "state": "open",
                    "reason": "never closed",
                    "changed_at": when,
                    "changed_by": by,
                },
            )
        moved = conn.execute(
            update(quality_paths)
            .where(quality_paths.c.task == task, quality_paths.c.state == frm)
            .values(**values)
        ).rowcount
        if moved != 1:
            return False
        outcome = "closed" if to == "closed" else "reopened"
        AuditLog(store).append(
            conn, [_event(task=task, by=by, at=at, outcome=outcome, reason=reason, details=details)]
        )
    return True


def close_path(
    store: Engine,
    task: str,
    *,
    by: str,
    at: datetime,
    reason: str,
    details: Mapping[str, JsonInput] | None = None,
) -> bool:
    """Close ``task``'s automatic path (audited); False when it was closed already."""
    return _change(store, task=task, to="closed", by=by, at=at, reason=reason, details=details or {})


def reopen_path(store: Engine, task: str, *, by: str, at: datetime) -> bool:
    """Reopen ``task``'s automatic path (audited); False when it was not closed."""
    return _change(
        store,
        task=task,
        to="open",
        by=by,
        at=at,
        reason="reopened by an operator: automatic decisions resume, measured afresh from now",
        details={},
    )
