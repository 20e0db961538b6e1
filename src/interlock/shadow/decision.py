"""What one side of a shadow comparison decided, in terms that compare across models (pure).

Production and the candidate are compared by the decision they lead to, not by the
model's words: the route the gate's verdict chooses (``commit`` or ``review``), and for a
commit its outcome, reason code and the task's commit facts (amounts, account codes).
Two decisions are the same exactly when all of these are equal; that is also how a
decision is held against a person's or a truth file's (:class:`~interlock.task.ExpectedDecision`).

Everything here is a function of its arguments: the candidate's verdict comes from the
gate's pure :func:`~interlock.gate.runner.evaluate`, never from ``run_gate``, so no
approved write is ever minted for a shadow decision.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from interlock.gate.familiarity import FamiliarityJudge
from interlock.gate.runner import evaluate
from interlock.gate.verdict import Verdict
from interlock.policy.principal import Principal
from interlock.policy.tasks import WriteBoundary
from interlock.routing.route import GateRoute, route_for
from interlock.task import ExpectedDecision, Proposal, Task, Thresholds

__all__ = [
    "CandidateStatus",
    "FailureKind",
    "ShadowRecord",
    "SideDecision",
    "answer_digest",
    "decision_of",
    "facts_json",
    "judge",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class SideDecision:
    """The decision one side would make for one record version.

    ``outcome`` is the task's review outcome and ``facts`` are empty when the route is
    ``review``. ``model_id`` and ``answer_sha256`` say which model's answer it rests
    on (``None`` when rules alone decided).
    """

    route: GateRoute
    outcome: str
    reason_code: str | None
    facts: Mapping[str, Any] = field(default_factory=dict)
    model_id: str | None = None
    answer_sha256: str | None = None

    @property
    def automatic(self) -> bool:
        """True when the decision would be written without a person."""
        return self.route == "commit"

    def same_as(self, other: SideDecision) -> bool:
        """The same route and, for a commit, the same outcome, reason code and facts."""
        return (self.route, self.outcome, self.reason_code, facts_json(self.facts)) == (
            other.route,
            other.outcome,
            other.reason_code,
            facts_json(other.facts),
        )

    def matches(self, expected: ExpectedDecision) -> bool:
        """True when this automatic decision is the expected one (outcome, code and facts)."""
        return (
            self.route == "commit"
            and self.outcome == expected.outcome
            and self.reason_code == expected.reason_code
            and facts_json(self.facts) == facts_json(expected.facts)
        )


#: ``answered``: the candidate model answered; ``reused``: production's answer judged at
#: the candidate's thresholds; ``not_asked``: the task put no question (rules decided);
#: ``failed``: the candidate model did not answer in time or in the contract.
CandidateStatus = Literal["answered", "reused", "not_asked", "failed"]
#: Why a candidate failed: its time ran out, it was unavailable, its answer broke the
#: contract, there was no time left for it at all, or something else went wrong.
FailureKind = Literal["timeout", "unavailable", "invalid_output", "no_time", "error"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ShadowRecord:
    """Production's decision and the candidate's for one work item."""

    work_item_id: str
    task: str
    record_id: str
    record_version: int
    candidate: str
    production: SideDecision
    shadow: SideDecision
    status: CandidateStatus
    failure: FailureKind | None
    candidate_ms: int
    decided_at: datetime


def facts_json(facts: Mapping[str, Any]) -> str:
    """Commit facts as canonical JSON: how they are stored and compared."""
    return json.dumps(dict(facts), sort_keys=True, separators=(",", ":"), default=str)


def answer_digest(proposal: Proposal) -> tuple[str | None, str | None]:
    """The model id and SHA-256 of the raw answer a proposal rests on (``None``, ``None`` for rules)."""
    answer = proposal.answer
    if answer is None:
        return None, None
    return answer.model_id, hashlib.sha256(answer.raw_output.encode("utf-8")).hexdigest()


def decision_of(
    task: Task[Any, Any, Any, Any], proposal: Proposal, verdict: Verdict, context: Any
) -> SideDecision:
    """The decision a verdict on a proposal leads to, exactly as the gate runner routes it."""
    model_id, digest = answer_digest(proposal)
    if route_for(verdict, final=proposal.outcome in task.final_outcomes) == "commit":
        return SideDecision(
            route="commit",
            outcome=proposal.outcome,
            reason_code=proposal.reason_code,
            facts=task.commit_facts(task.commit_payload(proposal, context)),
            model_id=model_id,
            answer_sha256=digest,
        )
    return SideDecision(
        route="review",
        outcome=task.review_outcome,
        reason_code=None,
        model_id=model_id,
        answer_sha256=digest,
    )


def judge(
    task: Task[Any, Any, Any, Any],
    proposal: Proposal,
    context: Any,
    principal: Principal,
    thresholds: Thresholds,
    boundary: WriteBoundary,
    familiarity: FamiliarityJudge | None = None,
) -> tuple[Verdict, SideDecision]:
    """The gate's verdict on a candidate proposal and the decision it leads to; nothing is minted.

    ``familiarity`` is production's familiar region: the text is the same whichever model
    reads it, so a candidate is held for unfamiliar input exactly where production is.
    """
    verdict = evaluate(task, proposal, context, principal, thresholds, boundary, familiarity)
    return verdict, decision_of(task, proposal, verdict, context)
