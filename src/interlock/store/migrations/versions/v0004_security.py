"""Record authors, desk sessions and counted audit errors.

* ``record_authors``: who submitted or changed each record, for separation of duties.
* ``desk_sessions``: review desk sessions kept server-side, so logging out revokes one.
* ``audit_error_counts``: events ending in ``error`` per kind, kept by every append so
  that metrics no longer scan the trail; seeded here from the events already stored.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create the three tables and count the error events already in the trail."""
    op.create_table(
        "record_authors",
        sa.Column("record_type", sa.Text(), nullable=False),
        sa.Column("record_id", sa.Text(), nullable=False),
        sa.Column("principal", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("task", sa.Text(), nullable=False),
        sa.Column("at", sa.TIMESTAMP(), nullable=False),
        sa.PrimaryKeyConstraint("record_type", "record_id", "principal", "action", name="pk_record_authors"),
        sa.CheckConstraint("action IN ('submitted', 'changed')", name="author_action"),
    )
    op.create_table(
        "desk_sessions",
        sa.Column("session_hash", sa.Text(), primary_key=True),
        sa.Column("staff_id", sa.Text(), nullable=False),
        sa.Column("created_at", sa.TIMESTAMP(), nullable=False),
        sa.Column("expires_at", sa.TIMESTAMP(), nullable=False),
        sa.Column("revoked_at", sa.TIMESTAMP(), nullable=True),
    )
    op.create_table(
        "audit_error_counts",
        sa.Column("chain", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("chain", "kind", name="pk_audit_error_counts"),
    )
    # The canonical JSON of an event has no spaces, so this matches exactly the events
    # whose outcome is "error" (a one-time scan; appends keep the count from now on).
    op.execute(
        "INSERT INTO audit_error_counts (chain, kind, n) "
        "SELECT chain, kind, COUNT(*) FROM audit_events "
        'WHERE body LIKE \'%"outcome":"error"%\' GROUP BY chain, kind'
    )


def downgrade() -> None:
    """Drop the three tables."""
    op.drop_table("audit_error_counts")
    op.drop_table("desk_sessions")
    op.drop_table("record_authors")
