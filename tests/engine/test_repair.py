"""The one bounded repair: a model answer refused for its own mistakes is asked again, once."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from interlock.assembly import build_engine
from interlock.audit.chain import AuditLog
from interlock.audit.events import AuditEvent
from interlock.db import make_engine
from interlock.domains.claims import schema as t
from interlock.domains.claims.connector import SqlClaimsConnector
from interlock.domains.claims.prompts import extract_request_payload
from interlock.domains.claims.testing.handmade import add_claim, seed_reference
from interlock.domains.claims.testing.model_server import (
    ScriptedModelServer,
    echo_policies_responder,
    sequence_responder,
)
from interlock.models.openai_compat import OpenAICompatibleModel
from interlock.policy.principal import service_principal
from interlock.store.metadata import store_metadata
from interlock.work.runner import run_claims
from interlock.work.store import WorkStore

NOTE = "Eight weeks of supervised physical therapy completed without relief. MRI shows a meniscal tear."
FORGED = json.dumps(
    {
        "policies": [
            {
                "policy_id": "MP-KNEE",
                "confidence": 0.99,
                "rationale": "Criteria 1 and 2 documented.",
                "criteria": [
                    {
                        "criterion": n,
                        "finding": "met",
                        "citations": [
                            {
                                "item_id": "note:R1-N1@2026-01-01T00:00:00",
                                "quote": "twelve weeks of therapy in detail",
                            }
                        ],
                    }
                    for n in (1, 2)
                ],
            }
        ]
    }
)


def _run(tmp_path: Path, server: ScriptedModelServer) -> tuple[Any, Engine, list[AuditEvent]]:
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
        model=OpenAICompatibleModel("judge", base_url=server.base_url, api_key="k"),
    )
    add_claim(sor, "R1", lines=(("X2002", 1, "2000.00"),), notes=(NOTE,))
    [result] = run_claims(engine, ["R1"])
    assert AuditLog(store).verify().ok
    return result, sor, [e.event() for e in AuditLog(store).events_for_record("R1")]


def _payloads(server: ScriptedModelServer) -> list[dict[str, Any]]:
    return [extract_request_payload(request["messages"]) for request in server.requests]


def test_fabricated_quote_then_valid_answer_is_approved_with_both_calls_audited(tmp_path: Path) -> None:
    """A forged quote is sent back once as a finding; the valid second answer passes the gate and commits."""
    with ScriptedModelServer(sequence_responder([FORGED, echo_policies_responder("met", 0.99)])) as server:
        result, sor, events = _run(tmp_path, server)
        first, second = _payloads(server)
    assert (result.route, result.outcome) == ("commit", "approve"), result.reason
    calls = [e for e in events if e.kind == "model.called"]
    assert [c.outcome for c in calls] == ["ok", "ok"]
    assert "repair" not in calls[0].details and calls[1].details["repair"] is True
    verdicts = [(e.outcome, e.details.get("repair")) for e in events if e.kind == "gate.verdict"]
    assert verdicts == [("block", "requested"), ("pass", None)]
    assert "repair_findings" not in first
    assert second["repair_findings"] == [
        "citations: policy MP-KNEE: quote is not found verbatim in note:R1-N1@2026-01-01T00:00:00"
    ]
    assert "twelve weeks" not in json.dumps(second)  # the forged quote itself is never sent back
    with sor.connect() as conn:
        assert conn.execute(select(t.adjudications.c.outcome)).scalars().all() == ["approve"]


def test_two_bad_answers_go_to_review_after_exactly_one_repair(tmp_path: Path) -> None:
    """When the repaired answer forges a quote again, the claim is pended for a person and not asked a third time."""
    with ScriptedModelServer(sequence_responder([FORGED, FORGED])) as server:
        result, sor, events = _run(tmp_path, server)
        asked = len(server.requests)
        errors = server.responder_errors
    assert asked == 2 and errors == []
    assert result.route == "review"
    assert "not found verbatim" in result.reason
    assert [e.details.get("repair", False) for e in events if e.kind == "model.called"] == [False, True]
    with sor.connect() as conn:
        assert conn.execute(select(t.adjudications)).all() == []
        assert conn.execute(select(t.claims.c.status)).scalar_one() == "pended"
