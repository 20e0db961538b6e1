"""The objects a process builds from its :class:`~interlock.settings.Settings`.

The CLI and the API process both turn the same settings into the same engine knobs,
policy, provider endpoints and span exporter; building them here, away from either front end, is
what keeps ``interlock adjudicate`` and ``POST /v1/tasks/claims.adjudicate`` from
drifting apart when a knob is added.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from interlock.engine import EngineSettings
from interlock.exceptions import ConfigurationError
from interlock.models.registry import ProviderEndpoint
from interlock.policy.document import PolicyDocument, default_policy, parse_policy_toml
from interlock.quality.config import DEFAULT_SAMPLE_KEY, QualitySettings, TaskQuality
from interlock.settings import EngineSection, ModelsSection, QualitySection, Settings
from interlock.task import Thresholds

if TYPE_CHECKING:
    from sqlalchemy import Engine as SqlEngine

    from interlock.shadow.runner import ShadowRunner

__all__ = [
    "configure_telemetry",
    "endpoints",
    "endpoints_of",
    "engine_settings",
    "engine_settings_of",
    "pick",
    "policy",
    "policy_or_default",
    "quality_of",
    "read_policy_file",
    "shadow",
]

T = TypeVar("T")


def pick(option: T | None, configured: T) -> T:
    """The option when it was given, else the configured value."""
    return configured if option is None else option


def engine_settings(s: Settings, *, threshold: float | None = None) -> EngineSettings:
    """Engine knobs from the ``[engine]`` and ``[quality]`` sections; ``threshold`` sets both thresholds."""
    return engine_settings_of(s.engine, threshold=threshold, quality=s.quality)


def quality_of(q: QualitySection) -> QualitySettings:
    """The quality knobs of a ``[quality]`` section, each task's overrides filled from the section."""
    default = TaskQuality(
        sample_rate=q.sample_rate,
        target_precision=q.target_precision,
        min_samples=q.min_samples,
        window=q.window,
        confidence=q.confidence,
    )
    tasks = {
        name: TaskQuality(
            sample_rate=pick(t.sample_rate, q.sample_rate),
            target_precision=pick(t.target_precision, q.target_precision),
            min_samples=pick(t.min_samples, q.min_samples),
            window=pick(t.window, q.window),
            confidence=q.confidence,
        )
        for name, t in q.tasks.items()
    }
    key = q.sample_key.get_secret_value().encode() if q.sample_key is not None else DEFAULT_SAMPLE_KEY
    return QualitySettings(
        default=default,
        tasks=tasks,
        sample_key=key,
        viewer_roles=frozenset(q.viewer_roles or ()),
        reopen_roles=frozenset(q.reopen_roles or ()),
    )


def engine_settings_of(
    e: EngineSection, *, threshold: float | None = None, quality: QualitySection | None = None
) -> EngineSettings:
    """Engine knobs from an ``[engine]`` section (the API keeps its own copy of the section)."""
    return EngineSettings(
        deadline_seconds=e.deadline_seconds,
        lease_seconds=e.lease_seconds,
        max_defers=e.max_defers,
        defer_base_seconds=e.defer_base_seconds,
        defer_max_seconds=e.defer_max_seconds,
        thresholds=Thresholds(
            approve=pick(threshold, e.approve_threshold), deny=pick(threshold, e.deny_threshold)
        ),
        quality=quality_of(quality or QualitySection()),
        familiarity_alpha=e.familiarity_alpha if e.familiarity else None,
    )


def policy(s: Settings) -> PolicyDocument | None:
    """The configured policy file, validated; ``None`` means the shipped policy."""
    return read_policy_file(s.policy_file)


def read_policy_file(path: Path | None) -> PolicyDocument | None:
    """A policy file, validated; ``None`` (no file) means the shipped policy."""
    if path is None:
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigurationError(f"cannot read policy file {str(path)!r}: {exc.strerror}") from None
    return parse_policy_toml(text)


def policy_or_default(path: Path | None) -> PolicyDocument:
    """The policy file at ``path``, or the shipped policy when there is none."""
    return read_policy_file(path) or default_policy()


def endpoints(s: Settings) -> dict[str, ProviderEndpoint]:
    """Hosted providers' base URLs and keys, secrets revealed only here, at the SDK boundary."""
    return endpoints_of(s.models)


def endpoints_of(m: ModelsSection) -> dict[str, ProviderEndpoint]:
    """The endpoints of a ``[models]`` section (see :func:`endpoints`)."""
    return {
        "openai": ProviderEndpoint(
            base_url=m.openai_base_url,
            api_key=None if m.openai_api_key is None else m.openai_api_key.get_secret_value(),
        ),
        "anthropic": ProviderEndpoint(
            base_url=m.anthropic_base_url,
            api_key=None if m.anthropic_api_key is None else m.anthropic_api_key.get_secret_value(),
        ),
    }


def shadow(
    s: Settings,
    task: str,
    store: SqlEngine,
    *,
    production: Thresholds,
    model: str | None = None,
    threshold: float | None = None,
) -> ShadowRunner | None:
    """The shadow runner the ``[shadow]`` section (or ``--shadow-model``/``--shadow-threshold``) asks for.

    ``None`` when no candidate is configured. ``threshold`` sets both candidate
    thresholds; a candidate threshold left unset is production's (``production``).
    """
    from interlock.assembly import shadow_for  # noqa: PLC0415 - domains and models only when shadowing

    sh = s.shadow
    thresholds: Thresholds | None = None
    if threshold is not None:
        thresholds = Thresholds(approve=threshold, deny=threshold)
    elif sh.approve_threshold is not None or sh.deny_threshold is not None:
        thresholds = Thresholds(
            approve=pick(sh.approve_threshold, production.approve),
            deny=pick(sh.deny_threshold, production.deny),
        )
    spec = pick(model, sh.model)
    if spec is None and thresholds is None:
        return None
    providers = endpoints(s)
    if sh.openai_base_url is not None or sh.openai_api_key is not None:
        own = providers["openai"]
        providers["openai"] = ProviderEndpoint(
            base_url=pick(sh.openai_base_url, own.base_url),
            api_key=own.api_key if sh.openai_api_key is None else sh.openai_api_key.get_secret_value(),
        )
    return shadow_for(
        task, store, model=spec, thresholds=thresholds, budget_seconds=sh.budget_seconds, endpoints=providers
    )


def configure_telemetry(s: Settings) -> None:
    """Install the configured span exporter; ``none`` installs nothing (spans go nowhere)."""
    t = s.telemetry
    if t.traces == "none":
        return
    from interlock.telemetry.tracing import configure_tracing  # noqa: PLC0415 - only when exporting

    if t.traces == "otlp" and t.otlp_endpoint:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter  # noqa: PLC0415

        configure_tracing(
            service_name=t.service_name, span_exporter=OTLPSpanExporter(endpoint=t.otlp_endpoint)
        )
    else:
        configure_tracing(t.traces, service_name=t.service_name)
