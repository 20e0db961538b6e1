"""The hash-chained audit log in Interlock's own store.

Each appended event gets, within its chain, the next sequence number ``seq`` (from 1,
without gaps) and two hashes, both SHA-256 and stored as lowercase hex:

* ``leaf_hash = H(0x00 || body)``, where ``body`` is the event's RFC 8785 JSON. This
  is the RFC 6962 leaf, so a Merkle tree with inclusion and consistency proofs can
  later be built over the same leaves without rewriting a single row.
* ``chain_hash = H(prev_chain_hash || leaf_hash)`` over the raw 32-byte digests, with
  32 zero bytes before the first event. Each row therefore commits to every row before
  it, and the ``audit_heads`` row (one per chain) records the last ``seq`` and
  ``chain_hash`` so that a deleted tail is noticed too.

Tables (on :data:`interlock.store.metadata.store_metadata`)::

    audit_events  chain, seq (PK together), event_id UNIQUE ("<chain>:<seq>"), kind, at,
                  record_id (indexed), work_item_id (indexed), body, leaf_hash, chain_hash
    audit_heads   chain PK, seq, chain_hash

``kind``, ``at``, ``record_id`` and ``work_item_id`` repeat what the body says so that
look-ups use indexes; :meth:`AuditLog.verify` checks that they still agree with it.
``record_id`` is the subject's record, whatever the task: the event's ``purpose`` says
which task, and so which kind of record (events appended before subjects were generic
name it ``claim_id``; revision 0003 of the store renamed the column, keeping its values).

Appends happen inside the caller's transaction, so an audit event and the state change
it describes commit or roll back together. Appends to one chain are serialized: on
PostgreSQL by ``SELECT ... FOR UPDATE`` on the head row; on SQLite by the database's
single writer, which only works when the transaction takes the write lock before it
reads anything. Open such transactions with :func:`begin_write`, which issues
``BEGIN IMMEDIATE`` on SQLite. Whatever the caller does, the primary key on
``(chain, seq)`` and a compare-and-set on the head make a forked chain impossible: a
racing append fails instead.

What verification proves: nobody edited, removed, reordered or inserted rows without
recomputing every later hash and the head. Someone with write access who does
recompute them is caught only against checkpoints kept outside the database.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    DateTime,
    Dialect,
    Engine,
    PrimaryKeyConstraint,
    Select,
    Table,
    Text,
    Update,
    bindparam,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.types import TypeDecorator

from interlock.audit.events import AuditEvent, parse_body
from interlock.audit.parallel import PARALLEL_FROM, default_workers, segment_bounds, walk_in_segments
from interlock.audit.scan import walk_chain
from interlock.exceptions import ConfigurationError, RuntimeFailure, UsageError
from interlock.store.metadata import store_metadata

GENESIS_HASH: Final = "00" * 32
"""The chain hash "before" the first event, and the head hash of an empty chain."""

_GENESIS: Final = bytes(32)
_LEAF_PREFIX: Final = b"\x00"
_CHAIN_NAME: Final = re.compile(r"[a-z0-9][a-z0-9_.-]{0,62}")
_SUPPORTED_DIALECTS: Final = frozenset({"sqlite", "postgresql"})


class UtcDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on every backend.

    SQLite has no time zone type, so values are stored there as naive UTC and the zone
    is put back on read; PostgreSQL stores ``timestamptz``.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Normalize to UTC, and drop the zone where the backend cannot keep it."""
        if value is None:
            return None
        if value.utcoffset() is None:
            raise UsageError("naive datetimes are not stored; pass an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Return an aware UTC datetime whichever backend stored it."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


audit_events = Table(
    "audit_events",
    store_metadata,
    Column("chain", Text, nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("event_id", Text, nullable=False, unique=True),
    Column("kind", Text, nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("record_id", Text, nullable=True, index=True),
    Column("work_item_id", Text, nullable=True, index=True),
    Column("body", Text, nullable=False),
    Column("leaf_hash", Text, nullable=False),
    Column("chain_hash", Text, nullable=False),
    PrimaryKeyConstraint("chain", "seq", name="pk_audit_events"),
)

audit_heads = Table(
    "audit_heads",
    store_metadata,
    Column("chain", Text, primary_key=True),
    Column("seq", BigInteger, nullable=False),
    Column("chain_hash", Text, nullable=False),
)

#: Events with outcome ``error`` per kind, counted as they are appended (in the same
#: transaction), so that metrics read a few rows instead of scanning the trail.
audit_error_counts = Table(
    "audit_error_counts",
    store_metadata,
    Column("chain", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("n", BigInteger, nullable=False),
    PrimaryKeyConstraint("chain", "kind", name="pk_audit_error_counts"),
)


# Statements built once: constructing them per append costs more than running them.
_HEAD: Final[Select[Any]] = select(audit_heads.c.seq, audit_heads.c.chain_hash).where(
    audit_heads.c.chain == bindparam("head_chain")
)
_HEAD_FOR_UPDATE: Final[Select[Any]] = _HEAD.with_for_update()
_CREATE_HEAD: Final[dict[str, Any]] = {
    name: dialect_insert(audit_heads)
    .values(chain=bindparam("head_chain"), seq=0, chain_hash=GENESIS_HASH)
    .on_conflict_do_nothing(index_elements=[audit_heads.c.chain])
    for name, dialect_insert in (("postgresql", postgresql.insert), ("sqlite", sqlite.insert))
}
_MOVE_HEAD: Final[Update] = (
    update(audit_heads)
    .where(audit_heads.c.chain == bindparam("head_chain"), audit_heads.c.seq == bindparam("old_seq"))
    .values(seq=bindparam("new_seq"), chain_hash=bindparam("new_hash"))
)


@dataclass(frozen=True, slots=True, kw_only=True)
class AppendedEvent:
    """Where an appended event landed: enough to cite it in a receipt or a proof."""

    chain: str
    seq: int
    event_id: str
    leaf_hash: str
    chain_hash: str


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredEvent:
    """An event read back from the log, with its position and hashes."""

    chain: str
    seq: int
    event_id: str
    at: datetime
    body: dict[str, Any]
    leaf_hash: str
    chain_hash: str

    def event(self) -> AuditEvent:
        """The :class:`AuditEvent` this row was appended from."""
        return AuditEvent.from_dict(self.body)


@dataclass(frozen=True, slots=True, kw_only=True)
class VerifyReport:
    """The outcome of walking one chain.

    ``count`` is the number of events verified before the first problem (all of them
    when ``ok``), and ``head_hash`` the chain hash after the last of those. When
    ``ok`` is false, ``first_bad_seq`` names the first position that does not check
    out (for a missing row, the ``seq`` that is missing) and ``reason`` says why;
    ``first_bad_event_id`` is the id of the offending row when there is one.
    """

    ok: bool
    count: int
    head_hash: str
    first_bad_seq: int | None
    first_bad_event_id: str | None
    reason: str


def leaf_hash(body: bytes) -> str:
    """The RFC 6962 leaf hash of a canonical event body, as hex."""
    return hashlib.sha256(_LEAF_PREFIX + body).hexdigest()


def link_hash(prev_chain_hash: str, leaf: str) -> str:
    """The chain hash that follows ``prev_chain_hash`` when ``leaf`` is appended."""
    return hashlib.sha256(bytes.fromhex(prev_chain_hash) + bytes.fromhex(leaf)).hexdigest()


def event_id_for(chain: str, seq: int) -> str:
    """The event id of position ``seq`` in ``chain``; derived, so a forger must match it."""
    return f"{chain}:{seq}"


def _require_supported(dialect_name: str) -> None:
    if dialect_name not in _SUPPORTED_DIALECTS:
        raise ConfigurationError(f"the audit log supports SQLite and PostgreSQL, not {dialect_name!r}")


@contextmanager
def _sqlite_transaction(engine: Engine, begin_sql: str) -> Iterator[Connection]:
    """Run a transaction opened with ``begin_sql`` on SQLite.

    Python's sqlite3 driver delays ``BEGIN`` until the first write and always uses the
    deferred kind, so the connection is switched to autocommit (the driver then stays
    out of the way) and the transaction is opened and closed by hand.
    """
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT")
        conn.exec_driver_sql(begin_sql)
        try:
            yield conn
        except BaseException:
            # SQLite ends the transaction itself after some errors (a full disk, an
            # interrupt); a second ROLLBACK would then hide the original error.
            dbapi_conn: Any = conn.connection.dbapi_connection
            if dbapi_conn.in_transaction:
                conn.exec_driver_sql("ROLLBACK")
            raise
        conn.exec_driver_sql("COMMIT")


@contextmanager
def begin_write(engine: Engine) -> Iterator[Connection]:
    """Open a transaction that may append to the audit log; commit on success.

    On SQLite this is ``BEGIN IMMEDIATE``: the write lock is taken (waiting up to the
    busy timeout) before anything is read, so two processes appending at once queue up
    instead of one failing when it tries to upgrade a read lock. On PostgreSQL it is an
    ordinary transaction; :meth:`AuditLog.append` locks the chain's head row itself.

    The context manager owns the transaction: do not call ``commit()`` or
    ``rollback()`` on the yielded connection; raise to roll back.
    """
    _require_supported(engine.dialect.name)
    if engine.dialect.name == "sqlite":
        with _sqlite_transaction(engine, "BEGIN IMMEDIATE") as conn:
            yield conn
    else:
        with engine.begin() as conn:
            yield conn


@contextmanager
def _begin_snapshot(engine: Engine) -> Iterator[Connection]:
    """A read-only transaction that sees one consistent state of the log.

    Verification reads the head and then every row; without one snapshot an append
    committed in between would look like tampering.
    """
    _require_supported(engine.dialect.name)
    if engine.dialect.name == "sqlite":
        with _sqlite_transaction(engine, "BEGIN") as conn:
            yield conn
    else:
        with engine.connect() as conn:
            conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
            with conn.begin():
                yield conn


def _check_in_transaction(conn: Connection) -> None:
    """Refuse an autocommit connection, where each statement would commit on its own."""
    dbapi_conn: Any = conn.connection.dbapi_connection
    if conn.dialect.name == "sqlite":
        if dbapi_conn.isolation_level is None and not dbapi_conn.in_transaction:
            raise UsageError("append needs an open transaction; use begin_write(engine)")
    elif getattr(dbapi_conn, "autocommit", False):
        raise UsageError("append needs a transaction, not an autocommit connection")


class AuditLog:
    """One hash chain of audit events (``chain="main"`` unless partitioned on purpose)."""

    def __init__(
        self,
        engine: Engine,
        chain: str = "main",
        *,
        verify_workers: int | None = None,
        parallel_verify_from: int = PARALLEL_FROM,
    ) -> None:
        """``verify_workers`` processes verify chains of ``parallel_verify_from`` events or more.

        By default as many as the cores available, at most two (see
        :mod:`interlock.audit.parallel`); ``1`` always walks in this process.
        """
        _require_supported(engine.dialect.name)
        if not _CHAIN_NAME.fullmatch(chain):
            raise UsageError(f"invalid audit chain name {chain!r}: use [a-z0-9_.-], max 63")
        self.engine = engine
        self.chain = chain
        self.verify_workers = default_workers() if verify_workers is None else verify_workers
        self.parallel_verify_from = parallel_verify_from

    def _lock_head(self, conn: Connection) -> tuple[int, str]:
        """Return the head ``(seq, chain_hash)``, holding the chain's write lock.

        On SQLite the head row is upserted first: a write statement takes the database
        write lock even when a caller opened a deferred transaction. On PostgreSQL the
        row lock taken by ``FOR UPDATE`` is the serialization point, and the row is
        created only when it is missing.
        """
        params = {"head_chain": self.chain}
        if conn.dialect.name == "postgresql":
            row = conn.execute(_HEAD_FOR_UPDATE, params).one_or_none()
            if row is not None:
                return int(row.seq), str(row.chain_hash)
        conn.execute(_CREATE_HEAD[conn.dialect.name], params)
        row = conn.execute(_HEAD_FOR_UPDATE, params).one()
        return int(row.seq), str(row.chain_hash)

    def append(self, conn: Connection, events: Sequence[AuditEvent]) -> list[AppendedEvent]:
        """Append ``events`` in order inside the caller's open transaction.

        Nothing is committed here: the events become visible when the caller commits,
        together with whatever else the transaction changed, and vanish if it rolls
        back. On SQLite open the transaction with :func:`begin_write`.
        """
        if not events:
            return []
        _require_supported(conn.dialect.name)
        _check_in_transaction(conn)
        head_seq, head_hash = self._lock_head(conn)
        prev = bytes.fromhex(head_hash)
        seq = head_seq
        rows: list[dict[str, Any]] = []
        appended: list[AppendedEvent] = []
        errors: Counter[str] = Counter()
        for event in events:
            seq += 1
            if event.outcome == "error":
                errors[event.kind] += 1
            body = event.to_canonical_json()
            leaf = hashlib.sha256(_LEAF_PREFIX + body).digest()
            prev = hashlib.sha256(prev + leaf).digest()
            event_id = event_id_for(self.chain, seq)
            leaf_hex, chain_hex = leaf.hex(), prev.hex()
            rows.append(
                {
                    "chain": self.chain,
                    "seq": seq,
                    "event_id": event_id,
                    "kind": event.kind,
                    "at": event.at,
                    "record_id": event.record_id,
                    "work_item_id": event.work_item_id,
                    "body": body.decode("utf-8"),
                    "leaf_hash": leaf_hex,
                    "chain_hash": chain_hex,
                }
            )
            appended.append(
                AppendedEvent(
                    chain=self.chain,
                    seq=seq,
                    event_id=event_id,
                    leaf_hash=leaf_hex,
                    chain_hash=chain_hex,
                )
            )
        conn.execute(audit_events.insert(), rows)
        moved = conn.execute(
            _MOVE_HEAD,
            {"head_chain": self.chain, "old_seq": head_seq, "new_seq": seq, "new_hash": prev.hex()},
        )
        if moved.rowcount != 1:
            raise RuntimeFailure(
                "the audit head moved during an append: the transaction does not serialize "
                "appends (on SQLite, open it with begin_write)"
            )
        for kind, n in errors.items():  # serialized by the head lock taken above
            counted = conn.execute(
                update(audit_error_counts)
                .where(audit_error_counts.c.chain == self.chain, audit_error_counts.c.kind == kind)
                .values(n=audit_error_counts.c.n + n)
            ).rowcount
            if counted == 0:
                conn.execute(insert(audit_error_counts).values(chain=self.chain, kind=kind, n=n))
        return appended

    def error_count(self, kind: str) -> int:
        """How many events of ``kind`` ended in ``error`` (a counter kept by :meth:`append`)."""
        with self.engine.connect() as conn:
            n = conn.execute(
                select(audit_error_counts.c.n).where(
                    audit_error_counts.c.chain == self.chain, audit_error_counts.c.kind == kind
                )
            ).scalar()
        return int(n or 0)

    def append_one(self, event: AuditEvent) -> AppendedEvent:
        """Append one event in a transaction of its own (for events not tied to a change)."""
        with begin_write(self.engine) as conn:
            return self.append(conn, [event])[0]

    def verify(self, *, batch_size: int = 20_000) -> VerifyReport:
        """Walk the chain in ``seq`` order and report the first thing that does not check out.

        Rows are streamed in chunks of ``batch_size``, so memory does not grow with the
        log. Checked for each row: ``seq`` follows the previous one, ``event_id``
        matches it, the leaf hash matches the body, the chain hash links to the previous
        one, the indexed columns agree with the body, and no row lies beyond the head;
        then that the head names the last row and its chain hash.
        """
        return self.verify_collecting(None, batch_size=batch_size)

    def verify_collecting(self, leaves: bytearray | None, *, batch_size: int = 20_000) -> VerifyReport:
        """:meth:`verify`, also appending each verified event's leaf hash to ``leaves``.

        Anchoring to checkpoints needs the leaves of exactly the events that were
        verified; collecting them in the same pass reads the log once, from one snapshot.
        """
        with _begin_snapshot(self.engine) as conn:
            row = conn.execute(_HEAD, {"head_chain": self.chain}).one_or_none()
            head = None if row is None else (int(row.seq), str(row.chain_hash))
            outcome = None
            bounds = segment_bounds(
                0 if head is None else head[0], self.verify_workers, parallel_from=self.parallel_verify_from
            )
            if (
                head is not None
                and len(bounds) > 1
                and self.engine.url.database not in (None, "", ":memory:")
            ):
                url = self.engine.url.render_as_string(hide_password=False)
                outcome = walk_in_segments(
                    conn, url, self.chain, head, bounds, chunk=batch_size, leaves=leaves
                )
            if outcome is None:
                outcome = walk_chain(conn, self.chain, head, chunk=batch_size, leaves=leaves)
        return VerifyReport(
            ok=outcome.ok,
            count=outcome.count,
            head_hash=outcome.head_hash,
            first_bad_seq=outcome.first_bad_seq,
            first_bad_event_id=outcome.first_bad_event_id,
            reason=outcome.reason,
        )

    def _select_stored(self) -> Any:
        return select(
            audit_events.c.seq,
            audit_events.c.event_id,
            audit_events.c.at,
            audit_events.c.body,
            audit_events.c.leaf_hash,
            audit_events.c.chain_hash,
        ).where(audit_events.c.chain == self.chain)

    def _stored(self, statement: Any) -> list[StoredEvent]:
        with self.engine.connect() as conn:
            rows = conn.execute(statement.order_by(audit_events.c.seq)).all()
        return [
            StoredEvent(
                chain=self.chain,
                seq=int(row.seq),
                event_id=row.event_id,
                at=row.at,
                body=parse_body(row.body),
                leaf_hash=row.leaf_hash,
                chain_hash=row.chain_hash,
            )
            for row in rows
        ]

    def events_for_record(self, record_id: str) -> list[StoredEvent]:
        """Every event of this chain whose subject names ``record_id``, oldest first, any task."""
        return self._stored(self._select_stored().where(audit_events.c.record_id == record_id))

    def events_for_work_item(self, work_item_id: str) -> list[StoredEvent]:
        """Every event of this chain about one work item, oldest first."""
        return self._stored(self._select_stored().where(audit_events.c.work_item_id == work_item_id))

    def count(self) -> int:
        """How many events the chain holds (counted, not read from the head)."""
        with self.engine.connect() as conn:
            total = conn.execute(
                select(func.count()).select_from(audit_events).where(audit_events.c.chain == self.chain)
            ).scalar_one()
        return int(total)


def append_one(engine: Engine, event: AuditEvent, *, chain: str = "main") -> AppendedEvent:
    """Append one event to ``chain`` in a transaction of its own."""
    return AuditLog(engine, chain).append_one(event)


def verify(engine: Engine, chain: str = "main") -> VerifyReport:
    """Verify ``chain`` from its first event to its head."""
    return AuditLog(engine, chain).verify()


def events_for_record(engine: Engine, record_id: str, *, chain: str = "main") -> list[StoredEvent]:
    """Every event of ``chain`` about ``record_id``, oldest first."""
    return AuditLog(engine, chain).events_for_record(record_id)


def count(engine: Engine, chain: str = "main") -> int:
    """How many events ``chain`` holds."""
    return AuditLog(engine, chain).count()
