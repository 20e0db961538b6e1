"""Random policies and principals: the database's row-level security and the scope compiler agree.

One claim of every (region, line of business, sensitivity) combination sits in a
PostgreSQL system of record. For each random policy document (the strategies of
``test_policy_document``: random grants, random deny rules) the compiled RLS script is
applied, and for a random principal the rows a raw ``SELECT`` returns as the reader
role must equal the rows interlock's own scope predicate selects as the owner.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import pytest
from attribute_claims import attribute_claim
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select
from sqlalchemy.engine import URL
from test_policy_document import COMBOS, any_principal, grant_extras, policies

from interlock.connectors.pg_access import apply_principal, execute_script, reader_role_sql
from interlock.db import make_engine
from interlock.domains.claims import schema as t
from interlock.domains.claims.pack import ACCESS as CLAIMS_ACCESS
from interlock.policy.document import parse_policy
from interlock.policy.principal import Principal
from interlock.policy.rls import compile_rls
from interlock.retrieval.scope import scope_predicate
from pgscratch import scratch_database

pytestmark = pytest.mark.postgres


@dataclass(frozen=True)
class Combos:
    owner: Engine
    reader: Engine


@pytest.fixture(scope="module")
def combos() -> Iterator[Combos]:
    """A scratch database holding one claim per attribute combination, and a reader role."""
    role = f"interlock_prop_{secrets.token_hex(4)}"
    with scratch_database("interlock_rlsprop", roles=[role]) as url:
        yield from _combos(url, role)


def _combos(url: URL, role: str) -> Iterator[Combos]:
    """Fill the scratch database at ``url`` and yield its owner and reader engines."""
    owner = make_engine(url.render_as_string(hide_password=False))
    reader = make_engine(url.set(username=role).render_as_string(hide_password=False))
    try:
        t.metadata.create_all(owner)
        with owner.begin() as conn:
            conn.execute(
                t.plans.insert(),
                {
                    "plan_id": "P",
                    "name": "p",
                    "line_of_business": "commercial",
                    "network_type": "PPO",
                    "coinsurance_pct": 20,
                },
            )
            conn.execute(
                t.members.insert(),
                {
                    "member_id": "M",
                    "first_name": "A",
                    "last_name": "B",
                    "birth_date": date(1980, 1, 1),
                    "ssn": "000000000",
                    "address": "x",
                    "plan_id": "P",
                    "region": "north",
                    "coverage_start": date(2020, 1, 1),
                },
            )
            conn.execute(t.claims.insert(), [attribute_claim(r, lob, s) for r, lob, s in COMBOS])
        execute_script(owner, reader_role_sql(role, CLAIMS_ACCESS, login=True))
        yield Combos(owner=owner, reader=reader)
    finally:
        reader.dispose()
        owner.dispose()


@st.composite
def cases(draw: st.DrawFn) -> tuple[dict[str, Any], Principal]:
    """A random policy and principal; in half the cases the principal's role may read.

    Unbiased draws mostly give principals who read nothing, where deny rules cannot
    show; making the role read (and the principal active) half the time exercises them.
    """
    data, principal = draw(policies()), draw(any_principal)
    role = data["roles"].get(principal.role)
    if role is not None and draw(st.booleans()):
        if not role.get("read"):
            data["roles"][principal.role] = {"read": [{"kind": "principal_active"}, *draw(grant_extras)]}
        principal = replace(principal, active=True)
    return data, principal


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=cases())
def test_rls_rows_equal_the_scope_predicate_for_random_policies(
    combos: Combos, case: tuple[dict[str, Any], Principal]
) -> None:
    """Raw SELECT as the reader, under the compiled policy, returns exactly the scoped claims."""
    data, principal = case
    policy = parse_policy(data)
    execute_script(combos.owner, compile_rls(policy))
    scope = policy.claim_scope(principal)
    with combos.owner.connect() as conn:
        expected = set(
            conn.execute(select(t.claims.c.claim_id).where(scope_predicate(scope, t.claims))).scalars()
        )
    with combos.reader.begin() as conn:
        apply_principal(conn, principal)
        got = set(conn.exec_driver_sql("SELECT claim_id FROM claims").scalars())
        members = conn.exec_driver_sql("SELECT count(*) FROM members").scalar_one()
    assert got == expected
    assert members == (1 if expected else 0)
