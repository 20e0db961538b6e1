"""What the engine says about a work item: its audit events and its end result.

Kept apart from the stage orchestration in ``engine.py`` so that the order of the
stages reads on one screen, and so that every audit event of a task is built in one
place with the same principal, purpose (the task), policy version and source. Events
carry ids, codes and hashes only; content stays in the system of record.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from interlock.audit.events import AuditEvent, JsonInput
from interlock.clock import Clock
from interlock.gate.verdict import Finding, Verdict
from interlock.models.base import ModelAnswer
from interlock.task import Receipt, RulesSummary
from interlock.telemetry.tracing import trace_fields

if TYPE_CHECKING:
    from sqlalchemy import RowMapping

__all__ = ["ItemResult", "Subject", "Trail", "recorded_result"]

Subject = Mapping[str, str | int]


@dataclass(frozen=True, slots=True, kw_only=True)
class ItemResult:
    """How one work item ended: its route, the outcome written and why.

    ``reason_code`` is the domain's code for the outcome (a claim's CARC, an invoice's
    reason code); ``record_version`` is ``None`` only when the record could not be read.
    """

    record_id: str
    record_version: int | None
    route: str
    outcome: str
    reason_code: str | None
    reason: str
    decided_by: str | None = None
    #: True when the work item had already ended: this is its recorded outcome, not a new run.
    replayed: bool = False
    #: For ``busy``: True when another worker holds the lease (its end is not ours to await).
    held_elsewhere: bool = False

    @classmethod
    def unwritten(cls, record_id: str, version: int | None, route: str, reason: str) -> ItemResult:
        """An end with nothing written: deferred, busy or superseded."""
        return cls(
            record_id=record_id,
            record_version=version,
            route=route,
            outcome="none",
            reason_code=None,
            reason=reason,
        )

    def to_json(self) -> dict[str, Any]:
        """The result as ``interlock run --json`` and the API report it."""
        return {
            "record_id": self.record_id,
            "record_version": self.record_version,
            "route": self.route,
            "outcome": self.outcome,
            "reason_code": self.reason_code,
            "reason": self.reason,
            "decided_by": self.decided_by,
        }


def recorded_result(row: RowMapping) -> ItemResult:
    """The end a finished work item recorded (its stored row), answered again without re-running it.

    The outcome and reason code come from the recovery point's approved write: a commit
    carries them, a hold's outcome is ``review``, and an item that wrote nothing has none.
    """
    decision = json.loads(row["decision"]) if row["decision"] else {}
    write = decision.get("write") or {}
    route = str(row["route"])
    if route == "commit" and write.get("kind") == "commit":
        outcome, code, decided_by = str(write["outcome"]), write.get("reason_code"), write.get("decided_by")
    else:
        outcome, code, decided_by = ("review" if route == "review" else "none"), None, None
    return ItemResult(
        record_id=str(row["record_id"]),
        record_version=int(row["record_version"]),
        route=route,
        outcome=outcome,
        reason_code=code,
        reason=f"already done: {row['reason']}",
        decided_by=decided_by,
        replayed=True,
    )


class Trail:
    """Builds the audit events of one engine (one task, one principal, one policy version)."""

    def __init__(
        self, *, task: str, principal_id: str, policy_version: str, worker: str, clock: Clock
    ) -> None:
        self.task = task
        self.principal_id = principal_id
        self.policy_version = policy_version
        self.source = f"interlock/{worker}"
        self.clock = clock

    @staticmethod
    def subject(record_id: str, version: int) -> Subject:
        """The subject of every event of one work item: the record and its version."""
        return {"record_id": record_id, "record_version": version}

    def event(
        self,
        kind: str,
        *,
        work_item_id: str | None,
        subject: Subject,
        outcome: str,
        reason: str,
        details: Mapping[str, JsonInput] | None = None,
        **extra: str | None,
    ) -> AuditEvent:
        """One event of this engine's trail; ``extra`` fills the optional header fields.

        The event names the trace and span it is written under (when tracing is on),
        so an auditor can go from a decision to its trace.
        """
        return AuditEvent(
            kind=kind,  # type: ignore[arg-type]
            at=self.clock.now(),
            principal=self.principal_id,
            on_behalf_of=None,
            purpose=self.task,
            work_item_id=work_item_id,
            subject=subject,
            outcome=outcome,
            reason=reason[:500],
            details=details or {},
            policy_version=self.policy_version,
            source=self.source,
            **trace_fields(),
            **extra,
        )

    def entitlement(self, item_id: str, subject: Subject, reasons: Sequence[str]) -> AuditEvent:
        """The scope the work item ran under, with its reasons."""
        return self.event(
            "entitlement.decided",
            work_item_id=item_id,
            subject=subject,
            outcome="allow",
            reason="; ".join(reasons),
        )

    def retrieved(
        self, item_id: str, subject: Subject, item_ids: Sequence[str], precedent: Sequence[str]
    ) -> AuditEvent:
        """Which context items were read (ids with versions) and which precedent was found."""
        return self.event(
            "context.retrieved",
            work_item_id=item_id,
            subject=subject,
            outcome="ok",
            reason=f"{len(item_ids)} context items",
            details={"items": list(item_ids[:200]), "precedent": list(precedent)},
        )

    def rules(self, item_id: str, subject: Subject, summary: RulesSummary) -> AuditEvent:
        """The task's deterministic rules: which ran, which failed, with which code."""
        return self.event(
            "rules.evaluated",
            work_item_id=item_id,
            subject=subject,
            outcome=summary.outcome,
            reason=summary.reason,
            details=summary.details,
        )

    def model_answer(
        self,
        item_id: str,
        subject: Subject,
        answer: ModelAnswer,
        attempts: int,
        *,
        repair: bool = False,
    ) -> AuditEvent:
        """A model's answer: its summary, usage, a hash of the raw output, citation ids, prompt version."""
        return self.event(
            "model.called",
            work_item_id=item_id,
            subject=subject,
            outcome="ok",
            reason=answer.summary(),
            details={
                "attempts": attempts,
                "input_tokens": answer.usage.input_tokens,
                "output_tokens": answer.usage.output_tokens,
                "raw_output_sha256": _sha256(answer.raw_output),
                "citations": list(answer.cited_item_ids()),
                **({"repair": True} if repair else {}),
            },
            model_id=answer.model_id,
            prompt_template=answer.prompt_template,
            prompt_hash=answer.prompt_hash,
        )

    def model_error(
        self, item_id: str, subject: Subject, model_id: str, problem: str, *, repair: bool = False
    ) -> AuditEvent:
        """A model call that ended without a usable answer (outage after deferrals, invalid output)."""
        return self.event(
            "model.called",
            work_item_id=item_id,
            subject=subject,
            outcome="error",
            reason=f"repair: {problem}" if repair else problem,
            details={"repair": True} if repair else {},
            model_id=model_id,
        )

    def verdict(
        self,
        item_id: str,
        subject: Subject,
        verdict: Verdict,
        gate_version: str,
        *,
        repair: str | None = None,
    ) -> AuditEvent:
        """The gate's verdict with every finding's check, severity and the hash of its reason.

        Findings that compared numbers (the familiarity check's score, threshold and
        alpha) leave them under ``measures``, by check: numbers, never text.
        """
        measures: dict[str, JsonInput] = {f.check: dict(f.measures) for f in verdict.findings if f.measures}
        return self.event(
            "gate.verdict",
            work_item_id=item_id,
            subject=subject,
            outcome=verdict.status,
            reason=findings_reason(verdict.findings),
            details={
                "gate_version": gate_version,
                "findings": finding_refs(verdict.findings),
                **({"measures": measures} if measures else {}),
                **({"repair": repair} if repair else {}),
            },
        )

    def written(self, item_id: str, subject: Subject, receipt: Receipt, idempotency_key: str) -> AuditEvent:
        """What the system of record said about the write."""
        return self.event(
            "sor.written",
            work_item_id=item_id,
            subject=subject,
            outcome=receipt.action,
            reason="already applied" if receipt.already_applied else "applied",
            idempotency_key=idempotency_key,
            receipt=receipt.text(),
        )

    def routed(
        self,
        item_id: str,
        subject: Subject,
        route: str,
        reason: str,
        facts: Mapping[str, JsonInput] | None = None,
    ) -> AuditEvent:
        """Where the work item went, with the committed outcome's codes and amounts."""
        return self.event(
            "route.decided",
            work_item_id=item_id,
            subject=subject,
            outcome=route,
            reason=reason,
            details=facts,
        )

    def review_opened(self, item_id: str, subject: Subject, reason: str) -> AuditEvent:
        """A review item was opened for a person."""
        return self.event(
            "review.opened", work_item_id=item_id, subject=subject, outcome="open", reason=reason
        )

    def completed(self, item_id: str, subject: Subject, route: str, reason: str) -> AuditEvent:
        """The terminal event of a work item: exactly one per decided record version."""
        return self.event(
            "work.completed", work_item_id=item_id, subject=subject, outcome=route, reason=reason
        )


def _field(finding: Finding | Mapping[str, Any], name: str) -> str:
    return str(finding[name] if isinstance(finding, Mapping) else getattr(finding, name))


def finding_refs(findings: Sequence[Finding | Mapping[str, Any]]) -> list[JsonInput]:
    """Each finding as check, severity and the SHA-256 of its reason, never the reason itself.

    A finding's reason can quote what a model or a person wrote (a pend comment, a
    model's reason for review); the audit trail is permanent and holds no free text. The
    reasons stay with the review item, in the same order, and the hash proves which
    text was meant.
    """
    return [
        {
            "check": _field(f, "check"),
            "severity": _field(f, "severity"),
            "reason_sha256": _sha256(_field(f, "reason")),
        }
        for f in findings
    ]


def findings_reason(findings: Sequence[Finding | Mapping[str, Any]]) -> str:
    """The audit ``reason`` of a verdict: the findings that are not informational, by position."""
    cited = [
        f"finding {i} {_field(f, 'check')}/{_field(f, 'severity')}"
        for i, f in enumerate(findings)
        if _field(f, "severity") != "info"
    ]
    return "; ".join(cited) or "all checks pass"


def _sha256(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()
