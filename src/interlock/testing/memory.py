"""An in-memory system of record for any domain's tests.

A domain's tests need a world to run in: records with versions, a scope that decides
which of them a principal may read, writes that must apply exactly once and only at the
version decided, holds, and outages. :class:`InMemoryConnector` is that world for
records held as plain dicts, and it implements the :class:`~interlock.task.Connector`
protocol, so the real engine, gate runner and review desk run against it unchanged.

It keeps the promises a real connector keeps, because a fake that is more forgiving
than production hides exactly the bugs a test is for:

* the scope predicate runs inside every read: a record outside the scope reads as
  absent, like one that does not exist;
* a commit applies once per idempotency key (a replay returns the first receipt with
  ``already_applied``) and only while the record still has the decided version and
  still awaits a decision (else :class:`~interlock.exceptions.StaleRecord`);
* a hold parks a record awaiting a decision; holding it again at the same version is
  a no-op receipt. Writes change a record's fields, never its version: the version
  moves only when someone edits the record (:meth:`InMemoryConnector.edit`), which is
  what the review desk relies on to tell a held record from a changed one;
* ``down`` makes every call raise :class:`~interlock.exceptions.ConnectorUnavailable`,
  and ``fail_writes`` fails only the next writes, after the decision was made.

What a commit changes is the domain's business (``commit``); the rest is generic.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from interlock.exceptions import ConnectorUnavailable, StaleRecord, UsageError
from interlock.gate.approval import ApprovedCommit, ApprovedHold, ApprovedWrite
from interlock.policy.principal import Principal
from interlock.task import Receipt

__all__ = ["InMemoryConnector", "StoredRecord"]

ScopeT = TypeVar("ScopeT")
CtxT = TypeVar("CtxT")
PayloadT = TypeVar("PayloadT")

#: What a commit changes on a record, given its current fields and the approved write.
CommitChanges = Callable[[Mapping[str, Any], ApprovedCommit[PayloadT]], Mapping[str, Any]]


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredRecord:
    """One record as a context builder receives it: a copy, so a builder cannot edit the world."""

    record_id: str
    version: int
    fields: Mapping[str, Any]


class InMemoryConnector(Generic[ScopeT, CtxT, PayloadT]):
    """Records as dicts behind the :class:`~interlock.task.Connector` protocol.

    ``permits(scope, fields)`` is the scope predicate; ``context(record, scope)`` builds
    the domain's context (items with provenance, masking as the scope requires);
    ``commit(fields, approved)`` returns the field changes a commit makes. A record
    awaits a decision while ``fields[status_field]`` is one of ``pending_statuses``; a
    hold sets it to ``held_status``, and a held record may still be committed (by a
    person's decision).
    """

    def __init__(
        self,
        *,
        permits: Callable[[ScopeT, Mapping[str, Any]], bool],
        context: Callable[[StoredRecord, ScopeT], CtxT],
        commit: CommitChanges[PayloadT],
        pending_statuses: Iterable[str],
        held_status: str,
        status_field: str = "status",
        principals: Mapping[str, Principal] | None = None,
    ) -> None:
        self._permits = permits
        self._context = context
        self._commit = commit
        self.pending_statuses = frozenset(pending_statuses)
        self.held_status = held_status
        self.status_field = status_field
        self.principals = dict(principals or {})
        self._records: dict[str, dict[str, Any]] = {}
        self._versions: dict[str, int] = {}
        self._receipts: dict[str, Receipt] = {}
        self._lock = threading.Lock()
        #: Every write that changed the world, in order (replays are not repeated here).
        self.applied: list[ApprovedWrite[PayloadT]] = []
        #: While true, every call raises ConnectorUnavailable.
        self.down = False
        #: How many of the next writes fail with ConnectorUnavailable before touching anything.
        self.fail_writes = 0

    # -- building the world ---------------------------------------------------------

    def add(self, record_id: str, fields: Mapping[str, Any], *, version: int = 1) -> None:
        """Put a new record into the world."""
        with self._lock:
            if record_id in self._records:
                raise UsageError(f"record {record_id} already exists; use edit() to change it")
            self._records[record_id] = copy.deepcopy(dict(fields))
            self._versions[record_id] = version

    def edit(self, record_id: str, **changes: Any) -> int:
        """Change a record as someone in the system of record would: its version moves on."""
        with self._lock:
            self._records[record_id].update(copy.deepcopy(changes))
            self._versions[record_id] += 1
            return self._versions[record_id]

    def record(self, record_id: str) -> dict[str, Any]:
        """A copy of the record's fields as they stand (for assertions), whatever the scope."""
        with self._lock:
            return copy.deepcopy(self._records[record_id])

    def version(self, record_id: str) -> int:
        """The record's current version, whatever the scope."""
        with self._lock:
            return self._versions[record_id]

    # -- the Connector protocol -----------------------------------------------------

    def _check_up(self) -> None:
        if self.down:
            raise ConnectorUnavailable("in-memory system of record is down")

    def _visible(self, record_id: str, scope: ScopeT) -> StoredRecord | None:
        fields = self._records.get(record_id)
        if fields is None or not self._permits(scope, fields):
            return None
        return StoredRecord(
            record_id=record_id, version=self._versions[record_id], fields=copy.deepcopy(fields)
        )

    def pending_records(self, scope: ScopeT) -> list[str]:
        """Ids of records awaiting a decision that ``scope`` permits, in id order."""
        self._check_up()
        with self._lock:
            return sorted(
                rid
                for rid, fields in self._records.items()
                if fields.get(self.status_field) in self.pending_statuses and self._permits(scope, fields)
            )

    def record_version(self, record_id: str, scope: ScopeT) -> int | None:
        """The current version, or ``None`` for a missing record and one outside ``scope`` alike."""
        self._check_up()
        with self._lock:
            found = self._visible(record_id, scope)
        return None if found is None else found.version

    def read_context(self, record_id: str, scope: ScopeT) -> CtxT | None:
        """The domain's context of the record as ``scope`` may see it, or ``None``."""
        self._check_up()
        with self._lock:
            found = self._visible(record_id, scope)
        return None if found is None else self._context(found, scope)

    def load_principal(self, staff_id: str) -> Principal | None:
        """The principal registered under ``staff_id``, if any."""
        self._check_up()
        return self.principals.get(staff_id)

    def write(self, approved: ApprovedWrite[PayloadT]) -> Receipt:
        """Apply a sealed commit or hold atomically, exactly once, at the decided version."""
        self._check_up()
        with self._lock:
            if self.fail_writes > 0:
                self.fail_writes -= 1
                raise ConnectorUnavailable("in-memory system of record failed the write")
            match approved:
                case ApprovedCommit():
                    return self._apply_commit(approved)
                case ApprovedHold():
                    return self._apply_hold(approved)

    def _current(self, record_id: str, version: int) -> dict[str, Any]:
        fields = self._records.get(record_id)
        if fields is None or self._versions[record_id] != version:
            raise StaleRecord(f"record {record_id} is no longer at version {version}")
        return fields

    def _apply_commit(self, w: ApprovedCommit[PayloadT]) -> Receipt:
        prior = self._receipts.get(w.idempotency_key)
        if prior is not None:
            return Receipt(
                action="commit",
                record_id=prior.record_id,
                record_version=prior.record_version,
                reference=prior.reference,
                already_applied=True,
            )
        fields = self._current(w.record_id, w.record_version)
        if fields.get(self.status_field) not in {*self.pending_statuses, self.held_status}:
            raise StaleRecord(f"record {w.record_id} no longer awaits a decision")
        fields.update(copy.deepcopy(dict(self._commit(copy.deepcopy(fields), w))))
        receipt = Receipt(
            action="commit",
            record_id=w.record_id,
            record_version=w.record_version,
            reference=w.reference,
            already_applied=False,
        )
        self._receipts[w.idempotency_key] = receipt
        self.applied.append(w)
        return receipt

    def _apply_hold(self, w: ApprovedHold) -> Receipt:
        fields = self._current(w.record_id, w.record_version)
        status = fields.get(self.status_field)
        if status == self.held_status:
            return Receipt.held(w.record_id, w.record_version, already_applied=True)
        if status not in self.pending_statuses:
            raise StaleRecord(f"record {w.record_id} no longer awaits a decision")
        fields[self.status_field] = self.held_status
        self.applied.append(w)
        return Receipt.held(w.record_id, w.record_version, already_applied=False)
