"""Quality measured in production: sampled automatic decisions and each task's automatic path.

* ``quality_samples``: one row per work item whose automatic decision was withheld from
  its reviewer, with that decision and, once a person decided, theirs and whether it
  upheld the automatic one;
* ``quality_paths``: one row per task whose automatic path was ever closed (state,
  reason, who changed it and when, when it was last reopened).

Revision ID: 0007
Revises: 0006
Create Date: 2027-01-20
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create ``quality_samples`` and ``quality_paths``."""
    op.create_table(
        "quality_samples",
        sa.Column("work_item_id", sa.Text(), sa.ForeignKey("work_items.work_item_id"), nullable=False),
        sa.Column("review_id", sa.Text(), sa.ForeignKey("review_items.review_id"), nullable=False),
        sa.Column("task", sa.Text(), nullable=False),
        sa.Column("record_id", sa.Text(), nullable=False),
        sa.Column("record_version", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("reason_code", sa.Text(), nullable=True),
        sa.Column("model", sa.Text(), nullable=False),
        sa.Column("withheld", sa.Text(), nullable=False),
        sa.Column("sampled_at", sa.TIMESTAMP(), nullable=False),
        sa.Column("decided_at", sa.TIMESTAMP(), nullable=True),
        sa.Column("decided_by", sa.Text(), nullable=True),
        sa.Column("person", sa.Text(), nullable=True),
        sa.Column("upheld", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("work_item_id"),
        sa.UniqueConstraint("review_id"),
        sa.CheckConstraint("upheld IS NULL OR upheld IN (0, 1)", name="sample_upheld"),
    )
    op.create_index("ix_quality_samples_task_sampled", "quality_samples", ["task", "sampled_at"])
    op.create_index("ix_quality_samples_task_decided", "quality_samples", ["task", "decided_at"])
    op.create_table(
        "quality_paths",
        sa.Column("task", sa.Text(), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("changed_at", sa.TIMESTAMP(), nullable=False),
        sa.Column("changed_by", sa.Text(), nullable=False),
        sa.Column("opened_at", sa.TIMESTAMP(), nullable=True),
        sa.PrimaryKeyConstraint("task"),
        sa.CheckConstraint("state IN ('open', 'closed')", name="path_state"),
    )


def downgrade() -> None:
    """Drop both tables."""
    op.drop_table("quality_paths")
    op.drop_index("ix_quality_samples_task_decided", table_name="quality_samples")
    op.drop_index("ix_quality_samples_task_sampled", table_name="quality_samples")
    op.drop_table("quality_samples")
