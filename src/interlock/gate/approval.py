"""Approved writes: the only values a connector's ``write`` accepts.

An approved write can only be minted with the module-private seal, which the gate
(:func:`interlock.gate.claims.run_gate`) and the review desk's decision path use. A
value built any other way fails at construction, so "write without a verdict" cannot
be expressed by accident; a test also scans the code base for other constructions.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from interlock.domains.claims.rules import LineAmounts


class _Seal:
    """Proof that the caller is a verdict-producing path."""

    __slots__ = ()


_SEAL = _Seal()


def _check_seal(seal: object) -> None:
    if seal is not _SEAL:
        raise TypeError("approved writes are minted only by the gate or a review decision")


@dataclass(frozen=True, slots=True, kw_only=True)
class ApprovedFinalization:
    """Finalize one claim version: adjudication row, its lines, status ``adjudicated``."""

    claim_id: str
    claim_version: int
    outcome: Literal["approve", "deny"]
    carc: str | None
    lines: tuple[LineAmounts, ...]
    allowed: Decimal
    paid: Decimal
    decided_by: str
    rationale: str
    idempotency_key: str
    decided_at: datetime
    seal: object = field(repr=False, compare=False)

    def __post_init__(self) -> None:
        _check_seal(self.seal)

    @property
    def adjudication_id(self) -> str:
        """Derived from the idempotency key, so a retried write produces the same row id."""
        return "ADJ-" + hashlib.sha256(self.idempotency_key.encode()).hexdigest()[:20]


@dataclass(frozen=True, slots=True, kw_only=True)
class ApprovedPend:
    """Pend one claim version for a person (status ``pended``)."""

    claim_id: str
    claim_version: int
    idempotency_key: str
    reason: str
    seal: object = field(repr=False, compare=False)

    def __post_init__(self) -> None:
        _check_seal(self.seal)


ApprovedWrite = ApprovedFinalization | ApprovedPend


def mint_finalization(
    *,
    claim_id: str,
    claim_version: int,
    outcome: Literal["approve", "deny"],
    carc: str | None,
    lines: tuple[LineAmounts, ...],
    allowed: Decimal,
    paid: Decimal,
    decided_by: str,
    rationale: str,
    idempotency_key: str,
    decided_at: datetime,
) -> ApprovedFinalization:
    """Mint a finalization. Called only by the gate after a passing verdict."""
    return ApprovedFinalization(
        claim_id=claim_id,
        claim_version=claim_version,
        outcome=outcome,
        carc=carc,
        lines=lines,
        allowed=allowed,
        paid=paid,
        decided_by=decided_by,
        rationale=rationale,
        idempotency_key=idempotency_key,
        decided_at=decided_at,
        seal=_SEAL,
    )


def mint_pend(*, claim_id: str, claim_version: int, idempotency_key: str, reason: str) -> ApprovedPend:
    """Mint a pend. Called only by the gate when the verdict sends the claim to a person."""
    return ApprovedPend(
        claim_id=claim_id,
        claim_version=claim_version,
        idempotency_key=idempotency_key,
        reason=reason,
        seal=_SEAL,
    )


def write_to_dict(write: ApprovedWrite) -> dict[str, object]:
    """A JSON-ready form of an approved write, for the work item's recovery point."""
    match write:
        case ApprovedFinalization():
            return {
                "kind": "finalize",
                "claim_id": write.claim_id,
                "claim_version": write.claim_version,
                "outcome": write.outcome,
                "carc": write.carc,
                "lines": [[la.line_no, str(la.allowed), str(la.paid)] for la in write.lines],
                "allowed": str(write.allowed),
                "paid": str(write.paid),
                "decided_by": write.decided_by,
                "rationale": write.rationale,
                "idempotency_key": write.idempotency_key,
                "decided_at": write.decided_at.isoformat(),
            }
        case ApprovedPend():
            return {
                "kind": "pend",
                "claim_id": write.claim_id,
                "claim_version": write.claim_version,
                "idempotency_key": write.idempotency_key,
                "reason": write.reason,
            }


def restore_write(saved: dict[str, Any]) -> ApprovedWrite:
    """Rebuild the approved write saved in a recovery point.

    A recovery point is a verdict that was already given and saved before any external
    write, so restoring it is minting from that earlier verdict, never a new decision.
    """
    if saved["kind"] == "finalize":
        outcome = saved["outcome"]
        if outcome not in ("approve", "deny"):
            raise ValueError(f"recovery point has outcome {outcome!r}")
        return mint_finalization(
            claim_id=str(saved["claim_id"]),
            claim_version=int(saved["claim_version"]),
            outcome=outcome,
            carc=saved["carc"],
            lines=tuple(
                LineAmounts(line_no=int(n), allowed=Decimal(a), paid=Decimal(p)) for n, a, p in saved["lines"]
            ),
            allowed=Decimal(saved["allowed"]),
            paid=Decimal(saved["paid"]),
            decided_by=str(saved["decided_by"]),
            rationale=str(saved["rationale"]),
            idempotency_key=str(saved["idempotency_key"]),
            decided_at=datetime.fromisoformat(saved["decided_at"]),
        )
    return mint_pend(
        claim_id=str(saved["claim_id"]),
        claim_version=int(saved["claim_version"]),
        idempotency_key=str(saved["idempotency_key"]),
        reason=str(saved["reason"]),
    )
