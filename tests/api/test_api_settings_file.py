"""The API process honours the settings file: policy, engine thresholds, model, service name.

Each server here is started the way an operator starts one with ``uvicorn --factory
interlock.api.app:app_from_env``: only ``INTERLOCK_CONFIG`` names the configuration, and
what the file says must be visible in how claims are routed and who the trail names.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx2 as httpx
import pytest

from interlock.api.app import app_from_env
from interlock.api.auth import key_digest
from interlock.api.settings import ApiSettings
from interlock.audit.chain import AuditLog
from interlock.db import make_engine
from interlock.domains.claims.testing.api_world import FULL_SCOPE, LiveServer, TokenIssuer, seed_review_world
from interlock.domains.claims.testing.handmade import add_claim
from interlock.domains.claims.testing.model_server import ScriptedModelServer, echo_policies_responder
from interlock.settings import load_settings

SHIPPED = Path(__file__).parents[2] / "src/interlock/policy/default_policy.toml"
KEY = "ilk_settings_file_key_0123456789abcdef"
#: The shipped service grant, as a policy file would narrow it.
SERVICE_GRANT = 'outcomes = ["approve", "deny"]\nvia = "automatic"\nmax_total_billed = "10000.00"\n'


DOCUMENTED = (
    "Completed eight weeks of supervised physical therapy without relief of knee pain.",
    "MRI of the right knee shows a medial meniscal tear.",
)


def _write_config(directory: Path, issuer: TokenIssuer, **extra: str) -> Path:
    """A settings file over the databases in ``directory``; ``extra`` are raw TOML lines per section."""
    base = seed_review_world(directory, issuer)
    keys = directory / "keys-default-service.toml"
    # No `service` in the entry: the key maps to the configured service principal.
    keys.write_text(f'[[keys]]\nsha256 = "{key_digest(KEY)}"\n[keys.scope]\n{FULL_SCOPE}', encoding="utf-8")
    lines = [
        f'sor_url = "{base.sor_url}"',
        f'store_url = "{base.store_url}"',
        "pool_size = 3",
        extra.get("top", ""),
        "[api]",
        f'jwks_file = "{base.jwks_file}"',
        f'jwt_issuer = "{issuer.issuer}"',
        f'jwt_audience = "{issuer.audience}"',
        f'api_keys_file = "{keys}"',
        "queue_workers = 0",
        "cookie_secure = false",
        extra.get("api", ""),
        "[engine]",
        extra.get("engine", ""),
        "[models]",
        extra.get("models", ""),
    ]
    path = directory / "interlock.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def configured_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """Start ``app_from_env`` under a given settings file; yields a starter."""
    started: list[LiveServer] = []

    def start(config: Path) -> str:
        for name in ("INTERLOCK_SOR_URL", "INTERLOCK_STORE_URL", "INTERLOCK_MODEL", "INTERLOCK_POLICY_FILE"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("INTERLOCK_CONFIG", str(config))
        server = LiveServer(app_from_env()).__enter__()
        started.append(server)
        return server.url

    yield start
    for server in started:
        server.__exit__(None, None, None)


def _adjudicate(url: str, claim_id: str) -> dict[str, object]:
    with httpx.Client(base_url=url, headers={"X-API-Key": KEY}, timeout=60) as client:
        response = client.post(f"/v1/tasks/claims.adjudicate/{claim_id}")
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


@pytest.mark.parametrize(("approve_threshold", "route"), [(0.9, "commit"), (0.97, "review")])
def test_engine_thresholds_and_model_endpoint_come_from_the_file(
    tmp_path: Path, issuer: TokenIssuer, configured_server: object, approve_threshold: float, route: str
) -> None:
    """A model 95 % sure finalizes under a 0.9 threshold and goes to a person under 0.97."""
    with ScriptedModelServer(echo_policies_responder("met", 0.95)) as model:
        config = _write_config(
            tmp_path,
            issuer,
            api='model = "openai:judge"',
            # A hand-made world has no decided history to fit a familiar region on.
            engine=f"approve_threshold = {approve_threshold}\nfamiliarity = false",
            models=f'openai_base_url = "{model.base_url}"\nopenai_api_key = "test-key"',
        )
        # Notes that document both criteria of MP-KNEE: the model's "met" has evidence to cite,
        # so only its confidence against the threshold decides (a vague note is a person's anyway).
        sor = make_engine(load_settings(config).settings.sor_url)
        add_claim(
            sor, "DOC-1", service_date=date(2026, 1, 20), lines=(("X2002", 1, "2500.00"),), notes=DOCUMENTED
        )
        sor.dispose()
        url = configured_server(config)  # type: ignore[operator]
        result = _adjudicate(url, "DOC-1")
        assert model.requests, f"the configured model endpoint was never called: {result}"
    assert result["route"] == route, result


def test_policy_file_and_service_principal_come_from_the_file(
    tmp_path: Path, issuer: TokenIssuer, configured_server: object
) -> None:
    """A policy capping the service at 50.00 sends an 80.00 claim the rules approve to review."""
    narrowed = SHIPPED.read_text(encoding="utf-8").replace(
        'version = "claims-entitlements@3"', 'version = "site-narrowed@1"'
    )
    assert SERVICE_GRANT in narrowed
    policy = tmp_path / "policy.toml"
    policy.write_text(narrowed.replace(SERVICE_GRANT, SERVICE_GRANT.replace("10000.00", "50.00")))
    config = _write_config(tmp_path, issuer, top=f'policy_file = "{policy}"\nservice_principal = "nightly"')
    url = configured_server(config)  # type: ignore[operator]
    result = _adjudicate(url, "OK-N1")
    assert result["route"] == "review", result
    store = make_engine(load_settings(config).settings.store_url)
    try:
        events = [e.body for e in AuditLog(store).events_for_record("OK-N1")]
    finally:
        store.dispose()
    assert {e["principal"] for e in events} == {"service:nightly"}
    versions = {e.get("policy_version") for e in events} - {None}
    assert versions == {"site-narrowed@1"}, json.dumps(events)[:2000]


def test_older_flat_variables_fill_only_what_the_settings_leave_default(tmp_path: Path) -> None:
    """``INTERLOCK_REVIEW_SLA_HOURS`` still works; ``[api] review_sla_hours`` wins over it."""
    urls = {"INTERLOCK_SOR_URL": "sqlite:///a.db", "INTERLOCK_STORE_URL": "sqlite:///b.db"}
    older = {**urls, "INTERLOCK_REVIEW_SLA_HOURS": "5", "INTERLOCK_MODEL": "baseline"}
    from_older = ApiSettings.from_settings(load_settings(environ=older), environ=older)
    assert (from_older.review_sla_hours, from_older.model) == (5.0, "baseline")
    both = {**older, "INTERLOCK_API__REVIEW_SLA_HOURS": "7"}
    assert ApiSettings.from_settings(load_settings(environ=both), environ=both).review_sla_hours == 7.0
    given = ApiSettings.from_settings(load_settings(environ=both), environ=both, review_sla_hours=9.0)
    assert given.review_sla_hours == 9.0
    config = tmp_path / "c.toml"
    config.write_text("pool_size = 4\n[engine]\nlease_seconds = 33\n[api]\ndeadline_seconds = 12\n")
    from_file = ApiSettings.from_settings(load_settings(config, environ=urls), environ=urls)
    assert (from_file.pool_size, from_file.engine.lease_seconds, from_file.deadline_seconds) == (4, 33, 12)


def test_review_decisions_follow_the_configured_policy(
    tmp_path: Path, issuer: TokenIssuer, configured_server: object
) -> None:
    """A policy file that lets staff only deny through review refuses an analyst's approval at the gate."""
    staff_grant = 'outcomes = ["approve", "deny"]\nvia = "review"\n'
    shipped = SHIPPED.read_text(encoding="utf-8")
    assert staff_grant in shipped
    policy = tmp_path / "policy.toml"
    policy.write_text(shipped.replace(staff_grant, 'outcomes = ["deny"]\nvia = "review"\n'), encoding="utf-8")
    config = _write_config(tmp_path, issuer, top=f'policy_file = "{policy}"')
    url = configured_server(config)  # type: ignore[operator]
    assert _adjudicate(url, "RV-N1")["route"] == "review"
    sor = make_engine(load_settings(config).settings.sor_url)
    store = make_engine(load_settings(config).settings.store_url)
    token = issuer.token("A1")
    try:
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as a1:
            [item] = [r for r in a1.get("/v1/review-items").json()["items"] if r["claim_id"] == "RV-N1"]
            refused = a1.post(f"/v1/review-items/{item['review_id']}/decision", json={"action": "approve"})
        assert refused.status_code == 422, refused.text
        assert any(f["check"] == "write_boundary" for f in refused.json()["findings"])
        with sor.connect() as conn:
            written = conn.exec_driver_sql(
                "SELECT count(*) FROM adjudications WHERE claim_id = 'RV-N1'"
            ).scalar_one()
        assert written == 0
    finally:
        sor.dispose()
        store.dispose()
