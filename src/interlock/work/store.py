"""Work items in Interlock's store: leases, fencing, recovery points, completion.

The lifecycle of one work item (one task on one record version)::

    pending ──lease──▶ leased ──save decision (recovery point)──▶ leased ──complete──▶ done
                         │  └──defer──▶ deferred ──lease (after not_before)──▶ leased
                         └──lease expired──▶ leased by another worker (attempt + 1)

``attempt`` is the fencing token: each lease increments it, and every later update
says which attempt it belongs to, so a worker whose lease expired can no longer save a
decision, defer or complete. The decision is saved with ``COALESCE`` so the first
validated decision wins and every retry reuses it instead of asking the model again.
Each transition appends its audit events in the same transaction.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, RowMapping, bindparam, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from interlock.audit.chain import AuditLog, begin_write
from interlock.audit.events import AuditEvent
from interlock.audit.group_commit import GroupCommitter
from interlock.exceptions import LeaseLost
from interlock.quality.store import record_sample
from interlock.store.schema import review_attributes, review_items, work_items

T = TypeVar("T")


def _naive(dt: datetime) -> datetime:
    """Store timestamps as naive UTC: portable across SQLite and PostgreSQL."""
    return dt if dt.tzinfo is None else dt.astimezone(UTC).replace(tzinfo=None)


def idempotency_key_for(task: str, record_id: str, version: int) -> str:
    """The key a write for this task, record and version always carries."""
    return f"{task}/{record_id}/v{version}"


def work_item_id_for(key: str) -> str:
    """A work item id derived from its key, so every process names it the same way."""
    return "wi-" + hashlib.sha256(key.encode()).hexdigest()[:24]


@dataclass(frozen=True, slots=True, kw_only=True)
class Lease:
    """A held lease: the work item, its fencing token and any saved decision."""

    work_item_id: str
    record_id: str
    record_version: int
    idempotency_key: str
    attempt: int
    defer_count: int
    decision: dict[str, Any] | None


@dataclass(frozen=True, slots=True, kw_only=True)
class ReviewOpening:
    """What a review item records when a work item is routed to a person.

    ``attributes`` are the record's access attributes, copied so that the review queue
    is scoped in SQL by the same predicate that guards the record's reads.
    """

    task: str
    record_id: str
    record_version: int
    amount: str
    attributes: Mapping[str, str]
    reason: str
    findings: list[dict[str, str]]
    proposal: dict[str, Any]
    #: The automatic decision a quality sample withheld (recorded beside the review item).
    sample: Mapping[str, Any] | None = None


# The transitions' statements are built once, with bound parameters: a work item runs
# several of them, and building SQLAlchemy expressions anew for each call cost more CPU
# than executing them. Parameter names avoid the column names, which SQLAlchemy keeps for
# the SET clause.
_wi = work_items.c
_BY_ID = _wi.work_item_id == bindparam("p_id")
_ITEM = select(work_items).where(_BY_ID)
_DECISION = select(_wi.decision).where(_BY_ID)
_TAKE = (
    update(work_items)
    .where(
        _BY_ID,
        or_(
            _wi.status == "pending",
            (_wi.status == "deferred") & or_(_wi.not_before.is_(None), _wi.not_before <= bindparam("p_now")),
            (_wi.status == "leased") & (_wi.lease_expires_at < bindparam("p_now")),
        ),
    )
    .values(
        status="leased",
        attempt=_wi.attempt + 1,
        lease_owner=bindparam("p_worker"),
        lease_expires_at=bindparam("p_expires"),
        updated_at=bindparam("p_now"),
    )
)
#: The fence: only the lease's own attempt, still leased, may change the item.
_FENCE = (_BY_ID, _wi.attempt == bindparam("p_attempt"), _wi.status == "leased")
_SAVE = (
    update(work_items)
    .where(*_FENCE)
    .values(decision=func.coalesce(_wi.decision, bindparam("p_decision")), updated_at=bindparam("p_now"))
)
_DEFER = (
    update(work_items)
    .where(*_FENCE)
    .values(
        status="deferred",
        lease_owner=None,
        lease_expires_at=None,
        not_before=bindparam("p_not_before"),
        defer_count=_wi.defer_count + 1,
        reason=bindparam("p_reason"),
        updated_at=bindparam("p_now"),
    )
)
_COMPLETE = (
    update(work_items)
    .where(*_FENCE)
    .values(
        status="done",
        route=bindparam("p_route"),
        reason=bindparam("p_reason"),
        receipt=bindparam("p_receipt"),
        lease_owner=None,
        lease_expires_at=None,
        updated_at=bindparam("p_now"),
    )
)
#: Creating a work item that may already exist. No conflict target: the table has three
#: unique constraints (the id, the idempotency key, and task with record and version),
#: and on PostgreSQL a racing insert that names only one of them still fails on the
#: others once the winner commits; without a target every one of them yields.
_CREATE = {
    "sqlite": sqlite.insert(work_items).on_conflict_do_nothing(),
    "postgresql": postgresql.insert(work_items).on_conflict_do_nothing(),
}


def _fenced_update(
    conn: Connection, lease: Lease, statement: Any, params: dict[str, Any], failure: str
) -> None:
    """Run a fenced ``statement``: it changes the item only while this lease's attempt holds it.

    A worker whose lease expired and was taken over finds no row to update and gets
    :class:`LeaseLost`, so it can neither save, defer nor complete over the new holder.
    """
    result = conn.execute(statement, {"p_id": lease.work_item_id, "p_attempt": lease.attempt, **params})
    if result.rowcount != 1:
        raise LeaseLost(f"work item {lease.work_item_id} {failure} attempt {lease.attempt}")


def _create(conn: Connection, row: dict[str, Any]) -> None:
    """Insert the work item ``row`` unless an item with its id exists."""
    conn.execute(_CREATE[conn.dialect.name], row)


def _take(conn: Connection, params: dict[str, Any]) -> RowMapping | None:
    """Lease the item if it is free, its deferral is over, or its lease expired; its row or None."""
    if conn.execute(_TAKE, params).rowcount != 1:
        return None
    return conn.execute(_ITEM, params).mappings().one()


def _new_item(task: str, record_id: str, version: int, principal: str, now: datetime) -> dict[str, Any]:
    """The row of a new work item for one task on one record version."""
    key = idempotency_key_for(task, record_id, version)
    n = _naive(now)
    return {
        "work_item_id": work_item_id_for(key),
        "task": task,
        "record_id": record_id,
        "record_version": version,
        "principal": principal,
        "idempotency_key": key,
        "status": "pending",
        "attempt": 0,
        "defer_count": 0,
        "created_at": n,
        "updated_at": n,
    }


def _take_params(work_item_id: str, worker: str, now: datetime, seconds: float) -> dict[str, Any]:
    n = _naive(now)
    return {"p_id": work_item_id, "p_now": n, "p_worker": worker, "p_expires": n + timedelta(seconds=seconds)}


def _lease_of(row: RowMapping | None) -> Lease | None:
    """The lease a taken row stands for."""
    if row is None:
        return None
    return Lease(
        work_item_id=str(row["work_item_id"]),
        record_id=str(row["record_id"]),
        record_version=int(row["record_version"]),
        idempotency_key=str(row["idempotency_key"]),
        attempt=int(row["attempt"]),
        defer_count=int(row["defer_count"]),
        decision=json.loads(row["decision"]) if row["decision"] else None,
    )


class WorkStore:
    """Work item transitions, each one transaction with its audit events.

    With a :class:`~interlock.audit.group_commit.GroupCommitter`, the transitions of
    concurrent work items (threads of one process) share transactions: each still
    returns only once its own change and events are committed, and a transition that
    fails (a lost lease) is undone alone. Without one, each transition is its own
    transaction.
    """

    def __init__(self, engine: Engine, audit: AuditLog, *, committer: GroupCommitter | None = None) -> None:
        self.engine = engine
        self.audit = audit
        self.committer = committer

    @classmethod
    def grouped(cls, engine: Engine) -> WorkStore:
        """A store whose transitions share transactions across this process's threads.

        For processes that run work items concurrently (the API, ``adjudicate
        --concurrency``, queue workers): one commit then makes a whole group durable,
        which matters most where a commit waits for a disk flush (PostgreSQL).
        """
        audit = AuditLog(engine)
        return cls(engine, audit, committer=GroupCommitter(audit))

    def _write(self, unit: Callable[[Connection], T]) -> T:
        """Run ``unit`` in a write transaction (shared with others under group commit)."""
        if self.committer is not None:
            return self.committer.run(unit)
        with begin_write(self.engine) as conn:
            return unit(conn)

    def ensure(self, *, task: str, record_id: str, version: int, principal: str, now: datetime) -> str:
        """Create the work item for this record version unless it exists; return its id.

        The id is derived from the idempotency key, so every process names the same work
        item the same way and the primary key settles any race to create it.
        """
        row = _new_item(task, record_id, version, principal, now)
        self._write(lambda conn: _create(conn, row))
        return str(row["work_item_id"])

    def lease(self, work_item_id: str, *, worker: str, now: datetime, seconds: float) -> Lease | None:
        """Take the work item if it is free (or its lease expired); None otherwise."""
        params = _take_params(work_item_id, worker, now, seconds)
        return _lease_of(self._write(lambda conn: _take(conn, params)))

    def ensure_and_lease(
        self,
        *,
        task: str,
        record_id: str,
        version: int,
        principal: str,
        worker: str,
        now: datetime,
        seconds: float,
    ) -> tuple[str, Lease | None]:
        """:meth:`ensure` then :meth:`lease` in one transaction: the work item's id and the lease."""
        row = _new_item(task, record_id, version, principal, now)
        item_id = str(row["work_item_id"])
        params = _take_params(item_id, worker, now, seconds)

        def create_and_take(conn: Connection) -> RowMapping | None:
            _create(conn, row)
            return _take(conn, params)

        return item_id, _lease_of(self._write(create_and_take))

    def item(self, work_item_id: str) -> RowMapping | None:
        """The stored row of one work item (to say why it could not be leased), if it exists."""
        with self.engine.connect() as conn:
            return conn.execute(_ITEM, {"p_id": work_item_id}).mappings().first()

    def save_decision(
        self, lease: Lease, decision: dict[str, Any], events: Sequence[AuditEvent], *, now: datetime
    ) -> dict[str, Any]:
        """Save the recovery point (first decision wins) and its audit events atomically.

        Returns the decision now stored, which is an earlier one if a previous attempt
        saved first. Raises :class:`LeaseLost` when the lease is no longer ours.
        """
        text = json.dumps(decision, sort_keys=True)

        def save(conn: Connection) -> dict[str, Any]:
            params = {"p_decision": text, "p_now": _naive(now)}
            _fenced_update(conn, lease, _SAVE, params, "is no longer leased by")
            stored = conn.execute(_DECISION, {"p_id": lease.work_item_id}).scalar_one()
            saved: dict[str, Any] = json.loads(stored)
            if saved == json.loads(text):
                self.audit.append(conn, events)
            return saved

        return self._write(save)

    def defer(
        self,
        lease: Lease,
        *,
        reason: str,
        not_before: datetime,
        events: Sequence[AuditEvent],
        now: datetime,
    ) -> None:
        """Put the work item back to wait for a dependency, with its reason."""
        params = {"p_not_before": _naive(not_before), "p_reason": reason[:1000], "p_now": _naive(now)}

        def put_back(conn: Connection) -> None:
            _fenced_update(conn, lease, _DEFER, params, "could not be deferred by")
            self.audit.append(conn, events)

        self._write(put_back)

    def complete(
        self,
        lease: Lease,
        *,
        route: str,
        reason: str,
        receipt: dict[str, Any] | None,
        review: ReviewOpening | None,
        events: Sequence[AuditEvent],
        now: datetime,
    ) -> None:
        """Acknowledge the work item as done, open its review item if any, audit it."""
        n = _naive(now)
        params = {
            "p_route": route,
            "p_reason": reason[:1000],
            "p_receipt": json.dumps(receipt, sort_keys=True) if receipt else None,
            "p_now": n,
        }

        def acknowledge(conn: Connection) -> None:
            _fenced_update(conn, lease, _COMPLETE, params, "could not be completed by")
            if review is not None:
                review_id = "rv-" + lease.work_item_id.removeprefix("wi-")
                conn.execute(
                    review_items.insert().values(
                        review_id=review_id,
                        work_item_id=lease.work_item_id,
                        task=review.task,
                        record_id=review.record_id,
                        record_version=review.record_version,
                        amount=review.amount,
                        attributes=json.dumps(dict(review.attributes), sort_keys=True),
                        reason=review.reason[:1000],
                        findings=json.dumps(review.findings, sort_keys=True),
                        proposal=json.dumps(review.proposal, sort_keys=True),
                        status="open",
                        opened_at=n,
                    )
                )
                if review.attributes:
                    conn.execute(
                        review_attributes.insert(),
                        [
                            {"review_id": review_id, "name": k, "value": v}
                            for k, v in review.attributes.items()
                        ],
                    )
                if review.sample is not None:
                    record_sample(
                        conn,
                        work_item_id=lease.work_item_id,
                        review_id=review_id,
                        task=review.task,
                        record_id=review.record_id,
                        record_version=review.record_version,
                        withheld=review.sample,
                        at=now,
                    )
            self.audit.append(conn, events)

        self._write(acknowledge)

    def unfinished_records(self, task: str) -> list[str]:
        """Record ids of ``task`` whose work item is not done (pending, leased or deferred).

        A worker that died after writing to the system of record leaves a claim that no
        longer awaits a decision there but whose work item still needs its ack; recovery
        finds such items here, not in the system of record.
        """
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(work_items.c.record_id)
                .where(work_items.c.task == task, work_items.c.status != "done")
                .distinct()
                .order_by(work_items.c.record_id)
            ).scalars()
            return [str(r) for r in rows]

    def route_counts(self, task: str) -> dict[str, int]:
        """How many done work items of ``task`` took each route."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(work_items.c.route, func.count())
                .where(work_items.c.task == task, work_items.c.status == "done")
                .group_by(work_items.c.route)
            ).all()
        return {str(route): int(n) for route, n in rows}
