"""FHIR Claim ingest with the system of record on PostgreSQL: the race, the run and the replay."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fhirclaims import fhir_claim, post
from sqlalchemy import func, select

from interlock.api.app import create_app
from interlock.db import make_engine
from interlock.domains.claims import schema as t
from interlock.domains.claims.testing.api_world import (
    SERVICE_KEY,
    ApiWorld,
    LiveServer,
    TokenIssuer,
    settings_for,
)
from interlock.domains.claims.testing.handmade import seed_reference

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_api(pg_url: str, tmp_path: Path, issuer: TokenIssuer) -> Iterator[ApiWorld]:
    """A live server whose system of record is a fresh PostgreSQL database (store on SQLite)."""
    sor = make_engine(pg_url)
    t.metadata.create_all(sor)
    seed_reference(sor)
    settings = settings_for(tmp_path, issuer).model_copy(update={"sor_url": pg_url})
    store = make_engine(settings.store_url)
    with LiveServer(create_app(settings)) as server:
        yield ApiWorld(url=server.url, sor=sor, store=store, issuer=issuer)
    sor.dispose()
    store.dispose()


def test_concurrent_posts_insert_once_then_adjudicate_and_replay(pg_api: ApiWorld) -> None:
    """Eight simultaneous posts: one 201 and one claim; it is approved; a later post returns it."""
    claim = fhir_claim("PG-RACE")

    def send(_: int) -> tuple[int, str]:
        with pg_api.client(api_key=SERVICE_KEY) as service:
            r = post(service, claim)
            return r.status_code, r.json().get("claim_id", r.text)

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(send, range(8)))
    assert sorted(code for code, _ in answers) == [200] * 7 + [201], answers
    claim_id = answers[0][1]
    with pg_api.sor.connect() as conn:
        assert conn.execute(select(func.count()).select_from(t.claims)).scalar_one() == 1
        assert conn.execute(select(func.count()).select_from(t.claim_lines)).scalar_one() == 2
    with pg_api.client(api_key=SERVICE_KEY) as service:
        run = service.post(f"/v1/tasks/claims.adjudicate/{claim_id}").json()
        assert (run["route"], run["outcome"]) == ("commit", "approve")
        again = post(service, claim)
    assert again.status_code == 200
    assert (again.json()["claim_id"], again.json()["status"]) == (claim_id, "adjudicated")
    assert [r["outcome"] for r in pg_api.adjudications(claim_id)] == ["approve"]
