"""Drain a task's backlog: the loop of the recovering worker used by drills and tests.

Any number of workers may run at once over the same system of record and store, and any
of them may be killed at any moment: delivery is at least once, and the work store's
leases, fencing and recovery points make the effects exactly once. Each round a worker
takes the union of

* records still awaiting a decision in the system of record (new work), and
* work items that are not done in the store: leased by a worker whose lease expired,
  deferred, or pending. A worker killed after its write to the system of record leaves
  a record that no longer looks pending there; only the store remembers it needs an ack.

It processes them in its own shuffled order (so workers rarely queue on the same item),
and returns once both sets are empty. A dropped database connection or a
restarting server costs a pause and a retry, never the process; the lease of the item
in hand simply runs out and the item is picked up again.
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from interlock.engine import Engine as TaskEngine
from interlock.exceptions import AccessDenied, DependencyUnavailable, LeaseLost

EXIT_DRAINED = 0
EXIT_TIMED_OUT = 3


@dataclass(slots=True)
class WorkerStats:
    """What one worker process did, printed as JSON when it exits."""

    worker: str
    finished: int = 0
    busy: int = 0
    lease_lost: int = 0
    database_errors: int = 0
    rounds: int = 0
    seconds: float = 0.0


def drain(
    engine: TaskEngine[Any, Any, Any, Any],
    *,
    max_seconds: float,
    poll_seconds: float,
    stats: WorkerStats,
    engines: Sequence[Engine] = (),
) -> bool:
    """Process rounds until nothing is left (True) or ``max_seconds`` pass (False)."""
    rng = random.Random(f"{stats.worker}:{time.time_ns()}")
    give_up = time.monotonic() + max_seconds
    while time.monotonic() < give_up:
        stats.rounds += 1
        try:
            todo = sorted(
                set(engine.pending_records()) | set(engine.store.unfinished_records(engine.task_name))
            )
        except (DBAPIError, DependencyUnavailable):
            stats.database_errors += 1
            _reset(engines)
            time.sleep(poll_seconds)
            continue
        if not todo:
            return True
        rng.shuffle(todo)
        progressed = False
        for claim_id in todo:
            try:
                result = engine.process(claim_id)
            except LeaseLost:
                stats.lease_lost += 1
                continue
            except AccessDenied:
                continue
            except (DBAPIError, DependencyUnavailable):
                # The item's lease runs out and some worker (maybe this one) retries it.
                stats.database_errors += 1
                _reset(engines)
                time.sleep(poll_seconds)
                continue
            if result.route in ("busy", "defer") or result.replayed:  # replayed: another worker finished it
                stats.busy += 1
            else:
                stats.finished += 1
                progressed = True
        if not progressed:
            time.sleep(poll_seconds)
    return False


def _reset(engines: Sequence[Engine]) -> None:
    """Drop pooled connections: after a server restart every one of them is dead."""
    for e in engines:
        e.dispose()
