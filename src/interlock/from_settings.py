"""The objects a process builds from its :class:`~interlock.settings.Settings`.

The CLI and the API process both turn the same settings into the same engine knobs,
policy and provider endpoints; building them here, away from either front end, is
what keeps ``interlock adjudicate`` and ``POST /v1/tasks/claims.adjudicate`` from
drifting apart when a knob is added.
"""

from __future__ import annotations

from typing import TypeVar

from interlock.engine import EngineSettings
from interlock.exceptions import ConfigurationError
from interlock.gate.claims import Thresholds
from interlock.models.registry import ProviderEndpoint
from interlock.policy.document import PolicyDocument, default_policy, parse_policy_toml
from interlock.settings import Settings

__all__ = ["endpoints", "engine_settings", "pick", "policy", "policy_or_default"]

T = TypeVar("T")


def pick(option: T | None, configured: T) -> T:
    """The option when it was given, else the configured value."""
    return configured if option is None else option


def engine_settings(s: Settings, *, threshold: float | None = None) -> EngineSettings:
    """Engine knobs from the ``[engine]`` section; ``threshold`` sets both thresholds."""
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


def policy_or_default(s: Settings) -> PolicyDocument:
    """The configured policy, or the shipped one when no file is configured."""
    return policy(s) or default_policy()


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
