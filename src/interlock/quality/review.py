"""What a person's decision on a sampled item does: record agreement, and close the path when due.

The review desk calls :func:`person_decision` for the decision a reviewer took (a
commit, or a hold), records it in the transaction that closes or updates the review
item (:func:`interlock.quality.store.record_person`), and then :func:`check_path`,
which applies the closing rule of :mod:`interlock.quality.precision` to the task's most
recent samples and closes the automatic path when the rule says so. The closing is one
``config.changed`` audit event, by ``interlock:quality``, with the measurement.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from sqlalchemy import Engine

from interlock.gate.approval import ApprovedCommit, ApprovedWrite
from interlock.quality.agreement import Decision
from interlock.quality.config import TaskQuality
from interlock.quality.precision import Measurement, closes, measure
from interlock.quality.store import close_path, path_state, window_tally
from interlock.task import Task

__all__ = ["CLOSED_BY", "check_path", "closing_reason", "current_measurement", "person_decision"]

#: The principal of an automatic closing in the audit trail.
CLOSED_BY: Final = "interlock:quality"


def person_decision(task: Task[Any, Any, Any, Any], write: ApprovedWrite[Any]) -> Decision:
    """A reviewer's decision as sampling compares it: a commit's outcome, code and facts, or the hold."""
    if isinstance(write, ApprovedCommit):
        return Decision(
            outcome=write.outcome, reason_code=write.reason_code, facts=task.agreement_facts(write.payload)
        )
    return Decision(outcome=task.hold_action, reason_code=None)


def current_measurement(store: Engine, task: str, knobs: TaskQuality) -> Measurement:
    """What the closing rule looks at now: the latest ``window`` samples decided since the path last opened."""
    with store.connect() as conn:
        since = path_state(conn, task).opened_at
        decided, upheld = window_tally(conn, task, since=since, size=knobs.window)
    return measure(upheld, decided, knobs.confidence)


def closing_reason(m: Measurement, knobs: TaskQuality) -> str:
    """Why the path closed, in the words a reviewer of a held item reads."""
    assert m.precision is not None and m.low is not None and m.high is not None
    target = knobs.target_precision or 0.0
    return (
        f"automatic path closed: reviewers upheld {m.upheld} of {m.decided} sampled automatic decisions "
        f"(precision {m.precision:.1%}, {m.confidence:.0%} Wilson interval {m.low:.1%} to {m.high:.1%}), "
        f"below the target {target:.1%}; a person decides every item until an operator reopens the path"
    )


def check_path(store: Engine, task: str, knobs: TaskQuality, *, now: datetime) -> bool:
    """Close ``task``'s automatic path if the closing rule says so; True when this call closed it."""
    if knobs.target_precision is None:
        return False
    if path_state(store, task).closed:
        return False
    m = current_measurement(store, task, knobs)
    if not closes(m, target=knobs.target_precision, min_samples=knobs.min_samples):
        return False
    return close_path(
        store,
        task,
        by=CLOSED_BY,
        at=now,
        reason=closing_reason(m, knobs),
        details={
            "decided": m.decided,
            "upheld": m.upheld,
            "precision": f"{m.precision:.6f}",
            "interval": [f"{m.low:.6f}", f"{m.high:.6f}"],
            "target": f"{knobs.target_precision:.6f}",
            "min_samples": knobs.min_samples,
            "window": knobs.window,
        },
    )
