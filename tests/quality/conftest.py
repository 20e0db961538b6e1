"""The quality measurements on PostgreSQL join the longer matrices (``-m slow``).

Measuring sampled precision runs a whole backlog through the engine with people
deciding by the truth file: 15-35 s a run. The default run keeps the SQLite half of
the claims measurements; ``python3 dev.py test -m slow`` runs their PostgreSQL half and
both halves of the invoices ones, so the full CI run stays short while both stores and
both domains stay covered.
"""

from __future__ import annotations

import pytest

_MEASUREMENTS = ("test_claims_quality", "test_invoices_quality")
#: The invoices measurements repeat the claims ones on the second domain's task.
_SECOND_DOMAIN = "test_invoices_quality"


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the PostgreSQL parametrization of both measurement modules, and the invoices one, ``slow``."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        module = getattr(item, "module", None)
        if (
            callspec is not None
            and module is not None
            and module.__name__.rsplit(".", 1)[-1] in _MEASUREMENTS
            and (callspec.params.get("db_url") == "postgresql" or module.__name__.endswith(_SECOND_DOMAIN))
        ):
            item.add_marker(pytest.mark.slow)
