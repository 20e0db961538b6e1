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

Each further segment runs in a fresh interpreter (``python -m
interlock.audit.parallel``) that reads its job as JSON on stdin and answers with one
JSON line followed by its raw leaf hashes. Unlike ``multiprocessing``, this inherits no
connections or threads and never re-imports the caller's main module, so it is safe
from a server, a test runner or a script without a ``__main__`` guard. For short
chains the start-up costs more than it saves, so :func:`segment_bounds` returns a
single segment and the caller walks in-process.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Sequence
from contextlib import closing
from typing import Any, Final

from sqlalchemy import Connection, bindparam, text

from interlock.audit.scan import GENESIS, Segment, WalkOutcome, check_rows, conclude, rows_from
from interlock.db import make_engine
from interlock.exceptions import RuntimeFailure, UsageError

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


def _verify_segment(job: dict[str, Any]) -> tuple[Segment, bytes]:
    """Worker: check rows ``first..last`` from the stored hash before them; return the segment and its leaves."""
    engine = make_engine(job["url"])
    leaves = bytearray()
    chain, first, last, chunk = job["chain"], job["first"], job["last"], job["chunk"]
    prev, head, snapshot = bytes.fromhex(job["prev"]), (job["head"][0], job["head"][1]), job["snapshot"]
    try:
        with engine.connect() as conn:
            if snapshot is not None:
                if not _SNAPSHOT_ID.fullmatch(snapshot):
                    raise UsageError(f"not a snapshot id: {snapshot!r}")
                conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
                with conn.begin():
                    conn.execute(text(f"SET TRANSACTION SNAPSHOT '{snapshot}'"))
                    segment = _check(conn, chain, first, last, prev, head, chunk, leaves)
            else:
                conn.execution_options(isolation_level="AUTOCOMMIT")
                conn.exec_driver_sql("BEGIN")
                try:
                    segment = _check(conn, chain, first, last, prev, head, chunk, leaves)
                finally:
                    conn.exec_driver_sql("ROLLBACK")
    finally:
        engine.dispose()
    return segment, bytes(leaves)


class _Worker:
    """One segment verified by a child interpreter."""

    def __init__(self, job: dict[str, Any]) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "interlock.audit.parallel"], stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(job).encode())
        self.proc.stdin.close()

    def result(self) -> tuple[Segment, bytes]:
        """Wait for the child and decode its answer."""
        assert self.proc.stdout is not None
        header = self.proc.stdout.readline()
        leaves = self.proc.stdout.read()
        if self.proc.wait() != 0 or not header:
            raise RuntimeFailure(f"audit verification worker exited with {self.proc.returncode}")
        answer = json.loads(header)
        failure = answer["failure"]
        segment = Segment(
            answer["last"], bytes.fromhex(answer["prev"]), None if failure is None else tuple(failure)
        )
        return segment, leaves

    def stop(self) -> None:
        """Kill the child when its answer is no longer needed."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for stream in (self.proc.stdout,):
            if stream is not None:
                stream.close()


def _serve_segment() -> None:
    """Entry point of a worker: one job on stdin, the answer on stdout."""
    job = json.loads(sys.stdin.buffer.read())
    segment, leaves = _verify_segment(job)
    header = {"last": segment.last, "prev": segment.prev.hex(), "failure": segment.failure}
    sys.stdout.buffer.write(json.dumps(header).encode() + b"\n")
    sys.stdout.buffer.write(leaves)
    sys.stdout.buffer.flush()


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
    workers = [
        _Worker(
            {
                "url": url,
                "chain": chain,
                "first": first,
                "last": last,
                "prev": stored[first - 1],
                "head": list(head),
                "snapshot": snapshot,
                "chunk": chunk,
            }
        )
        for first, last in bounds[1:]
    ]
    try:
        own_first, own_last = bounds[0]
        segment = _check(conn, chain, own_first, own_last, GENESIS, head, chunk, leaves)
        if segment.failure is not None or segment.last != own_last:
            return _finish(conn, chain, head, segment, chunk)
        for worker, (_, last) in zip(workers, bounds[1:], strict=True):
            segment, seg_leaves = worker.result()
            if leaves is not None:
                leaves.extend(seg_leaves)
            if segment.failure is not None or segment.last != last:
                return _finish(conn, chain, head, segment, chunk)
    finally:
        for worker in workers:
            worker.stop()
    return _finish(conn, chain, head, segment, chunk)


def _finish(conn: Connection, chain: str, head: tuple[int, str], segment: Segment, chunk: int) -> WalkOutcome:
    """Conclude the walk: a segment that ran out of rows, or the rows after the head."""
    if segment.failure is None and segment.last == head[0]:
        # The single walk would go on to read rows beyond the head; so does this.
        with closing(rows_from(conn, chain, head[0] + 1, chunk)) as beyond:
            segment = check_rows(beyond, chain, last=segment.last, prev=segment.prev, head=head)
    return conclude(chain, head, segment)


if __name__ == "__main__":
    _serve_segment()
