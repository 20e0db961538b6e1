"""Any declared resource: SQL pushdown, index filter, in-memory scope and interpreter agree.

Each example declares a fresh resource (random attribute names, columns, assignment,
sensitivity; see ``resource_strategies``), builds a SQLite table with exactly the
declared columns and one row per combination of attribute values, and an index table
of the same records' documents. No code names the resource: a new declaration needs
no code change.
"""

from __future__ import annotations

from typing import Any

from hypothesis import event, given, settings
from hypothesis import strategies as st
from resource_strategies import RESOURCE, Case, denies, reading_cases, record_id
from sqlalchemy import Column, MetaData, String, Table, create_engine, select

from interlock.policy.document import parse_policy
from interlock.policy.principal import Principal
from interlock.retrieval.scope import resource_index_predicate, scope_predicate


def _allowed(data: dict[str, Any], case: Case, principal: Principal) -> set[str]:
    policy = parse_policy(data)
    return {record_id(r) for r in case.records if policy.decide_record_read(RESOURCE, principal, r).allowed}


def _tables(case: Case) -> tuple[MetaData, Table, Table]:
    metadata = MetaData()
    records = Table(
        "ledger",
        metadata,
        Column("id", String, primary_key=True),
        *(Column(column, String) for column in case.attributes.values()),
    )
    documents = Table(
        "documents",
        metadata,
        Column("doc_id", String, primary_key=True),
        Column("access_class", String),
        *(Column(attribute, String) for attribute in case.attributes),
    )
    return metadata, records, documents


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_sql_index_scope_and_interpreter_agree_on_any_declared_resource(data: st.DataObject) -> None:
    """For a random resource, policy and principal, every compiled form selects exactly the records decide_record_read allows."""
    case, principal = data.draw(reading_cases())
    policy = parse_policy(case.data)
    scope = policy.scope(RESOURCE, principal)
    index_filter = policy.resource_index_filter(RESOURCE, principal)
    expected = _allowed(case.data, case, principal)

    metadata, records, documents = _tables(case)
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    first = next(iter(case.attributes))
    with engine.begin() as conn:
        conn.execute(
            records.insert(),
            [{"id": record_id(r), **{case.attributes[a]: v for a, v in r.items()}} for r in case.records],
        )
        conn.execute(
            documents.insert(),
            [{"doc_id": f"doc:{record_id(r)}", "access_class": "entry", **r} for r in case.records]
            + [
                {"doc_id": "reference", "access_class": "reference", **dict.fromkeys(case.attributes)},
                {"doc_id": "foreign", "access_class": "claim", **case.records[0]},
                {"doc_id": "broken", "access_class": "entry", **{**case.records[0], first: None}},
            ],
        )
        by_sql = set(conn.execute(select(records.c.id).where(scope_predicate(scope, records))).scalars())
        by_index = set(
            conn.execute(
                select(documents.c.doc_id).where(resource_index_predicate(index_filter, documents))
            ).scalars()
        )
    engine.dispose()

    event("nothing" if not expected else "everything" if len(expected) == len(case.records) else "some")
    assert by_sql == expected
    assert {d.removeprefix("doc:") for d in by_index if d.startswith("doc:")} == expected
    assert ("reference" in by_index) == policy.decide_reference_read(principal).allowed
    assert "foreign" not in by_index and "broken" not in by_index
    for record in case.records:
        assert scope.permits(record) == (record_id(record) in expected)
        assert index_filter.permits("entry", record) == (record_id(record) in expected)
    assert not index_filter.permits("entry", {**case.records[0], first: None})


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_adding_a_deny_never_widens_access_to_any_resource(data: st.DataObject) -> None:
    """One more deny rule permits a subset of what the policy permitted before, compiled or interpreted."""
    case, principal = data.draw(reading_cases())
    extra = data.draw(denies(list(case.attributes)))
    after_data = {**case.data, "deny": [*case.data["deny"], extra]}
    assert _allowed(after_data, case, principal) <= _allowed(case.data, case, principal)
    before, after = (
        parse_policy(case.data).scope(RESOURCE, principal),
        parse_policy(after_data).scope(RESOURCE, principal),
    )
    assert not any(after.permits(r) and not before.permits(r) for r in case.records)


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_removing_an_assignment_or_privilege_never_widens_access(data: st.DataObject) -> None:
    """Taking a privilege or an assignment tuple away from a principal can only remove access.

    Deny rules conditioned on *holding* a privilege ("holders of X do not read Y") are
    the one way the language lets a privilege narrow access; they are left out here.
    """
    case, principal = data.draw(reading_cases())
    denies = [d for d in case.data["deny"] if all(c["kind"] != "has_privilege" for c in d["when"])]
    policy = parse_policy({**case.data, "deny": denies})
    privilege = data.draw(st.sampled_from(sorted(principal.privileges) or ["none"]))
    fewer = [Principal(**{**_fields(principal), "privileges": principal.privileges - {privilege}})]
    held = principal.resource_assignments.get(RESOURCE)
    if held:
        dropped = data.draw(st.sampled_from(sorted(held)))
        fewer.append(
            Principal(**{**_fields(principal), "resource_assignments": {RESOURCE: held - {dropped}}})
        )
    wider = policy.scope(RESOURCE, principal)
    for narrower in fewer:
        narrow = policy.scope(RESOURCE, narrower)
        for record in case.records:
            assert not (
                policy.decide_record_read(RESOURCE, narrower, record).allowed
                and not policy.decide_record_read(RESOURCE, principal, record).allowed
            )
            assert not (narrow.permits(record) and not wider.permits(record))


def _fields(p: Principal) -> dict[str, Any]:
    return {name: getattr(p, name) for name in Principal.__dataclass_fields__}


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_records_missing_a_declared_attribute_are_refused(data: st.DataObject) -> None:
    """A record without one of the declared attributes is refused by the scope and the interpreter alike."""
    case, principal = data.draw(reading_cases())
    policy = parse_policy(case.data)
    record = dict(data.draw(st.sampled_from(case.records)))
    del record[data.draw(st.sampled_from(sorted(record)))]
    assert not policy.scope(RESOURCE, principal).permits(record)
    assert not policy.decide_record_read(RESOURCE, principal, record).allowed
