"""The one place that knows the order of the stages of a work item.

For ``claims.adjudicate`` on one claim, on behalf of one principal::

    entitlement -> lease -> (recovery point? reuse it) -> scoped context -> rules 1-8
      -> model for rule 9 when needed (retries, deadline) -> proposal -> gate
      -> save recovery point -> write to the system of record -> complete (+ review item)

Every decision is made by the pure modules (policy, rules, proposal, gate); this module
only moves values between them and the world, and records an audit event at each
stage. A retried work item reuses its saved decision and never asks the model again.
"""

from __future__ import annotations

import hashlib
import os
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from interlock.audit.events import AuditEvent, JsonInput
from interlock.clock import Clock, SystemClock
from interlock.connectors.sql_claims import Receipt, SqlClaimsConnector
from interlock.domains.claims.codesets import icd10_status
from interlock.domains.claims.context import ClaimContext
from interlock.domains.claims.necessity import necessity_request
from interlock.domains.claims.proposal import Proposal, needs_model, propose
from interlock.domains.claims.rules import RULES_VERSION, RulesResult, evaluate_rules
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
from interlock.gate.claims import GATE_VERSION, Thresholds, run_gate
from interlock.gate.repair import repair_findings
from interlock.gate.verdict import Verdict
from interlock.models.base import ModelClient, NecessityAssessment
from interlock.models.resilience import call_with_retries
from interlock.policy.document import PolicyDocument, default_policy
from interlock.policy.entitlements import ClaimScope
from interlock.policy.principal import Principal
from interlock.retrieval.precedent import PrecedentFinder
from interlock.work.failpoints import Failpoints
from interlock.work.store import Lease, ReviewOpening, WorkStore

TASK = "claims.adjudicate"
#: Seconds of a work item's deadline kept for the gate, the recovery point and the writes.
POST_MODEL_RESERVE = 0.15


@dataclass(frozen=True, slots=True, kw_only=True)
class EngineSettings:
    """Knobs of one engine: deadlines, leases, deferral budget, thresholds."""

    deadline_seconds: float = 30.0
    lease_seconds: float = 120.0
    max_defers: int = 5
    defer_base_seconds: float = 2.0
    thresholds: Thresholds = field(default_factory=Thresholds)


@dataclass(frozen=True, slots=True, kw_only=True)
class ItemResult:
    """How one work item ended: its route, the outcome written and why."""

    claim_id: str
    claim_version: int | None
    route: str
    outcome: str
    carc: str | None
    reason: str
    decided_by: str | None = None


def proposal_to_dict(p: Proposal) -> dict[str, Any]:
    """The JSON form of a proposal kept with review items and recovery points."""
    necessity = None
    if p.necessity is not None:
        necessity = {
            "model_id": p.necessity.model_id,
            "prompt_template": p.necessity.prompt_template,
            "prompt_hash": p.necessity.prompt_hash,
            "policies": [
                {
                    "policy_id": pa.policy_id,
                    "status": pa.status,
                    "confidence": round(pa.confidence, 6),
                    "rationale": pa.rationale[:500],
                    "citations": [{"item_id": c.item_id, "quote": c.quote[:300]} for c in pa.citations],
                }
                for pa in p.necessity.policies
            ],
        }
    return {
        "claim_id": p.claim_id,
        "claim_version": p.claim_version,
        "outcome": p.outcome,
        "carc": p.carc,
        "allowed": str(p.amounts.allowed),
        "paid": str(p.amounts.paid),
        "lines": [[la.line_no, str(la.allowed), str(la.paid)] for la in p.amounts.lines],
        "basis": p.basis,
        "decided_by": p.decided_by,
        "rationale": p.rationale,
        "confidence": round(p.confidence, 6),
        "review_reasons": list(p.review_reasons),
        "necessity": necessity,
    }


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
        # Load the ICD-10-CM code set now, not inside the first work item's deadline.
        icd10_status("A00")
        # Crash tests arm these at the step boundaries; unarmed, each hit is one dict check.
        self.failpoints = failpoints if failpoints is not None else Failpoints.from_env()
        # Similar adjudicated claims for the audit trail; skipped when the store has no index.
        self.precedent = PrecedentFinder(store.engine, sor=connector.engine)

    # -- audit helpers --------------------------------------------------------------

    def _event(
        self,
        kind: str,
        *,
        work_item_id: str | None,
        subject: Mapping[str, str | int],
        outcome: str,
        reason: str,
        details: Mapping[str, JsonInput] | None = None,
        **extra: str | None,
    ) -> AuditEvent:
        return AuditEvent(
            kind=kind,  # type: ignore[arg-type]
            at=self.clock.now(),
            principal=self.principal.principal_id,
            on_behalf_of=None,
            purpose=TASK,
            work_item_id=work_item_id,
            subject=subject,
            outcome=outcome,
            reason=reason[:500],
            details=details or {},
            policy_version=self.scope.policy_version,
            source=f"interlock/{self.worker}",
            **extra,
        )

    # -- the stages -----------------------------------------------------------------

    def pending_claims(self) -> list[str]:
        """Claims awaiting a decision that this engine's principal may process."""
        return self.connector.claim_ids(self.scope, status="received")

    def process(self, claim_id: str) -> ItemResult:
        """Run the work item for the claim's current version to a defined end state.

        A claim that changed while it was being decided is decided again (up to three
        times); a claim the principal may not read raises :class:`AccessDenied`.
        """
        for _ in range(3):
            result = self._process_version(claim_id)
            if result.route != "superseded":
                return result
        return ItemResult(
            claim_id=claim_id,
            claim_version=None,
            route="defer",
            outcome="none",
            carc=None,
            reason="claim kept changing while it was being decided",
        )

    def _process_version(self, claim_id: str) -> ItemResult:
        started = time.monotonic()  # the deadline covers the whole work item
        try:
            version = self.connector.claim_version(claim_id, self.scope)
        except ConnectorUnavailable as exc:
            return ItemResult(
                claim_id=claim_id,
                claim_version=None,
                route="defer",
                outcome="none",
                carc=None,
                reason=str(exc),
            )
        if version is None or not self.boundary.may_pend:
            raise AccessDenied()
        subject: dict[str, str | int] = {"claim_id": claim_id, "claim_version": version}
        now = self.clock.now()
        item_id = self.store.ensure(
            task=TASK, record_id=claim_id, version=version, principal=self.principal.principal_id, now=now
        )
        lease = self.store.lease(item_id, worker=self.worker, now=now, seconds=self.settings.lease_seconds)
        if lease is None:
            return ItemResult(
                claim_id=claim_id,
                claim_version=version,
                route="busy",
                outcome="none",
                carc=None,
                reason="work item is leased by another worker, waiting out a deferral, or already done",
            )
        self.failpoints.hit("after_claim")
        deadline = started + self.settings.deadline_seconds
        if lease.decision is not None:
            return self._apply(lease, lease.decision, subject)
        try:
            ctx = self.connector.fetch_context(claim_id, self.scope)
        except ConnectorUnavailable as exc:
            return self._defer(lease, subject, str(exc))
        if ctx is None:
            raise AccessDenied()
        if ctx.claim.version != version:
            self.store.complete(
                lease,
                route="superseded",
                reason=f"claim moved to version {ctx.claim.version}",
                receipt=None,
                review=None,
                events=[],
                now=self.clock.now(),
            )
            return ItemResult(
                claim_id=claim_id,
                claim_version=version,
                route="superseded",
                outcome="none",
                carc=None,
                reason="claim changed",
            )
        # Recorded for reviewers only: precedent never reaches the rules, the model or the gate.
        precedent = [p.item_id for p in self.precedent.lookup(ctx, self.scope)]
        events: list[AuditEvent] = [
            self._event(
                "entitlement.decided",
                work_item_id=item_id,
                subject=subject,
                outcome="allow",
                reason="; ".join(self.scope.reasons),
            ),
            self._event(
                "context.retrieved",
                work_item_id=item_id,
                subject=subject,
                outcome="ok",
                reason=f"{len(ctx.items)} context items",
                details={"items": [i.item_id for i in ctx.items][:200], "precedent": precedent},
            ),
        ]
        rules = evaluate_rules(ctx)
        events.append(self._rules_event(item_id, subject, rules))
        necessity: NecessityAssessment | None = None
        problem: str | None = None
        if needs_model(ctx, rules) and self.model is not None:
            try:
                necessity, attempts = self._ask_model(ctx, deadline)
                self.failpoints.hit("after_model_call")
                events.append(self._model_event(item_id, subject, necessity, attempts))
            except DependencyUnavailable as exc:
                if lease.defer_count < self.settings.max_defers:
                    return self._defer(lease, subject, str(exc))
                problem = f"model unavailable after {lease.defer_count} deferrals: {exc}"
            except ModelOutputInvalid as exc:
                problem = f"model output invalid: {exc}"
            if problem is not None:
                events.append(
                    self._event(
                        "model.called",
                        work_item_id=item_id,
                        subject=subject,
                        outcome="error",
                        reason=problem,
                        model_id=self.model.model_id,
                    )
                )
        elif needs_model(ctx, rules):
            problem = "no model configured"
        proposal = propose(ctx, rules, necessity=necessity, model_problem=problem)
        verdict, write = self._gate(proposal, ctx, lease)
        if findings := repair_findings(proposal, verdict):
            # One bounded repair: the first verdict stays on the trail, the second stands.
            events.append(self._verdict_event(item_id, subject, verdict, repair="requested"))
            repaired = self._repair(ctx, rules, findings, deadline, item_id, subject, events)
            if repaired is not None:
                proposal = repaired
                verdict, write = self._gate(proposal, ctx, lease)
        events.append(self._verdict_event(item_id, subject, verdict))
        decision = self._decision_record(ctx, proposal, verdict, write)
        decision["precedent"] = precedent
        saved = self.store.save_decision(lease, decision, events, now=self.clock.now())
        self.failpoints.hit("after_recovery_point")
        return self._apply(lease, saved, subject)

    def _gate(self, proposal: Proposal, ctx: ClaimContext, lease: Lease) -> tuple[Verdict, ApprovedWrite]:
        return run_gate(
            proposal,
            ctx,
            self.principal,
            self.settings.thresholds,
            idempotency_key=lease.idempotency_key,
            now=self.clock.now(),
            boundary=self.boundary,
        )

    def _repair(
        self,
        ctx: ClaimContext,
        rules: RulesResult,
        findings: tuple[str, ...],
        deadline: float,
        item_id: str,
        subject: dict[str, str | int],
        events: list[AuditEvent],
    ) -> Proposal | None:
        """Ask the model once more with the gate's findings; ``None`` keeps the first verdict.

        The new answer is not trusted for having been asked twice: it gets a fresh
        proposal and passes the whole gate again. A failed repair call (outage, invalid
        output) leaves the first refusal in place, which sends the claim to a person.
        """
        assert self.model is not None
        try:
            necessity, attempts = self._ask_model(ctx, deadline, repair_findings=findings)
        except (DependencyUnavailable, ModelOutputInvalid) as exc:
            events.append(
                self._event(
                    "model.called",
                    work_item_id=item_id,
                    subject=subject,
                    outcome="error",
                    reason=f"repair: {exc}",
                    details={"repair": True},
                    model_id=self.model.model_id,
                )
            )
            return None
        events.append(self._model_event(item_id, subject, necessity, attempts, repair=True))
        return propose(ctx, rules, necessity=necessity)

    def _ask_model(
        self, ctx: ClaimContext, deadline: float, *, repair_findings: tuple[str, ...] = ()
    ) -> tuple[NecessityAssessment, int]:
        assert self.model is not None
        request = necessity_request(ctx, repair_findings=repair_findings)
        model = self.model
        # Keep a slice of the budget for the gate and the writes after the model answers.
        return call_with_retries(
            lambda timeout: model.assess(request, timeout=timeout), deadline=deadline - POST_MODEL_RESERVE
        )

    def _defer(self, lease: Lease, subject: dict[str, str | int], reason: str) -> ItemResult:
        delay = self.settings.defer_base_seconds * (2**lease.defer_count)
        not_before = self.clock.now() + timedelta(seconds=delay)
        event = self._event(
            "work.deferred",
            work_item_id=lease.work_item_id,
            subject=subject,
            outcome="deferred",
            reason=reason,
            details={"retry_after_seconds": str(delay)},
        )
        self.store.defer(lease, reason=reason, not_before=not_before, events=[event], now=self.clock.now())
        return ItemResult(
            claim_id=lease.record_id,
            claim_version=lease.record_version,
            route="defer",
            outcome="none",
            carc=None,
            reason=reason,
        )

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

    def _apply(self, lease: Lease, decision: dict[str, Any], subject: dict[str, str | int]) -> ItemResult:
        """Write the saved decision to the system of record and complete the work item."""
        write = restore_write(decision["write"])
        try:
            receipt = self.connector.write(write)
        except ConnectorUnavailable as exc:
            # The recovery point stays saved: the retry writes exactly this decision.
            return self._defer(lease, subject, str(exc))
        except StaleRecord as exc:
            event = self._event(
                "work.completed",
                work_item_id=lease.work_item_id,
                subject=subject,
                outcome="superseded",
                reason=str(exc),
            )
            self.store.complete(
                lease,
                route="superseded",
                reason=str(exc),
                receipt=None,
                review=None,
                events=[event],
                now=self.clock.now(),
            )
            return ItemResult(
                claim_id=lease.record_id,
                claim_version=lease.record_version,
                route="superseded",
                outcome="none",
                carc=None,
                reason=str(exc),
            )
        self.failpoints.hit("after_sor_write")
        return self._complete(lease, decision, write, receipt, subject)

    def _complete(
        self,
        lease: Lease,
        decision: dict[str, Any],
        write: ApprovedWrite,
        receipt: Receipt,
        subject: dict[str, str | int],
    ) -> ItemResult:
        receipt_dict = {
            "kind": receipt.kind,
            "adjudication_id": receipt.adjudication_id,
            "already_applied": receipt.already_applied,
        }
        receipt_text = receipt.adjudication_id or f"pend:{receipt.claim_id}@v{receipt.claim_version}"
        events = [
            self._event(
                "sor.written",
                work_item_id=lease.work_item_id,
                subject=subject,
                outcome=receipt.kind,
                reason="already applied" if receipt.already_applied else "applied",
                idempotency_key=lease.idempotency_key,
                receipt=receipt_text,
            )
        ]
        review: ReviewOpening | None = None
        outcome: str
        match write:
            case ApprovedFinalization():
                route, outcome, carc, reason = "commit", write.outcome, write.carc, write.rationale
                decided_by: str | None = write.decided_by
                events.append(
                    self._event(
                        "route.decided",
                        work_item_id=lease.work_item_id,
                        subject=subject,
                        outcome="commit",
                        reason=reason,
                        details={
                            "outcome": write.outcome,
                            "carc": write.carc,
                            "allowed": str(write.allowed),
                            "paid": str(write.paid),
                            "decided_by": write.decided_by,
                        },
                    )
                )
            case ApprovedPend():
                route, outcome, carc, reason, decided_by = "review", "review", None, write.reason, None
                claim = decision["claim"]
                review = ReviewOpening(
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
                events.append(
                    self._event(
                        "route.decided",
                        work_item_id=lease.work_item_id,
                        subject=subject,
                        outcome="review",
                        reason=write.reason,
                    )
                )
                events.append(
                    self._event(
                        "review.opened",
                        work_item_id=lease.work_item_id,
                        subject=subject,
                        outcome="open",
                        reason=write.reason,
                    )
                )
        events.append(
            self._event(
                "work.completed",
                work_item_id=lease.work_item_id,
                subject=subject,
                outcome=route,
                reason=reason,
            )
        )
        self.failpoints.hit("before_ack")
        self.store.complete(
            lease,
            route=route,
            reason=reason,
            receipt=receipt_dict,
            review=review,
            events=events,
            now=self.clock.now(),
        )
        self.failpoints.hit("after_ack")
        return ItemResult(
            claim_id=lease.record_id,
            claim_version=lease.record_version,
            route=route,
            outcome=outcome,
            carc=carc,
            reason=reason,
            decided_by=decided_by,
        )

    # -- audit event builders -------------------------------------------------------

    def _rules_event(self, item_id: str, subject: dict[str, str | int], rules: RulesResult) -> AuditEvent:
        failure = rules.first_failure
        details: dict[str, JsonInput] = {
            "rules_version": RULES_VERSION,
            "integrity": [f.code for f in rules.integrity],
            "rules": [{"rule": f.rule, "passed": f.passed, "carc": f.carc} for f in rules.findings],
        }
        if rules.integrity:
            outcome, reason = "undecidable", "; ".join(f.reason for f in rules.integrity)
        elif failure is not None:
            outcome, reason = (
                f"deny:{failure.carc}",
                f"rule {failure.rule} ({failure.name}): {failure.reason}",
            )
        else:
            outcome, reason = "pass", "rules 1-8 pass"
        return self._event(
            "rules.evaluated",
            work_item_id=item_id,
            subject=subject,
            outcome=outcome,
            reason=reason,
            details=details,
        )

    def _model_event(
        self,
        item_id: str,
        subject: dict[str, str | int],
        necessity: NecessityAssessment,
        attempts: int,
        *,
        repair: bool = False,
    ) -> AuditEvent:
        return self._event(
            "model.called",
            work_item_id=item_id,
            subject=subject,
            outcome="ok",
            reason=", ".join(f"{pa.policy_id}={pa.status}@{pa.confidence:.3f}" for pa in necessity.policies),
            details={
                "attempts": attempts,
                "input_tokens": necessity.usage.input_tokens,
                "output_tokens": necessity.usage.output_tokens,
                "raw_output_sha256": _sha256(necessity.raw_output),
                "citations": [c.item_id for pa in necessity.policies for c in pa.citations],
                **({"repair": True} if repair else {}),
            },
            model_id=necessity.model_id,
            prompt_template=necessity.prompt_template,
            prompt_hash=necessity.prompt_hash,
        )

    def _verdict_event(
        self, item_id: str, subject: dict[str, str | int], verdict: Verdict, *, repair: str | None = None
    ) -> AuditEvent:
        return self._event(
            "gate.verdict",
            work_item_id=item_id,
            subject=subject,
            outcome=verdict.status,
            reason="; ".join(verdict.reasons) or "all checks pass",
            details={
                "gate_version": GATE_VERSION,
                "findings": [{"check": f.check, "severity": f.severity} for f in verdict.findings],
                **({"repair": repair} if repair else {}),
            },
        )


def _sha256(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()
