"""Database outages for the crash harness: a private cluster stopped under working processes.

``pg_ctl stop -m immediate`` is the crash of a database host: no shutdown checkpoint,
every connection cut, the next start replays the write-ahead log. :class:`Outages`
does that to a :class:`~interlock.testing.pgcluster.PgCluster` either on a schedule
(:meth:`Outages.restart`) or at the exact moment a worker reaches a failpoint armed
with ``pause`` (:meth:`Outages.serve_pauses`): the worker waits there, the server
goes down, the worker goes on into the dead server, and the server comes back after
``outage_seconds``.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from interlock.testing.pgcluster import PgCluster
from interlock.work.failpoints import PAUSE_SUFFIX


@dataclass(slots=True)
class OutageCounts:
    """What the outages of one run did."""

    restarts: int = 0
    stops: Counter[str] = field(default_factory=Counter)
    pauses: int = 0
    down_seconds: float = 0.0


@dataclass(slots=True, kw_only=True)
class OutagePlan:
    """How long the server stays down, and how often a pause becomes a stop."""

    outage_seconds: float = 1.5
    stop_gap_seconds: float = 3.0
    stop_every_pauses: int = 1
    max_stops: int = 5


class Outages:
    """Stops and restarts one private cluster; answers the workers paused at failpoints."""

    def __init__(
        self,
        cluster: PgCluster | None,
        pause_dir: Path,
        plan: OutagePlan,
        *,
        after_restart: Callable[[], None] = lambda: None,
    ) -> None:
        self.cluster, self.pause_dir, self.plan = cluster, pause_dir, plan
        self.after_restart = after_restart
        self.counts = OutageCounts()
        self.quiet_until = 0.0
        self.pauses_since_stop = 0

    def restart(self, *, release: Path | None = None) -> None:
        """Stop the server immediately, let a paused worker go on, start it after the outage.

        While the server is down (and while it starts again) every worker reaching a
        failpoint is let through at once: a worker stopped at ``after_sor_write`` reaches
        ``before_ack`` without touching the database, and holding it there would hide
        the outage from it.
        """
        if self.cluster is None:
            raise RuntimeError("no private cluster to stop")
        cluster = self.cluster
        cluster.crash()
        down_at = time.monotonic()
        if release is not None:
            release.unlink(missing_ok=True)
        self._let_through(until=time.monotonic() + self.plan.outage_seconds)
        failure: list[BaseException] = []

        def start() -> None:
            try:
                cluster.start()
            except BaseException as exc:  # re-raised below, in the harness's own thread
                failure.append(exc)

        starter = threading.Thread(target=start, name="postgres-start")
        starter.start()
        self._let_through(until=None, while_alive=starter)
        starter.join()
        if failure:
            raise failure[0]
        self.counts.restarts += 1
        self.counts.down_seconds += time.monotonic() - down_at
        self.after_restart()
        self.quiet_until = time.monotonic() + self.plan.stop_gap_seconds

    def _let_through(self, *, until: float | None, while_alive: threading.Thread | None = None) -> None:
        while (until is not None and time.monotonic() < until) or (while_alive and while_alive.is_alive()):
            for marker in self.pause_dir.glob(f"*{PAUSE_SUFFIX}"):
                marker.unlink(missing_ok=True)
                self.counts.pauses += 1
            time.sleep(0.01)

    def serve_pauses(self, chaos: bool) -> None:
        """Answer every paused worker: stop the server under one when a stop is due, release the rest."""
        for marker in sorted(self.pause_dir.glob(f"*{PAUSE_SUFFIX}")):
            if not marker.exists():
                continue  # let through (and counted) while the server was down
            self.counts.pauses += 1
            self.pauses_since_stop += 1
            name = marker.name.removesuffix(PAUSE_SUFFIX).split("-", 2)[-1]
            due = (
                sum(self.counts.stops.values()) < self.plan.max_stops
                and self.pauses_since_stop >= self.plan.stop_every_pauses
            )
            if chaos and due and time.monotonic() >= self.quiet_until:
                self.pauses_since_stop = 0
                self.counts.stops[name] += 1
                self.restart(release=marker)
            else:
                marker.unlink(missing_ok=True)
