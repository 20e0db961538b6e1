"""Fixtures of the fault tests; the world itself lives in ``faultworld``.

``private_cluster`` is a PostgreSQL cluster of the test's own (``initdb`` on a free
port), for tests that stop the server: the shared server is never stopped. Without
the PostgreSQL binaries the test is skipped with the reason shown, except in CI
(``CI=true``), where it fails instead, as ``pg_url`` does.
"""

import os
from collections.abc import Iterator

import pytest
from faultworld import fault_world

from interlock.testing.pgcluster import ClusterUnavailable, PgCluster

__all__ = ["fault_world", "private_cluster"]


@pytest.fixture
def private_cluster() -> Iterator[PgCluster]:
    """A started private cluster, stopped and deleted afterwards whatever happened."""
    try:
        cluster = PgCluster.create()
    except ClusterUnavailable as exc:
        message = f"no private PostgreSQL cluster: {exc}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    with cluster:
        yield cluster
