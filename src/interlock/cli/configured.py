"""The settings of this CLI process, and the objects built from them.

Options given on the command line always win; an option left out falls back to the
settings (``--config FILE`` / ``INTERLOCK_CONFIG``, then ``INTERLOCK_*`` variables, then
the built-in defaults). Commands ask here rather than reading the environment
themselves, so that every knob has exactly one source: :class:`interlock.settings.Settings`.
"""

from __future__ import annotations

from pathlib import Path

# The builders live outside the CLI so that the API process builds the same objects.
from interlock.from_settings import configure_telemetry, endpoints, engine_settings, pick, policy
from interlock.settings import LoadedSettings, Settings, load_settings

__all__ = [
    "configure_telemetry",
    "endpoints",
    "engine_settings",
    "load",
    "loaded",
    "pick",
    "policy",
    "settings",
]

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
