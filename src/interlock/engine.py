"""The one place that knows the order of the stages of a work item.

For ``claims.adjudicate`` on one claim, on behalf of one principal::

    entitlement -> lease -> (recovery point? reuse it) -> scoped context -> rules 1-8
      -> model for rule 9 when needed (retries, deadline) -> proposal -> gate
      -> save recovery point -> write to the system of record -> complete (+ review item)

Every decision is made by the pure modules (policy, rules, proposal, gate); this module
only moves values between them and the world. Each stage is an OpenTelemetry span and
an observation of ``interlock_stage_duration_seconds``, and leaves audit events
(built in :mod:`interlock.engine_trail`). A retried work item reuses its saved decision
and never asks the model again.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

from interlock.audit.events import AuditEvent
from interlock.clock import Clock, SystemClock
from interlock.connectors.pg_access import acting_as
from interlock.connectors.sql_claims import Receipt, SqlClaimsConnector
from interlock.domains.claims.codesets import icd10_status
from interlock.domains.claims.context import ClaimContext
from interlock.domains.claims.necessity import necessity_request
from interlock.domains.claims.proposal import Proposal, needs_model, propose
from interlock.domains.claims.rules import RulesResult, evaluate_rules
from interlock.engine_trail import TASK, ItemResult, Subject, Trail, proposal_to_dict, recorded_result
from interlock.exceptions import (
    AccessDenied,
    ConnectorUnavailable,
    DependencyUnavailable,
    ModelOutputInvalid,
    StaleRecord,
)
from interlock.gate.approval import (
    ApprovedFinalization,
    ApprovedPend,
    ApprovedWrite,
    restore_write,
    write_to_dict,
)
from interlock.gate.claims import Thresholds, run_gate
from interlock.gate.repair import repair_findings
from interlock.gate.verdict import Verdict
from interlock.models.base import ModelClient, NecessityAssessment
from interlock.models.deadline import CANCELLATION_BUDGET
from interlock.models.resilience import call_with_retries
from interlock.policy.document import PolicyDocument, default_policy
from interlock.policy.entitlements import ClaimScope
from interlock.policy.principal import Principal
from interlock.retrieval.precedent import PrecedentFinder
from interlock.telemetry.metrics import STAGE_SECONDS, WORK_ITEMS, reason_kind
from interlock.telemetry.tracing import guardrail_span, record_decision, stage_span, tracer
from interlock.work.failpoints import Failpoints
from interlock.work.store import Lease, ReviewOpening, WorkStore

__all__ = ["POST_MODEL_RESERVE", "TASK", "ClaimsEngine", "EngineSettings", "ItemResult", "proposal_to_dict"]

#: Seconds of a work item's deadline kept back from the model: the cancellation budget of
#: an abandoned call, then the gate, the recovery point (or deferral) and the writes.
POST_MODEL_RESERVE = CANCELLATION_BUDGET + 0.2


@dataclass(frozen=True, slots=True, kw_only=True)
class EngineSettings:
    """Knobs of one engine: deadlines, leases, deferral budget, thresholds."""

    deadline_seconds: float = 30.0
    lease_seconds: float = 120.0
    max_defers: int = 5
    defer_base_seconds: float = 2.0
    #: Longest wait between tries. A system-of-record outage defers without a count limit
    #: (even a pend needs the system of record), so the doubling must stop somewhere.
    defer_max_seconds: float = 60.0
    thresholds: Thresholds = field(default_factory=Thresholds)


@contextmanager
def _stage(name: str) -> Iterator[None]:
    """Time one stage as a span (no record ids on it) and as a histogram observation."""
    started = time.perf_counter()
    with stage_span(name, task=TASK):
        try:
            yield
        finally:
            STAGE_SECONDS.labels(stage=name).observe(time.perf_counter() - started)


class ClaimsEngine:
    """Runs ``claims.adjudicate`` work items against one system of record and one store."""

    def __init__(
        self,
        *,
        connector: SqlClaimsConnector,
        store: WorkStore,
        principal: Principal,
        model: ModelClient | None,
        settings: EngineSettings | None = None,
        clock: Clock | None = None,
        worker: str | None = None,
        failpoints: Failpoints | None = None,
        policy: PolicyDocument | None = None,
    ) -> None:
        self.connector = connector
        self.store = store
        self.principal = principal
        self.model = model
        self.settings = settings or EngineSettings()
        self.clock = clock or SystemClock()
        self.worker = worker or f"{socket.gethostname()}:{os.getpid()}"
        policy = policy or default_policy()
        self.scope: ClaimScope = policy.claim_scope(principal)
        # What this principal may write for the task, as the policy file declares it.
        self.boundary = policy.write_boundary(TASK, principal)
        self.trail = Trail(
            principal_id=principal.principal_id,
            policy_version=self.scope.policy_version,
            worker=self.worker,
            clock=self.clock,
        )
        # Load the ICD-10-CM code set now, not inside the first work item's deadline.
        icd10_status("A00")
        # Crash tests arm these at the step boundaries; unarmed, each hit is one dict check.
        self.failpoints = failpoints if failpoints is not None else Failpoints.from_env()
        # Similar adjudicated claims for the audit trail; skipped when the store has no index.
        self.precedent = PrecedentFinder(store.engine, sor=connector.engine)

    def pending_claims(self) -> list[str]:
        """Claims awaiting a decision that this engine's principal may process."""
        with acting_as(self.principal):
            return self.connector.claim_ids(self.scope, status="received")

    def process(self, claim_id: str) -> ItemResult:
        """Run the work item for the claim's current version to a defined end state.

        A claim that changed while it was being decided is decided again (up to three
        times); a claim the principal may not read raises :class:`AccessDenied`.
        """
        # acting_as: on a system of record bound for row-level security, every transaction
        # of this work item carries the principal, so the database filters as the scope does.
        with (
            acting_as(self.principal),
            tracer().start_as_current_span(f"interlock {TASK}", attributes={"interlock.task": TASK}) as span,
        ):
            result = ItemResult.unwritten(
                claim_id, None, "defer", "claim kept changing while it was being decided"
            )
            for _ in range(3):
                attempt = self._process_version(claim_id)
                if attempt.route != "superseded":
                    result = attempt
                    break
            span.set_attribute("interlock.route", result.route)
            WORK_ITEMS.labels(task=TASK, route=result.route, reason=reason_kind(result.reason)).inc()
            return result

    # -- the stages -----------------------------------------------------------------

    def _process_version(self, claim_id: str) -> ItemResult:
        started = time.monotonic()  # the deadline covers the whole work item
        deadline = started + self.settings.deadline_seconds
        with _stage("entitlement"):
            try:
                version = self.connector.claim_version(claim_id, self.scope)
            except ConnectorUnavailable as exc:
                return ItemResult.unwritten(claim_id, None, "defer", str(exc))
            if version is None or not self.boundary.may_pend:
                raise AccessDenied()
        subject: dict[str, str | int] = {"claim_id": claim_id, "claim_version": version}
        with _stage("lease"):
            item_id, lease = self.store.ensure_and_lease(
                task=TASK,
                record_id=claim_id,
                version=version,
                principal=self.principal.principal_id,
                worker=self.worker,
                now=self.clock.now(),
                seconds=self.settings.lease_seconds,
            )
        if lease is None:
            return self._not_leased(item_id, claim_id, version)
        self.failpoints.hit("after_claim")
        if lease.decision is not None:
            return self._apply(lease, lease.decision, subject)
        with _stage("retrieve"):
            try:
                ctx = self.connector.fetch_context(claim_id, self.scope)
            except ConnectorUnavailable as exc:
                return self._defer(lease, subject, str(exc))
            if ctx is None:
                raise AccessDenied()
            if ctx.claim.version != version:
                reason = f"claim moved to version {ctx.claim.version}"
                self.store.complete(
                    lease,
                    route="superseded",
                    reason=reason,
                    receipt=None,
                    review=None,
                    events=[],
                    now=self.clock.now(),
                )
                return ItemResult.unwritten(claim_id, version, "superseded", "claim changed")
            # Recorded for reviewers only: precedent never reaches the rules, the model or the gate.
            precedent = [p.item_id for p in self.precedent.lookup(ctx, self.scope)]
        events: list[AuditEvent] = [
            self.trail.event(
                "entitlement.decided",
                work_item_id=item_id,
                subject=subject,
                outcome="allow",
                reason="; ".join(self.scope.reasons),
            ),
            self.trail.event(
                "context.retrieved",
                work_item_id=item_id,
                subject=subject,
                outcome="ok",
                reason=f"{len(ctx.items)} context items",
                details={"items": [i.item_id for i in ctx.items][:200], "precedent": precedent},
            ),
        ]
        with _stage("rules"):
            rules = evaluate_rules(ctx)
            events.append(self.trail.rules(item_id, subject, rules))
        necessity: NecessityAssessment | None = None
        problem: str | None = None
        if needs_model(ctx, rules) and self.model is not None:
            with _stage("model"):
                try:
                    necessity, attempts = self._ask_model(ctx, deadline)
                    self.failpoints.hit("after_model_call")
                    events.append(self.trail.model_answer(item_id, subject, necessity, attempts))
                except DependencyUnavailable as exc:
                    if lease.defer_count < self.settings.max_defers:
                        return self._defer(lease, subject, str(exc))
                    problem = f"model unavailable after {lease.defer_count} deferrals: {exc}"
                except ModelOutputInvalid as exc:
                    problem = f"model output invalid: {exc}"
                if problem is not None:
                    events.append(self.trail.model_error(item_id, subject, self.model.model_id, problem))
        elif needs_model(ctx, rules):
            problem = "no model configured"
        proposal = propose(ctx, rules, necessity=necessity, model_problem=problem)
        verdict, write = self._gate(proposal, ctx, lease)
        if findings := repair_findings(proposal, verdict):
            # One bounded repair: the first verdict stays on the trail, the second stands.
            events.append(self.trail.verdict(item_id, subject, verdict, repair="requested"))
            repaired = self._repair(ctx, rules, findings, deadline, item_id, subject, events)
            if repaired is not None:
                proposal = repaired
                verdict, write = self._gate(proposal, ctx, lease)
        events.append(self.trail.verdict(item_id, subject, verdict))
        decision = self._decision_record(ctx, proposal, verdict, write)
        decision["precedent"] = precedent
        with _stage("recovery_point"):
            saved = self.store.save_decision(lease, decision, events, now=self.clock.now())
        self.failpoints.hit("after_recovery_point")
        return self._apply(lease, saved, subject)

    def _not_leased(self, item_id: str, claim_id: str, version: int) -> ItemResult:
        """Why the work item could not be taken: its recorded end, or what it is waiting for.

        A finished item answers at once with the outcome it recorded, so a repeated
        request never waits; one held by another worker or waiting out a deferral is
        ``busy``, with the holder or the time it waits until.
        """
        row = self.store.item(item_id)
        if row is not None and row["status"] == "done":
            return recorded_result(row)
        if row is not None and row["status"] == "deferred":
            reason = f"work item is deferred until {row['not_before']:%H:%M:%S} UTC ({row['reason']})"
            return ItemResult.unwritten(claim_id, version, "busy", reason)
        holder = (
            f"{row['lease_owner']} until {row['lease_expires_at']:%H:%M:%S} UTC" if row else "another worker"
        )
        busy = ItemResult.unwritten(claim_id, version, "busy", f"work item is leased by {holder}")
        return replace(busy, held_elsewhere=True)

    def _gate(self, proposal: Proposal, ctx: ClaimContext, lease: Lease) -> tuple[Verdict, ApprovedWrite]:
        with _stage("gate"), guardrail_span(TASK) as span:
            verdict, write = run_gate(
                proposal,
                ctx,
                self.principal,
                self.settings.thresholds,
                idempotency_key=lease.idempotency_key,
                now=self.clock.now(),
                boundary=self.boundary,
            )
            record_decision(span, verdict.status)
            return verdict, write

    def _repair(
        self,
        ctx: ClaimContext,
        rules: RulesResult,
        findings: tuple[str, ...],
        deadline: float,
        item_id: str,
        subject: Subject,
        events: list[AuditEvent],
    ) -> Proposal | None:
        """Ask the model once more with the gate's findings; ``None`` keeps the first verdict.

        The new answer is not trusted for having been asked twice: it gets a fresh
        proposal and passes the whole gate again. A failed repair call (outage, invalid
        output) leaves the first refusal in place, which sends the claim to a person.
        """
        assert self.model is not None
        with _stage("repair"):
            try:
                necessity, attempts = self._ask_model(ctx, deadline, repair_findings=findings)
            except (DependencyUnavailable, ModelOutputInvalid) as exc:
                events.append(
                    self.trail.model_error(item_id, subject, self.model.model_id, str(exc), repair=True)
                )
                return None
            events.append(self.trail.model_answer(item_id, subject, necessity, attempts, repair=True))
            return propose(ctx, rules, necessity=necessity)

    def _ask_model(
        self, ctx: ClaimContext, deadline: float, *, repair_findings: tuple[str, ...] = ()
    ) -> tuple[NecessityAssessment, int]:
        assert self.model is not None
        request = necessity_request(ctx, repair_findings=repair_findings)
        model = self.model
        # Keep a slice of the budget for cancellation, the gate and the writes after the model.
        return call_with_retries(
            lambda timeout: model.assess(request, timeout=timeout), deadline=deadline - POST_MODEL_RESERVE
        )

    def _defer(self, lease: Lease, subject: Subject, reason: str) -> ItemResult:
        delay = min(
            self.settings.defer_base_seconds * 2 ** min(lease.defer_count, 30),
            self.settings.defer_max_seconds,
        )
        not_before = self.clock.now() + timedelta(seconds=delay)
        event = self.trail.event(
            "work.deferred",
            work_item_id=lease.work_item_id,
            subject=subject,
            outcome="deferred",
            reason=reason,
            details={"retry_after_seconds": str(delay)},
        )
        with _stage("defer"):
            self.store.defer(
                lease, reason=reason, not_before=not_before, events=[event], now=self.clock.now()
            )
        return ItemResult.unwritten(lease.record_id, lease.record_version, "defer", reason)

    def _decision_record(
        self, ctx: ClaimContext, proposal: Proposal, verdict: Verdict, write: ApprovedWrite
    ) -> dict[str, Any]:
        claim = ctx.claim
        return {
            "write": write_to_dict(write),
            "verdict": verdict.status,
            "findings": [
                {"check": f.check, "severity": f.severity, "reason": f.reason} for f in verdict.findings
            ],
            "proposal": proposal_to_dict(proposal),
            "claim": {
                "total_billed": str(claim.total_billed),
                "region": claim.region,
                "line_of_business": claim.line_of_business,
                "sensitivity": claim.sensitivity,
            },
        }

    def _apply(self, lease: Lease, decision: dict[str, Any], subject: Subject) -> ItemResult:
        """Write the saved decision to the system of record and complete the work item."""
        write = restore_write(decision["write"])
        with _stage("write"):
            try:
                receipt = self.connector.write(write)
            except ConnectorUnavailable as exc:
                # The recovery point stays saved: the retry writes exactly this decision.
                return self._defer(lease, subject, str(exc))
            except StaleRecord as exc:
                event = self.trail.completed(lease.work_item_id, subject, "superseded", str(exc))
                self.store.complete(
                    lease,
                    route="superseded",
                    reason=str(exc),
                    receipt=None,
                    review=None,
                    events=[event],
                    now=self.clock.now(),
                )
                return ItemResult.unwritten(lease.record_id, lease.record_version, "superseded", str(exc))
        self.failpoints.hit("after_sor_write")
        with _stage("complete"):
            return self._complete(lease, decision, write, receipt, subject)

    def _complete(
        self,
        lease: Lease,
        decision: dict[str, Any],
        write: ApprovedWrite,
        receipt: Receipt,
        subject: Subject,
    ) -> ItemResult:
        item_id = lease.work_item_id
        receipt_text = receipt.adjudication_id or f"pend:{receipt.claim_id}@v{receipt.claim_version}"
        events = [
            self.trail.event(
                "sor.written",
                work_item_id=item_id,
                subject=subject,
                outcome=receipt.kind,
                reason="already applied" if receipt.already_applied else "applied",
                idempotency_key=lease.idempotency_key,
                receipt=receipt_text,
            )
        ]
        review: ReviewOpening | None = None
        match write:
            case ApprovedFinalization():
                result = ItemResult(
                    claim_id=lease.record_id,
                    claim_version=lease.record_version,
                    route="commit",
                    outcome=write.outcome,
                    carc=write.carc,
                    reason=write.rationale,
                    decided_by=write.decided_by,
                )
                details = {
                    "outcome": write.outcome,
                    "carc": write.carc,
                    "allowed": str(write.allowed),
                    "paid": str(write.paid),
                    "decided_by": write.decided_by,
                }
                events.append(
                    self.trail.event(
                        "route.decided",
                        work_item_id=item_id,
                        subject=subject,
                        outcome="commit",
                        reason=write.rationale,
                        details=details,
                    )
                )
            case ApprovedPend():
                result = ItemResult(
                    claim_id=lease.record_id,
                    claim_version=lease.record_version,
                    route="review",
                    outcome="review",
                    carc=None,
                    reason=write.reason,
                )
                review = self._review_opening(write, decision)
                for kind, outcome in (("route.decided", "review"), ("review.opened", "open")):
                    events.append(
                        self.trail.event(
                            kind, work_item_id=item_id, subject=subject, outcome=outcome, reason=write.reason
                        )
                    )
        events.append(self.trail.completed(item_id, subject, result.route, result.reason))
        self.failpoints.hit("before_ack")
        self.store.complete(
            lease,
            route=result.route,
            reason=result.reason,
            receipt={
                "kind": receipt.kind,
                "adjudication_id": receipt.adjudication_id,
                "already_applied": receipt.already_applied,
            },
            review=review,
            events=events,
            now=self.clock.now(),
        )
        self.failpoints.hit("after_ack")
        return result

    @staticmethod
    def _review_opening(write: ApprovedPend, decision: dict[str, Any]) -> ReviewOpening:
        """The review item a pend opens, with what the reviewer needs to see why."""
        claim = decision["claim"]
        return ReviewOpening(
            claim_id=write.claim_id,
            claim_version=write.claim_version,
            total_billed=claim["total_billed"],
            region=claim["region"],
            line_of_business=claim["line_of_business"],
            sensitivity=claim["sensitivity"],
            reason=write.reason,
            findings=decision["findings"],
            proposal=decision["proposal"],
        )
