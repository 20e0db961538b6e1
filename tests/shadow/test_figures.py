"""The pure comparison behind ``eval --shadow``: Wilson intervals, precision, agreement."""

from __future__ import annotations

from datetime import datetime

import pytest

from interlock.shadow.decision import ShadowRecord, SideDecision
from interlock.shadow.figures import compare, wilson_interval
from interlock.task import ExpectedDecision


@pytest.mark.parametrize(
    ("successes", "trials", "low", "high"),
    [
        # Reference values of the Wilson score interval at 95% (Newcombe 1998, table I).
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
        (5, 10, 0.2366, 0.7634),
        (10, 10, 0.7225, 1.0),
    ],
)
def test_wilson_interval_matches_published_values(
    successes: int, trials: int, low: float, high: float
) -> None:
    """The interval's bounds equal the published ones to four places."""
    interval = wilson_interval(successes, trials)
    assert interval is not None
    assert interval == (pytest.approx(low, abs=5e-5), pytest.approx(high, abs=5e-5))


def test_no_trials_have_no_interval() -> None:
    """Nothing judged is no precision, not a precision of zero."""
    assert wilson_interval(0, 0) is None


def _commit(outcome: str, code: str | None = None, **facts: str) -> SideDecision:
    return SideDecision(route="commit", outcome=outcome, reason_code=code, facts=facts)


REVIEW = SideDecision(route="review", outcome="review", reason_code=None)


def _record(n: int, production: SideDecision, shadow: SideDecision, candidate: str = "c") -> ShadowRecord:
    return ShadowRecord(
        work_item_id=f"wi-{n}",
        task="t.x",
        record_id=f"R{n}",
        record_version=1,
        candidate=candidate,
        production=production,
        shadow=shadow,
        status="answered",
        failure=None,
        candidate_ms=1,
        decided_at=datetime(2026, 1, 1),
    )


def test_precision_counts_only_automatic_decisions_a_judge_also_decided() -> None:
    """Right means same outcome, code and facts; a commit on a record that needs a person is wrong."""
    records = [
        _record(1, _commit("approve", paid="10.00"), _commit("approve", paid="10.00")),
        _record(2, _commit("approve", paid="10.00"), _commit("approve", paid="9.00")),
        _record(3, REVIEW, _commit("deny", "50")),
        _record(4, REVIEW, REVIEW),
        _record(5, _commit("deny", "50"), REVIEW),
        _record(6, _commit("approve", paid="1.00"), _commit("approve", paid="1.00")),
    ]
    truth = {
        "R1": ExpectedDecision(outcome="approve", reason_code=None, facts={"paid": "10.00"}),
        "R2": ExpectedDecision(outcome="approve", reason_code=None, facts={"paid": "10.00"}),
        "R3": ExpectedDecision(outcome="deny", reason_code="50"),
        "R4": ExpectedDecision(outcome="review", reason_code=None),
        "R5": ExpectedDecision(outcome="review", reason_code=None),
    }
    people = {"wi-3": ExpectedDecision(outcome="deny", reason_code="16"), "wi-4": truth["R4"]}
    [c] = compare(records, people, truth)
    assert (c.items, c.production.automatic, c.shadow.automatic) == (6, 4, 4)
    assert c.production.truth is not None and c.shadow.truth is not None
    # Production: R1 right, R2 right, R5 wrong (needed a person), R6 not in the truth.
    assert (c.production.truth.judged, c.production.truth.correct) == (3, 2)
    # Candidate: R1 right, R2 wrong amount, R3 right.
    assert (c.shadow.truth.judged, c.shadow.truth.correct) == (3, 2)
    # People decided R3 (another code than the candidate's) and R4 (nobody decided it automatically).
    assert (c.shadow.people.judged, c.shadow.people.correct) == (1, 0)
    assert (c.production.people.judged, c.production.people.precision) == (0, None)
    a = c.agreement
    assert (a.same, a.both_automatic_same, a.both_automatic_different) == (3, 2, 1)
    assert (a.production_only_automatic, a.candidate_only_automatic, a.both_review) == (1, 1, 1)


def test_each_candidate_is_compared_apart_and_failures_are_counted() -> None:
    """Records of two candidate configurations give two comparisons; failed items are counted by kind."""
    first = _record(1, _commit("approve"), _commit("approve"), candidate="a")
    second = ShadowRecord(
        work_item_id="wi-2",
        task="t.x",
        record_id="R2",
        record_version=1,
        candidate="b",
        production=_commit("approve"),
        shadow=REVIEW,
        status="failed",
        failure="timeout",
        candidate_ms=400,
        decided_at=datetime(2026, 1, 1),
    )
    a, b = compare([second, first], {})
    assert (a.candidate, a.items, a.failed) == ("a", 1, 0)
    assert (b.candidate, b.items, b.failed, dict(b.failures)) == ("b", 1, 1, {"timeout": 1})
    assert b.as_dict()["shadow"]["statuses"] == {"failed": 1}
    assert b.shadow.truth is None and b.as_dict()["shadow"]["precision_vs_truth"] is None
