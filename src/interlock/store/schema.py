"""Tables of Interlock's own store (work items, review items, trained models, record authors, desk sessions, quality).

Invariants are constraints, not conventions: one work item per task, record and record
version (UNIQUE), one idempotency key per work item (UNIQUE), one review item per work
item (UNIQUE), closed sets of states (CHECK). Audit tables live in
:mod:`interlock.audit.chain` on the same ``MetaData``.

Nothing here names a domain. A review item is keyed by (task, record id, record
version) like its work item, and copies the record's access attributes twice: as one
JSON object for showing, and as rows of ``review_attributes`` (name, value) so that the
review queue pushes a principal's scope into SQL for whatever attributes the policy
declares.
"""

from __future__ import annotations

from sqlalchemy import (
    TIMESTAMP,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    Table,
    Text,
    UniqueConstraint,
)

from interlock.store.metadata import store_metadata

WORK_STATES = ("pending", "leased", "deferred", "done")
ROUTES = ("commit", "review", "reject", "defer", "superseded")

work_items = Table(
    "work_items",
    store_metadata,
    Column("work_item_id", Text, primary_key=True),
    Column("task", Text, nullable=False),
    Column("record_id", Text, nullable=False),
    Column("record_version", Integer, nullable=False),
    Column("principal", Text, nullable=False),
    Column("idempotency_key", Text, nullable=False, unique=True),
    Column("status", Text, nullable=False),
    # The fencing token: incremented by every lease; writes carry the value they leased with.
    Column("attempt", Integer, nullable=False, default=0),
    Column("lease_owner", Text, nullable=True),
    Column("lease_expires_at", TIMESTAMP, nullable=True),
    Column("not_before", TIMESTAMP, nullable=True),
    Column("defer_count", Integer, nullable=False, default=0),
    # The recovery point: the validated decision, saved before any external write.
    Column("decision", Text, nullable=True),
    Column("route", Text, nullable=True),
    Column("reason", Text, nullable=True),
    Column("receipt", Text, nullable=True),
    Column("created_at", TIMESTAMP, nullable=False),
    Column("updated_at", TIMESTAMP, nullable=False),
    UniqueConstraint("task", "record_id", "record_version"),
    CheckConstraint("status IN ('pending', 'leased', 'deferred', 'done')", name="work_status"),
    CheckConstraint(
        "route IS NULL OR route IN ('commit', 'review', 'reject', 'defer', 'superseded')",
        name="work_route",
    ),
    CheckConstraint("status <> 'done' OR route IS NOT NULL", name="done_has_route"),
)

review_items = Table(
    "review_items",
    store_metadata,
    Column("review_id", Text, primary_key=True),
    Column(
        "work_item_id",
        Text,
        ForeignKey("work_items.work_item_id"),
        nullable=False,
        unique=True,
    ),
    Column("record_id", Text, nullable=False, index=True),
    Column("record_version", Integer, nullable=False),
    # The figure a person sorts by (a claim's total billed, an invoice's total), as a decimal string.
    Column("amount", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("findings", Text, nullable=False),
    Column("proposal", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("opened_at", TIMESTAMP, nullable=False),
    Column("decided_by", Text, nullable=True),
    Column("decided_at", TIMESTAMP, nullable=True),
    Column("decision", Text, nullable=True),
    # Last because revision 0002 added them to existing tables.
    Column("task", Text, nullable=False),
    Column("attributes", Text, nullable=False),
    CheckConstraint("status IN ('open', 'decided')", name="review_status"),
)

review_attributes = Table(
    "review_attributes",
    store_metadata,
    Column("review_id", Text, ForeignKey("review_items.review_id"), nullable=False),
    Column("name", Text, nullable=False),
    Column("value", Text, nullable=False),
    PrimaryKeyConstraint("review_id", "name", name="pk_review_attributes"),
    Index("ix_review_attributes_name_value", "name", "value"),
)

trained_models = Table(
    "trained_models",
    store_metadata,
    Column("model_id", Text, primary_key=True),
    Column("kind", Text, nullable=False),
    Column("created_at", TIMESTAMP, nullable=False),
    Column("artifact", Text, nullable=False),
    Column("metrics", Text, nullable=False),
)

#: Who brought each record in or changed it, as Interlock saw it: the system of record may
#: not say, and separation of duties needs it (a person may not decide what they
#: submitted or changed). One row per (record, principal, action); ``at`` is the first time.
AUTHOR_ACTIONS = ("submitted", "changed")

record_authors = Table(
    "record_authors",
    store_metadata,
    Column("record_type", Text, nullable=False),
    Column("record_id", Text, nullable=False),
    Column("principal", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("task", Text, nullable=False),
    Column("at", TIMESTAMP, nullable=False),
    PrimaryKeyConstraint("record_type", "record_id", "principal", "action", name="pk_record_authors"),
    CheckConstraint("action IN ('submitted', 'changed')", name="author_action"),
)

#: Review desk sessions. The browser holds a random session id; only its SHA-256 is kept,
#: so a copy of the store opens no session. Logging out sets ``revoked_at``, which every
#: page checks: a copied cookie dies with the session, not when the token would expire.
desk_sessions = Table(
    "desk_sessions",
    store_metadata,
    Column("session_hash", Text, primary_key=True),
    Column("staff_id", Text, nullable=False),
    Column("created_at", TIMESTAMP, nullable=False),
    Column("expires_at", TIMESTAMP, nullable=False),
    Column("revoked_at", TIMESTAMP, nullable=True),
)

#: Idempotency keys of task runs requested through the MCP server (:mod:`interlock.mcp`).
#: An agent names each ``run_task`` call with a key of its own; the key is kept only as
#: the SHA-256 of its text, per principal, bound to the task and record it first named,
#: with the result it got, so that a retry answers that result and never runs again.
tool_calls = Table(
    "tool_calls",
    store_metadata,
    Column("principal", Text, nullable=False),
    Column("key_sha256", Text, nullable=False),
    Column("task", Text, nullable=False),
    Column("record_id", Text, nullable=False),
    Column("work_item_id", Text, nullable=True),
    Column("result", Text, nullable=True),
    Column("created_at", TIMESTAMP, nullable=False),
    Column("updated_at", TIMESTAMP, nullable=False),
    PrimaryKeyConstraint("principal", "key_sha256", name="pk_tool_calls"),
)

#: Shadow decisions: what a candidate model or candidate thresholds would have decided
#: for a live work item, beside what production decided (:mod:`interlock.shadow`). One
#: row per work item, written after the production decision; nothing here ever reaches
#: a system of record. Codes and numbers only: outcomes, reason codes, the task's
#: commit facts (amounts, account codes), model ids and SHA-256 digests of the answers.
SHADOW_ROUTES = ("commit", "review")
SHADOW_STATUSES = ("answered", "reused", "not_asked", "failed")
SHADOW_FAILURES = ("timeout", "unavailable", "invalid_output", "no_time", "error")

shadow_decisions = Table(
    "shadow_decisions",
    store_metadata,
    Column("work_item_id", Text, ForeignKey("work_items.work_item_id"), primary_key=True),
    Column("task", Text, nullable=False),
    Column("record_id", Text, nullable=False),
    Column("record_version", Integer, nullable=False),
    # The candidate's configuration (its model spec and thresholds), so that runs of
    # different candidates are compared separately.
    Column("candidate", Text, nullable=False),
    Column("production_route", Text, nullable=False),
    Column("production_outcome", Text, nullable=False),
    Column("production_reason_code", Text, nullable=True),
    Column("production_facts", Text, nullable=False),
    Column("production_model_id", Text, nullable=True),
    Column("production_answer_sha256", Text, nullable=True),
    Column("candidate_status", Text, nullable=False),
    Column("candidate_failure", Text, nullable=True),
    Column("candidate_route", Text, nullable=False),
    Column("candidate_outcome", Text, nullable=False),
    Column("candidate_reason_code", Text, nullable=True),
    Column("candidate_facts", Text, nullable=False),
    Column("candidate_model_id", Text, nullable=True),
    Column("candidate_answer_sha256", Text, nullable=True),
    Column("candidate_ms", Integer, nullable=False),
    Column("decided_at", TIMESTAMP, nullable=False),
    CheckConstraint("production_route IN ('commit', 'review')", name="shadow_production_route"),
    CheckConstraint("candidate_route IN ('commit', 'review')", name="shadow_candidate_route"),
    CheckConstraint(
        "candidate_status IN ('answered', 'reused', 'not_asked', 'failed')", name="shadow_candidate_status"
    ),
    CheckConstraint(
        "(candidate_status = 'failed') = (candidate_failure IS NOT NULL)", name="shadow_failure_named"
    ),
    CheckConstraint(
        "candidate_failure IS NULL OR candidate_failure IN "
        "('timeout', 'unavailable', 'invalid_output', 'no_time', 'error')",
        name="shadow_candidate_failure",
    ),
    Index("ix_shadow_decisions_task_decided_at", "task", "decided_at"),
)


#: Quality samples (:mod:`interlock.quality`): one row per work item whose automatic
#: decision was withheld from its reviewer. ``withheld`` is that decision (JSON: outcome,
#: reason code, facts, basis, model, confidence), with its outcome, reason code and model
#: copied into columns for grouping; ``person`` is the reviewer's latest decision (JSON)
#: and ``upheld`` whether it agrees (1) or not (0), both NULL while no person has decided.
quality_samples = Table(
    "quality_samples",
    store_metadata,
    Column("work_item_id", Text, ForeignKey("work_items.work_item_id"), primary_key=True),
    Column("review_id", Text, ForeignKey("review_items.review_id"), nullable=False, unique=True),
    Column("task", Text, nullable=False),
    Column("record_id", Text, nullable=False),
    Column("record_version", Integer, nullable=False),
    Column("outcome", Text, nullable=False),
    Column("reason_code", Text, nullable=True),
    Column("model", Text, nullable=False),
    Column("withheld", Text, nullable=False),
    Column("sampled_at", TIMESTAMP, nullable=False),
    Column("decided_at", TIMESTAMP, nullable=True),
    Column("decided_by", Text, nullable=True),
    Column("person", Text, nullable=True),
    Column("upheld", Integer, nullable=True),
    CheckConstraint("upheld IS NULL OR upheld IN (0, 1)", name="sample_upheld"),
    Index("ix_quality_samples_task_sampled", "task", "sampled_at"),
    Index("ix_quality_samples_task_decided", "task", "decided_at"),
)

PATH_STATES = ("open", "closed")

#: The automatic path of each task: ``closed`` sends every item to a person until an
#: operator reopens it. A task without a row is open and has never been closed.
#: ``opened_at`` is when it was last reopened: the closing rule measures samples since.
quality_paths = Table(
    "quality_paths",
    store_metadata,
    Column("task", Text, primary_key=True),
    Column("state", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("changed_at", TIMESTAMP, nullable=False),
    Column("changed_by", Text, nullable=False),
    Column("opened_at", TIMESTAMP, nullable=True),
    CheckConstraint("state IN ('open', 'closed')", name="path_state"),
)
