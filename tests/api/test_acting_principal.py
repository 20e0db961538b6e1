"""The caller acts for the whole request, so row-level security can filter its reads.

With ``sor_row_security`` a request's system-of-record transactions carry the principal
held in a context variable (:func:`interlock.connectors.pg_access.acting_as`). Whether a
value set by a dependency reaches the endpoint depends on how FastAPI runs each: these
tests ask a real server, over real HTTP, what the endpoint sees, for the API's
dependency, the desk's, and the sync-generator form that would not work.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import pytest
from fastapi import APIRouter, Depends

from interlock.api.app import create_app
from interlock.api.deps import PrincipalDep, authenticated
from interlock.api.services import Services
from interlock.api.settings import ApiSettings
from interlock.connectors.pg_access import acting_as, acting_principal
from interlock.db import make_engine
from interlock.domains.claims import schema as sor_schema
from interlock.domains.claims.testing.api_world import (
    SERVICE_KEY,
    ApiWorld,
    LiveServer,
    TokenIssuer,
    free_port,
    settings_for,
)
from interlock.exceptions import ConfigurationError
from interlock.policy.principal import Principal
from interlock.settings import load_settings
from interlock.web.desk import COOKIE, DeskSession


def _acting() -> str | None:
    found = acting_principal()
    return found.principal_id if found is not None else None


def _held_by_a_sync_generator(who: Annotated[Principal, Depends(authenticated)]) -> Iterator[Principal]:
    """What ``deps.principal`` would be as a sync dependency: FastAPI runs it in a worker thread."""
    with acting_as(who):
        yield who


def _probes() -> APIRouter:
    probes = APIRouter(prefix="/probe")

    @probes.get("/api")
    def api_probe(who: PrincipalDep) -> dict[str, str | None]:
        return {"caller": who.principal_id, "acting": _acting()}

    @probes.get("/desk")
    def desk_probe(signed_in: DeskSession) -> dict[str, str | None]:
        return {"caller": signed_in[0].principal_id, "acting": _acting()}

    @probes.get("/sync-generator")
    def sync_probe(
        who: Annotated[Principal, Depends(_held_by_a_sync_generator)],
    ) -> dict[str, str | None]:
        return {"caller": who.principal_id, "acting": _acting()}

    @probes.get("/anonymous")
    def anonymous_probe() -> dict[str, str | None]:
        return {"acting": _acting()}

    return probes


@pytest.fixture
def probed(tmp_path: Path, adjudicated: Path, issuer: TokenIssuer) -> Iterator[ApiWorld]:
    """The real app, with probe routes that report the acting principal their handler sees."""
    for name in ("sor.db", "store.db"):
        shutil.copy(adjudicated / name, tmp_path / name)
    settings = settings_for(tmp_path, issuer)
    app = create_app(settings)
    app.include_router(_probes())
    sor, store = make_engine(settings.sor_url), make_engine(settings.store_url)
    with LiveServer(app) as server:
        yield ApiWorld(url=server.url, sor=sor, store=store, issuer=issuer)
    sor.dispose()
    store.dispose()


def test_the_caller_acts_inside_sync_endpoints_of_the_api_and_the_desk(probed: ApiWorld) -> None:
    """The async dependencies carry the caller into sync handlers; nothing outlives the request."""
    with probed.client("A1") as a1, probed.client(api_key=SERVICE_KEY) as service:
        assert a1.get("/probe/api").json() == {"caller": "staff:A1", "acting": "staff:A1"}
        assert service.get("/probe/api").json() == {"caller": "service:batch", "acting": "service:batch"}
        desk = a1.get("/probe/desk", headers={"Cookie": f"{COOKIE}={probed.desk_session('A1')}"})
        assert desk.json() == {"caller": "staff:A1", "acting": "staff:A1"}
        # The same keep-alive connection, next request: no principal is left behind.
        assert a1.get("/probe/anonymous").json() == {"acting": None}
        assert service.get("/probe/anonymous").json() == {"acting": None}


def test_a_sync_generator_dependency_would_not_reach_the_endpoint(probed: ApiWorld) -> None:
    """Why the dependency is async: a sync one sets the principal in a context the endpoint never sees."""
    with probed.client("A1") as a1:
        assert a1.get("/probe/sync-generator").json() == {"caller": "staff:A1", "acting": None}


def test_the_desk_without_a_session_still_goes_to_the_login_form(probed: ApiWorld) -> None:
    """The session dependency sends a browser without a valid cookie to the login form, as before."""
    with probed.client() as anon:
        for path in ("/desk", "/desk/ops", "/desk/reviews/any"):
            r = anon.get(path, follow_redirects=False)
            assert (r.status_code, r.headers["location"]) == (303, "/desk/login"), path
        r = anon.get("/desk", headers={"Cookie": f"{COOKIE}=not-a-jwt"}, follow_redirects=False)
        assert r.status_code == 303


def test_row_security_is_a_top_level_setting_of_the_api(tmp_path: Path) -> None:
    """``sor_row_security`` reaches the API's settings from the file and from its variable."""
    urls = {"INTERLOCK_SOR_URL": "postgresql://reader@db/sor", "INTERLOCK_STORE_URL": "sqlite:///s.db"}
    assert ApiSettings.from_settings(load_settings(environ=urls), environ=urls).sor_row_security is False
    on = {**urls, "INTERLOCK_SOR_ROW_SECURITY": "true"}
    assert ApiSettings.from_settings(load_settings(environ=on), environ=on).sor_row_security is True
    config = tmp_path / "c.toml"
    config.write_text("sor_row_security = true\n", encoding="utf-8")
    assert ApiSettings.from_settings(load_settings(config, environ=urls), environ=urls).sor_row_security


def test_row_security_on_sqlite_stops_the_api_at_start_up(tmp_path: Path, issuer: TokenIssuer) -> None:
    """SQLite has no row-level security: the process refuses to start rather than serve unprotected rows."""
    settings = settings_for(tmp_path, issuer).model_copy(update={"sor_row_security": True})
    with pytest.raises(ConfigurationError, match=r"sor_row_security: .*need PostgreSQL.*sqlite"):
        Services(settings)
    # `interlock serve` as an operator runs it; were the refusal missing it would serve, and time out here.
    # (Over a real system of record: a missing one is refused earlier, for another reason.)
    sor_engine = make_engine(settings.sor_url)
    sor_schema.metadata.create_all(sor_engine)
    sor_engine.dispose()
    clean = {k: v for k, v in os.environ.items() if not k.startswith("INTERLOCK_")}
    command = [
        sys.executable,
        "-m",
        "interlock",
        "serve",
        "--sor",
        settings.sor_url,
        "--store",
        settings.store_url,
    ]
    served = subprocess.run(
        [*command, "--port", str(free_port())],
        env={**clean, "INTERLOCK_SOR_ROW_SECURITY": "true"},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert served.returncode == 2, served.stderr
    assert "sor_row_security" in served.stderr and "PostgreSQL" in served.stderr
