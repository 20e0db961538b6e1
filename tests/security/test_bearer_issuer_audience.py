"""Finding 5: with bearer tokens enabled, an issuer and an audience are required and checked."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx2 as httpx
import pytest
from served import clean_env, serve_command

from interlock.api.app import create_app
from interlock.api.services import Services
from interlock.domains.claims.testing.api_world import LiveServer, TokenIssuer, free_port, seed_review_world
from interlock.exceptions import ConfigurationError


@pytest.mark.parametrize("missing", ["jwt_issuer", "jwt_audience"])
def test_bearer_tokens_without_issuer_or_audience_are_refused_at_start_up(
    tmp_path: Path, issuer: TokenIssuer, missing: str
) -> None:
    """`interlock serve` exits with a one-line error naming what is missing; Services refuses too."""
    settings = seed_review_world(tmp_path, issuer).model_copy(update={missing: None})
    command = [part for part in serve_command(settings, free_port()) if part != "None"]
    flag = "--issuer" if missing == "jwt_issuer" else "--audience"
    command.remove(flag)
    done = subprocess.run(command, env=clean_env(), capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    (line,) = done.stderr.strip().splitlines()
    assert f"{missing} is not set" in line
    with pytest.raises(ConfigurationError, match=missing):
        Services(settings)


def test_a_token_for_another_audience_or_issuer_is_refused(tmp_path: Path, issuer: TokenIssuer) -> None:
    """Same identity provider keys, another application's audience (or another issuer): 401."""
    settings = seed_review_world(tmp_path, issuer)
    with LiveServer(create_app(settings)) as server, httpx.Client(base_url=server.url) as client:

        def status(token: str) -> int:
            return client.get("/v1/review-items", headers={"Authorization": f"Bearer {token}"}).status_code

        assert status(issuer.token("A1")) == 200
        assert status(issuer.token("A1", aud="payroll")) == 401
        assert status(issuer.token("A1", iss="https://other.idp")) == 401
        assert status(issuer.token("A1", aud=None)) == 401
