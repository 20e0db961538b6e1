"""Compile a :class:`ClaimScope` into the SQL predicate pushed into every claim query.

The predicate is built from the same scope value whose ``permits`` method decides in
memory, so the database filter and the in-memory check agree by construction; the
property tests check that they agree on random scopes and records anyway.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Table, and_, false, or_, true, tuple_

from interlock.policy.entitlements import ClaimScope


def scope_predicate(scope: ClaimScope, claims: Table) -> ColumnElement[bool]:
    """A boolean SQL expression over ``claims`` that is true exactly for permitted rows."""
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
    return and_(true(), *parts)
