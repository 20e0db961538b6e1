"""Principals: who is asking. Built from the system of record's staff tables."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Final, Literal

PrincipalKind = Literal["staff", "service"]
#: The attributes :attr:`Principal.assignments`' pairs are values of (a claim's).
LEGACY_ASSIGNMENT: Final = ("region", "line_of_business")
#: Per resource: assignment tuples over its assignment attributes, ``None`` = every tuple.
ResourceAssignments = Mapping[str, frozenset[tuple[str, ...]] | None]


@dataclass(frozen=True, slots=True, kw_only=True)
class Principal:
    """A staff member or the service principal of automatic processing.

    ``assignments`` is the set of (region, line of business) pairs the principal works;
    ``None`` means every pair and is only ever given to a service principal by the
    operator. ``all_sensitivities`` likewise grants every sensitivity. ``grants`` are
    the (task, action) pairs a service key was given in the key file; ``None`` leaves
    what the principal may do to the policy alone (staff, and services configured by
    the operator rather than by a key).

    ``resource_assignments`` gives the assignments of other resources (tuples over a
    resource's declared assignment attributes, ``None`` = every tuple); a resource it
    does not name falls back to ``assignments`` (see :meth:`assignments_for`).
    ``attributes`` holds numeric staff attributes such as ``approval_limit``, which an
    approval rule compares with a record's amount.
    """

    principal_id: str
    kind: PrincipalKind
    role: str
    active: bool
    assignments: frozenset[tuple[str, str]] | None
    privileges: frozenset[str]
    all_sensitivities: bool = False
    resource_assignments: ResourceAssignments = field(default_factory=dict, hash=False)
    attributes: Mapping[str, Decimal] = field(default_factory=dict, hash=False)
    grants: frozenset[tuple[str, str]] | None = None

    def assignments_for(
        self, resource: str, attributes: tuple[str, ...]
    ) -> frozenset[tuple[str, ...]] | None:
        """The principal's assignment tuples for ``resource``, whose assignment is ``attributes``.

        An entry of :attr:`resource_assignments` wins. Otherwise ``assignments`` applies:
        ``None`` (every tuple, the operator's unlimited service principal) for every
        resource, and its (region, line of business) pairs only to a resource whose
        assignment attributes are exactly those; any other resource gets no tuple.
        """
        if resource in self.resource_assignments:
            return self.resource_assignments[resource]
        if self.assignments is None:
            return None
        if attributes == LEGACY_ASSIGNMENT:
            return self.assignments
        return frozenset()

    def may(self, task: str, action: str) -> bool:
        """False when the principal's own grants (an API key's scope) leave out ``action`` of ``task``."""
        return self.grants is None or (task, action) in self.grants

    def may_run(self, task: str) -> bool:
        """False when the principal's own grants give it no action at all in ``task``."""
        return self.grants is None or any(t == task for t, _ in self.grants)

    @property
    def decided_by(self) -> str:
        """The ``decided_by`` value this principal writes (SPEC.md ``adjudications``)."""
        if self.kind == "staff":
            return self.principal_id
        return "auto:" + self.principal_id.removeprefix("service:")


def staff_principal(
    *,
    staff_id: str,
    role: str,
    active: bool,
    assignments: frozenset[tuple[str, str]],
    privileges: frozenset[str],
    resource_assignments: ResourceAssignments | None = None,
    attributes: Mapping[str, Decimal] | None = None,
) -> Principal:
    """A principal for one row of ``staff`` with its assignments, privileges and attributes."""
    return Principal(
        principal_id=f"staff:{staff_id}",
        kind="staff",
        role=role,
        active=active,
        assignments=assignments,
        privileges=privileges,
        resource_assignments=dict(resource_assignments or {}),
        attributes=dict(attributes or {}),
    )


def service_principal(
    name: str = "interlock",
    *,
    assignments: frozenset[tuple[str, str]] | None = None,
    sensitivities: frozenset[str] | None = None,
    resource_assignments: ResourceAssignments | None = None,
    attributes: Mapping[str, Decimal] | None = None,
    grants: frozenset[tuple[str, str]] | None = None,
) -> Principal:
    """The service principal of automatic processing, scoped by the operator.

    By default it may process every claim (all regions, lines of business and
    sensitivities); it never holds ``phi:full`` or ``approve:high_value``, so PHI stays
    masked and high-value claims always reach a person. ``resource_assignments`` narrows
    other resources (by default it works every tuple of each); ``attributes`` (say an
    ``approval_limit``) is what an approval rule comparing with a staff attribute reads:
    without it, the service approves nothing under such a rule. An API key's principal is
    built with the key's declared scope instead (:mod:`interlock.api.keys`).
    """
    privileges = frozenset(f"sensitive:{s}" for s in (sensitivities or ()))
    return Principal(
        principal_id=f"service:{name}",
        kind="service",
        role="service",
        active=True,
        assignments=assignments,
        privileges=privileges,
        all_sensitivities=sensitivities is None,
        resource_assignments=dict(resource_assignments or {}),
        attributes=dict(attributes or {}),
        grants=grants,
    )
