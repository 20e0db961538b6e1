"""`interlock policy check` on the resources tables of a policy file, run in-process through Typer's runner."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from interlock.cli.app import app

SHIPPED = Path(__file__).parents[2] / "src/interlock/policy/default_policy.toml"


def test_policy_check_locates_mistakes_in_a_resource_declaration(tmp_path: Path) -> None:
    """Mistakes in two resource declarations fail the check, each named with the table it is in."""
    text = SHIPPED.read_text(encoding="utf-8")
    broken = text.replace(
        'assignment = ["company_code", "department"]', 'assignment = ["company_code", "cost_center"]'
    ).replace('amount = "total_billed", ', 'amount = "total_billed", staff_attribute = "approval_limit", ')
    assert broken.count("cost_center") == 1 and broken.count('staff_attribute = "approval_limit"') == 2
    bad = tmp_path / "invoices.toml"
    bad.write_text(broken, encoding="utf-8")
    good = CliRunner().invoke(app, ["policy", "check", str(SHIPPED)])
    done = CliRunner().invoke(app, ["policy", "check", str(bad)])
    assert good.exit_code == 0, good.stderr
    assert done.exit_code == 1
    problems = " ".join(done.stderr.split())
    assert "resources.invoices: assignment: cost_center not among the declared attributes" in problems
    assert "resources.claims.approval: declare either limit and above_limit_privilege" in problems


def test_policy_check_refuses_a_role_of_an_undeclared_resource(tmp_path: Path) -> None:
    """A role scoped to a resource the file does not declare fails the check, naming the role."""
    text = SHIPPED.read_text(encoding="utf-8").replace(
        '[roles.ap_clerk]\nresources = ["invoices"]', '[roles.ap_clerk]\nresources = ["invoice"]'
    )
    bad = tmp_path / "typo.toml"
    bad.write_text(text, encoding="utf-8")
    done = CliRunner().invoke(app, ["policy", "check", str(bad)])
    assert done.exit_code == 1
    assert "roles.ap_clerk.resources: unknown resource(s) invoice" in " ".join(done.stderr.split())
