"""Settings of the HTTP service: built from :class:`~interlock.settings.Settings`, or passed in.

Only the API reads them; every other module takes plain values. Keys and key sets are
files or URLs, never inline secrets, so a settings dump never leaks one.

:meth:`ApiSettings.from_settings` is the one way a server process (``interlock serve``
and ``uvicorn --factory interlock.api.app:app_from_env``) turns the configuration into
these values, so both honour the same file and variables. The older flat variables
(``INTERLOCK_JWKS_URL``, ``INTERLOCK_MODEL``, ``INTERLOCK_DEADLINE_SECONDS``, ...) still
work: each fills its field when the settings leave that field at its default.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, Field

from interlock.exceptions import ConfigurationError
from interlock.settings import EngineSection, IndexSection, LoadedSettings, ModelsSection, QualitySection

#: Fields taken from the top level of the settings; every other flat field is in ``[api]``.
_TOP_LEVEL: Final = (
    "sor_url",
    "store_url",
    "pool_size",
    "sor_row_security",
    "policy_file",
    "service_principal",
)
_SECTIONS: Final = ("engine", "models", "index", "quality")
#: How ``interlock serve --processes N`` hands its command-line options to the processes
#: it starts (JSON of field to value). Deliberately outside the ``INTERLOCK_`` prefix: it
#: is not a setting. It holds what the command line held (paths and URLs; a database
#: URL may carry a password, as it did there), and processes of the same user only see it.
SERVE_OVERRIDES_ENV: Final = "_INTERLOCK_SERVE_OVERRIDES"
#: Fields the settings model does not have: only their older variables set them.
_API_ONLY: Final = ("content_salt_file",)


class ApiSettings(BaseModel):
    """Where the databases are, whom to trust for tokens and keys, the policy and the work knobs."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    sor_url: str
    store_url: str
    #: The registered domain this process serves (its tasks, connector and desk views);
    #: ``sor_url`` is that domain's system of record.
    domain: str = Field(default="claims", min_length=1, pattern=r"^[a-z][a-z0-9_]*$")
    #: Connections kept open per PostgreSQL database, for each of the two databases.
    pool_size: int = Field(default=5, ge=1)
    #: Read the system of record through PostgreSQL row-level security: every request's
    #: transactions carry the caller as the acting principal (``interlock policy emit-rls``).
    sor_row_security: bool = False
    #: Entitlement policy (TOML); ``None`` is the shipped policy.
    policy_file: Path | None = None
    #: The service an API key entry without ``service`` maps to (``service:NAME``).
    service_principal: str = Field(default="interlock", min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    #: A JWKS document (``file``) or endpoint (``url``) holding the issuer's public keys.
    jwks_file: Path | None = None
    jwks_url: str | None = None
    #: Both required whenever a JWKS is configured (the server refuses to start without).
    jwt_issuer: str | None = None
    jwt_audience: str | None = None
    jwt_algorithms: tuple[str, ...] = ("RS256", "ES256")
    #: A TOML file of ``[[keys]]`` with ``name``, ``sha256`` (hex of the key), ``service``
    #: and the key's ``scope`` (:mod:`interlock.api.keys`).
    api_keys_file: Path | None = None
    model: str = "none"
    #: The deadline of a work item run by the API; it replaces ``[engine] deadline_seconds``.
    deadline_seconds: float = Field(default=30.0, gt=0)
    queue_workers: int = Field(default=1, ge=0)
    review_sla_hours: float = Field(default=48.0, gt=0)
    #: Secure cookies need HTTPS; tests on loopback turn this off.
    cookie_secure: bool = True
    #: Largest request body, refused with 413 before routing (``Content-Length``) or as it streams.
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    #: Largest request head uvicorn accepts (its ``h11_max_incomplete_event_size``).
    max_header_bytes: int = Field(default=16_384, ge=1024)
    #: Connections and requests in flight per process before uvicorn answers 503.
    limit_concurrency: int = Field(default=256, ge=1)
    #: Networks allowed to read ``/metrics``; unset, any client.
    metrics_networks: tuple[str, ...] | None = None
    #: Require an API key or a bearer token to read ``/metrics``.
    metrics_auth: bool = False
    #: The canonical URL of the MCP endpoint (``https://host/mcp``); bearer tokens presented
    #: at ``/mcp`` must name it in ``aud`` (see :mod:`interlock.mcp.http`). Unset: ``jwt_audience``.
    mcp_resource: str | None = Field(default=None, pattern=r"^https?://[^\s]+$")
    #: A file of at least 16 secret bytes salting content hashes in the audit trail
    #: (``INTERLOCK_CONTENT_SALT_FILE``); unset, no content hash is recorded.
    content_salt_file: Path | None = None
    #: Thresholds, lease and deferrals of the engine (the ``[engine]`` section).
    engine: EngineSection = EngineSection()
    #: Hosted providers' endpoints for ``model`` (the ``[models]`` section).
    models: ModelsSection = ModelsSection()
    #: The search index's knobs (the ``[index]`` section): ``follow_writes``.
    index: IndexSection = IndexSection()
    #: Blind samples, measured precision and closed paths (the ``[quality]`` section).
    quality: QualitySection = QualitySection()

    @classmethod
    def serve_overrides(cls, raw: str | None) -> dict[str, Any]:
        """The options ``interlock serve --processes`` handed its processes (:data:`SERVE_OVERRIDES_ENV`)."""
        if not raw:
            return {}
        try:
            given = json.loads(raw)
        except ValueError as exc:
            raise ConfigurationError(f"{SERVE_OVERRIDES_ENV} is not JSON: {exc}") from None
        if not isinstance(given, dict) or not set(given) <= set(cls.model_fields) - set(_SECTIONS):
            raise ConfigurationError(f"{SERVE_OVERRIDES_ENV} must be an object of API settings")
        return given

    @classmethod
    def from_env(cls, **overrides: object) -> ApiSettings:
        """Settings from the older ``INTERLOCK_<FIELD>`` variables only, with ``overrides`` winning."""
        values = _flat_variables(os.environ, cls.model_fields)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls.model_validate(values)

    @classmethod
    def from_settings(
        cls, loaded: LoadedSettings, *, environ: Mapping[str, str] | None = None, **overrides: object
    ) -> ApiSettings:
        """The API's view of ``loaded``; an older flat variable fills a field left at its default.

        Precedence, lowest first: defaults, older flat variables, the settings file and
        ``INTERLOCK_*`` settings variables, then ``overrides`` that are not ``None``
        (options given to ``interlock serve``).
        """
        s = loaded.settings
        values: dict[str, object] = {}
        older = _flat_variables(os.environ if environ is None else environ, cls.model_fields)
        for name in cls.model_fields:
            if name in _SECTIONS:
                values[name] = getattr(s, name)
                continue
            if name in _API_ONLY:
                if name in older:
                    values[name] = older[name]
                continue
            path = name if name in _TOP_LEVEL else f"api.{name}"
            configured = getattr(s, name) if name in _TOP_LEVEL else getattr(s.api, name)
            if loaded.origins.get(path, "default") == "default" and name in older:
                values[name] = older[name]
            else:
                values[name] = configured
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls.model_validate(values)


def server_limits(settings: ApiSettings) -> dict[str, Any]:
    """uvicorn's options that bound what one client can make a process hold.

    The pure-Python HTTP/1.1 parser (h11) is chosen explicitly because it enforces a
    limit on the request head; ``limit_concurrency`` answers 503 past that many
    connections and requests in flight instead of queueing without end.
    """
    return {
        "http": "h11",
        "h11_max_incomplete_event_size": settings.max_header_bytes,
        "limit_concurrency": settings.limit_concurrency,
    }


def _flat_variables(environ: Mapping[str, str], fields: Mapping[str, object]) -> dict[str, object]:
    """The older ``INTERLOCK_<FIELD>`` variables that are set, by field name."""
    values: dict[str, object] = {}
    for name in fields:
        if name in _SECTIONS:
            continue
        env = environ.get(f"INTERLOCK_{name.upper()}")
        if env is not None:
            values[name] = tuple(env.split(",")) if name in ("jwt_algorithms", "metrics_networks") else env
    return values
