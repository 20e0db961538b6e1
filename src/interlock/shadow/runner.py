"""Running a candidate beside production on a live work item, and recording what it would do.

The engine calls :meth:`ShadowRunner.observe` once per fresh decision, after the
production decision has been written and its work item completed, so nothing the
candidate does can change the production route, delay its write or fail its item:

* the candidate is asked the task's own question (a candidate that is only other
  thresholds reuses production's final proposal), within the smaller of its budget and
  what is left of the item's deadline; retries, the task's one bounded repair and
  the proposal all use the same task code as production;
* its proposal is judged by the gate's pure ``evaluate``, never ``run_gate``: no
  approved write exists for a shadow decision, and the runner holds no connector;
* its failures (timeout, outage, an answer outside the contract, no time left, any
  other error) are swallowed and recorded as the candidate's ``failed`` status, where
  ``eval --shadow`` counts them; a candidate that fails decides as the task decides
  when its model fails (a person);
* the record goes to the ``shadow_decisions`` table of Interlock's store; if even that
  fails, the error is logged (its kind, never content) and production carries on.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from interlock.clock import Clock, SystemClock
from interlock.exceptions import DependencyUnavailable, ModelOutputInvalid
from interlock.gate.familiarity import FamiliarityJudge
from interlock.gate.verdict import Verdict
from interlock.models.base import ModelAnswer, ModelClient, ModelQuestion
from interlock.models.deadline import CANCELLATION_BUDGET
from interlock.models.resilience import call_with_retries
from interlock.policy.principal import Principal
from interlock.policy.tasks import WriteBoundary
from interlock.shadow.decision import (
    CandidateStatus,
    FailureKind,
    ShadowRecord,
    SideDecision,
    decision_of,
    judge,
)
from interlock.shadow.records import save_record
from interlock.task import Proposal, Task, Thresholds

__all__ = ["MIN_CANDIDATE_SECONDS", "Candidate", "ShadowRunner"]

log = logging.getLogger(__name__)

#: Less time than this left for the candidate is no time: it is not asked (``no_time``).
MIN_CANDIDATE_SECONDS = 0.05


@dataclass(frozen=True, slots=True, kw_only=True)
class Candidate:
    """What runs in shadow: a model, thresholds, or both, and the most time it may take.

    ``model`` ``None`` judges production's own answers at ``thresholds``;
    ``thresholds`` ``None`` uses production's. ``label`` names the configuration in the
    records, so that runs of different candidates are compared apart.
    """

    label: str
    model: ModelClient | None = None
    thresholds: Thresholds | None = None
    budget_seconds: float = 5.0


@dataclass(frozen=True, slots=True, kw_only=True)
class _Outcome:
    decision: SideDecision
    status: CandidateStatus
    failure: FailureKind | None = None


class ShadowRunner:
    """Asks one candidate about each work item an engine decides and records the comparison."""

    def __init__(
        self,
        candidate: Candidate,
        store: Engine,
        *,
        clock: Clock | None = None,
        familiarity: FamiliarityJudge | None = None,
    ) -> None:
        self.candidate = candidate
        self.store = store
        self.clock = clock or SystemClock()
        # Production's familiar region: the candidate's answers face the same gate.
        self.familiarity = familiarity

    def observe(
        self,
        *,
        task: Task[Any, Any, Any, Any],
        context: Any,
        rules: Any,
        proposal: Proposal,
        verdict: Verdict,
        principal: Principal,
        boundary: Callable[[], WriteBoundary],
        thresholds: Thresholds,
        work_item_id: str,
        deadline: float,
    ) -> ShadowRecord | None:
        """Decide the work item as the candidate would and record it; never raises.

        ``proposal`` and ``verdict`` are production's final ones; ``boundary`` gives
        the principal's write boundary for the record (read only here, inside the
        guard); ``deadline`` is the item's (a ``time.monotonic`` value). Returns the
        record, or ``None`` when it could not be made or saved (logged).
        """
        started = time.monotonic()
        try:
            production = decision_of(task, proposal, verdict, context)
            outcome = self._candidate(
                task, context, rules, proposal, principal, boundary(), thresholds, started, deadline
            )
            record = ShadowRecord(
                work_item_id=work_item_id,
                task=task.name,
                record_id=context.record_id,
                record_version=context.record_version,
                candidate=self.candidate.label,
                production=production,
                shadow=outcome.decision,
                status=outcome.status,
                failure=outcome.failure,
                candidate_ms=round((time.monotonic() - started) * 1000),
                decided_at=self.clock.now(),
            )
            save_record(self.store, record)
        except Exception as exc:  # a shadow must never fail production: log its kind, no content
            log.warning("shadow decision not recorded for %s: %s", task.name, type(exc).__name__)
            return None
        return record

    # -- the candidate ------------------------------------------------------------------

    def _candidate(
        self,
        task: Task[Any, Any, Any, Any],
        context: Any,
        rules: Any,
        proposal: Proposal,
        principal: Principal,
        boundary: WriteBoundary,
        production_thresholds: Thresholds,
        started: float,
        deadline: float,
    ) -> _Outcome:
        thresholds = self.candidate.thresholds or production_thresholds
        model = self.candidate.model
        question = task.question(context, rules)
        if model is None or question is None:
            # Other thresholds only, or a record no model is asked about: production's
            # final proposal, judged at the candidate's thresholds.
            _, decision = judge(task, proposal, context, principal, thresholds, boundary, self.familiarity)
            return _Outcome(decision=decision, status="reused" if question is not None else "not_asked")
        until = min(deadline, started + self.candidate.budget_seconds) - CANCELLATION_BUDGET
        kind: FailureKind
        if until - time.monotonic() < MIN_CANDIDATE_SECONDS:
            kind = "no_time"
        else:
            try:
                return self._asked(
                    task, context, rules, model, question, principal, boundary, thresholds, until
                )
            except DependencyUnavailable:
                kind = "timeout" if time.monotonic() >= until else "unavailable"
            except ModelOutputInvalid:
                kind = "invalid_output"
            except Exception as exc:  # the candidate's own bug or nonsense: counted, never raised
                log.warning("shadow candidate failed for %s: %s", task.name, type(exc).__name__)
                kind = "error"
        return self._failed(task, context, rules, principal, boundary, thresholds, model, kind)

    def _asked(
        self,
        task: Task[Any, Any, Any, Any],
        context: Any,
        rules: Any,
        model: ModelClient,
        question: ModelQuestion[ModelAnswer],
        principal: Principal,
        boundary: WriteBoundary,
        thresholds: Thresholds,
        until: float,
    ) -> _Outcome:
        """Ask the candidate model, build its proposal with the task's code and judge it."""
        candidate = task.propose(context, rules, answer=self._ask(model, question, until), model_problem=None)
        verdict, decision = judge(task, candidate, context, principal, thresholds, boundary, self.familiarity)
        if findings := task.repair_findings(candidate, verdict):
            # The task's one bounded repair, as production gets it; a failed repair keeps
            # the first verdict, as it does in production.
            repair = task.question(context, rules, repair_findings=findings)
            if repair is not None and until - time.monotonic() >= MIN_CANDIDATE_SECONDS:
                try:
                    repaired = task.propose(
                        context, rules, answer=self._ask(model, repair, until), model_problem=None
                    )
                    _, decision = judge(
                        task, repaired, context, principal, thresholds, boundary, self.familiarity
                    )
                except (DependencyUnavailable, ModelOutputInvalid):
                    pass
        return _Outcome(decision=decision, status="answered")

    @staticmethod
    def _ask(model: ModelClient, question: ModelQuestion[ModelAnswer], until: float) -> ModelAnswer:
        answer, _attempts = call_with_retries(
            lambda timeout: model.ask(question, timeout=timeout), deadline=until
        )
        return answer

    @staticmethod
    def _failed(
        task: Task[Any, Any, Any, Any],
        context: Any,
        rules: Any,
        principal: Principal,
        boundary: WriteBoundary,
        thresholds: Thresholds,
        model: ModelClient,
        kind: FailureKind,
    ) -> _Outcome:
        """What the task decides when the candidate's model fails: its own path for a failed model."""
        problem = f"candidate model failed ({kind})"
        failed = task.propose(context, rules, answer=None, model_problem=problem)
        _, decision = judge(task, failed, context, principal, thresholds, boundary)
        named = SideDecision(
            route=decision.route,
            outcome=decision.outcome,
            reason_code=decision.reason_code,
            facts=decision.facts,
            model_id=model.model_id,
            answer_sha256=None,
        )
        return _Outcome(decision=named, status="failed", failure=kind)
