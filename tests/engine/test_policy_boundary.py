"""The engine writes only inside the write boundary the policy file declares for its task."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from interlock.assembly import build_engine
from interlock.audit.chain import AuditLog
from interlock.db import make_engine
from interlock.domains.claims import schema as t
from interlock.domains.claims.connector import SqlClaimsConnector
from interlock.domains.claims.testing.handmade import add_claim, seed_reference
from interlock.domains.claims.testing.scripted import ScriptedModel
from interlock.engine import Engine as TaskEngine
from interlock.exceptions import AccessDenied
from interlock.policy.document import PolicyDocument, parse_policy_toml
from interlock.policy.principal import service_principal
from interlock.store.metadata import store_metadata
from interlock.work.runner import run_claims
from interlock.work.store import WorkStore

SHIPPED = (Path(__file__).parents[2] / "src/interlock/policy/default_policy.toml").read_text(encoding="utf-8")
SERVICE_FINALIZE = """[tasks."claims.adjudicate".actions.finalize.service]
outcomes = ["approve", "deny"]
via = "automatic"
max_total_billed = "10000.00"
"""
MET_NOTE = "Eight weeks of supervised physical therapy without relief. MRI shows a medial meniscal tear."


def _policy(tmp_path: Path, *changes: tuple[str, str]) -> PolicyDocument:
    """The shipped policy file with passages changed, written out and read back as an operator would."""
    text = SHIPPED
    for old, new in changes:
        assert text.count(old) == 1
        text = text.replace(old, new)
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    return parse_policy_toml(path.read_text(encoding="utf-8"))


def _world(tmp_path: Path, policy: PolicyDocument) -> tuple[TaskEngine[Any, Any, Any, Any], Engine]:
    sor = make_engine(f"sqlite:///{tmp_path / 'sor.db'}")
    store = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    t.metadata.create_all(sor)
    store_metadata.create_all(store)
    seed_reference(sor)
    engine = build_engine(
        "claims.adjudicate",
        connector=SqlClaimsConnector(sor),
        store=WorkStore(store, AuditLog(store)),
        principal=service_principal(),
        model=ScriptedModel("met", 0.99),
        policy=policy,
    )
    return engine, sor


def _adjudicated(sor: Engine) -> set[str]:
    with sor.connect() as conn:
        return {row.claim_id for row in conn.execute(select(t.adjudications.c.claim_id))}


def test_policy_forbidding_service_finalization_sends_everything_to_review(tmp_path: Path) -> None:
    """With no finalize grant for the service principal, rule approvals, rule denials and model approvals all pend."""
    policy = _policy(tmp_path, (SERVICE_FINALIZE, ""))
    engine, sor = _world(tmp_path, policy)
    add_claim(sor, "C-APPROVE")
    add_claim(sor, "C-DENY", lines=(("X4004", 1, "900.00"),))
    add_claim(sor, "C-KNEE", lines=(("X2002", 1, "2000.00"),), notes=(MET_NOTE,))
    results = run_claims(engine, engine.pending_records())
    assert {r.record_id: r.route for r in results} == {
        "C-APPROVE": "review",
        "C-DENY": "review",
        "C-KNEE": "review",
    }
    assert all("no finalize action" in r.reason for r in results)
    assert _adjudicated(sor) == set()


def test_lowered_amount_limit_sends_claims_above_it_to_review(tmp_path: Path) -> None:
    """Lowering the service principal's cap in the file pends claims above it and finalizes those below."""
    policy = _policy(tmp_path, (SERVICE_FINALIZE, SERVICE_FINALIZE.replace("10000.00", "1000.00")))
    engine, sor = _world(tmp_path, policy)
    add_claim(sor, "C-SMALL", lines=(("X1001", 1, "999.99"),))
    add_claim(sor, "C-AT", lines=(("X1001", 1, "1000.00"),))
    add_claim(sor, "C-ABOVE", lines=(("X1001", 1, "1000.01"),))
    routes = {r.record_id: r for r in run_claims(engine, engine.pending_records())}
    assert routes["C-SMALL"].route == routes["C-AT"].route == "commit"
    assert routes["C-ABOVE"].route == "review"
    assert "exceeds 1000.00" in routes["C-ABOVE"].reason
    assert _adjudicated(sor) == {"C-SMALL", "C-AT"}


def test_principal_without_any_grant_for_the_task_is_refused(tmp_path: Path) -> None:
    """A service principal the task table grants nothing, not even a pend, may not start a work item."""
    pend = '[tasks."claims.adjudicate".actions.pend.service]\n'
    policy = _policy(tmp_path, (SERVICE_FINALIZE, ""), (pend, ""))
    engine, sor = _world(tmp_path, policy)
    add_claim(sor, "C-1")
    with pytest.raises(AccessDenied):
        engine.process("C-1")
    assert _adjudicated(sor) == set()
