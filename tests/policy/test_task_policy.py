"""The write boundary declared per task in the policy file, and what it compiles to."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from interlock.policy.document import PolicyInvalid, default_policy, parse_policy_toml
from interlock.policy.principal import Principal, service_principal
from interlock.policy.values import ClaimAttributes

SHIPPED = Path(__file__).parents[2] / "src/interlock/policy/default_policy.toml"
TASK = "claims.adjudicate"
ATTRS = ClaimAttributes(region="north", line_of_business="commercial", sensitivity="none")
PREAMBLE = (
    'version="v"\n[fields]\nphi=["ssn"]\nunmask_privilege="p"\n[reference]\nread=[{kind="principal_active"}]\n'
    '[roles.service]\nread=[{kind="principal_active"}]\n'
    'finalize={limit="10000.00", above_limit_privilege="approve:high_value"}\n'
    f'[tasks."{TASK}"]\nrecord_statuses=["received"]\n'
)


def _staff(*privileges: str) -> Principal:
    return Principal(
        principal_id="staff:A1",
        kind="staff",
        role="analyst",
        active=True,
        assignments=frozenset({("north", "commercial")}),
        privileges=frozenset(privileges),
    )


def _finalize(p: Principal, via: str, total: str, outcome: str = "approve") -> bool:
    boundary = default_policy().write_boundary(TASK, p)
    return boundary.decide_finalize(
        outcome=outcome,
        via=via,  # type: ignore[arg-type]
        attrs=ATTRS,
        total_billed=Decimal(total),
    ).allowed


@pytest.mark.parametrize(
    ("principal", "via", "total", "allowed"),
    [
        (service_principal(), "automatic", "10000.00", True),
        (service_principal(), "automatic", "10000.01", False),
        (service_principal(), "review", "100.00", False),
        (_staff(), "review", "10000.00", True),
        (_staff(), "review", "10000.01", False),
        (_staff("approve:high_value"), "review", "50000.00", True),
        (_staff("approve:high_value"), "automatic", "100.00", False),
    ],
)
def test_shipped_boundary_per_principal_kind_path_and_amount(
    principal: Principal, via: str, total: str, allowed: bool
) -> None:
    """The shipped file lets the service finalize automatically up to 10,000.00 and staff via review."""
    assert _finalize(principal, via, total) is allowed


def test_service_cap_cannot_be_lifted_by_a_privilege() -> None:
    """Even holding approve:high_value, the service principal finalizes nothing above 10,000.00."""
    lifted = Principal(
        principal_id="service:x",
        kind="service",
        role="service",
        active=True,
        assignments=None,
        privileges=frozenset({"approve:high_value"}),
        all_sensitivities=True,
    )
    assert not _finalize(lifted, "automatic", "10000.01")


def test_records_outside_the_declared_states_are_not_writable() -> None:
    """The task writes only claims in the record states the policy lists."""
    boundary = default_policy().write_boundary(TASK, service_principal())
    assert boundary.decide_record("received").allowed and boundary.decide_record("pended").allowed
    assert not boundary.decide_record("adjudicated").allowed


def test_a_policy_without_tasks_keeps_the_role_rules() -> None:
    """A file written before the tasks table existed finalizes by the role's rule alone."""
    text = SHIPPED.read_text(encoding="utf-8").split("[tasks.")[0]
    boundary = parse_policy_toml(text).write_boundary(TASK, _staff())
    assert boundary.may_pend
    allowed = boundary.decide_finalize(
        outcome="deny", via="automatic", attrs=ATTRS, total_billed=Decimal("10000.00")
    )
    refused = boundary.decide_finalize(
        outcome="deny", via="automatic", attrs=ATTRS, total_billed=Decimal("10000.01")
    )
    assert allowed.allowed and not refused.allowed


def test_an_undeclared_task_may_write_nothing() -> None:
    """Once the tasks table exists, a task it does not list may neither finalize nor pend."""
    boundary = default_policy().write_boundary("claims.refund", service_principal())
    assert not boundary.may_pend
    assert not boundary.decide_finalize(
        outcome="approve", via="automatic", attrs=ATTRS, total_billed=Decimal("1.00")
    ).allowed


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (f'[tasks."{TASK}".actions.refund.service]\n', "unknown action 'refund'"),
        (
            f'[tasks."{TASK}".actions.finalize.robot]\noutcomes=["approve"]\n',
            "finalize.robot: unknown principal kind",
        ),
        (
            f'[tasks."{TASK}".actions.finalize.service]\noutcomes=["approve", "pay"]\n'
            f'[tasks."{TASK}".actions.pend.service]\n',
            "list some of approve, deny",
        ),
        (f'[tasks."{TASK}".actions.pend.service]\nmax_total_billed="5.00"\n', "pend takes no outcomes"),
        (
            f'[tasks."{TASK}".actions.finalize.service]\noutcomes=["deny"]\n',
            "actions.pend: grant it to service",
        ),
        (
            f'[tasks."{TASK}".actions.finalize.service]\noutcomes=["deny"]\nabove_limit_privilege="x"\n'
            f'[tasks."{TASK}".actions.pend.service]\n',
            "set max_total_billed too",
        ),
    ],
)
def test_mistakes_in_the_tasks_table_are_refused(table: str, message: str) -> None:
    """Unknown actions, kinds or outcomes and unsafe pend grants are refused with their location."""
    with pytest.raises(PolicyInvalid) as caught:
        parse_policy_toml(PREAMBLE + table)
    assert message in str(caught.value)
    assert f"tasks.{TASK}" in str(caught.value)
