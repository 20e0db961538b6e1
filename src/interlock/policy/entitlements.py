"""The entitlement rules of CLAIMS_POLICY.md as pure decisions and one compiled scope.

``claim_scope`` compiles a principal's read rights into a :class:`ClaimScope` once;
retrieval turns that scope into a SQL predicate and the in-memory check
(:meth:`ClaimScope.permits`) uses the very same value, so the two cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from interlock.policy.principal import Principal

POLICY_VERSION = "claims-entitlements@1"
HIGH_VALUE_LIMIT = Decimal("10000.00")
CLAIM_ROLES = frozenset({"analyst", "supervisor", "service"})
PHI_FIELDS = ("first_name", "last_name", "birth_date", "ssn", "address")
#: Fields a model is never sent, whatever the principal may see.
MODEL_DROPPED_FIELDS = ("first_name", "last_name", "ssn", "address", "birth_date")


@dataclass(frozen=True, slots=True, kw_only=True)
class Decision:
    """An allow or deny, always with the reasons that produced it."""

    allowed: bool
    reasons: tuple[str, ...]
    policy_version: str = POLICY_VERSION


@dataclass(frozen=True, slots=True, kw_only=True)
class ClaimAttributes:
    """The attributes of a claim that entitlements depend on."""

    region: str
    line_of_business: str
    sensitivity: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ClaimScope:
    """What a principal may read, compiled once: pushed into queries and checked in memory.

    ``pairs`` of ``None`` means every (region, line of business); ``sensitivities`` of
    ``None`` means every sensitivity. ``readable`` false means nothing at all.
    """

    principal_id: str
    readable: bool
    pairs: frozenset[tuple[str, str]] | None
    sensitivities: frozenset[str] | None
    phi_unmasked: bool
    reasons: tuple[str, ...]
    policy_version: str = POLICY_VERSION

    def permits(self, attrs: ClaimAttributes) -> bool:
        """The in-memory form of the predicate retrieval pushes into SQL."""
        if not self.readable:
            return False
        if self.pairs is not None and (attrs.region, attrs.line_of_business) not in self.pairs:
            return False
        return self.sensitivities is None or attrs.sensitivity in self.sensitivities


def claim_scope(principal: Principal) -> ClaimScope:
    """Compile ``principal``'s claim read rights (default-deny)."""
    reasons: list[str] = []
    readable = True
    if not principal.active:
        readable = False
        reasons.append("principal is inactive")
    if principal.role not in CLAIM_ROLES:
        readable = False
        reasons.append(f"role {principal.role!r} may not read claim content")
    if principal.assignments is not None and not principal.assignments:
        readable = False
        reasons.append("principal has no assignments")
    sensitivities: frozenset[str] | None
    if principal.all_sensitivities:
        sensitivities = None
    else:
        granted = {p.removeprefix("sensitive:") for p in principal.privileges if p.startswith("sensitive:")}
        sensitivities = frozenset({"none", *granted})
    if readable:
        reasons.append("claims of assigned region and line of business")
        reasons.append(
            "sensitivities: " + ("all" if sensitivities is None else ", ".join(sorted(sensitivities)))
        )
    return ClaimScope(
        principal_id=principal.principal_id,
        readable=readable,
        pairs=principal.assignments,
        sensitivities=sensitivities,
        phi_unmasked=readable and "phi:full" in principal.privileges,
        reasons=tuple(reasons),
    )


def decide_read(principal: Principal, attrs: ClaimAttributes) -> Decision:
    """May ``principal`` read a claim with ``attrs``? With the reasons either way."""
    scope = claim_scope(principal)
    if not scope.readable:
        return Decision(allowed=False, reasons=scope.reasons)
    if scope.pairs is not None and (attrs.region, attrs.line_of_business) not in scope.pairs:
        return Decision(allowed=False, reasons=("claim is outside the principal's assignments",))
    if scope.sensitivities is not None and attrs.sensitivity not in scope.sensitivities:
        return Decision(allowed=False, reasons=(f"principal lacks sensitive:{attrs.sensitivity}",))
    return Decision(allowed=True, reasons=("claim within assignments and permitted sensitivity",))


def decide_finalize(principal: Principal, attrs: ClaimAttributes, total_billed: Decimal) -> Decision:
    """May ``principal`` finalize (approve or deny) a claim? Reading is a prerequisite."""
    read = decide_read(principal, attrs)
    if not read.allowed:
        return read
    if total_billed > HIGH_VALUE_LIMIT and "approve:high_value" not in principal.privileges:
        return Decision(
            allowed=False, reasons=("high-value claim and the principal lacks approve:high_value",)
        )
    return Decision(allowed=True, reasons=(*read.reasons, "within the principal's finalization limit"))


def mask_value(field: str, value: str) -> str:
    """The masked form of a PHI field shown to a principal without ``phi:full``.

    Every character is hidden (no initials, no last four digits): partial values are
    enough to re-identify a member when combined with a claim's other fields.
    """
    del field  # one rule for every PHI field
    return "***" if value else value
