"""Gate checks every task shares: they read only the proposal's generic fields.

A task lists them in its own checks beside its domain's: a model-based decision needs
the task's confidence for its outcome, and a proposal that asks for a person goes to
one with its reasons. Pure, like every check.
"""

from __future__ import annotations

from typing import Any

from interlock.gate.verdict import Finding
from interlock.task import GateInput, ProposalT

__all__ = ["check_confidence", "check_proposer_review"]


def check_confidence(
    g: GateInput[Any, Any, ProposalT], review_outcome: str = "review"
) -> tuple[Finding, ...]:
    """A model-based decision needs the task's confidence for that outcome."""
    p = g.proposal
    if p.basis != "model" or p.outcome == review_outcome:
        return ()
    threshold = g.thresholds.for_outcome(p.outcome)
    if p.confidence < threshold:
        reason = f"confidence {p.confidence:.3f} below the {p.outcome} threshold {threshold:.2f}"
        return (Finding(check="confidence", severity="review", reason=reason),)
    return (
        Finding(
            check="confidence", severity="info", reason=f"confidence {p.confidence:.3f} meets {threshold:.2f}"
        ),
    )


def check_proposer_review(
    g: GateInput[Any, Any, ProposalT], review_outcome: str = "review"
) -> tuple[Finding, ...]:
    """A proposal that itself asks for a person goes to one, with its reasons."""
    if g.proposal.outcome != review_outcome:
        return ()
    reasons = g.proposal.review_reasons or ("proposer asked for review",)
    return tuple(Finding(check="proposal", severity="review", reason=r) for r in reasons)
