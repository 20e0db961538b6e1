"""What a model may answer to the medical-necessity question, as typed values.

For each policy at stake, one finding per numbered criterion (documented as met,
documented as not met, or not documented), each with the verbatim passages it rests
on, and a confidence. The policy's status is not the model's to state: it is combined
from the findings by code, as the policy says (all or any; :mod:`.criteria`). Nothing
here is trusted: the gate checks every citation against the context that was actually
retrieved and for relevance to its criterion, combines the findings again itself, and
the claim's outcome and amounts are computed by code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from interlock.domains.claims.criteria import Finding
from interlock.models.base import Usage

NecessityStatus = Literal["met", "not_met", "unclear"]
NECESSITY_STATUSES: tuple[NecessityStatus, ...] = ("met", "not_met", "unclear")


@dataclass(frozen=True, slots=True, kw_only=True)
class Citation:
    """A pointer into the context: which item, and the words quoted from it."""

    item_id: str
    quote: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CriterionFinding:
    """What the notes document about one numbered criterion, and the passages that say so."""

    criterion: int
    finding: Finding
    citations: tuple[Citation, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class PolicyAssessment:
    """The model's reading of one policy against the notes.

    ``status`` is the combination of ``criteria`` under the policy's all/any rule (the
    parser and the baseline compute it; the gate recomputes it from the cited evidence).
    ``citations`` are every criterion's citations, in order.
    """

    policy_id: str
    status: NecessityStatus
    confidence: float
    citations: tuple[Citation, ...] = ()
    rationale: str = ""
    criteria: tuple[CriterionFinding, ...] = ()


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
