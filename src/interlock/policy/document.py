"""The declarative policy file: per role, what it may read, see unmasked and write.

A policy is a TOML document (the shipped default is ``default_policy.toml`` beside
this module) validated by pydantic into frozen objects once, at start-up. It is then
used in two deliberately different ways:

* **compiled** per principal into a :class:`~interlock.policy.values.ClaimScope`, an
  :class:`~interlock.policy.values.IndexFilter` and
  :class:`~interlock.policy.values.FieldMasks`, the values retrieval pushes into SQL
  and the search index;
* **interpreted** per (principal, record) by :meth:`PolicyDocument.decide_read`, which
  walks the conditions directly.

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

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from interlock.exceptions import ConfigurationError
from interlock.policy.principal import Principal
from interlock.policy.tasks import TaskPolicy, WriteBoundary, compile_write_boundary
from interlock.policy.values import (
    ClaimAttributes,
    ClaimScope,
    Decision,
    FieldMasks,
    IndexFilter,
    RecordMatch,
)

RecordField = Literal["region", "line_of_business", "sensitivity"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PrincipalActive(_Frozen):
    """The principal is active (inactive staff may read nothing)."""

    kind: Literal["principal_active"]


class AssignmentContains(_Frozen):
    """The principal's assignments contain (record.region, record.line_of_business)."""

    kind: Literal["assignment_contains"]


class SensitivityPermitted(_Frozen):
    """record.sensitivity is ``unrestricted`` or the principal holds ``privilege_prefix`` + it."""

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
    field: RecordField
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
    """Finalize claims totalling at most ``limit``; above it only with the privilege."""

    limit: Decimal = Field(ge=Decimal(0), decimal_places=2)
    above_limit_privilege: str = Field(min_length=1)


class RolePolicy(_Frozen):
    """What one kind of principal may do. Omitted parts grant nothing."""

    read: tuple[GrantCondition, ...] | None = None
    finalize: FinalizeRule | None = None

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
    """One validated policy. Build it with :func:`parse_policy` or :func:`default_policy`."""

    version: str = Field(pattern=VERSION_PATTERN)
    fields: FieldPolicy
    reference: ReferencePolicy
    roles: Mapping[str, RolePolicy]
    deny: tuple[DenyRule, ...] = ()
    #: The write boundary per task (see :mod:`interlock.policy.tasks`); ``None``, the
    #: roles' ``finalize`` rules alone, as before the table existed.
    tasks: Mapping[str, TaskPolicy] | None = None

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
        return self

    # -- deny rules -------------------------------------------------------------------

    def _applicable_denies(self, p: Principal) -> list[tuple[DenyRule, RecordMatch | None]]:
        """Denies whose principal conditions hold for ``p``, with their record part.

        The record part is ``None`` when the rule has no record condition: it then
        denies every record.
        """
        found: list[tuple[DenyRule, RecordMatch | None]] = []
        for rule in self.deny:
            if rule.roles is not None and p.role not in rule.roles:
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
            if not sets:
                found.append((rule, None))
                continue
            found.append(
                (
                    rule,
                    RecordMatch(
                        regions=sets.get("region"),
                        lines_of_business=sets.get("line_of_business"),
                        sensitivities=sets.get("sensitivity"),
                    ),
                )
            )
        return found

    # -- compiled forms ---------------------------------------------------------------

    def claim_scope(self, p: Principal) -> ClaimScope:
        """Compile ``p``'s claim read rights into the scope retrieval pushes down."""
        role = self.roles.get(p.role)
        pairs: frozenset[tuple[str, str]] | None = None
        sensitivities: frozenset[str] | None = None
        reasons: list[str] = []
        readable = role is not None and role.read is not None
        if role is None or role.read is None:
            reasons.append(f"role {p.role!r} may not read claim content")
        for cond in (role.read or ()) if role else ():
            match cond:
                case PrincipalActive():
                    if not p.active:
                        readable = False
                        reasons.append("principal is inactive")
                case AssignmentContains():
                    pairs = p.assignments
                    if pairs is not None and not pairs:
                        readable = False
                        reasons.append("principal has no assignments")
                case SensitivityPermitted():
                    sensitivities = _permitted_sensitivities(p, cond)
                case HasPrivilege():
                    if cond.privilege not in p.privileges:
                        readable = False
                        reasons.append(f"principal lacks {cond.privilege}")
        denied: list[RecordMatch] = []
        for rule, record_part in self._applicable_denies(p) if readable else ():
            if record_part is None:
                readable = False
                reasons.append(f"denied: {rule.reason}")
            else:
                denied.append(record_part)
        if readable:
            reasons.append(
                "claims of assigned region and line of business"
                if pairs is not None
                else "claims of every region and line of business"
            )
            reasons.append(
                "sensitivities: " + ("all" if sensitivities is None else ", ".join(sorted(sensitivities)))
            )
            reasons.extend(f"except: {rule.reason}" for rule, part in self._applicable_denies(p) if part)
        return ClaimScope(
            principal_id=p.principal_id,
            readable=readable,
            pairs=pairs,
            sensitivities=sensitivities,
            phi_unmasked=readable and self.fields.unmask_privilege in p.privileges,
            reasons=tuple(reasons),
            policy_version=self.version,
            denied=tuple(denied) if readable else (),
        )

    def index_filter(self, p: Principal) -> IndexFilter:
        """Compile what ``p`` may retrieve from the search index."""
        return IndexFilter(
            claims=self.claim_scope(p), reference_readable=self.decide_reference_read(p).allowed
        )

    def write_boundary(self, task: str, p: Principal) -> WriteBoundary:
        """Compile what ``p`` may write for ``task``: actions, records, amounts, paths."""
        rule = self.roles[p.role].finalize if p.role in self.roles else None
        return compile_write_boundary(
            task=task,
            task_policy=(self.tasks or {}).get(task),
            tasks_declared=self.tasks is not None,
            role_limit=(rule.limit, rule.above_limit_privilege) if rule is not None else None,
            principal=p,
            scope=self.claim_scope(p),
        )

    def field_masks(self, p: Principal) -> FieldMasks:
        """Compile which fields ``p`` sees masked and which a model never receives."""
        unmasked = self.fields.unmask_privilege in p.privileges and self.claim_scope(p).readable
        return FieldMasks(
            masked=frozenset() if unmasked else frozenset(self.fields.phi),
            model_dropped=frozenset(self.fields.model_never_sees),
        )

    # -- interpreted decisions --------------------------------------------------------

    def _deny(self, *reasons: str) -> Decision:
        return Decision(allowed=False, reasons=reasons, policy_version=self.version)

    def decide_read(self, p: Principal, attrs: ClaimAttributes) -> Decision:
        """May ``p`` read a claim with ``attrs``? Walks the conditions, with reasons either way."""
        role = self.roles.get(p.role)
        if role is None or role.read is None:
            return self._deny(f"role {p.role!r} may not read claim content")
        for cond in role.read:
            match cond:
                case PrincipalActive():
                    if not p.active:
                        return self._deny("principal is inactive")
                case AssignmentContains():
                    if p.assignments is not None and (attrs.region, attrs.line_of_business) not in (
                        p.assignments
                    ):
                        return self._deny("claim is outside the principal's assignments")
                case SensitivityPermitted():
                    wanted = cond.privilege_prefix + attrs.sensitivity
                    if not (
                        p.all_sensitivities
                        or attrs.sensitivity == cond.unrestricted
                        or wanted in p.privileges
                    ):
                        return self._deny(f"principal lacks {wanted}")
                case HasPrivilege():
                    if cond.privilege not in p.privileges:
                        return self._deny(f"principal lacks {cond.privilege}")
        for rule in self.deny:
            if rule.roles is not None and p.role not in rule.roles:
                continue
            if all(_deny_condition_holds(c, p, attrs) for c in rule.when):
                return self._deny(f"denied: {rule.reason}")
        return Decision(
            allowed=True,
            reasons=("claim within assignments and permitted sensitivity",),
            policy_version=self.version,
        )

    def decide_finalize(self, p: Principal, attrs: ClaimAttributes, total_billed: Decimal) -> Decision:
        """May ``p`` finalize (approve or deny) a claim? Reading it is a prerequisite."""
        read = self.decide_read(p, attrs)
        if not read.allowed:
            return read
        rule = self.roles[p.role].finalize
        if rule is None:
            return self._deny(f"role {p.role!r} may not finalize claims")
        if total_billed > rule.limit and rule.above_limit_privilege not in p.privileges:
            return self._deny(f"high-value claim and the principal lacks {rule.above_limit_privilege}")
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


def _permitted_sensitivities(p: Principal, cond: SensitivityPermitted) -> frozenset[str] | None:
    if p.all_sensitivities:
        return None
    granted = {
        priv.removeprefix(cond.privilege_prefix)
        for priv in p.privileges
        if priv.startswith(cond.privilege_prefix)
    }
    return frozenset({cond.unrestricted, *granted})


def _deny_condition_holds(
    cond: HasPrivilege | LacksPrivilege | RecordIn, p: Principal, a: ClaimAttributes
) -> bool:
    match cond:
        case HasPrivilege():
            return cond.privilege in p.privileges
        case LacksPrivilege():
            return cond.privilege not in p.privileges
        case RecordIn():
            value = {"region": a.region, "line_of_business": a.line_of_business, "sensitivity": a.sensitivity}
            return value[cond.field] in cond.values


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
