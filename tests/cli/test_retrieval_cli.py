"""`interlock index sync`, `ask`, `summarize` and `policy check`, run in-process through Typer's runner.

In-process keeps these fast; the subprocess path of the CLI is covered by tests/cli/test_cli.py.
"""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner, Result

from interlock.cli.app import app
from interlock.db import make_engine
from interlock.domains.claims import schema as t
from interlock.domains.claims.testing.handmade import add_claim, seed_reference


class _Done:
    def __init__(self, result: Result) -> None:
        self.returncode = result.exit_code
        self.stdout = result.stdout
        self.stderr = result.stderr


def interlock(*args: str, cwd: Path) -> _Done:
    del cwd
    return _Done(CliRunner().invoke(app, list(args)))


def test_sync_ask_summarize_and_refusal(tmp_path: Path) -> None:
    """Sync then ask cites entitled items; summarizing an unentitled claim fails like a missing one."""
    sor, store = f"sqlite:///{tmp_path / 'sor.db'}", f"sqlite:///{tmp_path / 'store.db'}"
    engine = make_engine(sor)
    t.metadata.create_all(engine)
    seed_reference(engine)
    add_claim(engine, "N1", notes=["MRI shows a meniscal tear."])
    add_claim(
        engine, "S1", member_id="M2", region="south", line_of_business="medicaid", notes=["CANARYS tear"]
    )
    synced = interlock("index", "sync", "--sor", sor, "--store", store, "--json", cwd=tmp_path)
    assert synced.returncode == 0, synced.stderr
    assert json.loads(synced.stdout)["inserted"] == 5
    asked = interlock(
        "ask", "meniscal tear", "--sor", sor, "--store", store, "--as", "A1", "--json", cwd=tmp_path
    )
    assert asked.returncode == 0, asked.stderr
    answer = json.loads(asked.stdout)
    assert answer["statements"][0]["citations"] and "CANARYS" not in asked.stdout
    stale = interlock(
        "ask", "tear", "--sor", sor, "--store", store, "--as", "A1", "--max-staleness", "0", cwd=tmp_path
    )
    assert stale.returncode == 5 and "search index is" in stale.stderr
    refused = interlock(
        "summarize", "--sor", sor, "--store", store, "--claim", "S1", "--as", "A1", cwd=tmp_path
    )
    missing = interlock(
        "summarize", "--sor", sor, "--store", store, "--claim", "S9", "--as", "A1", cwd=tmp_path
    )
    assert refused.returncode == missing.returncode == 3
    assert refused.stderr.replace("S1", "ID") == missing.stderr.replace("S9", "ID")


def test_policy_check_reports_every_problem(tmp_path: Path) -> None:
    """`policy check` exits 0 on the shipped policy and 1 naming each problem of a broken one."""
    shipped = Path(__file__).parents[2] / "src/interlock/policy/default_policy.toml"
    assert interlock("policy", "check", str(shipped), cwd=tmp_path).returncode == 0
    bad = tmp_path / "bad.toml"
    bad.write_text(
        'version="v"\n[fields]\nphi=[]\nunmask_privilege="p"\n[reference]\nread=[{kind="principal_active"}]\n'
        '[roles.a]\nread=[{kind="assignment_contains"}]\n'
    )
    done = interlock("policy", "check", str(bad), cwd=tmp_path)
    assert done.returncode == 1
    assert "fields.phi" in done.stderr and "must include principal_active" in done.stderr
