"""Fixtures of the MCP tests: one identity provider per session and a fresh world per test."""

from __future__ import annotations

from pathlib import Path

import pytest
from mcp_world import World, make_world

from interlock.domains.claims.testing.api_world import TokenIssuer


@pytest.fixture(scope="session")
def issuer() -> TokenIssuer:
    """One identity provider for the session (key generation is slow)."""
    return TokenIssuer()


@pytest.fixture
def world(tmp_path: Path, issuer: TokenIssuer) -> World:
    """The review world with canary notes and a synced index (:func:`mcp_world.make_world`)."""
    return make_world(tmp_path, issuer)
