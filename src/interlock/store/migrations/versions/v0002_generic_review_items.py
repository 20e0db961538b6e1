"""Review items keyed by task and record, with the record's access attributes as rows.

Before: ``claim_id``, ``claim_version``, ``total_billed`` and the three claim attribute
columns ``region``, ``line_of_business`` and ``sensitivity``. After: ``task``,
``record_id``, ``record_version``, ``amount`` and ``attributes`` (JSON), plus one
``review_attributes`` row per attribute, which the review queue filters on. Every review
item of a store made before this revision was opened by ``claims.adjudicate``.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None

_CLAIM_ATTRIBUTES = ("region", "line_of_business", "sensitivity")


def upgrade() -> None:
    """Generic columns, the attribute rows, and the claim columns' values moved into them."""
    op.create_table(
        "review_attributes",
        sa.Column("review_id", sa.Text(), sa.ForeignKey("review_items.review_id"), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("review_id", "name", name="pk_review_attributes"),
    )
    op.create_index("ix_review_attributes_name_value", "review_attributes", ["name", "value"])
    with op.batch_alter_table("review_items") as batch:
        batch.add_column(sa.Column("task", sa.Text(), nullable=False, server_default="claims.adjudicate"))
        batch.add_column(sa.Column("attributes", sa.Text(), nullable=False, server_default="{}"))
    # Plain SQL, so that `interlock db upgrade --sql` prints the data move for a DBA too.
    for name in _CLAIM_ATTRIBUTES:
        op.execute(
            # The names are this module's constants, never input.
            f"INSERT INTO review_attributes (review_id, name, value) SELECT review_id, '{name}', {name} "  # noqa: S608
            "FROM review_items"
        )
    pairs = ", ".join(f"'{name}', {name}" for name in _CLAIM_ATTRIBUTES)
    as_json = (
        f"json_build_object({pairs})::text"
        if op.get_context().dialect.name == "postgresql"
        else f"json_object({pairs})"
    )
    op.execute(f"UPDATE review_items SET attributes = {as_json}")  # noqa: S608 - constant column names
    op.drop_index("ix_review_items_claim_id", table_name="review_items")
    with op.batch_alter_table("review_items") as batch:
        batch.alter_column("claim_id", new_column_name="record_id")
        batch.alter_column("claim_version", new_column_name="record_version")
        batch.alter_column("total_billed", new_column_name="amount")
        batch.alter_column("task", server_default=None)
        batch.alter_column("attributes", server_default=None)
        for name in _CLAIM_ATTRIBUTES:
            batch.drop_column(name)
    op.create_index("ix_review_items_record_id", "review_items", ["record_id"])


def downgrade() -> None:
    """Back to claim columns; only claims review items can go back, as they came."""
    op.drop_index("ix_review_items_record_id", table_name="review_items")
    with op.batch_alter_table("review_items") as batch:
        for name in _CLAIM_ATTRIBUTES:
            batch.add_column(sa.Column(name, sa.Text(), nullable=False, server_default=""))
    bind = op.get_bind()
    items = sa.table(
        "review_items",
        sa.column("review_id", sa.Text()),
        sa.column("attributes", sa.Text()),
        *(sa.column(name, sa.Text()) for name in _CLAIM_ATTRIBUTES),
    )
    for row in bind.execute(sa.select(items.c.review_id, items.c.attributes)).all():
        values = json.loads(row.attributes)
        bind.execute(
            items.update()
            .where(items.c.review_id == row.review_id)
            .values(**{name: str(values.get(name, "")) for name in _CLAIM_ATTRIBUTES})
        )
    with op.batch_alter_table("review_items") as batch:
        batch.alter_column("record_id", new_column_name="claim_id")
        batch.alter_column("record_version", new_column_name="claim_version")
        batch.alter_column("amount", new_column_name="total_billed")
        batch.drop_column("task")
        batch.drop_column("attributes")
        for name in _CLAIM_ATTRIBUTES:
            batch.alter_column(name, server_default=None)
    op.create_index("ix_review_items_claim_id", "review_items", ["claim_id"])
    op.drop_index("ix_review_attributes_name_value", table_name="review_attributes")
    op.drop_table("review_attributes")
