"""Shadow decisions: a candidate's decision beside production's, per work item.

* ``shadow_decisions``: one row per work item decided while shadow mode was on
  (:mod:`interlock.shadow`): production's route, outcome, reason code and commit facts,
  the candidate's, the candidate's status (answered, reused, not asked, failed and why),
  model ids and answer digests. Codes and numbers only.

Revision ID: 0008
Revises: 0007
Create Date: 2027-01-20
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision: str | None = "0007"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create ``shadow_decisions`` and its index by task and time."""
    op.create_table(
        "shadow_decisions",
        sa.Column("work_item_id", sa.Text(), sa.ForeignKey("work_items.work_item_id"), nullable=False),
        sa.Column("task", sa.Text(), nullable=False),
        sa.Column("record_id", sa.Text(), nullable=False),
        sa.Column("record_version", sa.Integer(), nullable=False),
        sa.Column("candidate", sa.Text(), nullable=False),
        sa.Column("production_route", sa.Text(), nullable=False),
        sa.Column("production_outcome", sa.Text(), nullable=False),
        sa.Column("production_reason_code", sa.Text(), nullable=True),
        sa.Column("production_facts", sa.Text(), nullable=False),
        sa.Column("production_model_id", sa.Text(), nullable=True),
        sa.Column("production_answer_sha256", sa.Text(), nullable=True),
        sa.Column("candidate_status", sa.Text(), nullable=False),
        sa.Column("candidate_failure", sa.Text(), nullable=True),
        sa.Column("candidate_route", sa.Text(), nullable=False),
        sa.Column("candidate_outcome", sa.Text(), nullable=False),
        sa.Column("candidate_reason_code", sa.Text(), nullable=True),
        sa.Column("candidate_facts", sa.Text(), nullable=False),
        sa.Column("candidate_model_id", sa.Text(), nullable=True),
        sa.Column("candidate_answer_sha256", sa.Text(), nullable=True),
        sa.Column("candidate_ms", sa.Integer(), nullable=False),
        sa.Column("decided_at", sa.TIMESTAMP(), nullable=False),
        sa.PrimaryKeyConstraint("work_item_id"),
        sa.CheckConstraint("production_route IN ('commit', 'review')", name="shadow_production_route"),
        sa.CheckConstraint("candidate_route IN ('commit', 'review')", name="shadow_candidate_route"),
        sa.CheckConstraint(
            "candidate_status IN ('answered', 'reused', 'not_asked', 'failed')",
            name="shadow_candidate_status",
        ),
        sa.CheckConstraint(
            "(candidate_status = 'failed') = (candidate_failure IS NOT NULL)", name="shadow_failure_named"
        ),
        sa.CheckConstraint(
            "candidate_failure IS NULL OR candidate_failure IN "
            "('timeout', 'unavailable', 'invalid_output', 'no_time', 'error')",
            name="shadow_candidate_failure",
        ),
    )
    op.create_index("ix_shadow_decisions_task_decided_at", "shadow_decisions", ["task", "decided_at"])


def downgrade() -> None:
    """Drop ``shadow_decisions`` (shadow records only; nothing production depends on)."""
    op.drop_index("ix_shadow_decisions_task_decided_at", table_name="shadow_decisions")
    op.drop_table("shadow_decisions")
