"""The recovery point: a validated decision, saved before any external write.

One value per work item, typed here and stored as JSON on the work item. It holds the
sealed write exactly as the gate minted it, the verdict and its findings, the proposal
it judged, what a review item needs to show, and the precedent found. A retried work
item restores the write from it and never asks the model (or the gate) again: the
decision was made once, and only its application is repeated.

A quality sample (:mod:`interlock.quality`) also keeps the automatic decision it
withheld: the review item it opens then shows neither that decision nor the findings,
and the sample is recorded with the review item, from this point, whichever attempt
completes the work item.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from interlock.gate.approval import ApprovedHold, ApprovedWrite, write_to_json
from interlock.gate.verdict import Verdict, VerdictStatus
from interlock.quality.agreement import withheld_of
from interlock.quality.sampling import SAMPLE_CHECK
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
    #: The automatic decision a quality sample withheld from its reviewer (``None``: not sampled).
    withheld: JsonDict | None = None

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
        sampled = any(f.check == SAMPLE_CHECK for f in verdict.findings)
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
            withheld=withheld_of(task, proposal, context).to_json() if sampled else None,
        )

    def to_json(self) -> JsonDict:
        """The JSON saved on the work item."""
        saved: JsonDict = {
            "write": self.write,
            "verdict": self.verdict,
            "findings": self.findings,
            "proposal": self.proposal,
            "record": {"amount": self.amount, "attributes": self.attributes},
            "precedent": self.precedent,
        }
        if self.withheld is not None:
            saved["withheld"] = self.withheld
        return saved

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
            withheld=dict(data["withheld"]) if data.get("withheld") else None,
        )

    def review_opening(self, hold: ApprovedHold) -> ReviewOpening:
        """The review item a hold opens, with what the reviewer needs to see why.

        A sampled item's reviewer decides blind: its review item keeps no proposal and
        no findings (the hold's reason is neutral), and carries the withheld decision
        only for the store's sample record.
        """
        if self.withheld is not None:
            return ReviewOpening(
                task=hold.task,
                record_id=hold.record_id,
                record_version=hold.record_version,
                amount=self.amount,
                attributes=self.attributes,
                reason=hold.reason,
                findings=[],
                proposal={},
                sample=self.withheld,
            )
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
