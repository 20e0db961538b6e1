"""Fixtures of the work-queue tests; the world itself lives in ``queueworld``."""

from collections.abc import Iterator

import pytest
from queueworld import QueueWorld, queue_world


@pytest.fixture
def fast_world(pg_url: str) -> Iterator[QueueWorld]:
    """Forty claims; the model answers at once."""
    yield from queue_world(pg_url, claims=40, model_delay=0.0)


@pytest.fixture
def slow_world(pg_url: str) -> Iterator[QueueWorld]:
    """Twenty-four claims; each model answer takes two seconds, so work is caught in hand."""
    yield from queue_world(pg_url, claims=24, model_delay=2.0)
