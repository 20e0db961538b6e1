"""`interlock policy emit-rls` and `interlock db grant-reader`, printed and applied.

The compiled SQL is plain text until a database runs it, so the checks that matter
run it: the printed script is what ``--sor`` applies, and after applying both, a
raw query as the role returns only what the policy grants.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner, Result

from interlock.cli.app import app
from interlock.connectors.pg_access import apply_principal
from interlock.db import make_engine, normalize_url
from interlock.domains.claims import generator
from interlock.domains.claims import schema as t
from interlock.exceptions import ConfigurationError
from interlock.policy.document import default_policy
from interlock.policy.principal import service_principal
from interlock.policy.rls import ALL_ASSIGNMENTS, ASSIGNMENTS, compile_rls, quote_ident, session_settings
from interlock.retrieval.scope import scope_predicate


def run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def test_emit_rls_prints_the_compiled_default_policy() -> None:
    """Without --sor the script goes to stdout, byte for byte what the compiler returns."""
    done = run("policy", "emit-rls")
    assert done.exit_code == 0, done.output
    assert done.stdout == compile_rls(default_policy())
    assert 'CREATE POLICY "interlock_read_analyst" ON "claims"' in done.stdout
    assert "interlock_read_auditor" not in done.stdout  # auditors read no claim content


def test_emit_rls_reports_an_invalid_policy_file(tmp_path: Path) -> None:
    """A policy that does not validate is refused with its problems, exit 2."""
    bad = tmp_path / "bad.toml"
    bad.write_text('version = "x"\n[roles.analyst]\nread = [{ kind = "assignment_contains" }]\n')
    done = run("policy", "emit-rls", "--policy", str(bad))
    assert done.exit_code == 2
    assert "principal_active" in done.output


def test_grant_reader_refuses_sqlite_and_prints_sql_without_a_database(tmp_path: Path) -> None:
    """Roles are a PostgreSQL notion; the SQL can still be printed for a DBA."""
    printed = run("db", "grant-reader", "--role", "interlock_app")
    assert printed.exit_code == 0
    assert 'GRANT UPDATE ("status") ON "public"."claims" TO "interlock_app";' in printed.stdout
    refused = run("db", "grant-reader", "--role", "x", "--sor", f"sqlite:///{tmp_path / 'sor.db'}")
    assert refused.exit_code == 2
    assert "PostgreSQL" in refused.output


def test_settings_encode_every_pair_and_the_unlimited_service() -> None:
    """The JSON assignment list is exact; the unlimited service principal says so explicitly."""
    unlimited = session_settings(service_principal())
    assert unlimited[ALL_ASSIGNMENTS] == "true"
    assert unlimited[ASSIGNMENTS] == "[]"
    narrow = session_settings(service_principal(assignments=frozenset({("north", "medicaid")})))
    assert narrow[ALL_ASSIGNMENTS] == "false"
    assert narrow[ASSIGNMENTS] == '[{"region": "north", "line_of_business": "medicaid"}]'
    with pytest.raises(ConfigurationError, match="identifier"):
        quote_ident("r" * 64)
    assert quote_ident('odd"name') == '"odd""name"'


@pytest.mark.postgres
def test_applied_through_the_cli_a_raw_select_sees_only_the_entitled_claims(pg_url: str) -> None:
    """grant-reader and emit-rls applied with --sor; the role then reads exactly the scoped rows."""
    role = f"interlock_cli_{secrets.token_hex(4)}"
    owner = make_engine(pg_url)
    admin = create_engine(normalize_url(pg_url), isolation_level="AUTOCOMMIT")
    try:
        t.metadata.create_all(owner)
        generator.seed(owner, claims=60, seed=3, history=40)
        granted = run("db", "grant-reader", "--sor", pg_url, "--role", role, "--login")
        assert granted.exit_code == 0, granted.output
        applied = run("policy", "emit-rls", "--sor", pg_url)
        assert applied.exit_code == 0, applied.output
        assert run("policy", "emit-rls", "--sor", pg_url).exit_code == 0  # re-applying is fine

        with owner.connect() as conn:
            pairs = sorted(set(conn.execute(select(t.claims.c.region, t.claims.c.line_of_business)).all()))
        principal = service_principal("cli", assignments=frozenset(pairs[:2]), sensitivities=frozenset())
        scope = default_policy().claim_scope(principal)
        with owner.connect() as conn:
            expected = set(
                conn.execute(select(t.claims.c.claim_id).where(scope_predicate(scope, t.claims))).scalars()
            )
        reader = make_engine(make_url(pg_url).set(username=role).render_as_string(hide_password=False))
        try:
            with reader.begin() as conn:
                apply_principal(conn, principal)
                got = {row.claim_id for row in conn.exec_driver_sql("SELECT * FROM claims")}
            with reader.connect() as conn:
                nobody = conn.exec_driver_sql("SELECT count(*) FROM claims").scalar_one()
        finally:
            reader.dispose()
        assert expected and got == expected
        assert nobody == 0
    finally:
        owner.dispose()
        with admin.connect() as conn:  # the role is cluster-wide: revoke its grants here, then drop it
            if conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first():
                conn.exec_driver_sql(f'DROP OWNED BY "{role}"')
                conn.exec_driver_sql(f'DROP ROLE "{role}"')
        admin.dispose()


@pytest.mark.postgres
def test_a_script_that_fails_applies_nothing(pg_url: str) -> None:
    """emit-rls on a database without the claim tables: exit 2 with the reason, no policy left behind."""
    engine = make_engine(pg_url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE claims (claim_id TEXT PRIMARY KEY, region TEXT)")
        failed = run("policy", "emit-rls", "--sor", pg_url)
        assert failed.exit_code == 2
        assert "cannot apply row-level security" in failed.output
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM pg_policies").scalar_one() == 0
            assert not conn.exec_driver_sql(
                "SELECT relrowsecurity FROM pg_class WHERE relname = 'claims'"
            ).scalar_one()
    finally:
        engine.dispose()
