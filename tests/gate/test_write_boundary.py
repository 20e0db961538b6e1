"""Only the gate and a review decision can create an approved write."""

from __future__ import annotations

import ast
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from interlock.gate.approval import ApprovedFinalization, ApprovedPend

SRC = Path(__file__).resolve().parents[2] / "src" / "interlock"
MINTERS = {"mint_finalization", "mint_pend", "ApprovedFinalization", "ApprovedPend"}
# The modules allowed to mint: the gate itself and the review decision path.
ALLOWED = {"gate/approval.py", "gate/claims.py", "review/decide.py"}


def test_no_module_outside_the_gate_constructs_an_approved_write() -> None:
    """A scan of the code base finds approved writes constructed only by the gate or review."""
    offenders: list[str] = []
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC).as_posix()
        if rel in ALLOWED:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = (
                    node.func.id
                    if isinstance(node.func, ast.Name)
                    else node.func.attr
                    if isinstance(node.func, ast.Attribute)
                    else ""
                )
                if name in MINTERS:
                    offenders.append(f"{rel}:{node.lineno} calls {name}")
    assert offenders == []


def test_an_unsealed_write_cannot_be_built() -> None:
    """Constructing an approved write directly, without the gate's seal, fails."""
    with pytest.raises(TypeError):
        ApprovedPend(claim_id="C", claim_version=1, idempotency_key="k", reason="r", seal=object())
    with pytest.raises(TypeError):
        ApprovedFinalization(
            claim_id="C",
            claim_version=1,
            outcome="approve",
            carc=None,
            lines=(),
            allowed=Decimal("1.00"),
            paid=Decimal("1.00"),
            decided_by="x",
            rationale="r",
            idempotency_key="k",
            decided_at=datetime(2026, 1, 1, tzinfo=UTC),
            seal=None,
        )
