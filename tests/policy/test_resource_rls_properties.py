"""Any declared resource on PostgreSQL: row-level security, the SQL scope and the interpreter agree.

Each example declares a fresh resource (``resource_strategies``), creates its table
with exactly the declared columns (one row per combination of attribute values) and a
``ledger_lines`` table hanging off it, installs ``compile_rls(policy, ["ledger"])``,
and reads both tables as a least-privilege role under a random principal's settings.
The rows must be those interlock's own scope predicate selects as the owner, which
must be those ``decide_record_read`` allows.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from resource_strategies import RESOURCE, Case, reading_cases, record_id
from sqlalchemy import Column, Engine, MetaData, String, Table, select

from interlock.connectors.pg_access import apply_principal, execute_script
from interlock.db import make_engine
from interlock.policy.document import parse_policy
from interlock.policy.rls import compile_rls, quote_ident
from interlock.retrieval.scope import scope_predicate
from pgscratch import scratch_database

pytestmark = pytest.mark.postgres


@dataclass(frozen=True)
class Database:
    owner: Engine
    reader: Engine
    role: str


@pytest.fixture(scope="module")
def database() -> Iterator[Database]:
    """A scratch database and a login role that owns nothing there."""
    role = f"interlock_gen_{secrets.token_hex(4)}"
    with scratch_database("interlock_genrls", roles=[role]) as url:
        owner = make_engine(url.render_as_string(hide_password=False))
        reader = make_engine(url.set(username=role).render_as_string(hide_password=False))
        with owner.begin() as conn:
            conn.exec_driver_sql(f"CREATE ROLE {quote_ident(role)} LOGIN")
            conn.exec_driver_sql(f"GRANT USAGE ON SCHEMA public TO {quote_ident(role)}")
        try:
            yield Database(owner=owner, reader=reader, role=role)
        finally:
            reader.dispose()
            owner.dispose()


def _create(database: Database, case: Case) -> Table:
    """(Re)create ``ledger`` with the declared columns and ``ledger_lines``, filled and readable by the role."""
    table = Table(
        "ledger",
        MetaData(),
        Column("id", String, primary_key=True),
        *(Column(column, String) for column in case.attributes.values()),
    )
    columns = ", ".join(f"{quote_ident(c)} text" for c in case.attributes.values())
    with database.owner.begin() as conn:
        conn.exec_driver_sql("DROP TABLE IF EXISTS ledger_lines, ledger")
        conn.exec_driver_sql(f"CREATE TABLE ledger (id text PRIMARY KEY, {columns})")
        conn.exec_driver_sql("CREATE TABLE ledger_lines (line_id text PRIMARY KEY, entry_id text)")
        conn.execute(
            table.insert(),
            [{"id": record_id(r), **{case.attributes[a]: v for a, v in r.items()}} for r in case.records],
        )
        for r in case.records:
            conn.exec_driver_sql(
                "INSERT INTO ledger_lines VALUES (%(line)s, %(entry)s)",
                {"line": f"line:{record_id(r)}", "entry": record_id(r)},
            )
        conn.exec_driver_sql(f"GRANT SELECT ON ledger, ledger_lines TO {quote_ident(database.role)}")
    return table


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_rls_rows_equal_the_scope_of_any_declared_resource(database: Database, data: st.DataObject) -> None:
    """Raw SELECTs as the reader return exactly the records (and their lines) the compiled scope selects."""
    case, principal = data.draw(reading_cases())
    policy = parse_policy(case.data)
    table = _create(database, case)
    execute_script(database.owner, compile_rls(policy, [RESOURCE]))
    allowed = {
        record_id(r) for r in case.records if policy.decide_record_read(RESOURCE, principal, r).allowed
    }
    with database.owner.connect() as conn:
        expected = set(
            conn.execute(
                select(table.c.id).where(scope_predicate(policy.scope(RESOURCE, principal), table))
            ).scalars()
        )
    with database.reader.begin() as conn:
        apply_principal(conn, principal)
        got = set(conn.exec_driver_sql("SELECT id FROM ledger").scalars())
        lines = set(conn.exec_driver_sql("SELECT entry_id FROM ledger_lines").scalars())
    with database.reader.connect() as conn:
        nobody = conn.exec_driver_sql("SELECT count(*) FROM ledger").scalar_one()
    event("nothing" if not expected else "everything" if len(expected) == len(case.records) else "some")
    assert expected == allowed
    assert got == expected
    assert lines == expected
    assert nobody == 0
