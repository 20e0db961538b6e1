"""Model faults through the real engine: each ends in its designed state, nothing invalid is written."""

from __future__ import annotations

from pathlib import Path

import pytest

from interlock.domains.claims.testing.faults import OUTAGES, run_fault

INVALID_OUTPUT = ("truncated_json", "malformed_json", "schema_valid_nonsense", "empty_content", "wrong_types")


@pytest.mark.parametrize("fault", ["http_503", "connection_reset", "trickle"])
def test_outages_are_deferred_then_drain_after_recovery(fault: str, tmp_path: Path) -> None:
    """During an outage claims are deferred (not reviewed, not written); once it clears they are approved."""
    outcome = run_fault(fault, claims=3, deadline=0.6, workdir=tmp_path, fault_seconds=2.0)
    assert fault in OUTAGES
    assert outcome.writes_during_fault == 0
    assert outcome.during == {"deferred": 3}
    assert outcome.final == {"commit:approve": 3}
    assert 1 <= outcome.max_attempts_per_try <= 3


@pytest.mark.parametrize("fault", INVALID_OUTPUT)
def test_invalid_output_is_never_written(fault: str, tmp_path: Path) -> None:
    """Garbage, truncated, mistyped or fabricated answers send the claim to a person, with no adjudication."""
    outcome = run_fault(fault, claims=3, deadline=2.0, workdir=tmp_path, fault_seconds=3.0)
    assert outcome.writes_during_fault == 0
    assert outcome.during == {"review:review": 3}
    assert outcome.final == {"review:review": 3}
    # Invalid output is not retried; a schema-valid answer refused by the gate for its own
    # citations gets exactly one repair question, and the second refusal stands.
    assert outcome.max_attempts_per_try == (2 if fault == "schema_valid_nonsense" else 1)


def test_slow_but_valid_answers_commit(tmp_path: Path) -> None:
    """Latency inside the deadline is not a fault: the claims are approved."""
    outcome = run_fault("latency", claims=3, deadline=2.0, workdir=tmp_path)
    assert outcome.during == {"commit:approve": 3}
