"""Compile a :class:`ClaimScope` into the SQL predicate pushed into every claim query.

The predicate is built from the same scope value whose ``permits`` method decides in
memory, so the database filter and the in-memory check agree by construction; the
property tests check that they agree on random scopes and records anyway.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Table, and_, false, not_, or_, true, tuple_

from interlock.policy.values import ClaimScope, IndexFilter, RecordMatch


def scope_predicate(scope: ClaimScope, claims: Table) -> ColumnElement[bool]:
    """A boolean SQL expression over ``claims`` that is true exactly for permitted rows.

    ``claims`` is any table with ``region``, ``line_of_business`` and ``sensitivity``
    columns: the claims table of the system of record, or the search index's documents.
    """
    if not scope.readable:
        return false()
    parts: list[ColumnElement[bool]] = []
    if scope.pairs is not None:
        if not scope.pairs:
            return false()
        pairs = sorted(scope.pairs)
        parts.append(
            or_(*(and_(claims.c.region == r, claims.c.line_of_business == lob) for r, lob in pairs))
            if len(pairs) <= 8
            else tuple_(claims.c.region, claims.c.line_of_business).in_(pairs)
        )
    if scope.sensitivities is not None:
        parts.append(claims.c.sensitivity.in_(sorted(scope.sensitivities)))
    if scope.denied:
        parts.append(not_(or_(*(_match(m, claims) for m in scope.denied))))
    return and_(true(), *parts)


def _match(match: RecordMatch, claims: Table) -> ColumnElement[bool]:
    """True for rows matching one deny target (an empty conjunction matches every row)."""
    parts: list[ColumnElement[bool]] = []
    if match.regions is not None:
        parts.append(claims.c.region.in_(sorted(match.regions)))
    if match.lines_of_business is not None:
        parts.append(claims.c.line_of_business.in_(sorted(match.lines_of_business)))
    if match.sensitivities is not None:
        parts.append(claims.c.sensitivity.in_(sorted(match.sensitivities)))
    return and_(true(), *parts)


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
