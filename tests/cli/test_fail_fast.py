"""Every command fails fast: one `error:` line and a non-zero exit, no traceback, no stray files."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

#: Settings from the environment would change which databases the commands open.
CLEAN_ENV = {k: v for k, v in os.environ.items() if not k.startswith("INTERLOCK_")}


def interlock(
    *args: str, cwd: Path, timeout: float = 120, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "interlock", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**CLEAN_ENV, "COLUMNS": "80", **(env or {})},
    )


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small demo (seeded, trained, decided) whose databases the commands below misuse."""
    folder = tmp_path_factory.mktemp("failfast")
    done = interlock("demo", "--dir", str(folder), "--claims", "40", "--seed", "3", cwd=folder, timeout=600)
    assert done.returncode == 0, done.stderr
    sqlite3.connect(folder / "empty.db").close()  # a database file without any schema
    return folder


def databases(folder: Path) -> set[str]:
    """The files in ``folder``, SQLite's transient -wal and -shm companions aside."""
    return {p.name for p in folder.iterdir() if not p.name.endswith(("-wal", "-shm"))}


def assert_one_line_error(done: subprocess.CompletedProcess[str]) -> str:
    """The command failed with exactly one `error:` line on stderr and no traceback anywhere."""
    assert done.returncode != 0, done.stdout
    assert "Traceback" not in done.stderr + done.stdout, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: "), done.stderr
    return lines[0]


def _cases(folder: Path) -> list[tuple[str, list[str], str]]:
    """(name, arguments, a word the error must contain) for each misuse."""
    sor, store = f"sqlite:///{folder / 'sor.db'}", f"sqlite:///{folder / 'store.db'}"
    missing, empty = f"sqlite:///{folder / 'missing.db'}", f"sqlite:///{folder / 'empty.db'}"
    truth = str(folder / "truth.jsonl")
    return [
        (
            "adjudicate, mistyped sor",
            ["adjudicate", "--as", "service", "--all", "--sor", missing, "--store", store],
            "sor init",
        ),
        (
            "adjudicate --all, no schema",
            ["adjudicate", "--as", "service", "--all", "--sor", empty, "--store", store],
            "sor init",
        ),
        (
            "adjudicate, unknown claim",
            ["adjudicate", "--as", "service", "--claim", "CLM-NOPE", "--sor", sor, "--store", store],
            "CLM-NOPE",
        ),
        (
            "adjudicate, unknown staff",
            ["adjudicate", "--as", "S-NOPE", "--all", "--sor", sor, "--store", store],
            "S-NOPE",
        ),
        (
            "adjudicate, unknown model",
            ["adjudicate", "--as", "service", "--all", "--model", "gpt5", "--sor", sor, "--store", store],
            "gpt5",
        ),
        ("sor seed on a seeded db", ["sor", "seed", "--sor", sor], "already holds claims"),
        ("sor seed, mistyped sor", ["sor", "seed", "--sor", missing], "sor init"),
        ("model train, no schema", ["model", "train", "--sor", empty, "--store", store], "sor init"),
        (
            "eval, missing truth",
            ["eval", "--truth", str(folder / "nope.jsonl"), "--sor", sor, "--store", store],
            "nope.jsonl",
        ),
        ("eval, no schema", ["eval", "--truth", truth, "--sor", empty, "--store", store], "sor init"),
        ("index sync, no schema", ["index", "sync", "--sor", empty, "--store", store], "sor init"),
        (
            "summarize, unknown claim",
            ["summarize", "--claim", "CLM-NOPE", "--as", "service", "--sor", sor, "--store", store],
            "CLM-NOPE",
        ),
        (
            "ask, mistyped store",
            ["ask", "anything", "--as", "service", "--sor", sor, "--store", missing],
            "no store",
        ),
        ("metrics, mistyped store", ["metrics", "--store", missing], "no store"),
        ("audit verify, mistyped store", ["audit", "verify", "--store", missing], "no store"),
        ("audit verify, empty store", ["audit", "verify", "--store", empty], "no audit events"),
        ("audit explain, unknown claim", ["audit", "explain", "CLM-NEVER", "--store", store], "CLM-NEVER"),
        ("audit prove, unknown event", ["audit", "prove", "main:999999", "--store", store], "999999"),
        (
            "audit export-fhir, mistyped store",
            ["audit", "export-fhir", "--out", str(folder / "x.ndjson"), "--store", missing],
            "no store",
        ),
        ("policy check, missing file", ["policy", "check", str(folder / "nope.toml")], "nope.toml"),
        ("serve, mistyped sor", ["serve", "--sor", missing, "--store", store, "--port", "0"], "sor init"),
        (
            "worker, mistyped sor",
            ["worker", "--burst", "--sor", missing, "--store", store],
            "PostgreSQL",
        ),
        ("unknown option", ["adjudicate", "--bogus"], "--bogus"),
        ("config file missing", ["--config", str(folder / "nope.toml"), "config", "show"], "nope.toml"),
    ]


def test_every_misuse_is_one_error_line_without_a_traceback(world: Path) -> None:
    """Wrong URLs, missing files, databases without a schema and unknown ids each give one `error:` line.

    The cases run two at a time (each is its own process and creates nothing), and the
    folder is compared with how it was before any of them ran.
    """
    before = databases(world)

    def misuse(case: tuple[str, list[str], str]) -> str | None:
        name, args, word = case
        started = time.monotonic()
        try:
            done = interlock(*args, cwd=world, timeout=60)
            line = assert_one_line_error(done)
            assert word in line, f"{word!r} not in {line!r}"
            assert time.monotonic() - started < 30, "took too long"
            assert databases(world) == before, "left a database behind"
        except AssertionError as exc:
            return f"{name}: {exc}"
        return None

    with ThreadPoolExecutor(max_workers=2) as pool:
        problems = [p for p in pool.map(misuse, _cases(world)) if p]
    assert not problems, "\n".join(problems)


def test_a_mistyped_sqlite_path_is_refused_at_once_and_creates_no_file(world: Path) -> None:
    """A SQLite URL naming no file exits non-zero within seconds and leaves no empty database behind."""
    started = time.monotonic()
    done = interlock("adjudicate", "--as", "service", "--all", "--sor", "sqlite:///missing.db", cwd=world)
    assert time.monotonic() - started < 5 + 10  # the interpreter's own start-up on a loaded machine
    line = assert_one_line_error(done)
    assert "missing.db" in line
    assert not (world / "missing.db").exists()


def test_adjudicating_a_decided_claim_answers_its_recorded_outcome_at_once(world: Path) -> None:
    """A claim the demo already decided answers with its recorded route and outcome, not after a wait."""
    decided = json.loads((world / "truth.jsonl").read_text().splitlines()[0])["claim_id"]
    sor, store = f"sqlite:///{world / 'sor.db'}", f"sqlite:///{world / 'store.db'}"
    for extra in (["--json"], []):
        started = time.monotonic()
        done = interlock(
            "adjudicate",
            "--as",
            "service",
            "--claim",
            decided,
            "--sor",
            sor,
            "--store",
            store,
            *extra,
            cwd=world,
        )
        assert done.returncode == 0, done.stderr
        assert time.monotonic() - started < 15
        if extra:
            [result] = json.loads(done.stdout)["results"]
            assert result["route"] in ("commit", "review")
            assert result["outcome"] != "none"
            assert result["reason"].startswith("already done: ")
        else:
            assert f"{decided}: " in done.stdout and "already done" in done.stdout


def test_debug_shows_the_traceback_of_an_unexpected_error(world: Path) -> None:
    """Without --debug an unexpected failure is one line; with it, the traceback is printed for a report."""
    from interlock.db import make_engine
    from interlock.domains.claims.testing.handmade import add_claim

    sor_engine = make_engine(f"sqlite:///{world / 'sor.db'}")
    add_claim(sor_engine, "FF-QUIET")
    add_claim(sor_engine, "FF-LOUD")
    sor_engine.dispose()
    # An armed failpoint raises inside the work item: an error no command anticipates.
    crash = {"INTERLOCK_FAILPOINTS": "after_claim=raise:1"}
    sor, store = f"sqlite:///{world / 'sor.db'}", f"sqlite:///{world / 'store.db'}"
    quiet = interlock(
        "adjudicate",
        "--as",
        "service",
        "--claim",
        "FF-QUIET",
        "--sor",
        sor,
        "--store",
        store,
        cwd=world,
        env=crash,
    )
    line = assert_one_line_error(quiet)
    assert "FailpointTriggered" in line and "--debug" in line
    loud = interlock(
        "adjudicate",
        "--as",
        "service",
        "--claim",
        "FF-LOUD",
        "--sor",
        sor,
        "--store",
        store,
        "--debug",
        cwd=world,
        env=crash,
    )
    assert loud.returncode != 0
    assert "Traceback" in loud.stderr and "FailpointTriggered" in loud.stderr
