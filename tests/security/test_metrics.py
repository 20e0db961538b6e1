"""Finding 7: /metrics reads counters (never the audit trail) and can be closed to outsiders."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx2 as httpx
from securityworld import scoped_world
from sqlalchemy import Engine, event

from interlock.api.app import create_app
from interlock.audit.chain import AuditLog, audit_events
from interlock.audit.events import AuditEvent
from interlock.db import make_engine
from interlock.domains.claims.testing.api_world import (
    SERVICE_KEY,
    LiveServer,
    TokenIssuer,
    seed_review_world,
    settings_for,
)
from interlock.store import migrations


def _model_error(n: int) -> AuditEvent:
    return AuditEvent(
        kind="model.called",
        at=datetime.now(UTC),
        principal="service:x",
        on_behalf_of=None,
        purpose="claims.adjudicate",
        work_item_id=f"wi-{n}",
        subject={"claim_id": f"C{n}", "claim_version": 1},
        outcome="error",
        reason="timeout",
        details={},
        policy_version="v",
        source="test",
    )


def test_a_scrape_counts_model_errors_without_reading_the_trail(
    tmp_path: Path, adjudicated: Path, issuer: TokenIssuer
) -> None:
    """Errors appended are counted as they are appended; a scrape runs no query on audit_events."""
    with scoped_world(tmp_path, adjudicated, issuer) as world:
        log = AuditLog(world.store)
        for n in range(3):
            log.append_one(_model_error(n))
        statements: list[str] = []

        def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            statements.append(statement)

        # Listen on every engine of the process: the server runs in this process's thread.
        with httpx.Client(base_url=world.url) as client:
            event.listen(Engine, "before_cursor_execute", seen)
            try:
                text = client.get("/metrics").text
            finally:
                event.remove(Engine, "before_cursor_execute", seen)
    (value,) = re.findall(
        r'^interlock_audit_error_events_total\{kind="model.called"\} (\S+)$', text, re.MULTILINE
    )
    assert float(value) == 3.0
    assert statements, "the scrape ran no query at all"
    assert not any("audit_events" in s for s in statements), [s for s in statements if "audit_events" in s]


def test_metrics_can_require_credentials_and_a_client_network(tmp_path: Path, issuer: TokenIssuer) -> None:
    """metrics_auth answers 401 without credentials; metrics_networks hides it from other clients."""
    settings = seed_review_world(tmp_path, issuer)
    locked = create_app(settings.model_copy(update={"metrics_auth": True}))
    with LiveServer(locked) as server, httpx.Client(base_url=server.url) as client:
        assert client.get("/metrics").status_code == 401
        assert client.get("/metrics", headers={"X-API-Key": SERVICE_KEY}).status_code == 200
    elsewhere = settings_for(tmp_path, issuer).model_copy(update={"metrics_networks": ("10.0.0.0/8",)})
    with LiveServer(create_app(elsewhere)) as server, httpx.Client(base_url=server.url) as client:
        assert client.get("/metrics").status_code == 404  # loopback is not in 10.0.0.0/8
        assert client.get("/healthz").status_code == 200
    inside = settings_for(tmp_path, issuer).model_copy(update={"metrics_networks": ("127.0.0.0/8",)})
    with LiveServer(create_app(inside)) as server, httpx.Client(base_url=server.url) as client:
        assert client.get("/metrics").status_code == 200


def test_upgrading_a_store_counts_the_errors_already_in_its_trail(db_url: str) -> None:
    """Revision 0004 seeds the error counters from the events a 0001 store already holds."""
    store = make_engine(db_url)
    try:
        migrations.upgrade(store, "0001")
        bodies = [_model_error(n).to_canonical_json().decode() for n in range(2)]
        ok = _model_error(9)
        ok_body = ok.to_canonical_json().decode().replace('"outcome":"error"', '"outcome":"ok"')
        with store.begin() as conn:
            conn.execute(
                audit_events.insert(),
                [
                    {
                        "chain": "main",
                        "seq": seq,
                        "event_id": f"evt-{seq}",
                        "kind": "model.called",
                        "at": datetime.now(UTC),
                        "work_item_id": None,
                        "body": body,
                        "leaf_hash": "0" * 64,
                        "chain_hash": "0" * 64,
                    }
                    for seq, body in enumerate([*bodies, ok_body], start=1)
                ],
            )
        migrations.upgrade(store)
        assert AuditLog(store).error_count("model.called") == 2
    finally:
        store.dispose()
