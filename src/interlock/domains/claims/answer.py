"""What a model may answer to the medical-necessity question, as typed values.

One assessment per policy at stake: a status, a confidence and citations (context item
ids with verbatim quotes). Nothing here is trusted: the gate checks every citation
against the context that was actually retrieved, and the claim's outcome and amounts
are computed by code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from interlock.models.base import Usage

NecessityStatus = Literal["met", "not_met", "unclear"]
NECESSITY_STATUSES: tuple[NecessityStatus, ...] = ("met", "not_met", "unclear")


@dataclass(frozen=True, slots=True, kw_only=True)
class Citation:
    """A pointer into the context: which item, and the words quoted from it."""

    item_id: str
    quote: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PolicyAssessment:
    """The model's reading of one policy against the notes."""

    policy_id: str
    status: NecessityStatus
    confidence: float
    citations: tuple[Citation, ...] = ()
    rationale: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class NecessityAssessment:
    """A model's answer for one claim: one assessment per policy at stake."""

    model_id: str
    policies: tuple[PolicyAssessment, ...]
    raw_output: str
    prompt_template: str
    prompt_hash: str
    usage: Usage = field(default_factory=Usage)

    def summary(self) -> str:
        """``policy=status@confidence`` per policy: ids and numbers, never a quote."""
        return ", ".join(f"{pa.policy_id}={pa.status}@{pa.confidence:.3f}" for pa in self.policies)

    def cited_item_ids(self) -> tuple[str, ...]:
        """Every cited context item id, in order."""
        return tuple(c.item_id for pa in self.policies for c in pa.citations)
