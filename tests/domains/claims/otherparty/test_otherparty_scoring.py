"""The outside payer's scorecard counts what the project's evaluation counts, and says why claims missed."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import update

from interlock.db import make_engine
from interlock.domains.claims import schema as t
from interlock.domains.claims.evaluation import evaluate, read_truth
from interlock.domains.claims.pack import create_schema
from interlock.domains.claims.testing.otherparty import write_payer
from interlock.domains.claims.testing.otherparty.scoring import UNSETTLED_REASON, score

STAMP = datetime(2025, 7, 1, tzinfo=UTC).replace(tzinfo=None)


def test_the_scorecard_finds_each_kind_of_miss_and_agrees_with_eval(tmp_path: Path) -> None:
    """A right finalization, an unsettled claim finalized, a wrong CARC and a needless pend are each told apart."""
    sor = make_engine(f"sqlite:///{tmp_path / 'sor.db'}")
    create_schema(sor)
    report = write_payer(sor, family="dev", seed=7, claims=200, truth_path=tmp_path / "truth.jsonl")
    truth = read_truth(tmp_path / "truth.jsonl")
    labels = report.backlog.values()
    unsettled = next(c.claim_id for c in labels if c.reason == UNSETTLED_REASON)
    approved = next(c.claim_id for c in labels if c.outcome == "approve")
    denied = next(c.claim_id for c in labels if c.outcome == "deny" and c.carc == "29")
    pended = next(c.claim_id for c in labels if c.outcome == "approve" and c.claim_id != approved)

    def finalize(claim_id: str, outcome: str, carc: str | None, allowed: Decimal, paid: Decimal) -> None:
        with sor.begin() as conn:
            conn.execute(
                t.adjudications.insert().values(
                    adjudication_id=f"T-{claim_id}",
                    claim_id=claim_id,
                    claim_version=1,
                    outcome=outcome,
                    carc_code=carc,
                    allowed_amount=allowed,
                    paid_amount=paid,
                    decided_by="auto:test",
                    rationale="test",
                    idempotency_key=f"k-{claim_id}",
                    decided_at=STAMP,
                )
            )

    right = truth[approved]
    finalize(approved, "approve", None, right.allowed, right.paid)
    finalize(unsettled, "approve", None, Decimal("100.00"), Decimal("80.00"))
    finalize(denied, "deny", "208", Decimal("0.00"), Decimal("0.00"))
    with sor.begin() as conn:
        conn.execute(update(t.claims).where(t.claims.c.claim_id == pended).values(status="pended"))

    card = score(sor, report, truth)
    theirs = evaluate(sor, truth)
    assert (card.auto_finalized, card.auto_correct, card.pended) == (3, 1, 1)
    assert (theirs.auto_finalized, theirs.auto_correct, theirs.pended) == (3, 1, 1)
    assert card.unsettled_auto == [unsettled]
    assert card.rules_wrong == [denied]
    assert sum(card.needless_review.values()) == 1
    assert sum(card.wrong.values()) == 2
    assert card.summary()["unsettled_auto"] == 1
    sor.dispose()
