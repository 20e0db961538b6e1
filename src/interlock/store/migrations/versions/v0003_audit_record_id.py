"""Audit events are looked up by record, whatever the task: ``claim_id`` becomes ``record_id``.

The column and its index are renamed; every value stays where it was, so events
appended before keep their look-up key and their bodies (which still say
``claim_id``: they are hashed and are never rewritten). Verification reads an old
body's ``claim_id`` as its record id, so an old chain verifies after the upgrade.

No row is copied: SQLite renames the column in place (``ALTER TABLE ... RENAME COLUMN``,
through batch mode with ``recreate="never"``, so Alembic never falls back to copying
the table) and builds the index again under its new name; PostgreSQL renames the column
and the index in the catalog.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def _rename(old: str, new: str) -> None:
    """Rename column ``old`` of ``audit_events`` and its index to ``new``."""
    if op.get_context().dialect.name == "sqlite":
        # SQLite (3.25 and later) renames a column in place, rewriting the index that
        # uses it; it cannot rename an index, so that one is rebuilt under its new name.
        with op.batch_alter_table("audit_events", recreate="never") as batch:
            batch.drop_index(f"ix_audit_events_{old}")
            batch.alter_column(old, new_column_name=new)
        op.create_index(f"ix_audit_events_{new}", "audit_events", [new])
        return
    op.alter_column("audit_events", old, new_column_name=new)
    op.execute(f"ALTER INDEX ix_audit_events_{old} RENAME TO ix_audit_events_{new}")


def upgrade() -> None:
    """``audit_events.claim_id`` becomes ``record_id``, values and index kept."""
    _rename("claim_id", "record_id")


def downgrade() -> None:
    """Back to ``claim_id``, for code at revision 0001.

    Events appended since the upgrade name their record ``record_id`` in the body;
    code at 0001 does not read that key, and reports such rows as a mismatched column.
    """
    _rename("record_id", "claim_id")
