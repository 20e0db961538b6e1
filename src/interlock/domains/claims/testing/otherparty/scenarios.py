"""What kinds of claims a payer receives, and in what proportions.

Each :class:`Spec` states, dimension by dimension, how one claim is drawn: its dates,
member, procedures, prior authorization, provider, diagnoses, amounts and notes. The
named scenarios below mix clean claims, claims that fail one rule of the policy manual
(or two, so the order of the rules matters), claims that sit exactly on a rule's edge,
claims under medical policies (settled or not by their notes), high-value and Part 2
claims, and claims that copy an earlier one (duplicates, corrected resubmissions).

The weights are per hundred claims; the history leaves out what only a person could
settle, since people decided every historical claim one way or the other.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

DateMode = Literal["normal", "late", "edge365"]
MemberMode = Literal["continuous", "before", "after", "cov_start", "cov_end"]
ProcMode = Literal["routine", "policy", "inapplicable", "sud_policy", "sud_routine", "pa_required", "any"]
AuthMode = Literal["ok", "bad", "boundary"]
ProviderMode = Literal["network", "ppo_oon", "hmo_oon", "bad"]
NotesMode = Literal["default", "met", "not_met", "unsettled", "settled", "any"]
AmountMode = Literal["normal", "high", "exact_limit"]
CopyMode = Literal["none", "duplicate", "resubmission", "added_line"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Spec:
    """How to draw one claim, dimension by dimension."""

    dates: DateMode = "normal"
    member: MemberMode = "continuous"
    procedures: ProcMode = "routine"
    auth: AuthMode = "ok"
    provider: ProviderMode = "network"
    diagnoses: Literal["valid", "invalid"] = "valid"
    coverage: Literal["covered", "excluded"] = "covered"
    amount: AmountMode = "normal"
    notes: NotesMode = "default"
    copy: CopyMode = "none"


@dataclass(frozen=True, slots=True, kw_only=True)
class Scenario:
    """A named kind of claim with its share of the backlog and of the history."""

    name: str
    backlog: float
    history: float
    spec: Spec


_ANY = Spec(procedures="any")

SCENARIOS: tuple[Scenario, ...] = (
    Scenario(name="routine", backlog=27.0, history=24.0, spec=Spec()),
    Scenario(name="routine_prior_auth", backlog=3.0, history=3.0, spec=Spec(procedures="pa_required")),
    Scenario(name="ppo_out_of_network", backlog=2.0, history=2.0, spec=Spec(provider="ppo_oon")),
    Scenario(name="edge_filed_day_365", backlog=0.7, history=0.5, spec=Spec(dates="edge365")),
    Scenario(name="edge_coverage_starts", backlog=0.6, history=0.4, spec=Spec(member="cov_start")),
    Scenario(name="edge_coverage_ends", backlog=0.6, history=0.4, spec=Spec(member="cov_end")),
    Scenario(
        name="edge_auth_boundary",
        backlog=0.7,
        history=0.4,
        spec=Spec(procedures="pa_required", auth="boundary"),
    ),
    Scenario(name="edge_total_10000", backlog=0.4, history=0.2, spec=Spec(amount="exact_limit")),
    Scenario(name="resubmission", backlog=1.2, history=0.6, spec=Spec(copy="resubmission")),
    Scenario(name="added_line", backlog=0.6, history=0.3, spec=Spec(copy="added_line")),
    Scenario(name="policy_met", backlog=16.0, history=21.0, spec=Spec(procedures="policy", notes="met")),
    Scenario(
        name="policy_not_met", backlog=9.0, history=12.0, spec=Spec(procedures="policy", notes="not_met")
    ),
    Scenario(
        name="policy_unsettled", backlog=7.5, history=0.0, spec=Spec(procedures="policy", notes="unsettled")
    ),
    Scenario(
        name="policy_not_in_scope",
        backlog=4.0,
        history=3.0,
        spec=Spec(procedures="inapplicable", notes="any"),
    ),
    Scenario(name="high_value", backlog=2.5, history=2.0, spec=Spec(procedures="any", amount="high")),
    Scenario(
        name="part2_necessity", backlog=1.5, history=1.5, spec=Spec(procedures="sud_policy", notes="settled")
    ),
    Scenario(name="part2_routine", backlog=1.5, history=1.5, spec=Spec(procedures="sud_routine")),
    Scenario(
        name="part2_denied", backlog=0.6, history=0.5, spec=Spec(procedures="sud_routine", provider="bad")
    ),
    Scenario(name="r1_before_coverage", backlog=1.8, history=1.5, spec=replace(_ANY, member="before")),
    Scenario(name="r1_after_coverage", backlog=1.8, history=1.5, spec=replace(_ANY, member="after")),
    Scenario(name="r2_late_filing", backlog=2.5, history=2.0, spec=replace(_ANY, dates="late")),
    Scenario(name="r3_duplicate", backlog=3.0, history=2.0, spec=Spec(copy="duplicate")),
    Scenario(name="r4_provider", backlog=3.5, history=3.0, spec=replace(_ANY, provider="bad")),
    Scenario(name="r5_network", backlog=2.5, history=2.0, spec=replace(_ANY, provider="hmo_oon")),
    Scenario(name="r6_diagnosis", backlog=3.0, history=3.0, spec=replace(_ANY, diagnoses="invalid")),
    Scenario(name="r7_coverage", backlog=3.0, history=3.0, spec=replace(_ANY, coverage="excluded")),
    Scenario(name="r8_prior_auth", backlog=3.0, history=3.0, spec=Spec(procedures="pa_required", auth="bad")),
    Scenario(
        name="two_failures_r2_r4", backlog=0.4, history=0.4, spec=replace(_ANY, dates="late", provider="bad")
    ),
    Scenario(
        name="two_failures_r5_r6",
        backlog=0.4,
        history=0.4,
        spec=replace(_ANY, provider="hmo_oon", diagnoses="invalid"),
    ),
    Scenario(
        name="two_failures_r1_r7",
        backlog=0.3,
        history=0.3,
        spec=replace(_ANY, member="after", coverage="excluded"),
    ),
    Scenario(
        name="two_failures_r6_r8",
        backlog=0.3,
        history=0.3,
        spec=Spec(procedures="pa_required", auth="bad", diagnoses="invalid"),
    ),
)
