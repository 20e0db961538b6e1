"""The entitlement rules of CLAIMS_POLICY.md as pure decisions and one compiled scope.

The rules themselves are data: the shipped policy document
(:mod:`interlock.policy.document`, ``default_policy.toml``). The functions here are
the stable entry points the engine, the gate and the connectors call; each uses the
default document. ``claim_scope`` compiles a principal's read rights into a
:class:`ClaimScope` once; retrieval turns that scope into a SQL predicate and the
in-memory check (:meth:`ClaimScope.permits`) uses the very same value, so the two
cannot drift apart.
"""

from __future__ import annotations

from decimal import Decimal

from interlock.policy.document import default_policy
from interlock.policy.principal import Principal
from interlock.policy.resources import DEFAULT_RESOURCE
from interlock.policy.values import (
    ClaimAttributes,
    ClaimScope,
    Decision,
    FieldMasks,
    IndexFilter,
    RecordMatch,
    mask_value,
)

__all__ = [
    "CLAIM_ROLES",
    "HIGH_VALUE_LIMIT",
    "MODEL_DROPPED_FIELDS",
    "PHI_FIELDS",
    "POLICY_VERSION",
    "ClaimAttributes",
    "ClaimScope",
    "Decision",
    "FieldMasks",
    "IndexFilter",
    "RecordMatch",
    "claim_scope",
    "decide_finalize",
    "decide_read",
    "field_masks",
    "index_filter",
    "mask_value",
]

POLICY_VERSION = default_policy().version
HIGH_VALUE_LIMIT = Decimal("10000.00")
CLAIM_ROLES = frozenset(name for name, role in default_policy().roles.items() if role.read is not None)
PHI_FIELDS = default_policy().resource(DEFAULT_RESOURCE).fields.masked
#: Fields a model is never sent, whatever the principal may see.
MODEL_DROPPED_FIELDS = default_policy().resource(DEFAULT_RESOURCE).fields.model_never_sees


def claim_scope(principal: Principal) -> ClaimScope:
    """Compile ``principal``'s claim read rights under the default policy (default-deny)."""
    return default_policy().claim_scope(principal)


def index_filter(principal: Principal) -> IndexFilter:
    """What ``principal`` may retrieve from the search index under the default policy."""
    return default_policy().index_filter(principal)


def field_masks(principal: Principal) -> FieldMasks:
    """Which fields ``principal`` sees masked under the default policy."""
    return default_policy().field_masks(principal)


def decide_read(principal: Principal, attrs: ClaimAttributes) -> Decision:
    """May ``principal`` read a claim with ``attrs``? With the reasons either way."""
    return default_policy().decide_read(principal, attrs)


def decide_finalize(principal: Principal, attrs: ClaimAttributes, total_billed: Decimal) -> Decision:
    """May ``principal`` finalize (approve or deny) a claim? Reading is a prerequisite."""
    return default_policy().decide_finalize(principal, attrs, total_billed)
