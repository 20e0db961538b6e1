"""Answer a task's question with a model behind the Anthropic Messages API.

Structured output comes from one forced tool whose input schema is the answer schema:
the tool does nothing and reaches nothing, it only gives the answer a shape. The rest
matches the OpenAI adapter: the same versioned prompt, notes only as data, the same
strict parser, a hard deadline per call, and provider errors mapped into the tree
(retryable or not). Retries are not done here: there is one retry layer.
"""

from __future__ import annotations

import copy
import json
import math
import os
from typing import Any, Final, TypeVar

import anthropic
import httpx2 as httpx

from interlock.exceptions import ConfigurationError, ModelOutputInvalid, ModelUnavailable
from interlock.models.base import ModelAnswer, ModelQuestion, Usage
from interlock.models.deadline import call_within
from interlock.telemetry.tracing import record_response

_A = TypeVar("_A", bound=ModelAnswer)

MAX_OUTPUT_TOKENS: Final = 2048
PLACEHOLDER_API_KEY: Final = "not-needed"


class AnthropicModel:
    """An Anthropic model; ``base_url``/``api_key`` default to ``ANTHROPIC_BASE_URL``/``ANTHROPIC_API_KEY``."""

    def __init__(self, model: str, *, base_url: str | None = None, api_key: str | None = None) -> None:
        if not model or model != model.strip():
            raise ConfigurationError("the model name must be non-empty and unpadded")
        if api_key is None and not os.environ.get("ANTHROPIC_API_KEY"):
            api_key = PLACEHOLDER_API_KEY
        self._client = anthropic.Anthropic(base_url=base_url, api_key=api_key, max_retries=0)
        self._model = model

    @property
    def model_id(self) -> str:
        """``anthropic:NAME``."""
        return f"anthropic:{self._model}"

    @property
    def base_url(self) -> str:
        """The endpoint requests go to, as resolved from arguments and environment."""
        return str(self._client.base_url)

    def close(self) -> None:
        """Release the HTTP connection pool."""
        self._client.close()

    def ask(self, question: ModelQuestion[_A], *, timeout: float) -> _A:
        """Ask the model once, abandoning the call at ``timeout`` seconds."""
        if math.isnan(timeout):
            raise ConfigurationError("timeout must be a number of seconds")
        if timeout <= 0:
            raise ModelUnavailable("no time left to call the model")
        prompt = question.render()
        tool: Any = {
            "name": question.schema_name,
            "description": "Record the answer. Recording is the only effect.",
            "input_schema": copy.deepcopy(dict(question.answer_schema())),
        }

        def send(http: httpx.Client) -> Any:
            client = self._client.with_options(http_client=http, timeout=timeout)
            return client.messages.create(
                model=self._model,
                max_tokens=MAX_OUTPUT_TOKENS,
                system=prompt.system,
                messages=[{"role": "user", "content": prompt.user}],
                tools=[tool],
                tool_choice={"type": "tool", "name": question.schema_name},
            )

        try:
            message = call_within(timeout, send, what=self.model_id)
        except anthropic.APITimeoutError:
            raise ModelUnavailable(f"{self.model_id} did not answer within {timeout}s") from None
        except anthropic.APIConnectionError:
            raise ModelUnavailable(f"cannot reach {self.model_id}") from None
        except anthropic.APIStatusError as error:
            raise _status_error(self.model_id, error.status_code) from None
        except (anthropic.AnthropicError, ValueError):
            raise ModelUnavailable(f"{self.model_id} sent a malformed HTTP response") from None
        response_id, response_model = getattr(message, "id", None), getattr(message, "model", None)
        stop_reason = getattr(message, "stop_reason", None)
        record_response(
            response_id=response_id if isinstance(response_id, str) else None,
            response_model=response_model if isinstance(response_model, str) else None,
            finish_reasons=[stop_reason] if isinstance(stop_reason, str) else [],
        )
        raw, usage = _read_message(message, question.schema_name)
        return question.parse(raw, model_id=self.model_id, prompt=prompt, usage=usage)


def _status_error(model_id: str, status: int) -> Exception:
    if status in (408, 409, 429) or status >= 500:
        return ModelUnavailable(f"{model_id} answered HTTP {status}")
    if status in (401, 403, 404):
        return ConfigurationError(
            f"{model_id} refused the request (HTTP {status}): check the key and model name"
        )
    return ModelOutputInvalid(f"{model_id} rejected the request (HTTP {status})")


def _read_message(message: Any, tool_name: str) -> tuple[str, Usage]:
    """The forced tool's input as JSON text, or the reason there is none."""
    usage_obj = getattr(message, "usage", None)
    usage = Usage(
        input_tokens=int(getattr(usage_obj, "input_tokens", 0) or 0),
        output_tokens=int(getattr(usage_obj, "output_tokens", 0) or 0),
    )
    if getattr(message, "stop_reason", None) == "max_tokens":
        raise ModelOutputInvalid("the answer was cut off at the output token limit")
    for block in getattr(message, "content", None) or []:
        if getattr(block, "type", None) == "tool_use" and getattr(block, "name", None) == tool_name:
            return json.dumps(getattr(block, "input", None)), usage
    texts = [
        getattr(b, "text", "")
        for b in getattr(message, "content", None) or []
        if getattr(b, "type", None) == "text"
    ]
    raise ModelOutputInvalid("the model did not record an answer", raw="".join(texts)[:2000])
