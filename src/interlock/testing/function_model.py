"""A model client backed by a plain function, for testing a task's model path.

A task's model question is the one place where its decisions meet something that is
not code: :class:`FunctionModel` puts a test in that place. The function receives the
task's question (the same value a real adapter would send) and returns what the model
would have answered, so a test can assert what the model was asked and script what it
says. Two forms:

* :meth:`FunctionModel.answering` returns a typed answer, built by the test;
* :meth:`FunctionModel.replying` returns raw text, which goes through the question's
  own ``parse`` exactly as a provider's output would: a test can feed malformed or
  hostile output and watch the contract refuse it.

Errors the function raises propagate unchanged, so ``ModelUnavailable`` exercises the
retry and deferral path and ``ModelOutputInvalid`` the invalid-output path. Every call
is counted and every question and rendered prompt kept, so a test can also assert that a
retried work item never asked again, or that a field never reached a prompt.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from interlock.exceptions import ModelOutputInvalid
from interlock.models.base import ModelAnswer, ModelQuestion, RenderedPrompt, Usage

__all__ = ["AnswerFunction", "FunctionModel", "ReplyFunction"]

_A = TypeVar("_A", bound=ModelAnswer)

#: Builds the answer to a question; ``prompt`` is the question rendered for this call.
AnswerFunction = Callable[[Any, RenderedPrompt], ModelAnswer]
#: Returns the raw text a model would have sent for a question.
ReplyFunction = Callable[[Any], str]


class FunctionModel:
    """A :class:`~interlock.models.base.ModelClient` whose answers come from a function.

    Build it with :meth:`answering` or :meth:`replying`. ``calls`` counts the calls that
    reached the function, ``questions`` and ``prompts`` keep what each call was asked,
    and ``timeouts`` the time budget each call was given.
    """

    def __init__(
        self,
        *,
        name: str,
        answer: AnswerFunction | None = None,
        reply: ReplyFunction | None = None,
        usage: Usage | None = None,
    ) -> None:
        if (answer is None) == (reply is None):
            raise TypeError("give exactly one of answer= or reply=")
        self.name = name
        self._answer = answer
        self._reply = reply
        self._usage = usage or Usage()
        self.calls = 0
        self.questions: list[Any] = []
        self.prompts: list[RenderedPrompt] = []
        self.timeouts: list[float] = []

    @classmethod
    def answering(cls, answer: AnswerFunction, *, name: str = "function") -> FunctionModel:
        """A model whose typed answers ``answer(question, prompt)`` builds."""
        return cls(name=name, answer=answer)

    @classmethod
    def replying(
        cls, reply: ReplyFunction, *, name: str = "function", usage: Usage | None = None
    ) -> FunctionModel:
        """A model whose raw text ``reply(question)`` returns, parsed by the question itself."""
        return cls(name=name, reply=reply, usage=usage)

    @property
    def model_id(self) -> str:
        """``function:NAME``: what audit events and ``decided_by`` record for this model."""
        return f"function:{self.name}"

    def ask(self, question: ModelQuestion[_A], *, timeout: float) -> _A:
        """Render ``question``, hand it to the function and return its answer.

        The question is rendered first, as every adapter does, so a question that
        cannot render fails here as it would in production.
        """
        prompt = question.render()
        self.calls += 1
        self.questions.append(question)
        self.prompts.append(prompt)
        self.timeouts.append(timeout)
        if self._reply is not None:
            raw = self._reply(question)
            return question.parse(raw, model_id=self.model_id, prompt=prompt, usage=self._usage)
        assert self._answer is not None
        answer = self._answer(question, prompt)
        if not isinstance(answer, ModelAnswer):
            raise ModelOutputInvalid(f"{self.model_id} returned {type(answer).__name__}, not a ModelAnswer")
        return cast(_A, answer)
