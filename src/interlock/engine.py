"""The one place that knows the order of the stages of a work item, for any task.

For one task on one record version, on behalf of one principal::

    entitlement -> lease -> (recovery point? reuse it) -> scoped context -> rules
      -> model when the task asks a question (retries, deadline) -> proposal -> gate
      -> save recovery point -> write to the system of record -> complete (+ review item)
      -> tell the write listener (the search index's follower), outside the item's transaction
      -> shadow (when a candidate is configured: :mod:`interlock.shadow`, writes nothing)

Every decision is made by pure code (the policy, the task's rules, proposer and gate
checks, the gate runner); this module only moves values between them and the world.
Each stage is an OpenTelemetry span and an observation of
``interlock_stage_duration_seconds``, and leaves audit events (built in
:mod:`interlock.engine_trail`). A retried work item reuses its saved decision and
never asks the model again.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Generic, Literal, Protocol

from interlock.audit.events import AuditEvent
from interlock.clock import Clock, SystemClock
from interlock.connectors.pg_access import acting_as
from interlock.engine_trail import ItemResult, Subject, Trail, findings_reason, recorded_result
from interlock.exceptions import (
    AccessDenied,
    ConnectorUnavailable,
    DependencyUnavailable,
    ModelOutputInvalid,
    StaleRecord,
)
from interlock.gate.approval import ApprovedCommit, ApprovedHold, ApprovedWrite, restore_write
from interlock.gate.familiarity import FamiliarityJudge
from interlock.gate.runner import run_gate
from interlock.gate.verdict import Verdict
from interlock.models.base import ModelAnswer, ModelClient, ModelQuestion
from interlock.models.deadline import CANCELLATION_BUDGET
from interlock.models.resilience import call_with_retries
from interlock.policy.document import PolicyDocument, default_policy
from interlock.policy.principal import Principal
from interlock.policy.tasks import WriteBoundary
from interlock.quality.config import QualitySettings
from interlock.quality.guard import QualityGuard
from interlock.store.authors import authors_of
from interlock.task import Connector, CtxT, PayloadT, ProposalT, Receipt, RulesT, Task, Thresholds
from interlock.telemetry.metrics import STAGE_SECONDS, WORK_ITEMS, reason_kind
from interlock.telemetry.tracing import guardrail_span, record_decision, stage_span, tracer
from interlock.work.failpoints import Failpoints
from interlock.work.recovery import RecoveryPoint
from interlock.work.store import Lease, ReviewOpening, WorkStore
from interlock.work.written import WriteListener, Written, tell

if TYPE_CHECKING:
    from interlock.shadow.runner import ShadowRunner

__all__ = ["POST_MODEL_RESERVE", "Engine", "EngineSettings", "ItemResult", "PrecedentLookup"]

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
    #: (even a hold needs the system of record), so the doubling must stop somewhere.
    defer_max_seconds: float = 60.0
    thresholds: Thresholds = field(default_factory=Thresholds)
    #: Blind samples of automatic decisions and the closed path (:mod:`interlock.quality`).
    quality: QualitySettings = field(default_factory=QualitySettings)
    #: Miscoverage of the familiarity check (:mod:`interlock.gate.familiarity`); ``None``
    #: is off. The settings turn it on (``[engine] familiarity``); an engine built in
    #: code gets its region from :func:`interlock.assembly.build_engine` or not at all.
    familiarity_alpha: float | None = None


class PrecedentLookup(Protocol):
    """Finds earlier decided records like this one, for reviewers; never for the decision."""

    def lookup_ids(self, context: Any, scope: Any) -> list[str]:
        """Context item ids of precedents ``scope`` may see; empty when search is unavailable."""
        ...


@contextmanager
def _stage(name: str, task: str) -> Iterator[None]:
    """Time one stage as a span (no record ids on it) and as a histogram observation."""
    started = time.perf_counter()
    with stage_span(name, task=task):
        try:
            yield
        finally:
            STAGE_SECONDS.labels(stage=name).observe(time.perf_counter() - started)


class Engine(Generic[CtxT, RulesT, ProposalT, PayloadT]):
    """Runs one task's work items against one system of record and one store."""

    def __init__(
        self,
        *,
        task: Task[CtxT, RulesT, ProposalT, PayloadT],
        connector: Connector[Any, CtxT, PayloadT],
        store: WorkStore,
        principal: Principal,
        model: ModelClient | None,
        settings: EngineSettings | None = None,
        clock: Clock | None = None,
        worker: str | None = None,
        failpoints: Failpoints | None = None,
        policy: PolicyDocument | None = None,
        precedent: PrecedentLookup | None = None,
        on_written: WriteListener | None = None,
        shadow: ShadowRunner | None = None,
        familiarity: FamiliarityJudge | None = None,
    ) -> None:
        self.task = task
        self.connector = connector
        self.store = store
        self.principal = principal
        self.model = model
        self.settings = settings or EngineSettings()
        self.clock = clock or SystemClock()
        self.worker = worker or f"{socket.gethostname()}:{os.getpid()}"
        self.policy = policy or default_policy()
        self.scope = task.scope(self.policy, principal)
        # What this principal may write for the task, as the policy file declares it.
        self.boundary = self.policy.write_boundary(task.name, principal)
        self.trail = Trail(
            task=task.name,
            principal_id=principal.principal_id,
            policy_version=self.scope.policy_version,
            worker=self.worker,
            clock=self.clock,
        )
        task.prepare()
        # Crash tests arm these at the step boundaries; unarmed, each hit is one dict check.
        self.failpoints = failpoints if failpoints is not None else Failpoints.from_env()
        # Similar decided records for the audit trail, when the domain offers a lookup.
        self.precedent = precedent
        # Told of every record written, after its work item completed (index follow-writes).
        self.on_written = on_written
        # A candidate decided beside production after each fresh decision (interlock.shadow).
        self.shadow = shadow
        self.quality = QualityGuard(
            task=task.name, settings=self.settings.quality, store=store.engine, principal=principal
        )
        # The fitted familiar region the gate checks model-based proposals against, if any.
        self.familiarity = familiarity

    @property
    def task_name(self) -> str:
        """The task this engine runs."""
        return self.task.name

    def pending_records(self) -> list[str]:
        """Records awaiting a decision that this engine's principal may process."""
        with acting_as(self.principal):
            return self.connector.pending_records(self.scope)

    def process(self, record_id: str) -> ItemResult:
        """Run the work item for the record's current version to a defined end state.

        A record that changed while it was being decided is decided again (up to three
        times); a record the principal may not read raises :class:`AccessDenied`.
        """
        # acting_as: on a system of record bound for row-level security, every transaction
        # of this work item carries the principal, so the database filters as the scope does.
        name = self.task.name
        with (
            acting_as(self.principal),
            tracer().start_as_current_span(f"interlock {name}", attributes={"interlock.task": name}) as span,
        ):
            result = ItemResult.unwritten(
                record_id, None, "defer", "record kept changing while it was being decided"
            )
            for _ in range(3):
                attempt = self._process_version(record_id)
                if attempt.route != "superseded":
                    result = attempt
                    break
            span.set_attribute("interlock.route", result.route)
            WORK_ITEMS.labels(task=name, route=result.route, reason=reason_kind(result.reason)).inc()
            return result

    # -- the stages -----------------------------------------------------------------

    def _stage(self, name: str) -> Any:
        return _stage(name, self.task.name)

    def _process_version(self, record_id: str) -> ItemResult:
        started = time.monotonic()  # the deadline covers the whole work item
        deadline = started + self.settings.deadline_seconds
        with self._stage("entitlement"):
            try:
                version = self.connector.record_version(record_id, self.scope)
            except ConnectorUnavailable as exc:
                return ItemResult.unwritten(record_id, None, "defer", str(exc))
            if version is None or not self.boundary.may_pend:
                raise AccessDenied()
        subject = self.trail.subject(record_id, version)
        with self._stage("lease"):
            item_id, lease = self.store.ensure_and_lease(
                task=self.task.name,
                record_id=record_id,
                version=version,
                principal=self.principal.principal_id,
                worker=self.worker,
                now=self.clock.now(),
                seconds=self.settings.lease_seconds,
            )
        if lease is None:
            return self._not_leased(item_id, record_id, version)
        self.failpoints.hit("after_claim")
        if lease.decision is not None:
            return self._apply(lease, RecoveryPoint.from_json(lease.decision), subject)
        with self._stage("retrieve"):
            try:
                ctx = self.connector.read_context(record_id, self.scope)
            except ConnectorUnavailable as exc:
                return self._defer(lease, subject, str(exc))
            if ctx is None:
                raise AccessDenied()
            if ctx.record_version != version:
                reason = f"record moved to version {ctx.record_version}"
                self.store.complete(
                    lease,
                    route="superseded",
                    reason=reason,
                    receipt=None,
                    review=None,
                    events=[],
                    now=self.clock.now(),
                )
                return ItemResult.unwritten(record_id, version, "superseded", "record changed")
            # Recorded for reviewers only: precedent never reaches the rules, the model or the gate.
            precedent = self.precedent.lookup_ids(ctx, self.scope) if self.precedent is not None else []
        events: list[AuditEvent] = [
            self.trail.entitlement(item_id, subject, self.scope.reasons),
            self.trail.retrieved(item_id, subject, [i.item_id for i in ctx.items], precedent),
        ]
        with self._stage("rules"):
            rules = self.task.rules(ctx)
            events.append(self.trail.rules(item_id, subject, self.task.rules_summary(rules)))
        answer: ModelAnswer | None = None
        problem: str | None = None
        question = self.task.question(ctx, rules)
        if question is not None and self.model is not None:
            with self._stage("model"):
                try:
                    answer, attempts = self._ask_model(question, deadline)
                    self.failpoints.hit("after_model_call")
                    events.append(self.trail.model_answer(item_id, subject, answer, attempts))
                except DependencyUnavailable as exc:
                    if lease.defer_count < self.settings.max_defers:
                        return self._defer(lease, subject, str(exc))
                    problem = f"model unavailable after {lease.defer_count} deferrals: {exc}"
                except ModelOutputInvalid as exc:
                    problem = f"model output invalid: {exc}"
                if problem is not None:
                    events.append(self.trail.model_error(item_id, subject, self.model.model_id, problem))
        elif question is not None:
            problem = "no model configured"
        proposal = self.task.propose(ctx, rules, answer=answer, model_problem=problem)
        verdict, write = self._gate(proposal, ctx, lease)
        if findings := self.task.repair_findings(proposal, verdict):
            # One bounded repair: the first verdict stays on the trail, the second stands.
            events.append(
                self.trail.verdict(item_id, subject, verdict, self.task.gate_version, repair="requested")
            )
            repaired = self._repair(ctx, rules, findings, deadline, item_id, subject, events)
            if repaired is not None:
                proposal = repaired
                verdict, write = self._gate(proposal, ctx, lease)
        # The gate's own verdict, before quality screening: what the automatic path decided.
        gated = verdict
        # A sampled automatic decision, or any on a closed path, goes to a person instead.
        verdict, write = self.quality.screen(verdict, write)
        events.append(self.trail.verdict(item_id, subject, verdict, self.task.gate_version))
        point = RecoveryPoint.of(self.task, ctx, proposal, verdict, write, precedent)
        with self._stage("recovery_point"):
            saved = self.store.save_decision(lease, point.to_json(), events, now=self.clock.now())
        self.failpoints.hit("after_recovery_point")
        result = self._apply(lease, RecoveryPoint.from_json(saved), subject)
        if self.shadow is not None:
            # After the write and the ack: the candidate cannot change, delay or fail them.
            with self._stage("shadow"):
                self.shadow.observe(
                    task=self.task,
                    context=ctx,
                    rules=rules,
                    proposal=proposal,
                    verdict=gated,
                    principal=self.principal,
                    boundary=lambda: self._boundary_for(ctx.record_id),
                    thresholds=self.settings.thresholds,
                    work_item_id=item_id,
                    deadline=deadline,
                    familiarity=self.familiarity,
                )
        return result

    def _boundary_for(self, record_id: str) -> WriteBoundary:
        """The write boundary for one record: for a person, knowing whether they authored it."""
        if not self.boundary.person:
            return self.boundary
        return self.boundary.for_record(
            authors_of(self.store.engine, record_type=self.task.record_type, record_id=record_id)
        )

    def _not_leased(self, item_id: str, record_id: str, version: int) -> ItemResult:
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
            return ItemResult.unwritten(record_id, version, "busy", reason)
        holder = (
            f"{row['lease_owner']} until {row['lease_expires_at']:%H:%M:%S} UTC" if row else "another worker"
        )
        busy = ItemResult.unwritten(record_id, version, "busy", f"work item is leased by {holder}")
        return replace(busy, held_elsewhere=True)

    def _gate(self, proposal: ProposalT, ctx: CtxT, lease: Lease) -> tuple[Verdict, ApprovedWrite[PayloadT]]:
        with self._stage("gate"), guardrail_span(self.task.name) as span:
            verdict, write = run_gate(
                self.task,
                proposal,
                ctx,
                self.principal,
                self.settings.thresholds,
                boundary=self._boundary_for(ctx.record_id),
                idempotency_key=lease.idempotency_key,
                now=self.clock.now(),
                familiarity=self.familiarity,
            )
            record_decision(span, verdict.status)
            return verdict, write

    def _repair(
        self,
        ctx: CtxT,
        rules: RulesT,
        findings: tuple[str, ...],
        deadline: float,
        item_id: str,
        subject: Subject,
        events: list[AuditEvent],
    ) -> ProposalT | None:
        """Ask the model once more with the gate's findings; ``None`` keeps the first verdict.

        The new answer is not trusted for having been asked twice: it gets a fresh
        proposal and passes the whole gate again. A failed repair call (outage, invalid
        output) leaves the first refusal in place, which sends the record to a person.
        """
        question = self.task.question(ctx, rules, repair_findings=findings)
        if self.model is None or question is None:
            return None
        with self._stage("repair"):
            try:
                answer, attempts = self._ask_model(question, deadline)
            except (DependencyUnavailable, ModelOutputInvalid) as exc:
                events.append(
                    self.trail.model_error(item_id, subject, self.model.model_id, str(exc), repair=True)
                )
                return None
            events.append(self.trail.model_answer(item_id, subject, answer, attempts, repair=True))
            return self.task.propose(ctx, rules, answer=answer, model_problem=None)

    def _ask_model(self, question: ModelQuestion[ModelAnswer], deadline: float) -> tuple[ModelAnswer, int]:
        model = self.model
        assert model is not None
        # Keep a slice of the budget for cancellation, the gate and the writes after the model.
        return call_with_retries(
            lambda timeout: model.ask(question, timeout=timeout), deadline=deadline - POST_MODEL_RESERVE
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
        with self._stage("defer"):
            self.store.defer(
                lease, reason=reason, not_before=not_before, events=[event], now=self.clock.now()
            )
        return ItemResult.unwritten(lease.record_id, lease.record_version, "defer", reason)

    def _apply(self, lease: Lease, point: RecoveryPoint, subject: Subject) -> ItemResult:
        """Write the saved decision to the system of record and complete the work item."""
        write = restore_write(point.write, self.task.payload_from_json)
        with self._stage("write"):
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
        with self._stage("complete"):
            result = self._complete(lease, point, write, receipt, subject)
        # After the item's transaction: a listener can neither undo nor delay the write.
        kind: Literal["commit", "hold"] = "commit" if isinstance(write, ApprovedCommit) else "hold"
        tell(
            self.on_written,
            Written(task=self.task.name, record_id=lease.record_id, principal=self.principal, write=kind),
        )
        return result

    def _complete(
        self,
        lease: Lease,
        point: RecoveryPoint,
        write: ApprovedWrite[PayloadT],
        receipt: Receipt,
        subject: Subject,
    ) -> ItemResult:
        item_id = lease.work_item_id
        events = [self.trail.written(item_id, subject, receipt, lease.idempotency_key)]
        review: ReviewOpening | None = None
        cited = ""  # a pend's findings, by position, for the trail
        match write:
            case ApprovedCommit():
                result = ItemResult(
                    record_id=lease.record_id,
                    record_version=lease.record_version,
                    route="commit",
                    outcome=write.outcome,
                    reason_code=write.reason_code,
                    reason=write.rationale,
                    decided_by=write.decided_by,
                )
                facts = {
                    "outcome": write.outcome,
                    "reason_code": write.reason_code,
                    **self.task.commit_facts(write.payload),
                    "decided_by": write.decided_by,
                }
                events.append(self.trail.routed(item_id, subject, "commit", write.rationale, facts))
            case ApprovedHold():
                result = ItemResult(
                    record_id=lease.record_id,
                    record_version=lease.record_version,
                    route="review",
                    outcome="review",
                    reason_code=None,
                    reason=write.reason,
                )
                review = point.review_opening(write)
                # The hold's reason quotes the findings; the trail cites them by position.
                cited = findings_reason(point.findings)
                events.append(self.trail.routed(item_id, subject, "review", cited))
                events.append(self.trail.review_opened(item_id, subject, cited))
        events.append(self.trail.completed(item_id, subject, result.route, cited or result.reason))
        self.failpoints.hit("before_ack")
        self.store.complete(
            lease,
            route=result.route,
            reason=result.reason,
            receipt=receipt.to_json(),
            review=review,
            events=events,
            now=self.clock.now(),
        )
        self.failpoints.hit("after_ack")
        return result
