"""Row-level security compiled from the policy, checked on a seeded PostgreSQL system of record.

The acceptance check: connected as the least-privilege role with a principal's
settings, a raw ``SELECT * FROM claims`` (no interlock filter at all) returns exactly
the claims interlock's own scoped retrieval returns for that principal, and nothing
without a principal. The expected sets come from the scope compiler
(:func:`interlock.retrieval.scope.scope_predicate`, run by the connector as the
table owner, which row-level security does not bind), never from the RLS SQL itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import Engine, create_engine, event, select, text
from sqlalchemy.exc import DBAPIError, ProgrammingError

from interlock.connectors.pg_access import (
    acting_as,
    apply_principal,
    bind_principals,
    execute_script,
    reader_role_problems,
)
from interlock.db import make_engine, normalize_url
from interlock.domains.claims import schema as t
from interlock.domains.claims.connector import SqlClaimsConnector
from interlock.domains.claims.pack import ACCESS as CLAIMS_ACCESS
from interlock.domains.claims.rules import Amounts, LineAmounts
from interlock.exceptions import StaleRecord
from interlock.gate.approval import mint_commit, mint_hold
from interlock.policy.document import PolicyDocument, default_policy, parse_policy_toml
from interlock.policy.principal import Principal, service_principal
from interlock.policy.rls import PROTECTED_TABLES, compile_rls
from interlock.retrieval.scope import scope_predicate
from rlsdb import seeded_rls_database

pytestmark = pytest.mark.postgres

ANALYST_DENY_POLICY = """
version = "rls-test@1"
[fields]
phi = ["first_name", "last_name", "birth_date", "ssn", "address"]
unmask_privilege = "phi:full"
[reference]
read = [{ kind = "principal_active" }]
[roles.analyst]
read = [
    { kind = "principal_active" },
    { kind = "assignment_contains" },
    { kind = "sensitivity_permitted", unrestricted = "none", privilege_prefix = "sensitive:" },
]
[roles.supervisor]
read = [{ kind = "principal_active" }, { kind = "has_privilege", privilege = "phi:full" }]
[roles.service]
read = [{ kind = "principal_active" }, { kind = "assignment_contains" }]
[[deny]]
reason = "analysts without phi:full do not read the north region's medicaid claims"
roles = ["analyst"]
when = [
    { kind = "record_in", field = "region", values = ["north"] },
    { kind = "record_in", field = "line_of_business", values = ["medicaid", "commercial"] },
    { kind = "lacks_privilege", privilege = "phi:full" },
]
[[deny]]
reason = "holders of approve:high_value do not read o'neill's claims"
when = [
    { kind = "has_privilege", privilege = "approve:high_value" },
    { kind = "record_in", field = "sensitivity", values = ["hiv", "o'neill"] },
]
"""


@dataclass(frozen=True)
class World:
    owner: Engine
    reader_url: str
    role: str
    principals: tuple[Principal, ...]


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    """A seeded system of record in its own database, the reader role, and the default policy's RLS."""
    with seeded_rls_database("interlock_rls", claims=240, seed=11, history=160) as (db_url, role):
        owner = make_engine(db_url.render_as_string(hide_password=False))
        try:
            connector = SqlClaimsConnector(owner)
            with owner.connect() as conn:
                staff_ids = (
                    conn.execute(select(t.staff.c.staff_id).order_by(t.staff.c.staff_id)).scalars().all()
                )
                pairs = sorted(
                    {
                        (r, lob)
                        for r, lob in conn.execute(select(t.claims.c.region, t.claims.c.line_of_business))
                    }
                )
            staff = [p for p in (connector.load_principal(s) for s in staff_ids) if p is not None]
            principals = (
                *staff,
                service_principal(),
                service_principal("narrow", assignments=frozenset(pairs[:3]), sensitivities=frozenset()),
                service_principal("hiv", assignments=frozenset(pairs[::2]), sensitivities=frozenset({"hiv"})),
            )
            yield World(
                owner=owner,
                reader_url=db_url.set(username=role).render_as_string(hide_password=False),
                role=role,
                principals=principals,
            )
        finally:
            owner.dispose()


def _entitled(world: World, principal: Principal, policy: PolicyDocument | None = None) -> set[str]:
    """The claims interlock's own scoped retrieval returns for ``principal`` (as the owner)."""
    scope = (policy or default_policy()).claim_scope(principal)
    if policy is None:
        connector = SqlClaimsConnector(world.owner)
        return {
            c for s in ("received", "pended", "adjudicated") for c in connector.claim_ids(scope, status=s)
        }
    with world.owner.connect() as conn:
        return set(
            conn.execute(select(t.claims.c.claim_id).where(scope_predicate(scope, t.claims))).scalars()
        )


def _raw_claims(reader: Engine, principal: Principal | None) -> set[str]:
    with reader.begin() as conn:
        apply_principal(conn, principal)
        return {row.claim_id for row in conn.exec_driver_sql("SELECT * FROM claims")}


def test_a_raw_select_as_the_reader_returns_exactly_the_entitled_claims(world: World) -> None:
    """For every staff member and three service principals: raw SELECT == scoped retrieval."""
    reader = make_engine(world.reader_url)
    try:
        with world.owner.connect() as conn:
            total = conn.execute(text("SELECT count(*) FROM claims")).scalar_one()
        sizes = []
        for principal in world.principals:
            raw = _raw_claims(reader, principal)
            assert raw == _entitled(world, principal), principal.principal_id
            sizes.append(len(raw))
        assert 0 in sizes and total in sizes, "the seed must give empty, partial and full views"
        assert any(0 < n < total for n in sizes)
    finally:
        reader.dispose()


def test_without_a_principal_every_protected_table_reads_empty(world: World) -> None:
    """No settings, or settings cleared: zero rows everywhere RLS applies; reference data still reads."""
    reader = make_engine(world.reader_url)
    try:
        with reader.connect() as conn:
            for table in PROTECTED_TABLES:
                assert conn.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar_one() == 0, table
            assert conn.exec_driver_sql("SELECT count(*) FROM staff").scalar_one() > 0
        with reader.begin() as conn:
            apply_principal(conn, None)
            assert conn.exec_driver_sql("SELECT count(*) FROM claims").scalar_one() == 0
    finally:
        reader.dispose()


def test_rows_hanging_off_a_claim_follow_the_claim(world: World) -> None:
    """Lines, diagnoses, notes, adjudications, members and prior auths: only those of visible claims."""
    reader = make_engine(world.reader_url)
    try:
        partial = next(
            p
            for p in world.principals
            if p.kind == "staff" and len(_entitled(world, p)) > 0 and p.role == "analyst"
        )
        claims = _entitled(world, partial)
        with world.owner.connect() as conn:
            members = set(
                conn.execute(select(t.claims.c.member_id).where(t.claims.c.claim_id.in_(claims))).scalars()
            )
            adjudications = set(
                conn.execute(
                    select(t.adjudications.c.adjudication_id).where(t.adjudications.c.claim_id.in_(claims))
                ).scalars()
            )
        with reader.begin() as conn:
            apply_principal(conn, partial)

            def column(sql: str) -> set[str]:
                return set(conn.exec_driver_sql(sql).scalars())

            assert column("SELECT DISTINCT claim_id FROM claim_lines") == claims
            assert column("SELECT DISTINCT claim_id FROM claim_diagnoses") <= claims
            assert column("SELECT DISTINCT claim_id FROM clinical_notes") <= claims
            assert column("SELECT member_id FROM members") == members
            assert column("SELECT DISTINCT member_id FROM prior_authorizations") <= members
            assert column("SELECT adjudication_id FROM adjudications") == adjudications
            assert column("SELECT DISTINCT adjudication_id FROM adjudication_lines") <= adjudications
            assert adjudications, "the partial view must include decided history"
    finally:
        reader.dispose()


def test_the_reader_role_cannot_reach_beyond_its_grants(world: World) -> None:
    """Other tables, other columns and other statements are refused; writes stay inside RLS."""
    with world.owner.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE IF NOT EXISTS payroll (staff_id TEXT, salary NUMERIC)")
    with world.owner.connect() as conn:
        assert reader_role_problems(conn, world.role, CLAIMS_ACCESS) == []
    reader = make_engine(world.reader_url)
    service = service_principal()
    narrow = next(p for p in world.principals if p.principal_id == "service:narrow")
    hidden = sorted(_entitled(world, service) - _entitled(world, narrow))[0]
    visible = sorted(_entitled(world, narrow))[0]
    refused = [
        "SELECT * FROM payroll",
        "UPDATE claims SET version = version + 1",
        "UPDATE claims SET total_billed = 0",
        "DELETE FROM claims",
        "INSERT INTO claims SELECT * FROM claims LIMIT 1",
        "DELETE FROM adjudications",
        "TRUNCATE claim_lines",
        "CREATE TABLE public.mine (x int)",
    ]
    try:
        for sql in refused:
            with reader.begin() as conn:
                apply_principal(conn, service)
                with pytest.raises(ProgrammingError, match="permission denied"):
                    conn.exec_driver_sql(sql)
        with reader.begin() as conn:
            apply_principal(conn, narrow)
            update = "UPDATE claims SET status = status WHERE claim_id = %(c)s"
            assert conn.exec_driver_sql(update, {"c": visible}).rowcount == 1
            assert conn.exec_driver_sql(update, {"c": hidden}).rowcount == 0
            conn.rollback()
        insert = (
            "INSERT INTO adjudications VALUES ('A-x', %(c)s, 1, 'approve', NULL, 0, 0,"
            " 'staff:x', 'r', 'k-x', now())"
        )
        with reader.begin() as conn:
            apply_principal(conn, narrow)
            with pytest.raises(DBAPIError, match="row-level security"):
                conn.exec_driver_sql(insert, {"c": hidden})
    finally:
        reader.dispose()


def test_settings_stay_in_their_transaction_across_pooling_and_generic_plans(world: World) -> None:
    """One pooled connection, every statement prepared and planned generically, principals alternating.

    Transaction-local settings give each transaction exactly its principal's rows and
    a transaction that sets nothing sees nothing; a session-level setting (the wrong
    way) is shown to leak into the next transaction on the same connection.
    """
    reader = create_engine(
        normalize_url(world.reader_url), pool_size=1, max_overflow=0, connect_args={"prepare_threshold": 0}
    )

    @event.listens_for(reader, "connect")
    def _generic(dbapi_conn: object, _record: object) -> None:
        with dbapi_conn.cursor() as cur:  # type: ignore[attr-defined]
            cur.execute("SET plan_cache_mode = force_generic_plan")

    a, b = world.principals[0], next(p for p in world.principals if p.principal_id == "service:narrow")
    expected = {a.principal_id: _entitled(world, a), b.principal_id: _entitled(world, b)}
    assert expected[a.principal_id] != expected[b.principal_id]
    try:
        pids = set()
        for principal in (a, b, None, a, b, None, b, a) * 2:
            with reader.begin() as conn:
                pids.add(conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one())
                if principal is not None:
                    apply_principal(conn, principal)
                got = set(
                    conn.exec_driver_sql(
                        "SELECT claim_id FROM claims WHERE status = ANY(%(s)s)",
                        {"s": ["received", "pended", "adjudicated"]},
                    ).scalars()
                )
            assert got == (expected[principal.principal_id] if principal else set())
        assert len(pids) == 1, "the same server connection served every transaction"
        with reader.begin() as conn:
            conn.exec_driver_sql("SELECT set_config('interlock.principal', 'staff:leak', false)")
            conn.exec_driver_sql("SELECT set_config('interlock.role', 'service', false)")
            conn.exec_driver_sql("SELECT set_config('interlock.active', 'true', false)")
            conn.exec_driver_sql("SELECT set_config('interlock.all_assignments', 'true', false)")
            conn.exec_driver_sql("SELECT set_config('interlock.all_sensitivities', 'true', false)")
        with reader.begin() as conn:
            leaked = conn.exec_driver_sql("SELECT count(*) FROM claims").scalar_one()
        assert leaked > 0, "a session-level setting outlives its transaction: why set_config(..., true)"
    finally:
        reader.dispose()


def test_the_sql_connector_runs_under_rls_with_bound_principals(world: World) -> None:
    """The unchanged connector on a bound reader engine: RLS holds even when the scope it is given is too wide."""
    reader = bind_principals(make_engine(world.reader_url))
    connector = SqlClaimsConnector(reader)
    narrow = next(p for p in world.principals if p.principal_id == "service:narrow")
    too_wide = default_policy().claim_scope(service_principal())
    entitled = _entitled(world, narrow)
    hidden = sorted(_entitled(world, service_principal()) - entitled)[0]
    try:
        with acting_as(narrow):
            own = {
                c
                for s in ("received", "pended", "adjudicated")
                for c in connector.claim_ids(default_policy().claim_scope(narrow), status=s)
            }
            wide = {
                c
                for s in ("received", "pended", "adjudicated")
                for c in connector.claim_ids(too_wide, status=s)
            }
            assert own == wide == entitled
            context = connector.fetch_context(sorted(entitled)[0], too_wide)
            assert context is not None and context.member is not None and context.lines
            assert connector.fetch_context(hidden, too_wide) is None
            received = connector.claim_ids(too_wide, status="received")
            assert received
            claim = connector.fetch_context(received[0], too_wide)
            assert claim is not None
            lines = tuple(
                LineAmounts(line_no=ln.line_no, allowed=ln.billed_amount, paid=ln.billed_amount)
                for ln in claim.lines
            )
            total = sum((ln.billed_amount for ln in claim.lines), Decimal(0))
            receipt = connector.write(
                mint_commit(
                    task="claims.adjudicate",
                    record_id=claim.claim.claim_id,
                    record_version=claim.claim.version,
                    outcome="approve",
                    reason_code=None,
                    payload=Amounts(lines=lines, allowed=total, paid=total),
                    decided_by="auto:rls-test",
                    rationale="written through row-level security",
                    idempotency_key=f"rls-{claim.claim.claim_id}",
                    decided_at=datetime.now(UTC),
                )
            )
            assert not receipt.already_applied
            with pytest.raises(StaleRecord):  # invisible under RLS: as if it had changed
                connector.write(
                    mint_hold(
                        task="claims.adjudicate",
                        record_id=hidden,
                        record_version=1,
                        idempotency_key="rls-hidden",
                        reason="x",
                    )
                )
        assert connector.claim_ids(too_wide, status="received") == []
        with world.owner.connect() as conn:
            written = conn.execute(
                select(t.adjudication_lines.c.line_no)
                .join(t.adjudications)
                .where(t.adjudications.c.claim_id == claim.claim.claim_id)
            ).all()
        assert len(written) == len(lines) > 0
    finally:
        reader.dispose()


def test_a_policy_with_deny_rules_and_privilege_grants_compiles_to_the_same_rows(world: World) -> None:
    """Re-applying RLS for another policy replaces every earlier policy; rows still match the scope compiler."""
    policy = parse_policy_toml(ANALYST_DENY_POLICY)
    reader = make_engine(world.reader_url)
    try:
        execute_script(world.owner, compile_rls(policy))
        with world.owner.connect() as conn:
            names = set(
                conn.exec_driver_sql(
                    "SELECT policyname FROM pg_policies WHERE tablename = 'claims'"
                ).scalars()
            )
        assert names == {
            "interlock_read_analyst",
            "interlock_read_service",
            "interlock_read_supervisor",
            "interlock_deny_0",
            "interlock_deny_1",
        }
        compared = 0
        for principal in world.principals:
            raw = _raw_claims(reader, principal)
            assert raw == _entitled(world, principal, policy), principal.principal_id
            compared += bool(raw)
        assert compared >= 3
    finally:
        execute_script(world.owner, compile_rls(default_policy()))
        reader.dispose()
