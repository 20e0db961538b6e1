"""A person's decision on a review item, through the same gate and the same write path.

A reviewer's approve, deny (with a CARC) or pend (with a comment) becomes a
:class:`~interlock.domains.claims.proposal.Proposal` whose basis is ``person`` and whose
``decided_by`` is the reviewer; approval amounts come from the rules module, never from
the request, and a denial pays zero. The gate then judges it exactly as it judges a
model's proposal: rules 1 to 8 recomputed from the context, the write boundary
(assignments, sensitivity, ``approve:high_value``) and the claim's state. Only a
passing verdict mints a finalization; anything else is refused with its findings.

The steps mirror the engine's so a crash anywhere is recoverable::

    scoped read (404 if unentitled) -> gate -> save recovery point on the review item
      -> connector.write (the work item's idempotency key) -> close + review.decided, sor.written

The recovery point is the first validated finalization saved on the review item; a
retry (by anyone) writes exactly that decision, and the connector's idempotency key
makes the second write a no-op receipt. A pend leaves the item open with the comment.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Engine, select, update

from interlock.audit.chain import AuditLog, begin_write
from interlock.audit.events import AuditEvent
from interlock.clock import Clock, SystemClock
from interlock.connectors.sql_claims import Receipt, SqlClaimsConnector
from interlock.domains.claims.context import ClaimContext
from interlock.domains.claims.proposal import Proposal
from interlock.domains.claims.rules import KNOWN_CARCS, Amounts, compute_amounts
from interlock.exceptions import AccessDenied, UsageError
from interlock.gate.approval import (
    ApprovedFinalization,
    ApprovedPend,
    ApprovedWrite,
    restore_write,
    write_to_dict,
)
from interlock.gate.claims import GATE_VERSION, Thresholds, run_gate
from interlock.gate.verdict import Finding, Verdict
from interlock.policy.document import PolicyDocument, default_policy
from interlock.policy.principal import Principal
from interlock.review.queue import ReviewRow, review_row
from interlock.store.schema import review_items

TASK = "claims.adjudicate"
Action = Literal["approve", "deny", "pend"]
MAX_COMMENT = 2000


@dataclass(frozen=True, slots=True, kw_only=True)
class ReviewDecision:
    """What the reviewer asked for; amounts are never taken from the request."""

    action: Action
    carc: str | None = None
    comment: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class DecisionResult:
    """What happened: the outcome written, by whom, and the system of record's receipt."""

    review_id: str
    claim_id: str
    claim_version: int
    action: Action
    carc: str | None
    allowed: str
    paid: str
    decided_by: str
    adjudication_id: str | None
    already_applied: bool
    review_status: str


class DecisionRefused(UsageError):
    """The gate did not pass the reviewer's decision; nothing was written."""

    def __init__(self, message: str, findings: tuple[Finding, ...] = ()) -> None:
        super().__init__(message)
        self.findings = findings


class ReviewConflict(UsageError):
    """The review item was closed, decided by someone else first, or its claim moved on."""


def person_proposal(ctx: ClaimContext, principal: Principal, decision: ReviewDecision) -> Proposal:
    """The proposal a reviewer's decision stands for (pure): basis ``person``, confidence 1."""
    claim = ctx.claim
    zero = Amounts.zero(tuple(line.line_no for line in ctx.lines))
    comment = decision.comment.strip()[:MAX_COMMENT]
    if decision.action == "approve":
        outcome: Literal["approve", "deny", "review"] = "approve"
        amounts, carc, rationale = compute_amounts(ctx), None, "approved by a reviewer"
    elif decision.action == "deny":
        outcome, amounts, carc = "deny", zero, decision.carc
        rationale = f"denied by a reviewer with CARC {decision.carc}"
    else:
        outcome, amounts, carc, rationale = "review", zero, None, "pended by a reviewer"
    return Proposal(
        claim_id=claim.claim_id,
        claim_version=claim.version,
        outcome=outcome,
        carc=carc,
        amounts=amounts,
        basis="person",
        decided_by=principal.decided_by,
        rationale=rationale,
        confidence=1.0,
        review_reasons=(comment or rationale,) if outcome == "review" else (),
    )


class ReviewDesk:
    """Decides review items on behalf of people, with the engine's guarantees."""

    def __init__(
        self,
        *,
        connector: SqlClaimsConnector,
        store: Engine,
        audit: AuditLog,
        clock: Clock | None = None,
        thresholds: Thresholds | None = None,
        policy: PolicyDocument | None = None,
    ) -> None:
        self.connector = connector
        self.store = store
        self.audit = audit
        self.clock = clock or SystemClock()
        self.thresholds = thresholds or Thresholds()
        # The same policy as automatic decisions: what a person may read and write.
        self.policy = policy or default_policy()

    def decide(self, review_id: str, principal: Principal, decision: ReviewDecision) -> DecisionResult:
        """Apply ``decision`` to the review item, or raise without writing anything.

        Raises :class:`AccessDenied` for a review item the principal may not read (the
        same as for a missing one), :class:`DecisionRefused` when the gate does not pass
        it, and :class:`ReviewConflict` when someone else's decision was applied first.
        """
        if decision.action == "deny" and decision.carc not in KNOWN_CARCS:
            codes = ", ".join(sorted(KNOWN_CARCS, key=int))
            given = "none was given" if not decision.carc else f"{decision.carc} is not one of them"
            raise DecisionRefused(f"a denial needs one of the manual's CARCs ({codes}); {given}")
        if decision.action != "deny" and decision.carc is not None:
            raise DecisionRefused("a CARC is only given with a denial")
        if decision.action == "pend" and not decision.comment.strip():
            raise DecisionRefused("a pend needs a comment saying what is awaited")
        scope = self.policy.claim_scope(principal)
        row = review_row(self.store, review_id, scope)
        if row is None:
            raise AccessDenied()
        ctx = self.connector.fetch_context(row.claim_id, scope)
        if ctx is None:
            raise AccessDenied()
        if row.status != "open":
            raise ReviewConflict(f"review item {review_id} was already decided by {row.decided_by}")
        saved = (row.decision or {}).get("write")
        if saved is not None:
            # A validated decision was saved before a write that did not finish: apply it.
            return self._apply(row, principal, restore_write(saved), verdict=None, decision=decision)
        if ctx.claim.version != row.claim_version or ctx.claim.status != "pended":
            raise ReviewConflict(
                f"claim {row.claim_id} is now version {ctx.claim.version} ({ctx.claim.status}); "
                "this review item no longer applies"
            )
        proposal = person_proposal(ctx, principal, decision)
        verdict, write = run_gate(
            proposal,
            ctx,
            principal,
            self.thresholds,
            idempotency_key=row.idempotency_key,
            now=self.clock.now(),
            boundary=self.policy.write_boundary(TASK, principal),
        )
        if decision.action == "pend":
            if verdict.status == "block":
                raise DecisionRefused("; ".join(verdict.reasons), verdict.findings)
            return self._apply(row, principal, write, verdict=verdict, decision=decision)
        if not isinstance(write, ApprovedFinalization):
            raise DecisionRefused("; ".join(verdict.reasons) or "the gate did not pass", verdict.findings)
        stored = self._save_recovery_point(row, write, decision)
        return self._apply(row, principal, restore_write(stored), verdict=verdict, decision=decision)

    # -- steps ----------------------------------------------------------------------

    def _save_recovery_point(
        self, row: ReviewRow, write: ApprovedFinalization, decision: ReviewDecision
    ) -> dict[str, Any]:
        """Save the finalization on the review item; the first one saved wins."""
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
                record["write"] = write_to_dict(write)
                record["action"] = decision.action
                record["comment"] = decision.comment.strip()[:MAX_COMMENT]
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
        write: ApprovedWrite,
        *,
        verdict: Verdict | None,
        decision: ReviewDecision,
    ) -> DecisionResult:
        """Write to the system of record, then close the item with its audit events."""
        receipt = self.connector.write(write)
        events: list[AuditEvent] = []
        if verdict is not None:
            events.append(self._verdict_event(row, principal, verdict))
        match write:
            case ApprovedFinalization():
                result = DecisionResult(
                    review_id=row.review_id,
                    claim_id=row.claim_id,
                    claim_version=row.claim_version,
                    action=write.outcome,
                    carc=write.carc,
                    allowed=str(write.allowed),
                    paid=str(write.paid),
                    decided_by=write.decided_by,
                    adjudication_id=receipt.adjudication_id,
                    already_applied=receipt.already_applied,
                    review_status="decided",
                )
                events += self._decided_events(row, principal, result, receipt, write.rationale)
                closed = self._close(row, write.decided_by, events)
                if write.decided_by != principal.decided_by or not closed:
                    raise ReviewConflict(
                        f"review item {row.review_id} was decided by {write.decided_by} first"
                    )
                return result
            case ApprovedPend():
                result = DecisionResult(
                    review_id=row.review_id,
                    claim_id=row.claim_id,
                    claim_version=row.claim_version,
                    action="pend",
                    carc=None,
                    allowed="0.00",
                    paid="0.00",
                    decided_by=principal.decided_by,
                    adjudication_id=None,
                    already_applied=receipt.already_applied,
                    review_status="open",
                )
                events += self._decided_events(row, principal, result, receipt, "pended by a reviewer")
                self._record_pend(row, principal, decision.comment, events)
                return result

    def _close(self, row: ReviewRow, decided_by: str, events: list[AuditEvent]) -> bool:
        """Mark the item decided and append its events; False if another process closed it."""
        now = self.clock.now()
        with begin_write(self.store) as conn:
            closed = conn.execute(
                update(review_items)
                .where(review_items.c.review_id == row.review_id, review_items.c.status == "open")
                .values(status="decided", decided_by=decided_by, decided_at=now.replace(tzinfo=None))
            ).rowcount
            if closed == 1:
                self.audit.append(conn, events)
        return closed == 1

    def _record_pend(
        self, row: ReviewRow, principal: Principal, comment: str, events: list[AuditEvent]
    ) -> None:
        """Keep the pend's comment on the (still open) item, with its audit events."""
        now = self.clock.now()
        with begin_write(self.store) as conn:
            current = conn.execute(
                select(review_items.c.decision).where(review_items.c.review_id == row.review_id)
            ).scalar_one()
            record: dict[str, Any] = json.loads(current) if current else {}
            record.setdefault("pends", []).append(
                {"by": principal.decided_by, "at": now.isoformat(), "comment": comment.strip()[:MAX_COMMENT]}
            )
            conn.execute(
                update(review_items)
                .where(review_items.c.review_id == row.review_id)
                .values(decision=json.dumps(record, sort_keys=True))
            )
            self.audit.append(conn, events)

    # -- audit ----------------------------------------------------------------------

    def _event(self, row: ReviewRow, principal: Principal, kind: str, **fields: Any) -> AuditEvent:
        return AuditEvent(
            kind=kind,  # type: ignore[arg-type]
            at=self.clock.now(),
            principal=principal.principal_id,
            on_behalf_of=None,
            purpose=TASK,
            work_item_id=row.work_item_id,
            subject={
                "claim_id": row.claim_id,
                "claim_version": row.claim_version,
                "review_id": row.review_id,
            },
            policy_version=self.policy.claim_scope(principal).policy_version,
            source="interlock/review",
            **fields,
        )

    def _verdict_event(self, row: ReviewRow, principal: Principal, verdict: Verdict) -> AuditEvent:
        return self._event(
            row,
            principal,
            "gate.verdict",
            outcome=verdict.status,
            reason="; ".join(verdict.reasons) or "all checks pass",
            details={
                "gate_version": GATE_VERSION,
                "basis": "person",
                "findings": [{"check": f.check, "severity": f.severity} for f in verdict.findings],
            },
        )

    def _decided_events(
        self, row: ReviewRow, principal: Principal, result: DecisionResult, receipt: Receipt, reason: str
    ) -> list[AuditEvent]:
        receipt_text = receipt.adjudication_id or f"pend:{receipt.claim_id}@v{receipt.claim_version}"
        return [
            self._event(
                row,
                principal,
                "sor.written",
                outcome=receipt.kind,
                reason="already applied" if receipt.already_applied else "applied",
                details={},
                idempotency_key=row.idempotency_key,
                receipt=receipt_text,
            ),
            self._event(
                row,
                principal,
                "review.decided",
                outcome=result.action,
                reason=reason,
                details={
                    "carc": result.carc,
                    "allowed": result.allowed,
                    "paid": result.paid,
                    "decided_by": result.decided_by,
                    "review_id": row.review_id,
                },
            ),
        ]
