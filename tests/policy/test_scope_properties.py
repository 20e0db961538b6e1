"""The compiled scope, its SQL pushdown and the per-record decision agree exactly."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from attribute_claims import attribute_claim
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, create_engine, select

from interlock.domains.claims import schema as t
from interlock.policy.entitlements import ClaimAttributes, claim_scope, decide_read, mask_value
from interlock.policy.principal import Principal, service_principal
from interlock.retrieval.scope import scope_predicate

REGIONS = ("north", "south", "east", "west", "central")
LOBS = ("commercial", "medicare_advantage", "medicaid")
SENSITIVITIES = ("none", "behavioral_health", "substance_use", "hiv")
PRIVILEGES = (
    "sensitive:behavioral_health",
    "sensitive:substance_use",
    "sensitive:hiv",
    "phi:full",
    "approve:high_value",
)

pairs = st.tuples(st.sampled_from(REGIONS), st.sampled_from(LOBS))
principals = st.builds(
    Principal,
    principal_id=st.just("staff:X"),
    kind=st.just("staff"),
    role=st.sampled_from(("analyst", "supervisor", "auditor", "janitor")),
    active=st.booleans(),
    assignments=st.frozensets(pairs, max_size=6),
    privileges=st.frozensets(st.sampled_from(PRIVILEGES)),
)
records = st.builds(
    ClaimAttributes,
    region=st.sampled_from(REGIONS),
    line_of_business=st.sampled_from(LOBS),
    sensitivity=st.sampled_from(SENSITIVITIES),
)


@pytest.fixture(scope="module")
def claims_db() -> Iterator[Engine]:
    """Every combination of region, line of business and sensitivity, one claim each."""
    engine = create_engine("sqlite://")
    t.metadata.create_all(engine)
    rows = []
    for r in REGIONS:
        for lob in LOBS:
            for s in SENSITIVITIES:
                rows.append(attribute_claim(r, lob, s))
    with engine.begin() as conn:
        conn.execute(t.claims.insert(), rows)
    yield engine
    engine.dispose()


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(principal=principals)
def test_sql_pushdown_equals_in_memory_decision(claims_db: Engine, principal: Principal) -> None:
    """For any principal, the rows the SQL predicate returns are exactly those decide_read allows."""
    scope = claim_scope(principal)
    with claims_db.connect() as conn:
        got = set(conn.execute(select(t.claims.c.claim_id).where(scope_predicate(scope, t.claims))).scalars())
    expected = {
        f"{r}/{lob}/{s}"
        for r in REGIONS
        for lob in LOBS
        for s in SENSITIVITIES
        if decide_read(principal, ClaimAttributes(region=r, line_of_business=lob, sensitivity=s)).allowed
    }
    assert got == expected
    assert all(
        scope.permits(
            ClaimAttributes(
                region=c.split("/")[0], line_of_business=c.split("/")[1], sensitivity=c.split("/")[2]
            )
        )
        for c in got
    )


@given(principal=principals, record=records, extra=st.sampled_from(PRIVILEGES))
def test_removing_a_grant_never_widens_access(
    principal: Principal, record: ClaimAttributes, extra: str
) -> None:
    """Taking away a privilege or an assignment can only remove access, never add it."""
    fewer_privileges = Principal(
        principal_id=principal.principal_id,
        kind="staff",
        role=principal.role,
        active=principal.active,
        assignments=principal.assignments,
        privileges=principal.privileges - {extra},
    )
    assert not (decide_read(fewer_privileges, record).allowed and not decide_read(principal, record).allowed)
    if principal.assignments:
        fewer_pairs = Principal(
            principal_id=principal.principal_id,
            kind="staff",
            role=principal.role,
            active=principal.active,
            assignments=frozenset(list(principal.assignments)[1:]),
            privileges=principal.privileges,
        )
        assert not (decide_read(fewer_pairs, record).allowed and not decide_read(principal, record).allowed)


@given(principal=principals, record=records)
def test_inactive_and_non_claim_roles_read_nothing(principal: Principal, record: ClaimAttributes) -> None:
    """Inactive staff and roles without claim access are denied, with a reason."""
    decision = decide_read(principal, record)
    if not principal.active or principal.role not in ("analyst", "supervisor"):
        assert not decision.allowed
        assert decision.reasons


@given(
    field=st.sampled_from(("first_name", "last_name", "ssn", "address")),
    value=st.text(min_size=1, max_size=40),
)
def test_masking_is_idempotent_and_hides_the_value(field: str, value: str) -> None:
    """Masking twice equals masking once, and the masked form never contains the original."""
    once = mask_value(field, value)
    assert mask_value(field, once) == once
    if value.strip("*"):
        assert value not in once


def test_service_principal_reads_every_claim_but_no_phi() -> None:
    """The default service principal may process every claim and never sees PHI unmasked."""
    scope = claim_scope(service_principal())
    assert scope.pairs is None and scope.sensitivities is None
    assert not scope.phi_unmasked
