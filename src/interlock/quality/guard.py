"""The engine's one call into quality: hold a sampled item, or any item of a closed path, for a person.

The engine calls :meth:`QualityGuard.screen` right after the gate. Only a commit the
gate passed for the service principal (an automatic decision) is screened; a person's
commits and every hold pass through unchanged. The sample is drawn first, so a task
keeps being measured at its sample rate while its path is closed; an item that is not
sampled is held when the path is closed (one primary-key read of the store, shared by
every process). Both are holds minted by the gate (:func:`interlock.gate.runner.withhold`),
with a finding that the recovery point and the audit trail keep.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from interlock.gate.approval import ApprovedCommit, ApprovedWrite
from interlock.gate.runner import withhold
from interlock.gate.verdict import Verdict
from interlock.policy.principal import Principal
from interlock.quality.config import QualitySettings
from interlock.quality.sampling import CLOSED_CHECK, SAMPLE_CHECK, SAMPLE_REASON, is_sampled, sample_finding
from interlock.quality.store import path_state

__all__ = ["QualityGuard"]


class QualityGuard:
    """Screens one engine's automatic commits: one task, one principal, one store."""

    def __init__(self, *, task: str, settings: QualitySettings, store: Engine, principal: Principal) -> None:
        self.task = task
        self.settings = settings
        self.knobs = settings.for_task(task)
        self.store = store
        # Only automatic processing is measured: a person running the engine decides as themselves.
        self.automatic = principal.kind == "service"

    def screen(self, verdict: Verdict, write: ApprovedWrite[Any]) -> tuple[Verdict, ApprovedWrite[Any]]:
        """The verdict and write to record: unchanged, or a hold for a sample or a closed path."""
        if not self.automatic or not isinstance(write, ApprovedCommit):
            return verdict, write
        if is_sampled(self.settings.sample_key, write.idempotency_key, self.knobs.sample_rate):
            return withhold(
                verdict,
                write,
                check=SAMPLE_CHECK,
                finding=sample_finding(self.knobs.sample_rate),
                reason=SAMPLE_REASON,
            )
        path = path_state(self.store, self.task)
        if path.closed:
            return withhold(verdict, write, check=CLOSED_CHECK, finding=path.reason, reason=path.reason)
        return verdict, write
