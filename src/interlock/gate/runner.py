"""The gate runner: a task's checks over a proposal, combined into a verdict, then a seal.

Pure: the verdict is a function of the proposal, the context, the principal, the
thresholds, the principal's write boundary and (when the engine holds one) the fitted
familiar region, whose check runs first for every task (:mod:`interlock.gate.familiarity`).
The runner recomputes the task's rules from the context itself, so no check ever trusts
what a proposal says about them, and it is the only place (besides a person's decision
and the restoring of a recovery point) that mints an approved write.
"""

from __future__ import annotations

from datetime import datetime

from interlock.exceptions import AccessDenied
from interlock.gate.approval import ApprovedCommit, ApprovedHold, ApprovedWrite, mint_commit, mint_hold
from interlock.gate.familiarity import FamiliarityJudge, check_familiarity
from interlock.gate.verdict import Finding, Verdict, combine
from interlock.policy.principal import Principal
from interlock.policy.tasks import WriteBoundary
from interlock.routing.route import route_for
from interlock.task import CtxT, GateInput, PayloadT, ProposalT, RulesT, Task, Thresholds

__all__ = ["evaluate", "run_gate", "withhold"]

#: The longest rationale or hold reason written to a system of record.
MAX_REASON_CHARS = 500


def evaluate(
    task: Task[CtxT, RulesT, ProposalT, PayloadT],
    proposal: ProposalT,
    context: CtxT,
    principal: Principal,
    thresholds: Thresholds,
    boundary: WriteBoundary,
    familiarity: FamiliarityJudge | None = None,
) -> Verdict:
    """Run every check of ``task`` and combine the findings into a verdict (pure).

    The familiarity finding comes first, so a hold it causes names it first.
    """
    rules = task.rules(context)
    g = GateInput(
        proposal=proposal,
        context=context,
        rules=rules,
        principal=principal,
        thresholds=thresholds,
        boundary=boundary,
    )
    return combine((*check_familiarity(familiarity, task, proposal, context, rules), *task.checks(g)))


def run_gate(
    task: Task[CtxT, RulesT, ProposalT, PayloadT],
    proposal: ProposalT,
    context: CtxT,
    principal: Principal,
    thresholds: Thresholds,
    *,
    boundary: WriteBoundary,
    idempotency_key: str,
    now: datetime,
    familiarity: FamiliarityJudge | None = None,
) -> tuple[Verdict, ApprovedWrite[PayloadT]]:
    """Evaluate ``proposal`` and mint the one write its verdict allows.

    A passing verdict on a final outcome mints a commit; anything else mints a hold,
    because a record that is not decided automatically waits for a person. A
    principal whose boundary grants no hold for this task gets no write at all.
    ``familiarity`` is the engine's fitted familiar region (``None``: not checked).
    """
    verdict = evaluate(task, proposal, context, principal, thresholds, boundary, familiarity)
    final = proposal.outcome in task.final_outcomes
    if route_for(verdict, final=final) == "commit":
        return verdict, mint_commit(
            task=task.name,
            record_id=context.record_id,
            record_version=context.record_version,
            outcome=proposal.outcome,
            reason_code=proposal.reason_code,
            payload=task.commit_payload(proposal, context),
            decided_by=proposal.decided_by,
            rationale=proposal.rationale[:MAX_REASON_CHARS],
            idempotency_key=idempotency_key,
            decided_at=now,
        )
    if not boundary.may_pend:
        raise AccessDenied()
    reason = "; ".join(verdict.reasons) or "sent to a person"
    return verdict, mint_hold(
        task=task.name,
        record_id=context.record_id,
        record_version=context.record_version,
        idempotency_key=idempotency_key,
        reason=reason[:MAX_REASON_CHARS],
    )


def withhold(
    verdict: Verdict, commit: ApprovedCommit[PayloadT], *, check: str, finding: str, reason: str
) -> tuple[Verdict, ApprovedHold]:
    """Hold for a person a commit the gate passed: a quality sample, or a task whose automatic path is closed.

    The verdict gains a ``review`` finding (``check``, ``finding``), so the recovery point
    and the audit trail say why a passing proposal went to a person; ``reason`` is the
    hold's reason, which the person deciding the record reads. Nothing is written but
    the hold: the commit itself is never applied.
    """
    held = Verdict(
        status="review", findings=(*verdict.findings, Finding(check=check, severity="review", reason=finding))
    )
    return held, mint_hold(
        task=commit.task,
        record_id=commit.record_id,
        record_version=commit.record_version,
        idempotency_key=commit.idempotency_key,
        reason=reason[:MAX_REASON_CHARS],
    )
