"""An in-process scripted model: a shipped fake for tests of everything around a model."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any, TypeVar, cast

from interlock.domains.claims.answer import Citation, NecessityAssessment, NecessityStatus, PolicyAssessment
from interlock.domains.claims.question import NecessityRequest
from interlock.exceptions import ModelOutputInvalid
from interlock.models.base import ModelAnswer, ModelQuestion

Script = Callable[[NecessityRequest], NecessityAssessment]
_A = TypeVar("_A", bound=ModelAnswer)


class ScriptedModel:
    """Answers every request with ``status`` at ``confidence``, citing the first note.

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
        citations: tuple[Citation, ...] = ()
        if request.notes and request.notes[0].body.strip():
            note = request.notes[0]
            citations = (Citation(item_id=note.item_id, quote=note.body.strip()[:60]),)
        policies = tuple(
            PolicyAssessment(
                policy_id=p.policy_id, status=self.status, confidence=self.confidence, citations=citations
            )
            for p in request.policies
        )
        raw = json.dumps({"policies": [{"policy_id": p.policy_id, "status": p.status} for p in policies]})
        return NecessityAssessment(
            model_id=self.model_id,
            policies=policies,
            raw_output=raw,
            prompt_template="scripted@1",
            prompt_hash=hashlib.sha256(raw.encode()).hexdigest(),
        )
