"""structlog JSON logs with a redaction processor, so no PHI reaches a log line.

Redaction works on keys (any key naming a PHI field or free text is replaced) and on
values (nine-digit runs that look like an SSN are masked wherever they appear), and it
runs last before rendering, so no other processor can re-introduce what it removed.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

REDACTED = "[redacted]"
#: Words that mark a key as PHI or free text (notes, quotes, prompts): ``claim_note``,
#: ``member_name`` and ``note_body`` are all redacted, whatever prefix they carry.
SENSITIVE_WORDS = (
    "name",
    "birth",
    "ssn",
    "address",
    "body",
    "note",
    "text",
    "quote",
    "prompt",
    "content",
    "raw",
    "question",
    "answer",
)


def is_sensitive_key(key: object) -> bool:
    """True when ``key`` names PHI or free text."""
    lowered = str(key).lower()
    return any(word in lowered for word in SENSITIVE_WORDS)


_SSN = re.compile(r"(?<!\d)\d{3}-?\d{2}-?\d{4}(?!\d)")


def _scrub(value: Any) -> Any:
    if isinstance(value, str):
        return _SSN.sub(REDACTED, value)
    if isinstance(value, dict):
        return {k: REDACTED if is_sensitive_key(k) else _scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub(v) for v in value]
    return value


def redact(_logger: Any, _method: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """structlog processor: drop sensitive keys, mask SSN-shaped values everywhere."""
    for key in list(event_dict):
        if key != "event":
            event_dict[key] = REDACTED if is_sensitive_key(key) else _scrub(event_dict[key])
        else:
            event_dict[key] = _scrub(event_dict[key])
    return event_dict


def configure_logging(*, level: int = logging.INFO, json: bool = True) -> None:
    """JSON lines on standard error, redacted; call once at process start."""
    renderer: Any = (
        structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            redact,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )


def get_logger(name: str = "interlock") -> Any:
    """A bound structlog logger."""
    return structlog.get_logger(name)
