"""The gate's familiarity check, for every task: an unfamiliar text goes to a person.

A model's confidence is calibrated on the history it learnt from; on text unlike that
history it is a number nobody measured. When the engine holds a fitted familiar region
(:mod:`interlock.models.familiarity`), every proposal that rests on a model's answer is
checked here: the task names the text its model read (:meth:`Task.model_text`), the
region scores it, and a score above the split-conformal threshold is a ``review``
finding, whatever the model stated, embedded baseline or hosted model alike. A familiar
text leaves an ``info`` finding. Either way the finding carries the score, the
threshold and ``alpha`` as numbers, which the audit trail records.

Rules and people are not checked: a rule reads fields, not prose, and a person's
decision is the remedy this check asks for. Pure, like every check.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from interlock.gate.verdict import Finding
from interlock.task import CtxT, ProposalT, RulesT, Task

if TYPE_CHECKING:
    from interlock.models.familiarity import Judgement

__all__ = ["CHECK", "FamiliarityJudge", "check_familiarity"]

#: The check's name in findings, hold reasons and the audit trail.
CHECK = "familiarity"


class FamiliarityJudge(Protocol):
    """What the gate needs of a fitted region at one miscoverage (a ``FamiliarRegion``)."""

    def judge(self, text: str) -> Judgement:
        """The text's score, the threshold and alpha."""
        ...


def check_familiarity(
    judge: FamiliarityJudge | None,
    task: Task[CtxT, RulesT, ProposalT, Any],
    proposal: ProposalT,
    context: CtxT,
    rules: RulesT,
) -> tuple[Finding, ...]:
    """The familiarity finding of a model-based proposal; nothing for rules and people."""
    if judge is None or proposal.basis != "model":
        return ()
    text = task.model_text(context, rules)
    if text is None:
        return ()
    j = judge.judge(text)
    measures = (("score", round(j.score, 6)), ("threshold", round(j.threshold, 6)), ("alpha", j.alpha))
    if j.familiar:
        reason = (
            f"familiar input: score {j.score:.3f} within the threshold {j.threshold:.3f} (alpha {j.alpha:g})"
        )
        return (Finding(check=CHECK, severity="info", reason=reason, measures=measures),)
    reason = (
        f"unfamiliar input: score {j.score:.3f} above the familiar threshold {j.threshold:.3f} "
        f"(alpha {j.alpha:g}); the text is unlike the history the model learnt from"
    )
    return (Finding(check=CHECK, severity="review", reason=reason, measures=measures),)
