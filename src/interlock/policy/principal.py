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
    operator. ``all_sensitivities`` likewise grants every sensitivity. ``grants`` are
    the (task, action) pairs a service key was given in the key file; ``None`` leaves
    what the principal may do to the policy alone (staff, and services configured by
    the operator rather than by a key).
    """

    principal_id: str
    kind: PrincipalKind
    role: str
    active: bool
    assignments: frozenset[tuple[str, str]] | None
    privileges: frozenset[str]
    all_sensitivities: bool = False
    grants: frozenset[tuple[str, str]] | None = None

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
    grants: frozenset[tuple[str, str]] | None = None,
) -> Principal:
    """The service principal of automatic processing, scoped by the operator.

    By default it may process every claim (all regions, lines of business and
    sensitivities); it never holds ``phi:full`` or ``approve:high_value``, so PHI stays
    masked and high-value claims always reach a person. An API key's principal is
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
        grants=grants,
    )
