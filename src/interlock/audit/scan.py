"""The verification walk over a stored chain, fast enough for millions of events.

:meth:`interlock.audit.chain.AuditLog.verify` must re-derive every hash from the
stored body (a changed field is only caught that way) and re-check every indexed
column against it, so its cost is one pass over every row. This module keeps that pass
cheap:

* rows come from a raw DB-API cursor in large chunks (a server-side cursor on
  PostgreSQL), as plain tuples, with no SQLAlchemy row or type processing;
* ``at`` is rendered by the database in the body's one spelling
  (``YYYY-MM-DDTHH:MM:SS.ffffffZ``), so no datetime is built per row;
* hashes are computed with :mod:`hashlib` over the stored bytes and compared as hex;
* the leaf hashes can be collected into one ``bytes`` buffer in the same pass, so
  anchoring to checkpoints (:mod:`interlock.audit.anchor`) reads the log once, from
  the same snapshot.

The checks and their order are those of the original walk: ``seq`` follows the
previous one, ``event_id`` matches it, no row lies beyond the head, the leaf hash
matches the body, the chain hash links, the indexed columns agree with the body; then
the head names the last row and its chain hash.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Final, overload

import orjson
from sqlalchemy import Connection

from interlock.audit.events import subject_record_id

HASH_SIZE: Final = 32
_LEAF_PREFIX: Final = b"\x00"
GENESIS: Final = bytes(32)

# The body spells ``at`` as ISO 8601 UTC with microseconds and a ``Z``. SQLite holds
# the column as SQLAlchemy wrote it ("YYYY-MM-DD HH:MM:SS.ffffff"); PostgreSQL holds
# a timestamptz and formats it. Either way the comparison is between two strings.
_COLUMNS: Final = {
    "sqlite": "seq, event_id, kind, replace(at, ' ', 'T') || 'Z', record_id, work_item_id, body, leaf_hash, chain_hash",
    "postgresql": (
        """seq, event_id, kind, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), """
        "record_id, work_item_id, body, leaf_hash, chain_hash"
    ),
}
_MARK: Final = {"sqlite": "?", "postgresql": "%s"}
# Every row of the chain (a whole walk: even a row with seq below 1 must be seen), or
# the rows from one seq on (one segment of a parallel walk).
_SELECT_ALL: Final = {
    d: f"SELECT {cols} FROM audit_events WHERE chain = {_MARK[d]} ORDER BY seq"  # noqa: S608 - constants only
    for d, cols in _COLUMNS.items()
}
_SELECT_FROM: Final = {
    d: f"SELECT {cols} FROM audit_events WHERE chain = {_MARK[d]} AND seq >= {_MARK[d]} ORDER BY seq"  # noqa: S608
    for d, cols in _COLUMNS.items()
}


@dataclass(frozen=True, slots=True, kw_only=True)
class WalkOutcome:
    """What the walk found: the fields of a ``VerifyReport`` (see :mod:`interlock.audit.chain`)."""

    ok: bool
    count: int
    head_hash: str
    first_bad_seq: int | None
    first_bad_event_id: str | None
    reason: str


class LeafArray(Sequence[bytes]):
    """Leaf hashes held as one contiguous buffer, 32 bytes each.

    A million leaves as separate ``bytes`` objects cost about 65 MB and a million
    allocations; one buffer costs 32 MB and none. Indexing returns the 32-byte leaf,
    so the pure Merkle functions accept it as they accept a list.
    """

    __slots__ = ("_data",)

    def __init__(self, data: bytes) -> None:
        if len(data) % HASH_SIZE:
            raise ValueError("leaf buffer length is not a multiple of 32")
        self._data = data

    def __len__(self) -> int:
        return len(self._data) // HASH_SIZE

    @overload
    def __getitem__(self, index: int) -> bytes: ...
    @overload
    def __getitem__(self, index: slice) -> LeafArray: ...
    def __getitem__(self, index: int | slice) -> bytes | LeafArray:
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            if step != 1:
                raise ValueError("leaf arrays slice contiguously only")
            return LeafArray(self._data[start * HASH_SIZE : max(start, stop) * HASH_SIZE])
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        return self._data[index * HASH_SIZE : (index + 1) * HASH_SIZE]

    def __iter__(self) -> Iterator[bytes]:
        data = self._data
        return (data[i : i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE))

    def raw(self) -> bytes:
        """The concatenated leaves, as written to a checkpoint's leaves file."""
        return self._data


def rows_from(conn: Connection, chain: str, first: int, chunk: int) -> Generator[Sequence[Any]]:
    """Stream the chain's rows with ``seq >= first`` in order, as plain tuples, ``chunk`` at a time."""
    dialect = conn.dialect.name
    dbapi_conn: Any = conn.connection.dbapi_connection
    # A named cursor on PostgreSQL streams from the server instead of loading every row.
    cursor = dbapi_conn.cursor(name="audit_verify") if dialect == "postgresql" else dbapi_conn.cursor()
    try:
        if dialect == "postgresql":
            cursor.itersize = chunk
        if first <= 1:
            cursor.execute(_SELECT_ALL[dialect], (chain,))
        else:
            cursor.execute(_SELECT_FROM[dialect], (chain, first))
        while batch := cursor.fetchmany(chunk):
            yield from batch
    finally:
        cursor.close()


Failure = tuple[int, str | None, str]
"""``(first_bad_seq, first_bad_event_id, reason)``."""


@dataclass(frozen=True, slots=True)
class Segment:
    """How far a run of rows checked out: the last good ``seq``, its chain hash, any failure."""

    last: int
    prev: bytes
    failure: Failure | None


def check_rows(
    rows: Iterable[Sequence[Any]],
    chain: str,
    *,
    last: int,
    prev: bytes,
    head: tuple[int, str] | None,
    stop: int | None = None,
    keep: Callable[[bytes], None] | None = None,
) -> Segment:
    """Check rows that should continue the chain after ``seq == last`` with chain hash ``prev``.

    Stops after ``seq == stop`` when given (one segment of a parallel walk), at the
    first failure, or when the rows run out. ``keep`` receives each verified leaf.
    """
    head_seq = 0 if head is None else head[0]
    sha256 = hashlib.sha256
    loads = orjson.loads
    prefix = f"{chain}:"
    for seq, event_id, kind, at, record_id, work_item_id, body, leaf_hex, chain_hex in rows:
        expected = last + 1
        if seq != expected:
            if seq > expected:
                return Segment(last, prev, (expected, None, f"seq {expected} is missing (next is {seq})"))
            return Segment(last, prev, (seq, event_id, f"unexpected seq {seq} where {expected} was due"))
        if seq > head_seq:
            why = "there is no head row" if head is None else f"the head ends at {head_seq}"
            return Segment(last, prev, (seq, event_id, f"seq {seq} lies beyond the head: {why}"))
        if event_id != prefix + str(seq):
            return Segment(last, prev, (seq, event_id, f"event_id {event_id!r} does not match seq {seq}"))
        raw = body.encode("utf-8")
        leaf = sha256(_LEAF_PREFIX + raw).digest()
        if leaf.hex() != leaf_hex:
            return Segment(last, prev, (seq, event_id, "leaf hash does not match the body"))
        link = sha256(prev + leaf).digest()
        if link.hex() != chain_hex:
            return Segment(last, prev, (seq, event_id, "chain hash does not link to the previous event"))
        try:
            parsed = loads(raw)
        except orjson.JSONDecodeError:
            return Segment(last, prev, (seq, event_id, "body is not a valid event"))
        mismatch = indexed_columns_mismatch(parsed, kind, at, record_id, work_item_id)
        if mismatch:
            return Segment(last, prev, (seq, event_id, mismatch))
        if keep is not None:
            keep(leaf)
        prev = link
        last = seq
        if last == stop:
            break
    return Segment(last, prev, None)


def conclude(chain: str, head: tuple[int, str] | None, segment: Segment) -> WalkOutcome:
    """Turn the segment that ends the walk into the outcome, checking it against the head."""
    head_seq = 0 if head is None else head[0]

    def bad(failure: Failure) -> WalkOutcome:
        seq, event_id, reason = failure
        return WalkOutcome(
            ok=False,
            count=segment.last,
            head_hash=segment.prev.hex(),
            first_bad_seq=seq,
            first_bad_event_id=event_id,
            reason=reason,
        )

    if segment.failure is not None:
        return bad(segment.failure)
    count = segment.last
    if count != head_seq:
        return bad((count + 1, None, f"the head records {head_seq} events but the log ends at {count}"))
    if head is not None and head[1] != segment.prev.hex():
        return bad(
            (head_seq, f"{chain}:{head_seq}", "the head hash differs from the last event's chain hash")
        )
    return WalkOutcome(
        ok=True,
        count=count,
        head_hash=segment.prev.hex(),
        first_bad_seq=None,
        first_bad_event_id=None,
        reason=f"{count} events verified",
    )


def walk_chain(
    conn: Connection,
    chain: str,
    head: tuple[int, str] | None,
    *,
    chunk: int = 20_000,
    leaves: bytearray | None = None,
) -> WalkOutcome:
    """Verify ``chain`` as stored on ``conn`` (inside a snapshot) against its ``head``, in one pass.

    ``head`` is ``(seq, chain_hash)`` from the heads table, or ``None`` when the chain
    has no head row. When ``leaves`` is given, the leaf hash of every event that
    verified is appended to it, in order.
    """
    keep = leaves.extend if leaves is not None else None
    segment = check_rows(rows_from(conn, chain, 1, chunk), chain, last=0, prev=GENESIS, head=head, keep=keep)
    return conclude(chain, head, segment)


def indexed_columns_mismatch(
    parsed: object, kind: str, at: str, record_id: str | None, work_item_id: str | None
) -> str | None:
    """Say which indexed column no longer agrees with the parsed body, if any.

    A changed ``record_id`` column would hide an event from look-ups by record without
    touching any hash, so these copies are checked as well. ``at`` arrives already in
    the body's spelling, rendered by the database. A body appended before subjects were
    generic names its record ``claim_id``; that value is its record id, so old chains
    still verify after the column was renamed.
    """
    if not isinstance(parsed, dict):
        return "body is not a valid event"
    if parsed.get("kind") != kind:
        return "kind column differs from the body"
    if parsed.get("at") != at:
        return "at column differs from the body"
    if subject_record_id(parsed.get("subject")) != record_id:
        return "record_id column differs from the body"
    if parsed.get("work_item_id") != work_item_id:
        return "work_item_id column differs from the body"
    return None
