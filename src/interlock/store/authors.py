"""Who submitted or changed a record, kept in Interlock's store for separation of duties.

The system of record may not say who brought a claim in (a FHIR claim posted by an
analyst arrives as any other claim), so Interlock records it when it does the writing.
The policy then refuses a person's decision on a record they authored, whatever the
task (:meth:`interlock.policy.tasks.WriteBoundary.for_record`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy import Connection, Engine, insert, select
from sqlalchemy.exc import IntegrityError

from interlock.store.schema import record_authors

AuthorAction = Literal["submitted", "changed"]
#: The record type of a claim of the system of record.
CLAIM_RECORD = "claim"


def record_author(
    engine: Engine,
    *,
    record_type: str,
    record_id: str,
    principal: str,
    action: AuthorAction,
    task: str,
    at: datetime,
) -> None:
    """Remember that ``principal`` submitted or changed a record (once; later times add nothing)."""
    row = {
        "record_type": record_type,
        "record_id": record_id,
        "principal": principal,
        "action": action,
        "task": task,
        "at": at.replace(tzinfo=None),
    }
    try:
        with engine.begin() as conn:
            conn.execute(insert(record_authors).values(**row))
    except IntegrityError:
        pass  # already recorded: the first time stands


def authors_of(conn: Connection | Engine, *, record_type: str, record_id: str) -> frozenset[str]:
    """Every principal recorded as having submitted or changed the record."""
    query = select(record_authors.c.principal).where(
        record_authors.c.record_type == record_type, record_authors.c.record_id == record_id
    )
    if isinstance(conn, Engine):
        with conn.connect() as c:
            return frozenset(str(p) for p in c.execute(query).scalars())
    return frozenset(str(p) for p in conn.execute(query).scalars())
