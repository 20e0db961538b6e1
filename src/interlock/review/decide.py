"""A person's decision on a review item, through the same gate and the same write path.

For any task: a reviewer's action (the task's ``review_actions``, e.g. approve, deny
with a CARC, pend with a comment) becomes the task's proposal whose basis is
``person`` and whose ``decided_by`` is the reviewer; amounts come from the task, never
from the request. The gate then judges it exactly as it judges a model's proposal:
the task's rules recomputed from the context, the write boundary and the record's
state. Only a passing verdict mints a commit; anything else is refused with its
findings.

The steps mirror the engine's so a crash anywhere is recoverable::

    scoped read (404 if unentitled) -> gate -> save recovery point on the review item
      -> connector.write (the work item's idempotency key) -> close + review.decided, sor.written
      -> tell the write listener (the search index's follower)

The recovery point is the first validated commit saved on the review item; a retry
(by anyone) writes exactly that decision, and the connector's idempotency key makes
the second write a no-op receipt. The hold action leaves the item open. A comment is
kept only as a hash (:meth:`ReviewDesk.comment_ref`), on the item and in the trail.

On a quality sample (:mod:`interlock.quality`) the decision is also compared with the
automatic decision withheld from the reviewer, in the transaction that records it,
and the task's automatic path is closed when the measured precision calls for it. The
reviewer is never told: the result is the same as for any other item.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import Engine, select, update

from interlock.audit.chain import AuditLog, begin_write
from interlock.audit.events import AuditEvent, content_ref
from interlock.clock import Clock, SystemClock
from interlock.engine_trail import finding_refs, findings_reason
from interlock.exceptions import AccessDenied, DecisionRefused, ReviewConflict
from interlock.gate.approval import ApprovedCommit, ApprovedHold, ApprovedWrite, restore_write, write_to_json
from interlock.gate.runner import run_gate
from interlock.gate.verdict import Verdict
from interlock.policy.document import PolicyDocument, default_policy
from interlock.policy.principal import Principal
from interlock.quality.agreement import Decision
from interlock.quality.config import QualitySettings
from interlock.quality.review import check_path, person_decision
from interlock.quality.store import record_person, withheld_for
from interlock.review.queue import ReviewRow, review_row
from interlock.store.authors import authors_of
from interlock.store.schema import review_items
from interlock.task import (
    Connector,
    PersonDecision,
    Receipt,
    Task,
    Thresholds,
)
from interlock.telemetry.tracing import trace_fields
from interlock.work.written import WriteListener, Written, tell

__all__ = ["MAX_COMMENT", "DecisionRefused", "DecisionResult", "ReviewConflict", "ReviewDesk"]

#: The longest comment kept with a held item.
MAX_COMMENT = 2000


@dataclass(frozen=True, slots=True, kw_only=True)
class DecisionResult:
    """What happened: the outcome written, by whom, and the system of record's receipt.

    ``facts`` are the task's figures of a commit (a claim's allowed and paid amounts).
    """

    review_id: str
    record_id: str
    record_version: int
    action: str
    reason_code: str | None
    decided_by: str
    reference: str | None
    already_applied: bool
    review_status: str
    facts: dict[str, Any] = field(default_factory=dict)


class ReviewDesk:
    """Decides one task's review items on behalf of people, with the engine's guarantees."""

    def __init__(
        self,
        *,
        task: Task[Any, Any, Any, Any],
        connector: Connector[Any, Any, Any],
        store: Engine,
        audit: AuditLog,
        clock: Clock | None = None,
        thresholds: Thresholds | None = None,
        policy: PolicyDocument | None = None,
        content_salt: bytes | None = None,
        on_written: WriteListener | None = None,
        quality: QualitySettings | None = None,
    ) -> None:
        self.task = task
        # The task's closing rule for its automatic path (no target: it never closes).
        self.quality = (quality or QualitySettings()).for_task(task.name)
        # Salts the hashes that stand for reviewers' comments (see :meth:`comment_ref`).
        self.content_salt = content_salt
        self.connector = connector
        self.store = store
        self.audit = audit
        self.clock = clock or SystemClock()
        self.thresholds = thresholds or Thresholds()
        # The same policy as automatic decisions: what a person may read and write.
        self.policy = policy or default_policy()
        # Told of every decision written to the system of record (index follow-writes).
        self.on_written = on_written

    def comment_ref(self, comment: str) -> str | None:
        """What Interlock keeps of a reviewer's comment: its hash, never its text.

        A comment is free text (it may name a patient); neither the review item nor the
        permanent audit trail keeps it. The hash, salted when a content salt is
        configured so that a short comment cannot be guessed back, proves later which
        text was given.
        """
        text = comment.strip()[:MAX_COMMENT]
        if not text:
            return None
        if self.content_salt is not None:
            return content_ref(self.content_salt, text)
        return "sha256:" + hashlib.sha256(text.encode()).hexdigest()

    def decide(self, review_id: str, principal: Principal, decision: PersonDecision) -> DecisionResult:
        """Apply ``decision`` to the review item, or raise without writing anything.

        Raises :class:`AccessDenied` for a review item the principal may not read (the
        same as for a missing one), :class:`DecisionRefused` when the gate does not pass
        it, and :class:`ReviewConflict` when someone else's decision was applied first.
        """
        if problem := self.task.person_decision_problem(decision):
            raise DecisionRefused(problem)
        scope = self.task.scope(self.policy, principal)
        row = review_row(self.store, review_id, scope)
        if row is None:
            raise AccessDenied()
        ctx = self.connector.read_context(row.claim_id, scope)
        if ctx is None:
            raise AccessDenied()
        if row.status != "open":
            raise ReviewConflict(f"review item {review_id} was already decided by {row.decided_by}")
        saved = (row.decision or {}).get("write")
        if saved is not None:
            # A validated decision was saved before a write that did not finish: apply it.
            return self._apply(row, principal, self._restore(saved), verdict=None, decision=decision)
        if ctx.record_version != row.claim_version or not self.task.is_held(ctx):
            raise ReviewConflict(
                f"record {row.claim_id} is now version {ctx.record_version} or no longer held for a "
                "person; this review item no longer applies"
            )
        proposal = self.task.person_proposal(ctx, principal, decision)
        verdict, write = run_gate(
            self.task,
            proposal,
            ctx,
            principal,
            self.thresholds,
            boundary=self.policy.write_boundary(self.task.name, principal).for_record(
                authors_of(self.store, record_type=self.task.record_type, record_id=row.record_id)
            ),
            idempotency_key=row.idempotency_key,
            now=self.clock.now(),
        )
        if decision.action == self.task.hold_action:
            if verdict.status == "block":
                raise DecisionRefused("; ".join(verdict.reasons), verdict.findings)
            return self._apply(row, principal, write, verdict=verdict, decision=decision)
        if not isinstance(write, ApprovedCommit):
            raise DecisionRefused("; ".join(verdict.reasons) or "the gate did not pass", verdict.findings)
        stored = self._save_recovery_point(row, write, decision)
        return self._apply(row, principal, self._restore(stored), verdict=verdict, decision=decision)

    def _restore(self, saved: dict[str, Any]) -> ApprovedWrite[Any]:
        return restore_write(saved, self.task.payload_from_json)

    # -- steps ----------------------------------------------------------------------

    def _save_recovery_point(
        self, row: ReviewRow, write: ApprovedCommit[Any], decision: PersonDecision
    ) -> dict[str, Any]:
        """Save the commit on the review item; the first one saved wins."""
        with begin_write(self.store) as conn:
            current = conn.execute(
                select(review_items.c.status, review_items.c.decision).where(
                    review_items.c.review_id == row.review_id
                )
            ).one()
            record: dict[str, Any] = json.loads(current.decision) if current.decision else {}
            if current.status != "open":
                raise ReviewConflict(f"review item {row.review_id} was already decided")
            if record.get("write") is None:
                record["write"] = write_to_json(write, self.task.payload_json)
                record["action"] = decision.action
                record["comment_ref"] = self.comment_ref(decision.comment)
                conn.execute(
                    update(review_items)
                    .where(review_items.c.review_id == row.review_id, review_items.c.status == "open")
                    .values(decision=json.dumps(record, sort_keys=True))
                )
            saved: dict[str, Any] = record["write"]
            return saved

    def _apply(
        self,
        row: ReviewRow,
        principal: Principal,
        write: ApprovedWrite[Any],
        *,
        verdict: Verdict | None,
        decision: PersonDecision,
    ) -> DecisionResult:
        """Write to the system of record, close the item with its audit events, then tell the listener."""
        receipt = self.connector.write(write)
        kind: Literal["commit", "hold"] = "commit" if isinstance(write, ApprovedCommit) else "hold"
        try:
            return self._record(row, principal, write, receipt, verdict=verdict, decision=decision)
        finally:
            # The record was written whatever happens to the review item: let the index follow.
            tell(
                self.on_written,
                Written(task=self.task.name, record_id=row.record_id, principal=principal, write=kind),
            )

    def _record(
        self,
        row: ReviewRow,
        principal: Principal,
        write: ApprovedWrite[Any],
        receipt: Receipt,
        *,
        verdict: Verdict | None,
        decision: PersonDecision,
    ) -> DecisionResult:
        """Close (or, for a hold, keep open) the review item with its audit events."""
        events: list[AuditEvent] = []
        if verdict is not None:
            events.append(self._verdict_event(row, principal, verdict, self.comment_ref(decision.comment)))
        # A sampled item: the person's decision against the automatic one withheld from them.
        withheld = withheld_for(self.store, row.work_item_id)
        person = person_decision(self.task, write)
        sample = None if withheld is None else (person, withheld.decision.agrees_with(person))
        match write:
            case ApprovedCommit():
                result = DecisionResult(
                    review_id=row.review_id,
                    record_id=row.claim_id,
                    record_version=row.claim_version,
                    action=write.outcome,
                    reason_code=write.reason_code,
                    decided_by=write.decided_by,
                    reference=receipt.reference,
                    already_applied=receipt.already_applied,
                    review_status="decided",
                    facts=self.task.commit_facts(write.payload),
                )
                events += self._decided_events(row, principal, result, receipt, write.rationale, sample)
                closed = self._close(row, write.decided_by, events, sample)
                if write.decided_by != principal.decided_by or not closed:
                    raise ReviewConflict(
                        f"review item {row.review_id} was decided by {write.decided_by} first"
                    )
                self._check_path(sample)
                return result
            case ApprovedHold():
                result = DecisionResult(
                    review_id=row.review_id,
                    record_id=row.claim_id,
                    record_version=row.claim_version,
                    action=self.task.hold_action,
                    reason_code=None,
                    decided_by=principal.decided_by,
                    reference=None,
                    already_applied=receipt.already_applied,
                    review_status="open",
                )
                events += self._decided_events(row, principal, result, receipt, "held by a reviewer", sample)
                self._record_pend(row, principal, decision.comment, events, sample)
                self._check_path(sample)
                return result

    def _record_sample(
        self, conn: Any, row: ReviewRow, decided_by: str, sample: tuple[Decision, bool] | None
    ) -> None:
        """Keep the person's decision on a sampled item and whether it upheld the automatic one."""
        if sample is not None:
            person, upheld = sample
            record_person(
                conn,
                row.work_item_id,
                person=person,
                upheld=upheld,
                decided_by=decided_by,
                at=self.clock.now(),
            )

    def _check_path(self, sample: tuple[Decision, bool] | None) -> None:
        """After a sampled item's decision: close the task's automatic path if its precision calls for it."""
        if sample is not None:
            check_path(self.store, self.task.name, self.quality, now=self.clock.now())

    def _close(
        self,
        row: ReviewRow,
        decided_by: str,
        events: list[AuditEvent],
        sample: tuple[Decision, bool] | None = None,
    ) -> bool:
        """Mark the item decided and append its events; False if another process closed it."""
        now = self.clock.now()
        with begin_write(self.store) as conn:
            closed = conn.execute(
                update(review_items)
                .where(review_items.c.review_id == row.review_id, review_items.c.status == "open")
                .values(status="decided", decided_by=decided_by, decided_at=now.replace(tzinfo=None))
            ).rowcount
            if closed == 1:
                self._record_sample(conn, row, decided_by, sample)
                self.audit.append(conn, events)
        return closed == 1

    def _record_pend(
        self,
        row: ReviewRow,
        principal: Principal,
        comment: str,
        events: list[AuditEvent],
        sample: tuple[Decision, bool] | None = None,
    ) -> None:
        """Keep the pend's comment on the (still open) item, with its audit events."""
        now = self.clock.now()
        with begin_write(self.store) as conn:
            current = conn.execute(
                select(review_items.c.decision).where(review_items.c.review_id == row.review_id)
            ).scalar_one()
            record: dict[str, Any] = json.loads(current) if current else {}
            record.setdefault("pends", []).append(
                {"by": principal.decided_by, "at": now.isoformat(), "comment_ref": self.comment_ref(comment)}
            )
            conn.execute(
                update(review_items)
                .where(review_items.c.review_id == row.review_id)
                .values(decision=json.dumps(record, sort_keys=True))
            )
            self._record_sample(conn, row, principal.decided_by, sample)
            self.audit.append(conn, events)

    # -- audit ----------------------------------------------------------------------

    def _event(self, row: ReviewRow, principal: Principal, kind: str, **fields: Any) -> AuditEvent:
        return AuditEvent(
            kind=kind,  # type: ignore[arg-type]
            at=self.clock.now(),
            principal=principal.principal_id,
            on_behalf_of=None,
            purpose=self.task.name,
            work_item_id=row.work_item_id,
            subject={
                "record_id": row.claim_id,
                "record_version": row.claim_version,
                "review_id": row.review_id,
            },
            policy_version=self.task.scope(self.policy, principal).policy_version,
            source="interlock/review",
            **{**trace_fields(), **fields},
        )

    def _verdict_event(
        self, row: ReviewRow, principal: Principal, verdict: Verdict, comment_ref: str | None
    ) -> AuditEvent:
        return self._event(
            row,
            principal,
            "gate.verdict",
            outcome=verdict.status,
            reason=findings_reason(verdict.findings),
            details={
                "gate_version": self.task.gate_version,
                "basis": "person",
                "findings": finding_refs(verdict.findings),
                **({"comment_ref": comment_ref} if comment_ref else {}),
            },
        )

    def _decided_events(
        self,
        row: ReviewRow,
        principal: Principal,
        result: DecisionResult,
        receipt: Receipt,
        reason: str,
        sample: tuple[Decision, bool] | None = None,
    ) -> list[AuditEvent]:
        return [
            self._event(
                row,
                principal,
                "sor.written",
                outcome=receipt.action,
                reason="already applied" if receipt.already_applied else "applied",
                details={},
                idempotency_key=row.idempotency_key,
                receipt=receipt.text(),
            ),
            self._event(
                row,
                principal,
                "review.decided",
                outcome=result.action,
                reason=reason,
                details={
                    "reason_code": result.reason_code,
                    **result.facts,
                    "decided_by": result.decided_by,
                    "review_id": row.review_id,
                    # The trail says whether a sampled automatic decision was upheld.
                    **({} if sample is None else {"quality_sample": "upheld" if sample[1] else "not upheld"}),
                },
            ),
        ]
