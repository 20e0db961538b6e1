"""The knobs of quality measurement, per task (pure values; built from ``[quality]`` by the edges)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

__all__ = ["DEFAULT_SAMPLE_KEY", "QualitySettings", "TaskQuality", "may_reopen", "may_view"]

#: The sampling key when none is configured. It is public, so anyone who knows a work
#: item's idempotency key can tell whether it is sampled; configure ``[quality]
#: sample_key`` to keep that from the people whose decisions are measured.
DEFAULT_SAMPLE_KEY: Final = b"interlock quality sample"


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskQuality:
    """How one task's automatic decisions are measured, and when its automatic path closes.

    ``sample_rate`` is the share of would-be automatic decisions sent blind to a person
    (0: off). ``target_precision`` is the precision below which the automatic path
    closes (``None``: it never closes by itself); the rule looks at the most recent
    ``window`` decided samples since the path last opened, needs at least
    ``min_samples`` of them, and uses the Wilson score interval at ``confidence``.
    """

    sample_rate: float = 0.0
    target_precision: float | None = None
    min_samples: int = 30
    window: int = 200
    confidence: float = 0.95


@dataclass(frozen=True, slots=True, kw_only=True)
class QualitySettings:
    """The ``[quality]`` section: defaults for every task, per-task overrides, who sees and reopens."""

    default: TaskQuality = field(default_factory=TaskQuality)
    tasks: Mapping[str, TaskQuality] = field(default_factory=dict)
    sample_key: bytes = DEFAULT_SAMPLE_KEY
    #: Staff roles besides auditors that may see the measurements.
    viewer_roles: frozenset[str] = frozenset()
    #: Staff roles that may reopen a closed automatic path (the CLI always may).
    reopen_roles: frozenset[str] = frozenset()

    def for_task(self, task: str) -> TaskQuality:
        """The knobs of ``task``: its own entry, or the section's defaults."""
        return self.tasks.get(task, self.default)


def may_view(settings: QualitySettings, role: str, *, active: bool, staff: bool) -> bool:
    """Who sees measured precision: active auditors, and active staff of a viewer or reopen role."""
    return (
        active
        and staff
        and (role == "auditor" or role in settings.viewer_roles or role in settings.reopen_roles)
    )


def may_reopen(settings: QualitySettings, role: str, *, active: bool, staff: bool) -> bool:
    """Who reopens a closed automatic path on the desk or through the API: active staff of a reopen role."""
    return active and staff and role in settings.reopen_roles
