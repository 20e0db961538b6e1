"""Finding 6: no policy string can smuggle SQL into the row-level security script.

The review's payload: a deny reason with a carriage return followed by a statement. A
comment in SQL ends at ``\\r`` as at ``\\n``, so the statement would run. Every policy
string with a control character is now refused by ``policy check`` and by ``emit-rls``,
``version`` must be a short token, and no free text is written into the SQL at all.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from interlock.cli.app import app
from interlock.policy.document import PolicyInvalid, default_policy, parse_policy_toml
from interlock.policy.rls import compile_rls

SHIPPED = (Path(__file__).parents[2] / "src/interlock/policy/default_policy.toml").read_text(encoding="utf-8")
PAYLOAD = "ALTER TABLE claims DISABLE ROW LEVEL SECURITY; --"
DENY = '\n[[deny]]\nreason = "{reason}"\nwhen = [{{ kind = "record_in", field = "region", values = ["west"] }}]\n'


def _with_deny(reason_toml: str) -> str:
    return SHIPPED + DENY.format(reason=reason_toml)


HOSTILE = {
    "carriage return in a deny reason": _with_deny("quiet\\r" + PAYLOAD),
    "line feed in a deny reason": _with_deny("quiet\\n" + PAYLOAD),
    "escape sequence in a deny reason": _with_deny("quiet\\u001b[2J"),
    "line separator in a deny reason": _with_deny("quiet\\u2028" + PAYLOAD),
    "newline in the version": SHIPPED.replace(
        'version = "claims-entitlements@3"', 'version = "v1\\r' + PAYLOAD + '"'
    ),
    "space in the version": SHIPPED.replace(
        'version = "claims-entitlements@3"', 'version = "v1 ' + PAYLOAD + '"'
    ),
    "control character in a role name": SHIPPED.replace("[roles.auditor]", '[roles."aud\\ritor"]'),
}


def _run(*args: str) -> tuple[int, str]:
    done = CliRunner().invoke(app, list(args), env={"COLUMNS": "300"})
    return done.exit_code, done.output


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_policy_with_a_control_character_is_refused_and_never_emitted(tmp_path: Path, case: str) -> None:
    """`policy check` and `policy emit-rls` both refuse it, and no SQL is printed."""
    path = tmp_path / "hostile.toml"
    path.write_text(HOSTILE[case], encoding="utf-8")
    with pytest.raises(PolicyInvalid):
        parse_policy_toml(HOSTILE[case])
    checked, output = _run("policy", "check", str(path))
    assert checked != 0, output
    assert "control characters are not allowed" in output or "version: String should match" in output
    emitted, sql = _run("policy", "emit-rls", "--policy", str(path))
    assert emitted == 2
    assert "CREATE POLICY" not in sql and "DISABLE ROW LEVEL SECURITY" not in sql


def test_deny_reasons_stay_out_of_the_sql() -> None:
    """A printable reason that reads like SQL is allowed in the file but never written into the script."""
    policy = parse_policy_toml(_with_deny(PAYLOAD))
    sql = compile_rls(policy)
    assert PAYLOAD not in sql and "DISABLE" not in sql
    assert "-- deny rule 0" in sql and 'CREATE POLICY "interlock_deny_0"' in sql


def test_the_shipped_policy_still_checks() -> None:
    """The pattern and the character rule accept the shipped policy."""
    assert default_policy().version == "claims-entitlements@3"
    assert (
        _run("policy", "check", str(Path(__file__).parents[2] / "src/interlock/policy/default_policy.toml"))[
            0
        ]
        == 0
    )
