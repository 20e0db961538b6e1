"""Audit events: who did what to which record, on whose behalf, why, and with what result.

An event is the unit the hash chain protects, so it is built to hash the same way
forever: it serializes to RFC 8785 canonical JSON (keys sorted, one spelling per
number), its time is fixed to UTC with microseconds, and its value types are narrowed
at construction to exactly ``None``, ``bool``, ``int``, ``float``, ``str``, ``list`` and
``dict``. That narrowing is what makes a stored body parse back into an equal event.

Events carry identifiers, codes, amounts as strings and hashes, never content. A
diagnosis, a note or a prompt is referenced through :func:`content_ref`, a salted hash:
the trail can then be kept longer and shown to more people than the records it
describes, and proves which text was used without repeating it.

The clock is never read here; the caller passes ``at`` from its injected clock.
"""

from __future__ import annotations

import hashlib
import json
import math
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Final, Literal, TypeAlias, cast, get_args

import rfc8785

from interlock.exceptions import UsageError

AuditKind: TypeAlias = Literal[
    "work.claimed",
    "entitlement.decided",
    "context.retrieved",
    "rules.evaluated",
    "model.called",
    "gate.verdict",
    "route.decided",
    "sor.written",
    "review.opened",
    "review.decided",
    "work.completed",
    "work.deferred",
    "config.changed",
    "claim.ingested",
    "claim.refused",
    "tool.called",
]

AUDIT_KINDS: Final[frozenset[str]] = frozenset(get_args(AuditKind))
"""Every event kind, for validation and for documentation tests."""

SCHEMA_VERSION: Final = 1
"""Stored in every body as ``"v"`` so a later layout can be told apart from this one."""

JsonValue: TypeAlias = bool | int | float | str | list["JsonValue"] | dict[str, "JsonValue"] | None
"""A JSON value as an event holds it after construction."""

JsonInput: TypeAlias = bool | int | float | str | Sequence["JsonInput"] | Mapping[str, "JsonInput"] | None
"""A JSON value as a caller may pass it (tuples and other mappings are accepted)."""

RECORD_ID: Final = "record_id"
RECORD_VERSION: Final = "record_version"
"""The subject keys naming the record an event concerns and the version it was read at.

Which kind of record it is (a claim, an invoice) is not repeated in the subject: the
event's ``purpose`` names the task, and the task's domain owns the record type.
"""

LEGACY_SUBJECT_KEYS: Final[Mapping[str, str]] = {RECORD_ID: "claim_id", RECORD_VERSION: "claim_version"}
"""The keys events used before subjects were generic, when every record was a claim.

Those events stay in stores as they were appended (their bodies are hashed, so they can
never be rewritten); readers accept the old key wherever the new one is absent.
"""

_JSON_INT_MAX: Final = 2**53 - 1
_MIN_SALT_BYTES: Final = 16

_REQUIRED_TEXT: Final = ("principal", "purpose", "outcome")
_OPTIONAL_TEXT: Final = (
    "on_behalf_of",
    "work_item_id",
    "policy_version",
    "model_id",
    "prompt_template",
    "prompt_hash",
    "idempotency_key",
    "receipt",
    "trace_id",
    "span_id",
    "source",
)
_ALWAYS_PRESENT: Final = frozenset(
    {
        "v",
        "kind",
        "at",
        "principal",
        "on_behalf_of",
        "purpose",
        "work_item_id",
        "subject",
        "outcome",
        "reason",
        "details",
    }
)
_BODY_KEYS: Final = _ALWAYS_PRESENT | frozenset(_OPTIONAL_TEXT)


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditEvent:
    """One audited step of a work item, or one change to Interlock's configuration.

    Construction validates and normalizes every field and computes the canonical form
    once, so a malformed event fails where it is built, not later inside the
    transaction that appends it. Optional fields left as ``None`` are omitted from the
    body; required ones are always present (``on_behalf_of`` and ``work_item_id`` as
    ``null`` when they do not apply), so every body answers the same questions.
    """

    kind: AuditKind
    at: datetime
    principal: str
    on_behalf_of: str | None
    purpose: str
    work_item_id: str | None
    subject: Mapping[str, str | int]
    outcome: str
    reason: str
    details: Mapping[str, JsonInput]
    policy_version: str | None = None
    model_id: str | None = None
    prompt_template: str | None = None
    prompt_hash: str | None = None
    idempotency_key: str | None = None
    receipt: str | None = None
    trace_id: str | None = None
    #: The span the event was written under (with ``trace_id``: W3C hex ids).
    span_id: str | None = None
    source: str | None = None
    _canonical: bytes = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.kind not in AUDIT_KINDS:
            raise UsageError(f"unknown audit event kind {self.kind!r}")
        if not isinstance(self.at, datetime) or self.at.utcoffset() is None:
            raise UsageError("AuditEvent.at must be a timezone-aware datetime")
        for name in _REQUIRED_TEXT:
            value = getattr(self, name)
            if not isinstance(value, str) or not value:
                raise UsageError(f"AuditEvent.{name} must be a non-empty string")
        if not isinstance(self.reason, str):
            raise UsageError("AuditEvent.reason must be a string")
        for name in _OPTIONAL_TEXT:
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):
                raise UsageError(f"AuditEvent.{name} must be a string or None")
        object.__setattr__(self, "at", self.at.astimezone(UTC))
        object.__setattr__(self, "subject", _normalize_subject(self.subject))
        plain = _Plain()
        plain.ok = all(_in_bmp(key) for key in self.subject)
        details = _normalize(self.details, "details", plain)
        if not isinstance(details, dict):
            raise UsageError("AuditEvent.details must be a mapping")
        object.__setattr__(self, "details", details)
        object.__setattr__(self, "_canonical", canonical_json(self._body(), plain=plain.ok))

    def _body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "v": SCHEMA_VERSION,
            "kind": self.kind,
            "at": format_at(self.at),
            "principal": self.principal,
            "on_behalf_of": self.on_behalf_of,
            "purpose": self.purpose,
            "work_item_id": self.work_item_id,
            "subject": self.subject,
            "outcome": self.outcome,
            "reason": self.reason,
            "details": self.details,
        }
        for name in _OPTIONAL_TEXT:
            value = getattr(self, name)
            if value is not None:
                body[name] = value
        return body

    def to_canonical_json(self) -> bytes:
        """The RFC 8785 bytes of this event: the input to its leaf hash."""
        return self._canonical

    def to_dict(self) -> dict[str, Any]:
        """A fresh JSON-shaped copy of the body, as it is stored."""
        return cast(dict[str, Any], json.loads(self._canonical))

    @property
    def record_id(self) -> str | None:
        """The record this event concerns, if its subject names one (the look-up key)."""
        return subject_record_id(self.subject)

    @classmethod
    def from_dict(cls, body: Mapping[str, Any]) -> AuditEvent:
        """Rebuild an event from a stored body; the result equals the event appended."""
        if body.get("v") != SCHEMA_VERSION:
            raise UsageError(f"unsupported audit body version {body.get('v')!r}")
        missing = _ALWAYS_PRESENT - body.keys()
        unknown = body.keys() - _BODY_KEYS
        if missing or unknown:
            raise UsageError(
                f"audit body has missing keys {sorted(missing)} or unknown keys {sorted(unknown)}"
            )
        fields = {k: v for k, v in body.items() if k not in ("v", "at")}
        return cls(at=parse_at(body["at"]), **fields)

    @classmethod
    def from_json(cls, text: str | bytes) -> AuditEvent:
        """Rebuild an event from its canonical JSON."""
        return cls.from_dict(parse_body(text))


def format_at(at: datetime) -> str:
    """The one spelling of an instant in a body: UTC, microseconds, ``Z`` suffix."""
    return at.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def parse_at(text: object) -> datetime:
    """Parse the ``at`` of a body back into an aware UTC datetime."""
    if not isinstance(text, str):
        raise UsageError("audit body 'at' must be a string")
    parsed = datetime.fromisoformat(text)
    if parsed.utcoffset() is None:
        raise UsageError("audit body 'at' has no time zone")
    return parsed.astimezone(UTC)


def _reject_constant(name: str) -> Any:
    raise UsageError(f"audit body contains {name}, which canonical JSON forbids")


_DECODER: Final = json.JSONDecoder(parse_constant=_reject_constant)


def parse_body(text: str | bytes) -> dict[str, Any]:
    """Parse a stored body, refusing the non-JSON constants ``NaN`` and ``Infinity``."""
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    value = _DECODER.decode(text)
    if not isinstance(value, dict):
        raise UsageError("audit body must be a JSON object")
    return value


def id_ref(value: str) -> str:
    """Reference a caller-supplied id by ``"sha256:<hex>"`` of its text instead of copying it.

    An id a caller sends for a record they may not see (or that does not exist) is
    untrusted text: it may be long, hold line breaks, or carry content. Its hash still
    lets an auditor who knows a real id find the attempts on it.
    """
    return "sha256:" + hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


def printable(text: str) -> str:
    """``text`` with every control, format or line-separator character escaped (``\\x1b``).

    For showing events to people: a stored value can then neither forge a line of its own
    nor move the terminal's cursor. Printable text, other scripts included, is unchanged.
    """
    if text.isprintable():
        return text
    out = []
    for char in text:
        if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp"):
            code = ord(char)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(char)
    return "".join(out)


def content_ref(salt: bytes, text: str) -> str:
    """Reference content by ``"sha256:<hex>"`` of ``salt + text`` instead of copying it.

    The salt is a deployment secret kept out of the trail: without it, a short value
    such as a diagnosis code could be recovered from its hash by trying every
    candidate. Salts shorter than 16 bytes are refused for that reason.
    """
    if len(salt) < _MIN_SALT_BYTES:
        raise UsageError(f"content_ref needs a salt of at least {_MIN_SALT_BYTES} bytes")
    return "sha256:" + hashlib.sha256(salt + text.encode("utf-8")).hexdigest()


def _subject_value(subject: object, key: str) -> object:
    # ``type(...) is dict`` first: the verification walk calls this once per stored
    # event, and an ABC ``isinstance`` costs more than the rest of the look-up.
    if type(subject) is not dict and not isinstance(subject, Mapping):
        return None
    value = subject.get(key)
    return subject.get(LEGACY_SUBJECT_KEYS[key]) if value is None else value


def subject_record_id(subject: object) -> str | None:
    """The record id a subject names, as text; ``None`` when it names none.

    Takes any parsed body's ``subject`` (the verification walk passes whatever the
    stored JSON holds) and reads ``record_id``, or ``claim_id`` in an event appended
    before subjects were generic.
    """
    value = _subject_value(subject, RECORD_ID)
    return None if value is None else str(value)


def subject_record_version(subject: object) -> str | int | None:
    """The record version a subject names (``record_version``, or a legacy ``claim_version``)."""
    value = _subject_value(subject, RECORD_VERSION)
    if isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    return None


def task_domain(purpose: object) -> str | None:
    """The domain a task belongs to (``claims`` for ``claims.adjudicate``); ``None`` without a prefix.

    An event's ``purpose`` is the task it was appended for, so this says which domain's
    records its subject names.
    """
    domain, dot, _ = str(purpose).partition(".")
    return domain if dot and domain else None


def _normalize_subject(subject: object) -> dict[str, str | int]:
    if not isinstance(subject, Mapping):
        raise UsageError("AuditEvent.subject must be a mapping of identifiers")
    out: dict[str, str | int] = {}
    for key, value in subject.items():
        if not isinstance(key, str):
            raise UsageError("AuditEvent.subject keys must be strings")
        if isinstance(value, str):
            out[str.__str__(key)] = str.__str__(value)
        elif isinstance(value, int) and not isinstance(value, bool):
            if not -_JSON_INT_MAX <= value <= _JSON_INT_MAX:
                raise UsageError(f"subject.{key}: integer outside JSON's exact range")
            out[str.__str__(key)] = int(value)
        else:
            raise UsageError(f"subject.{key} must be a str or int identifier")
    return out


class _Plain:
    """Set to False by :func:`_normalize` on meeting a float or a key outside the BMP."""

    __slots__ = ("ok",)

    def __init__(self) -> None:
        self.ok = True


def _in_bmp(key: str) -> bool:
    """True when every character of ``key`` is at most U+FFFF (one UTF-16 code unit)."""
    return key.isascii() or max(key) <= "\uffff"


def canonical_json(body: Mapping[str, Any], *, plain: bool) -> bytes:
    """The RFC 8785 (JCS) bytes of a normalized body.

    ``plain`` says the body holds no float and no key with a character beyond U+FFFF
    (all strings, the other keys included, are checked for validity by the encoder).
    For such a body JCS and the standard library's sorted, compact, non-ASCII-escaping
    ``json.dumps`` write the same bytes: the same escapes (two-letter ones for
    backspace, tab, newline, form feed and carriage return, lower-case ``\\u00xx`` for
    the other control characters, nothing else escaped), integers within JSON's exact
    range printed alike, and key order by UTF-16 code units equal to order by code
    points for keys inside the Basic Multilingual Plane. The standard encoder is C and
    several times faster than the ``rfc8785`` package, which writes every other body
    (ECMAScript number formatting, UTF-16 key order). A property test holds the two to
    the same bytes.
    """
    if plain:
        try:
            text = json.dumps(
                body, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
            )
            return text.encode("utf-8")
        except UnicodeEncodeError:
            pass  # a lone surrogate: let the reference implementation report it
    return rfc8785.dumps(body)


def _normalize(value: object, path: str, plain: _Plain) -> JsonValue:
    """Copy ``value`` into plain JSON types, refusing what would not round-trip.

    Subclasses (enums, ``str`` subclasses) are narrowed to their base type so that the
    parsed body equals the original; tuples become lists for the same reason. ``plain``
    learns whether :func:`canonical_json` may take its fast path.
    """
    if value is None or value is True or value is False:
        return value
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        if not -_JSON_INT_MAX <= value <= _JSON_INT_MAX:
            raise UsageError(f"{path}: integer outside JSON's exact range; pass it as a string")
        return int(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise UsageError(f"{path}: {value!r} is not a JSON number")
        plain.ok = False
        return float(value)
    if isinstance(value, Decimal):
        raise UsageError(f"{path}: give Decimal amounts as strings, e.g. str(amount)")
    if isinstance(value, Mapping):
        out: dict[str, JsonValue] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise UsageError(f"{path}: object keys must be strings")
            if not _in_bmp(key):
                plain.ok = False
            out[str.__str__(key)] = _normalize(item, f"{path}.{key}", plain)
        return out
    if isinstance(value, list | tuple):
        return [_normalize(item, f"{path}[{i}]", plain) for i, item in enumerate(value)]
    raise UsageError(f"{path}: {type(value).__name__} is not a JSON value")
