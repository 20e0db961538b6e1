"""The medical-necessity question (rule 9) as a :class:`~interlock.models.base.ModelQuestion`.

The request carries only the minimum necessary: no names, no SSN, no address, age in
years instead of a birth date. Notes are untrusted data and travel as data. Rendering,
the answer schema and the strict parser live in :mod:`interlock.domains.claims.prompts`;
this module binds them to the request so that any model adapter can ask it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from interlock.domains.claims.answer import NecessityAssessment
from interlock.domains.claims.criteria import PolicyCriteria, naming_services, policy_criteria
from interlock.domains.claims.prompts import (
    NECESSITY_JSON_SCHEMA,
    NECESSITY_SCHEMA_NAME,
    parse_necessity_answer,
    render_necessity_prompt,
)
from interlock.models.base import RenderedPrompt, Usage


@dataclass(frozen=True, slots=True, kw_only=True)
class NoteText:
    """One clinical note as a model sees it: its context item id and its text."""

    item_id: str
    body: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PolicyText:
    """One medical policy whose criteria are at stake on the claim."""

    item_id: str
    policy_id: str
    title: str
    body: str
    #: Names of the claim's services this policy governs (their words are evidence for no criterion).
    services: tuple[str, ...] = ()

    @property
    def criteria(self) -> PolicyCriteria:
        """The policy's numbered criteria and how they combine, read from its text."""
        return naming_services(policy_criteria(self.body), self.services)


@dataclass(frozen=True, slots=True, kw_only=True)
class NecessityRequest:
    """The question put to a model for one claim.

    ``repair_findings`` is empty on a first request. When the gate refused an earlier
    answer for reasons in the model's output (a quote not in the cited item, policies
    not covered), the engine asks once more with the gate's findings, which travel as
    data beside the case so that the model can see what was wrong.
    """

    claim_id: str
    line_of_business: str
    member_age: int | None
    procedure_codes: tuple[str, ...]
    diagnosis_codes: tuple[str, ...]
    policies: tuple[PolicyText, ...]
    notes: tuple[NoteText, ...]
    repair_findings: tuple[str, ...] = ()

    @property
    def schema_name(self) -> str:
        """The structured-output name of the answer."""
        return NECESSITY_SCHEMA_NAME

    def answer_schema(self) -> Mapping[str, Any]:
        """The strict JSON schema of a necessity answer."""
        return NECESSITY_JSON_SCHEMA

    def render(self) -> RenderedPrompt:
        """The versioned prompt for this claim."""
        return render_necessity_prompt(self)

    def parse(self, raw: str, *, model_id: str, prompt: RenderedPrompt, usage: Usage) -> NecessityAssessment:
        """The assessment, or ``ModelOutputInvalid`` when it does not fit the contract."""
        return parse_necessity_answer(raw, self, model_id=model_id, prompt=prompt, usage=usage)
