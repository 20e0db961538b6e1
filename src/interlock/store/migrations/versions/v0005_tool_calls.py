"""Idempotency keys of task runs requested through the MCP server.

* ``tool_calls``: one row per (principal, SHA-256 of an agent's idempotency key), bound
  to the task and record the key first named, with the result that call answered.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-09
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create ``tool_calls``."""
    op.create_table(
        "tool_calls",
        sa.Column("principal", sa.Text(), nullable=False),
        sa.Column("key_sha256", sa.Text(), nullable=False),
        sa.Column("task", sa.Text(), nullable=False),
        sa.Column("record_id", sa.Text(), nullable=False),
        sa.Column("work_item_id", sa.Text(), nullable=True),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("created_at", sa.TIMESTAMP(), nullable=False),
        sa.Column("updated_at", sa.TIMESTAMP(), nullable=False),
        sa.PrimaryKeyConstraint("principal", "key_sha256", name="pk_tool_calls"),
    )


def downgrade() -> None:
    """Drop ``tool_calls``."""
    op.drop_table("tool_calls")
