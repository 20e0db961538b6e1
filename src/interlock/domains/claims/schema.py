"""The reference system of record's schema (Northwind Health claims platform, v1).

This module is the contract of ``docs/reference/claims-system-of-record.md`` expressed in SQLAlchemy Core, so
that one definition creates the same tables on SQLite and PostgreSQL. Interlock never
adds columns here: outside systems write straight into these tables and read
``adjudications`` back, so names and types must stay exactly as specified.

:data:`ACCESS_INDEXES` are not part of the contract: they serve the lookups interlock
makes for every claim (its notes, the member's prior authorizations, earlier claims of
the same member and day for the duplicate rule), which without them scan whole tables.
``create_all`` makes them with the tables; ``interlock db index-sor`` adds them to a
system of record created elsewhere.
"""

from __future__ import annotations

from sqlalchemy import (
    TIMESTAMP,
    Column,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
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

plans = Table(
    "plans",
    metadata,
    Column("plan_id", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("line_of_business", Text, nullable=False),
    Column("network_type", Text, nullable=False),
    Column("coinsurance_pct", Numeric(5, 2, asdecimal=True), nullable=False),
)

medical_policies = Table(
    "medical_policies",
    metadata,
    Column("policy_id", Text, primary_key=True),
    Column("title", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("line_of_business", Text, nullable=True),
    Column("effective_from", Date, nullable=False),
    Column("effective_to", Date, nullable=True),
    Column("updated_at", TIMESTAMP, nullable=False),
)

procedures = Table(
    "procedures",
    metadata,
    Column("procedure_code", Text, primary_key=True),
    Column("description", Text, nullable=False),
    Column("fee_schedule_amount", MONEY, nullable=False),
    Column(
        "medical_policy_id",
        Text,
        ForeignKey("medical_policies.policy_id"),
        nullable=True,
    ),
)

plan_benefits = Table(
    "plan_benefits",
    metadata,
    Column("plan_id", Text, ForeignKey("plans.plan_id"), nullable=False),
    Column("procedure_code", Text, ForeignKey("procedures.procedure_code"), nullable=False),
    Column("covered", Integer, nullable=False),
    Column("requires_prior_auth", Integer, nullable=False),
    PrimaryKeyConstraint("plan_id", "procedure_code"),
)

members = Table(
    "members",
    metadata,
    Column("member_id", Text, primary_key=True),
    Column("first_name", Text, nullable=False),
    Column("last_name", Text, nullable=False),
    Column("birth_date", Date, nullable=False),
    Column("ssn", Text, nullable=False),
    Column("address", Text, nullable=False),
    Column("plan_id", Text, ForeignKey("plans.plan_id"), nullable=False),
    Column("region", Text, nullable=False),
    Column("coverage_start", Date, nullable=False),
    Column("coverage_end", Date, nullable=True),
)

providers = Table(
    "providers",
    metadata,
    Column("npi", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("specialty", Text, nullable=False),
    Column("region", Text, nullable=False),
    Column("in_network", Integer, nullable=False),
    Column("active", Integer, nullable=False),
)

claims = Table(
    "claims",
    metadata,
    Column("claim_id", Text, primary_key=True),
    Column("member_id", Text, ForeignKey("members.member_id"), nullable=False),
    Column("billing_npi", Text, nullable=False),
    Column("service_date", Date, nullable=False),
    Column("received_date", Date, nullable=False),
    Column("place_of_service", Text, nullable=False),
    Column("total_billed", MONEY, nullable=False),
    Column("region", Text, nullable=False),
    Column("line_of_business", Text, nullable=False),
    Column("sensitivity", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_at", TIMESTAMP, nullable=False),
)

claim_diagnoses = Table(
    "claim_diagnoses",
    metadata,
    Column("claim_id", Text, ForeignKey("claims.claim_id"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("icd10_code", Text, nullable=False),
    PrimaryKeyConstraint("claim_id", "seq"),
)

claim_lines = Table(
    "claim_lines",
    metadata,
    Column("claim_id", Text, ForeignKey("claims.claim_id"), nullable=False),
    Column("line_no", Integer, nullable=False),
    Column("procedure_code", Text, nullable=False),
    Column("units", Integer, nullable=False),
    Column("billed_amount", MONEY, nullable=False),
    PrimaryKeyConstraint("claim_id", "line_no"),
)

clinical_notes = Table(
    "clinical_notes",
    metadata,
    Column("note_id", Text, primary_key=True),
    Column("claim_id", Text, ForeignKey("claims.claim_id"), nullable=False),
    Column("author", Text, nullable=False),
    Column("written_at", TIMESTAMP, nullable=False),
    Column("body", Text, nullable=False),
)

prior_authorizations = Table(
    "prior_authorizations",
    metadata,
    Column("auth_id", Text, primary_key=True),
    Column("member_id", Text, ForeignKey("members.member_id")),
    Column("procedure_code", Text),
    Column("status", Text),
    Column("valid_from", Date),
    Column("valid_to", Date),
)

staff = Table(
    "staff",
    metadata,
    Column("staff_id", Text, primary_key=True),
    Column("name", Text),
    Column("role", Text),
    Column("active", Integer),
)

staff_assignments = Table(
    "staff_assignments",
    metadata,
    Column("staff_id", Text, ForeignKey("staff.staff_id"), nullable=False),
    Column("region", Text, nullable=False),
    Column("line_of_business", Text, nullable=False),
    PrimaryKeyConstraint("staff_id", "region", "line_of_business"),
)

staff_privileges = Table(
    "staff_privileges",
    metadata,
    Column("staff_id", Text, ForeignKey("staff.staff_id"), nullable=False),
    Column("privilege", Text, nullable=False),
    PrimaryKeyConstraint("staff_id", "privilege"),
)

adjudications = Table(
    "adjudications",
    metadata,
    Column("adjudication_id", Text, primary_key=True),
    Column("claim_id", Text, ForeignKey("claims.claim_id"), nullable=False),
    Column("claim_version", Integer, nullable=False),
    Column("outcome", Text, nullable=False),
    Column("carc_code", Text, nullable=True),
    Column("allowed_amount", MONEY, nullable=False),
    Column("paid_amount", MONEY, nullable=False),
    Column("decided_by", Text, nullable=False),
    Column("rationale", Text, nullable=False),
    Column("idempotency_key", Text, nullable=False, unique=True),
    Column("decided_at", TIMESTAMP, nullable=False),
    UniqueConstraint("claim_id", "claim_version"),
)

adjudication_lines = Table(
    "adjudication_lines",
    metadata,
    Column("adjudication_id", Text, nullable=False),
    Column("line_no", Integer, nullable=False),
    Column("allowed_amount", MONEY),
    Column("paid_amount", MONEY),
    PrimaryKeyConstraint("adjudication_id", "line_no"),
    ForeignKeyConstraint(["adjudication_id"], ["adjudications.adjudication_id"]),
)

ALL_TABLES = tuple(metadata.sorted_tables)


#: Secondary indexes for interlock's per-claim reads (see the module docstring).
ACCESS_INDEXES: tuple[Index, ...] = (
    Index("ix_interlock_notes_claim", clinical_notes.c.claim_id, clinical_notes.c.written_at),
    Index("ix_interlock_claims_member_day", claims.c.member_id, claims.c.service_date),
    Index("ix_interlock_prior_auths_member", prior_authorizations.c.member_id),
)
