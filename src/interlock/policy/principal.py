"""Principals: who is asking. Built from the system of record's staff tables."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

PrincipalKind = Literal["staff", "service"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Principal:
    """A staff member or the service principal of automatic processing.

    ``assignments`` is the set of (region, line of business) pairs the principal works;
    ``None`` means every pair and is only ever given to a service principal by the
    operator. ``all_sensitivities`` likewise grants every sensitivity.
    """

    principal_id: str
    kind: PrincipalKind
    role: str
    active: bool
    assignments: frozenset[tuple[str, str]] | None
    privileges: frozenset[str]
    all_sensitivities: bool = False

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
) -> Principal:
    """A principal for one row of ``staff`` with its assignments and privileges."""
    return Principal(
        principal_id=f"staff:{staff_id}",
        kind="staff",
        role=role,
        active=active,
        assignments=assignments,
        privileges=privileges,
    )


def service_principal(
    name: str = "interlock",
    *,
    assignments: frozenset[tuple[str, str]] | None = None,
    sensitivities: frozenset[str] | None = None,
) -> Principal:
    """The service principal of automatic processing, scoped by the operator.

    By default it may process every claim (all regions, lines of business and
    sensitivities); it never holds ``phi:full`` or ``approve:high_value``, so PHI stays
    masked and high-value claims always reach a person.
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
    )
