"""The frozen values a policy compiles to: decisions, scopes, index filters and field masks.

:class:`ResourceScope` and :class:`ResourceIndexFilter` serve any declared resource and
decide on an attribute -> value mapping; :class:`ClaimScope`, :class:`ClaimAttributes`,
:class:`RecordMatch` and :class:`IndexFilter` are the claims-era forms, kept for the
code written against them (:meth:`ClaimScope.as_resource_scope` bridges the two).

They live apart from :mod:`interlock.policy.document` (which builds them) and
:mod:`interlock.policy.entitlements` (the public entry points) so that both can import
them without a cycle. Every value here is pure data with an in-memory ``permits``; the
SQL forms are built from the very same values in :mod:`interlock.retrieval.scope`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from interlock.exceptions import ConfigurationError

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

    def as_resource_scope(self) -> ResourceScope:
        """The same read predicate as a generic scope over the claims columns (for the SQL compiler)."""
        denied = tuple(
            AttributeMatch.of(
                {
                    "region": m.regions,
                    "line_of_business": m.lines_of_business,
                    "sensitivity": m.sensitivities,
                }
            )
            for m in self.denied
        )
        return ResourceScope(
            resource="claims",
            principal_id=self.principal_id,
            readable=self.readable,
            columns=tuple((a, a) for a in ("region", "line_of_business", "sensitivity")),
            assignment=("region", "line_of_business"),
            assignments=self.pairs,
            sensitive_attribute="sensitivity",
            sensitivities=self.sensitivities,
            denied=denied,
            unmasked=self.phi_unmasked,
            masks=FieldMasks(masked=frozenset(), model_dropped=frozenset()),
            reasons=self.reasons,
            policy_version=self.policy_version,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class AttributeMatch:
    """A conjunction over record attributes: each listed attribute is among its values.

    The target of a deny rule for any resource. An attribute the record lacks never
    matches a constraint on it; the scope refuses such a record anyway.
    """

    constraints: tuple[tuple[str, frozenset[str]], ...] = ()

    @staticmethod
    def of(values: Mapping[str, frozenset[str] | None]) -> AttributeMatch:
        """A match from attribute -> values (``None``: any value), in a canonical order."""
        return AttributeMatch(constraints=tuple(sorted((a, v) for a, v in values.items() if v is not None)))

    def matches(self, record: Mapping[str, str]) -> bool:
        """True when every constrained attribute of ``record`` is among the listed values."""
        return all(record.get(attribute) in values for attribute, values in self.constraints)


@dataclass(frozen=True, slots=True, kw_only=True)
class ResourceScope:
    """What a principal may read of one resource, compiled once from the policy's declaration.

    ``columns`` maps each declared attribute to the column holding it, in declaration
    order. ``assignments`` are tuples over the ``assignment`` attributes (``None``:
    every tuple); ``sensitivities`` the permitted values of ``sensitive_attribute``
    (``None``: every value). A record matching any of ``denied`` is excluded whatever
    the grant says. ``readable`` false means nothing at all. The SQL form is
    :func:`interlock.retrieval.scope.scope_predicate`, the in-memory form :meth:`permits`.
    """

    resource: str
    principal_id: str
    readable: bool
    columns: tuple[tuple[str, str], ...]
    assignment: tuple[str, ...]
    assignments: frozenset[tuple[str, ...]] | None
    sensitive_attribute: str | None
    sensitivities: frozenset[str] | None
    denied: tuple[AttributeMatch, ...]
    unmasked: bool
    masks: FieldMasks
    reasons: tuple[str, ...]
    policy_version: str = DEFAULT_POLICY_VERSION

    @property
    def attributes(self) -> tuple[str, ...]:
        """The declared attributes, in declaration order."""
        return tuple(a for a, _ in self.columns)

    def column_map(self) -> dict[str, str]:
        """Attribute -> the system-of-record column holding it."""
        return dict(self.columns)

    def permits(self, record: Mapping[str, str] | ClaimAttributes) -> bool:
        """May the principal read a record with these attribute values? Missing attributes refuse."""
        values = claim_record(record) if isinstance(record, ClaimAttributes) else record
        if not self.readable or any(values.get(a) is None for a in self.attributes):
            return False
        if self.assignments is not None and tuple(values[a] for a in self.assignment) not in self.assignments:
            return False
        if (
            self.sensitivities is not None
            and self.sensitive_attribute is not None
            and values[self.sensitive_attribute] not in self.sensitivities
        ):
            return False
        return not any(m.matches(values) for m in self.denied)

    def as_claim_scope(self) -> ClaimScope:
        """The claims-era form of this scope; the resource must have a claim's attributes."""
        if (
            self.assignment != ("region", "line_of_business")
            or self.sensitive_attribute != "sensitivity"
            or set(self.attributes) != {"region", "line_of_business", "sensitivity"}
        ):
            raise ConfigurationError(
                f"resource {self.resource} is not shaped like claims (region x line_of_business, sensitivity)"
            )
        denied = []
        for match in self.denied:
            sets = dict(match.constraints)
            denied.append(
                RecordMatch(
                    regions=sets.get("region"),
                    lines_of_business=sets.get("line_of_business"),
                    sensitivities=sets.get("sensitivity"),
                )
            )
        return ClaimScope(
            principal_id=self.principal_id,
            readable=self.readable,
            pairs=None if self.assignments is None else frozenset((t[0], t[1]) for t in self.assignments),
            sensitivities=self.sensitivities,
            phi_unmasked=self.unmasked,
            reasons=self.reasons,
            policy_version=self.policy_version,
            denied=tuple(denied),
        )


def claim_record(attrs: ClaimAttributes) -> dict[str, str]:
    """A claim's access attributes as the attribute -> value record generic scopes decide on."""
    return {
        "region": attrs.region,
        "line_of_business": attrs.line_of_business,
        "sensitivity": attrs.sensitivity,
    }


@dataclass(frozen=True, slots=True, kw_only=True)
class ResourceIndexFilter:
    """What a principal may retrieve from a search index holding one resource's documents.

    A document of ``access_class`` (the resource's record name) carries the resource's
    attributes, under the attributes' own names; it is permitted when ``scope``
    permits those values. Reference documents follow ``reference_readable``; any other
    class matches nothing.
    """

    access_class: str
    scope: ResourceScope
    reference_readable: bool

    def permits(self, access_class: str, record: Mapping[str, str | None]) -> bool:
        """True when the principal may retrieve a document of this class with these attributes."""
        if access_class == "reference":
            return self.reference_readable
        if access_class != self.access_class:
            return False
        values = {k: v for k, v in record.items() if v is not None}
        return self.scope.permits(values)


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
