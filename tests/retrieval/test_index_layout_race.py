"""Several processes opening one new store at once all get the search index, none fails.

``interlock serve --processes N`` starts N processes on one store, and each opens the
search index, creating its tables when they are missing; the check and the creation
must happen under the database's write lock, or all but one fail with "table already
exists". Threads with their own connections race the same way processes do.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import Engine

from interlock.db import make_engine
from interlock.retrieval.index import SearchIndex

OPENERS = 6
ROUNDS = 15


def _open_together(engine: Engine) -> list[SearchIndex]:
    """Open the index from :data:`OPENERS` threads released at the same moment."""
    barrier = threading.Barrier(OPENERS)

    def open_index(_: int) -> SearchIndex:
        barrier.wait()
        return SearchIndex(engine)

    with ThreadPoolExecutor(OPENERS) as pool:
        return list(pool.map(open_index, range(OPENERS)))


def test_racing_openers_of_a_new_store_all_get_the_index(tmp_path: Path) -> None:
    for round_no in range(ROUNDS):
        engine = make_engine(f"sqlite:///{tmp_path / f'store{round_no}.db'}", pool_size=OPENERS)
        assert len(_open_together(engine)) == OPENERS
        with engine.connect() as conn:
            tables = {
                row[0] for row in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type='table'")
            }
        assert {"search_documents", "search_fts"} <= tables
        engine.dispose()
