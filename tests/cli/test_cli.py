"""The `interlock` command, run as a real subprocess."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from interlock.db import make_engine
from interlock.domains.claims import schema as t
from interlock.domains.claims.testing.handmade import add_claim, seed_reference


def interlock(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "interlock", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        env=None if env is None else {**os.environ, **env},
    )


#: A hand-made world has no decided history to fit a familiar region on: the check is off.
NO_FAMILIARITY = {"INTERLOCK_ENGINE__FAMILIARITY": "false"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, object]]:
    """One small demo run shared by the tests below."""
    folder = tmp_path_factory.mktemp("demo")
    done = interlock("demo", "--dir", str(folder), "--claims", "400", "--seed", "7", "--json", cwd=folder)
    assert done.returncode == 0, done.stderr
    return folder, json.loads(done.stdout)


def test_demo_decides_every_claim_and_meets_its_targets(demo: tuple[Path, dict[str, object]]) -> None:
    """The demo leaves no claim unprocessed, auto-finalizes most, and is right on those it finalizes."""
    _folder, summary = demo
    assert summary["unprocessed"] == 0
    assert summary["claims"] == 400
    assert summary["auto_finalized_share"] >= 0.5  # type: ignore[operator]
    assert summary["auto_precision"] >= 0.99  # type: ignore[operator]
    assert summary["audit_ok"] is True


def test_demo_explains_the_review_share_and_what_to_do_next(demo: tuple[Path, dict[str, object]]) -> None:
    """The demo breaks the review share down by cause, names three claims, and prints the next commands."""
    folder, summary = demo
    reasons = summary["review_reasons"]
    assert isinstance(reasons, dict)
    assert sum(reasons["by_reason"].values()) == summary["pended"]
    assert set(reasons["by_reason"]) <= {
        "part2",
        "high_value",
        "unfamiliar",
        "low_confidence",
        "unsettled",
        "integrity",
        "no_model",
        "other",
    }
    assert len(reasons["examples"]) == 3
    truth = (folder / "truth.jsonl").read_text()
    for example in reasons["examples"]:
        assert f'"{example["claim_id"]}"' in truth and example["why"]
    steps = summary["next"]
    assert isinstance(steps, dict)
    assert steps["serve"].startswith("interlock serve --dev-login --sor sqlite:///")
    assert steps["desk"] == "http://127.0.0.1:8000/desk/login"
    assert (
        steps["explain"]
        == f"interlock audit explain {reasons['examples'][0]['claim_id']} --store sqlite:///{folder / 'store.db'}"
    )


def test_ask_and_summarize_answer_right_after_the_demo(demo: tuple[Path, dict[str, object]]) -> None:
    """The demo builds the search index, so the `ask` it suggests answers with citations at once."""
    folder, summary = demo
    assert summary["index_documents"] > 0  # type: ignore[operator]
    sor, store = f"sqlite:///{folder / 'sor.db'}", f"sqlite:///{folder / 'store.db'}"
    asked = interlock(
        "ask",
        "Was physical therapy tried before surgery?",
        "--as",
        "service",
        "--sor",
        sor,
        "--store",
        store,
        "--json",
        cwd=folder,
    )
    assert asked.returncode == 0, asked.stderr
    answer = json.loads(asked.stdout)
    assert answer["statements"] and all(s["citations"] for s in answer["statements"])
    claim_id = summary["review_reasons"]["examples"][0]["claim_id"]  # type: ignore[index]
    summarized = interlock(
        "summarize", "--claim", claim_id, "--as", "service", "--sor", sor, "--store", store, cwd=folder
    )
    assert summarized.returncode == 0 and claim_id in summarized.stdout, summarized.stderr


def test_the_demo_text_says_why_and_where_to_go(tmp_path: Path) -> None:
    """The demo's text output explains the review share and ends with the serve command and the desk URL."""
    done = interlock("demo", "--dir", str(tmp_path), "--claims", "30", "--seed", "2", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    text = " ".join(done.stdout.split())
    assert "went to a person" in text and "Truly needing a person" in text
    assert "three of them:" in text
    assert f"interlock serve --dev-login --sor sqlite:///{tmp_path / 'sor.db'}" in text
    assert "http://127.0.0.1:8000/desk/login" in text


def test_eval_and_verify_commands_agree_with_the_demo(demo: tuple[Path, dict[str, object]]) -> None:
    """`eval` recomputes the demo's figures from the databases; `audit verify` passes."""
    folder, summary = demo
    sor, store = f"sqlite:///{folder / 'sor.db'}", f"sqlite:///{folder / 'store.db'}"
    done = interlock(
        "eval", "--sor", sor, "--store", store, "--truth", str(folder / "truth.jsonl"), "--json", cwd=folder
    )
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout)
    assert figures["auto_precision"] == summary["auto_precision"]
    assert figures["auto_finalized"] == summary["auto_finalized"]
    assert interlock("audit", "verify", "--store", store, cwd=folder).returncode == 0


def test_the_demo_and_eval_report_the_familiarity_check(demo: tuple[Path, dict[str, object]]) -> None:
    """The demo's JSON and `eval --json` count the items sent to a person as unfamiliar, with the region's report."""
    folder, summary = demo
    region = summary["familiarity"]
    assert isinstance(region, dict)
    assert region["promised_coverage"] == 0.99 and region["guaranteed_coverage"] >= 0.99
    assert 0 <= region["achieved_coverage"] <= 1 and region["test_texts"] > 0
    reasons = summary["review_reasons"]
    assert isinstance(reasons, dict)
    assert summary["routed_unfamiliar"] >= reasons["by_reason"].get("unfamiliar", 0)  # type: ignore[operator]
    sor, store = f"sqlite:///{folder / 'sor.db'}", f"sqlite:///{folder / 'store.db'}"
    done = interlock(
        "eval", "--sor", sor, "--store", store, "--truth", str(folder / "truth.jsonl"), "--json", cwd=folder
    )
    figures = json.loads(done.stdout)
    assert figures["routed_unfamiliar"] == summary["routed_unfamiliar"]
    assert figures["unfamiliar_only"] == summary["unfamiliar_only"]
    assert figures["familiarity"]["threshold"] == region["threshold"]
    text = interlock(
        "eval", "--sor", sor, "--store", store, "--truth", str(folder / "truth.jsonl"), cwd=folder
    )
    assert "routed unfamiliar" in text.stdout and "coverage promised >= 99.0%" in " ".join(
        text.stdout.split()
    )


def test_model_train_prints_the_promised_coverage_beside_the_achieved(
    demo: tuple[Path, dict[str, object]], tmp_path: Path
) -> None:
    """`model train` fits the familiar region beside the model and says what it promises and achieved."""
    folder, _ = demo
    for name in ("sor.db", "store.db"):
        with sqlite3.connect(folder / name) as src, sqlite3.connect(tmp_path / name) as dst:
            src.backup(dst)
    sor, store = f"sqlite:///{tmp_path / 'sor.db'}", f"sqlite:///{tmp_path / 'store.db'}"
    done = interlock("model", "train", "--sor", sor, "--store", store, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    line = " ".join(done.stderr.split())  # progress and summaries go to stderr, results to stdout
    assert "familiarity: familiarity-claims:" in line
    assert "coverage promised >= 99.0%" in line and "achieved" in line and "held-out texts" in line
    trained = json.loads(
        interlock("model", "train", "--sor", sor, "--store", store, "--json", cwd=tmp_path).stdout
    )
    region = trained["familiarity"]
    assert region["model_id"].startswith("familiarity-claims:") and region["alpha"] == 0.01
    assert region["calibration_texts"] > 0 and region["achieved_coverage"] is not None
    learned = trained["metrics"]["lexicon"]  # criterion vocabulary learned from the history
    assert learned["criteria"] >= 1 and learned["terms"] >= 2


def test_a_model_without_a_familiar_region_stops_in_one_line(tmp_path: Path) -> None:
    """With the check on and no region in the store, `adjudicate` with a model exits 2 saying what to run."""
    sor_url, store_url = f"sqlite:///{tmp_path / 'sor.db'}", f"sqlite:///{tmp_path / 'store.db'}"
    engine = make_engine(sor_url)
    t.metadata.create_all(engine)
    seed_reference(engine)
    add_claim(engine, "ONE-1")
    done = interlock(
        "adjudicate", "--sor", sor_url, "--store", store_url, "--as", "service", "--all", "--model", "openai:none",
        cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "no familiarity artifact for domain 'claims'" in done.stderr
    assert "interlock model train --domain claims" in done.stderr
    with engine.connect() as conn:
        assert conn.execute(t.adjudications.select()).all() == []


def test_audit_verify_names_the_first_tampered_event(
    demo: tuple[Path, dict[str, object]], tmp_path: Path
) -> None:
    """Editing one stored event makes `audit verify` exit 1 and name that event."""
    folder, _ = demo
    copy = tmp_path / "store.db"
    with sqlite3.connect(folder / "store.db") as src, sqlite3.connect(copy) as dst:
        src.backup(dst)
    with sqlite3.connect(copy) as conn:
        conn.execute(
            """UPDATE audit_events SET body = replace(body, '"outcome":"', '"outcome":"forged-') WHERE seq = 40"""
        )
    done = interlock("audit", "verify", "--store", f"sqlite:///{copy}", cwd=tmp_path)
    assert done.returncode == 1
    assert "main:40" in done.stdout


def test_refusal_reveals_nothing_about_an_unentitled_claim(tmp_path: Path) -> None:
    """A staff member asking for a claim outside their scope gets the same refusal as for a missing one."""
    sor_url, store_url = f"sqlite:///{tmp_path / 'sor.db'}", f"sqlite:///{tmp_path / 'store.db'}"
    engine = make_engine(sor_url)
    t.metadata.create_all(engine)
    seed_reference(engine)
    add_claim(engine, "SOUTH-1", member_id="M2", region="south", line_of_business="medicaid")
    hidden = interlock(
        "adjudicate",
        "--sor",
        sor_url,
        "--store",
        store_url,
        "--as",
        "A1",
        "--claim",
        "SOUTH-1",
        "--model",
        "openai:none",
        cwd=tmp_path,
        env=NO_FAMILIARITY,
    )
    missing = interlock(
        "adjudicate",
        "--sor",
        sor_url,
        "--store",
        store_url,
        "--as",
        "A1",
        "--claim",
        "NOPE",
        "--model",
        "openai:none",
        cwd=tmp_path,
        env=NO_FAMILIARITY,
    )
    assert hidden.returncode == missing.returncode == 3
    assert hidden.stderr.replace("SOUTH-1", "X") == missing.stderr.replace("NOPE", "X")
    with engine.connect() as conn:
        assert conn.execute(t.claims.select().where(t.claims.c.status != "received")).all() == []
