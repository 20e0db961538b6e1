"""Training examples are read from the adjudicated history with the right labels."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, create_engine, event, insert

from interlock.domains.claims import schema
from interlock.domains.claims.baseline import BaselineModel, train_baseline
from interlock.domains.claims.question import NecessityRequest, NoteText, PolicyText
from interlock.domains.claims.training import TrainingExample, load_training_examples

T0 = dt.datetime(2024, 1, 1, 12, 0, 0, tzinfo=dt.UTC)
SERVICE = dt.date(2024, 6, 1)

POLICIES: dict[str, dict[str, Any]] = {
    "MP-ACTIVE": {"effective_from": dt.date(2020, 1, 1), "effective_to": None, "lob": None},
    "MP-SECOND": {"effective_from": dt.date(2020, 1, 1), "effective_to": None, "lob": None},
    "MP-EXPIRED": {
        "effective_from": dt.date(2019, 1, 1),
        "effective_to": dt.date(2023, 12, 31),
        "lob": None,
    },
    "MP-FUTURE": {"effective_from": dt.date(2025, 1, 1), "effective_to": None, "lob": None},
    "MP-MEDICAID": {"effective_from": dt.date(2020, 1, 1), "effective_to": None, "lob": "medicaid"},
    "MP-ENDS-ON-SERVICE": {"effective_from": dt.date(2020, 1, 1), "effective_to": SERVICE, "lob": None},
}
#: procedure code -> governing policy (None: no medical policy at stake)
PROCEDURES: dict[str, str | None] = {
    "10001": "MP-ACTIVE",
    "10002": "MP-SECOND",
    "10003": "MP-EXPIRED",
    "10004": "MP-FUTURE",
    "10005": "MP-MEDICAID",
    "10006": "MP-ENDS-ON-SERVICE",
    "99213": None,
}


@pytest.fixture
def sor(tmp_path: Path) -> Iterator[Engine]:
    """A small system of record with reference data and no claims yet."""
    engine = create_engine(f"sqlite:///{tmp_path / 'sor.db'}")
    schema.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(
            insert(schema.plans),
            [
                {
                    "plan_id": "PL1",
                    "name": "Plan",
                    "line_of_business": "commercial",
                    "network_type": "PPO",
                    "coinsurance_pct": Decimal("20.00"),
                }
            ],
        )
        conn.execute(
            insert(schema.medical_policies),
            [
                {
                    "policy_id": pid,
                    "title": f"Title of {pid}",
                    "body": f"Criteria of {pid}: (1) six weeks of physical therapy failed.",
                    "line_of_business": spec["lob"],
                    "effective_from": spec["effective_from"],
                    "effective_to": spec["effective_to"],
                    "updated_at": T0,
                }
                for pid, spec in POLICIES.items()
            ],
        )
        conn.execute(
            insert(schema.procedures),
            [
                {
                    "procedure_code": code,
                    "description": f"Procedure {code}",
                    "fee_schedule_amount": Decimal("100.00"),
                    "medical_policy_id": pid,
                }
                for code, pid in PROCEDURES.items()
            ],
        )
        conn.execute(
            insert(schema.members),
            [
                {
                    "member_id": "M1",
                    "first_name": "Ada",
                    "last_name": "Lovelace",
                    "birth_date": dt.date(1970, 1, 1),
                    "ssn": "123456789",
                    "address": "1 Main St",
                    "plan_id": "PL1",
                    "region": "north",
                    "coverage_start": dt.date(2020, 1, 1),
                    "coverage_end": None,
                }
            ],
        )
    yield engine
    engine.dispose()


def add_claim(
    conn: Connection,
    claim_id: str,
    *,
    procedures: Sequence[str] = ("10001",),
    status: str = "adjudicated",
    adjudications: Sequence[tuple[int, str, str | None]] = (),
    sensitivity: str = "none",
    line_of_business: str = "commercial",
    notes: Sequence[str] = ("A note.",),
    version: int = 1,
) -> None:
    """Insert one claim with its lines, notes and adjudications (version, outcome, carc)."""
    conn.execute(
        insert(schema.claims),
        [
            {
                "claim_id": claim_id,
                "member_id": "M1",
                "billing_npi": "1234567893",
                "service_date": SERVICE,
                "received_date": SERVICE + dt.timedelta(days=3),
                "place_of_service": "11",
                "total_billed": Decimal("100.00") * len(procedures),
                "region": "north",
                "line_of_business": line_of_business,
                "sensitivity": sensitivity,
                "status": status,
                "version": version,
                "updated_at": T0,
            }
        ],
    )
    conn.execute(
        insert(schema.claim_lines),
        [
            {
                "claim_id": claim_id,
                "line_no": i + 1,
                "procedure_code": code,
                "units": 1,
                "billed_amount": Decimal("100.00"),
            }
            for i, code in enumerate(procedures)
        ],
    )
    if notes:
        conn.execute(
            insert(schema.clinical_notes),
            [
                {
                    "note_id": f"{claim_id}-n{i}",
                    "claim_id": claim_id,
                    "author": "Dr. Who",
                    "written_at": T0 + dt.timedelta(hours=len(notes) - i),
                    "body": body,
                }
                for i, body in enumerate(notes)
            ],
        )
    for claim_version, outcome, carc in adjudications:
        conn.execute(
            insert(schema.adjudications),
            [
                {
                    "adjudication_id": f"{claim_id}-a{claim_version}",
                    "claim_id": claim_id,
                    "claim_version": claim_version,
                    "outcome": outcome,
                    "carc_code": carc,
                    "allowed_amount": Decimal("0.00"),
                    "paid_amount": Decimal("0.00"),
                    "decided_by": "staff:S1",
                    "rationale": "test",
                    "idempotency_key": f"{claim_id}-k{claim_version}",
                    "decided_at": T0,
                }
            ],
        )


def labels(examples: Sequence[TrainingExample]) -> dict[tuple[str, str], str]:
    """(claim_id, policy_id) -> label, for compact assertions."""
    return {(ex.claim_id, ex.policy_id): ex.label for ex in examples}


def test_outcomes_map_to_labels(sor: Engine) -> None:
    """Approve is met, a CARC 50 denial is not_met and a pended claim is unclear."""
    with sor.begin() as conn:
        add_claim(conn, "C-APPROVE", adjudications=[(1, "approve", None)])
        add_claim(conn, "C-DENY50", adjudications=[(1, "deny", "50")])
        add_claim(conn, "C-PENDED", status="pended")
    assert labels(load_training_examples(sor)) == {
        ("C-APPROVE", "MP-ACTIVE"): "met",
        ("C-DENY50", "MP-ACTIVE"): "not_met",
        ("C-PENDED", "MP-ACTIVE"): "unclear",
    }


def test_other_denials_and_unlabelled_claims_are_skipped(sor: Engine) -> None:
    """Denials for other reasons, received claims and claims without a policy yield nothing."""
    with sor.begin() as conn:
        add_claim(conn, "C-DENY204", adjudications=[(1, "deny", "204")])
        add_claim(conn, "C-DENY197", adjudications=[(1, "deny", "197")])
        add_claim(conn, "C-RECEIVED", status="received")
        add_claim(conn, "C-NOPOLICY", procedures=("99213",), adjudications=[(1, "approve", None)])
    assert load_training_examples(sor) == []


def test_ambiguous_multi_policy_labels_are_skipped(sor: Engine) -> None:
    """With two policies at stake a denial or pend names no policy, but an approval meets both."""
    both = ("10001", "10002")
    with sor.begin() as conn:
        add_claim(conn, "C-DENY", procedures=both, adjudications=[(1, "deny", "50")])
        add_claim(conn, "C-PEND", procedures=both, status="pended")
        add_claim(conn, "C-OK", procedures=(*both, "99213"), adjudications=[(1, "approve", None)])
    assert labels(load_training_examples(sor)) == {
        ("C-OK", "MP-ACTIVE"): "met",
        ("C-OK", "MP-SECOND"): "met",
    }


def test_part_2_claims_never_reach_training(sor: Engine) -> None:
    """Claims with sensitivity substance_use are excluded, and so is every word of their notes."""
    secret = "Part-2-secret-text"
    with sor.begin() as conn:
        add_claim(
            conn,
            "C-PART2",
            sensitivity="substance_use",
            adjudications=[(1, "approve", None)],
            notes=(secret,),
        )
        add_claim(conn, "C-PART2-PENDED", sensitivity="substance_use", status="pended", notes=(secret,))
        add_claim(conn, "C-BH", sensitivity="behavioral_health", adjudications=[(1, "approve", None)])
    examples = load_training_examples(sor)
    assert labels(examples) == {("C-BH", "MP-ACTIVE"): "met"}
    assert all(secret not in note for ex in examples for note in ex.notes)


def test_policies_out_of_force_or_for_another_line_are_ignored(sor: Engine) -> None:
    """Expired, future and other-line policies are not at stake; the last day still counts."""
    with sor.begin() as conn:
        add_claim(conn, "C-EXPIRED", procedures=("10003",), adjudications=[(1, "approve", None)])
        add_claim(conn, "C-FUTURE", procedures=("10004",), adjudications=[(1, "approve", None)])
        add_claim(conn, "C-MEDICAID-POL", procedures=("10005",), adjudications=[(1, "approve", None)])
        add_claim(
            conn,
            "C-MEDICAID-CLAIM",
            procedures=("10005",),
            line_of_business="medicaid",
            adjudications=[(1, "approve", None)],
        )
        add_claim(conn, "C-LAST-DAY", procedures=("10006",), adjudications=[(1, "approve", None)])
        add_claim(conn, "C-MIXED", procedures=("10001", "10003", "10004"), adjudications=[(1, "deny", "50")])
    assert labels(load_training_examples(sor)) == {
        ("C-MEDICAID-CLAIM", "MP-MEDICAID"): "met",
        ("C-LAST-DAY", "MP-ENDS-ON-SERVICE"): "met",
        ("C-MIXED", "MP-ACTIVE"): "not_met",
    }


def test_latest_adjudication_wins_and_reopened_pends_are_skipped(sor: Engine) -> None:
    """The adjudication of the highest claim version labels the claim; a reopened pend does not."""
    with sor.begin() as conn:
        add_claim(conn, "C-REDECIDED", version=2, adjudications=[(1, "deny", "50"), (2, "approve", None)])
        add_claim(conn, "C-REOPENED", status="pended", version=2, adjudications=[(1, "approve", None)])
    assert labels(load_training_examples(sor)) == {("C-REDECIDED", "MP-ACTIVE"): "met"}


def test_examples_carry_policy_text_and_notes_in_writing_order(sor: Engine) -> None:
    """Each example holds the policy's title and body and all the claim's notes, oldest first."""
    with sor.begin() as conn:
        add_claim(conn, "C1", adjudications=[(1, "approve", None)], notes=("third", "second", "first"))
        add_claim(conn, "C0", status="pended", notes=())
    examples = load_training_examples(sor)
    assert [ex.claim_id for ex in examples] == ["C0", "C1"]
    assert examples[0].notes == ()
    assert examples[1] == TrainingExample(
        claim_id="C1",
        policy_id="MP-ACTIVE",
        policy_title="Title of MP-ACTIVE",
        policy_body="Criteria of MP-ACTIVE: (1) six weeks of physical therapy failed.",
        notes=("first", "second", "third"),
        label="met",
    )


def test_loading_is_set_based(sor: Engine) -> None:
    """History loads with a fixed number of queries however many claims it holds."""
    with sor.begin() as conn:
        for i in range(60):
            add_claim(conn, f"C{i:03d}", adjudications=[(1, "approve", None)], notes=("a", "b"))
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    event.listen(sor, "before_cursor_execute", count)
    try:
        examples = load_training_examples(sor)
    finally:
        event.remove(sor, "before_cursor_execute", count)
    assert len(examples) == 60
    assert len(statements) <= 3


def test_history_from_the_record_trains_a_working_model(sor: Engine) -> None:
    """Examples loaded from the record train a model that reads new notes the same way."""
    phrases = {
        "met": "Completed six weeks of physical therapy without improvement.",
        "not_met": "Physical therapy was never tried.",
        "unclear": "Therapy history unknown; records requested.",
    }
    with sor.begin() as conn:
        for i in range(45):
            kind = ("met", "not_met", "unclear")[i % 3]
            note = f"Visit {i}. {phrases[kind]} Vitals stable."
            if kind == "met":
                add_claim(conn, f"C{i:03d}", adjudications=[(1, "approve", None)], notes=(note,))
            elif kind == "not_met":
                add_claim(conn, f"C{i:03d}", adjudications=[(1, "deny", "50")], notes=(note,))
            else:
                add_claim(conn, f"C{i:03d}", status="pended", notes=(note,))
    model = BaselineModel(train_baseline(load_training_examples(sor), seed=1))
    request = NecessityRequest(
        claim_id="NEW",
        line_of_business="commercial",
        member_age=54,
        procedure_codes=("10001",),
        diagnosis_codes=(),
        policies=(
            PolicyText(
                item_id="policy:MP-ACTIVE@1",
                policy_id="MP-ACTIVE",
                title="Title of MP-ACTIVE",
                body="Criteria of MP-ACTIVE: (1) six weeks of physical therapy failed.",
            ),
        ),
        notes=(NoteText(item_id="note:N1@1", body="Physical therapy was never tried."),),
    )
    assert model.assess(request, timeout=1.0).policies[0].status == "not_met"
