"""A hard deadline for one blocking network call, with its connection discarded.

An SDK's own timeouts apply per network phase: a server that trickles one byte a
second never trips them. Here the call runs on a worker thread with a private HTTP
client; the caller waits at most the deadline, then hands that client to a reaper
thread to be closed (which aborts the socket) and moves on without awaiting either.
The cancellation budget is therefore spent inside the work item's deadline, not
after it: the engine reserves it (with the gate and the writes) before the model call.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import TypeVar

import httpx2 as httpx

from interlock.exceptions import ModelUnavailable

T = TypeVar("T")

#: Seconds a caller may still spend on an abandoned call (handing it off, being scheduled
#: again on a busy machine); callers keep this much of their deadline in reserve.
CANCELLATION_BUDGET = 0.1

_POOL = ThreadPoolExecutor(max_workers=32, thread_name_prefix="interlock-model-call")
# Closing a client whose request is still in flight may wait on its pool's lock; a
# separate thread does that so the caller never does.
_REAPER = ThreadPoolExecutor(max_workers=2, thread_name_prefix="interlock-model-reaper")


def call_within(deadline_seconds: float, call: Callable[[httpx.Client], T], *, what: str) -> T:
    """Run ``call(http_client)`` and return its result, or abandon it at the deadline.

    ``call`` must do all of its network I/O through the client it is given, so that
    closing that client is enough to cut the connection of an abandoned call.
    """
    client = httpx.Client(timeout=httpx.Timeout(deadline_seconds))
    future = _POOL.submit(call, client)
    try:
        result = future.result(timeout=deadline_seconds)
    except FutureTimeout:
        future.cancel()
        # Closing aborts the in-flight request on the worker thread; its connection is discarded.
        _REAPER.submit(client.close)
        raise ModelUnavailable(
            f"{what} exceeded its {deadline_seconds:.2f}s deadline; the call was abandoned"
        ) from None
    except BaseException:
        client.close()
        raise
    client.close()
    return result
