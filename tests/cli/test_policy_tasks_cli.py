"""`interlock policy check` on the tasks table of a policy file, run in-process through Typer's runner."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from interlock.cli.app import app

SHIPPED = Path(__file__).parents[2] / "src/interlock/policy/default_policy.toml"


def test_policy_check_rejects_an_unknown_action(tmp_path: Path) -> None:
    """A task granting an action the policy language does not know fails the check, naming the action."""
    text = SHIPPED.read_text(encoding="utf-8")
    bad = tmp_path / "refund.toml"
    bad.write_text(text + '\n[tasks."claims.adjudicate".actions.refund.service]\n', encoding="utf-8")
    good = CliRunner().invoke(app, ["policy", "check", str(SHIPPED)])
    done = CliRunner().invoke(app, ["policy", "check", str(bad)])
    assert good.exit_code == 0, good.stderr
    assert done.exit_code == 1
    assert "tasks.claims.adjudicate: unknown action 'refund'" in done.stderr
