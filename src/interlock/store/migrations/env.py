"""Alembic's environment for Interlock's store, configured in code (no ``alembic.ini``).

:mod:`interlock.store.migrations` builds the :class:`~alembic.config.Config` and puts
either an open connection (``attributes["connection"]``, already inside the
transaction that holds the migration lock) or, for ``--sql``, a URL on it. This file
only hands those to Alembic, so an installed wheel migrates exactly like a checkout.
"""

from __future__ import annotations

from alembic import context

from interlock.store.migrations import VERSION_TABLE, include_name, store_tables

config = context.config
offline = context.is_offline_mode()
connection = None if offline else config.attributes["connection"]
context.configure(
    connection=connection,
    url=config.get_main_option("sqlalchemy.url") if offline else None,
    literal_binds=offline,
    target_metadata=store_tables(),
    include_name=include_name,
    version_table=VERSION_TABLE,
    compare_type=True,
    render_as_batch=connection is not None and connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
