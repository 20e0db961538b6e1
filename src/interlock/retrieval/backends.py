"""The search index of a store, chosen from its engine: SQLite FTS5 or PostgreSQL full-text search.

Every caller (the API, the CLI, precedent lookup, the demo) opens the index through
:func:`search_index_for`, so the choice follows the store URL and nothing else.
"""

from __future__ import annotations

from typing import Final

from sqlalchemy import Engine, inspect, select

from interlock.exceptions import ConfigurationError
from interlock.retrieval.freshness import LAST_SYNC
from interlock.retrieval.index import SearchIndex
from interlock.retrieval.pg_index import INDEX_TABLES, PostgresSearchIndex
from interlock.retrieval.tables import INDEX_LAYOUT, sync_state

_LAYOUT_STATE: Final = "index_layout"


def search_index_for(store: Engine) -> SearchIndex:
    """The search index in ``store``: FTS5 on SQLite, tsvector and GIN on PostgreSQL."""
    match store.dialect.name:
        case "sqlite":
            return SearchIndex(store)
        case "postgresql":
            return PostgresSearchIndex(store)
        case other:
            raise ConfigurationError(f"no search index for a {other} store (SQLite or PostgreSQL)")


def synced_index_in(store: Engine) -> bool:
    """True when ``store`` holds a search index of the current layout that was synced at least once.

    Reads the catalogue and the sync state only: a store without an index is not given one.
    """
    match store.dialect.name:
        case "sqlite":
            tables, layout = {"search_fts", "search_access", sync_state.name}, INDEX_LAYOUT
        case "postgresql":
            tables, layout = set(INDEX_TABLES), PostgresSearchIndex.layout
        case _:
            return False
    with store.connect() as conn:
        if not tables <= set(inspect(conn).get_table_names()):
            return False
        states = {str(r.name): str(r.value) for r in conn.execute(select(sync_state))}
    return states.get(_LAYOUT_STATE) == layout and LAST_SYNC in states
