"""The quality measurements on PostgreSQL join the longer matrices (``-m slow``).

Measuring sampled precision runs a whole backlog through the engine with people
deciding by the truth file: 15-35 s a run. The default run keeps the SQLite half of
each measurement; ``python3 dev.py test -m slow`` runs the PostgreSQL half, so the
full CI run stays short while both stores stay covered.
"""

from __future__ import annotations

import pytest

_MEASUREMENTS = ("test_claims_quality", "test_invoices_quality")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the PostgreSQL parametrization of the two measurement modules ``slow``."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        module = getattr(item, "module", None)
        if (
            callspec is not None
            and module is not None
            and module.__name__.rsplit(".", 1)[-1] in _MEASUREMENTS
            and callspec.params.get("db_url") == "postgresql"
        ):
            item.add_marker(pytest.mark.slow)
