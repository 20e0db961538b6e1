"""``interlock eval --shadow``: read shadow records and their judges, then compare.

The judges are people first: a review item a person decided holds the commit they
wrote (its recovery point on the review item), which the task turns into the same
outcome, reason code and commit facts a shadow decision has. A truth file, when given,
is read by the task's domain (:attr:`interlock.task.Domain.expected_decisions`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from interlock.exceptions import ConfigurationError
from interlock.shadow.figures import INTERVAL, compare
from interlock.shadow.records import read_records
from interlock.store.schema import review_items
from interlock.task import Domain, ExpectedDecision, Task

__all__ = ["people_decisions", "shadow_report"]


def people_decisions(store: Engine, task: Task[Any, Any, Any, Any]) -> dict[str, ExpectedDecision]:
    """What people wrote for ``task``'s work items, by work item id (decided review items)."""
    query = select(review_items.c.work_item_id, review_items.c.decision).where(
        review_items.c.task == task.name, review_items.c.status == "decided"
    )
    with store.connect() as conn:
        rows = conn.execute(query).all()
    decided: dict[str, ExpectedDecision] = {}
    for work_item_id, text in rows:
        write = (json.loads(text) if text else {}).get("write") or {}
        if write.get("kind") != "commit":
            continue
        decided[str(work_item_id)] = ExpectedDecision(
            outcome=str(write["outcome"]),
            reason_code=write.get("reason_code"),
            facts=task.commit_facts(task.payload_from_json(write["payload"])),
        )
    return decided


def shadow_report(
    store: Engine, pack: Domain, task_name: str, *, truth_path: Path | None = None
) -> dict[str, Any]:
    """The comparison of production and every candidate that ran in shadow on ``task_name``."""
    task = pack.task(task_name)
    truth: Mapping[str, ExpectedDecision] | None = None
    if truth_path is not None:
        if pack.expected_decisions is None:
            raise ConfigurationError(f"domain {pack.name!r} cannot read a truth file for the comparison")
        truth = pack.expected_decisions(truth_path)
    people = people_decisions(store, task)
    comparisons = compare(read_records(store, task_name), people, truth)
    return {
        "task": task_name,
        "interval": INTERVAL,
        "people_decisions": len(people),
        "truth_file": None if truth_path is None else str(truth_path),
        "candidates": [c.as_dict() for c in comparisons],
    }
