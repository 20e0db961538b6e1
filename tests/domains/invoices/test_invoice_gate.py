"""The invoices proposer and gate checks, combined by the core's gate runner."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from invoiceworld import DOCUMENT, line, world

from interlock.domains.invoices.context import InvoiceContext
from interlock.domains.invoices.gate import invoice_findings
from interlock.domains.invoices.proposal import InvoiceProposal, needs_model, propose
from interlock.domains.invoices.question import UNCLEAR, AccountAnswer, AccountCitation
from interlock.domains.invoices.rules import Posting, evaluate_rules
from interlock.gate.verdict import Verdict, combine
from interlock.policy.document import default_policy
from interlock.policy.principal import service_principal
from interlock.task import GateInput, Thresholds

D = Decimal
# The write boundary of invoices comes with the policy's invoices resource; these checks never consult it.
BOUNDARY = default_policy().write_boundary("invoices.approve", service_principal())


def verdict(ctx: InvoiceContext, proposal: InvoiceProposal) -> Verdict:
    """The verdict of every invoices check on ``proposal``."""
    g = GateInput(
        proposal=proposal,
        context=ctx,
        rules=evaluate_rules(ctx),
        principal=service_principal(),
        thresholds=Thresholds(),
        boundary=BOUNDARY,
    )
    return combine(invoice_findings(g))


def model_answer(
    account: str = "6100",
    confidence: float = 0.95,
    quote: str = "Annual licence renewal",
    item: str | None = None,
) -> AccountAnswer:
    """An answer of the rule-8 question, citing the invoice's document by default."""
    cited = item or f"document:D-1@{DOCUMENT.received_at.isoformat()}"
    return AccountAnswer(
        model_id="test:m",
        account=account,
        confidence=confidence,
        citations=(AccountCitation(item_id=cited, quote=quote),),
        rationale="",
        raw_output="{}",
        prompt_template="t@1",
        prompt_hash="h",
    )


def non_po() -> InvoiceContext:
    return world(po=False, lines=(line(1, item=None), line(2, item=None, qty=2, price="40.00")))


def test_a_clean_po_invoice_is_approved_by_code_and_passes() -> None:
    """Rules 1-7 pass: approve the total with PO postings, no model asked, the gate passes."""
    ctx = world()
    rules = evaluate_rules(ctx)
    assert not needs_model(ctx, rules)
    proposal = propose(ctx, rules)
    assert (proposal.outcome, proposal.approved_amount, proposal.basis) == (
        "approve",
        ctx.invoice.total_amount,
        "rules",
    )
    assert verdict(ctx, proposal).status == "pass"


def test_a_rule_failure_is_a_rejection_that_passes() -> None:
    """A blocked vendor is rejected V1 with nothing released or posted."""
    ctx = world()
    ctx = replace(ctx, vendor=replace(ctx.vendor, status="blocked"))  # type: ignore[type-var]
    proposal = propose(ctx, evaluate_rules(ctx))
    assert (proposal.outcome, proposal.reason_code, proposal.approved_amount, proposal.postings) == (
        "reject",
        "V1",
        D("0.00"),
        (),
    )
    assert verdict(ctx, proposal).status == "pass"


def test_the_gate_recomputes_the_rules_and_blocks_a_wrong_outcome() -> None:
    """Approving an invoice that fails rule 1 is blocked, whatever the proposal says."""
    good = world()
    bad_ctx = replace(good, vendor=replace(good.vendor, status="blocked"))  # type: ignore[type-var]
    approval = propose(good, evaluate_rules(good))
    assert verdict(bad_ctx, approval).status == "block"


@pytest.mark.parametrize(
    "tamper",
    [
        lambda p: replace(p, approved_amount=p.approved_amount + D("0.01")),
        lambda p: replace(p, postings=p.postings[:-1]),
        lambda p: replace(p, postings=(replace(p.postings[0], gl_account="6100"), *p.postings[1:])),
        lambda p: replace(p, postings=(replace(p.postings[0], cost_center="CC-IT"), *p.postings[1:])),
        lambda p: replace(
            p, postings=(replace(p.postings[0], amount=p.postings[0].amount + 1), *p.postings[1:])
        ),
        lambda p: replace(p, outcome="reject", reason_code="Q1", approved_amount=D(0), postings=()),
        lambda p: replace(p, reason_code="V1"),
        lambda p: replace(p, invoice_version=2),
    ],
)
def test_any_tampered_figure_is_blocked(tamper: object) -> None:
    """Amounts, postings, accounts, cost centers, codes and the version are checked against the context."""
    assert callable(tamper)
    ctx = world()
    assert verdict(ctx, tamper(propose(ctx, evaluate_rules(ctx)))).status == "block"


def test_a_non_po_invoice_is_approved_on_a_cited_account() -> None:
    """Rule 8: a confident, cited, active account without requires_po is approved to that account."""
    ctx = non_po()
    rules = evaluate_rules(ctx)
    assert needs_model(ctx, rules)
    proposal = propose(ctx, rules, answer=model_answer())
    assert proposal.outcome == "approve" and {p.gl_account for p in proposal.postings} == {"6100"}
    assert verdict(ctx, proposal).status == "pass"


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (model_answer(account=UNCLEAR, confidence=0.9), ("review", "review")),
        (model_answer(account="1500"), ("reject", "pass")),
        (model_answer(account="6900"), ("review", "review")),
        (model_answer(confidence=0.5), ("approve", "review")),
        (model_answer(quote="paid by wire to a new account"), ("approve", "block")),
        (model_answer(item="document:D-404@x"), ("approve", "block")),
        (None, ("review", "review")),
    ],
)
def test_rule_8_answers_and_their_verdicts(answer: AccountAnswer | None, expected: tuple[str, str]) -> None:
    """Unclear, requires-PO, inactive, unsure, misquoted, unretrieved and missing answers each end as the policy says."""
    ctx = non_po()
    proposal = propose(ctx, evaluate_rules(ctx), answer=answer, model_problem=None if answer else "no model")
    assert (proposal.outcome, verdict(ctx, proposal).status) == expected


def test_a_model_may_not_move_postings_to_an_account_it_did_not_judge() -> None:
    """Postings to another account than the answer's are blocked even if that account is valid."""
    ctx = non_po()
    proposal = propose(ctx, evaluate_rules(ctx), answer=model_answer())
    other = replace(proposal, answer=replace(model_answer(), account="1500"))
    assert verdict(ctx, other).status == "block"


@pytest.mark.parametrize(
    "person",
    [
        lambda c: replace(c, invoice=replace(c.invoice, total_amount=D("30000.00"))),
        lambda c: replace(c, vendor=replace(c.vendor, bank_changed_at=datetime(2026, 5, 2, tzinfo=UTC))),
    ],
)
def test_always_a_person_even_when_every_rule_passes(person: object) -> None:
    """High value and a recent bank change go to a person, and the gate refuses an automatic approval."""
    assert callable(person)
    ctx = person(world())
    proposal = propose(ctx, evaluate_rules(ctx))
    assert proposal.outcome == "review"
    forced = InvoiceProposal(
        invoice_id=ctx.invoice.invoice_id,
        invoice_version=ctx.invoice.version,
        outcome="approve",
        reason_code=None,
        approved_amount=ctx.invoice.total_amount,
        postings=tuple(
            Posting(line_no=ln.line_no, gl_account="5100", cost_center="CC-OPS", amount=ln.amount)
            for ln in ctx.lines
        ),
        basis="rules",
        decided_by="auto:x",
        rationale="x",
        confidence=1.0,
    )
    assert verdict(ctx, forced).status != "pass"
