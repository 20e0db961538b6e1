"""Verifying a long chain in segments, on several cores at once.

A hash chain looks inherently sequential: each link needs the one before. But every
row *stores* its chain hash, so a segment starting at ``seq = a`` can be checked on
its own, starting from the stored chain hash of row ``a - 1``. Each segment then
checks, as the single walk does, that every row's recomputed link equals its stored
chain hash, including its last row. Put together, segment ``k - 1`` has proved that
the stored hash of its last row (the one segment ``k`` started from) is the true
chain hash from genesis, so the segments verify exactly what one walk would, and the
first failing segment's first failure is the walk's first failure.

Consistency: the process that read the head keeps its snapshot open while the
segments run. On PostgreSQL the other processes join that very snapshot
(``pg_export_snapshot`` / ``SET TRANSACTION SNAPSHOT``). SQLite has no shared
snapshots; each segment reads its own, and because appends only ever add rows after
the head that was read, the rows up to it are the same in every snapshot unless
someone is rewriting them at that moment (which then shows up as a failure).

The segments run in processes started with ``spawn`` (no inherited connections). For
short chains the start-up costs more than it saves, so :func:`segment_bounds` returns
a single segment and the caller walks in-process.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import closing
from multiprocessing import get_context
from typing import Any, Final

from sqlalchemy import Connection, bindparam, text

from interlock.audit.scan import GENESIS, Segment, WalkOutcome, check_rows, conclude, rows_from
from interlock.db import make_engine

PARALLEL_FROM: Final = 200_000
"""Events below which a chain is walked in one process (spawning a worker costs ~1 s)."""

_SNAPSHOT_ID: Final = re.compile(r"[0-9A-F]+-[0-9A-F]+-[0-9]+")


def default_workers() -> int:
    """Processes to verify with: the cores this process may use, at most two.

    Two already halves the walk; more mostly add start-up time and contend for the
    database's own I/O.
    """
    return max(
        1, min(2, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
    )


def segment_bounds(
    head_seq: int, workers: int, *, parallel_from: int = PARALLEL_FROM
) -> list[tuple[int, int]]:
    """Split ``1..head_seq`` into ``workers`` contiguous ``(first, last)`` ranges (one when short)."""
    if workers <= 1 or head_seq < max(parallel_from, workers, 1):
        return [(1, head_seq)]
    size = -(-head_seq // workers)
    return [(first, min(head_seq, first + size - 1)) for first in range(1, head_seq + 1, size)]


def _verify_segment(
    url: str,
    chain: str,
    first: int,
    last: int,
    prev_hex: str,
    head: tuple[int, str],
    snapshot: str | None,
    chunk: int,
) -> tuple[int, str, tuple[int, str | None, str] | None, bytes]:
    """Worker: check rows ``first..last`` from stored hash ``prev_hex``; return the segment and its leaves."""
    engine = make_engine(url)
    leaves = bytearray()
    try:
        with engine.connect() as conn:
            if snapshot is not None:
                conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
                with conn.begin():
                    conn.execute(text(f"SET TRANSACTION SNAPSHOT '{snapshot}'"))
                    segment = _check(conn, chain, first, last, bytes.fromhex(prev_hex), head, chunk, leaves)
            else:
                conn.execution_options(isolation_level="AUTOCOMMIT")
                conn.exec_driver_sql("BEGIN")
                try:
                    segment = _check(conn, chain, first, last, bytes.fromhex(prev_hex), head, chunk, leaves)
                finally:
                    conn.exec_driver_sql("ROLLBACK")
    finally:
        engine.dispose()
    return segment.last, segment.prev.hex(), segment.failure, bytes(leaves)


def _check(
    conn: Connection,
    chain: str,
    first: int,
    last: int,
    prev: bytes,
    head: tuple[int, str],
    chunk: int,
    leaves: bytearray | None,
) -> Segment:
    keep = leaves.extend if leaves is not None else None
    with closing(rows_from(conn, chain, first, chunk)) as rows:
        return check_rows(rows, chain, last=first - 1, prev=prev, head=head, stop=last, keep=keep)


_STORED_HASHES: Final = text(
    "SELECT seq, chain_hash FROM audit_events WHERE chain = :chain AND seq IN :seqs"
).bindparams(bindparam("seqs", expanding=True))


def _stored_hashes(conn: Connection, chain: str, seqs: Sequence[int]) -> dict[int, str]:
    rows = conn.execute(_STORED_HASHES, {"chain": chain, "seqs": list(seqs)})
    return {int(seq): str(chain_hash) for seq, chain_hash in rows}


def walk_in_segments(
    conn: Connection,
    url: str,
    chain: str,
    head: tuple[int, str],
    bounds: list[tuple[int, int]],
    *,
    chunk: int,
    leaves: bytearray | None,
) -> WalkOutcome | None:
    """Verify ``1..head_seq`` in ``bounds`` segments: the first here, the rest in worker processes.

    ``conn`` is the caller's open snapshot, which must stay open until this returns.
    Returns ``None`` when a segment cannot start (the row before it is missing): the
    caller then walks in one pass, which names that problem exactly.
    """
    starts = [first - 1 for first, _ in bounds[1:]]
    stored = _stored_hashes(conn, chain, starts)
    if any(seq not in stored for seq in starts):
        return None
    snapshot = None
    if conn.dialect.name == "postgresql":
        snapshot = str(conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one())
        if not _SNAPSHOT_ID.fullmatch(snapshot):
            return None
    context = get_context("spawn")
    with ProcessPoolExecutor(max_workers=len(bounds) - 1, mp_context=context) as pool:
        futures: list[Future[Any]] = [
            pool.submit(_verify_segment, url, chain, first, last, stored[first - 1], head, snapshot, chunk)
            for first, last in bounds[1:]
        ]
        first_last = bounds[0]
        segment = _check(conn, chain, first_last[0], first_last[1], GENESIS, head, chunk, leaves)
        if segment.failure is not None or segment.last != first_last[1]:
            for future in futures:
                future.cancel()
            return _finish(conn, chain, head, segment, chunk)
        for future, (_, last) in zip(futures, bounds[1:], strict=True):
            seg_last, prev_hex, failure, seg_leaves = future.result()
            segment = Segment(seg_last, bytes.fromhex(prev_hex), failure)
            if leaves is not None:
                leaves.extend(seg_leaves)
            if failure is not None or seg_last != last:
                for later in futures:
                    later.cancel()
                return _finish(conn, chain, head, segment, chunk)
    return _finish(conn, chain, head, segment, chunk)


def _finish(conn: Connection, chain: str, head: tuple[int, str], segment: Segment, chunk: int) -> WalkOutcome:
    """Conclude the walk: a segment that ran out of rows, or the rows after the head."""
    if segment.failure is None and segment.last == head[0]:
        # The single walk would go on to read rows beyond the head; so does this.
        with closing(rows_from(conn, chain, head[0] + 1, chunk)) as beyond:
            segment = check_rows(beyond, chain, last=segment.last, prev=segment.prev, head=head)
    return conclude(chain, head, segment)
