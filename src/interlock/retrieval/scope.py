"""Compile a scope into the SQL predicate pushed into every query of a resource's records.

The predicate is built from the same scope value whose ``permits`` method decides in
memory, so the database filter and the in-memory check agree by construction; the
property tests check that they agree on random scopes and records anyway.

One compiler serves every resource: a :class:`~interlock.policy.values.ResourceScope`
names its attributes and the columns holding them, so the predicate applies to any
table with those columns. A :class:`~interlock.policy.values.ClaimScope` (the
claims-era value) is compiled as the generic scope it stands for.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from sqlalchemy import ColumnElement, Table, and_, false, not_, or_, true, tuple_

from interlock.policy.values import (
    AttributeMatch,
    ClaimScope,
    IndexFilter,
    ResourceIndexFilter,
    ResourceScope,
)

#: Up to this many assignment tuples compile to ``(a = .. AND b = ..) OR ...``; more to a
#: row-value ``IN`` list.
_OR_TUPLES = 8


def scope_predicate(
    scope: ClaimScope | ResourceScope, table: Table, *, columns: Mapping[str, str] | None = None
) -> ColumnElement[bool]:
    """A boolean SQL expression over ``table`` that is true exactly for permitted rows.

    ``table`` is any table with the scope's columns: the resource's table in the system
    of record, or a search index's documents. ``columns`` overrides the scope's
    attribute -> column map (a search index names its columns after the attributes).
    """
    generic = scope.as_resource_scope() if isinstance(scope, ClaimScope) else scope
    names = dict(columns) if columns is not None else generic.column_map()

    def column(attribute: str) -> ColumnElement[str]:
        return table.c[names[attribute]]

    if not generic.readable:
        return false()
    parts: list[ColumnElement[bool]] = []
    if generic.assignments is not None:
        if not generic.assignments:
            return false()
        tuples = sorted(generic.assignments)
        cols = [column(a) for a in generic.assignment]
        if len(cols) == 1:
            parts.append(cols[0].in_([t[0] for t in tuples]))
        elif len(tuples) <= _OR_TUPLES:
            parts.append(or_(*(and_(*(c == v for c, v in zip(cols, t, strict=True))) for t in tuples)))
        else:
            parts.append(tuple_(*cols).in_(tuples))
    if generic.sensitivities is not None and generic.sensitive_attribute is not None:
        parts.append(column(generic.sensitive_attribute).in_(sorted(generic.sensitivities)))
    if generic.denied:
        parts.append(not_(or_(*(_match(m, column) for m in generic.denied))))
    return and_(true(), *parts)


def _match(match: AttributeMatch, column: Callable[[str], ColumnElement[str]]) -> ColumnElement[bool]:
    """True for rows matching one deny target (an empty conjunction matches every row)."""
    return and_(true(), *(column(attribute).in_(sorted(values)) for attribute, values in match.constraints))


def index_predicate(index_filter: IndexFilter, documents: Table) -> ColumnElement[bool]:
    """A boolean SQL expression over the search index's documents, true exactly for permitted ones.

    Reference documents (``access_class = 'reference'``) follow the reference grant;
    claim documents follow the claim scope over their copied access attributes. A
    document of any other class, or with a NULL attribute, matches nothing.
    """
    reference = documents.c.access_class == "reference" if index_filter.reference_readable else false()
    claims = and_(
        documents.c.access_class == "claim",
        documents.c.region.is_not(None),
        documents.c.line_of_business.is_not(None),
        documents.c.sensitivity.is_not(None),
        scope_predicate(index_filter.claims, documents),
    )
    return or_(reference, claims)


def resource_index_predicate(index_filter: ResourceIndexFilter, documents: Table) -> ColumnElement[bool]:
    """The same for an index of any resource's documents: ``access_class`` plus one column per attribute.

    The documents' attribute columns carry the attributes' own names (not the system
    of record's columns). A document with a NULL attribute matches nothing.
    """
    scope = index_filter.scope
    reference = documents.c.access_class == "reference" if index_filter.reference_readable else false()
    records = and_(
        documents.c.access_class == index_filter.access_class,
        *(documents.c[a].is_not(None) for a in scope.attributes),
        scope_predicate(scope, documents, columns={a: a for a in scope.attributes}),
    )
    return or_(reference, records)
