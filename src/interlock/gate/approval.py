"""Approved writes: the only values a connector's ``write`` accepts, for any task.

An approved write wraps a domain's payload in a seal that only the gate runner
(:func:`interlock.gate.runner.run_gate`), a person's decision on the review desk and
the restoring of a recovery point hold. A value built any other way fails at
construction, so "write without a verdict" cannot be expressed by accident; a test
also scans the code base for other callers of the minting functions.

Two kinds exist for every task: :class:`ApprovedCommit` applies the decided outcome
with the domain's payload; :class:`ApprovedHold` parks the record for a person (a
claim is pended, an invoice put on hold). Both carry the idempotency key of their work
item and the record version that was decided.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

__all__ = [
    "ApprovedCommit",
    "ApprovedHold",
    "ApprovedWrite",
    "mint_commit",
    "mint_hold",
    "restore_write",
    "write_to_json",
]

P = TypeVar("P")


class _Seal:
    """Proof that the caller is a verdict-producing path."""

    __slots__ = ()


_SEAL = _Seal()


def _check_seal(seal: object) -> None:
    if seal is not _SEAL:
        raise TypeError("approved writes are minted only by the gate or a review decision")


@dataclass(frozen=True, slots=True, kw_only=True)
class ApprovedCommit(Generic[P]):
    """Apply a decided outcome to one record version, with the domain's payload."""

    task: str
    record_id: str
    record_version: int
    outcome: str
    reason_code: str | None
    payload: P
    decided_by: str
    rationale: str
    idempotency_key: str
    decided_at: datetime
    seal: object = field(repr=False, compare=False)

    def __post_init__(self) -> None:
        _check_seal(self.seal)

    @property
    def reference(self) -> str:
        """A write id derived from the idempotency key: a retried write produces the same id."""
        return hashlib.sha256(self.idempotency_key.encode()).hexdigest()[:20]


@dataclass(frozen=True, slots=True, kw_only=True)
class ApprovedHold:
    """Park one record version for a person (a pended claim, an invoice on hold)."""

    task: str
    record_id: str
    record_version: int
    idempotency_key: str
    reason: str
    seal: object = field(repr=False, compare=False)

    def __post_init__(self) -> None:
        _check_seal(self.seal)


ApprovedWrite = ApprovedCommit[P] | ApprovedHold


def mint_commit(
    *,
    task: str,
    record_id: str,
    record_version: int,
    outcome: str,
    reason_code: str | None,
    payload: P,
    decided_by: str,
    rationale: str,
    idempotency_key: str,
    decided_at: datetime,
) -> ApprovedCommit[P]:
    """Mint a commit. Called only by the gate runner after a passing verdict."""
    return ApprovedCommit(
        task=task,
        record_id=record_id,
        record_version=record_version,
        outcome=outcome,
        reason_code=reason_code,
        payload=payload,
        decided_by=decided_by,
        rationale=rationale,
        idempotency_key=idempotency_key,
        decided_at=decided_at,
        seal=_SEAL,
    )


def mint_hold(
    *, task: str, record_id: str, record_version: int, idempotency_key: str, reason: str
) -> ApprovedHold:
    """Mint a hold. Called only by the gate runner when the verdict sends the record to a person."""
    return ApprovedHold(
        task=task,
        record_id=record_id,
        record_version=record_version,
        idempotency_key=idempotency_key,
        reason=reason,
        seal=_SEAL,
    )


def write_to_json(write: ApprovedWrite[P], payload_json: Callable[[P], dict[str, Any]]) -> dict[str, Any]:
    """A JSON-ready form of an approved write, for the work item's recovery point."""
    match write:
        case ApprovedCommit():
            return {
                "kind": "commit",
                "task": write.task,
                "record_id": write.record_id,
                "record_version": write.record_version,
                "outcome": write.outcome,
                "reason_code": write.reason_code,
                "payload": payload_json(write.payload),
                "decided_by": write.decided_by,
                "rationale": write.rationale,
                "idempotency_key": write.idempotency_key,
                "decided_at": write.decided_at.isoformat(),
            }
        case ApprovedHold():
            return {
                "kind": "hold",
                "task": write.task,
                "record_id": write.record_id,
                "record_version": write.record_version,
                "idempotency_key": write.idempotency_key,
                "reason": write.reason,
            }


def restore_write(
    saved: Mapping[str, Any], payload_from_json: Callable[[Mapping[str, Any]], P]
) -> ApprovedWrite[P]:
    """Rebuild the approved write saved in a recovery point.

    A recovery point is a verdict that was already given and saved before any external
    write, so restoring it is minting from that earlier verdict, never a new decision.
    """
    if saved["kind"] == "commit":
        return mint_commit(
            task=str(saved["task"]),
            record_id=str(saved["record_id"]),
            record_version=int(saved["record_version"]),
            outcome=str(saved["outcome"]),
            reason_code=None if saved["reason_code"] is None else str(saved["reason_code"]),
            payload=payload_from_json(saved["payload"]),
            decided_by=str(saved["decided_by"]),
            rationale=str(saved["rationale"]),
            idempotency_key=str(saved["idempotency_key"]),
            decided_at=datetime.fromisoformat(saved["decided_at"]),
        )
    if saved["kind"] != "hold":
        raise ValueError(f"recovery point has a write of kind {saved['kind']!r}")
    return mint_hold(
        task=str(saved["task"]),
        record_id=str(saved["record_id"]),
        record_version=int(saved["record_version"]),
        idempotency_key=str(saved["idempotency_key"]),
        reason=str(saved["reason"]),
    )
