"""Metrics read from Interlock's store at scrape time: the same totals from every process.

Work items by route and by status, the review backlog and the age of its oldest item,
and audited model errors. Reading them from the store (instead of counting in memory)
keeps them right across restarts and across many API and worker processes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Engine, func, select

from interlock.audit.chain import audit_error_counts
from interlock.store.schema import review_items, work_items
from interlock.telemetry.metrics import reason_kind


class StoreCollector(Collector):
    """Prometheus gauges computed from the store when scraped."""

    def __init__(self, store: Engine, now: Callable[[], datetime]) -> None:
        self.store = store
        self.now = now

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """Yield the gauges of one scrape."""
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
            model_errors = conn.execute(
                select(func.coalesce(func.sum(audit_error_counts.c.n), 0)).where(
                    audit_error_counts.c.kind == "model.called"
                )
            ).scalar_one()
        # Reasons are free text: they are folded into a closed set of kinds for the label.
        folded: Counter[tuple[str, str, str]] = Counter()
        for task, route, reason, n in routes:
            folded[(str(task), str(route), reason_kind(str(reason or "")))] += int(n)
        by_route = GaugeMetricFamily(
            "interlock_work_items_done",
            "Finished work items by task, route and reason kind.",
            labels=["task", "route", "reason"],
        )
        for labels, n in sorted(folded.items()):
            by_route.add_metric(list(labels), n)
        yield by_route
        by_status = GaugeMetricFamily(
            "interlock_work_items", "Work items by task and status.", labels=["task", "status"]
        )
        for task, status, n in statuses:
            by_status.add_metric([str(task), str(status)], int(n))
        yield by_status
        yield GaugeMetricFamily("interlock_review_backlog", "Open review items.", value=int(n_open))
        age = 0.0
        if oldest is not None:
            age = max(0.0, (self.now().replace(tzinfo=None) - oldest.replace(tzinfo=None)).total_seconds())
        yield GaugeMetricFamily(
            "interlock_review_oldest_age_seconds", "Age of the oldest open review item.", value=age
        )
        yield GaugeMetricFamily(
            "interlock_model_errors_audited", "Model calls audited as errors.", value=int(model_errors)
        )


def store_exposition(store: Engine, now: Callable[[], datetime]) -> bytes:
    """Prometheus text of the store's gauges (for ``interlock metrics``)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(StoreCollector(store, now))
    return generate_latest(registry)
