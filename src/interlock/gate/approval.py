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
from typing import Literal

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


def mint_pend(
    *, claim_id: str, claim_version: int, idempotency_key: str, reason: str
) -> ApprovedPend:
    """Mint a pend. Called only by the gate when the verdict sends the claim to a person."""
    return ApprovedPend(
        claim_id=claim_id,
        claim_version=claim_version,
        idempotency_key=idempotency_key,
        reason=reason,
        seal=_SEAL,
    )
