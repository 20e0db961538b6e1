"""Wire formats of the v1 API (Pydantic at the edge; the core uses frozen dataclasses)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class _Wire(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Input(_Wire):
    """A request body: its text must be storable, so a NUL character is refused (422)."""

    @field_validator("*", mode="after")
    @classmethod
    def _storable(cls, value: Any) -> Any:
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("text may not contain a NUL character")
        return value


class TaskRun(_Wire):
    """How a task's run on one record ended, or that it was queued.

    ``claim_id``, ``claim_version`` and ``carc`` repeat ``record_id``,
    ``record_version`` and ``reason_code`` for claims tasks (their earlier names);
    they are null for other tasks.
    """

    work_item_id: str
    task: str
    record_id: str
    record_version: int | None
    status: Literal["done", "queued"]
    route: str | None = None
    outcome: str | None = None
    reason_code: str | None = None
    reason: str | None = None
    decided_by: str | None = None
    claim_id: str | None = None
    claim_version: int | None = None
    carc: str | None = None


class WorkItemOut(_Wire):
    """A work item's state, without its saved decision."""

    work_item_id: str
    task: str
    record_id: str
    record_version: int
    claim_id: str | None = None
    claim_version: int | None = None
    status: str
    route: str | None
    reason: str | None
    attempt: int
    defer_count: int
    receipt: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime


class FindingOut(_Wire):
    """One gate finding that routed the claim to a person."""

    check: str
    severity: str
    reason: str


class ReviewItemOut(_Wire):
    """A review item as its reader may see it."""

    review_id: str
    work_item_id: str
    task: str
    record_id: str
    record_version: int
    amount: str
    attributes: dict[str, str]
    claim_id: str | None = None
    claim_version: int | None = None
    total_billed: str | None = None
    region: str | None = None
    line_of_business: str | None = None
    sensitivity: str | None = None
    reason: str
    status: str
    opened_at: datetime
    age_seconds: float
    sla_breached: bool
    decided_by: str | None
    decided_at: datetime | None
    findings: list[FindingOut]
    proposal: dict[str, Any]


class ReviewPage(_Wire):
    """One page of review items: the items, how many match in all, and the next page's link."""

    items: list[ReviewItemOut]
    total: int
    limit: int
    offset: int
    #: The path and query of the next page; ``null`` on the last page.
    next: str | None


class DecisionIn(_Input):
    """A reviewer's decision: one of the task's review actions, with a reason code where needed.

    For claims: approve, deny with a CARC (``reason_code``, or ``carc`` as before), or
    pend with a comment; for invoices: approve, reject with a reason code, or hold.
    """

    action: str = Field(min_length=1, max_length=16, pattern=r"^[a-z_]+$")
    reason_code: str | None = Field(default=None, max_length=16)
    carc: str | None = Field(default=None, max_length=8)
    #: What the task lets a person add (invoices: ``account``, the expense account of an
    #: approved invoice without a purchase order); never an amount.
    fields: dict[str, Annotated[str, Field(max_length=64)]] = Field(default_factory=dict, max_length=8)
    comment: str = Field(default="", max_length=2000)


class DecisionOut(_Wire):
    """What the decision wrote, by whom."""

    review_id: str
    task: str
    record_id: str
    record_version: int
    action: str
    reason_code: str | None
    facts: dict[str, str]
    reference: str | None
    decided_by: str
    claim_id: str | None = None
    claim_version: int | None = None
    carc: str | None = None
    allowed: str | None = None
    paid: str | None = None
    adjudication_id: str | None = None
    already_applied: bool
    review_status: str


class StatementOut(_Wire):
    """One sentence of an extractive answer and the context items it cites."""

    text: str
    citations: list[str]


class AnswerOut(_Wire):
    """A summary or answer: its statements and the gate's verdict on their citations."""

    task: str
    record_id: str | None
    claim_id: str | None
    verdict: str
    statements: list[StatementOut]
    complete: bool
    staleness_seconds: float | None


class AskIn(_Input):
    """A question over the notes, policies and precedent claims the caller may see."""

    question: str = Field(min_length=1, max_length=2000)
    k: int = Field(default=8, ge=1, le=50)


class VerifyOut(_Wire):
    """The result of walking the audit hash chain."""

    ok: bool
    count: int
    head_hash: str
    first_bad_seq: int | None
    first_bad_event_id: str | None
    reason: str


class ExplainOut(_Wire):
    """A plain-words account of every decision about one claim."""

    claim_id: str
    events: int
    text: str


class RecordExplainOut(_Wire):
    """A plain-words account of every decision about one record, whatever the task."""

    record_id: str
    tasks: list[str]
    events: int
    text: str


class Health(_Wire):
    """Liveness or readiness, with the state of each dependency."""

    status: str
    checks: dict[str, str] = Field(default_factory=dict)


class ProblemOut(BaseModel):
    """An RFC 9457 problem; extension members (``errors``, ``findings``, ``checks``) vary by type."""

    model_config = ConfigDict(extra="allow", title="Problem")

    type: str = Field(description="`/problems/<slug>`; the slug is stable and names the kind of error.")
    title: str
    status: int = Field(ge=400, le=599)
    detail: str | None = None
    instance: str = Field(description="The path of the request that failed.")


class ClaimIngested(_Wire):
    """The claim a FHIR Claim became: new (201), or the one an earlier post made (200)."""

    claim_id: str
    claim_version: int
    status: str
    created: bool
    identifier: str = Field(description="The FHIR business identifier, `system|value`.")
    total_billed: str
    sensitivity: str
    adjudicate: str = Field(description="The path that runs `claims.adjudicate` on the claim.")
