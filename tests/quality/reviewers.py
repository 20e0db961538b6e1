"""People who decide sampled items by a truth file, through the real review desk, and the true precision.

Each reviewer is a staff member of the seeded system of record who may decide every
sampled item; each decides blind (the review item holds no proposal) what the truth
file says: the correct outcome with its code (and, for an invoice without a purchase
order, its expense account), or a hold when the truth is that a person must look
further. The true precision of the automatic path is computed from the same truth over
every automatic decision: those written to the system of record and those withheld
from the reviewers of sampled items.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, select

from interlock.audit.chain import AuditLog
from interlock.policy.principal import Principal
from interlock.quality.config import QualitySettings, TaskQuality
from interlock.review.decide import ReviewDesk
from interlock.store.schema import quality_samples, review_items
from interlock.task import Connector, PersonDecision, Task

__all__ = ["Tally", "decide_samples", "eval_from_reviews", "quality_cli", "withheld_decisions"]


@dataclass(frozen=True, slots=True)
class Tally:
    """Right automatic decisions out of all automatic decisions."""

    correct: int
    total: int

    @property
    def precision(self) -> float:
        """The share right."""
        return self.correct / self.total


def decide_samples(
    *,
    task: Task[Any, Any, Any, Any],
    connector: Connector[Any, Any, Any],
    store: Engine,
    quality: QualitySettings,
    reviewer: Callable[[Mapping[str, str]], Principal],
    decision: Callable[[str], PersonDecision],
) -> int:
    """Every open sampled item no person has decided yet, decided by ``decision(record_id)``; how many.

    ``reviewer`` picks the staff member for a review item from its access attributes.
    """
    desk = ReviewDesk(task=task, connector=connector, store=store, audit=AuditLog(store), quality=quality)
    with store.connect() as conn:
        rows = conn.execute(
            select(review_items.c.review_id, review_items.c.record_id, review_items.c.attributes)
            .join(quality_samples, quality_samples.c.review_id == review_items.c.review_id)
            .where(
                review_items.c.status == "open",
                quality_samples.c.upheld.is_(None),
                quality_samples.c.task == task.name,
            )
            .order_by(review_items.c.opened_at, review_items.c.review_id)
        ).all()
    for review_id, record_id, attributes in rows:
        desk.decide(review_id, reviewer(json.loads(attributes)), decision(record_id))
    return len(rows)


def withheld_decisions(store: Engine, task: str) -> dict[str, dict[str, Any]]:
    """The automatic decision withheld from the reviewer of each sampled record of ``task``."""
    with store.connect() as conn:
        return {
            str(record_id): json.loads(withheld)
            for record_id, withheld in conn.execute(
                select(quality_samples.c.record_id, quality_samples.c.withheld).where(
                    quality_samples.c.task == task
                )
            ).all()
        }


def quality_cli(*args: str, knobs: TaskQuality | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``interlock ARGS`` as an operator would, in a process of its own.

    ``knobs`` are given to it as ``INTERLOCK_QUALITY__*`` variables, as a deployment would.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTERLOCK_")}
    if knobs is not None:
        env["INTERLOCK_QUALITY__SAMPLE_RATE"] = str(knobs.sample_rate)
        env["INTERLOCK_QUALITY__MIN_SAMPLES"] = str(knobs.min_samples)
        env["INTERLOCK_QUALITY__WINDOW"] = str(knobs.window)
        if knobs.target_precision is not None:
            env["INTERLOCK_QUALITY__TARGET_PRECISION"] = str(knobs.target_precision)
    return subprocess.run(
        [sys.executable, "-m", "interlock", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env=env,
    )


def eval_from_reviews(store_url: str, task: str, knobs: TaskQuality | None = None) -> dict[str, Any]:
    """``interlock eval --from-reviews --task TASK --json``: the task's figures."""
    done = quality_cli("eval", "--from-reviews", "--task", task, "--store", store_url, "--json", knobs=knobs)
    assert done.returncode == 0, done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    assert report["method"] == "Wilson score interval" and report["confidence"] == 0.95
    figures: dict[str, Any] = report["tasks"][task]
    return figures


def money(value: object) -> Decimal:
    """An amount as a ``Decimal``."""
    return Decimal(str(value))
