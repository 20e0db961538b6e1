"""FunctionModel: a model client whose answers come from a test's function."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest

from interlock.exceptions import ModelOutputInvalid, ModelUnavailable
from interlock.models.base import ModelClient, PromptTemplate, RenderedPrompt, Usage, encode_data, prompt_hash
from interlock.testing import FunctionModel

TEMPLATE = PromptTemplate(
    name="colour", version="1", system="Name the colour of the item.", user="<item>{item}</item>"
)


@dataclass(frozen=True, slots=True, kw_only=True)
class ColourAnswer:
    """A minimal answer: one colour and the context item it rests on."""

    colour: str
    item_id: str
    model_id: str
    raw_output: str
    prompt_template: str
    prompt_hash: str
    usage: Usage = field(default_factory=Usage)

    def summary(self) -> str:
        return f"colour={self.colour}"

    def cited_item_ids(self) -> tuple[str, ...]:
        return (self.item_id,)


@dataclass(frozen=True, slots=True, kw_only=True)
class ColourQuestion:
    """A minimal question with a strict parser, standing in for a task's question."""

    item_id: str
    item: str

    @property
    def schema_name(self) -> str:
        return "colour"

    def answer_schema(self) -> Mapping[str, Any]:
        return {"type": "object", "required": ["colour"], "properties": {"colour": {"type": "string"}}}

    def render(self) -> RenderedPrompt:
        user = TEMPLATE.user.format(item=encode_data(self.item))
        return RenderedPrompt(
            template_id=TEMPLATE.template_id,
            system=TEMPLATE.system,
            user=user,
            prompt_hash=prompt_hash(TEMPLATE.system, user),
        )

    def parse(self, raw: str, *, model_id: str, prompt: RenderedPrompt, usage: Usage) -> ColourAnswer:
        try:
            data = json.loads(raw)
            colour = data["colour"]
        except (ValueError, KeyError, TypeError) as exc:
            raise ModelOutputInvalid(f"not a colour answer: {exc}", raw=raw) from None
        if colour not in ("red", "green", "blue"):
            raise ModelOutputInvalid(f"unknown colour {colour!r}", raw=raw)
        return ColourAnswer(
            colour=colour,
            item_id=self.item_id,
            model_id=model_id,
            raw_output=raw,
            prompt_template=prompt.template_id,
            prompt_hash=prompt.prompt_hash,
            usage=usage,
        )


QUESTION = ColourQuestion(item_id="items:1@1", item="a ripe tomato")


def _typed(question: ColourQuestion, prompt: RenderedPrompt) -> ColourAnswer:
    return ColourAnswer(
        colour="red" if "tomato" in question.item else "green",
        item_id=question.item_id,
        model_id="function:typed",
        raw_output="{}",
        prompt_template=prompt.template_id,
        prompt_hash=prompt.prompt_hash,
    )


def test_answering_returns_the_functions_answer_and_keeps_what_was_asked() -> None:
    """A typed answer comes from the function; calls, questions, rendered prompts and timeouts are kept."""
    model = FunctionModel.answering(_typed, name="typed")
    assert isinstance(model, ModelClient)
    answer = model.ask(QUESTION, timeout=3.0)
    assert answer.colour == "red"
    assert answer.prompt_hash == QUESTION.render().prompt_hash
    model.ask(ColourQuestion(item_id="items:2@1", item="a lime"), timeout=1.5)
    assert model.calls == 2
    assert [q.item_id for q in model.questions] == ["items:1@1", "items:2@1"]
    assert model.prompts[1].user == '<item>"a lime"</item>'
    assert model.timeouts == [3.0, 1.5]
    assert model.model_id == "function:typed"


def test_replying_text_goes_through_the_questions_own_parser() -> None:
    """Raw text is parsed by the question, stamped with the model id, prompt and usage."""
    model = FunctionModel.replying(
        lambda q: json.dumps({"colour": "blue"}), name="raw", usage=Usage(input_tokens=7, output_tokens=2)
    )
    answer = model.ask(QUESTION, timeout=1.0)
    assert isinstance(answer, ColourAnswer)
    assert (answer.colour, answer.model_id, answer.raw_output) == (
        "blue",
        "function:raw",
        '{"colour": "blue"}',
    )
    assert answer.prompt_template == "colour@1"
    assert answer.prompt_hash == QUESTION.render().prompt_hash
    assert answer.usage == Usage(input_tokens=7, output_tokens=2)


@pytest.mark.parametrize("raw", ["not json", '{"colour": "purple"}', "[]", '{"shade": "red"}'])
def test_replying_garbage_is_refused_by_the_contract(raw: str) -> None:
    """Output that does not fit the question's contract raises ModelOutputInvalid from its parser."""
    model = FunctionModel.replying(lambda q: raw)
    with pytest.raises(ModelOutputInvalid) as refused:
        model.ask(QUESTION, timeout=1.0)
    assert refused.value.raw == raw
    assert model.calls == 1


@pytest.mark.parametrize(
    "error", [ModelUnavailable("provider throttled"), ModelOutputInvalid("refused to answer")]
)
def test_errors_raised_by_the_function_propagate_unchanged(error: Exception) -> None:
    """An outage or an invalid answer raised by the function reaches the caller as raised."""

    def fail(question: ColourQuestion, prompt: RenderedPrompt) -> ColourAnswer:
        raise error

    model = FunctionModel.answering(fail)
    with pytest.raises(type(error)) as raised:
        model.ask(QUESTION, timeout=1.0)
    assert raised.value is error
    assert model.calls == 1


def test_an_answer_that_is_not_a_model_answer_is_refused() -> None:
    """A function returning something without the ModelAnswer fields fails as invalid output."""
    model = FunctionModel.answering(lambda q, p: {"colour": "red"})  # type: ignore[arg-type,return-value]
    with pytest.raises(ModelOutputInvalid, match="not a ModelAnswer"):
        model.ask(QUESTION, timeout=1.0)


def test_exactly_one_way_of_answering_is_given() -> None:
    """A FunctionModel with both or neither of answer= and reply= cannot be built."""
    with pytest.raises(TypeError):
        FunctionModel(name="x")
    with pytest.raises(TypeError):
        FunctionModel(name="x", answer=_typed, reply=lambda q: "{}")
