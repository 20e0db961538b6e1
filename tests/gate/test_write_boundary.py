"""Only the gate and a review decision can create an approved write."""

from __future__ import annotations

import ast
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from interlock.gate.approval import ApprovedCommit, ApprovedHold

SRC = Path(__file__).resolve().parents[2] / "src" / "interlock"
MINTERS = {"mint_commit", "mint_hold", "ApprovedCommit", "ApprovedHold"}
# The modules allowed to mint: the seal itself and the gate runner. The review desk
# mints through the gate runner too, and restoring a recovery point goes through
# restore_write in the seal's own module.
ALLOWED = {"gate/approval.py", "gate/runner.py"}


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
        ApprovedHold(
            task="claims.adjudicate",
            record_id="C",
            record_version=1,
            idempotency_key="k",
            reason="r",
            seal=object(),
        )
    with pytest.raises(TypeError):
        ApprovedCommit(
            task="claims.adjudicate",
            record_id="C",
            record_version=1,
            outcome="approve",
            reason_code=None,
            payload=Decimal("1.00"),
            decided_by="x",
            rationale="r",
            idempotency_key="k",
            decided_at=datetime(2026, 1, 1, tzinfo=UTC),
            seal=None,
        )
