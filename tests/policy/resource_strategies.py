"""Hypothesis strategies for policies over a randomly declared resource, and its records.

The resource ``ledger`` is declared afresh for every example: two to four attributes
with random names, each held in a column whose name may differ from the attribute's,
an assignment over zero to two of them, and an optional sensitive attribute with its
own privilege prefix. A second, fixed resource ``other`` lets roles and deny rules be
scoped to a resource that is not ``ledger``. Nothing in ``interlock`` knows any of
these names: that the compiler handles them is the point.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from typing import Any

from hypothesis import strategies as st

from interlock.policy.principal import Principal

RESOURCE = "ledger"
OTHER = "other"
ATTRIBUTE_POOL = ("region", "line_of_business", "company_code", "department", "confidentiality")
VALUES = ("a", "b", "none")
PREFIXES = ("sensitive:", "conf:")
PRIVILEGES = ("sensitive:a", "sensitive:b", "conf:a", "conf:b", "unmask", "p:1")
ROLES = ("clerk", "manager", "auditor", "service")


@dataclass(frozen=True)
class Case:
    """A random policy (as plain data) over a random ``ledger`` declaration."""

    data: dict[str, Any]
    attributes: dict[str, str]
    assignment: tuple[str, ...]

    @property
    def records(self) -> list[dict[str, str]]:
        """Every combination of attribute values: one record each."""
        names = list(self.attributes)
        return [
            dict(zip(names, values, strict=True)) for values in itertools.product(VALUES, repeat=len(names))
        ]


def record_id(record: dict[str, str]) -> str:
    """A record's id: its values in attribute order."""
    return "/".join(record.values())


@st.composite
def declarations(draw: st.DrawFn) -> dict[str, Any]:
    """A random ``[resources.ledger]`` table."""
    names = draw(st.lists(st.sampled_from(ATTRIBUTE_POOL), min_size=2, max_size=4, unique=True))
    attributes = {n: draw(st.sampled_from((n, f"col_{n}"))) for n in names}
    assignment = draw(st.lists(st.sampled_from(names), max_size=2, unique=True))
    declaration: dict[str, Any] = {
        "record_name": "entry",
        "attributes": attributes,
        "assignment": assignment,
        "fields": {"masked": ["iban"], "unmask_privilege": "unmask", "model_never_sees": ["iban"]},
        "rls": {
            "table": "ledger",
            "via": [{"table": "ledger_lines", "column": "entry_id", "parent_column": "id"}],
        },
    }
    if draw(st.booleans()):
        declaration["sensitivity"] = {
            "attribute": draw(st.sampled_from(names)),
            "unrestricted": "none",
            "privilege_prefix": draw(st.sampled_from(PREFIXES)),
        }
    return declaration


@st.composite
def cases(draw: st.DrawFn) -> Case:
    """A random policy governing ``ledger`` (random) and ``other`` (fixed)."""
    ledger = draw(declarations())
    names = list(ledger["attributes"])
    roles: dict[str, Any] = {}
    for role in ROLES:
        if not draw(st.booleans()):
            roles[role] = {}
            continue
        read: list[dict[str, Any]] = [{"kind": "principal_active"}]
        if ledger["assignment"] and draw(st.booleans()):
            read.append({"kind": "assignment_contains"})
        if "sensitivity" in ledger and draw(st.booleans()):
            read.append({"kind": "sensitivity_permitted"})
        if draw(st.booleans()):
            read.append({"kind": "has_privilege", "privilege": draw(st.sampled_from(PRIVILEGES))})
        roles[role] = {"read": read}
        scope = draw(st.sampled_from((None, [RESOURCE], [OTHER])))
        if scope is not None:
            roles[role]["resources"] = scope
    return Case(
        data={
            "version": "generic@1",
            "reference": {"read": [{"kind": "principal_active"}]},
            "resources": {
                RESOURCE: ledger,
                OTHER: {
                    "record_name": "other",
                    "attributes": {"x": "x", "s": "s"},
                    "assignment": ["x"],
                    "sensitivity": {"attribute": "s"},
                },
            },
            "roles": roles,
            "deny": draw(st.lists(denies(names), max_size=3)),
        },
        attributes=ledger["attributes"],
        assignment=tuple(ledger["assignment"]),
    )


def denies(names: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """A deny rule about ``ledger``'s attributes, or about ``other``'s, with or without ``resources``."""

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        target = draw(st.sampled_from((RESOURCE, OTHER)))
        fields = names if target == RESOURCE else ["x", "s"]
        when = draw(
            st.lists(
                st.one_of(
                    st.builds(
                        lambda p: {"kind": "has_privilege", "privilege": p}, st.sampled_from(PRIVILEGES)
                    ),
                    st.builds(
                        lambda p: {"kind": "lacks_privilege", "privilege": p}, st.sampled_from(PRIVILEGES)
                    ),
                    st.builds(
                        lambda f, v: {"kind": "record_in", "field": f, "values": v},
                        st.sampled_from(fields),
                        st.lists(st.sampled_from(VALUES), min_size=1, max_size=2),
                    ),
                ),
                min_size=1,
                max_size=3,
            )
        )
        rule: dict[str, Any] = {"reason": "test deny", "when": when}
        if draw(st.booleans()):
            rule["resources"] = [target]
        if draw(st.booleans()):
            rule["roles"] = draw(st.lists(st.sampled_from(ROLES), min_size=1, max_size=2, unique=True))
        return rule

    return build()


@st.composite
def principals(draw: st.DrawFn, case: Case) -> Principal:
    """A random principal: staff or service, with assignments for ``ledger`` (of any arity) or none."""
    arity = len(case.assignment)
    tuples = st.frozensets(st.tuples(*([st.sampled_from(VALUES)] * max(arity, 1))), max_size=4)
    by_resource: dict[str, frozenset[tuple[str, ...]] | None] = {}
    if draw(st.booleans()):
        by_resource[RESOURCE] = draw(st.none() | tuples)
    legacy = draw(
        st.none() | st.frozensets(st.tuples(st.sampled_from(VALUES), st.sampled_from(VALUES)), max_size=2)
    )
    kind = draw(st.sampled_from(("staff", "service")))
    return Principal(
        principal_id=f"{kind}:P",
        kind=kind,
        role=draw(st.sampled_from((*ROLES, "janitor"))),
        active=draw(st.booleans()),
        assignments=legacy,
        privileges=draw(st.frozensets(st.sampled_from(PRIVILEGES))),
        all_sensitivities=draw(st.booleans()),
        resource_assignments=by_resource,
    )


@st.composite
def reading_cases(draw: st.DrawFn) -> tuple[Case, Principal]:
    """A case and a principal; in most of them the principal is active and its role reads ``ledger``.

    Unbiased draws mostly give principals who read nothing, where assignments,
    sensitivities and deny rules cannot show.
    """
    case = draw(cases())
    principal = draw(principals(case))
    if principal.role == "janitor" or draw(st.integers(0, 3)) == 0:
        return case, principal
    ledger = case.data["resources"][RESOURCE]
    read: list[dict[str, Any]] = [{"kind": "principal_active"}]
    if ledger["assignment"] and draw(st.booleans()):
        read.append({"kind": "assignment_contains"})
    if "sensitivity" in ledger and draw(st.booleans()):
        read.append({"kind": "sensitivity_permitted"})
    roles = {**case.data["roles"], principal.role: {"read": read, "resources": [RESOURCE]}}
    held = principal.resource_assignments
    if RESOURCE not in held:
        arity = max(len(case.assignment), 1)
        tuples = st.frozensets(st.tuples(*([st.sampled_from(VALUES)] * arity)), min_size=1, max_size=4)
        held = {**held, RESOURCE: draw(tuples)}
    return (
        Case(data={**case.data, "roles": roles}, attributes=case.attributes, assignment=case.assignment),
        replace(principal, active=True, resource_assignments=held),
    )
