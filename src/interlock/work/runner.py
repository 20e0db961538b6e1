"""The local runner: drive every pending claim to a defined end state in one process.

Claims are processed by a small thread pool (model calls are I/O bound); deferred
work items are retried with backoff until they finish or exhaust their deferral
budget, after which the engine routes them to a person with the reason. The runner
returns only when every claim it was given has ended: finalized or pended.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from interlock.engine import Engine, ItemResult

Progress = Callable[[ItemResult], None]


def run_claims(
    engine: Engine[Any, Any, Any, Any],
    claim_ids: Sequence[str],
    *,
    concurrency: int = 1,
    progress: Progress | None = None,
    max_wait_seconds: float = 600.0,
    busy_wait_seconds: float = 10.0,
) -> list[ItemResult]:
    """Process ``claim_ids`` until each is committed, reviewed, or the wait runs out.

    A deferred claim is retried until ``max_wait_seconds``: a deferral ends at a known
    time. A claim whose lease another worker holds is waited for at most
    ``busy_wait_seconds`` and then reported ``busy``, naming the holder and the lease's
    end. A finished work item answers at once with its
    recorded outcome (the engine never reports it busy).
    """
    final: dict[str, ItemResult] = {}
    waiting = list(claim_ids)
    started = time.monotonic()
    give_up_at = started + max_wait_seconds
    busy_until = min(give_up_at, started + busy_wait_seconds)
    while waiting:
        with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
            results = list(pool.map(engine.process, waiting))
        retry: list[str] = []
        now = time.monotonic()
        for result in results:
            if _should_retry(result, now, give_up_at, busy_until):
                retry.append(result.record_id)
                continue
            final[result.record_id] = result
            if progress is not None:
                progress(result)
        waiting = retry
        if waiting:
            time.sleep(min(engine.settings.defer_base_seconds, 1.0))
    return [final[c] for c in claim_ids if c in final]


def _should_retry(result: ItemResult, now: float, give_up_at: float, busy_until: float) -> bool:
    """True when ``result`` is worth another try within the budgets (see :func:`run_claims`)."""
    if result.route == "busy" and result.held_elsewhere:
        return now < busy_until
    return result.route in ("defer", "busy") and now < give_up_at
