"""Reading back the audit events a test caused, in the order they were appended.

The audit trail is part of a task's behaviour: a decision that was written but not
audited, or audited with the wrong reason, is a defect a test should catch. The
engine and the review desk append events to Interlock's store inside the same
transactions as the state they describe; :func:`capture_events` reads them back
through the audit log's own table and parser (:mod:`interlock.audit.chain`), starting
from the moment the capture was taken, so a test asserts on exactly what it caused::

    events = capture_events(store_engine)
    engine.process("T-1")
    assert events.kinds("T-1") == ["entitlement.decided", "context.retrieved", ...]
    assert events.last("T-1", "work.completed").outcome == "commit"
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Engine, func, select

from interlock.audit.chain import audit_events
from interlock.audit.events import AuditEvent, parse_body

__all__ = ["EventCapture", "capture_events"]


class EventCapture:
    """The audit events of one chain appended after a starting point, oldest first."""

    def __init__(self, store: Engine, *, chain: str = "main", since_seq: int = 0) -> None:
        self.store = store
        self.chain = chain
        self.since_seq = since_seq

    def _last_seq(self) -> int:
        with self.store.connect() as conn:
            seq = conn.execute(
                select(func.max(audit_events.c.seq)).where(audit_events.c.chain == self.chain)
            ).scalar_one()
        return int(seq or 0)

    def mark(self) -> None:
        """Forget what was captured so far: later calls see only events appended from now."""
        self.since_seq = self._last_seq()

    def events(self, record_id: str | None = None, *, kinds: Iterable[str] | None = None) -> list[AuditEvent]:
        """The captured events, optionally of one record and of some kinds, in append order."""
        query = select(audit_events.c.body).where(
            audit_events.c.chain == self.chain, audit_events.c.seq > self.since_seq
        )
        if record_id is not None:
            query = query.where(audit_events.c.record_id == record_id)
        if kinds is not None:
            query = query.where(audit_events.c.kind.in_(sorted(set(kinds))))
        with self.store.connect() as conn:
            bodies = conn.execute(query.order_by(audit_events.c.seq)).scalars().all()
        return [AuditEvent.from_dict(parse_body(body)) for body in bodies]

    def kinds(self, record_id: str | None = None) -> list[str]:
        """The kinds of the captured events, in append order."""
        return [e.kind for e in self.events(record_id)]

    def outcomes(self, record_id: str | None = None) -> list[tuple[str, str]]:
        """``(kind, outcome)`` of every captured event, in append order."""
        return [(e.kind, e.outcome) for e in self.events(record_id)]

    def last(self, record_id: str | None, kind: str) -> AuditEvent:
        """The most recent captured event of ``kind`` (of one record when given); KeyError if none."""
        found = self.events(record_id, kinds=[kind])
        if not found:
            raise KeyError(f"no {kind} event captured" + (f" for {record_id}" if record_id else ""))
        return found[-1]


def capture_events(store: Engine, *, chain: str = "main", from_start: bool = False) -> EventCapture:
    """Start capturing the audit events appended to ``store`` from now (or from its first event).

    ``store`` is Interlock's store with its tables created; the capture reads, it never
    writes, so it cannot change what it observes.
    """
    capture = EventCapture(store, chain=chain)
    if not from_start:
        capture.mark()
    return capture
