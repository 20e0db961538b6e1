"""``/v1/quality``: measured precision of automatic decisions, and reopening a closed automatic path.

``GET /v1/quality`` reports every served task as ``interlock eval --from-reviews``
does, with the figures per day; active auditors and staff of ``[quality]
viewer_roles`` or ``reopen_roles`` may read it (aggregates only, no record content).
``POST /v1/tasks/{task}/quality/reopen`` reopens a closed path, for active staff of
``reopen_roles``; it is the same audited change as ``interlock quality reopen``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from interlock.api.auth import forbidden
from interlock.api.deps import PrincipalDep, ServicesDep
from interlock.api.openapi import operation_id
from interlock.api.problems import Problem, not_found
from interlock.api.services import Services
from interlock.policy.principal import Principal
from interlock.quality.config import may_reopen, may_view
from interlock.quality.precision import METHOD
from interlock.quality.report import daily, task_report
from interlock.quality.store import path_state, reopen_path

router = APIRouter(prefix="/v1", generate_unique_id_function=operation_id)

_VIEWERS: dict[int | str, dict[str, Any]] = {
    403: {
        "description": "The caller may not see quality measurements (auditors and [quality] viewer roles may)."
    }
}


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MeasurementOut(_Out):
    """Decided samples, how many a person upheld, the precision and its Wilson interval (null without samples)."""

    decided: int
    upheld: int
    precision: float | None
    interval: list[float] | None = Field(description="Lower and upper bound of the Wilson score interval.")


class GroupOut(MeasurementOut):
    """The samples of one rule (outcome and reason code proposed) or one model version."""

    samples: int
    outcome: str | None = None
    reason_code: str | None = None
    model: str | None = None


class CurrentOut(MeasurementOut):
    """What the closing rule looks at now, with the target and whether it is below it."""

    target_precision: float | None
    min_samples: int
    window: int
    below_target: bool


class DayOut(MeasurementOut):
    """One day (UTC): samples taken, and samples decided and upheld that day."""

    day: str
    taken: int


class PathOut(_Out):
    """A task's automatic path: open or closed, why, who changed it and when."""

    state: str
    reason: str
    changed_at: str | None
    changed_by: str | None
    opened_at: str | None


class TaskQualityOut(MeasurementOut):
    """One task's measured precision (all samples), its path, and the breakdowns."""

    task: str
    sample_rate: float
    path: PathOut
    samples: int
    awaiting: int
    current: CurrentOut
    by_rule: list[GroupOut]
    by_model: list[GroupOut]
    days: list[DayOut]


class QualityOut(_Out):
    """Every served task's measurements, with the interval's method and confidence level."""

    method: str
    confidence: float
    tasks: list[TaskQualityOut]


def _viewer(svc: Services, who: Principal) -> None:
    if not may_view(svc.quality, who.role, active=who.active, staff=who.kind == "staff"):
        raise forbidden(f"role {who.role!r} may not see quality measurements")


def task_quality(svc: Services, task: str, *, since: datetime | None = None) -> dict[str, Any]:
    """One served task's figures with its days, as the API and the desk show them."""
    knobs = svc.quality.for_task(task)
    figures = task_report(svc.store, task, knobs).as_dict()
    figures["days"] = [d.as_dict() for d in daily(svc.store, task, knobs, since=since)]
    return figures


@router.get("/quality", response_model=QualityOut, responses=_VIEWERS, tags=["quality"])
def get_quality(
    who: PrincipalDep,
    svc: ServicesDep,
    task: Annotated[
        str | None, Query(max_length=128, description="One served task; default: every one.")
    ] = None,
) -> QualityOut:
    """Precision of automatic decisions measured from blind sampled reviews, per task, rule, model and day."""
    _viewer(svc, who)
    names = list(svc.tasks) if task is None else [task]
    if task is not None and svc.task(task) is None:
        raise not_found()
    return QualityOut(
        method=METHOD,
        confidence=svc.quality.default.confidence,
        tasks=[TaskQualityOut.model_validate(task_quality(svc, name)) for name in names],
    )


@router.post(
    "/tasks/{task}/quality/reopen",
    response_model=PathOut,
    responses={
        403: {"description": "The caller may not reopen automatic paths ([quality] reopen_roles)."},
        404: {"description": "No such served task."},
        409: {"description": "The task's automatic path is not closed."},
    },
    tags=["quality"],
)
def reopen(task: str, who: PrincipalDep, svc: ServicesDep) -> PathOut:
    """Reopen a task's closed automatic path (audited): automatic decisions resume, measured afresh."""
    if not may_reopen(svc.quality, who.role, active=who.active, staff=who.kind == "staff"):
        raise forbidden(f"role {who.role!r} may not reopen automatic paths")
    if svc.task(task) is None:
        raise not_found()
    if not reopen_path(svc.store, task, by=who.principal_id, at=svc.clock.now()):
        raise Problem(
            409, "path-not-closed", "Path not closed", f"the automatic path of {task} is not closed"
        )
    return PathOut.model_validate(path_state(svc.store, task).as_dict())


__all__ = ["QualityOut", "router", "task_quality"]
