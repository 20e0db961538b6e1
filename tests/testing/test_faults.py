"""Model faults through the real engine: each ends in its designed state, nothing invalid is written."""

from __future__ import annotations

from pathlib import Path

import pytest

from interlock.engine import EngineSettings
from interlock.testing.faults import OUTAGES, outage_then_recovery, run_fault

INVALID_OUTPUT = ("truncated_json", "malformed_json", "schema_valid_nonsense", "empty_content", "wrong_types")


@pytest.mark.parametrize("fault", sorted(OUTAGES - {"trickle", "timeout"}) + ["trickle"])
def test_outages_are_deferred_then_reviewed_within_three_attempts(fault: str, tmp_path: Path) -> None:
    """A provider outage never writes; each try makes at most three calls; past the budget a person decides."""
    outcome = run_fault(fault, claims=3, deadline=0.6, workdir=tmp_path)
    assert outcome.adjudications == 0
    assert outcome.states == {"review:review": 3}
    assert 1 <= outcome.max_attempts_per_try <= 3
    assert "model unavailable" in " ".join(outcome.reasons) or outcome.reasons


@pytest.mark.parametrize("fault", INVALID_OUTPUT)
def test_invalid_output_is_never_written(fault: str, tmp_path: Path) -> None:
    """Garbage, truncated, mistyped or fabricated answers send the claim to a person with no adjudication."""
    outcome = run_fault(fault, claims=3, deadline=2.0, workdir=tmp_path)
    assert outcome.adjudications == 0
    assert outcome.states == {"review:review": 3}
    assert outcome.max_attempts_per_try == 1  # invalid output is not retried


def test_slow_but_valid_answers_commit(tmp_path: Path) -> None:
    """Latency inside the deadline is not a fault: the claims are approved."""
    outcome = run_fault("latency", claims=3, deadline=2.0, workdir=tmp_path)
    assert outcome.states == {"commit:approve": 3}


def test_a_backlog_drains_by_itself_after_an_outage(tmp_path: Path) -> None:
    """Claims deferred during a two-second outage are approved once the model is back, none reviewed."""
    settings = EngineSettings(deadline_seconds=1.0, max_defers=8, defer_base_seconds=0.3)
    outcome = run_fault("outage_recovery", claims=4, deadline=1.0, workdir=tmp_path, responder=outage_then_recovery(2.0), settings=settings)
    assert outcome.states == {"commit:approve": 4}
