"""FHIR claim ingest is granted by the policy's ``claims.ingest`` task and leaves an audit event.

A real server on loopback over real SQLite: the refusal is the policy's (a policy file
that narrows the grant changes who gets 403), and every created claim is one
``claim.ingested`` event that names ids and labels, never content, and keeps the
chain verifiable.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fhirclaims import fhir_claim, post
from sqlalchemy import select
from typer.testing import CliRunner

from interlock.api.app import create_app
from interlock.audit.chain import AuditLog
from interlock.audit.events import content_ref
from interlock.cli.app import app as cli
from interlock.db import make_engine
from interlock.domains.claims import schema as t
from interlock.domains.claims.fhir_claim import claim_id_for, map_claim, parse_claim
from interlock.domains.claims.intake_store import SqlClaimIntake
from interlock.domains.claims.testing.api_world import (
    SERVICE_KEY,
    ApiWorld,
    LiveServer,
    TokenIssuer,
    settings_for,
)

SHIPPED = Path(__file__).parents[2] / "src/interlock/policy/default_policy.toml"
STAFF_GRANT = '[tasks."claims.ingest".actions.create.staff]\nroles = ["analyst", "supervisor"]\n'
SALT = b"a-deployment-secret-of-32-bytes!"
#: What the posted claim holds that is content: the trail must repeat none of it.
CONTENT = ("CLM-IN", "Routine follow-up", "E11.9", "M1", "X1001", "100.10", "Good Clinic")


@pytest.fixture
def narrowed(tmp_path: Path, adjudicated: Path, issuer: TokenIssuer) -> Iterator[ApiWorld]:
    """A server whose policy lets only supervisors among staff ingest, with a content salt."""
    for name in ("sor.db", "store.db"):
        shutil.copy(adjudicated / name, tmp_path / name)
    text = SHIPPED.read_text(encoding="utf-8")
    assert STAFF_GRANT in text
    policy = tmp_path / "policy.toml"
    policy.write_text(text.replace(STAFF_GRANT, STAFF_GRANT.replace('"analyst", ', "")), encoding="utf-8")
    salt = tmp_path / "salt"
    salt.write_bytes(SALT)
    settings = settings_for(tmp_path, issuer).model_copy(
        update={"policy_file": policy, "content_salt_file": salt}
    )
    sor, store = make_engine(settings.sor_url), make_engine(settings.store_url)
    with LiveServer(create_app(settings)) as server:
        yield ApiWorld(url=server.url, sor=sor, store=store, issuer=issuer)
    sor.dispose()
    store.dispose()


def _cli(*args: str) -> tuple[int, str]:
    result = CliRunner(env={"INTERLOCK_CONFIG": ""}).invoke(cli, list(args))
    return result.exit_code, result.stdout + result.stderr


def _store_url(world: ApiWorld) -> str:
    return world.store.url.render_as_string(hide_password=False)


def test_an_auditor_is_refused_by_the_ingest_grant_with_a_problem(api: ApiWorld) -> None:
    """The shipped policy does not grant an auditor claims.ingest: 403 problem+json, nothing written."""
    with api.client("AUD") as aud:
        refused = post(aud, fhir_claim("CLM-AUD"))
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["type"].endswith("/forbidden")
    assert "may not read claim content" in refused.json()["detail"]
    claim_id = claim_id_for("urn:example:clearinghouse", "CLM-AUD")
    assert AuditLog(api.store).events_for_record(claim_id) == []
    with api.sor.connect() as conn:
        assert conn.execute(select(t.claims).where(t.claims.c.claim_id == claim_id)).first() is None


def test_an_ingested_claim_is_audited_with_ids_only(api: ApiWorld) -> None:
    """An analyst's claim is one claim.ingested event; the chain verifies and explain reads it."""
    with api.client("A1") as analyst:
        created = post(analyst, fhir_claim("CLM-IN"))
        assert created.status_code == 201, created.text
        claim_id = created.json()["claim_id"]
        assert post(analyst, fhir_claim("CLM-IN")).status_code == 200  # a replay writes nothing
    events = [e.body for e in AuditLog(api.store).events_for_record(claim_id)]
    ingested = [e for e in events if e["kind"] == "claim.ingested"]
    assert len(ingested) == 1, events
    event = ingested[0]
    assert event["principal"] == "staff:A1" and event["purpose"] == "claims.ingest"
    assert event["subject"] == {"record_id": claim_id, "record_version": created.json()["claim_version"]}
    assert event["details"] == {"lines": 2, "sensitivity": "none"}  # no salt configured: no identifier
    text = json.dumps(event)
    assert not [c for c in CONTENT if c in text], text
    code, output = _cli("audit", "verify", "--store", _store_url(api), "--json")
    assert code == 0 and json.loads(output)["ok"] is True, output
    code, output = _cli("audit", "explain", claim_id, "--store", _store_url(api))
    assert code == 0 and claim_id in output, output


def test_an_ingested_event_exports_as_a_fhir_audit_event(api: ApiWorld, tmp_path: Path) -> None:
    """`audit export-fhir` turns the new kind into a valid R4 AuditEvent like any other."""
    with api.client(api_key=SERVICE_KEY) as service:
        assert post(service, fhir_claim("CLM-EXP")).status_code == 201
    out = tmp_path / "audit.ndjson"
    code, output = _cli("audit", "export-fhir", "--store", _store_url(api), "--out", str(out))
    assert code == 0, output
    actions = {
        json.loads(line)["subtype"][-1]["code"]: json.loads(line)["action"]
        for line in out.read_text().splitlines()
    }
    assert actions["claim.ingested"] == "C"  # FHIR's code for a record created


def test_a_policy_file_narrowing_the_grant_refuses_analysts(narrowed: ApiWorld) -> None:
    """Under a policy granting staff ingest to supervisors only, an analyst gets 403, a supervisor 201."""
    with narrowed.client("A1") as analyst:
        refused = post(analyst, fhir_claim("CLM-NA"))
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    assert "claims.ingest" in refused.json()["detail"] and "analyst" in refused.json()["detail"]
    with narrowed.client("SUP") as supervisor:
        created = post(supervisor, fhir_claim("CLM-NA"))
    assert created.status_code == 201, created.text
    with narrowed.client(api_key=SERVICE_KEY) as service:
        assert post(service, fhir_claim("CLM-SV")).status_code == 201
    claim_id = created.json()["claim_id"]
    (event,) = [
        e.body
        for e in AuditLog(narrowed.store).events_for_record(claim_id)
        if e.body["kind"] == "claim.ingested"
    ]
    assert event["principal"] == "staff:SUP"
    # With a salt configured the identifier is referenced by its salted hash, never spelled out.
    identifier = created.json()["identifier"]
    assert event["details"]["identifier_ref"] == content_ref(SALT, identifier)
    assert "CLM-NA" not in json.dumps(event)


def test_a_replay_records_an_event_the_first_post_lost(api: ApiWorld) -> None:
    """A claim in the system of record without its event (a crash between the two) gets it on replay, once."""
    claim = fhir_claim("CLM-LOST")
    draft = map_claim(parse_claim(json.dumps(claim).encode()))  # type: ignore[arg-type]
    assert not isinstance(draft, list)
    intake = SqlClaimIntake(api.sor)
    member = intake.member_facts(draft.member_id)
    assert member is not None
    now = datetime.now(UTC)
    assert intake.insert(draft, member, received=now.date(), now=now.replace(tzinfo=None)).created
    assert AuditLog(api.store).events_for_record(draft.claim_id) == []
    with api.client(api_key=SERVICE_KEY) as service:
        for _ in range(2):
            replay = post(service, claim)
            assert replay.status_code == 200 and replay.json()["created"] is False
    kinds = [e.body["kind"] for e in AuditLog(api.store).events_for_record(draft.claim_id)]
    assert kinds == ["claim.ingested"]
