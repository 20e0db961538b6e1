"""The shipped invoices declaration as PostgreSQL row-level security over the ERP's invoice tables.

The tables carry the columns of shared/erp/SPEC.md that access depends on (the rest
of the schema belongs to the invoices domain). Read as a role that owns nothing, with
a principal's settings, each table returns exactly the invoices interlock's own scope
selects, and the lines, documents, decisions, postings, vendors, purchase orders and
receipts reached through them.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

import pytest
from sqlalchemy import Column, Connection, Engine, MetaData, String, Table, select

from interlock.connectors.pg_access import apply_principal, execute_script
from interlock.db import make_engine
from interlock.policy.document import default_policy
from interlock.policy.principal import Principal, service_principal, staff_principal
from interlock.policy.rls import compile_rls, protected_tables, quote_ident
from interlock.retrieval.scope import scope_predicate
from pgscratch import scratch_database

pytestmark = pytest.mark.postgres

SCHEMA = """
CREATE TABLE invoices (invoice_id text PRIMARY KEY, vendor_id text NOT NULL, po_number text,
                       company_code text NOT NULL, department text NOT NULL,
                       confidentiality text NOT NULL, total_amount numeric(12,2) NOT NULL);
CREATE TABLE invoice_lines (invoice_id text REFERENCES invoices, line_no integer, PRIMARY KEY (invoice_id, line_no));
CREATE TABLE invoice_documents (doc_id text PRIMARY KEY, invoice_id text REFERENCES invoices, body text);
CREATE TABLE invoice_decisions (decision_id text PRIMARY KEY, invoice_id text REFERENCES invoices);
CREATE TABLE invoice_postings (decision_id text REFERENCES invoice_decisions, line_no integer,
                               PRIMARY KEY (decision_id, line_no));
CREATE TABLE vendors (vendor_id text PRIMARY KEY, bank_account text);
CREATE TABLE purchase_orders (po_number text PRIMARY KEY);
CREATE TABLE po_lines (po_number text REFERENCES purchase_orders, line_no integer, PRIMARY KEY (po_number, line_no));
CREATE TABLE goods_receipts (receipt_id text PRIMARY KEY, po_number text REFERENCES purchase_orders);
CREATE TABLE gl_accounts (account text PRIMARY KEY);
"""
COMBOS = [
    (c, d, s)
    for c in ("AW10", "AW20", "it")
    for d in ("it", "legal", "AW10")
    for s in ("none", "confidential")
]


@dataclass(frozen=True)
class Erp:
    owner: Engine
    reader: Engine


@pytest.fixture(scope="module")
def erp() -> Iterator[Erp]:
    """One invoice per (company, department, confidentiality) with a line, a document, a decision and a posting."""
    role = f"interlock_erp_{secrets.token_hex(4)}"
    with scratch_database("interlock_erprls", roles=[role]) as url:
        owner = make_engine(url.render_as_string(hide_password=False))
        reader = make_engine(url.set(username=role).render_as_string(hide_password=False))
        try:
            with owner.begin() as conn:
                for statement in SCHEMA.split(";"):
                    if statement.strip():
                        conn.exec_driver_sql(statement)
                conn.exec_driver_sql("INSERT INTO vendors VALUES ('V-unused', 'x')")
                conn.exec_driver_sql("INSERT INTO gl_accounts VALUES ('6100')")
                for c, d, s in COMBOS:
                    key = {"i": f"{c}/{d}/{s}"}
                    conn.exec_driver_sql("INSERT INTO vendors VALUES ('V:' || %(i)s, 'x')", key)
                    conn.exec_driver_sql("INSERT INTO purchase_orders VALUES ('PO:' || %(i)s)", key)
                    conn.exec_driver_sql("INSERT INTO po_lines VALUES ('PO:' || %(i)s, 1)", key)
                    conn.exec_driver_sql(
                        "INSERT INTO goods_receipts VALUES ('GR:' || %(i)s, 'PO:' || %(i)s)", key
                    )
                    conn.exec_driver_sql(
                        "INSERT INTO invoices VALUES (%(i)s, 'V:' || %(i)s, 'PO:' || %(i)s, %(c)s, %(d)s, %(s)s, 10)",
                        {**key, "c": c, "d": d, "s": s},
                    )
                    conn.exec_driver_sql("INSERT INTO invoice_lines VALUES (%(i)s, 1)", key)
                    conn.exec_driver_sql(
                        "INSERT INTO invoice_documents VALUES ('doc:' || %(i)s, %(i)s, 'x')", key
                    )
                    conn.exec_driver_sql("INSERT INTO invoice_decisions VALUES ('dec:' || %(i)s, %(i)s)", key)
                    conn.exec_driver_sql("INSERT INTO invoice_postings VALUES ('dec:' || %(i)s, 1)", key)
                conn.exec_driver_sql(f"CREATE ROLE {quote_ident(role)} LOGIN")
                conn.exec_driver_sql(f"GRANT USAGE ON SCHEMA public TO {quote_ident(role)}")
                conn.exec_driver_sql(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {quote_ident(role)}")
            execute_script(owner, compile_rls(default_policy(), ["invoices"]))
            yield Erp(owner=owner, reader=reader)
        finally:
            reader.dispose()
            owner.dispose()


def _clerk(*privileges: str) -> Principal:
    return staff_principal(
        staff_id="C1",
        role="ap_clerk",
        active=True,
        assignments=frozenset(),
        privileges=frozenset(privileges),
        resource_assignments={"invoices": frozenset({("AW10", "it"), ("AW20", "legal")})},
        attributes={"approval_limit": Decimal("5000.00")},
    )


PRINCIPALS = {
    "clerk": _clerk(),
    "confidential clerk": _clerk("sensitive:confidential"),
    "auditor": staff_principal(
        staff_id="A1", role="auditor", active=True, assignments=frozenset(), privileges=frozenset()
    ),
    "service": service_principal(),
    "narrow service": service_principal(
        resource_assignments={"invoices": frozenset({("it", "AW10")})}, sensitivities=frozenset()
    ),
}


INVOICES = Table(
    "invoices",
    MetaData(),
    *(Column(name, String) for name in ("invoice_id", "company_code", "department", "confidentiality")),
)


def _scoped(erp: Erp, principal: Principal) -> set[str]:
    """The invoices interlock's own scope predicate selects, as the owner (whom RLS does not bind)."""
    scope = default_policy().scope("invoices", principal)
    with erp.owner.connect() as conn:
        return set(
            conn.execute(select(INVOICES.c.invoice_id).where(scope_predicate(scope, INVOICES))).scalars()
        )


@pytest.mark.parametrize("name", sorted(PRINCIPALS))
def test_each_invoice_table_shows_exactly_the_scoped_invoices(erp: Erp, name: str) -> None:
    """Raw SELECTs as the reader: invoices and everything hanging off them follow the compiled scope."""
    principal = PRINCIPALS[name]
    expected = _scoped(erp, principal)
    with erp.reader.begin() as conn:
        apply_principal(conn, principal)
        seen = {
            "invoices": set(conn.exec_driver_sql("SELECT invoice_id FROM invoices").scalars()),
            "invoice_lines": set(conn.exec_driver_sql("SELECT invoice_id FROM invoice_lines").scalars()),
            "invoice_documents": set(
                conn.exec_driver_sql("SELECT invoice_id FROM invoice_documents").scalars()
            ),
            "invoice_decisions": set(
                conn.exec_driver_sql("SELECT invoice_id FROM invoice_decisions").scalars()
            ),
            "invoice_postings": _ids(conn, "SELECT decision_id FROM invoice_postings", "dec:"),
            "vendors": _ids(conn, "SELECT vendor_id FROM vendors", "V:"),
            "purchase_orders": _ids(conn, "SELECT po_number FROM purchase_orders", "PO:"),
            "po_lines": _ids(conn, "SELECT po_number FROM po_lines", "PO:"),
            "goods_receipts": _ids(conn, "SELECT po_number FROM goods_receipts", "PO:"),
        }
        accounts = conn.exec_driver_sql("SELECT count(*) FROM gl_accounts").scalar_one()
    assert all(rows == expected for rows in seen.values()), seen
    assert accounts == 1  # reference data is not row-filtered
    wanted = {
        "clerk": {"AW10/it/none", "AW20/legal/none"},
        "confidential clerk": {
            "AW10/it/none",
            "AW10/it/confidential",
            "AW20/legal/none",
            "AW20/legal/confidential",
        },
        "auditor": set(),
        "service": {f"{c}/{d}/{s}" for c, d, s in COMBOS},
        "narrow service": {"it/AW10/none"},
    }
    assert expected == wanted[name]


def _ids(conn: Connection, sql: str, prefix: str) -> set[str]:
    """The invoice ids behind the rows ``sql`` returns (each row's id is ``prefix`` + invoice id)."""
    return {value.removeprefix(prefix) for value in conn.exec_driver_sql(sql).scalars()}


def test_the_script_protects_the_declared_tables_only(erp: Erp) -> None:
    """Row-level security is on for the invoice tables the declaration names, and off for reference data."""
    with erp.owner.connect() as conn:
        enabled = set(conn.exec_driver_sql("SELECT relname FROM pg_class WHERE relrowsecurity").scalars())
    assert enabled == set(protected_tables(default_policy(), ["invoices"]))
    assert "gl_accounts" not in enabled and "vendors" in enabled
