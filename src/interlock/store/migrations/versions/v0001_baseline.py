"""Baseline: work items, review items, trained models and the audit chain.

Written out by hand rather than generated at run time, so that this revision means the
same schema forever, whatever later code does to the ``MetaData``. It is the schema that
``store_metadata.create_all`` produced before the store was versioned; stores made that
way are adopted at this revision (see :mod:`interlock.store.migrations`).

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create every table of the store as of the first release."""
    op.create_table(
        "work_items",
        sa.Column("work_item_id", sa.Text(), primary_key=True),
        sa.Column("task", sa.Text(), nullable=False),
        sa.Column("record_id", sa.Text(), nullable=False),
        sa.Column("record_version", sa.Integer(), nullable=False),
        sa.Column("principal", sa.Text(), nullable=False),
        sa.Column("idempotency_key", sa.Text(), nullable=False, unique=True),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("lease_owner", sa.Text(), nullable=True),
        sa.Column("lease_expires_at", sa.TIMESTAMP(), nullable=True),
        sa.Column("not_before", sa.TIMESTAMP(), nullable=True),
        sa.Column("defer_count", sa.Integer(), nullable=False),
        sa.Column("decision", sa.Text(), nullable=True),
        sa.Column("route", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("receipt", sa.Text(), nullable=True),
        sa.Column("created_at", sa.TIMESTAMP(), nullable=False),
        sa.Column("updated_at", sa.TIMESTAMP(), nullable=False),
        sa.UniqueConstraint("task", "record_id", "record_version"),
        sa.CheckConstraint("status IN ('pending', 'leased', 'deferred', 'done')", name="work_status"),
        sa.CheckConstraint(
            "route IS NULL OR route IN ('commit', 'review', 'reject', 'defer', 'superseded')",
            name="work_route",
        ),
        sa.CheckConstraint("status <> 'done' OR route IS NOT NULL", name="done_has_route"),
    )
    op.create_table(
        "review_items",
        sa.Column("review_id", sa.Text(), primary_key=True),
        sa.Column(
            "work_item_id",
            sa.Text(),
            sa.ForeignKey("work_items.work_item_id"),
            nullable=False,
            unique=True,
        ),
        sa.Column("claim_id", sa.Text(), nullable=False),
        sa.Column("claim_version", sa.Integer(), nullable=False),
        sa.Column("total_billed", sa.Text(), nullable=False),
        sa.Column("region", sa.Text(), nullable=False),
        sa.Column("line_of_business", sa.Text(), nullable=False),
        sa.Column("sensitivity", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("findings", sa.Text(), nullable=False),
        sa.Column("proposal", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("opened_at", sa.TIMESTAMP(), nullable=False),
        sa.Column("decided_by", sa.Text(), nullable=True),
        sa.Column("decided_at", sa.TIMESTAMP(), nullable=True),
        sa.Column("decision", sa.Text(), nullable=True),
        sa.CheckConstraint("status IN ('open', 'decided')", name="review_status"),
    )
    op.create_index("ix_review_items_claim_id", "review_items", ["claim_id"])
    op.create_table(
        "trained_models",
        sa.Column("model_id", sa.Text(), primary_key=True),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("created_at", sa.TIMESTAMP(), nullable=False),
        sa.Column("artifact", sa.Text(), nullable=False),
        sa.Column("metrics", sa.Text(), nullable=False),
    )
    op.create_table(
        "audit_events",
        sa.Column("chain", sa.Text(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("event_id", sa.Text(), nullable=False, unique=True),
        sa.Column("kind", sa.Text(), nullable=False),
        # timestamptz on PostgreSQL; naive UTC on SQLite (the column type puts the zone back).
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claim_id", sa.Text(), nullable=True),
        sa.Column("work_item_id", sa.Text(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("leaf_hash", sa.Text(), nullable=False),
        sa.Column("chain_hash", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("chain", "seq", name="pk_audit_events"),
    )
    op.create_index("ix_audit_events_claim_id", "audit_events", ["claim_id"])
    op.create_index("ix_audit_events_work_item_id", "audit_events", ["work_item_id"])
    op.create_table(
        "audit_heads",
        sa.Column("chain", sa.Text(), primary_key=True),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("chain_hash", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    """Drop every table of the store (the audit trail with it: only for scratch stores)."""
    op.drop_table("audit_heads")
    op.drop_index("ix_audit_events_work_item_id", table_name="audit_events")
    op.drop_index("ix_audit_events_claim_id", table_name="audit_events")
    op.drop_table("audit_events")
    op.drop_table("trained_models")
    op.drop_index("ix_review_items_claim_id", table_name="review_items")
    op.drop_table("review_items")
    op.drop_table("work_items")
