"""The declarative policy file: per role, what it may read, see unmasked and write.

A policy is a TOML document (the shipped default is ``default_policy.toml`` beside
this module) validated by pydantic into frozen objects once, at start-up. It is then
used in two deliberately different ways:

* **compiled** per (resource, principal) into a
  :class:`~interlock.policy.values.ResourceScope` (for claims also the claims-era
  :class:`~interlock.policy.values.ClaimScope`), an index filter and
  :class:`~interlock.policy.values.FieldMasks`, the values retrieval pushes into SQL
  and the search index;
* **interpreted** per (principal, record) by :meth:`PolicyDocument.decide_record_read`
  (for claims :meth:`PolicyDocument.decide_read`), which walks the conditions directly.

The record attributes those conditions read are declared per resource in the
``resources`` table (:mod:`interlock.policy.resources`), so a new kind of record needs
a declaration and no code.

The property tests check that the two agree on random policies, principals and
records, so a bug in the compiler shows up as a disagreement rather than a leak.

The optional ``tasks`` table declares each task's write boundary (which actions, on
which records, up to which amounts, for which kind of principal); it is validated and
compiled by :mod:`interlock.policy.tasks` into the value the gate consults.

Default-deny throughout: an unknown role, a role without ``read``, or a failed
condition refuses, and every decision carries its reasons. Denies override grants.
Only stdlib ``tomllib`` and ``importlib.resources`` are used here: reading a policy
*file* from disk is the caller's job (:func:`parse_policy_toml` takes text).
"""

from __future__ import annotations

import tomllib
import unicodedata
from collections.abc import Mapping
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

from interlock.exceptions import ConfigurationError
from interlock.policy.principal import Principal
from interlock.policy.resources import DEFAULT_RESOURCE, ResourceDeclaration, legacy_claims_resource
from interlock.policy.tasks import TaskPolicy, WriteBoundary, compile_write_boundary, finalize_limits
from interlock.policy.values import (
    AttributeMatch,
    ClaimAttributes,
    ClaimScope,
    Decision,
    FieldMasks,
    IndexFilter,
    ResourceIndexFilter,
    ResourceScope,
    claim_record,
)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PrincipalActive(_Frozen):
    """The principal is active (inactive staff may read nothing)."""

    kind: Literal["principal_active"]


class AssignmentContains(_Frozen):
    """The principal's assignments contain the record's tuple of the resource's assignment attributes."""

    kind: Literal["assignment_contains"]


class SensitivityPermitted(_Frozen):
    """The record's sensitive attribute is ``unrestricted`` or the principal holds ``privilege_prefix`` + it.

    Either setting left out of the condition comes from the resource's ``sensitivity``
    declaration (see :func:`sensitivity_terms`).
    """

    kind: Literal["sensitivity_permitted"]
    unrestricted: str = Field(default="none", min_length=1)
    privilege_prefix: str = Field(default="sensitive:", min_length=1)


class HasPrivilege(_Frozen):
    """The principal holds ``privilege``."""

    kind: Literal["has_privilege"]
    privilege: str = Field(min_length=1)


class LacksPrivilege(_Frozen):
    """The principal does not hold ``privilege`` (deny rules only)."""

    kind: Literal["lacks_privilege"]
    privilege: str = Field(min_length=1)


class RecordIn(_Frozen):
    """A record attribute is one of ``values`` (deny rules only)."""

    kind: Literal["record_in"]
    field: str = Field(min_length=1)
    values: frozenset[str] = Field(min_length=1)


GrantCondition = Annotated[
    PrincipalActive | AssignmentContains | SensitivityPermitted | HasPrivilege, Field(discriminator="kind")
]
DenyCondition = Annotated[HasPrivilege | LacksPrivilege | RecordIn, Field(discriminator="kind")]


def _require_active(conditions: tuple[GrantCondition, ...], where: str) -> None:
    kinds = [c.kind for c in conditions]
    if not kinds:
        raise ValueError(f"{where}: list at least one condition, or omit `read` to grant nothing")
    if len(set(kinds)) != len(kinds) and any(kinds.count(k) > 1 for k in kinds if k != "has_privilege"):
        raise ValueError(f"{where}: a condition kind other than has_privilege appears twice")
    if "principal_active" not in kinds:
        raise ValueError(f"{where}: must include principal_active (inactive staff may read nothing)")


class FinalizeRule(_Frozen):
    """The role may finalize (approve or reject) records it reads, within the resource's approval rule.

    ``limit``, when given, caps the record's amount further for this role; above it
    only with ``above_limit_privilege`` (omitted, the cap is absolute).
    """

    limit: Decimal | None = Field(default=None, ge=Decimal(0), decimal_places=2)
    above_limit_privilege: str | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _check(self) -> FinalizeRule:
        if self.above_limit_privilege is not None and self.limit is None:
            raise ValueError("above_limit_privilege lifts a limit: set limit too")
        return self


class RolePolicy(_Frozen):
    """What one kind of principal may do. Omitted parts grant nothing."""

    read: tuple[GrantCondition, ...] | None = None
    finalize: FinalizeRule | None = None
    #: The resources ``read`` and ``finalize`` apply to; omitted, every declared resource.
    resources: frozenset[str] | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _check(self) -> RolePolicy:
        if self.read is not None:
            _require_active(self.read, "read")
        if self.finalize is not None and self.read is None:
            raise ValueError("finalize: a role that may not read claims cannot finalize them")
        return self


class ReferencePolicy(_Frozen):
    """Who may read reference documents (medical policies): no record attributes apply."""

    read: tuple[Annotated[PrincipalActive | HasPrivilege, Field(discriminator="kind")], ...]

    @model_validator(mode="after")
    def _check(self) -> ReferencePolicy:
        _require_active(self.read, "reference.read")
        return self


class DenyRule(_Frozen):
    """Refuse reads of records matching ``when`` (all conditions) for ``roles`` (default all)."""

    reason: str = Field(min_length=1)
    when: tuple[DenyCondition, ...] = Field(min_length=1)
    roles: frozenset[str] | None = None
    #: The resources the rule refuses records of; omitted, every declared resource.
    resources: frozenset[str] | None = Field(default=None, min_length=1)


class FieldPolicy(_Frozen):
    """Masking: PHI fields, the privilege that unmasks them, fields a model never sees."""

    phi: tuple[str, ...] = Field(min_length=1)
    unmask_privilege: str = Field(min_length=1)
    model_never_sees: tuple[str, ...] = ()


#: A policy version: a short token such as ``claims-entitlements@3``. It is written into
#: audit events and into the comment heading the row-level security script, so it may
#: hold no space, quote or line break.
VERSION_PATTERN: Final = r"^[A-Za-z0-9][A-Za-z0-9._:@+-]{0,63}$"


def _control_characters(value: object, where: str) -> list[str]:
    """Every string (key or value) under ``value`` holding a control or line-breaking character."""
    found: list[str] = []
    if isinstance(value, str):
        if any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in value):
            found.append(f"{where or 'policy'}: control characters are not allowed ({value[:40]!r})")
    elif isinstance(value, Mapping):
        for key, item in value.items():
            path = f"{where}.{key}" if where else str(key)
            found += _control_characters(key, path) + _control_characters(item, path)
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            found += _control_characters(item, f"{where}[{i}]")
    return found


class PolicyDocument(_Frozen):
    """One validated policy. Build it with :func:`parse_policy` or :func:`default_policy`.

    ``resources`` declares the kinds of record the policy governs (see
    :mod:`interlock.policy.resources`); a policy without it governs claims alone, with
    the masks of its ``[fields]`` table. Every compiled form exists per resource
    (:meth:`scope`, :meth:`masks`, :meth:`resource_index_filter`,
    :meth:`decide_record_read`, :meth:`decide_approval`); the claims-era methods
    (:meth:`claim_scope`, :meth:`decide_read`, ...) are those for ``claims``.
    """

    version: str = Field(pattern=VERSION_PATTERN)
    fields: FieldPolicy | None = None
    reference: ReferencePolicy
    roles: Mapping[str, RolePolicy]
    deny: tuple[DenyRule, ...] = ()
    #: The write boundary per task (see :mod:`interlock.policy.tasks`); ``None``, the
    #: roles' ``finalize`` rules alone, as before the table existed.
    tasks: Mapping[str, TaskPolicy] | None = None
    resources: Mapping[str, ResourceDeclaration] | None = None
    _declared: dict[str, ResourceDeclaration] = PrivateAttr(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _printable(cls, data: Any) -> Any:
        """No string of the file (keys included) may hold a control character.

        Policy strings reach SQL (row-level security), the audit trail and people's
        screens; a carriage return or an escape sequence has no business in any of them.
        """
        problems = _control_characters(data, "")
        if problems:
            raise ValueError("; ".join(problems))
        return data

    @model_validator(mode="after")
    def _check(self) -> PolicyDocument:
        for i, rule in enumerate(self.deny):
            unknown = sorted((rule.roles or frozenset()) - set(self.roles))
            if unknown:
                raise ValueError(f"deny[{i}].roles: unknown role(s) {', '.join(unknown)}")
        if self.resources is None:
            if self.fields is None:
                raise ValueError(
                    "resources: declare [resources.NAME] tables, or a [fields] table for claims alone"
                )
            self._declared = {
                DEFAULT_RESOURCE: legacy_claims_resource(
                    masked=self.fields.phi,
                    unmask_privilege=self.fields.unmask_privilege,
                    model_never_sees=self.fields.model_never_sees,
                )
            }
        elif self.fields is not None:
            raise ValueError(
                "fields: with [resources], masked fields are declared per resource (resources.NAME.fields)"
            )
        elif not self.resources:
            raise ValueError("resources: declare at least one resource")
        else:
            self._declared = dict(self.resources)
        problems = [*self._role_problems(), *self._deny_problems()]
        for name, task in (self.tasks or {}).items():
            if task.resource is not None and task.resource not in self._declared:
                problems.append(f"tasks.{name}.resource: unknown resource {task.resource!r}")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def sensitivity_values(self) -> frozenset[str] | None:
        """Every sensitive category the declared resources list; ``None`` when one lists none."""
        found: set[str] = set()
        for declared in self._declared.values():
            rule = declared.sensitivity
            if rule is None:
                continue
            if not rule.values:
                return None
            found.update(rule.values)
        return frozenset(found)

    def _role_problems(self) -> list[str]:
        problems: list[str] = []
        for name, role in self.roles.items():
            unknown = sorted((role.resources or frozenset()) - set(self._declared))
            if unknown:
                problems.append(f"roles.{name}.resources: unknown resource(s) {', '.join(unknown)}")
                continue
            for resource in self._resources_of(role.resources):
                declared = self._declared[resource]
                for cond in role.read or ():
                    if isinstance(cond, AssignmentContains) and not declared.assignment:
                        problems.append(
                            f"roles.{name}.read: assignment_contains, but resource {resource} declares no assignment"
                        )
                    if isinstance(cond, SensitivityPermitted) and declared.sensitivity is None:
                        problems.append(
                            f"roles.{name}.read: sensitivity_permitted, but resource {resource} declares no sensitivity"
                        )
        return problems

    def _deny_problems(self) -> list[str]:
        problems: list[str] = []
        for i, rule in enumerate(self.deny):
            unknown = sorted((rule.resources or frozenset()) - set(self._declared))
            if unknown:
                problems.append(f"deny[{i}].resources: unknown resource(s) {', '.join(unknown)}")
                continue
            fields = [(j, c.field) for j, c in enumerate(rule.when) if isinstance(c, RecordIn)]
            if rule.resources is None:
                if not any(self._deny_applies(rule, r) for r in self._declared):
                    problems.append(
                        f"deny[{i}].when: no resource has every attribute the rule names"
                        f" ({', '.join(sorted({f for _, f in fields}))})"
                    )
                continue
            for resource in sorted(rule.resources):
                attributes = self._declared[resource].attributes
                problems.extend(
                    f"deny[{i}].when.{j}.field: {field!r} is not an attribute of resource {resource}"
                    f" (its attributes: {', '.join(attributes)})"
                    for j, field in fields
                    if field not in attributes
                )
        return problems

    def _deny_applies(self, rule: DenyRule, resource: str) -> bool:
        """Does ``rule`` govern ``resource``'s records?

        When the rule names its ``resources``, those. Otherwise every resource that has
        each attribute its ``record_in`` conditions name: a record without an attribute
        is never "one of" its values, and a rule about regions says nothing of invoices.
        """
        if rule.resources is not None:
            return resource in rule.resources
        attributes = self._declared[resource].attributes
        return all(c.field in attributes for c in rule.when if isinstance(c, RecordIn))

    def _resources_of(self, names: frozenset[str] | None) -> list[str]:
        return [r for r in self._declared if names is None or r in names]

    # -- resources --------------------------------------------------------------------

    @property
    def declared_resources(self) -> Mapping[str, ResourceDeclaration]:
        """Every resource the policy governs (a legacy policy: ``claims``, from ``[fields]``)."""
        return dict(self._declared)

    def resource(self, name: str) -> ResourceDeclaration:
        """The declaration of resource ``name``; a resource the policy does not declare is an error."""
        try:
            return self._declared[name]
        except KeyError:
            raise ConfigurationError(
                f"policy {self.version} declares no resource {name!r} (declared: {', '.join(self._declared)})"
            ) from None

    def denies_of(self, resource: str) -> list[tuple[int, DenyRule]]:
        """The deny rules (with their index in ``deny``) that govern ``resource``'s records."""
        return [(i, rule) for i, rule in enumerate(self.deny) if self._deny_applies(rule, resource)]

    def reading_role(self, resource: str, role_name: str) -> RolePolicy | None:
        """``role_name``'s rules when they let it read ``resource`` at all; else ``None``."""
        role = self.roles.get(role_name)
        if role is None or role.read is None:
            return None
        if role.resources is not None and resource not in role.resources:
            return None
        return role

    # -- deny rules -------------------------------------------------------------------

    def _applicable_denies(self, p: Principal, resource: str) -> list[tuple[DenyRule, AttributeMatch | None]]:
        """Denies of ``resource`` whose principal conditions hold for ``p``, with their record part.

        The record part is ``None`` when the rule has no record condition: it then
        denies every record.
        """
        found: list[tuple[DenyRule, AttributeMatch | None]] = []
        for rule in self.deny:
            if rule.roles is not None and p.role not in rule.roles:
                continue
            if not self._deny_applies(rule, resource):
                continue
            sets: dict[str, frozenset[str]] = {}
            holds = True
            for cond in rule.when:
                match cond:
                    case HasPrivilege():
                        holds = holds and cond.privilege in p.privileges
                    case LacksPrivilege():
                        holds = holds and cond.privilege not in p.privileges
                    case RecordIn():
                        sets[cond.field] = sets.get(cond.field, cond.values) & cond.values
            if not holds:
                continue
            found.append((rule, AttributeMatch.of(dict(sets)) if sets else None))
        return found

    # -- compiled forms ---------------------------------------------------------------

    def scope(self, resource: str, p: Principal) -> ResourceScope:
        """Compile ``p``'s read rights on ``resource`` into the scope retrieval pushes down."""
        declared = self.resource(resource)
        noun = declared.record_name
        role = self.reading_role(resource, p.role)
        assignments: frozenset[tuple[str, ...]] | None = None
        sensitivities: frozenset[str] | None = None
        reasons: list[str] = []
        readable = role is not None
        if role is None:
            reasons.append(f"role {p.role!r} may not read {noun} content")
        for cond in (role.read or ()) if role is not None else ():
            match cond:
                case PrincipalActive():
                    if not p.active:
                        readable = False
                        reasons.append("principal is inactive")
                case AssignmentContains():
                    assignments = _assignments(p, resource, declared)
                    if assignments is not None and not assignments:
                        readable = False
                        reasons.append("principal has no assignments")
                case SensitivityPermitted():
                    sensitivities = _permitted_sensitivities(p, *sensitivity_terms(cond, declared))
                case HasPrivilege():
                    if cond.privilege not in p.privileges:
                        readable = False
                        reasons.append(f"principal lacks {cond.privilege}")
        denies = self._applicable_denies(p, resource) if readable else []
        denied: list[AttributeMatch] = []
        for rule, record_part in denies:
            if record_part is None:
                readable = False
                reasons.append(f"denied: {rule.reason}")
            else:
                denied.append(record_part)
        if readable:
            which = _spoken(declared.assignment)
            reasons.append(
                f"{noun}s of assigned {which}" if assignments is not None else f"{noun}s of every {which}"
            )
            reasons.append(
                "sensitivities: " + ("all" if sensitivities is None else ", ".join(sorted(sensitivities)))
            )
            reasons.extend(f"except: {rule.reason}" for rule, part in denies if part)
        return ResourceScope(
            resource=resource,
            principal_id=p.principal_id,
            readable=readable,
            columns=tuple(declared.attributes.items()),
            assignment=declared.assignment,
            assignments=assignments,
            sensitive_attribute=declared.sensitivity.attribute if declared.sensitivity else None,
            sensitivities=sensitivities,
            denied=tuple(denied) if readable else (),
            unmasked=self._unmasked(declared, p, readable=readable),
            masks=self._masks(declared, p, readable=readable),
            reasons=tuple(reasons),
            policy_version=self.version,
        )

    def claim_scope(self, p: Principal) -> ClaimScope:
        """Compile ``p``'s claim read rights into the scope retrieval pushes down."""
        return self.scope(DEFAULT_RESOURCE, p).as_claim_scope()

    def index_filter(self, p: Principal) -> IndexFilter:
        """Compile what ``p`` may retrieve from the search index."""
        return IndexFilter(
            claims=self.claim_scope(p), reference_readable=self.decide_reference_read(p).allowed
        )

    def resource_index_filter(self, resource: str, p: Principal) -> ResourceIndexFilter:
        """Compile what ``p`` may retrieve from a search index of ``resource``'s documents."""
        return ResourceIndexFilter(
            access_class=self.resource(resource).record_name,
            scope=self.scope(resource, p),
            reference_readable=self.decide_reference_read(p).allowed,
        )

    def write_boundary(self, task: str, p: Principal) -> WriteBoundary:
        """Compile what ``p`` may write for ``task``: actions, records, amounts, paths."""
        task_policy = (self.tasks or {}).get(task)
        resource = task_policy.resource if task_policy and task_policy.resource else DEFAULT_RESOURCE
        declared = self.resource(resource)
        role = self.roles.get(p.role)
        may, limits, refusal = finalize_limits(
            principal=p,
            role_rule=(role.finalize.limit, role.finalize.above_limit_privilege)
            if role is not None and role.finalize is not None
            else None,
            approval=declared.approval,
            record_name=declared.record_name,
        )
        return compile_write_boundary(
            task=task,
            task_policy=task_policy,
            tasks_declared=self.tasks is not None,
            may_finalize=may and self.reading_role(resource, p.role) is not None,
            limits=limits,
            refusal=refusal or f"role {p.role!r} may not finalize {declared.record_name}s",
            amount_label=_amount_label(declared),
            record_name=declared.record_name,
            principal=p,
            scope=self.scope(resource, p),
        )

    def field_masks(self, p: Principal) -> FieldMasks:
        """Compile which fields ``p`` sees masked and which a model never receives."""
        return self.masks(DEFAULT_RESOURCE, p)

    def masks(self, resource: str, p: Principal) -> FieldMasks:
        """Which of ``resource``'s fields ``p`` sees masked, and which a model never receives."""
        declared = self.resource(resource)
        readable = self.scope(resource, p).readable
        return self._masks(declared, p, readable=readable)

    @staticmethod
    def _unmasked(declared: ResourceDeclaration, p: Principal, *, readable: bool) -> bool:
        privilege = declared.fields.unmask_privilege
        return readable and privilege is not None and privilege in p.privileges

    def _masks(self, declared: ResourceDeclaration, p: Principal, *, readable: bool) -> FieldMasks:
        unmasked = self._unmasked(declared, p, readable=readable)
        return FieldMasks(
            masked=frozenset() if unmasked else frozenset(declared.fields.masked),
            model_dropped=frozenset(declared.fields.model_never_sees),
        )

    # -- interpreted decisions --------------------------------------------------------

    def _deny(self, *reasons: str) -> Decision:
        return Decision(allowed=False, reasons=reasons, policy_version=self.version)

    def decide_read(self, p: Principal, attrs: ClaimAttributes) -> Decision:
        """May ``p`` read a claim with ``attrs``? Walks the conditions, with reasons either way."""
        return self.decide_record_read(DEFAULT_RESOURCE, p, claim_record(attrs))

    def decide_record_read(self, resource: str, p: Principal, record: Mapping[str, str]) -> Decision:
        """May ``p`` read a ``resource`` record with these attribute values? With reasons either way.

        The interpreter: it walks the declared conditions per record, independently of
        :meth:`scope`, so the property tests can hold the compiler to it. A record
        missing a declared attribute is refused.
        """
        declared = self.resource(resource)
        noun = declared.record_name
        role = self.reading_role(resource, p.role)
        if role is None:
            return self._deny(f"role {p.role!r} may not read {noun} content")
        missing = [a for a in declared.attributes if record.get(a) is None]
        if missing:
            return self._deny(f"{noun} lacks attribute(s) {', '.join(missing)}")
        for cond in role.read or ():
            match cond:
                case PrincipalActive():
                    if not p.active:
                        return self._deny("principal is inactive")
                case AssignmentContains():
                    held = _assignments(p, resource, declared)
                    if held is not None and tuple(record[a] for a in declared.assignment) not in held:
                        return self._deny(f"{noun} is outside the principal's assignments")
                case SensitivityPermitted():
                    unrestricted, prefix = sensitivity_terms(cond, declared)
                    value = record[declared.sensitivity.attribute] if declared.sensitivity else ""
                    wanted = prefix + value
                    if not (p.all_sensitivities or value == unrestricted or wanted in p.privileges):
                        return self._deny(f"principal lacks {wanted}")
                case HasPrivilege():
                    if cond.privilege not in p.privileges:
                        return self._deny(f"principal lacks {cond.privilege}")
        for rule in self.deny:
            if rule.roles is not None and p.role not in rule.roles:
                continue
            if not self._deny_applies(rule, resource):
                continue
            if all(_deny_condition_holds(c, p, record) for c in rule.when):
                return self._deny(f"denied: {rule.reason}")
        return Decision(
            allowed=True,
            reasons=(f"{noun} within assignments and permitted sensitivity",),
            policy_version=self.version,
        )

    def decide_finalize(self, p: Principal, attrs: ClaimAttributes, total_billed: Decimal) -> Decision:
        """May ``p`` finalize (approve or deny) a claim? Reading it is a prerequisite."""
        return self.decide_approval(DEFAULT_RESOURCE, p, claim_record(attrs), total_billed)

    def decide_approval(
        self,
        resource: str,
        p: Principal,
        record: Mapping[str, str],
        amount: Decimal,
        *,
        outcome: str = "approve",
    ) -> Decision:
        """May ``p`` decide a ``resource`` record of ``amount`` as ``outcome``? Reading it comes first.

        The role must ``finalize``; the role's own limit and the resource's approval
        rule (a privilege above a fixed amount, or the principal's numeric attribute
        compared with the amount, for the outcomes the rule governs) must let
        ``amount`` through.
        """
        read = self.decide_record_read(resource, p, record)
        if not read.allowed:
            return read
        declared = self.resource(resource)
        rule = self.roles[p.role].finalize
        may, limits, refusal = finalize_limits(
            principal=p,
            role_rule=(rule.limit, rule.above_limit_privilege) if rule is not None else None,
            approval=declared.approval,
            record_name=declared.record_name,
        )
        if not may:
            return self._deny(refusal or f"role {p.role!r} may not finalize {declared.record_name}s")
        for limit in limits:
            if limit.refuses(outcome, amount):
                return self._deny(limit.refusal)
        return Decision(
            allowed=True,
            reasons=(*read.reasons, "within the principal's finalization limit"),
            policy_version=self.version,
        )

    def decide_reference_read(self, p: Principal) -> Decision:
        """May ``p`` read reference documents (medical policies, plans, benefits)?"""
        for cond in self.reference.read:
            if isinstance(cond, PrincipalActive) and not p.active:
                return self._deny("principal is inactive")
            if isinstance(cond, HasPrivilege) and cond.privilege not in p.privileges:
                return self._deny(f"principal lacks {cond.privilege}")
        return Decision(allowed=True, reasons=("reference documents",), policy_version=self.version)


def sensitivity_terms(cond: SensitivityPermitted, declared: ResourceDeclaration) -> tuple[str, str]:
    """(unrestricted value, privilege prefix): the condition's own when it sets them, else the resource's."""
    rule = declared.sensitivity
    unrestricted = cond.unrestricted
    prefix = cond.privilege_prefix
    if rule is not None and "unrestricted" not in cond.model_fields_set:
        unrestricted = rule.unrestricted
    if rule is not None and "privilege_prefix" not in cond.model_fields_set:
        prefix = rule.privilege_prefix
    return unrestricted, prefix


def _assignments(
    p: Principal, resource: str, declared: ResourceDeclaration
) -> frozenset[tuple[str, ...]] | None:
    """``p``'s assignment tuples for ``resource``, keeping only those of the declared arity."""
    held = p.assignments_for(resource, declared.assignment)
    arity = len(declared.assignment)
    if held is None or all(len(t) == arity for t in held):
        return held
    return frozenset(t for t in held if len(t) == arity)


def _spoken(attributes: tuple[str, ...]) -> str:
    words = [a.replace("_", " ") for a in attributes]
    return " and ".join(words) if len(words) < 3 else ", ".join(words[:-1]) + " and " + words[-1]


def _amount_label(declared: ResourceDeclaration) -> str:
    return declared.approval.amount.replace("_", " ") if declared.approval else "amount"


def _permitted_sensitivities(p: Principal, unrestricted: str, prefix: str) -> frozenset[str] | None:
    if p.all_sensitivities:
        return None
    granted = {priv.removeprefix(prefix) for priv in p.privileges if priv.startswith(prefix)}
    return frozenset({unrestricted, *granted})


def _deny_condition_holds(
    cond: HasPrivilege | LacksPrivilege | RecordIn, p: Principal, record: Mapping[str, str]
) -> bool:
    match cond:
        case HasPrivilege():
            return cond.privilege in p.privileges
        case LacksPrivilege():
            return cond.privilege not in p.privileges
        case RecordIn():
            return record.get(cond.field) in cond.values


# -- parsing ----------------------------------------------------------------------------


class PolicyInvalid(ConfigurationError):
    """A policy document that does not validate; ``problems`` lists every error found."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("invalid policy:\n" + "\n".join(f"  - {m}" for m in problems))
        self.problems = problems


def _format_error(error: Mapping[str, Any]) -> str:
    # Drop the discriminator tags pydantic inserts into locations ("read.2.has_privilege").
    loc = ".".join(str(part) for part in error["loc"] if not str(part).endswith(("_privilege", "_active")))
    loc = loc.replace("function-after[_check(), ", "").rstrip("]")
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{loc}: {message}" if loc else message


def parse_policy(data: Mapping[str, Any]) -> PolicyDocument:
    """Validate ``data`` (a parsed TOML table) into a frozen :class:`PolicyDocument`."""
    try:
        return PolicyDocument.model_validate(dict(data))
    except ValidationError as exc:
        raise PolicyInvalid([_format_error(e) for e in exc.errors()]) from None


def parse_policy_toml(text: str) -> PolicyDocument:
    """Parse and validate a policy written in TOML."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyInvalid([f"not valid TOML: {exc}"]) from None
    return parse_policy(data)


@cache
def default_policy() -> PolicyDocument:
    """The shipped policy (the rules of CLAIMS_POLICY.md), parsed once per process."""
    text = resources.files("interlock.policy").joinpath("default_policy.toml").read_text(encoding="utf-8")
    return parse_policy_toml(text)
