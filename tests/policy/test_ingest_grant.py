"""The ``claims.ingest`` task: which kinds and roles may create claims, as the policy declares."""

from __future__ import annotations

import pytest

from interlock.policy.document import PolicyDocument, PolicyInvalid, default_policy, parse_policy_toml
from interlock.policy.principal import Principal, service_principal
from interlock.policy.tasks import decide_create

TASK = "claims.ingest"
PREAMBLE = (
    'version="v"\n[fields]\nphi=["ssn"]\nunmask_privilege="p"\n[reference]\nread=[{kind="principal_active"}]\n'
    '[roles.analyst]\nread=[{kind="principal_active"}]\n'
    '[roles.supervisor]\nread=[{kind="principal_active"}]\n'
    '[roles.service]\nread=[{kind="principal_active"}]\n'
)


def _staff(role: str, *, active: bool = True) -> Principal:
    return Principal(
        principal_id="staff:X",
        kind="staff",
        role=role,
        active=active,
        assignments=frozenset({("north", "commercial")}),
        privileges=frozenset(),
    )


def _may(policy: PolicyDocument, p: Principal) -> bool:
    return decide_create(task=TASK, tasks=policy.tasks, principal=p, scope=policy.claim_scope(p)).allowed


@pytest.mark.parametrize(
    ("principal", "allowed"),
    [
        (service_principal(), True),
        (_staff("analyst"), True),
        (_staff("supervisor"), True),
        (_staff("auditor"), False),
        (_staff("analyst", active=False), False),
        (_staff("unknown"), False),
    ],
)
def test_shipped_policy_grants_ingest_to_services_analysts_and_supervisors(
    principal: Principal, allowed: bool
) -> None:
    """Clearinghouse services and claim staff may ingest; an auditor or inactive staff may not."""
    assert _may(default_policy(), principal) is allowed


def test_roles_narrow_a_grant_and_the_refusal_names_the_role() -> None:
    """A grant listing roles refuses other roles of the same kind, saying which."""
    policy = parse_policy_toml(
        PREAMBLE
        + f'[tasks."{TASK}"]\nrecord_statuses=["received"]\n'
        + f'[tasks."{TASK}".actions.create.staff]\nroles=["supervisor"]\n'
    )
    assert _may(policy, _staff("supervisor"))
    decision = decide_create(
        task=TASK,
        tasks=policy.tasks,
        principal=_staff("analyst"),
        scope=policy.claim_scope(_staff("analyst")),
    )
    assert not decision.allowed and "role 'analyst'" in decision.reasons[0]
    assert not _may(policy, service_principal())  # the service kind is not granted at all


def test_a_tasks_table_without_the_ingest_task_refuses_everyone() -> None:
    """Once tasks are declared, ingest is default-deny like any other task."""
    policy = parse_policy_toml(
        PREAMBLE
        + '[tasks."claims.adjudicate"]\nrecord_statuses=["received"]\n'
        + '[tasks."claims.adjudicate".actions.pend.service]\n'
    )
    assert not _may(policy, _staff("analyst")) and not _may(policy, service_principal())


def test_a_policy_without_tasks_keeps_reading_as_the_grant() -> None:
    """A file written before the tasks table: whoever may read claims may ingest them."""
    policy = parse_policy_toml(PREAMBLE)
    assert _may(policy, _staff("analyst")) and not _may(policy, _staff("analyst", active=False))


@pytest.mark.parametrize(
    "grant",
    ['outcomes=["approve"]', 'max_total_billed="10.00"', 'via="automatic"'],
)
def test_create_takes_no_outcome_amount_or_path(grant: str) -> None:
    """A created claim is not decided: create grants with decision terms are refused at load."""
    with pytest.raises(PolicyInvalid, match="create"):
        parse_policy_toml(
            PREAMBLE
            + f'[tasks."{TASK}"]\nrecord_statuses=["received"]\n'
            + f'[tasks."{TASK}".actions.create.staff]\n{grant}\n'
        )
