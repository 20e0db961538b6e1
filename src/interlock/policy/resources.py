"""Resources: the kinds of record a policy governs, and the attributes each is decided on.

A ``[resources.NAME]`` table of the policy file declares, for one kind of record (a
claim of the claims platform, an invoice of an ERP):

* ``attributes``: the record attributes entitlements depend on, each mapped to the
  column holding it. The same names are the columns of the search index's documents;
  the mapped columns are those of the system of record (its SQL filter and its
  row-level security);
* ``assignment``: the attributes whose tuple a principal must have among its
  assignments (claims: region x line of business; invoices: company x department);
* ``sensitivity``: the attribute holding a sensitive category; a value other than
  ``unrestricted`` needs the privilege ``privilege_prefix`` + value;
* ``fields``: fields shown masked unless the reader holds ``unmask_privilege``, and
  fields a model is never sent;
* ``approval``: the approval limit on the record's ``amount``, either a fixed
  ``limit`` lifted by ``above_limit_privilege`` or a comparison with a numeric
  attribute of the principal (``staff_attribute``: the principal's value must be at
  least the amount);
* ``rls``: the table row-level security protects and the tables visible through it.

Declaring a new resource needs no code: :mod:`interlock.policy.document` compiles every
declaration the same way. A policy written before resources existed declares none; it
then governs one resource, ``claims``, built from its ``[fields]`` table by
:func:`legacy_claims_resource`, so such a file means exactly what it meant before.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Final

from pydantic import BaseModel, ConfigDict, Field, model_validator

#: The resource the claims-era entry points address (``claim_scope``, ``decide_read``,
#: ``compile_rls`` without a resource list) and the one a legacy policy declares.
DEFAULT_RESOURCE: Final = "claims"
#: The attributes of a claim, and the meaning of :attr:`Principal.assignments`' pairs.
CLAIM_ATTRIBUTES: Final = ("region", "line_of_business", "sensitivity")
CLAIM_ASSIGNMENT: Final = ("region", "line_of_business")
#: Tables visible through a visible claim in the claims platform's schema.
CLAIM_RLS_VIA: Final = (
    ("claim_lines", "claim_id", None),
    ("claim_diagnoses", "claim_id", None),
    ("clinical_notes", "claim_id", None),
    ("adjudications", "claim_id", None),
    ("members", "member_id", None),
    ("prior_authorizations", "member_id", None),
    ("adjudication_lines", "adjudication_id", "adjudications"),
)
_NAME: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")


def _check_name(value: str, what: str) -> None:
    if not _NAME.fullmatch(value):
        raise ValueError(f"{what} {value!r} must be a plain SQL name (letters, digits, _; at most 63)")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SensitivityRule(_Frozen):
    """The attribute holding a sensitive category, and the privilege each category needs."""

    attribute: str = Field(min_length=1)
    unrestricted: str = Field(default="none", min_length=1)
    privilege_prefix: str = Field(default="sensitive:", min_length=1)
    #: The categories the attribute may hold (unrestricted included); what an API key's
    #: scope may name. Empty: not declared, and any category is accepted.
    values: tuple[str, ...] = ()


class FieldRules(_Frozen):
    """Fields shown masked unless the reader holds ``unmask_privilege``; fields a model never sees."""

    masked: tuple[str, ...] = ()
    unmask_privilege: str | None = Field(default=None, min_length=1)
    model_never_sees: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _check(self) -> FieldRules:
        if self.masked and self.unmask_privilege is None:
            raise ValueError("masked fields need unmask_privilege (the privilege that shows them)")
        return self


class ApprovalRule(_Frozen):
    """How large a record (its ``amount`` column) a principal may approve.

    Either ``limit`` with ``above_limit_privilege`` (claims: above 10,000.00 only with
    ``approve:high_value``), or ``staff_attribute``: the principal's numeric attribute
    of that name must be at least the amount (invoices: ``approval_limit``). A
    principal without the attribute approves nothing, except a service principal when
    ``service_limit`` is declared: automatic processing is then held to that amount
    (an operator's ``service_approval_limit`` setting gives the service the attribute
    itself, which takes precedence). ``outcomes`` are the outcomes the
    limit governs (invoices: only ``approve``, a person may reject any invoice they
    read); omitted, every outcome (claims: approving and denying alike).
    """

    amount: str = Field(min_length=1)
    outcomes: frozenset[str] | None = Field(default=None, min_length=1)
    limit: Decimal | None = Field(default=None, ge=Decimal(0), decimal_places=2)
    above_limit_privilege: str | None = Field(default=None, min_length=1)
    staff_attribute: str | None = Field(default=None, min_length=1)
    service_limit: Decimal | None = Field(default=None, ge=Decimal(0), decimal_places=2)

    @model_validator(mode="after")
    def _check(self) -> ApprovalRule:
        _check_name(self.amount, "amount")
        fixed = self.limit is not None or self.above_limit_privilege is not None
        if fixed == (self.staff_attribute is not None):
            raise ValueError(
                "declare either limit and above_limit_privilege, or staff_attribute (exactly one form)"
            )
        if fixed and (self.limit is None or self.above_limit_privilege is None):
            raise ValueError("a fixed approval limit needs both limit and above_limit_privilege")
        if self.service_limit is not None and self.staff_attribute is None:
            raise ValueError("service_limit stands in for a missing staff_attribute: declare staff_attribute")
        return self


class RlsVia(_Frozen):
    """A table visible exactly when a visible row of ``parent`` (default: the resource's table) refers to it."""

    table: str
    column: str
    parent: str | None = None
    parent_column: str | None = None

    @model_validator(mode="after")
    def _check(self) -> RlsVia:
        for value, what in ((self.table, "table"), (self.column, "column")):
            _check_name(value, what)
        for other, what in ((self.parent, "parent"), (self.parent_column, "parent_column")):
            if other is not None:
                _check_name(other, what)
        return self


class RlsLayout(_Frozen):
    """The table row-level security filters by the resource's attributes, and those hanging off it."""

    table: str
    via: tuple[RlsVia, ...] = ()

    @model_validator(mode="after")
    def _check(self) -> RlsLayout:
        _check_name(self.table, "table")
        known = {self.table}
        for i, via in enumerate(self.via):
            parent = via.parent or self.table
            if parent not in known:
                raise ValueError(f"via.{i}.parent: {parent!r} is not the table or a table listed before it")
            if via.table in known:
                raise ValueError(f"via.{i}.table: {via.table!r} is protected twice")
            known.add(via.table)
        return self

    @property
    def tables(self) -> tuple[str, ...]:
        """Every table this layout protects, the resource's own first."""
        return (self.table, *(v.table for v in self.via))


class ResourceDeclaration(_Frozen):
    """One kind of record: its access attributes, assignments, sensitivity, masks, approval, RLS."""

    #: The singular noun used in reasons ("claim") and the search index's access class.
    record_name: str = Field(min_length=1)
    attributes: dict[str, str] = Field(min_length=1)
    assignment: tuple[str, ...] = ()
    sensitivity: SensitivityRule | None = None
    fields: FieldRules = FieldRules()
    approval: ApprovalRule | None = None
    rls: RlsLayout | None = None

    @model_validator(mode="after")
    def _check(self) -> ResourceDeclaration:
        problems: list[str] = []
        for attribute, column in self.attributes.items():
            try:
                _check_name(attribute, "attribute")
                _check_name(column, f"attributes.{attribute}: column")
            except ValueError as exc:
                problems.append(str(exc))
        unknown = [a for a in self.assignment if a not in self.attributes]
        if unknown:
            problems.append(f"assignment: {', '.join(unknown)} not among the declared attributes")
        if len(set(self.assignment)) != len(self.assignment):
            problems.append("assignment: an attribute appears twice")
        if self.sensitivity is not None and self.sensitivity.attribute not in self.attributes:
            problems.append(
                f"sensitivity.attribute: {self.sensitivity.attribute!r} is not a declared attribute"
            )
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def column(self, attribute: str) -> str:
        """The system-of-record column holding ``attribute``."""
        return self.attributes[attribute]


def legacy_claims_resource(
    *,
    masked: tuple[str, ...] = (),
    unmask_privilege: str | None = None,
    model_never_sees: tuple[str, ...] = (),
) -> ResourceDeclaration:
    """The claims resource a policy without ``[resources]`` governs, from its ``[fields]`` table."""
    return ResourceDeclaration(
        record_name="claim",
        attributes={a: a for a in CLAIM_ATTRIBUTES},
        assignment=CLAIM_ASSIGNMENT,
        sensitivity=SensitivityRule(attribute="sensitivity"),
        fields=FieldRules(
            masked=masked, unmask_privilege=unmask_privilege, model_never_sees=model_never_sees
        ),
        rls=RlsLayout(
            table="claims",
            via=tuple(
                RlsVia(table=table, column=column, parent=parent) for table, column, parent in CLAIM_RLS_VIA
            ),
        ),
    )
