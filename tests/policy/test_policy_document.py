"""The declarative policy: validation, and compiled forms that agree with interpreted decisions."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from attribute_claims import attribute_claim
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, create_engine, select

from interlock.domains.claims import schema as t
from interlock.policy.document import (
    PolicyDocument,
    PolicyInvalid,
    default_policy,
    parse_policy,
    parse_policy_toml,
)
from interlock.policy.principal import Principal, service_principal
from interlock.policy.values import ClaimAttributes, ClaimScope, DocumentAttributes, FieldMasks
from interlock.retrieval.index import documents, index_metadata
from interlock.retrieval.scope import index_predicate, scope_predicate

REGIONS = ("north", "south", "east")
LOBS = ("commercial", "medicaid")
SENSITIVITIES = ("none", "behavioral_health", "substance_use", "hiv")
PRIVILEGES = ("sensitive:behavioral_health", "sensitive:substance_use", "sensitive:hiv", "phi:full", "x:y")
ROLES = ("analyst", "supervisor", "auditor", "janitor")
COMBOS = [(r, lob, s) for r in REGIONS for lob in LOBS for s in SENSITIVITIES]

pairs = st.tuples(st.sampled_from(REGIONS), st.sampled_from(LOBS))
principals = st.builds(
    Principal,
    principal_id=st.just("staff:X"),
    kind=st.just("staff"),
    role=st.sampled_from(ROLES),
    active=st.booleans(),
    assignments=st.frozensets(pairs, max_size=4),
    privileges=st.frozensets(st.sampled_from(PRIVILEGES)),
)
any_principal = st.one_of(
    principals,
    st.builds(
        service_principal,
        st.just("svc"),
        assignments=st.none() | st.frozensets(pairs, max_size=3),
        sensitivities=st.none() | st.frozensets(st.sampled_from(SENSITIVITIES[1:])),
    ),
)
grant_extras = st.lists(
    st.one_of(
        st.just({"kind": "assignment_contains"}),
        st.just({"kind": "sensitivity_permitted"}),
        st.builds(lambda p: {"kind": "has_privilege", "privilege": p}, st.sampled_from(PRIVILEGES)),
    ),
    max_size=3,
    unique_by=lambda c: c["kind"],
)
deny_conditions = st.lists(
    st.one_of(
        st.builds(lambda p: {"kind": "has_privilege", "privilege": p}, st.sampled_from(PRIVILEGES)),
        st.builds(lambda p: {"kind": "lacks_privilege", "privilege": p}, st.sampled_from(PRIVILEGES)),
        st.builds(
            lambda f, v: {"kind": "record_in", "field": f, "values": v},
            st.sampled_from(("region", "line_of_business", "sensitivity")),
            st.lists(st.sampled_from(REGIONS + LOBS + SENSITIVITIES), min_size=1, max_size=3),
        ),
    ),
    min_size=1,
    max_size=3,
)
denies = st.builds(
    lambda when, roles: {"reason": "test deny", "when": when, **({"roles": roles} if roles else {})},
    deny_conditions,
    st.none() | st.lists(st.sampled_from(ROLES[:3]), min_size=1, max_size=2),
)


@st.composite
def policies(draw: st.DrawFn) -> dict[str, Any]:
    """A random valid policy document as plain data."""
    roles: dict[str, Any] = {}
    for role in (*ROLES[:3], "service"):
        read = [{"kind": "principal_active"}, *draw(grant_extras)] if draw(st.booleans()) else None
        roles[role] = {"read": read} if read else {}
    return {
        "version": "test@1",
        "fields": {"phi": ["ssn"], "unmask_privilege": "phi:full"},
        "reference": {"read": [{"kind": "principal_active"}]},
        "roles": roles,
        "deny": draw(st.lists(denies, max_size=3)),
    }


@pytest.fixture(scope="module")
def db() -> Iterator[Engine]:
    """Claims and index documents for every attribute combination, plus reference and broken documents."""
    engine = create_engine("sqlite://")
    t.metadata.create_all(engine)
    index_metadata.create_all(engine)
    claims, docs = [], []
    for r, lob, s in COMBOS:
        cid = f"{r}/{lob}/{s}"
        claims.append(attribute_claim(r, lob, s))
        docs.append(_doc(f"note:{cid}", "claim", r, lob, s))
    docs.append(_doc("policy:P", "reference", None, None, None))
    docs.append(_doc("note:broken", "claim", "north", None, "none"))
    with engine.begin() as conn:
        conn.execute(t.claims.insert(), claims)
        conn.execute(documents.insert(), docs)
    yield engine
    engine.dispose()


def _doc(doc_id: str, access: str, r: str | None, lob: str | None, s: str | None) -> dict[str, Any]:
    return {
        "doc_id": doc_id,
        "kind": "note",
        "source_id": doc_id,
        "claim_id": None,
        "access_class": access,
        "region": r,
        "line_of_business": lob,
        "sensitivity": s,
        "source_version": "1",
        "title": "",
        "body": "",
    }


def _allowed_claims(policy: PolicyDocument, p: Principal) -> set[str]:
    return {
        f"{r}/{lob}/{s}"
        for r, lob, s in COMBOS
        if policy.decide_read(p, ClaimAttributes(region=r, line_of_business=lob, sensitivity=s)).allowed
    }


def _legacy_scope(principal: Principal) -> ClaimScope:
    """The hand-written compilation of CLAIMS_POLICY.md that the default document replaced."""
    readable = (
        principal.active
        and principal.role in ("analyst", "supervisor", "service")
        and (principal.assignments is None or bool(principal.assignments))
    )
    sens = (
        None
        if principal.all_sensitivities
        else frozenset({"none", *(p[10:] for p in principal.privileges if p.startswith("sensitive:"))})
    )
    return ClaimScope(
        principal_id=principal.principal_id,
        readable=readable,
        pairs=principal.assignments,
        sensitivities=sens,
        phi_unmasked=readable and "phi:full" in principal.privileges,
        reasons=(),
    )


@given(principal=any_principal)
def test_default_policy_compiles_to_the_hand_written_scope(principal: Principal) -> None:
    """The shipped policy file compiles, for any principal, to exactly the scope the hand-written rules gave."""
    got, want = default_policy().claim_scope(principal), _legacy_scope(principal)
    assert got.readable == want.readable
    assert got.phi_unmasked == want.phi_unmasked
    assert got.denied == ()
    if want.readable:
        assert (got.pairs, got.sensitivities) == (want.pairs, want.sensitivities)
    else:
        assert got.reasons


@settings(max_examples=250, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(data=policies(), principal=any_principal)
def test_random_policies_pushdown_index_filter_and_decision_agree(
    db: Engine, data: dict[str, Any], principal: Principal
) -> None:
    """For random policies and principals, SQL pushdown, the index filter and decide_read select the same records."""
    policy = parse_policy(data)
    scope = policy.claim_scope(principal)
    index_filter = policy.index_filter(principal)
    expected = _allowed_claims(policy, principal)
    with db.connect() as conn:
        by_sql = set(
            conn.execute(select(t.claims.c.claim_id).where(scope_predicate(scope, t.claims))).scalars()
        )
        by_index = set(
            conn.execute(select(documents.c.doc_id).where(index_predicate(index_filter, documents))).scalars()
        )
    assert by_sql == expected
    assert {s.removeprefix("note:") for s in by_index if s.startswith("note:")} == expected
    assert ("policy:P" in by_index) == (principal.active and policy.decide_reference_read(principal).allowed)
    assert "note:broken" not in by_index
    for r, lob, s in COMBOS:
        doc = DocumentAttributes(access_class="claim", region=r, line_of_business=lob, sensitivity=s)
        assert index_filter.permits(doc) == (f"{r}/{lob}/{s}" in expected)


@given(data=policies(), extra=denies, principal=any_principal)
def test_adding_a_deny_never_widens_access(
    data: dict[str, Any], extra: dict[str, Any], principal: Principal
) -> None:
    """A policy with one more deny rule permits a subset of what it permitted before, compiled or interpreted."""
    before = parse_policy(data)
    after = parse_policy({**data, "deny": [*data["deny"], extra]})
    assert _allowed_claims(after, principal) <= _allowed_claims(before, principal)
    for r, lob, s in COMBOS:
        attrs = ClaimAttributes(region=r, line_of_business=lob, sensitivity=s)
        assert not (
            after.claim_scope(principal).permits(attrs) and not before.claim_scope(principal).permits(attrs)
        )


@given(
    principal=any_principal,
    record=st.dictionaries(
        st.sampled_from(("first_name", "ssn", "address", "birth_date", "plan_id")), st.text(max_size=12)
    ),
)
def test_masking_is_idempotent_and_model_never_sees_dropped_fields(
    principal: Principal, record: dict[str, str]
) -> None:
    """Masking twice equals masking once; PHI stays hidden without phi:full; dropped fields never reach a model."""
    masks: FieldMasks = default_policy().field_masks(principal)
    once = masks.apply(record)
    assert masks.apply(once) == once
    if "phi:full" not in principal.privileges:
        for field in ("first_name", "ssn", "address", "birth_date"):
            if record.get(field) and record[field] != "***":
                assert once[field] != record[field]
    assert not set(masks.for_model(record)) & {"first_name", "last_name", "ssn", "address", "birth_date"}


def test_default_policy_finalization_limit_and_privilege() -> None:
    """Analysts finalize up to 10,000.00; above that only with approve:high_value; auditors never."""
    policy = default_policy()
    attrs = ClaimAttributes(region="north", line_of_business="commercial", sensitivity="none")
    base = {
        "principal_id": "staff:A",
        "kind": "staff",
        "active": True,
        "assignments": frozenset({("north", "commercial")}),
    }
    analyst = Principal(role="analyst", privileges=frozenset(), **base)  # type: ignore[arg-type]
    senior = Principal(role="analyst", privileges=frozenset({"approve:high_value"}), **base)  # type: ignore[arg-type]
    auditor = Principal(role="auditor", privileges=frozenset({"approve:high_value"}), **base)  # type: ignore[arg-type]
    assert policy.decide_finalize(analyst, attrs, Decimal("10000.00")).allowed
    refused = policy.decide_finalize(analyst, attrs, Decimal("10000.01"))
    assert not refused.allowed and "approve:high_value" in refused.reasons[0]
    assert policy.decide_finalize(senior, attrs, Decimal("50000.00")).allowed
    assert not policy.decide_finalize(auditor, attrs, Decimal("1.00")).allowed


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("version = ", "not valid TOML"),
        ('version = "v"\n[fields]\nphi=["ssn"]\nunmask_privilege="phi:full"\n', "reference: Field required"),
        (
            'version="v"\n[fields]\nphi=["ssn"]\nunmask_privilege="p"\n[reference]\nread=[{kind="principal_active"}]\n'
            '[roles.a]\nread=[{kind="assignment_contains"}]\n',
            "must include principal_active",
        ),
        (
            'version="v"\n[fields]\nphi=["ssn"]\nunmask_privilege="p"\n[reference]\nread=[{kind="principal_active"}]\n'
            '[roles.a]\nread=[{kind="principal_active"}, {kind="teleport"}]\n',
            "roles.a.read.1",
        ),
        (
            'version="v"\n[fields]\nphi=["ssn"]\nunmask_privilege="p"\n[reference]\nread=[{kind="principal_active"}]\n'
            '[roles.a]\nfinalize={limit="10.001", above_limit_privilege="x"}\n',
            "roles.a.finalize.limit",
        ),
        (
            'version="v"\n[fields]\nphi=["ssn"]\nunmask_privilege="p"\n[reference]\nread=[{kind="principal_active"}]\n'
            '[roles.a]\n[[deny]]\nreason="r"\nroles=["ghost"]\nwhen=[{kind="lacks_privilege", privilege="x"}]\n',
            "unknown role(s) ghost",
        ),
    ],
)
def test_invalid_policies_are_refused_with_a_located_message(text: str, message: str) -> None:
    """Each kind of mistake in a policy file is refused with a message naming where it is."""
    with pytest.raises(PolicyInvalid) as caught:
        parse_policy_toml(text)
    assert message in str(caught.value)


def test_policy_objects_are_frozen() -> None:
    """A validated policy cannot be changed after start-up."""
    with pytest.raises(Exception, match="frozen"):
        default_policy().version = "other"
