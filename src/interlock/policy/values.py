"""The frozen values a policy compiles to: decisions, scopes, index filters and field masks.

They live apart from :mod:`interlock.policy.document` (which builds them) and
:mod:`interlock.policy.entitlements` (the public entry points) so that both can import
them without a cycle. Every value here is pure data with an in-memory ``permits``; the
SQL forms are built from the very same values in :mod:`interlock.retrieval.scope`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

DEFAULT_POLICY_VERSION = "claims-entitlements@3"

#: What every masked field shows. A fixed token: partial values (initials, last four
#: digits) re-identify a member when combined with a claim's other fields.
MASK = "***"

AccessClass = Literal["claim", "reference"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Decision:
    """An allow or deny, always with the reasons that produced it."""

    allowed: bool
    reasons: tuple[str, ...]
    policy_version: str = DEFAULT_POLICY_VERSION


@dataclass(frozen=True, slots=True, kw_only=True)
class ClaimAttributes:
    """The attributes of a claim that entitlements depend on."""

    region: str
    line_of_business: str
    sensitivity: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordMatch:
    """A conjunction over record attributes (``None`` = any value): the target of a deny."""

    regions: frozenset[str] | None = None
    lines_of_business: frozenset[str] | None = None
    sensitivities: frozenset[str] | None = None

    def matches(self, attrs: ClaimAttributes) -> bool:
        """True when every constrained attribute of ``attrs`` is among the listed values."""
        return (
            (self.regions is None or attrs.region in self.regions)
            and (self.lines_of_business is None or attrs.line_of_business in self.lines_of_business)
            and (self.sensitivities is None or attrs.sensitivity in self.sensitivities)
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class ClaimScope:
    """What a principal may read, compiled once: pushed into queries and checked in memory.

    ``pairs`` of ``None`` means every (region, line of business); ``sensitivities`` of
    ``None`` means every sensitivity. ``readable`` false means nothing at all. A record
    matching any of ``denied`` is excluded whatever the grant says (deny overrides).
    """

    principal_id: str
    readable: bool
    pairs: frozenset[tuple[str, str]] | None
    sensitivities: frozenset[str] | None
    phi_unmasked: bool
    reasons: tuple[str, ...]
    policy_version: str = DEFAULT_POLICY_VERSION
    denied: tuple[RecordMatch, ...] = ()

    def permits(self, attrs: ClaimAttributes) -> bool:
        """The in-memory form of the predicate retrieval pushes into SQL."""
        if not self.readable:
            return False
        if self.pairs is not None and (attrs.region, attrs.line_of_business) not in self.pairs:
            return False
        if self.sensitivities is not None and attrs.sensitivity not in self.sensitivities:
            return False
        return not any(m.matches(attrs) for m in self.denied)


@dataclass(frozen=True, slots=True, kw_only=True)
class DocumentAttributes:
    """The access attributes a search document carries, copied from its source record.

    Claim documents (notes, claim summaries) carry their claim's attributes; reference
    documents (medical policies) carry none and are governed by the reference grant.
    """

    access_class: AccessClass
    region: str | None = None
    line_of_business: str | None = None
    sensitivity: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class IndexFilter:
    """What a principal may retrieve from the search index, compiled from the same policy.

    The index evaluates it inside candidate generation (see
    :mod:`interlock.retrieval.index`); :meth:`permits` is the in-memory form used to
    re-verify every returned id.
    """

    claims: ClaimScope
    reference_readable: bool

    def permits(self, doc: DocumentAttributes) -> bool:
        """True when the principal may retrieve a document with these attributes."""
        if doc.access_class == "reference":
            return self.reference_readable
        if doc.region is None or doc.line_of_business is None or doc.sensitivity is None:
            return False  # a claim document without its attributes fails closed
        return self.claims.permits(
            ClaimAttributes(
                region=doc.region, line_of_business=doc.line_of_business, sensitivity=doc.sensitivity
            )
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class FieldMasks:
    """Which fields a principal sees masked, and which a model is never sent at all."""

    masked: frozenset[str]
    model_dropped: frozenset[str]

    def apply(self, record: Mapping[str, str]) -> dict[str, str]:
        """``record`` with every masked field replaced by :data:`MASK` (idempotent)."""
        return {k: (mask_value(k, v) if k in self.masked else v) for k, v in record.items()}

    def for_model(self, record: Mapping[str, str]) -> dict[str, str]:
        """``record`` as a model may receive it: dropped fields removed, the rest masked."""
        return {k: v for k, v in self.apply(record).items() if k not in self.model_dropped}


def mask_value(field: str, value: str) -> str:
    """The masked form of a PHI field shown to a principal without the unmask privilege.

    Every character is hidden (no initials, no last four digits): partial values are
    enough to re-identify a member when combined with a claim's other fields.
    """
    del field  # one rule for every PHI field
    return MASK if value else value
