"""Resource declarations: validated with located messages, and a legacy file means what it meant."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_policy_document import COMBOS, any_principal, policies

from interlock.exceptions import ConfigurationError
from interlock.policy.document import PolicyInvalid, default_policy, parse_policy, parse_policy_toml
from interlock.policy.principal import Principal
from interlock.policy.resources import CLAIM_RLS_VIA as VIA
from interlock.policy.rls import compile_rls
from interlock.policy.values import ClaimAttributes

HEAD = 'version = "v"\n[reference]\nread = [{ kind = "principal_active" }]\n'
LEDGER = (
    "[resources.ledger]\n"
    'record_name = "entry"\n'
    'attributes = { unit = "unit_code", tier = "tier" }\n'
    'assignment = ["unit"]\n'
    'sensitivity = { attribute = "tier", unrestricted = "public" }\n'
)
READER = '[roles.clerk]\nread = [{ kind = "principal_active" }, { kind = "assignment_contains" }]\n'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            HEAD + LEDGER.replace('["unit"]', '["unit", "site"]') + READER,
            "resources.ledger: assignment: site not among",
        ),
        (
            HEAD + LEDGER.replace('attribute = "tier"', 'attribute = "grade"'),
            "sensitivity.attribute: 'grade'",
        ),
        (
            HEAD + LEDGER.replace('unit = "unit_code"', 'unit = "unit code"'),
            "attributes.unit: column 'unit code'",
        ),
        (
            HEAD + LEDGER + 'approval = { amount = "total", limit = "10.00", above_limit_privilege = "x", '
            'staff_attribute = "approval_limit" }\n',
            "resources.ledger.approval: declare either limit and above_limit_privilege, or staff_attribute",
        ),
        (
            HEAD + LEDGER + 'approval = { amount = "total", limit = "10.00" }\n',
            "needs both limit and above_limit_privilege",
        ),
        (
            HEAD + LEDGER + 'approval = { amount = "total", staff_attribute = "x", outcomes = [] }\n',
            "approval.outcomes",
        ),
        (
            HEAD
            + READER
            + LEDGER
            + '[resources.ledger.rls]\ntable = "ledger"\nvia = [{ table = "lines", column = "entry", parent = "ghost" }]\n',
            "resources.ledger.rls: via.0.parent: 'ghost'",
        ),
        (
            HEAD + LEDGER + '[resources.ledger.fields]\nmasked = ["iban"]\n',
            "masked fields need unmask_privilege",
        ),
        (
            HEAD
            + LEDGER
            + '[roles.clerk]\nresources = ["ledgers"]\nread = [{ kind = "principal_active" }]\n',
            "roles.clerk.resources: unknown resource(s) ledgers",
        ),
        (
            HEAD + LEDGER.replace('assignment = ["unit"]\n', "") + READER,
            "roles.clerk.read: assignment_contains, but resource ledger declares no assignment",
        ),
        (
            HEAD
            + LEDGER
            + READER
            + '[[deny]]\nreason = "r"\nwhen = [{ kind = "record_in", field = "region", values = ["n"] }]\n',
            "deny[0].when: no resource has every attribute the rule names (region)",
        ),
        (
            HEAD
            + LEDGER
            + READER
            + '[[deny]]\nreason = "r"\nresources = ["ledger"]\nwhen = [{ kind = "record_in", field = "site", values = ["n"] }]\n',
            "deny[0].when.0.field: 'site' is not an attribute of resource ledger",
        ),
        (
            HEAD + '[fields]\nphi = ["ssn"]\nunmask_privilege = "p"\n' + LEDGER + READER,
            "fields: with [resources]",
        ),
        (HEAD + READER, "resources: declare [resources.NAME] tables"),
        (
            HEAD
            + LEDGER
            + READER
            + '[tasks."ledger.post"]\nresource = "ledgers"\nrecord_statuses = ["open"]\nactions = {}\n',
            "tasks.ledger.post.resource: unknown resource 'ledgers'",
        ),
    ],
)
def test_mistakes_in_resource_declarations_are_refused_with_their_location(text: str, message: str) -> None:
    """Each kind of mistake in a [resources] table (or in what refers to it) names where it is."""
    with pytest.raises(PolicyInvalid) as caught:
        parse_policy_toml(text)
    assert message in str(caught.value)


def test_a_new_resource_is_declared_in_the_file_alone() -> None:
    """A resource no code knows reads, masks and approves as declared, and compiles to row-level security."""
    policy = parse_policy_toml(
        HEAD
        + LEDGER
        + 'approval = { amount = "total", staff_attribute = "signing_limit" }\n'
        + '[resources.ledger.fields]\nmasked = ["iban"]\nunmask_privilege = "bank"\n'
        + '[resources.ledger.rls]\ntable = "entries"\n'
        + '[roles.clerk]\nread = [{ kind = "principal_active" }, { kind = "assignment_contains" },'
        + ' { kind = "sensitivity_permitted" }]\nfinalize = {}\n'
    )
    clerk = Principal(
        principal_id="staff:C",
        kind="staff",
        role="clerk",
        active=True,
        assignments=None,
        privileges=frozenset({"sensitive:secret"}),
        resource_assignments={"ledger": frozenset({("U1",)})},
        attributes={"signing_limit": Decimal("100.00")},
    )
    assert policy.decide_record_read("ledger", clerk, {"unit": "U1", "tier": "public"}).allowed
    assert policy.decide_record_read("ledger", clerk, {"unit": "U1", "tier": "secret"}).allowed
    assert not policy.decide_record_read("ledger", clerk, {"unit": "U1", "tier": "top"}).allowed
    assert not policy.decide_record_read("ledger", clerk, {"unit": "U2", "tier": "public"}).allowed
    assert policy.masks("ledger", clerk).masked == {"iban"}
    record = {"unit": "U1", "tier": "public"}
    assert policy.decide_approval("ledger", clerk, record, Decimal("100.00")).allowed
    assert not policy.decide_approval("ledger", clerk, record, Decimal("100.01")).allowed
    script = compile_rls(policy, ["ledger"])
    assert 'CREATE POLICY "interlock_read_clerk" ON "entries"' in script
    assert '("unit_code")::text' in script
    with pytest.raises(ConfigurationError, match="declares no resource 'claims'"):
        policy.claim_scope(clerk)
    with pytest.raises(ConfigurationError, match="no rls table"):
        compile_rls(parse_policy_toml(HEAD + LEDGER + READER), ["ledger"])


def _as_resources(legacy: dict[str, Any]) -> dict[str, Any]:
    """The same policy written with a [resources.claims] table instead of [fields]."""
    fields = legacy["fields"]
    data = {k: v for k, v in legacy.items() if k != "fields"}
    data["resources"] = {
        "claims": {
            "record_name": "claim",
            "attributes": {a: a for a in ("region", "line_of_business", "sensitivity")},
            "assignment": ["region", "line_of_business"],
            "sensitivity": {"attribute": "sensitivity"},
            "fields": {
                "masked": fields["phi"],
                "unmask_privilege": fields["unmask_privilege"],
                "model_never_sees": fields.get("model_never_sees", []),
            },
            "rls": {
                "table": "claims",
                "via": [dict(zip(("table", "column", "parent"), v, strict=True)) for v in VIA],
            },
        }
    }
    return data


@settings(max_examples=200, deadline=None)
@given(legacy=policies(), principal=any_principal, amount=st.decimals("0.00", "20000.00", places=2))
def test_a_legacy_policy_and_its_resource_form_decide_identically(
    legacy: dict[str, Any], principal: Principal, amount: Decimal
) -> None:
    """A policy without [resources] and the same policy declaring claims as a resource compile and decide the same."""
    before, after = parse_policy(legacy), parse_policy(_as_resources(legacy))
    assert before.claim_scope(principal) == after.claim_scope(principal)
    assert before.field_masks(principal) == after.field_masks(principal)
    assert compile_rls(before) == compile_rls(after)
    for r, lob, s in COMBOS:
        attrs = ClaimAttributes(region=r, line_of_business=lob, sensitivity=s)
        assert before.decide_read(principal, attrs) == after.decide_read(principal, attrs)
        assert before.decide_finalize(principal, attrs, amount) == after.decide_finalize(
            principal, attrs, amount
        )


def test_the_shipped_claims_declaration_keeps_the_hand_written_rules() -> None:
    """Shipped claims: region x line of business, sensitive:<value>, PHI masks and approve:high_value above 10,000.00."""
    claims = default_policy().resource("claims")
    assert claims.assignment == ("region", "line_of_business")
    assert claims.sensitivity is not None and claims.sensitivity.privilege_prefix == "sensitive:"
    assert claims.fields.unmask_privilege == "phi:full"
    assert claims.approval is not None
    assert (claims.approval.limit, claims.approval.above_limit_privilege) == (
        Decimal("10000.00"),
        "approve:high_value",
    )
