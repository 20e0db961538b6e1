"""A person's decision through the API, with ``[index] follow_writes``: ``/v1/ask`` finds it without a sync."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from sqlalchemy import Engine

from interlock.api.app import create_app
from interlock.api.services import Services
from interlock.db import make_engine
from interlock.domains.claims.documents import SqlDocumentSource
from interlock.domains.claims.testing.api_world import ApiWorld, LiveServer, TokenIssuer, settings_for
from interlock.retrieval.backends import search_index_for
from interlock.retrieval.freshness import sync_index
from interlock.settings import IndexSection

QUESTION = "What was the decision on claim RV-N1?"


@dataclass
class Served:
    world: ApiWorld
    services: Services


@pytest.fixture(params=[True, False], ids=["following", "not-following"])
def served(
    request: pytest.FixtureRequest, tmp_path: Path, adjudicated: Path, issuer: TokenIssuer
) -> Iterator[Served]:
    """The adjudicated payer (RV-N1 held for a person), its index synced, served with follow-writes on or off."""
    for name in ("sor.db", "store.db"):
        shutil.copy(adjudicated / name, tmp_path / name)
    settings = settings_for(tmp_path, issuer).model_copy(
        update={"index": IndexSection(follow_writes=request.param)}
    )
    sor, store = make_engine(settings.sor_url), make_engine(settings.store_url)
    sync_index(search_index_for(store), SqlDocumentSource(sor), now=datetime.now(UTC))
    services = Services(settings)
    with LiveServer(create_app(settings, services=services)) as server:
        yield Served(ApiWorld(url=server.url, sor=sor, store=store, issuer=issuer), services)
    sor.dispose()
    store.dispose()


def _ask(client: httpx.Client) -> list[dict[str, Any]]:
    answer = client.post("/v1/ask", json={"question": QUESTION})
    assert answer.status_code == 200, answer.text
    statements: list[dict[str, Any]] = answer.json()["statements"]
    return statements


def _names_the_decision(statements: list[dict[str, Any]]) -> bool:
    """True when the answer quotes RV-N1's summary saying it is adjudicated (it said pended before)."""
    return any(
        s["text"].startswith("Claim RV-N1:")
        and "status adjudicated" in s["text"]
        and s["citations"] == ["claim:RV-N1@v1"]
        for s in statements
    )


def _eventually(client: httpx.Client, seconds: float = 15) -> bool:
    """Ask until the answer names the decision (the follower syncs seconds after the write)."""
    give_up = time.monotonic() + seconds
    while time.monotonic() < give_up:
        if _names_the_decision(_ask(client)):
            return True
        time.sleep(0.2)
    return False


def test_a_reviewers_decision_is_answered_from_the_index(served: Served) -> None:
    """Following, the analyst's approval is in the next answers; not following, only after a sync."""
    world = served.world
    with world.client("A1") as a1, world.client("A2") as a2:
        before = _ask(a1)
        assert not _names_the_decision(before)
        assert any("RV-N1" in s["text"] and "status pended" in s["text"] for s in before)
        decided = a1.post(f"/v1/review-items/{world.review_id('RV-N1')}/decision", json={"action": "approve"})
        assert decided.status_code == 200, decided.text
        if served.services.follower is not None:
            assert _eventually(a1)
        else:
            assert not _names_the_decision(_ask(a1))
            _sync(world.sor, world.store)
            assert _names_the_decision(_ask(a1))
        # The south analyst is never answered from a north claim, decided or not.
        assert "RV-N1" not in str(_ask(a2))


def _sync(sor: Engine, store: Engine) -> None:
    sync_index(search_index_for(store), SqlDocumentSource(sor), now=datetime.now(UTC))
