"""What the MCP tools return: Pydantic models whose JSON schemas are the tools' output schemas.

Each tool answers with structured content validated against one of these, and the
same JSON as text for clients that read only text. Ids are the ones the HTTP API uses
(work item ids, review ids, context item ids ``source:id@version``), so an agent can
hand them to a person or to the API.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "AnswerOut",
    "ReviewItemOut",
    "RunOut",
    "SearchHit",
    "SearchOut",
    "StatementOut",
    "WorkItemOut",
]


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SearchHit(_Out):
    """One document the caller may see, with the id a citation names it by."""

    item_id: str = Field(description="The context item id (`source:id@version`): its provenance.")
    kind: str = Field(description="What the document is (a note, a reference policy, a record summary).")
    source: str = Field(description="The source table of the system of record.")
    source_id: str = Field(description="The document's id in that table.")
    record_id: str | None = Field(description="The record the document belongs to, if any.")
    title: str
    snippet: str = Field(description="The document's first sentence (at most 240 characters).")
    score: float


class SearchOut(_Out):
    """The entitled documents that best match the query, best first."""

    results: list[SearchHit]
    complete: bool = Field(
        description="False when results were dropped by the live re-check of entitlements."
    )
    staleness_seconds: float | None = Field(description="Age of the search index; null when never synced.")


class StatementOut(_Out):
    """One statement of a summary or an answer and the context items it comes from."""

    text: str
    citations: list[str]


class AnswerOut(_Out):
    """A summary or an answer: extractive statements, each citing entitled context items."""

    task: str
    record_id: str | None
    verdict: Literal["pass", "review", "block"] = Field(
        description="The citation check: anything but pass withholds every statement."
    )
    statements: list[StatementOut]
    complete: bool
    staleness_seconds: float | None


class RunOut(_Out):
    """How one run of a task on one record ended (or where it waits)."""

    task: str
    record_id: str
    record_version: int | None
    work_item_id: str | None
    status: Literal["done", "pending_review", "deferred", "busy"] = Field(
        description="done: written or rejected; pending_review: a person decides (see review_id); "
        "deferred or busy: not finished, call again with the same idempotency key later."
    )
    route: str
    outcome: str
    reason_code: str | None
    reason: str
    decided_by: str | None
    review_id: str | None = Field(description="The review item a person decides, for pending_review.")
    desk_url: str | None = Field(description="Where a person decides it on the review desk.")
    replayed: bool = Field(description="True when this answers an earlier call with the same key or run.")


class WorkItemOut(_Out):
    """One work item: a task on one record version, and where it stands."""

    work_item_id: str
    task: str
    record_id: str
    record_version: int
    status: str
    route: str | None
    reason: str | None
    attempt: int
    defer_count: int
    created_at: str
    updated_at: str


class ReviewItemOut(_Out):
    """One review item: what a person decides, and why it went to a person."""

    review_id: str
    work_item_id: str
    task: str
    record_id: str
    record_version: int
    status: str
    reason: str
    amount: str
    attributes: dict[str, str]
    opened_at: str
    decided_by: str | None
    decided_at: str | None
    findings: list[dict[str, str]]
    desk_url: str
