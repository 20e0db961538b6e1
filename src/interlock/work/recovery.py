"""The recovery point: a validated decision, saved before any external write.

One value per work item, typed here and stored as JSON on the work item. It holds the
sealed write exactly as the gate minted it, the verdict and its findings, the proposal
it judged, what a review item needs to show, and the precedent found. A retried work
item restores the write from it and never asks the model (or the gate) again: the
decision was made once, and only its application is repeated.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from interlock.gate.approval import ApprovedHold, ApprovedWrite, write_to_json
from interlock.gate.verdict import Verdict, VerdictStatus
from interlock.task import CtxT, JsonDict, PayloadT, ProposalT, RulesT, Task
from interlock.work.store import ReviewOpening

__all__ = ["RecoveryPoint"]


@dataclass(frozen=True, slots=True, kw_only=True)
class RecoveryPoint:
    """What a work item decided, in the form it is saved and restored."""

    write: JsonDict
    verdict: VerdictStatus
    findings: list[dict[str, str]]
    proposal: JsonDict
    amount: str
    attributes: dict[str, str]
    precedent: list[str] = field(default_factory=list)

    @classmethod
    def of(
        cls,
        task: Task[CtxT, RulesT, ProposalT, PayloadT],
        context: CtxT,
        proposal: ProposalT,
        verdict: Verdict,
        write: ApprovedWrite[PayloadT],
        precedent: list[str],
    ) -> RecoveryPoint:
        """The recovery point of one gate run."""
        facts = task.review_facts(context)
        return cls(
            write=write_to_json(write, task.payload_json),
            verdict=verdict.status,
            findings=[
                {"check": f.check, "severity": f.severity, "reason": f.reason} for f in verdict.findings
            ],
            proposal=task.proposal_json(proposal),
            amount=facts.amount,
            attributes=dict(facts.attributes),
            precedent=list(precedent),
        )

    def to_json(self) -> JsonDict:
        """The JSON saved on the work item."""
        return {
            "write": self.write,
            "verdict": self.verdict,
            "findings": self.findings,
            "proposal": self.proposal,
            "record": {"amount": self.amount, "attributes": self.attributes},
            "precedent": self.precedent,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RecoveryPoint:
        """Read a saved recovery point back."""
        record = data["record"]
        return cls(
            write=dict(data["write"]),
            verdict=data["verdict"],
            findings=list(data["findings"]),
            proposal=dict(data["proposal"]),
            amount=str(record["amount"]),
            attributes={str(k): str(v) for k, v in record["attributes"].items()},
            precedent=[str(p) for p in data.get("precedent", [])],
        )

    def review_opening(self, hold: ApprovedHold) -> ReviewOpening:
        """The review item a hold opens, with what the reviewer needs to see why."""
        return ReviewOpening(
            task=hold.task,
            record_id=hold.record_id,
            record_version=hold.record_version,
            amount=self.amount,
            attributes=self.attributes,
            reason=hold.reason,
            findings=self.findings,
            proposal=self.proposal,
        )
