"""Metrics read from Interlock's store at scrape time: the same totals from every process.

Work items by route and by status, the review backlog and the age of its oldest item,
and audit events that ended in an error. Reading them from the store (instead of
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
from interlock.store.schema import review_items, work_items
from interlock.telemetry.metrics import reason_kind


class StoreCollector(Collector):
    """Prometheus families computed from the store when scraped."""

    def __init__(self, store: Engine, now: Callable[[], datetime]) -> None:
        self.store = store
        self.now = now

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


def store_exposition(store: Engine, now: Callable[[], datetime]) -> bytes:
    """Prometheus text of the store's families (for ``interlock metrics``)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(StoreCollector(store, now))
    return generate_latest(registry)
