"""An in-process scripted model: a shipped fake for tests of everything around a model."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar, cast

from interlock.domains.claims.answer import (
    Citation,
    CriterionFinding,
    NecessityAssessment,
    NecessityStatus,
    PolicyAssessment,
)
from interlock.domains.claims.baseline import sentence_spans
from interlock.domains.claims.criteria import Finding, PolicyCriteria, combine, most_relevant
from interlock.domains.claims.question import NecessityRequest
from interlock.exceptions import ModelOutputInvalid
from interlock.models.base import ModelAnswer, ModelQuestion

Script = Callable[[NecessityRequest], NecessityAssessment]
_A = TypeVar("_A", bound=ModelAnswer)


#: The criterion finding a scripted policy status stands for.
FINDING_OF_STATUS: dict[str, Finding] = {"met": "met", "not_met": "not_met", "unclear": "not_documented"}


def criterion_citation(
    structure: PolicyCriteria, number: int, notes: Sequence[tuple[str, str]]
) -> Citation | None:
    """The note sentence most relevant to criterion ``number``, else the first 60 characters of the first note.

    ``notes`` are ``(item_id, text)`` pairs. A script cites what a careful reader would
    point at; whether it is evidence for its finding is still the gate's call.
    """
    passages = [(item_id, body[a:b]) for item_id, body in notes for a, b in sentence_spans(body)]
    best, _ = most_relevant(structure, number, (text for _, text in passages))
    if best >= 0:
        return Citation(item_id=passages[best][0], quote=passages[best][1])
    for item_id, body in notes:
        if body.strip():
            return Citation(item_id=item_id, quote=body.strip()[:60])
    return None


def scripted_findings(
    structure: PolicyCriteria, finding: Finding, notes: Sequence[tuple[str, str]]
) -> tuple[CriterionFinding, ...]:
    """``finding`` for every criterion of a policy, each citing :func:`criterion_citation`."""
    out: list[CriterionFinding] = []
    for number in structure.numbers:
        citation = criterion_citation(structure, number, notes) if finding != "not_documented" else None
        out.append(
            CriterionFinding(criterion=number, finding=finding, citations=(citation,) if citation else ())
        )
    return tuple(out)


class ScriptedModel:
    """Answers every request with ``status`` at ``confidence`` for every criterion.

    Each criterion's finding is the one ``status`` stands for (``unclear`` is "not
    documented"), citing the note sentence most relevant to that criterion.

    ``calls`` counts requests, so tests can assert that a retried work item never asks
    again; ``requests`` keeps what was sent, so tests can assert what a model saw.
    """

    def __init__(
        self, status: NecessityStatus = "met", confidence: float = 0.99, *, name: str = "scripted"
    ) -> None:
        self.status: NecessityStatus = status
        self.confidence = confidence
        self.name = name
        self.calls = 0
        self.requests: list[NecessityRequest] = []

    @property
    def model_id(self) -> str:
        """Identifies the fake in audit events and ``decided_by``."""
        return f"scripted:{self.name}"

    def ask(self, question: ModelQuestion[_A], *, timeout: float) -> _A:
        """Answer the claims medical-necessity question; any other is outside the script."""
        if not isinstance(question, NecessityRequest):
            raise ModelOutputInvalid(f"{self.model_id} answers only the medical-necessity question")
        answer: Any = self.assess(question, timeout=timeout)
        return cast(_A, answer)

    def assess(self, request: NecessityRequest, *, timeout: float) -> NecessityAssessment:
        """Return the scripted answer for every policy in the request."""
        self.calls += 1
        self.requests.append(request)
        notes = [(note.item_id, note.body) for note in request.notes]
        answers: list[PolicyAssessment] = []
        for p in request.policies:
            findings = scripted_findings(p.criteria, FINDING_OF_STATUS[self.status], notes)
            answers.append(
                PolicyAssessment(
                    policy_id=p.policy_id,
                    status=combine(p.criteria.combine, [f.finding for f in findings]),
                    confidence=self.confidence,
                    citations=tuple(c for f in findings for c in f.citations),
                    criteria=findings,
                )
            )
        policies = tuple(answers)
        raw = json.dumps({"policies": [{"policy_id": p.policy_id, "status": p.status} for p in policies]})
        return NecessityAssessment(
            model_id=self.model_id,
            policies=policies,
            raw_output=raw,
            prompt_template="scripted@1",
            prompt_hash=hashlib.sha256(raw.encode()).hexdigest(),
        )
