"""``[index] follow_writes`` in ``interlock run`` and ``interlock adjudicate``: the setting, from a file or the environment."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from interlock.db import make_engine
from interlock.domains.claims import schema as t
from interlock.domains.claims.testing.handmade import add_claim, seed_reference
from interlock.retrieval.backends import search_index_for


def interlock(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "interlock", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done


@pytest.fixture
def env() -> dict[str, str]:
    # A hand-made world has no decided history to fit a familiar region on: the check is off.
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTERLOCK_")}
    return {**env, "INTERLOCK_ENGINE__FAMILIARITY": "false"}


def _summary(store_url: str, claim_id: str) -> str:
    store = make_engine(store_url)
    try:
        return search_index_for(store).documents_by_id([f"claim:{claim_id}"])[f"claim:{claim_id}"].body
    finally:
        store.dispose()


def test_run_and_adjudicate_follow_their_writes_when_configured(tmp_path: Path, env: dict[str, str]) -> None:
    """Configured in a file or the environment, each command leaves the index naming its decision; unset, it does not."""
    sor_url, store_url = f"sqlite:///{tmp_path / 'sor.db'}", f"sqlite:///{tmp_path / 'store.db'}"
    sor = make_engine(sor_url)
    t.metadata.create_all(sor)
    seed_reference(sor)
    # Distinct service dates: two claims of one member on one day would be duplicates (rule 3).
    for day, claim_id in enumerate(("R-UNSET", "R-FILE", "R-ENV"), start=1):
        add_claim(sor, claim_id, service_date=date(2026, 2, day))
    sor.dispose()
    common = ["--sor", sor_url, "--store", store_url]
    interlock("index", "sync", *common, cwd=tmp_path, env=env)
    common += ["--as", "service", "--model", "openai:none"]  # the rules decide: no model is asked
    config = tmp_path / "interlock.toml"
    config.write_text("[index]\nfollow_writes = true\n", encoding="utf-8")

    interlock("run", "claims.adjudicate", *common, "--record", "R-UNSET", cwd=tmp_path, env=env)
    interlock(
        "--config",
        str(config),
        "run",
        "claims.adjudicate",
        *common,
        "--record",
        "R-FILE",
        cwd=tmp_path,
        env=env,
    )
    with_env = {**env, "INTERLOCK_INDEX__FOLLOW_WRITES": "true"}
    interlock("adjudicate", *common, "--claim", "R-ENV", cwd=tmp_path, env=with_env)

    assert "status received." in _summary(store_url, "R-UNSET")
    for claim_id in ("R-FILE", "R-ENV"):
        body = _summary(store_url, claim_id)
        assert "status adjudicated." in body and "Decision: approve." in body, body
