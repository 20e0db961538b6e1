"""Arbitrary proposals against real contexts: none that breaks the policy manual passes the gate."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from interlock.domains.claims.answer import Citation, CriterionFinding, NecessityAssessment, PolicyAssessment
from interlock.domains.claims.context import (
    Benefit,
    Claim,
    ClaimContext,
    ClaimLine,
    ClinicalNote,
    ContextItem,
    MedicalPolicy,
    Member,
    Plan,
    Procedure,
    Provenance,
    Provider,
    item_id_for,
)
from interlock.domains.claims.proposal import Proposal
from interlock.domains.claims.rules import Amounts, LineAmounts, compute_amounts, evaluate_rules
from interlock.gate.runner import evaluate as run_checks
from interlock.gate.verdict import Verdict
from interlock.policy.document import default_policy
from interlock.policy.principal import Principal, service_principal
from interlock.registry import task as task_named
from interlock.task import Thresholds

CLAIMS = task_named("claims.adjudicate")


def evaluate(proposal: Proposal, ctx: ClaimContext, principal: Principal, thresholds: Thresholds) -> Verdict:
    """The claims gate's verdict under the shipped policy's write boundary."""
    boundary = default_policy().write_boundary(CLAIMS.name, principal)
    return run_checks(CLAIMS, proposal, ctx, principal, thresholds, boundary)


NOTE = "Eight weeks of supervised physical therapy completed; MRI confirms a meniscal tear."
STAMP = datetime(2026, 1, 1)


def context(*, with_policy: bool, eligible: bool = True) -> ClaimContext:
    """A claim of two lines; the second governed by a knee policy when ``with_policy``."""
    policy = MedicalPolicy(
        policy_id="MP",
        title="Knee",
        body="All of: (1) therapy (2) imaging",
        line_of_business=None,
        effective_from=date(2020, 1, 1),
        effective_to=None,
        updated_at=STAMP,
    )
    procedures = {
        "A0001": Procedure(
            procedure_code="A0001",
            description="visit",
            fee_schedule_amount=Decimal("100.00"),
            medical_policy_id=None,
        ),
        "B0002": Procedure(
            procedure_code="B0002",
            description="scope",
            fee_schedule_amount=Decimal("2500.00"),
            medical_policy_id="MP" if with_policy else None,
        ),
    }
    note = ClinicalNote(note_id="N1", author="dr", written_at=STAMP, body=NOTE)
    claim = Claim(
        claim_id="C1",
        member_id="M1",
        billing_npi="1234567893",
        service_date=date(2026, 2, 1),
        received_date=date(2026, 2, 5),
        place_of_service="11",
        total_billed=Decimal("2150.00"),
        region="north",
        line_of_business="commercial",
        sensitivity="none",
        status="received",
        version=3,
    )
    member = Member(
        member_id="M1",
        plan_id="P",
        region="north",
        coverage_start=date(2020, 1, 1) if eligible else date(2026, 6, 1),
        coverage_end=None,
        birth_date=date(1980, 1, 1),
        first_name="***",
        last_name="***",
        ssn="***",
        address="***",
    )
    items = (
        ContextItem(
            item_id=item_id_for("note", "N1", STAMP.isoformat()),
            kind="note",
            provenance=Provenance(source="note", record_id="N1", version=STAMP.isoformat()),
        ),
        ContextItem(
            item_id=item_id_for("policy", "MP", STAMP.isoformat()),
            kind="policy",
            provenance=Provenance(source="policy", record_id="MP", version=STAMP.isoformat()),
        ),
    )
    return ClaimContext(
        claim=claim,
        lines=(
            ClaimLine(line_no=1, procedure_code="A0001", units=2, billed_amount=Decimal("150.00")),
            ClaimLine(line_no=2, procedure_code="B0002", units=1, billed_amount=Decimal("2000.00")),
        ),
        diagnoses=("E11.9",),
        member=member,
        plan=Plan(
            plan_id="P", line_of_business="commercial", network_type="PPO", coinsurance_pct=Decimal("15.00")
        ),
        provider=Provider(npi="1234567893", in_network=True, active=True),
        procedures=procedures,
        benefits={c: Benefit(procedure_code=c, covered=True, requires_prior_auth=False) for c in procedures},
        policies={"MP": policy} if with_policy else {},
        prior_auths=(),
        notes=(note,),
        approved_duplicates=(),
        items=items,
    )


money = st.one_of(
    st.sampled_from(
        [
            Decimal("150.00"),
            Decimal("127.50"),
            Decimal("2150.00"),
            Decimal("1827.50"),
            Decimal("0.00"),
            Decimal("2000.00"),
            Decimal("1700.00"),
        ]
    ),
    st.decimals(
        min_value=Decimal("-100"), max_value=Decimal("5000"), places=2, allow_nan=False, allow_infinity=False
    ),
    st.sampled_from(
        [
            Decimal("150.00"),
            Decimal("127.50"),
            Decimal("2150.00"),
            Decimal("1827.50"),
            Decimal("200.00"),
            Decimal("170.00"),
            Decimal("2000.00"),
            Decimal("1700.00"),
            Decimal("0.00"),
            Decimal("2200.00"),
            Decimal("1870.00"),
            Decimal("0.001"),
            Decimal("NaN"),
        ]
    ),
)
citations = st.lists(
    st.builds(
        Citation,
        item_id=st.sampled_from([item_id_for("note", "N1", STAMP.isoformat()), "note:N9@x", "member:M2@h"]),
        quote=st.sampled_from([NOTE[:40], "completely made up evidence text", "", NOTE]),
    ),
    max_size=3,
)


@st.composite
def proposals(draw: st.DrawFn) -> Proposal:
    line_amounts = tuple(
        LineAmounts(line_no=n, allowed=draw(money), paid=draw(money))
        for n in draw(st.sampled_from([(1, 2), (1,), (2, 1)]))
    )
    necessity = None
    if draw(st.booleans()):
        necessity = NecessityAssessment(
            model_id="fuzz",
            policies=tuple(
                PolicyAssessment(
                    policy_id=pid,
                    status=draw(st.sampled_from(["met", "not_met", "unclear"])),
                    confidence=draw(st.floats(min_value=-1, max_value=2, allow_nan=False)),
                    citations=tuple(draw(citations)),
                    criteria=tuple(
                        CriterionFinding(
                            criterion=n,
                            finding=draw(st.sampled_from(["met", "not_met", "not_documented"])),
                            citations=tuple(draw(citations)),
                        )
                        for n in draw(st.sampled_from([(1, 2), (1,), (2, 1), (1, 2, 3)]))
                    ),
                )
                for pid in draw(st.sampled_from([("MP",), (), ("MP", "XX")]))
            ),
            raw_output="{}",
            prompt_template="t",
            prompt_hash="h",
        )
    return Proposal(
        claim_id="C1",
        claim_version=draw(st.sampled_from([3, 2])),
        outcome=draw(st.sampled_from(["approve", "deny", "review", "maybe"])),  # type: ignore[arg-type]
        carc=draw(st.sampled_from([None, "50", "26", "16", "999", ""])),
        amounts=Amounts(lines=line_amounts, allowed=draw(money), paid=draw(money)),
        basis=draw(st.sampled_from(["rules", "model", "person"])),
        decided_by="fuzz",
        rationale=draw(st.text(max_size=50)),
        confidence=draw(st.floats(min_value=-1, max_value=2, allow_nan=False)),
        necessity=necessity,
    )


def correct(ctx: ClaimContext) -> tuple[str, str | None, Amounts]:
    failure = evaluate_rules(ctx).first_failure
    zero = Amounts.zero(tuple(ln.line_no for ln in ctx.lines))
    if failure is not None:
        return "deny", failure.carc, zero
    return "approve", None, compute_amounts(ctx)


def correct_proposal(ctx: ClaimContext) -> Proposal:
    """The proposal a faithful proposer would make: rules, then a confident cited 'met'."""
    outcome, carc, amounts = correct(ctx)
    necessity = None
    basis = "rules"
    if outcome == "approve" and ctx.policies:
        basis = "model"
        cite = Citation(item_id=ctx.note_item_id(ctx.notes[0]), quote=NOTE)
        findings = tuple(CriterionFinding(criterion=n, finding="met", citations=(cite,)) for n in (1, 2))
        necessity = NecessityAssessment(
            model_id="fuzz",
            policies=(
                PolicyAssessment(
                    policy_id="MP", status="met", confidence=0.97, citations=(cite, cite), criteria=findings
                ),
            ),
            raw_output="{}",
            prompt_template="t",
            prompt_hash="h",
        )
    return Proposal(
        claim_id="C1",
        claim_version=3,
        outcome=outcome,
        carc=carc,
        amounts=amounts,  # type: ignore[arg-type]
        basis=basis,
        decided_by="fuzz",
        rationale="r",
        confidence=0.97 if basis == "model" else 1.0,
        necessity=necessity,
    )


@st.composite
def mutated(draw: st.DrawFn, ctx: ClaimContext) -> Proposal:
    """The faithful proposal with up to two fields replaced by arbitrary (often hostile) values."""
    good = correct_proposal(ctx)
    wild = draw(proposals())
    fields = draw(
        st.sets(
            st.sampled_from(
                ["claim_version", "outcome", "carc", "amounts", "basis", "confidence", "necessity"]
            ),
            max_size=2,
        )
    )
    changes = {f: getattr(wild, f) for f in fields}
    return Proposal(**{**{f: getattr(good, f) for f in good.__dataclass_fields__}, **changes})


def test_the_faithful_proposal_passes() -> None:
    """The gate is not a wall: correct proposals pass with and without a policy at stake."""
    for with_policy in (True, False):
        for eligible in (True, False):
            ctx = context(with_policy=with_policy, eligible=eligible)
            assert evaluate(correct_proposal(ctx), ctx, service_principal(), Thresholds()).status == "pass"


@settings(max_examples=1500, deadline=None)
@given(data=st.data(), with_policy=st.booleans(), eligible=st.booleans())
def test_a_mutated_proposal_passes_only_when_still_correct(
    data: st.DataObject, with_policy: bool, eligible: bool
) -> None:
    """A faithful proposal with hostile edits passes only if outcome, CARC and amounts remain right."""
    ctx = context(with_policy=with_policy, eligible=eligible)
    p = data.draw(mutated(ctx))
    if evaluate(p, ctx, service_principal(), Thresholds()).status != "pass":
        return
    outcome, carc, amounts = correct(ctx)
    if p.outcome == "deny" and p.carc == "50":
        assert with_policy and eligible and p.necessity is not None and p.basis == "model"
        assert any(pa.status == "not_met" and pa.confidence >= 0.9 for pa in p.necessity.policies)
        return
    assert (p.outcome, p.carc, p.amounts) == (outcome, carc, amounts)


@settings(max_examples=1500, deadline=None)
@given(p=proposals(), with_policy=st.booleans(), eligible=st.booleans())
def test_a_passing_verdict_is_always_a_correct_write(p: Proposal, with_policy: bool, eligible: bool) -> None:
    """Whatever a proposer says, a pass means the outcome, CARC and amounts the manual requires."""
    ctx = context(with_policy=with_policy, eligible=eligible)
    verdict = evaluate(p, ctx, service_principal(), Thresholds())
    if verdict.status != "pass":
        return
    outcome, carc, amounts = correct(ctx)
    if p.outcome == "deny" and p.carc == "50":
        # Rule 9 denials rest on the model's judgement, backed by a verified citation.
        assert with_policy and eligible and p.necessity is not None and p.basis == "model"
        assert p.amounts == Amounts.zero((1, 2))
        return
    assert (p.outcome, p.carc, p.amounts) == (outcome, carc, amounts)
    if with_policy and p.outcome == "approve":
        assert p.necessity is not None and all(pa.status == "met" for pa in p.necessity.policies)
