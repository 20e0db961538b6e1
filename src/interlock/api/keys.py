"""The API key file: each key's digest, the service it acts as, and the scope it is given.

A key is given exactly what its entry declares, nothing by default::

    [[keys]]
    name = "clearinghouse"
    sha256 = "<hex SHA-256 of the key>"
    service = "clearinghouse"
    [keys.scope]
    assignments = ["north/commercial", "south/medicaid"]   # or ["*"]: every pair
    sensitivities = []                                     # or ["hiv"], or ["*"]: every one
    tasks = { "claims.ingest" = ["create"] }

``assignments`` are the (region, line of business) pairs the key works, as
``"region/line_of_business"``; ``sensitivities`` the restricted sensitivities it may
read beyond ``none`` (which every reader of a pair may read); ``tasks`` the actions
(``create``, ``finalize``, ``pend``) it may take in each task. An empty list grants
nothing. The file is read once, at start-up, and anything missing or unknown (an entry
without ``scope``, an unknown field, task, action or sensitivity) stops the server with
one line naming the entry: a typo must not silently widen or narrow a key, and
"everything" must be written down as ``"*"`` to be had.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from interlock.exceptions import ConfigurationError
from interlock.policy.principal import Principal, service_principal
from interlock.policy.tasks import ACTIONS

#: Tasks a key may be scoped to when the policy declares no ``tasks`` table.
KNOWN_TASKS: Final = ("claims.adjudicate", "claims.ingest")
EVERYTHING: Final = "*"
_NAME: Final = r"^[A-Za-z0-9_.-]{1,64}$"


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class KeyScope(_Strict):
    """What one key may do; every part must be written, even when empty."""

    assignments: tuple[str, ...]
    sensitivities: tuple[str, ...]
    tasks: dict[str, tuple[str, ...]]


class KeyEntry(_Strict):
    """One ``[[keys]]`` entry as written in the file."""

    sha256: str = Field(pattern=r"^[0-9a-fA-F]{64}$")
    name: str | None = Field(default=None, pattern=_NAME)
    service: str | None = Field(default=None, pattern=_NAME)
    scope: KeyScope


@dataclass(frozen=True, slots=True)
class ServiceKey:
    """A configured key: its digest and the scoped service principal it authenticates as."""

    digest: str
    principal: Principal


def _entry_label(index: int, raw: Mapping[str, Any]) -> str:
    name = raw.get("name")
    return f"keys[{index}]" + (f" ({name})" if isinstance(name, str) and name.isprintable() else "")


def _one_line(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"])
    if first["type"] == "missing" and where == "scope":
        return "no scope declared (add [keys.scope] with assignments, sensitivities and tasks)"
    message = str(first["msg"]).removeprefix("Value error, ")
    return f"{where}: {message}" if where else message


def _pairs(values: Iterable[str]) -> frozenset[tuple[str, str]] | None:
    pairs: set[tuple[str, str]] = set()
    for value in values:
        if value == EVERYTHING:
            return None
        region, sep, line = value.partition("/")
        if not sep or not region or not line or "/" in line or not value.isprintable():
            raise ValueError(f"assignment {value!r} is not 'region/line_of_business' or '*'")
        pairs.add((region, line))
    return frozenset(pairs)


def _sensitivities(values: Iterable[str], known: frozenset[str] | None) -> frozenset[str] | None:
    found: set[str] = set()
    for value in values:
        if value == EVERYTHING:
            return None
        if known is not None and value not in known:
            raise ValueError(f"unknown sensitivity {value!r} (known: {', '.join(sorted(known))}, *)")
        if not value.isprintable():
            raise ValueError(f"sensitivity {value!r} is not printable")
        if value != "none":  # `none` is readable by whoever reads the pair; it grants nothing more
            found.add(value)
    return frozenset(found)


def _grants(tasks: Mapping[str, tuple[str, ...]], known_tasks: Iterable[str]) -> frozenset[tuple[str, str]]:
    known = tuple(known_tasks)
    grants: set[tuple[str, str]] = set()
    for task, actions in tasks.items():
        if task not in known:
            raise ValueError(f"unknown task {task!r} (known: {', '.join(known)})")
        for action in actions:
            if action not in ACTIONS:
                raise ValueError(f"tasks.{task}: unknown action {action!r} (known: {', '.join(ACTIONS)})")
            grants.add((task, action))
    return frozenset(grants)


def parse_api_keys(
    data: Mapping[str, Any],
    *,
    default_service: str,
    known_tasks: Iterable[str] = KNOWN_TASKS,
    known_sensitivities: frozenset[str] | None = None,
) -> tuple[ServiceKey, ...]:
    """Every key of a parsed key file, or :class:`ConfigurationError` naming the first bad entry.

    ``known_sensitivities`` are the categories the policy declares
    (:meth:`PolicyDocument.sensitivity_values`); ``None`` accepts any.
    """
    unknown = sorted(set(data) - {"keys"})
    if unknown:
        raise ConfigurationError(f"unknown table(s) in the API key file: {', '.join(unknown)}")
    entries = data.get("keys", [])
    if not isinstance(entries, list):
        raise ConfigurationError("the API key file needs [[keys]] entries")
    tasks = tuple(known_tasks)
    keys: list[ServiceKey] = []
    for index, raw in enumerate(entries):
        label = _entry_label(index, raw if isinstance(raw, Mapping) else {})
        try:
            entry = KeyEntry.model_validate(raw)
            principal = service_principal(
                entry.service or default_service,
                assignments=_pairs(entry.scope.assignments),
                sensitivities=_sensitivities(entry.scope.sensitivities, known_sensitivities),
                grants=_grants(entry.scope.tasks, tasks),
            )
        except ValidationError as exc:
            raise ConfigurationError(f"API key {label}: {_one_line(exc)}") from None
        except ValueError as exc:
            raise ConfigurationError(f"API key {label}: {exc}") from None
        keys.append(ServiceKey(digest=entry.sha256.lower(), principal=principal))
    digests = [k.digest for k in keys]
    if len(set(digests)) != len(digests):
        raise ConfigurationError("the API key file lists one key twice")
    return tuple(keys)


def load_api_keys(
    path: Path,
    *,
    default_service: str,
    known_tasks: Iterable[str] = KNOWN_TASKS,
    known_sensitivities: frozenset[str] | None = None,
) -> tuple[ServiceKey, ...]:
    """Read and check the key file at ``path`` (see :func:`parse_api_keys`)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigurationError(f"cannot read API key file {str(path)!r}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"API key file {str(path)!r} is not valid TOML: {exc}") from None
    return parse_api_keys(
        data,
        default_service=default_service,
        known_tasks=known_tasks,
        known_sensitivities=known_sensitivities,
    )
