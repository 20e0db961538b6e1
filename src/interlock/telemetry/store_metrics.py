"""Metrics read from Interlock's store at scrape time: the same totals from every process.

Work items by route and by status, the review backlog and the age of its oldest item,
audit events that ended in an error, and the precision of each task's automatic
decisions measured from blind samples (:mod:`interlock.quality`) with its interval,
its samples and whether its automatic path is closed. Reading them from the store (instead of
counting in memory) keeps them right across restarts and across many API and worker
processes: the API serves them beside its own process's metrics, and ``interlock
metrics`` prints them for a deployment without an API. ``docs/observability.md`` lists
each family; a test holds this module to that table.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import Engine, func, select

from interlock.audit.chain import audit_error_counts
from interlock.quality.config import QualitySettings
from interlock.quality.report import known_tasks
from interlock.quality.review import current_measurement
from interlock.quality.store import path_state
from interlock.store.schema import quality_samples, review_items, work_items
from interlock.telemetry.metrics import reason_kind


class StoreCollector(Collector):
    """Prometheus families computed from the store when scraped."""

    def __init__(
        self, store: Engine, now: Callable[[], datetime], quality: QualitySettings | None = None
    ) -> None:
        self.store = store
        self.now = now
        # Each task's window and confidence level, for the measured precision.
        self.quality = quality or QualitySettings()

    def collect(self) -> Iterator[Metric]:
        """Yield the families of one scrape."""
        with self.store.connect() as conn:
            routes = conn.execute(
                select(work_items.c.task, work_items.c.route, work_items.c.reason, func.count())
                .where(work_items.c.status == "done")
                .group_by(work_items.c.task, work_items.c.route, work_items.c.reason)
            ).all()
            statuses = conn.execute(
                select(work_items.c.task, work_items.c.status, func.count()).group_by(
                    work_items.c.task, work_items.c.status
                )
            ).all()
            n_open, oldest = conn.execute(
                select(func.count(), func.min(review_items.c.opened_at)).where(
                    review_items.c.status == "open"
                )
            ).one()
            # Counted by the audit trail as it appends: a few rows, whatever the trail's size.
            errors = conn.execute(
                select(audit_error_counts.c.kind, func.sum(audit_error_counts.c.n)).group_by(
                    audit_error_counts.c.kind
                )
            ).all()
        # Reasons are free text: they are folded into a closed set of kinds for the label.
        folded: Counter[tuple[str, str, str]] = Counter()
        for task, route, reason, n in routes:
            folded[(str(task), str(route), reason_kind(str(reason or "")))] += int(n)
        by_route = GaugeMetricFamily(
            "interlock_work_items_done",
            "Finished work items in the store, by task, route and reason kind.",
            labels=["task", "route", "reason"],
        )
        for labels, n in sorted(folded.items()):
            by_route.add_metric(list(labels), n)
        yield by_route
        by_status = GaugeMetricFamily(
            "interlock_work_items_by_status",
            "Work items in the store, by task and status.",
            labels=["task", "status"],
        )
        for task, status, n in sorted((str(t), str(s), int(n)) for t, s, n in statuses):
            by_status.add_metric([task, status], n)
        yield by_status
        yield GaugeMetricFamily("interlock_review_backlog", "Open review items.", value=int(n_open))
        age = 0.0
        if oldest is not None:
            age = max(0.0, (self.now().replace(tzinfo=None) - oldest.replace(tzinfo=None)).total_seconds())
        yield GaugeMetricFamily(
            "interlock_review_oldest_age_seconds", "Age of the oldest open review item.", value=age
        )
        audited = CounterMetricFamily(
            "interlock_audit_error_events",
            "Audit events that ended in an error, by event kind (model.called: failed model calls).",
            labels=["kind"],
        )
        for kind, n in sorted((str(k), int(n or 0)) for k, n in errors):
            audited.add_metric([kind], n)
        yield audited
        yield from self._quality()

    def _quality(self) -> Iterator[Metric]:
        """Each task's sampled precision (what the closing rule sees now), samples and path state.

        Every task of the store is listed; a task without a decided sample in its current
        window reads NaN (unknown), never 1 or 0.
        """
        with self.store.connect() as conn:
            tasks = known_tasks(conn)
            c = quality_samples.c
            states = conn.execute(
                select(
                    c.task,
                    func.count().label("taken"),
                    func.count(c.upheld).label("decided"),
                    func.coalesce(func.sum(c.upheld), 0).label("upheld"),
                ).group_by(c.task)
            ).all()
            closed = {task: path_state(conn, task).closed for task in tasks}
        counts = {str(t): (int(n), int(d), int(u)) for t, n, d, u in states}
        precision = GaugeMetricFamily(
            "interlock_auto_precision_sampled",
            "Precision of automatic decisions measured from blind sampled reviews (the closing rule's window).",
            labels=["task"],
        )
        lower = GaugeMetricFamily(
            "interlock_auto_precision_sampled_lower",
            "Lower bound of the Wilson score interval of the sampled precision.",
            labels=["task"],
        )
        upper = GaugeMetricFamily(
            "interlock_auto_precision_sampled_upper",
            "Upper bound of the Wilson score interval of the sampled precision.",
            labels=["task"],
        )
        samples = GaugeMetricFamily(
            "interlock_quality_samples",
            "Sampled automatic decisions in the store, by task and state (awaiting, upheld, not_upheld).",
            labels=["task", "state"],
        )
        path = GaugeMetricFamily(
            "interlock_auto_path_closed",
            "1 while a task's automatic path is closed (every item goes to a person), else 0.",
            labels=["task"],
        )
        nan = float("nan")
        for task in tasks:
            m = current_measurement(self.store, task, self.quality.for_task(task))
            precision.add_metric([task], nan if m.precision is None else m.precision)
            lower.add_metric([task], nan if m.low is None else m.low)
            upper.add_metric([task], nan if m.high is None else m.high)
            taken, decided, upheld = counts.get(task, (0, 0, 0))
            samples.add_metric([task, "awaiting"], taken - decided)
            samples.add_metric([task, "upheld"], upheld)
            samples.add_metric([task, "not_upheld"], decided - upheld)
            path.add_metric([task], 1.0 if closed[task] else 0.0)
        yield precision
        yield lower
        yield upper
        yield samples
        yield path


def store_exposition(
    store: Engine, now: Callable[[], datetime], quality: QualitySettings | None = None
) -> bytes:
    """Prometheus text of the store's families (for ``interlock metrics``)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(StoreCollector(store, now, quality))
    return generate_latest(registry)
