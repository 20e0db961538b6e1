"""The automatic decision withheld from a reviewer, a person's decision, and whether they agree (pure).

An automatic decision is upheld when the person's decision has the same outcome, the
same reason code and the same :meth:`~interlock.task.Task.agreement_facts` (a claim's
allowed and paid amounts, an invoice's postings line by line). A person who holds a
sampled item instead (pends a claim, puts an invoice on hold) did not uphold the
automatic decision: it finalized a record a person would not finalize as it stands.
That counts as a disagreement until the person decides the item, which then replaces it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from interlock.task import CtxT, JsonDict, PayloadT, ProposalT, RulesT, Task

__all__ = ["Decision", "Withheld", "model_version", "withheld_of"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Decision:
    """An outcome with its reason code and the facts that decide agreement."""

    outcome: str
    reason_code: str | None
    facts: Mapping[str, Any] = field(default_factory=dict)

    def agrees_with(self, other: Decision) -> bool:
        """True when outcome, reason code and facts are all the same."""
        return (
            self.outcome == other.outcome
            and self.reason_code == other.reason_code
            and dict(self.facts) == dict(other.facts)
        )

    def to_json(self) -> JsonDict:
        """The JSON kept in the store."""
        return {"outcome": self.outcome, "reason_code": self.reason_code, "facts": dict(self.facts)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Decision:
        """A decision saved by :meth:`to_json`."""
        code = data.get("reason_code")
        return cls(
            outcome=str(data["outcome"]),
            reason_code=None if code is None else str(code),
            facts=dict(data.get("facts") or {}),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Withheld:
    """The automatic decision a sampled item would have written, and what it rested on.

    ``model`` is the model version that answered (its id: a hosted model's name, the
    embedded baseline's artifact digest), or ``rules:<rules version>`` for a decision of
    the deterministic rules alone.
    """

    decision: Decision
    basis: str
    model: str
    confidence: float

    def to_json(self) -> JsonDict:
        """The JSON kept in the recovery point."""
        return {
            **self.decision.to_json(),
            "basis": self.basis,
            "model": self.model,
            "confidence": round(self.confidence, 6),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Withheld:
        """A withheld decision saved by :meth:`to_json`."""
        return cls(
            decision=Decision.from_json(data),
            basis=str(data["basis"]),
            model=str(data["model"]),
            confidence=float(data["confidence"]),
        )


def model_version(task: Task[Any, Any, Any, Any], proposal: Any) -> str:
    """The model id of the answer a proposal rests on, or the rules' version without one."""
    answer = getattr(proposal, "answer", None)
    if answer is not None:
        return str(answer.model_id)
    return f"rules:{task.rules_version}"


def withheld_of(
    task: Task[CtxT, RulesT, ProposalT, PayloadT], proposal: ProposalT, context: CtxT
) -> Withheld:
    """The automatic decision of a proposal the gate passed, as a sample keeps it."""
    payload = task.commit_payload(proposal, context)
    return Withheld(
        decision=Decision(
            outcome=proposal.outcome,
            reason_code=proposal.reason_code,
            facts=task.agreement_facts(payload),
        ),
        basis=proposal.basis,
        model=model_version(task, proposal),
        confidence=proposal.confidence,
    )
