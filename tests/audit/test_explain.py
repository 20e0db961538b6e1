"""`audit explain` rebuilds a decision from the trail alone, for a record of any task."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from interlock.audit.chain import AuditLog, StoredEvent
from interlock.audit.events import AuditEvent
from interlock.audit.explain import explain_record, in_domain
from interlock.cli.app import app
from interlock.db import make_engine
from interlock.testing.audit_store import append_all, create_audit_tables

T0 = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)
runner = CliRunner()


def test_explanation_covers_every_fact_invariant_4_names(decided_store: str) -> None:
    """Principal, policy version, context ids, rules, model and prompt, verdict, route and receipt all appear."""
    store = make_engine(decided_store)
    events = AuditLog(store).events_for_record("C-KNEE")
    text = explain_record("C-KNEE", events)
    by_kind = {e.body["kind"]: e.body for e in events}
    model = by_kind["model.called"]
    context_items = by_kind["context.retrieved"]["details"]["items"]
    expected = [
        f"Record C-KNEE (claims.adjudicate): {len(events)} audit events in 1 work item(s).",
        "(version 1, task claims.adjudicate)",
        by_kind["entitlement.decided"]["principal"],
        f"policy version {by_kind['entitlement.decided']['policy_version']}",
        *context_items[:3],
        "rules ",
        by_kind["rules.evaluated"]["outcome"],
        f"model {model['model_id']}",
        f"prompt template {model['prompt_template']}",
        model["prompt_hash"],
        model["details"]["raw_output_sha256"],
        f"verdict {by_kind['gate.verdict']['outcome']}",
        "routed to commit",
        f"receipt {by_kind['sor.written']['receipt']}",
        f"idempotency key {by_kind['sor.written']['idempotency_key']}",
    ]
    for fact in expected:
        assert fact in text, fact
    for key, value in by_kind["route.decided"]["details"].items():
        if not isinstance(value, dict | list):
            assert f"{key.replace('_', ' ')} {'none' if value is None else value}" in text, key
    for stored in events:
        assert f"[{stored.event_id} " in text, "every sentence cites its event"
    store.dispose()


def test_explain_command_takes_a_record_or_a_claim_and_fails_for_unknown_ones(decided_store: str) -> None:
    """RECORD_ID, --record and --claim print the same account; an unmentioned record exits 1, two names exit 2."""
    accounts = []
    for args in (["C-KNEE"], ["--record", "C-KNEE"], ["--claim", "C-KNEE"]):
        done = runner.invoke(app, ["audit", "explain", *args, "--store", decided_store])
        assert done.exit_code == 0, done.output
        assert done.output.startswith("Record C-KNEE (claims.adjudicate):")
        assert "routed to commit" in done.output
        accounts.append(done.output)
    assert accounts[0] == accounts[1] == accounts[2]
    missing = runner.invoke(app, ["audit", "explain", "--record", "C-NONE", "--store", decided_store])
    assert missing.exit_code == 1
    assert "no audit events for record 'C-NONE'" in missing.output
    both = runner.invoke(app, ["audit", "explain", "--record", "A", "--claim", "A", "--store", decided_store])
    assert both.exit_code == 2
    assert runner.invoke(app, ["audit", "explain", "--store", decided_store]).exit_code == 2


# -- records of several tasks, in a store of their own ----------------------------------


def event(i: int, kind: str, purpose: str, subject: dict[str, Any], **fields: Any) -> AuditEvent:
    """Event ``i`` of the mixed trail, ``i`` seconds after T0."""
    defaults: dict[str, Any] = {
        "principal": "service:interlock",
        "on_behalf_of": None,
        "work_item_id": None,
        "outcome": "ok",
        "reason": f"step {i}",
        "details": {},
    }
    return AuditEvent(
        kind=kind, at=T0 + timedelta(seconds=i), purpose=purpose, subject=subject, **defaults | fields
    )  # type: ignore[arg-type]


MIXED = [
    # An invoice and a claim that happen to share the id "X-1".
    event(
        1, "claim.ingested", "claims.ingest", {"claim_id": "X-1", "claim_version": 1}, principal="staff:A1"
    ),
    event(
        2,
        "route.decided",
        "claims.adjudicate",
        {"claim_id": "X-1", "claim_version": 1},
        work_item_id="wi-claim",
        outcome="commit",
        details={"outcome": "approve", "paid": "80.00"},
    ),
    event(
        3,
        "entitlement.decided",
        "invoices.approve",
        {"record_id": "X-1", "record_version": 4},
        work_item_id="wi-inv",
        trace_id="4bf92f3577b34da6a3ce929d0e0e4736",
        policy_version="erp@2",
    ),
    event(
        4,
        "route.decided",
        "invoices.approve",
        {"record_id": "X-1", "record_version": 4},
        work_item_id="wi-inv",
        outcome="review",
        trace_id="4bf92f3577b34da6a3ce929d0e0e4736",
        details={"approver_needed": "limit", "total_amount": "12500.00"},
    ),
    event(
        5,
        "review.decided",
        "invoices.approve",
        {"record_id": "X-1", "record_version": 4, "review_id": "rv-9"},
        work_item_id="wi-inv",
        principal="staff:S2",
        outcome="approve",
    ),
    event(6, "config.changed", "interlock.configure", {}),
]


@pytest.fixture
def mixed(tmp_path: Path) -> Iterator[Engine]:
    """A store holding the events of an old-style claim and a new-style invoice with the same id."""
    engine = make_engine(f"sqlite:///{tmp_path / 'mixed.db'}")
    create_audit_tables(engine)
    append_all(AuditLog(engine), MIXED)
    yield engine
    engine.dispose()


def test_a_record_of_several_tasks_is_told_per_task_and_work_item(mixed: Engine) -> None:
    """The heading names each task; work items give version, task and trace; loose events name their task."""
    events = AuditLog(mixed).events_for_record("X-1")
    assert len(events) == 5
    lines = explain_record("X-1", events).splitlines()
    assert lines[0] == (
        "Record X-1 (claims.ingest, claims.adjudicate, invoices.approve): "
        "5 audit events in 2 work item(s), 1 outside any work item."
    )
    assert "Outside any work item:" in lines
    assert "Work item wi-claim (version 1, task claims.adjudicate), by service:interlock:" in lines
    assert (
        "Work item wi-inv (version 4, task invoices.approve, trace 4bf92f3577b34da6a3ce929d0e0e4736), "
        "by service:interlock:"
    ) in lines
    loose = next(line for line in lines if "main:1 " in line)
    assert "(claims.ingest, by staff:A1) record brought in, ok: step 1" in loose
    route = next(line for line in lines if "main:4 " in line)
    assert route.endswith("routed to review: step 4 (approver needed limit, total amount 12500.00)")
    assert "review decided, approve: step 5" in next(line for line in lines if "main:5 " in line)


def test_a_domain_sees_only_its_own_record_of_a_shared_id(mixed: Engine) -> None:
    """in_domain keeps the claims events of X-1 and drops the invoice's, and the account says so."""
    events = AuditLog(mixed).events_for_record("X-1")
    claims = in_domain(events, "claims")
    assert [e.seq for e in claims] == [1, 2]
    assert [e.seq for e in in_domain(events, "invoices")] == [3, 4, 5]
    assert in_domain(events, "claim") == []
    text = explain_record("X-1", claims)
    assert text.startswith("Record X-1 (claims.ingest, claims.adjudicate): 2 audit events in 1 work item(s)")
    assert "invoices" not in text


def test_the_claim_shorthand_of_the_command_filters_to_claims_tasks(mixed: Engine, tmp_path: Path) -> None:
    """`audit explain --claim X-1` tells the claim only; `--record X-1` tells both records."""
    url = f"sqlite:///{tmp_path / 'mixed.db'}"
    claim = runner.invoke(app, ["audit", "explain", "--claim", "X-1", "--store", url])
    assert claim.exit_code == 0, claim.output
    assert "invoices.approve" not in claim.output
    assert "2 audit events" in claim.output
    record = runner.invoke(app, ["audit", "explain", "--record", "X-1", "--store", url])
    assert record.exit_code == 0, record.output
    assert "invoices.approve" in record.output and "5 audit events" in record.output


def test_no_events_says_so() -> None:
    """An empty trail for a record is reported as such rather than as an empty account."""
    empty: list[StoredEvent] = []
    assert explain_record("R-0", empty) == "No audit events mention record R-0."
