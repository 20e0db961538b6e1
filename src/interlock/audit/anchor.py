"""Anchoring the stored audit log to signed checkpoints kept outside the database.

Three operations join the chain in the store (:mod:`interlock.audit.chain`), the pure
tree (:mod:`interlock.audit.merkle`) and the signed notes
(:mod:`interlock.audit.checkpoint`):

* :func:`take_checkpoint` verifies the log, then records its current size and tree
  head as a signed note in a directory, and appends the new leaf hashes to the
  chain's ``<chain>.leaves`` file beside it (32 raw bytes per event).
* :func:`verify_anchored` verifies the chain, then requires every checkpoint to be a
  prefix of the current log: the tree head of the log's first ``size`` events must
  equal the signed head. A rewrite that recomputed every hash, a deleted tail with a
  moved head, a reordered or inserted event: each changes that head.
* :func:`prove_inclusion` gives the RFC 9162 inclusion proof of one event against the
  current tree head or a checkpoint, for a third party who holds only the checkpoint.

Why export leaf hashes at all, when a signed head already detects a rewrite? A head
says *that* the first ``size`` events changed, not *which*. The leaves file is
authenticated by the signed head (its tree head must equal it), so when the log no
longer matches, comparing it with the stored leaves names the first event that
differs. Without the file (or if it was damaged) the report still fails, naming the
range between the last matching and the first failing checkpoint.

What remains out of reach: events appended after the latest checkpoint are protected
by the hash chain only, so checkpoint often (``interlock audit checkpoint`` from a
scheduler) and keep the directory where the database's administrators cannot write.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from sqlalchemy import select

from interlock.audit.chain import AuditLog, StoredEvent, _begin_snapshot, audit_events, event_id_for
from interlock.audit.checkpoint import (
    Checkpoint,
    Signer,
    Verifier,
    origin_for,
    read_notes,
    write_note,
)
from interlock.audit.events import parse_body
from interlock.audit.merkle import (
    HASH_SIZE,
    TreeBuilder,
    consistency_proof,
    inclusion_proof,
    root_of,
    verify_consistency,
    verify_inclusion,
)
from interlock.audit.scan import LeafArray
from interlock.exceptions import ConfigurationError, UsageError

LEAVES_SUFFIX: Final = ".leaves"


@dataclass(frozen=True, slots=True, kw_only=True)
class AnchorReport:
    """The outcome of verifying a chain and its checkpoints.

    ``ok`` is true only when the chain verifies and every checkpoint is a prefix of
    the log. When it is false, ``first_bad_event_id`` names the first event that does
    not check out if it can be named (for a missing event, the id it should have),
    and ``reason`` says why. ``checkpoint`` is the checkpoint checked last (the one
    that failed, or the latest) and ``proof`` the consistency proof from it to the
    current head, in hex, when the log extends it.
    """

    ok: bool
    count: int
    head: str
    tree_head: str
    first_bad_seq: int | None
    first_bad_event_id: str | None
    reason: str
    checkpoints: int
    checkpoint: Checkpoint | None
    proof: tuple[str, ...] = ()


def leaves_path(directory: Path, chain: str) -> Path:
    """The file beside the checkpoints that holds the chain's exported leaf hashes."""
    return directory / f"{chain}{LEAVES_SUFFIX}"


def read_leaves(log: AuditLog, limit: int | None = None) -> list[bytes]:
    """The chain's stored leaf hashes in ``seq`` order, at most ``limit`` of them, from one snapshot."""
    statement = (
        select(audit_events.c.leaf_hash).where(audit_events.c.chain == log.chain).order_by(audit_events.c.seq)
    )
    if limit is not None:
        statement = statement.limit(limit)
    with _begin_snapshot(log.engine) as conn:
        return [bytes.fromhex(row[0]) for row in conn.execute(statement)]


def stored_events(log: AuditLog, *, batch_size: int = 2_000) -> Iterator[StoredEvent]:
    """Every event of the chain in ``seq`` order, streamed from one snapshot (for exports)."""
    statement = (
        select(
            audit_events.c.seq,
            audit_events.c.event_id,
            audit_events.c.at,
            audit_events.c.body,
            audit_events.c.leaf_hash,
            audit_events.c.chain_hash,
        )
        .where(audit_events.c.chain == log.chain)
        .order_by(audit_events.c.seq)
    )
    with _begin_snapshot(log.engine) as conn:
        for row in conn.execution_options(yield_per=batch_size).execute(statement):
            yield StoredEvent(
                chain=log.chain,
                seq=int(row.seq),
                event_id=row.event_id,
                at=row.at,
                body=parse_body(row.body),
                leaf_hash=row.leaf_hash,
                chain_hash=row.chain_hash,
            )


def _read_exported(directory: Path, chain: str) -> bytes:
    try:
        return leaves_path(directory, chain).read_bytes()
    except FileNotFoundError:
        return b""


def _exported_leaf(exported: bytes, index: int) -> bytes:
    return exported[index * HASH_SIZE : (index + 1) * HASH_SIZE]


def verify_anchored(
    log: AuditLog, directory: Path, verifier: Verifier, *, require_checkpoint: bool = True
) -> AnchorReport:
    """Verify the chain, then check that the log extends every checkpoint in ``directory``.

    When the chain itself is broken, the exported leaves of the latest checkpoint are
    still consulted: a forged row that links correctly to its predecessor is only
    flagged by the chain at the row *after* it, while the exported leaves name the
    forged row itself.
    """
    report, _ = _verify_anchored(log, directory, verifier, require_checkpoint=require_checkpoint)
    return report


def _verify_anchored(
    log: AuditLog, directory: Path, verifier: Verifier, *, require_checkpoint: bool
) -> tuple[AnchorReport, LeafArray]:
    """:func:`verify_anchored`, also returning the leaves of the events that verified.

    The chain walk collects the leaf hashes as it goes, so the log is read once and
    the tree heads are computed over exactly the rows that were verified.
    """
    collected = bytearray()
    chain_report = log.verify_collecting(collected)
    leaves = LeafArray(bytes(collected))
    del collected
    notes = read_notes(directory, log.chain, verifier)
    if not chain_report.ok:
        seq, reason = chain_report.first_bad_seq, chain_report.reason
        latest_note = notes.latest
        if latest_note is not None:
            earlier = _first_divergence(directory, log.chain, read_leaves(log), latest_note)
            if earlier is not None and (seq is None or earlier < seq):
                reason = (
                    f"event differs from the checkpoint of size {latest_note.size}; "
                    f"the chain breaks at {chain_report.first_bad_event_id}: {reason}"
                )
                seq = earlier
        broken = AnchorReport(
            ok=False,
            count=chain_report.count,
            head=chain_report.head_hash,
            tree_head="",
            first_bad_seq=seq,
            first_bad_event_id=None if seq is None else event_id_for(log.chain, seq),
            reason=reason,
            checkpoints=len(notes.checkpoints),
            checkpoint=latest_note,
        )
        return broken, leaves
    # One pass of the tree builder gives the head at every checkpointed size and at the
    # end; the current head is computed once, not once per report.
    builder = TreeBuilder()
    heads: list[bytes] = []
    for checkpoint in notes.checkpoints:
        while builder.size < min(checkpoint.size, len(leaves)):
            builder.append(leaves[builder.size])
        heads.append(builder.root())
    while builder.size < len(leaves):
        builder.append(leaves[builder.size])
    tree_head = builder.root()

    def report(
        ok: bool, reason: str, seq: int | None = None, checkpoint: Checkpoint | None = None
    ) -> tuple[AnchorReport, LeafArray]:
        anchored = AnchorReport(
            ok=ok,
            count=len(leaves),
            head=chain_report.head_hash,
            tree_head=tree_head.hex(),
            first_bad_seq=seq,
            first_bad_event_id=None if seq is None else event_id_for(log.chain, seq),
            reason=reason,
            checkpoints=len(notes.checkpoints),
            checkpoint=checkpoint,
        )
        return anchored, leaves

    if notes.problems:
        return report(False, "checkpoint directory: " + "; ".join(notes.problems))
    if not notes.checkpoints:
        if require_checkpoint:
            return report(False, f"no checkpoint of chain {log.chain!r} in {directory}")
        return report(True, f"{len(leaves)} events verified; no checkpoint yet")
    matched = 0
    for checkpoint, head_at_size in zip(notes.checkpoints, heads, strict=True):
        if checkpoint.size <= len(leaves) and head_at_size == checkpoint.root:
            matched = checkpoint.size
            continue
        seq, why = _locate(directory, log.chain, leaves, checkpoint, matched)
        return report(False, why, seq, checkpoint)
    latest = notes.checkpoints[-1]
    proof = consistency_proof(leaves, latest.size)
    if not verify_consistency(latest.size, len(leaves), latest.root, tree_head, proof):
        return report(False, "the current head is not consistent with the latest checkpoint", None, latest)
    done, _ = report(
        True,
        f"{len(leaves)} events verified; consistent with {len(notes.checkpoints)} checkpoint(s), "
        f"the latest at size {latest.size} taken {latest.at.isoformat()}",
        None,
        latest,
    )
    return replace(done, proof=tuple(p.hex() for p in proof)), leaves


def _authenticated_export(directory: Path, chain: str, checkpoint: Checkpoint) -> bytes | None:
    """The exported leaves covering ``checkpoint``, if their tree head is the signed one."""
    exported = _read_exported(directory, chain)
    if len(exported) < checkpoint.size * HASH_SIZE:
        return None
    head = root_of(LeafArray(exported[: checkpoint.size * HASH_SIZE]))
    return exported if head == checkpoint.root else None


def _first_divergence(
    directory: Path, chain: str, leaves: Sequence[bytes], checkpoint: Checkpoint
) -> int | None:
    """The seq of the first stored leaf that differs from the signed export (or is missing)."""
    exported = _authenticated_export(directory, chain, checkpoint)
    if exported is None:
        return None
    for i in range(checkpoint.size):
        if i >= len(leaves) or leaves[i] != _exported_leaf(exported, i):
            return i + 1
    return None


def _locate(
    directory: Path, chain: str, leaves: Sequence[bytes], checkpoint: Checkpoint, matched: int
) -> tuple[int | None, str]:
    """Name the first event that differs from ``checkpoint``, or the range it lies in."""
    when = f"the checkpoint of size {checkpoint.size} taken {checkpoint.at.isoformat()}"
    seq = _first_divergence(directory, chain, leaves, checkpoint)
    if seq is not None and seq > len(leaves):
        return seq, f"the log holds {len(leaves)} events but {when} covers more: events were removed"
    if seq is not None:
        return seq, f"event differs from {when} (rewritten, reordered, inserted or removed)"
    if len(leaves) < checkpoint.size:
        return len(leaves) + 1, f"the log holds {len(leaves)} events but {when} covers more"
    return matched + 1, (
        f"events {matched + 1}..{checkpoint.size} no longer match {when}; "
        "the exported leaves are missing or damaged, so the first changed event cannot be named"
    )


def take_checkpoint(log: AuditLog, directory: Path, signer: Signer, *, now: datetime) -> Checkpoint:
    """Verify the log against earlier checkpoints, then sign and file its current tree head.

    A log that does not verify is refused: signing it would bless the tampering.
    """
    directory.mkdir(parents=True, exist_ok=True)
    report, leaves = _verify_anchored(log, directory, signer.verifier(), require_checkpoint=False)
    if not report.ok:
        raise UsageError(
            f"refusing to checkpoint a log that does not verify: {report.first_bad_event_id}: {report.reason}"
        )
    exported_path = leaves_path(directory, log.chain)
    exported = _read_exported(directory, log.chain)
    known = len(exported) // HASH_SIZE
    if len(exported) % HASH_SIZE or known > len(leaves):
        raise ConfigurationError(f"{exported_path} does not fit this log; move it aside to start afresh")
    if any(_exported_leaf(exported, i) != leaves[i] for i in range(known)):
        raise ConfigurationError(f"{exported_path} disagrees with the verified log; move it aside")
    with exported_path.open("ab") as handle:
        handle.write(leaves.raw()[known * HASH_SIZE :])
        handle.flush()
        os.fsync(handle.fileno())
    checkpoint = Checkpoint(
        origin=origin_for(log.chain), size=len(leaves), root=bytes.fromhex(report.tree_head), at=now
    )
    write_note(directory, checkpoint, signer)
    return checkpoint


@dataclass(frozen=True, slots=True, kw_only=True)
class InclusionProof:
    """That one event is leaf ``seq - 1`` of the tree of ``tree_size`` events with head ``tree_head``."""

    event_id: str
    leaf_index: int
    leaf_hash: str
    tree_size: int
    tree_head: str
    path: tuple[str, ...]
    checkpoint: Checkpoint | None

    def as_dict(self) -> dict[str, Any]:
        """The JSON form printed by ``interlock audit prove``."""
        anchor = None
        if self.checkpoint is not None:
            anchor = {
                "origin": self.checkpoint.origin,
                "size": self.checkpoint.size,
                "timestamp": self.checkpoint.at.isoformat(),
            }
        return {
            "event_id": self.event_id,
            "leaf_index": self.leaf_index,
            "leaf_hash": self.leaf_hash,
            "tree_size": self.tree_size,
            "tree_head": self.tree_head,
            "inclusion_path": list(self.path),
            "checkpoint": anchor,
            "algorithm": "RFC 9162 section 2.1.3 (SHA-256)",
        }

    def verify(self) -> bool:
        """Check the proof with the RFC 9162 verifier, as a holder of the head would."""
        return verify_inclusion(
            bytes.fromhex(self.leaf_hash),
            self.leaf_index,
            self.tree_size,
            [bytes.fromhex(p) for p in self.path],
            bytes.fromhex(self.tree_head),
        )


def prove_inclusion(log: AuditLog, event_id: str, checkpoint: Checkpoint | None = None) -> InclusionProof:
    """The inclusion proof of ``event_id`` against the current head, or against ``checkpoint``."""
    chain, _, seq_text = event_id.rpartition(":")
    if chain != log.chain or not seq_text.isdigit() or int(seq_text) < 1:
        raise UsageError(f"{event_id!r} is not an event id of chain {log.chain!r} (expected {log.chain}:SEQ)")
    seq = int(seq_text)
    leaves = read_leaves(log)
    size = len(leaves) if checkpoint is None else checkpoint.size
    if seq > size:
        raise UsageError(f"{event_id} is not in a tree of {size} events")
    if size > len(leaves):
        raise UsageError(f"the log holds {len(leaves)} events, fewer than the checkpoint's {size}")
    head = root_of(leaves[:size])
    if checkpoint is not None and head != checkpoint.root:
        raise UsageError("the log no longer matches the checkpoint; run `interlock audit verify`")
    return InclusionProof(
        event_id=event_id,
        leaf_index=seq - 1,
        leaf_hash=leaves[seq - 1].hex(),
        tree_size=size,
        tree_head=head.hex(),
        path=tuple(p.hex() for p in inclusion_proof(leaves, seq - 1, size)),
        checkpoint=checkpoint,
    )
