"""The Alder Works ERP schema (accounts payable, v1) in SQLAlchemy Core.

The contract of the ERP's specification (``docs`` mirror ``shared/erp/SPEC.md``):
outside checks insert rows straight into these tables and read ``invoice_decisions``
and ``invoice_postings`` back, so names, types and meanings are kept exactly. Interlock
never adds columns here; its own state lives in its own store.
"""

from __future__ import annotations

from sqlalchemy import (
    TIMESTAMP,
    Column,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Integer,
    MetaData,
    Numeric,
    PrimaryKeyConstraint,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

MONEY = Numeric(12, 2, asdecimal=True)

companies = Table(
    "companies",
    metadata,
    Column("company_code", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("currency", Text, nullable=False),
    Column("tax_rate_pct", Numeric(5, 2, asdecimal=True), nullable=False),
)

cost_centers = Table(
    "cost_centers",
    metadata,
    Column("cost_center", Text, primary_key=True),
    Column("company_code", Text, ForeignKey("companies.company_code"), nullable=False),
    Column("name", Text, nullable=False),
    Column("department", Text, nullable=False),
)

gl_accounts = Table(
    "gl_accounts",
    metadata,
    Column("account", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("requires_po", Integer, nullable=False),
    Column("active", Integer, nullable=False),
)

vendors = Table(
    "vendors",
    metadata,
    Column("vendor_id", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("tax_id", Text, nullable=False),
    Column("bank_account", Text, nullable=False),
    Column("bank_changed_at", TIMESTAMP, nullable=True),
    Column("status", Text, nullable=False),
)

purchase_orders = Table(
    "purchase_orders",
    metadata,
    Column("po_number", Text, primary_key=True),
    Column("company_code", Text, ForeignKey("companies.company_code")),
    Column("cost_center", Text, ForeignKey("cost_centers.cost_center")),
    Column("vendor_id", Text, ForeignKey("vendors.vendor_id")),
    Column("currency", Text),
    Column("status", Text),
    Column("created_on", Date),
)

po_lines = Table(
    "po_lines",
    metadata,
    Column("po_number", Text, ForeignKey("purchase_orders.po_number")),
    Column("line_no", Integer),
    Column("item_code", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("unit_price", MONEY, nullable=False),
    Column("gl_account", Text, ForeignKey("gl_accounts.account"), nullable=False),
    PrimaryKeyConstraint("po_number", "line_no"),
)

goods_receipts = Table(
    "goods_receipts",
    metadata,
    Column("receipt_id", Text, primary_key=True),
    Column("po_number", Text, ForeignKey("purchase_orders.po_number")),
    Column("line_no", Integer),
    Column("quantity", Integer, nullable=False),
    Column("received_on", Date, nullable=False),
)

invoices = Table(
    "invoices",
    metadata,
    Column("invoice_id", Text, primary_key=True),
    Column("vendor_id", Text, nullable=False),
    Column("vendor_invoice_number", Text, nullable=False),
    Column("company_code", Text, ForeignKey("companies.company_code"), nullable=False),
    Column("cost_center", Text, ForeignKey("cost_centers.cost_center"), nullable=False),
    Column("department", Text, nullable=False),
    Column("po_number", Text, nullable=True),
    Column("currency", Text, nullable=False),
    Column("invoice_date", Date, nullable=False),
    Column("received_date", Date, nullable=False),
    Column("subtotal", MONEY, nullable=False),
    Column("tax_amount", MONEY, nullable=False),
    Column("total_amount", MONEY, nullable=False),
    Column("confidentiality", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_at", TIMESTAMP, nullable=False),
)

invoice_lines = Table(
    "invoice_lines",
    metadata,
    Column("invoice_id", Text, ForeignKey("invoices.invoice_id")),
    Column("line_no", Integer),
    Column("item_code", Text, nullable=True),
    Column("description", Text, nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("unit_price", MONEY, nullable=False),
    Column("amount", MONEY, nullable=False),
    PrimaryKeyConstraint("invoice_id", "line_no"),
)

invoice_documents = Table(
    "invoice_documents",
    metadata,
    Column("doc_id", Text, primary_key=True),
    Column("invoice_id", Text, ForeignKey("invoices.invoice_id")),
    Column("kind", Text),
    Column("received_at", TIMESTAMP, nullable=False),
    Column("body", Text, nullable=False),
)

staff = Table(
    "staff",
    metadata,
    Column("staff_id", Text, primary_key=True),
    Column("name", Text),
    Column("role", Text),
    Column("approval_limit", MONEY, nullable=False),
    Column("active", Integer),
)

staff_assignments = Table(
    "staff_assignments",
    metadata,
    Column("staff_id", Text, ForeignKey("staff.staff_id")),
    Column("company_code", Text),
    Column("department", Text),
    PrimaryKeyConstraint("staff_id", "company_code", "department"),
)

staff_privileges = Table(
    "staff_privileges",
    metadata,
    Column("staff_id", Text, ForeignKey("staff.staff_id")),
    Column("privilege", Text),
    PrimaryKeyConstraint("staff_id", "privilege"),
)

invoice_decisions = Table(
    "invoice_decisions",
    metadata,
    Column("decision_id", Text, primary_key=True),
    Column("invoice_id", Text, ForeignKey("invoices.invoice_id"), nullable=False),
    Column("invoice_version", Integer, nullable=False),
    Column("outcome", Text, nullable=False),
    Column("reason_code", Text, nullable=True),
    Column("approved_amount", MONEY, nullable=False),
    Column("decided_by", Text, nullable=False),
    Column("rationale", Text, nullable=False),
    Column("idempotency_key", Text, nullable=False, unique=True),
    Column("decided_at", TIMESTAMP, nullable=False),
    UniqueConstraint("invoice_id", "invoice_version"),
)

invoice_postings = Table(
    "invoice_postings",
    metadata,
    Column("decision_id", Text, nullable=False),
    Column("line_no", Integer, nullable=False),
    Column("gl_account", Text, nullable=False),
    Column("cost_center", Text, nullable=False),
    Column("amount", MONEY, nullable=False),
    PrimaryKeyConstraint("decision_id", "line_no"),
    ForeignKeyConstraint(["decision_id"], ["invoice_decisions.decision_id"]),
)
