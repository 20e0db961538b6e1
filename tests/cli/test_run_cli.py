"""`interlock run TASK`: any registered task through the generic engine, as a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from interlock.db import make_engine
from interlock.domains.claims import schema as t
from interlock.domains.claims.testing.handmade import add_claim, seed_reference


def interlock(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    # A hand-made world has no decided history to fit a familiar region on: the check is off.
    env = {**os.environ, "INTERLOCK_ENGINE__FAMILIARITY": "false"}
    return subprocess.run(
        [sys.executable, "-m", "interlock", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )


@pytest.fixture
def urls(tmp_path: Path) -> tuple[str, str]:
    """A hand-made system of record: a clean claim, a timely-filing denial and a high-value claim."""
    sor = make_engine(f"sqlite:///{tmp_path / 'sor.db'}")
    t.metadata.create_all(sor)
    seed_reference(sor)
    add_claim(sor, "R-OK", lines=(("X1001", 1, "120.00"),))
    add_claim(sor, "R-LATE", lines=(("X1001", 1, "120.00"),), received_date=date(2027, 3, 1))
    add_claim(sor, "R-BIG", lines=(("X1001", 1, "12000.00"),))
    sor.dispose()
    return f"sqlite:///{tmp_path / 'sor.db'}", f"sqlite:///{tmp_path / 'store.db'}"


def test_run_decides_every_record_with_generic_results(urls: tuple[str, str], tmp_path: Path) -> None:
    """`run claims.adjudicate --all --json` reports record ids, routes and reason codes for each claim."""
    sor, store = urls
    done = interlock(
        "run",
        "claims.adjudicate",
        "--sor",
        sor,
        "--store",
        store,
        "--as",
        "service",
        "--all",
        "--json",
        "--model",
        "openai:none",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    body = json.loads(done.stdout)
    assert body["task"] == "claims.adjudicate"
    by_id = {r["record_id"]: r for r in body["results"]}
    assert set(by_id) == {"R-OK", "R-LATE", "R-BIG"}
    assert (by_id["R-OK"]["route"], by_id["R-OK"]["outcome"]) == ("commit", "approve")
    assert (by_id["R-LATE"]["outcome"], by_id["R-LATE"]["reason_code"]) == ("deny", "29")
    assert by_id["R-BIG"]["route"] == "review"
    assert interlock("audit", "verify", "--store", store, cwd=tmp_path).returncode == 0


def test_run_of_an_unknown_task_is_one_line(urls: tuple[str, str], tmp_path: Path) -> None:
    """A mistyped task name exits 2 with one line naming the registered tasks, and no traceback."""
    sor, store = urls
    done = interlock(
        "run", "claims.adjudicat", "--sor", sor, "--store", store, "--as", "service", "--all", cwd=tmp_path
    )
    assert done.returncode == 2
    assert "claims.adjudicate" in done.stderr
    assert "Traceback" not in done.stderr


def test_run_needs_exactly_one_of_all_or_record(urls: tuple[str, str], tmp_path: Path) -> None:
    """Neither --all nor --record is refused before anything is opened."""
    sor, store = urls
    done = interlock(
        "run", "claims.adjudicate", "--sor", sor, "--store", store, "--as", "service", cwd=tmp_path
    )
    assert done.returncode == 2
    assert "--all or --record" in done.stderr
