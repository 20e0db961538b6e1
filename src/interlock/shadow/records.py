"""Shadow records in Interlock's store: one row of ``shadow_decisions`` per work item.

The row is the shadow decision's own record (it is not an audit event: a shadow
decision changes nothing, and the trail records what happened to a record). It holds
codes and numbers only. The first record of a work item stands; a second (a work item
decided afresh after a crash) is dropped.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError

from interlock.audit.chain import begin_write
from interlock.shadow.decision import ShadowRecord, SideDecision, facts_json
from interlock.store.schema import shadow_decisions

__all__ = ["read_records", "record_from_row", "record_row", "save_record"]


def record_row(record: ShadowRecord) -> dict[str, Any]:
    """The ``shadow_decisions`` row of a record."""
    return {
        "work_item_id": record.work_item_id,
        "task": record.task,
        "record_id": record.record_id,
        "record_version": record.record_version,
        "candidate": record.candidate,
        **_side("production", record.production),
        **_side("candidate", record.shadow),
        "candidate_status": record.status,
        "candidate_failure": record.failure,
        "candidate_ms": record.candidate_ms,
        "decided_at": record.decided_at.replace(tzinfo=None),
    }


def record_from_row(row: Any) -> ShadowRecord:
    """A record read back from its row."""
    return ShadowRecord(
        work_item_id=row["work_item_id"],
        task=row["task"],
        record_id=row["record_id"],
        record_version=int(row["record_version"]),
        candidate=row["candidate"],
        production=_read_side("production", row),
        shadow=_read_side("candidate", row),
        status=row["candidate_status"],
        failure=row["candidate_failure"],
        candidate_ms=int(row["candidate_ms"]),
        decided_at=row["decided_at"],
    )


def _side(prefix: str, decision: SideDecision) -> dict[str, Any]:
    return {
        f"{prefix}_route": decision.route,
        f"{prefix}_outcome": decision.outcome,
        f"{prefix}_reason_code": decision.reason_code,
        f"{prefix}_facts": facts_json(decision.facts),
        f"{prefix}_model_id": decision.model_id,
        f"{prefix}_answer_sha256": decision.answer_sha256,
    }


def _read_side(prefix: str, row: Any) -> SideDecision:
    return SideDecision(
        route=row[f"{prefix}_route"],
        outcome=row[f"{prefix}_outcome"],
        reason_code=row[f"{prefix}_reason_code"],
        facts=json.loads(row[f"{prefix}_facts"]),
        model_id=row[f"{prefix}_model_id"],
        answer_sha256=row[f"{prefix}_answer_sha256"],
    )


def save_record(store: Engine, record: ShadowRecord) -> bool:
    """Insert the record; False when the work item has one already (the first one stands)."""
    try:
        with begin_write(store) as conn:
            conn.execute(shadow_decisions.insert().values(**record_row(record)))
    except IntegrityError:
        return False
    return True


def read_records(store: Engine, task: str) -> Iterator[ShadowRecord]:
    """Every shadow record of ``task``, oldest first."""
    query = (
        select(shadow_decisions)
        .where(shadow_decisions.c.task == task)
        .order_by(shadow_decisions.c.decided_at, shadow_decisions.c.work_item_id)
    )
    with store.connect() as conn:
        rows = conn.execute(query).mappings().all()
    for row in rows:
        yield record_from_row(row)
