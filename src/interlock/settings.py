"""Interlock's configuration: one settings model, read from a TOML file and ``INTERLOCK_*`` variables.

Every knob of a deployment lives here, so an operator reads one document
(``docs/configuration.md``) and one ``interlock config show`` to know what a process
will do. Precedence, lowest to highest: the defaults below, the TOML file
(``--config FILE`` or ``INTERLOCK_CONFIG``), environment variables, then options given
explicitly on the command line (resolved by the CLI, which only falls back to these
settings when an option is absent).

The defaults are the embedded set-up: SQLite files in the working directory and the
baseline model, so nothing needs configuring to try Interlock. Nested sections map to
TOML tables and to variables with a double underscore: ``[engine] deadline_seconds``
is ``INTERLOCK_ENGINE__DEADLINE_SECONDS``. Secrets are :class:`~pydantic.SecretStr`, so
a dump or a log line of the settings never shows them.
"""

from __future__ import annotations

import ipaddress
import os
import tomllib
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
    TomlConfigSettingsSource,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from interlock.exceptions import ConfigurationError
from interlock.models.spec import parse_model_spec

__all__ = [
    "CONFIG_ENV",
    "ENV_PREFIX",
    "ApiSection",
    "AuditSection",
    "EngineSection",
    "IndexSection",
    "LoadedSettings",
    "ModelsSection",
    "QualitySection",
    "Settings",
    "ShadowSection",
    "TaskQualitySection",
    "TelemetrySection",
    "env_name",
    "iter_fields",
    "load_settings",
]

ENV_PREFIX: Final = "INTERLOCK_"
#: The variable naming the TOML file when ``--config`` is not given.
CONFIG_ENV: Final = "INTERLOCK_CONFIG"
_NESTED: Final = "__"

#: Set while :func:`load_settings` validates values it has already read from every source.
_VALUES_ONLY: ContextVar[bool] = ContextVar("_VALUES_ONLY", default=False)

Origin = Literal["default", "file", "env"]


def _check_chain(spec: str) -> str:
    """A comma-separated fallback chain of model specs, each parsed strictly."""
    members = [part.strip() for part in spec.split(",")]
    if not all(members):
        raise ValueError(f"empty member in model chain {spec!r}")
    for member in members:
        try:
            parse_model_spec(member)
        except ConfigurationError as exc:
            raise ValueError(str(exc)) from None
    return ",".join(members)


def _check_db_url(url: str) -> str:
    try:
        make_url(url)
    except ArgumentError as exc:
        raise ValueError(f"not a database URL ({exc})") from None
    return url


class _Section(BaseModel):
    """A TOML table; unknown keys are errors so that a typo does not silently do nothing."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ModelsSection(_Section):
    """Which model judges medical necessity, and how to reach hosted providers."""

    #: ``baseline``, ``openai:NAME``, ``anthropic:NAME``, or a fallback chain ``a,b,baseline``.
    chain: str = "baseline"
    #: OpenAI-compatible endpoint; unset means the SDK's ``OPENAI_BASE_URL`` or api.openai.com.
    openai_base_url: str | None = None
    #: Unset means the SDK's ``OPENAI_API_KEY`` (or none, for local servers).
    openai_api_key: SecretStr | None = None
    #: Unset means the SDK's ``ANTHROPIC_BASE_URL`` or api.anthropic.com.
    anthropic_base_url: str | None = None
    #: Unset means the SDK's ``ANTHROPIC_API_KEY``.
    anthropic_api_key: SecretStr | None = None

    @field_validator("chain")
    @classmethod
    def _chain(cls, value: str) -> str:
        return _check_chain(value)


class EngineSection(_Section):
    """How one work item runs: its deadline, lease, deferrals, confidence thresholds and familiarity check."""

    deadline_seconds: float = Field(default=30.0, gt=0)
    lease_seconds: float = Field(default=120.0, gt=0)
    max_defers: int = Field(default=5, ge=0)
    defer_base_seconds: float = Field(default=2.0, ge=0)
    #: Longest wait between tries of a deferred item (the doubling stops here).
    defer_max_seconds: float = Field(default=60.0, gt=0)
    approve_threshold: float = Field(default=0.9, ge=0, le=1)
    deny_threshold: float = Field(default=0.9, ge=0, le=1)
    concurrency: int = Field(default=1, ge=1)
    #: Send a model-based proposal on text unlike the domain's history to a person; on, an
    #: engine with a model needs the region `interlock model train` fits (else one-line error).
    familiarity: bool = True
    #: Miscoverage of the familiarity check: a text like the history is judged unfamiliar
    #: with probability at most this (split-conformal guarantee).
    familiarity_alpha: float = Field(default=0.01, gt=0, lt=1)


class ShadowSection(_Section):
    """A candidate model and/or thresholds run beside production on live work items, writing nothing.

    Shadow mode is on when ``model`` or either threshold is set. The candidate is asked
    after the production decision is written, within ``budget_seconds`` and what is left
    of the item's deadline; ``interlock eval --shadow`` compares the two.
    """

    #: A model spec or chain for the candidate; unset: production's answers are reused.
    model: str | None = None
    #: Candidate thresholds; unset: production's (``[engine]``).
    approve_threshold: float | None = Field(default=None, ge=0, le=1)
    deny_threshold: float | None = Field(default=None, ge=0, le=1)
    #: The most time the candidate may take on one work item.
    budget_seconds: float = Field(default=5.0, gt=0)
    #: The candidate's own OpenAI-compatible endpoint and key; unset: ``[models]``'s.
    openai_base_url: str | None = None
    openai_api_key: SecretStr | None = None

    @field_validator("model")
    @classmethod
    def _model(cls, value: str | None) -> str | None:
        return None if value is None else _check_chain(value)


class ApiSection(_Section):
    """The HTTP service started by ``interlock serve``."""

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    #: The registered domain the server serves (its system of record is ``sor_url``).
    domain: str = Field(default="claims", min_length=1, pattern=r"^[a-z][a-z0-9_]*$")
    #: ``none`` (no model behind API-started adjudications) or a model chain.
    model: str = "none"
    deadline_seconds: float = Field(default=30.0, gt=0)
    queue_workers: int = Field(default=2, ge=0)
    #: Server processes sharing the port; each holds its own pools, engines and queue threads.
    processes: int = Field(default=1, ge=1)
    review_sla_hours: float = Field(default=48.0, gt=0)
    jwks_file: Path | None = None
    jwks_url: str | None = None
    jwt_issuer: str | None = None
    jwt_audience: str | None = None
    jwt_algorithms: Annotated[tuple[str, ...], NoDecode] = ("RS256", "ES256")
    api_keys_file: Path | None = None
    cookie_secure: bool = True
    #: Largest request body accepted, checked before routing (413 above it).
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    #: Largest request head (request line and headers) accepted by the HTTP server.
    max_header_bytes: int = Field(default=16_384, ge=1024)
    #: Connections and requests in flight per server process before it answers 503.
    limit_concurrency: int = Field(default=256, ge=1)
    #: Networks allowed to read ``/metrics`` (CIDR); unset: any client.
    metrics_networks: Annotated[tuple[str, ...] | None, NoDecode] = None
    #: Require credentials (an API key or a bearer token) to read ``/metrics``.
    metrics_auth: bool = False
    #: The canonical URL of this server's MCP endpoint (``https://host/mcp``): the
    #: ``resource`` of its protected-resource metadata and the ``aud`` bearer tokens
    #: presented there must carry. Unset: the URL the request came to, and ``jwt_audience``.
    mcp_resource: str | None = None

    @field_validator("model")
    @classmethod
    def _model(cls, value: str) -> str:
        return value if value == "none" else _check_chain(value)

    @field_validator("metrics_networks", mode="after")
    @classmethod
    def _networks(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        for network in value or ():
            ipaddress.ip_network(network, strict=False)  # ValueError names the bad one
        return value

    @field_validator("jwt_algorithms", "metrics_networks", mode="before")
    @classmethod
    def _algorithms(cls, value: object) -> object:
        # ``INTERLOCK_API__JWT_ALGORITHMS=RS256,ES256`` reads as a list, like the TOML array.
        return (
            tuple(part.strip() for part in value.split(",") if part.strip())
            if isinstance(value, str)
            else value
        )


class TelemetrySection(_Section):
    """Where spans go; metrics are always served at ``/metrics`` and by ``interlock metrics``."""

    traces: Literal["none", "console", "otlp"] = "none"
    #: OTLP/HTTP traces endpoint; unset means the standard ``OTEL_EXPORTER_OTLP_*`` variables.
    otlp_endpoint: str | None = None
    service_name: str = Field(default="interlock", min_length=1)


class IndexSection(_Section):
    """The search index in the store (``interlock index sync``, ``ask``, precedent lookup)."""

    #: After each write-back (a commit or hold by a worker, ``run`` or the API, a person's
    #: decision), re-sync that record's documents in the background: the index follows
    #: the system of record within seconds; ``index sync`` still catches up the rest.
    follow_writes: bool = False


class AuditSection(_Section):
    """Signing of audit checkpoints."""

    #: Private key written by ``interlock audit keygen``, for ``audit checkpoint``.
    signing_key: Path | None = None


class TaskQualitySection(_Section):
    """One task's overrides of the ``[quality]`` section; a key left out keeps the section's value."""

    sample_rate: float | None = Field(default=None, ge=0, le=1)
    target_precision: float | None = Field(default=None, gt=0, le=1)
    min_samples: int | None = Field(default=None, ge=1)
    window: int | None = Field(default=None, ge=1)


class QualitySection(_Section):
    """Quality measured in production: blind samples of automatic decisions, and the closed path.

    A share (``sample_rate``) of the work items that would be finalized automatically
    goes to a person instead, who does not see the withheld proposal; their decisions
    measure the precision of the automatic path. Below ``target_precision`` (by the rule
    of :mod:`interlock.quality.precision`) the task's automatic path closes until an
    operator reopens it. ``tasks`` overrides the section per task name.
    """

    sample_rate: float = Field(default=0.0, ge=0, le=1)
    target_precision: float | None = Field(default=None, gt=0, le=1)
    min_samples: int = Field(default=30, ge=1)
    window: int = Field(default=200, ge=1)
    confidence: float = Field(default=0.95, gt=0, lt=1)
    #: The key of the keyed hash that picks the sampled items; unset, a fixed public key.
    sample_key: SecretStr | None = None
    #: Staff roles (besides auditors) that see the quality page and ``GET /v1/quality``.
    viewer_roles: Annotated[tuple[str, ...] | None, NoDecode] = None
    #: Staff roles that may reopen a closed automatic path on the desk or through the API.
    reopen_roles: Annotated[tuple[str, ...] | None, NoDecode] = None
    tasks: dict[str, TaskQualitySection] = {}

    @field_validator("viewer_roles", "reopen_roles", mode="before")
    @classmethod
    def _roles(cls, value: object) -> object:
        # ``INTERLOCK_QUALITY__REOPEN_ROLES=supervisor,controller`` reads as a list, like the TOML array.
        return (
            tuple(part.strip() for part in value.split(",") if part.strip())
            if isinstance(value, str)
            else value
        )


class Settings(BaseSettings):
    """The effective configuration of one Interlock process."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter=_NESTED,
        extra="forbid",
        frozen=True,
        validate_default=True,
    )

    #: The system of record (SQLAlchemy URL).
    sor_url: str = "sqlite:///sor.db"
    #: Interlock's own store: work items, audit trail, trained models, search index.
    store_url: str = "sqlite:///store.db"
    #: Connections kept open per PostgreSQL database (SQLite opens one per use).
    pool_size: int = Field(default=5, ge=1)
    #: Carry the acting principal into every system-of-record transaction (PostgreSQL), for
    #: the row-level security that ``interlock policy emit-rls`` installs.
    sor_row_security: bool = False
    #: Entitlement policy (TOML); unset means the shipped policy.
    policy_file: Path | None = None
    #: Name of the service principal that automatic processing runs as (``service:NAME``).
    service_principal: str = Field(default="interlock", min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    #: The largest amount the service principal may approve where the policy compares an
    #: amount with the principal's ``approval_limit`` (invoices); unset: it approves nothing there.
    service_approval_limit: Decimal | None = Field(default=None, ge=0)
    models: ModelsSection = ModelsSection()
    engine: EngineSection = EngineSection()
    shadow: ShadowSection = ShadowSection()
    api: ApiSection = ApiSection()
    index: IndexSection = IndexSection()
    telemetry: TelemetrySection = TelemetrySection()
    audit: AuditSection = AuditSection()
    quality: QualitySection = QualitySection()

    @field_validator("sor_url", "store_url")
    @classmethod
    def _url(cls, value: str) -> str:
        return _check_db_url(value)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Explicit values, then the environment, then the TOML file (no .env, no secrets dir)."""
        if _VALUES_ONLY.get():
            return (init_settings,)
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls, deep_merge=True))


@dataclass(frozen=True, slots=True)
class LoadedSettings:
    """Settings with the file they were read from and where each value came from."""

    settings: Settings
    config_file: Path | None
    #: Dotted field path (``engine.deadline_seconds``) to ``default``, ``file`` or ``env``.
    origins: Mapping[str, Origin]


def env_name(path: str) -> str:
    """The environment variable of a dotted field path: ``api.port`` is ``INTERLOCK_API__PORT``."""
    return ENV_PREFIX + path.replace(".", _NESTED).upper()


def iter_fields(model: type[BaseModel] = Settings, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Every leaf setting as ``(dotted path, FieldInfo)``, sections expanded, in declaration order."""
    for name, info in model.model_fields.items():
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, _Section):
            yield from iter_fields(annotation, f"{prefix}{name}.")
        else:
            yield f"{prefix}{name}", info


def load_settings(
    config_file: Path | None = None, environ: Mapping[str, str] | None = None
) -> LoadedSettings:
    """Read the TOML file (``config_file``, else ``$INTERLOCK_CONFIG``) and the environment.

    Any problem, a missing file, bad TOML, an unknown key or a value out of range,
    raises :class:`ConfigurationError` naming the setting and where its value came from,
    because an operator must be able to fix it from the message alone.
    """
    env = os.environ if environ is None else environ
    if config_file is None and env.get(CONFIG_ENV):
        config_file = Path(env[CONFIG_ENV])
    file_values: dict[str, Any] = {}
    if config_file is not None:
        file_values = _read_toml(config_file)
    env_values = _env_values(env)
    origins = _origins(file_values, env_values)
    try:
        # The sources were read above (for the origins); validating them as the only
        # input keeps a test's ``environ`` from mixing with the process's own.
        token = _VALUES_ONLY.set(True)
        try:
            settings = Settings(**_deep_merge(file_values, env_values))
        finally:
            _VALUES_ONLY.reset(token)
    except ValidationError as exc:
        raise ConfigurationError(_describe(exc, config_file, origins)) from None
    return LoadedSettings(settings=settings, config_file=config_file, origins=origins)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigurationError(f"configuration file {str(path)!r} does not exist") from None
    except OSError as exc:
        raise ConfigurationError(f"cannot read configuration file {str(path)!r}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"configuration file {str(path)!r} is not valid TOML: {exc}") from None


def _env_values(env: Mapping[str, str]) -> dict[str, Any]:
    """The nested values the environment sets, as pydantic-settings reads them."""
    source = EnvSettingsSource(Settings)
    source.env_vars = {k.lower(): v for k, v in env.items()}
    try:
        return dict(source())
    except SettingsError as exc:
        raise ConfigurationError(f"invalid configuration in the environment: {exc}") from None


def _deep_merge(base: Mapping[str, Any], top: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in top.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _flatten(values: Mapping[str, Any], prefix: str = "") -> Iterator[str]:
    for key, value in values.items():
        if isinstance(value, Mapping):
            yield from _flatten(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}"


def _origins(file_values: Mapping[str, Any], env_values: Mapping[str, Any]) -> dict[str, Origin]:
    origins: dict[str, Origin] = {path: "default" for path, _ in iter_fields()}
    origins.update(dict.fromkeys(_flatten(file_values), "file"))
    origins.update(dict.fromkeys(_flatten(env_values), "env"))
    return origins


def _describe(exc: ValidationError, config_file: Path | None, origins: Mapping[str, Origin]) -> str:
    lines = []
    for error in exc.errors():
        path = ".".join(str(part) for part in error["loc"])
        message = str(error["msg"]).removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown setting (see docs/configuration.md)"
        where = {
            "env": f" (from {env_name(path)})",
            "file": f" (from {config_file})",
        }.get(origins.get(path, "default"), "")
        lines.append(f"  - {path}: {message}{where}")
    return "invalid configuration:\n" + "\n".join(lines)
