"""What a model is asked and what it may answer, for the claims medical-necessity task.

The model never decides a claim. It is asked one narrow question, whether the clinical
notes document that a medical policy's criteria are met, and answers with a status per
policy, a confidence and citations (context item ids plus verbatim quotes). The gate
checks every citation against the context that was actually retrieved, and the claim's
outcome and amounts are computed by code.

The request carries only the minimum necessary: no names, no SSN, no address, age in
years instead of a birth date. Notes are untrusted data and travel as data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol, runtime_checkable

NecessityStatus = Literal["met", "not_met", "unclear"]
NECESSITY_STATUSES: tuple[NecessityStatus, ...] = ("met", "not_met", "unclear")


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
class Usage:
    """Tokens spent by one call (zero for the embedded model)."""

    input_tokens: int = 0
    output_tokens: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class NecessityAssessment:
    """A model's answer for one claim: one assessment per policy at stake."""

    model_id: str
    policies: tuple[PolicyAssessment, ...]
    raw_output: str
    prompt_template: str
    prompt_hash: str
    usage: Usage = field(default_factory=Usage)


@runtime_checkable
class ModelClient(Protocol):
    """Anything that can answer a :class:`NecessityRequest`.

    Implementations raise :class:`~interlock.exceptions.ModelUnavailable` for retryable
    provider failures and :class:`~interlock.exceptions.ModelOutputInvalid` when the
    answer does not fit the contract; they never return a half-parsed answer.
    """

    @property
    def model_id(self) -> str:
        """A stable identifier recorded in audit events and ``decided_by``."""
        ...

    def assess(self, request: NecessityRequest, *, timeout: float) -> NecessityAssessment:
        """Assess medical necessity for one claim within ``timeout`` seconds."""
        ...
