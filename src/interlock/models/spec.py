"""Model specs: the one-string way settings and the CLI name a model client.

A spec is ``baseline`` (the embedded model: the latest one trained), ``baseline:DIGEST``
(the stored baseline whose model id ends in that hex digest, such as
``baseline:3f2a9c1b2d4e``, so that production can stay on one model while a newly
trained one runs in shadow), ``openai:NAME`` (any OpenAI-compatible server; ``NAME`` is passed to it as written, so Ollama tags such as ``llama3.1:8b``
keep their colon) or ``scripted:NAME`` (a scripted model for tests and demos).
Parsing is strict so that a typo fails at start-up with
:class:`~interlock.exceptions.ConfigurationError` instead of at the first claim.
"""

from __future__ import annotations

import re
from typing import Final, Literal, get_args

from interlock.exceptions import ConfigurationError

__all__ = ["MODEL_PROVIDERS", "ModelProvider", "parse_model_spec"]

ModelProvider = Literal["baseline", "openai", "anthropic", "scripted"]
MODEL_PROVIDERS: Final[tuple[ModelProvider, ...]] = get_args(ModelProvider)

_MAX_NAME_CHARS: Final = 200
# The documented forms only: ``scripted:NAME`` is accepted for tests but is no user's choice.
_FORMS: Final = "'baseline', 'baseline:DIGEST', 'openai:NAME' or 'anthropic:NAME'"
#: The short digest ``model train`` prints after the colon of a baseline's id, or more of it.
_DIGEST: Final = re.compile(r"[0-9a-f]{6,64}")


def parse_model_spec(spec: str) -> tuple[ModelProvider, str]:
    """Split a spec into ``(provider, name)``; the name of ``baseline`` is ``""`` or its digest."""
    if spec == "baseline":
        return "baseline", ""
    provider, colon, name = spec.partition(":")
    if provider == "baseline" and colon:
        if not _DIGEST.fullmatch(name):
            raise ConfigurationError(f"model spec {spec!r}: a baseline is pinned by its hex digest")
        return "baseline", name
    if not colon:
        raise ConfigurationError(f"unknown model spec {spec!r}: expected {_FORMS}")
    if provider == "openai":
        return "openai", _checked_name(spec, name)
    if provider == "anthropic":
        return "anthropic", _checked_name(spec, name)
    if provider == "scripted":
        return "scripted", _checked_name(spec, name)
    raise ConfigurationError(f"unknown model provider {provider!r} in {spec!r}: expected {_FORMS}")


def _checked_name(spec: str, name: str) -> str:
    """A model name is sent over the wire, so it must be short, printable, unpadded."""
    if not name:
        raise ConfigurationError(f"model spec {spec!r} names no model")
    if len(name) > _MAX_NAME_CHARS:
        raise ConfigurationError(f"model name in {spec!r} is longer than {_MAX_NAME_CHARS}")
    if not name.isprintable() or any(char.isspace() for char in name):
        raise ConfigurationError(f"model name in {spec!r} contains spaces or control characters")
    return name
