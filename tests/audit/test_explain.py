"""`audit explain` rebuilds a decision made by the engine from the trail alone."""

from __future__ import annotations

from typer.testing import CliRunner

from interlock.audit.chain import AuditLog
from interlock.audit.explain import explain_claim
from interlock.cli.app import app
from interlock.db import make_engine


def test_explanation_covers_every_fact_invariant_4_names(decided_store: str) -> None:
    """Principal, policy version, context ids, rules, model and prompt, verdict, route and receipt all appear."""
    store = make_engine(decided_store)
    events = AuditLog(store).events_for_claim("C-KNEE")
    text = explain_claim("C-KNEE", events)
    by_kind = {e.body["kind"]: e.body for e in events}
    model = by_kind["model.called"]
    context_items = by_kind["context.retrieved"]["details"]["items"]
    expected = [
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
    for stored in events:
        assert f"[{stored.event_id} " in text, "every sentence cites its event"
    store.dispose()


def test_explain_command_prints_the_account_and_fails_for_unknown_claims(decided_store: str) -> None:
    """The CLI prints the same account, and exits 1 for a claim the trail never mentions."""
    store_url = decided_store
    runner = CliRunner()
    done = runner.invoke(app, ["audit", "explain", "C-KNEE", "--store", store_url])
    assert done.exit_code == 0, done.output
    assert "Claim C-KNEE:" in done.output
    assert "routed to commit" in done.output
    missing = runner.invoke(app, ["audit", "explain", "C-NONE", "--store", store_url])
    assert missing.exit_code == 1
    assert "no audit events for claim 'C-NONE'" in missing.output
