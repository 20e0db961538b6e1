"""The generic commands on the second reference domain: sor, model, run, eval and demo for invoices."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, select

from interlock.domains.invoices import schema as erp


def interlock(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "interlock", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, **(env or {})},
    )


def ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_invoices_go_through_sor_model_run_and_eval(tmp_path: Path) -> None:
    """Every step names the domain or the task; decisions and postings land in the ERP, scored against truth."""
    sor, store = f"sqlite:///{tmp_path / 'erp.db'}", f"sqlite:///{tmp_path / 'store.db'}"
    truth = tmp_path / "truth.jsonl"
    ok(interlock("sor", "init", "--domain", "invoices", "--sor", sor, cwd=tmp_path))
    seeded = interlock(
        "sor",
        "seed",
        "--domain",
        "invoices",
        "--sor",
        sor,
        "--records",
        "40",
        "--seed",
        "4",
        "--truth",
        str(truth),
        cwd=tmp_path,
    )
    assert "40 backlog" in ok(seeded) + seeded.stderr
    trained: dict[str, Any] = json.loads(
        ok(
            interlock(
                "model",
                "train",
                "--domain",
                "invoices",
                "--sor",
                sor,
                "--store",
                store,
                "--json",
                cwd=tmp_path,
            )
        )
    )
    assert trained["model_id"].startswith("invoices-baseline:") and trained["examples"] > 100
    run: dict[str, Any] = json.loads(
        ok(
            interlock(
                "run",
                "invoices.approve",
                "--sor",
                sor,
                "--store",
                store,
                "--as",
                "service",
                "--all",
                "--json",
                cwd=tmp_path,
            )
        )
    )
    assert run["records"] == 40
    routes = {r["route"] for r in run["results"]}
    assert routes <= {"commit", "review"} and "commit" in routes
    score: dict[str, Any] = json.loads(
        ok(
            interlock(
                "eval",
                "--task",
                "invoices.approve",
                "--sor",
                sor,
                "--store",
                store,
                "--truth",
                str(truth),
                "--json",
                cwd=tmp_path,
            )
        )
    )
    assert score["invoices"] == 40 and score["pending"] == 0
    assert score["automatic"] >= 20 and score["precision"] >= 0.95
    engine = create_engine(sor)
    with engine.connect() as conn:
        decisions = conn.execute(select(func.count()).select_from(erp.invoice_decisions)).scalar_one()
        backlog_decided = conn.execute(
            select(func.count())
            .select_from(erp.invoices)
            .where(erp.invoices.c.status.in_(("approved", "rejected")))
        ).scalar_one()
    engine.dispose()
    assert decisions >= score["automatic"] and backlog_decided >= score["automatic"]
    again = interlock("sor", "seed", "--domain", "invoices", "--sor", sor, cwd=tmp_path)
    assert again.returncode == 2 and "already holds invoices" in again.stderr


def test_a_zero_service_approval_limit_approves_no_invoice(tmp_path: Path) -> None:
    """The operator's service_approval_limit replaces the policy's service_limit: at 0.00 nothing is approved."""
    sor, store = f"sqlite:///{tmp_path / 'erp.db'}", f"sqlite:///{tmp_path / 'store.db'}"
    ok(interlock("sor", "init", "--domain", "invoices", "--sor", sor, cwd=tmp_path))
    seed = ("sor", "seed", "--domain", "invoices", "--sor", sor, "--records", "30", "--seed", "5")
    ok(interlock(*seed, cwd=tmp_path))
    ok(interlock("model", "train", "--domain", "invoices", "--sor", sor, "--store", store, cwd=tmp_path))
    command = (
        "run",
        "invoices.approve",
        "--sor",
        sor,
        "--store",
        store,
        "--as",
        "service",
        "--all",
        "--json",
    )
    run: dict[str, Any] = json.loads(
        ok(interlock(*command, cwd=tmp_path, env={"INTERLOCK_SERVICE_APPROVAL_LIMIT": "0.00"}))
    )
    assert not [r for r in run["results"] if r["outcome"] == "approve"]
    assert [r for r in run["results"] if r["route"] == "review"]
    assert [r for r in run["results"] if r["outcome"] == "reject"]  # rejections need no approval limit


def test_the_invoices_demo_runs_end_to_end(tmp_path: Path) -> None:
    """`demo --domain invoices`: seeded, trained, every invoice decided, precision against truth, trail intact."""
    done: dict[str, Any] = json.loads(
        ok(
            interlock(
                "demo",
                "--domain",
                "invoices",
                "--dir",
                str(tmp_path),
                "--records",
                "120",
                "--seed",
                "3",
                "--json",
                cwd=tmp_path,
            )
        )
    )
    assert done["invoices"] == 120 and done["pending"] == 0 and done["audit_ok"] is True
    assert done["auto_share"] > 0.6 and done["precision"] >= 0.97


def test_an_unknown_domain_or_task_is_one_line_naming_the_registered_ones(tmp_path: Path) -> None:
    """A mistyped domain or task is refused with the names that exist."""
    bad_domain = interlock(
        "sor", "init", "--domain", "ledgers", "--sor", f"sqlite:///{tmp_path / 'x.db'}", cwd=tmp_path
    )
    assert bad_domain.returncode == 2 and "claims" in bad_domain.stderr and "invoices" in bad_domain.stderr
    bad_task = interlock("eval", "--task", "invoices.pay", "--truth", "t.jsonl", cwd=tmp_path)
    assert bad_task.returncode == 2 and "invoices.approve" in bad_task.stderr
