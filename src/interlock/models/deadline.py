"""A hard deadline for one blocking network call, with its connection discarded.

An SDK's own timeouts apply per network phase: a server that trickles one byte a
second never trips them. Here the call runs on a worker thread with a private HTTP
client; the caller waits at most the deadline plus a small cancellation budget, then
closes that client (which aborts the socket) and moves on without awaiting the call.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import TypeVar

import httpx2 as httpx

from interlock.exceptions import ModelUnavailable

T = TypeVar("T")

#: Seconds allowed, beyond the deadline, for an abandoned call to be torn down.
CANCELLATION_BUDGET = 0.25

_POOL = ThreadPoolExecutor(max_workers=32, thread_name_prefix="interlock-model-call")


def call_within(deadline_seconds: float, call: Callable[[httpx.Client], T], *, what: str) -> T:
    """Run ``call(http_client)`` and return its result, or abandon it at the deadline.

    ``call`` must do all of its network I/O through the client it is given, so that
    closing that client is enough to cut the connection of an abandoned call.
    """
    client = httpx.Client(timeout=httpx.Timeout(deadline_seconds))
    future = _POOL.submit(call, client)
    try:
        return future.result(timeout=deadline_seconds + CANCELLATION_BUDGET)
    except FutureTimeout:
        future.cancel()
        raise ModelUnavailable(
            f"{what} exceeded its {deadline_seconds:.2f}s deadline; the call was abandoned"
        ) from None
    finally:
        # Closing aborts an in-flight request on the worker thread; a finished one is unaffected.
        client.close()
