"""A :class:`ModelClient` for any server that speaks the OpenAI chat-completions API.

OpenAI, Azure OpenAI, vLLM, llama.cpp's server and Ollama all accept the same request,
so one adapter built on the official ``openai`` SDK covers them. The adapter's job is
narrow: send the task question's rendered prompt with its strict answer schema, and
translate everything that can go wrong into the error tree so that callers decide
from the exception class alone:

- the provider is down, slow, throttling or garbled the HTTP exchange:
  :class:`~interlock.exceptions.ModelUnavailable` (retryable, the work item is deferred);
- credentials or the model name are wrong: :class:`~interlock.exceptions.ConfigurationError`
  (no retry can help, an operator must act);
- the provider rejected this request, or the model answered outside the contract
  (refusal, truncation, invalid JSON, wrong policies):
  :class:`~interlock.exceptions.ModelOutputInvalid` (the claim goes to a person).

The SDK's own retries are off by default: retries, deadlines and circuit breaking are
composed around model clients in one place, and a second hidden layer here would
multiply attempts and blow through the caller's deadline.
"""

from __future__ import annotations

import copy
import math
import os
from types import TracebackType
from typing import Final, Self, TypeVar
from urllib.parse import urlsplit

import httpx2 as httpx
import openai
from openai.types.chat import (
    ChatCompletionSystemMessageParam,
    ChatCompletionUserMessageParam,
)
from openai.types.shared_params import ResponseFormatJSONSchema

from interlock.exceptions import ConfigurationError, ModelOutputInvalid, ModelUnavailable
from interlock.models.base import ModelAnswer, ModelClient, ModelQuestion, RenderedPrompt, Usage
from interlock.models.deadline import call_within
from interlock.telemetry.tracing import record_response

__all__ = ["PLACEHOLDER_API_KEY", "OpenAICompatibleModel"]

PLACEHOLDER_API_KEY: Final = "not-needed"
"""Sent when no key is configured: local servers ignore it, hosted ones answer 401."""

_A = TypeVar("_A", bound=ModelAnswer)

_RETRYABLE_STATUS: Final = frozenset({408, 409, 429})
_CONFIGURATION_STATUS: Final = frozenset({401, 403, 404})


class OpenAICompatibleModel(ModelClient):
    """Answer a task's question with a model behind an OpenAI-compatible endpoint.

    ``base_url`` and ``api_key`` default to the SDK's own environment variables
    (``OPENAI_BASE_URL``, ``OPENAI_API_KEY``). When no key is configured anywhere a
    placeholder is sent, because local servers need none. One instance is safe to share
    between threads; :meth:`close` releases its connection pool.
    """

    def __init__(
        self,
        model: str,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        max_retries: int = 0,
    ) -> None:
        if not model or model != model.strip():
            raise ConfigurationError("the model name must be non-empty and unpadded")
        if max_retries < 0:
            raise ConfigurationError("max_retries must not be negative")
        if base_url is not None:
            _check_base_url(base_url)
        if api_key is None and not os.environ.get("OPENAI_API_KEY"):
            api_key = PLACEHOLDER_API_KEY
        try:
            self._client = openai.OpenAI(base_url=base_url, api_key=api_key, max_retries=max_retries)
        except openai.OpenAIError as error:
            raise ConfigurationError(f"cannot configure the OpenAI client: {error}") from None
        _check_base_url(str(self._client.base_url))
        self._model = model

    @property
    def model_id(self) -> str:
        """``openai:NAME``: the provider family and the model name as configured."""
        return f"openai:{self._model}"

    @property
    def base_url(self) -> str:
        """The endpoint requests go to, as resolved from arguments and environment."""
        return str(self._client.base_url)

    def close(self) -> None:
        """Release the HTTP connection pool."""
        self._client.close()

    def __enter__(self) -> Self:
        """Use the client in a ``with`` block that closes it."""
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Close the client when the block ends."""
        self.close()

    def ask(self, question: ModelQuestion[_A], *, timeout: float) -> _A:
        """Ask the model once, within ``timeout`` seconds per network phase."""
        if math.isnan(timeout):
            raise ConfigurationError("timeout must be a number of seconds")
        if timeout <= 0:
            raise ModelUnavailable("no time left to call the model")
        prompt = question.render()
        completion = self._create(prompt, question, timeout)
        _describe(completion)
        content, usage = _read_completion(completion)
        return question.parse(content, model_id=self.model_id, prompt=prompt, usage=usage)

    def _create(self, prompt: RenderedPrompt, question: ModelQuestion[ModelAnswer], timeout: float) -> object:
        """Send one chat completion request and map every SDK failure to the tree."""
        system: ChatCompletionSystemMessageParam = {"role": "system", "content": prompt.system}
        user: ChatCompletionUserMessageParam = {"role": "user", "content": prompt.user}
        response_format: ResponseFormatJSONSchema = {
            "type": "json_schema",
            "json_schema": {
                "name": question.schema_name,
                "strict": True,
                "schema": copy.deepcopy(dict(question.answer_schema())),
            },
        }

        def send(http: httpx.Client) -> object:
            client = self._client.with_options(http_client=http, timeout=timeout)
            return client.chat.completions.create(
                model=self._model,
                messages=[system, user],
                response_format=response_format,
                temperature=0,
            )

        try:
            completion: object = call_within(timeout, send, what=self.model_id)
        except openai.APITimeoutError:
            raise ModelUnavailable(f"{self.model_id} did not answer within {timeout}s") from None
        except openai.APIConnectionError:
            raise ModelUnavailable(f"cannot reach {self.model_id} at {self.base_url}") from None
        except openai.APIStatusError as error:
            raise _status_error(self.model_id, error) from None
        except (openai.OpenAIError, ValueError):
            # A 200 whose body is not JSON (a proxy's error page, a cut connection):
            # the model's answer never arrived, so this is the provider, not the model.
            raise ModelUnavailable(f"{self.model_id} sent a malformed HTTP response") from None
        return completion


def _check_base_url(base_url: str) -> None:
    """Fail at start-up on a URL that can never work, rather than on the first claim."""
    parts = urlsplit(base_url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ConfigurationError(f"model base URL must be http(s)://host/...: {base_url!r}")


def _status_error(
    model_id: str, error: openai.APIStatusError
) -> ModelUnavailable | ConfigurationError | ModelOutputInvalid:
    """Classify an HTTP error status by whether waiting, an operator, or neither helps.

    The provider's error message is left out: some servers echo the request in it,
    and the request carries clinical notes.
    """
    status = error.status_code
    detail = f"{model_id} answered HTTP {status}" + (f" ({error.code})" if error.code else "")
    if status in _RETRYABLE_STATUS or status >= 500:
        return ModelUnavailable(detail)
    if status in _CONFIGURATION_STATUS:
        return ConfigurationError(f"{detail}: check the API key, base URL and model name")
    return ModelOutputInvalid(f"{detail}: the provider rejected the request")


def _attr(value: object, name: str) -> object:
    """Read a field of a leniently parsed SDK object that may lack it."""
    return getattr(value, name, None)


def _describe(completion: object) -> None:
    """The response's id, model and finish reasons, on the model span (GenAI conventions)."""
    response_id, model = _attr(completion, "id"), _attr(completion, "model")
    choices = _attr(completion, "choices")
    reasons = [_attr(c, "finish_reason") for c in choices] if isinstance(choices, list) else []
    record_response(
        response_id=response_id if isinstance(response_id, str) else None,
        response_model=model if isinstance(model, str) else None,
        finish_reasons=[r for r in reasons if isinstance(r, str)],
    )


def _read_completion(completion: object) -> tuple[str, Usage]:
    """The answer text and token usage, or ModelOutputInvalid if there is no usable answer.

    The SDK builds response objects without validation, so every field is checked here
    rather than trusted to have the declared type.
    """
    if isinstance(completion, str):
        raise ModelUnavailable("the provider sent a response that is not JSON")
    choices = _attr(completion, "choices")
    if not isinstance(choices, list) or not choices:
        raise ModelOutputInvalid("the provider response has no choices")
    choice = choices[0]
    message = _attr(choice, "message")
    content = _attr(message, "content")
    text = content if isinstance(content, str) else ""
    refusal = _attr(message, "refusal")
    if isinstance(refusal, str) and refusal:
        raise ModelOutputInvalid("the model refused to answer", raw=refusal)
    finish_reason = _attr(choice, "finish_reason")
    if finish_reason == "length":
        raise ModelOutputInvalid("the model's answer was cut off at the token limit", raw=text)
    if finish_reason == "content_filter":
        raise ModelOutputInvalid("the provider's content filter withheld the answer", raw=text)
    if _attr(message, "tool_calls") or finish_reason in {"tool_calls", "function_call"}:
        raise ModelOutputInvalid("the model called a tool instead of answering", raw=text)
    if not text.strip():
        raise ModelOutputInvalid("the model answered with empty content", raw=text)
    return text, _read_usage(_attr(completion, "usage"))


def _read_usage(usage: object) -> Usage:
    """Token counts when the server reports them; zero when it does not."""
    prompt_tokens = _attr(usage, "prompt_tokens")
    completion_tokens = _attr(usage, "completion_tokens")
    return Usage(
        input_tokens=prompt_tokens if isinstance(prompt_tokens, int) and prompt_tokens > 0 else 0,
        output_tokens=(
            completion_tokens if isinstance(completion_tokens, int) and completion_tokens > 0 else 0
        ),
    )
