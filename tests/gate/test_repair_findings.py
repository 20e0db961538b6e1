"""Which gate refusals qualify for the one repair question to the model (a pure table)."""

from __future__ import annotations

import pytest

from interlock.domains.claims.answer import NecessityAssessment
from interlock.domains.claims.gate import COVERAGE_REASON
from interlock.domains.claims.proposal import Basis, Proposal
from interlock.domains.claims.repair import repair_findings
from interlock.domains.claims.rules import Amounts
from interlock.gate.verdict import Finding, combine

QUOTE = Finding(
    check="citations", severity="block", reason="policy MP-KNEE: quote is not found verbatim in n1"
)
NO_NOTE = Finding(check="citations", severity="review", reason="policy MP-KNEE: no clinical note is cited")
COVERAGE = Finding(check="necessity", severity="block", reason=COVERAGE_REASON)
LOW = Finding(
    check="confidence", severity="review", reason="confidence 0.500 below the approve threshold 0.90"
)
LIMIT = Finding(check="write_boundary", severity="review", reason="total billed exceeds the cap")
RULES_OK = Finding(check="rules", severity="info", reason="rules 1-8 pass")
CARC = Finding(check="necessity", severity="block", reason="CARC 50 without a policy assessed as not met")


def _proposal(basis: Basis = "model") -> Proposal:
    necessity = NecessityAssessment(
        model_id="m", policies=(), raw_output="{}", prompt_template="p@1", prompt_hash="h"
    )
    return Proposal(
        claim_id="C",
        claim_version=1,
        outcome="approve",
        carc=None,
        amounts=Amounts.zero(()),
        basis=basis,
        decided_by="auto:m",
        rationale="r",
        confidence=0.99,
        necessity=necessity if basis == "model" else None,
    )


@pytest.mark.parametrize(
    ("findings", "sent"),
    [
        ((RULES_OK, QUOTE), ("citations: " + QUOTE.reason,)),
        ((QUOTE, NO_NOTE), ("citations: " + QUOTE.reason, "citations: " + NO_NOTE.reason)),
        ((COVERAGE,), ("necessity: " + COVERAGE_REASON,)),
        ((QUOTE, LOW), ("citations: " + QUOTE.reason,)),
        ((LOW,), ()),
        ((QUOTE, LIMIT), ()),
        ((QUOTE, CARC), ()),
        ((RULES_OK,), ()),
    ],
)
def test_only_refusals_of_the_models_own_output_are_sent_back(
    findings: tuple[Finding, ...], sent: tuple[str, ...]
) -> None:
    """Citation and coverage findings are repairable; anything the answer cannot change rules a repair out."""
    assert repair_findings(_proposal(), combine(findings)) == sent


def test_rule_based_proposals_are_never_repaired() -> None:
    """A proposal not based on a model answer has nothing to ask again."""
    assert repair_findings(_proposal("rules"), combine((QUOTE,))) == ()
