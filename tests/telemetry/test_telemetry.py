"""Spans, metrics and logs report stages and models without a trace of PHI."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from interlock.assembly import build_engine
from interlock.audit.chain import AuditLog
from interlock.db import make_engine
from interlock.domains.claims import schema as t
from interlock.domains.claims.connector import SqlClaimsConnector
from interlock.domains.claims.testing.handmade import add_claim, seed_reference
from interlock.domains.claims.testing.scripted import ScriptedModel
from interlock.models.observed import ObservedModel
from interlock.policy.principal import service_principal
from interlock.store.metadata import store_metadata
from interlock.telemetry import logs
from interlock.telemetry.metrics import exposition
from interlock.telemetry.tracing import add_exporter
from interlock.work.runner import run_claims
from interlock.work.store import WorkStore

CANARY_NAME = "Zebulonqx"
CANARY_SSN = "987650321"
NOTE = (
    f"Patient {CANARY_NAME} completed eight weeks of supervised physical therapy; MRI shows a meniscal tear."
)


@pytest.fixture(scope="module")
def spans() -> InMemorySpanExporter:
    exporter = InMemorySpanExporter()
    add_exporter(exporter)
    return exporter


def test_phi_canaries_reach_no_span_metric_audit_event_or_log(
    tmp_path: Path, spans: InMemorySpanExporter, capsys: pytest.CaptureFixture[str]
) -> None:
    """A member whose name and SSN are canaries is decided; the canaries appear in no telemetry or audit output."""
    logs.configure_logging(level=logging.DEBUG)
    sor = make_engine(f"sqlite:///{tmp_path / 'sor.db'}")
    store = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    t.metadata.create_all(sor)
    store_metadata.create_all(store)
    seed_reference(sor)
    with sor.begin() as conn:
        conn.execute(
            t.members.update()
            .where(t.members.c.member_id == "M1")
            .values(first_name=CANARY_NAME, ssn=CANARY_SSN)
        )
    add_claim(sor, "T-1", lines=(("X2002", 1, "2000.00"),), notes=(NOTE,))
    engine = build_engine(
        "claims.adjudicate",
        connector=SqlClaimsConnector(sor),
        store=WorkStore(store, AuditLog(store)),
        principal=service_principal(),
        model=ObservedModel(ScriptedModel("met", 0.99)),
    )
    [result] = run_claims(engine, ["T-1"])
    logs.get_logger().info("decided", claim_note=NOTE, ssn=CANARY_SSN, body=NOTE, summary=f"ssn {CANARY_SSN}")
    assert result.route == "commit"
    exported = [
        json.dumps({"name": s.name, "attributes": dict(s.attributes or {})})
        for s in spans.get_finished_spans()
    ]
    assert any('"gen_ai.operation.name": "chat"' in s for s in exported)
    audit = [json.dumps(e.body) for e in AuditLog(store).events_for_record("T-1")]
    text = "\n".join([*exported, *audit, exposition().decode(), capsys.readouterr().err])
    for canary in (CANARY_NAME, CANARY_SSN, "eight weeks of supervised"):
        assert canary not in text


def test_model_span_follows_genai_conventions(spans: InMemorySpanExporter) -> None:
    """A model call is a CLIENT span named '{operation} {model}' with provider, model and token usage."""
    from interlock.domains.claims.question import NecessityRequest, NoteText, PolicyText

    spans.clear()
    request = NecessityRequest(
        claim_id="C",
        line_of_business="commercial",
        member_age=40,
        procedure_codes=("X",),
        diagnosis_codes=("E11.9",),
        policies=(PolicyText(item_id="p", policy_id="P", title="t", body="(1) x"),),
        notes=(NoteText(item_id="n", body="a note long enough to cite"),),
    )
    ObservedModel(ScriptedModel("met", 0.9, name="judge")).ask(request, timeout=1)
    [span] = [s for s in spans.get_finished_spans() if s.name == "chat judge"]
    attributes = dict(span.attributes or {})
    assert span.kind.name == "CLIENT"
    assert attributes["gen_ai.provider.name"] == "scripted"
    assert attributes["gen_ai.request.model"] == "judge"
    assert "gen_ai.usage.input_tokens" in attributes
    assert not any("note long enough" in str(v) for v in attributes.values())


def test_metric_labels_carry_no_identifiers() -> None:
    """Exposed metrics use the interlock_ or gen_ai_ prefix and closed label sets, never record ids."""
    text = exposition().decode()
    samples = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert all(line.startswith(("interlock_", "gen_ai_")) for line in samples)
    assert "T-1" not in text
    assert "M1" not in text


def test_reason_kinds_are_a_closed_set() -> None:
    """Free-text reasons fold into a small set of label values; unknown text is 'other'."""
    from interlock.telemetry.metrics import reason_kind

    assert reason_kind("rule 4 (provider): billing NPI 1234567890 is not valid") == "rule_denial"
    assert reason_kind("proposal: high-value claim: total billed 12000.00") == "high_value"
    assert reason_kind("confidence: 0.61 below the approve threshold 0.90") == "low_confidence"
    assert (
        reason_kind("familiarity: unfamiliar input: score 4.1 above the familiar threshold 2.5")
        == "unfamiliar"
    )
    assert reason_kind("Patient Zebulonqx said something") == "other"


def test_metrics_command_prints_store_gauges(tmp_path: Path) -> None:
    """`interlock metrics` reads routes, reason kinds and the review backlog from the store."""
    import subprocess
    import sys

    sor = make_engine(f"sqlite:///{tmp_path / 'sor.db'}")
    store = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    t.metadata.create_all(sor)
    store_metadata.create_all(store)
    seed_reference(sor)
    add_claim(sor, "G-1")
    add_claim(sor, "G-2", lines=(("X1001", 1, "12000.00"),))
    engine = build_engine(
        "claims.adjudicate",
        connector=SqlClaimsConnector(sor),
        store=WorkStore(store, AuditLog(store)),
        principal=service_principal(),
        model=None,
    )
    run_claims(engine, ["G-1", "G-2"])
    done = subprocess.run(
        [sys.executable, "-m", "interlock", "metrics", "--store", f"sqlite:///{tmp_path / 'store.db'}"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert (
        'interlock_work_items_done{reason="rules_pass",route="commit",task="claims.adjudicate"} 1.0'
        in done.stdout
    )
    assert (
        'interlock_work_items_done{reason="high_value",route="review",task="claims.adjudicate"} 1.0'
        in done.stdout
    )
    assert "interlock_review_backlog 1.0" in done.stdout
    assert "G-1" not in done.stdout


def test_each_stage_is_a_span_and_a_latency_observation(tmp_path: Path, spans: InMemorySpanExporter) -> None:
    """A work item is one span with a child per stage; the gate is a guardrail span; stages are timed."""
    from prometheus_client.parser import text_string_to_metric_families

    from interlock.telemetry.metrics import REGISTRY

    def stage_counts() -> dict[str, float]:
        text = exposition().decode()
        return {
            s.labels["stage"]: s.value
            for family in text_string_to_metric_families(text)
            for s in family.samples
            if s.name == "interlock_stage_duration_seconds_count"
        }

    before = stage_counts()
    committed = REGISTRY.get_sample_value(
        "interlock_work_items_total",
        {"task": "claims.adjudicate", "route": "commit", "reason": "medical_necessity"},
    )
    spans.clear()
    sor = make_engine(f"sqlite:///{tmp_path / 'sor.db'}")
    store = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    t.metadata.create_all(sor)
    store_metadata.create_all(store)
    seed_reference(sor)
    add_claim(sor, "S-1", lines=(("X2002", 1, "2000.00"),), notes=(NOTE,))
    engine = build_engine(
        "claims.adjudicate",
        connector=SqlClaimsConnector(sor),
        store=WorkStore(store, AuditLog(store)),
        principal=service_principal(),
        model=ObservedModel(ScriptedModel("met", 0.99)),
    )
    [result] = run_claims(engine, ["S-1"])
    assert result.route == "commit"
    finished = spans.get_finished_spans()
    [root] = [s for s in finished if s.name == "interlock claims.adjudicate"]
    assert dict(root.attributes or {})["interlock.route"] == "commit"
    stages = [s for s in finished if s.name.startswith("interlock ") and s is not root]
    expected = [
        "entitlement",
        "lease",
        "retrieve",
        "rules",
        "model",
        "gate",
        "recovery_point",
        "write",
        "complete",
    ]
    assert [dict(s.attributes or {})["interlock.stage"] for s in stages] == expected
    assert all(s.parent is not None and s.parent.span_id == root.context.span_id for s in stages)
    [guardrail] = [s for s in finished if s.name == "apply_guardrail claims.adjudicate"]
    assert dict(guardrail.attributes or {})["gen_ai.security.decision.type"] == "allow"
    [model_span] = [s for s in finished if s.name.startswith("chat ")]
    [model_stage] = [s for s in stages if s.name == "interlock model"]
    assert model_span.parent is not None and model_span.parent.span_id == model_stage.context.span_id
    after = stage_counts()
    assert all(after[stage] == before.get(stage, 0.0) + 1 for stage in expected)
    committed_after = REGISTRY.get_sample_value(
        "interlock_work_items_total",
        {"task": "claims.adjudicate", "route": "commit", "reason": "medical_necessity"},
    )
    assert committed_after == (committed or 0.0) + 1
