"""What the engine says about a work item: its audit events and its end result.

Kept apart from the stage orchestration in ``engine.py`` so that the order of the
stages reads on one screen, and so that every audit event of ``claims.adjudicate`` is
built in one place with the same principal, purpose, policy version and source.
Events carry ids, codes and hashes only; content stays in the system of record.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from interlock.audit.events import AuditEvent, JsonInput
from interlock.clock import Clock
from interlock.domains.claims.proposal import Proposal
from interlock.domains.claims.rules import RULES_VERSION, RulesResult
from interlock.gate.claims import GATE_VERSION
from interlock.gate.verdict import Verdict
from interlock.models.base import NecessityAssessment

if TYPE_CHECKING:
    from sqlalchemy import RowMapping

TASK = "claims.adjudicate"

Subject = Mapping[str, str | int]


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
    #: True when the work item had already ended: this is its recorded outcome, not a new run.
    replayed: bool = False
    #: For ``busy``: True when another worker holds the lease (its end is not ours to await).
    held_elsewhere: bool = False

    @classmethod
    def unwritten(cls, claim_id: str, version: int | None, route: str, reason: str) -> ItemResult:
        """An end with nothing written: deferred, busy or superseded."""
        return cls(
            claim_id=claim_id, claim_version=version, route=route, outcome="none", carc=None, reason=reason
        )


def recorded_result(row: RowMapping) -> ItemResult:
    """The end a finished work item recorded (its stored row), answered again without re-running it.

    The outcome and CARC come from the recovery point's approved write: a finalization
    carries them, a pend's outcome is ``review``, and an item that wrote nothing has none.
    """
    decision = json.loads(row["decision"]) if row["decision"] else {}
    write = decision.get("write") or {}
    route = str(row["route"])
    if route == "commit" and write.get("kind") == "finalize":
        outcome, carc, decided_by = str(write["outcome"]), write.get("carc"), write.get("decided_by")
    else:
        outcome, carc, decided_by = ("review" if route == "review" else "none"), None, None
    return ItemResult(
        claim_id=str(row["record_id"]),
        claim_version=int(row["record_version"]),
        route=route,
        outcome=outcome,
        carc=carc,
        reason=f"already done: {row['reason']}",
        decided_by=decided_by,
        replayed=True,
    )


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


class Trail:
    """Builds the audit events of one engine (one principal, one policy version, one worker)."""

    def __init__(self, *, principal_id: str, policy_version: str, worker: str, clock: Clock) -> None:
        self.principal_id = principal_id
        self.policy_version = policy_version
        self.source = f"interlock/{worker}"
        self.clock = clock

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
        """One event of this engine's trail; ``extra`` fills the optional header fields."""
        return AuditEvent(
            kind=kind,  # type: ignore[arg-type]
            at=self.clock.now(),
            principal=self.principal_id,
            on_behalf_of=None,
            purpose=TASK,
            work_item_id=work_item_id,
            subject=subject,
            outcome=outcome,
            reason=reason[:500],
            details=details or {},
            policy_version=self.policy_version,
            source=self.source,
            **extra,
        )

    def rules(self, item_id: str, subject: Subject, rules: RulesResult) -> AuditEvent:
        """Rules 1-8 and the integrity checks: which ran, which failed, with which CARC."""
        failure = rules.first_failure
        details: dict[str, JsonInput] = {
            "rules_version": RULES_VERSION,
            "integrity": [f.code for f in rules.integrity],
            "rules": [{"rule": f.rule, "passed": f.passed, "carc": f.carc} for f in rules.findings],
        }
        if rules.integrity:
            outcome, reason = "undecidable", "; ".join(f.reason for f in rules.integrity)
        elif failure is not None:
            outcome = f"deny:{failure.carc}"
            reason = f"rule {failure.rule} ({failure.name}): {failure.reason}"
        else:
            outcome, reason = "pass", "rules 1-8 pass"
        return self.event(
            "rules.evaluated",
            work_item_id=item_id,
            subject=subject,
            outcome=outcome,
            reason=reason,
            details=details,
        )

    def model_answer(
        self,
        item_id: str,
        subject: Subject,
        necessity: NecessityAssessment,
        attempts: int,
        *,
        repair: bool = False,
    ) -> AuditEvent:
        """A model's answer: statuses, usage, a hash of the raw output, citation ids, prompt version."""
        return self.event(
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
        self, item_id: str, subject: Subject, verdict: Verdict, *, repair: str | None = None
    ) -> AuditEvent:
        """The gate's verdict with every finding's check and severity."""
        return self.event(
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

    def completed(self, item_id: str, subject: Subject, route: str, reason: str) -> AuditEvent:
        """The terminal event of a work item: exactly one per decided claim version."""
        return self.event(
            "work.completed", work_item_id=item_id, subject=subject, outcome=route, reason=reason
        )


def _sha256(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()
