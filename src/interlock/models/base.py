"""The model seam: what any task may ask a model, and what every adapter answers.

A model never decides a record. A task puts one narrow, typed question to it (the
claims domain asks whether notes document a policy's criteria; the invoices domain
asks which expense account documents describe) and gets back a typed answer that the
task's proposer and the gate then judge. The seam is generic over that pair:

* a :class:`ModelQuestion` renders its own versioned prompt, hands over the JSON schema
  its answer must fit, and parses a raw answer strictly into its answer type, or
  refuses it with :class:`~interlock.exceptions.ModelOutputInvalid`;
* a :class:`ModelClient` (OpenAI-compatible, Anthropic, an embedded baseline, a
  fallback chain, a breaker) sends a question and returns the question's answer type,
  so every adapter and wrapper works for every task unchanged;
* every answer carries what the audit trail records about it (:class:`ModelAnswer`):
  the model id, the raw output, the prompt template's version and a hash of what
  was sent, and the tokens spent.

Untrusted text (notes, invoice documents) travels only as data: :func:`encode_data`
writes it as one line of JSON in which no marker line can be spelled.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar, runtime_checkable

__all__ = [
    "ModelAnswer",
    "ModelClient",
    "ModelQuestion",
    "PromptTemplate",
    "RenderedPrompt",
    "Usage",
    "encode_data",
    "prompt_hash",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class Usage:
    """Tokens spent by one call (zero for an embedded model)."""

    input_tokens: int = 0
    output_tokens: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class PromptTemplate:
    """A named, versioned pair of message templates.

    The version changes whenever the wording changes, so that two decisions made with
    different wording can be told apart in the audit trail. ``user`` is a
    :meth:`str.format` template; ``system`` is sent as written.
    """

    name: str
    version: str
    system: str
    user: str

    @property
    def template_id(self) -> str:
        """The identifier recorded with every decision: ``name@version``."""
        return f"{self.name}@{self.version}"


@dataclass(frozen=True, slots=True, kw_only=True)
class RenderedPrompt:
    """The exact messages sent for one question, with what the audit trail records."""

    template_id: str
    system: str
    user: str
    prompt_hash: str

    def messages(self) -> list[dict[str, str]]:
        """The chat messages in the shape every OpenAI-compatible server accepts."""
        return [
            {"role": "system", "content": self.system},
            {"role": "user", "content": self.user},
        ]


def prompt_hash(system: str, user: str) -> str:
    """A stable fingerprint of exactly what was sent, for the audit trail."""
    canonical = json.dumps([system, user], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def encode_data(value: object) -> str:
    """JSON on one line in which no delimiter or line break can appear.

    ``ensure_ascii`` escapes every non-ASCII character, including the Unicode line and
    paragraph separators, and json escapes control characters; replacing ``<`` and
    ``>`` with their escapes leaves no way for untrusted text to spell a marker line.
    ``json.loads`` restores the original text exactly.
    """
    encoded = json.dumps(value, ensure_ascii=True, separators=(",", ":"))
    return encoded.replace("<", "\\u003c").replace(">", "\\u003e")


@runtime_checkable
class ModelAnswer(Protocol):
    """What every answer carries for the audit trail, whatever the task."""

    @property
    def model_id(self) -> str:
        """The model that gave the answer (inside a chain, the member that answered)."""
        ...

    @property
    def raw_output(self) -> str:
        """The answer exactly as the model sent it; the trail keeps its hash."""
        ...

    @property
    def prompt_template(self) -> str:
        """``name@version`` of the template that rendered the question."""
        ...

    @property
    def prompt_hash(self) -> str:
        """The hash of the exact messages sent."""
        ...

    @property
    def usage(self) -> Usage:
        """Tokens spent."""
        ...

    def summary(self) -> str:
        """A short audit line of the answer's findings: ids, statuses, confidences; no quotes."""
        ...

    def cited_item_ids(self) -> tuple[str, ...]:
        """The context item ids the answer cites, in order."""
        ...


Answer_co = TypeVar("Answer_co", bound=ModelAnswer, covariant=True)
_A = TypeVar("_A", bound=ModelAnswer)


class ModelQuestion(Protocol[Answer_co]):
    """One question a task puts to a model, and the strict contract of its answer."""

    @property
    def schema_name(self) -> str:
        """The name of the answer schema (a structured-output or tool name)."""
        ...

    def answer_schema(self) -> Mapping[str, Any]:
        """The JSON schema an answer must fit; adapters send it as structured output."""
        ...

    def render(self) -> RenderedPrompt:
        """The messages for this question; the same question always renders the same."""
        ...

    def parse(self, raw: str, *, model_id: str, prompt: RenderedPrompt, usage: Usage) -> Answer_co:
        """Validate a raw answer against the contract, or raise ``ModelOutputInvalid``."""
        ...


@runtime_checkable
class ModelClient(Protocol):
    """Anything that can answer a task's :class:`ModelQuestion`.

    Implementations raise :class:`~interlock.exceptions.ModelUnavailable` for retryable
    provider failures and :class:`~interlock.exceptions.ModelOutputInvalid` when the
    answer does not fit the contract (or the model cannot answer this kind of
    question); they never return a half-parsed answer.
    """

    @property
    def model_id(self) -> str:
        """A stable identifier recorded in audit events and ``decided_by``."""
        ...

    def ask(self, question: ModelQuestion[_A], *, timeout: float) -> _A:
        """Answer ``question`` within ``timeout`` seconds."""
        ...
