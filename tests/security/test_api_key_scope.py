"""Finding 1: an API key is given only the scope its entry declares, and none by default."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from securityworld import INGEST_KEY, PART2_CLAIM, PART2_NOTE, scoped_world
from typer.testing import CliRunner

from interlock.api.auth import key_digest
from interlock.api.keys import parse_api_keys
from interlock.api.services import Services
from interlock.cli.app import app
from interlock.domains.claims.testing.api_world import SERVICE_KEY, TokenIssuer, seed_review_world
from interlock.exceptions import ConfigurationError
from interlock.policy.document import default_policy

DIGEST = key_digest("ilk_any_key_0123456789abcdef0123")


def _entry(scope: str | None) -> str:
    text = f'[[keys]]\nname = "feed"\nsha256 = "{DIGEST}"\nservice = "feed"\n'
    return text + (f"[keys.scope]\n{scope}" if scope is not None else "")


BAD_SCOPES = {
    "no scope at all": (None, "no scope declared"),
    "a part missing": ('assignments = ["*"]\nsensitivities = ["*"]\n', "tasks"),
    "an unknown field": ('assignments = []\nsensitivities = []\ntasks = {}\nroles = ["x"]\n', "roles"),
    "an unknown task": (
        'assignments = []\nsensitivities = []\ntasks = { "claims.delete" = ["create"] }\n',
        "claims.delete",
    ),
    "an unknown action": (
        'assignments = []\nsensitivities = []\ntasks = { "claims.ingest" = ["read"] }\n',
        "'read'",
    ),
    "an unknown sensitivity": ('assignments = []\nsensitivities = ["part2"]\ntasks = {}\n', "part2"),
    "a malformed assignment": ('assignments = ["north"]\nsensitivities = []\ntasks = {}\n', "north"),
}


@pytest.mark.parametrize("case", sorted(BAD_SCOPES))
def test_a_key_file_with_a_missing_or_unknown_scope_is_refused_in_one_line(case: str) -> None:
    """Each kind of missing or unknown scope is a ConfigurationError of one line naming the entry."""
    scope, needle = BAD_SCOPES[case]
    with pytest.raises(ConfigurationError) as refused:
        parse_api_keys(
            tomllib.loads(_entry(scope)),
            default_service="interlock",
            known_sensitivities=default_policy().sensitivity_values(),
        )
    message = str(refused.value)
    assert "\n" not in message and "keys[0] (feed)" in message and needle in message


def test_serve_refuses_to_start_with_a_key_without_scope(tmp_path: Path, issuer: TokenIssuer) -> None:
    """`interlock serve` exits non-zero with a one-line error and never listens."""
    settings = seed_review_world(tmp_path, issuer)
    keys = tmp_path / "unscoped.toml"
    keys.write_text(_entry(None), encoding="utf-8")
    result = CliRunner().invoke(
        app,
        [
            "serve",
            "--sor",
            settings.sor_url,
            "--store",
            settings.store_url,
            "--api-keys",
            str(keys),
            "--jwks-file",
            str(settings.jwks_file),
            "--issuer",
            "https://idp.test",
            "--audience",
            "interlock",
            "--port",
            "1",
        ],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code != 0
    assert "keys[0] (feed): no scope declared" in result.output
    with pytest.raises(ConfigurationError, match="no scope declared"):
        Services(settings.model_copy(update={"api_keys_file": keys}))


def test_an_empty_scope_grants_nothing() -> None:
    """Empty lists give a principal that reads no claim and may take no action."""
    (key,) = parse_api_keys(
        tomllib.loads(_entry("assignments = []\nsensitivities = []\ntasks = {}\n")), default_service="x"
    )
    policy = default_policy()
    assert not policy.claim_scope(key.principal).readable
    assert not key.principal.may_run("claims.adjudicate") and not key.principal.may("claims.ingest", "create")


def test_an_ingest_key_reads_no_part2_claim(tmp_path: Path, adjudicated: Path, issuer: TokenIssuer) -> None:
    """A key scoped to ingest without restricted sensitivities gets 404s and empty lists for Part 2."""
    with scoped_world(tmp_path, adjudicated, issuer, part2=True) as world:
        review_id = world.review_id(PART2_CLAIM)
        with world.client(api_key=SERVICE_KEY) as full:  # the same claim is there for a key scoped to it
            assert full.get(f"/v1/claims/{PART2_CLAIM}/summary").status_code == 200
            found = full.post("/v1/ask", json={"question": "opioid use disorder methadone"})
            assert PART2_CLAIM in found.text, found.text
        with world.client(api_key=INGEST_KEY) as feed:
            assert feed.get(f"/v1/claims/{PART2_CLAIM}/summary").status_code == 404
            assert feed.get(f"/v1/review-items/{review_id}").status_code == 404
            listed = feed.get("/v1/review-items", params={"limit": 500})
            assert listed.status_code == 200 and PART2_CLAIM not in listed.text
            asked = feed.post("/v1/ask", json={"question": "opioid use disorder methadone"})
            assert PART2_NOTE not in asked.text and PART2_CLAIM not in asked.text
            # Nor may it run a task it was not given, on any claim.
            run = feed.post("/v1/tasks/claims.adjudicate/RV-N1")
            assert run.status_code == 403, run.text
