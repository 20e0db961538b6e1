"""The settings of this CLI process, and the objects built from them.

Options given on the command line always win; an option left out falls back to the
settings (``--config FILE`` / ``INTERLOCK_CONFIG``, then ``INTERLOCK_*`` variables, then
the built-in defaults). Commands ask here rather than reading the environment
themselves, so that every knob has exactly one source: :class:`interlock.settings.Settings`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from sqlalchemy import Engine as SqlEngine

    from interlock.engine import EngineSettings
    from interlock.models.registry import ProviderEndpoint
    from interlock.policy.document import PolicyDocument
    from interlock.settings import LoadedSettings, Settings
    from interlock.shadow.runner import ShadowRunner

T = TypeVar("T")

__all__ = [
    "configure_telemetry",
    "endpoints",
    "engine_settings",
    "load",
    "loaded",
    "pick",
    "policy",
    "settings",
    "shadow",
]

_current: list[LoadedSettings] = []


def pick(option: T | None, configured: T) -> T:
    """The option when it was given, else the configured value."""
    return configured if option is None else option


# The builders live in interlock.from_settings so that the API process builds the same
# objects; they are imported when first called, which keeps `interlock --help` fast.


def configure_telemetry(s: Settings) -> None:
    """See :func:`interlock.from_settings.configure_telemetry` (not imported when nothing is exported)."""
    if s.telemetry.traces == "none":
        return
    from interlock.from_settings import configure_telemetry as build  # noqa: PLC0415

    build(s)


def endpoints(s: Settings) -> dict[str, ProviderEndpoint]:
    """See :func:`interlock.from_settings.endpoints`."""
    from interlock.from_settings import endpoints as build  # noqa: PLC0415

    return build(s)


def engine_settings(s: Settings, *, threshold: float | None = None) -> EngineSettings:
    """See :func:`interlock.from_settings.engine_settings`."""
    from interlock.from_settings import engine_settings as build  # noqa: PLC0415

    return build(s, threshold=threshold)


def shadow(
    s: Settings,
    task: str,
    store: SqlEngine,
    knobs: EngineSettings,
    *,
    model: str | None = None,
    threshold: float | None = None,
) -> ShadowRunner | None:
    """See :func:`interlock.from_settings.shadow` (``knobs`` are production's engine settings)."""
    from interlock.from_settings import shadow as build  # noqa: PLC0415

    return build(s, task, store, production=knobs.thresholds, model=model, threshold=threshold)


def policy(s: Settings) -> PolicyDocument | None:
    """See :func:`interlock.from_settings.policy`."""
    from interlock.from_settings import policy as build  # noqa: PLC0415

    return build(s)


def load(config_file: Path | None) -> LoadedSettings:
    """Read the settings for this command (the CLI's callback calls this once per command)."""
    from interlock.settings import load_settings  # noqa: PLC0415

    loaded = load_settings(config_file)
    _current[:] = [loaded]
    return loaded


def loaded() -> LoadedSettings:
    """The settings read for this command, reading them now if no callback did."""
    return _current[0] if _current else load(None)


def settings() -> Settings:
    """The effective settings of this process."""
    return loaded().settings
