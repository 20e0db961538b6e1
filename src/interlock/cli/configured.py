"""The settings of this CLI process, and the objects built from them.

Options given on the command line always win; an option left out falls back to the
settings (``--config FILE`` / ``INTERLOCK_CONFIG``, then ``INTERLOCK_*`` variables, then
the built-in defaults). Commands ask here rather than reading the environment
themselves, so that every knob has exactly one source: :class:`interlock.settings.Settings`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

from interlock.engine import EngineSettings
from interlock.exceptions import ConfigurationError
from interlock.gate.claims import Thresholds
from interlock.models.registry import ProviderEndpoint
from interlock.policy.document import PolicyDocument, parse_policy_toml
from interlock.settings import LoadedSettings, Settings, load_settings

T = TypeVar("T")

_current: list[LoadedSettings] = []


def load(config_file: Path | None) -> LoadedSettings:
    """Read the settings for this command (the CLI's callback calls this once per command)."""
    loaded = load_settings(config_file)
    _current[:] = [loaded]
    return loaded


def loaded() -> LoadedSettings:
    """The settings read for this command, reading them now if no callback did."""
    return _current[0] if _current else load(None)


def settings() -> Settings:
    """The effective settings of this process."""
    return loaded().settings


def pick(option: T | None, configured: T) -> T:
    """The option when it was given, else the configured value."""
    return configured if option is None else option


def engine_settings(s: Settings, *, threshold: float | None = None) -> EngineSettings:
    """Engine knobs from the ``[engine]`` section; ``--threshold`` sets both thresholds."""
    e = s.engine
    return EngineSettings(
        deadline_seconds=e.deadline_seconds,
        lease_seconds=e.lease_seconds,
        max_defers=e.max_defers,
        defer_base_seconds=e.defer_base_seconds,
        thresholds=Thresholds(
            approve=pick(threshold, e.approve_threshold), deny=pick(threshold, e.deny_threshold)
        ),
    )


def policy(s: Settings) -> PolicyDocument | None:
    """The configured policy file, validated; ``None`` means the shipped policy."""
    if s.policy_file is None:
        return None
    try:
        text = s.policy_file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigurationError(f"cannot read policy file {str(s.policy_file)!r}: {exc.strerror}") from None
    return parse_policy_toml(text)


def endpoints(s: Settings) -> dict[str, ProviderEndpoint]:
    """Hosted providers' base URLs and keys, secrets revealed only here, at the SDK boundary."""
    m = s.models
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
