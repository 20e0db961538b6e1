"""Compile the declarative policy into PostgreSQL row-level security, as SQL text.

Interlock pushes each principal's :class:`~interlock.policy.values.ClaimScope` into
every claim query it sends. Row-level security is the backstop under that filter: the
database itself refuses rows the policy does not grant, even to a query that forgot the
filter or was written by hand under interlock's database role.

The split mirrors :meth:`PolicyDocument.claim_scope`, which takes a policy and a
principal. The *policy* is compiled here, once, into ``CREATE POLICY`` statements; the
*principal* reaches the database as transaction-local settings (:func:`session_settings`,
applied by :mod:`interlock.connectors.pg_access`), which the policies read with
``current_setting(name, true)``:

========================== ===========================================================
``interlock.principal``    the principal id; a row is visible only when it is named
``interlock.role``         the role whose rules apply
``interlock.active``       ``true`` or ``false``
``interlock.all_assignments`` ``true`` when the principal works every (region, line)
``interlock.assignments``  JSON array of ``{"region": .., "line_of_business": ..}``
``interlock.privileges``   JSON array of privilege names
``interlock.all_sensitivities`` ``true`` when every sensitivity is granted
``interlock.resource_assignments`` JSON object: resource -> array of assignment tuples
                           (each an object position -> value), or ``null`` for every tuple
========================== ===========================================================

A resource the principal's ``resource_assignments`` does not name falls back to
``interlock.all_assignments`` / ``interlock.assignments``, exactly as
:meth:`~interlock.policy.principal.Principal.assignments_for` does in memory.

Every policy fails closed: an unset or empty setting makes its comparison NULL, and a
NULL grant grants nothing (with no principal set, every protected table reads empty).
Deny rules become *restrictive* policies that also treat "unknown" as "denied".

Each resource's declared ``rls.table`` carries its access attributes (in the columns
the declaration maps them to); the tables its ``rls.via`` lists (for claims: lines,
diagnoses, notes, adjudications and their lines, members, prior authorizations) are
visible exactly when a visible row of their parent refers to them: their policies are
``EXISTS`` sub-queries on the parent, to which row-level security applies again.
Reference data and the staff tables carry no record content and are not row-filtered
(interlock reads staff to build principals before any principal exists).

This module is pure (the policy package may not import a database driver): it returns
text and never talks to a database.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Final

from interlock.exceptions import ConfigurationError
from interlock.policy.document import (
    AssignmentContains,
    DenyRule,
    HasPrivilege,
    LacksPrivilege,
    PolicyDocument,
    PrincipalActive,
    RecordIn,
    SensitivityPermitted,
    sensitivity_terms,
)
from interlock.policy.principal import LEGACY_ASSIGNMENT, Principal
from interlock.policy.resources import (
    CLAIM_RLS_VIA,
    DEFAULT_RESOURCE,
    ResourceDeclaration,
    RlsLayout,
    legacy_claims_resource,
)

PRINCIPAL: Final = "interlock.principal"
ROLE: Final = "interlock.role"
ACTIVE: Final = "interlock.active"
ALL_ASSIGNMENTS: Final = "interlock.all_assignments"
ASSIGNMENTS: Final = "interlock.assignments"
PRIVILEGES: Final = "interlock.privileges"
ALL_SENSITIVITIES: Final = "interlock.all_sensitivities"
RESOURCE_ASSIGNMENTS: Final = "interlock.resource_assignments"
SETTINGS: Final = (
    PRINCIPAL,
    ROLE,
    ACTIVE,
    ALL_ASSIGNMENTS,
    ASSIGNMENTS,
    PRIVILEGES,
    ALL_SENSITIVITIES,
    RESOURCE_ASSIGNMENTS,
)

CLAIMS: Final = "claims"
#: Tables visible through a visible claim: table -> (its column, the claims column it names).
VIA_CLAIM: Final = {table: (column, column) for table, column, parent in CLAIM_RLS_VIA if parent is None}
#: The tables the claims resource's row-level security protects (the legacy layout).
PROTECTED_TABLES: Final = (CLAIMS, *(table for table, _, _ in CLAIM_RLS_VIA))
POLICY_PREFIX: Final = "interlock_"
_MAX_IDENTIFIER: Final = 63


def session_settings(principal: Principal) -> dict[str, str]:
    """The settings that identify ``principal`` to the row-level security policies."""
    pairs = sorted(principal.assignments or ())
    by_resource = {
        name: None if tuples is None else [_positions(t) for t in sorted(tuples)]
        for name, tuples in sorted(principal.resource_assignments.items())
    }
    return {
        PRINCIPAL: principal.principal_id,
        ROLE: principal.role,
        ACTIVE: _bool(principal.active),
        ALL_ASSIGNMENTS: _bool(principal.assignments is None),
        ASSIGNMENTS: json.dumps([{"region": r, "line_of_business": lob} for r, lob in pairs]),
        PRIVILEGES: json.dumps(sorted(principal.privileges)),
        ALL_SENSITIVITIES: _bool(principal.all_sensitivities),
        RESOURCE_ASSIGNMENTS: json.dumps(by_resource),
    }


def _positions(values: tuple[str, ...]) -> dict[str, str]:
    """One assignment tuple as a JSON object keyed by position.

    Not an array: jsonb containment ignores order and repetition inside arrays, so
    ``[["a", "b"]] @> [["b", "a"]]`` holds; an object's keys pin each value to its place.
    """
    return {str(i): value for i, value in enumerate(values)}


def cleared_settings() -> dict[str, str]:
    """Every setting empty: what a connection carries when no principal is acting."""
    return dict.fromkeys(SETTINGS, "")


def _bool(value: bool) -> str:
    return "true" if value else "false"


# -- SQL text ---------------------------------------------------------------------------


def quote_literal(value: str) -> str:
    """A SQL string literal (``standard_conforming_strings`` is on since PostgreSQL 9.1)."""
    if "\x00" in value:
        raise ConfigurationError("a policy value may not contain a NUL character")
    return "'" + value.replace("'", "''") + "'"


def quote_ident(name: str) -> str:
    """A quoted SQL identifier; refuses names PostgreSQL would silently truncate."""
    if not name or "\x00" in name or len(name.encode()) > _MAX_IDENTIFIER:
        raise ConfigurationError(f"{name!r} cannot be a PostgreSQL identifier (1-63 bytes, no NUL)")
    return '"' + name.replace('"', '""') + '"'


def _setting(name: str) -> str:
    return f"current_setting({quote_literal(name)}, true)"


def _json_setting(name: str) -> str:
    # NULLIF: a setting that was set once on the connection and then cleared reads as ''.
    return f"NULLIF({_setting(name)}, '')::jsonb"


def _flag(name: str) -> str:
    return f"{_setting(name)} = 'true'"


def _holds_privilege(privilege: str) -> str:
    return f"{_json_setting(PRIVILEGES)} @> {quote_literal(json.dumps([privilege]))}::jsonb"


def _column(declared: ResourceDeclaration, attribute: str) -> str:
    """The attribute's column as text: assignments and privileges compare JSON strings."""
    return f"({quote_ident(declared.column(attribute))})::text"


def _assignment_contains(resource: str, declared: ResourceDeclaration) -> str:
    """The principal's assignments for ``resource`` hold the row's tuple (see Principal.assignments_for)."""
    attrs = declared.assignment
    own = f"({_json_setting(RESOURCE_ASSIGNMENTS)} -> {quote_literal(resource)})"
    positions = ", ".join(f"{quote_literal(str(i))}, {_column(declared, a)}" for i, a in enumerate(attrs))
    row = f"jsonb_build_array(jsonb_build_object({positions}))"
    if attrs == LEGACY_ASSIGNMENT:
        pair = ", ".join(f"{quote_literal(a)}, {_column(declared, a)}" for a in attrs)
        legacy = f"{_json_setting(ASSIGNMENTS)} @> jsonb_build_array(jsonb_build_object({pair}))"
    else:
        legacy = "false"
    return (
        f"(CASE WHEN {_json_setting(RESOURCE_ASSIGNMENTS)} ? {quote_literal(resource)}"
        f" THEN ({own} = 'null'::jsonb OR {own} @> {row})"
        f" ELSE ({_flag(ALL_ASSIGNMENTS)} OR {legacy}) END)"
    )


def _grant_condition(
    cond: PrincipalActive | AssignmentContains | SensitivityPermitted | HasPrivilege,
    resource: str,
    declared: ResourceDeclaration,
) -> str:
    match cond:
        case PrincipalActive():
            return _flag(ACTIVE)
        case AssignmentContains():
            return _assignment_contains(resource, declared)
        case SensitivityPermitted():
            unrestricted, prefix = sensitivity_terms(cond, declared)
            attribute = declared.sensitivity.attribute if declared.sensitivity else ""
            value = _column(declared, attribute)
            wanted = f"jsonb_build_array({quote_literal(prefix)} || {value})"
            return (
                f"({_flag(ALL_SENSITIVITIES)} OR {value} = {quote_literal(unrestricted)}"
                f" OR {_json_setting(PRIVILEGES)} @> {wanted})"
            )
        case HasPrivilege():
            return _holds_privilege(cond.privilege)


def _deny_condition(cond: HasPrivilege | LacksPrivilege | RecordIn, declared: ResourceDeclaration) -> str:
    match cond:
        case HasPrivilege():
            return _holds_privilege(cond.privilege)
        case LacksPrivilege():
            return f"NOT ({_holds_privilege(cond.privilege)})"
        case RecordIn():
            values = ", ".join(quote_literal(v) for v in sorted(cond.values))
            return f"{_column(declared, cond.field)} IN ({values})"


def role_predicate(role: str, policy: PolicyDocument, resource: str = DEFAULT_RESOURCE) -> str | None:
    """SQL over a row of ``resource``'s table, true when ``role``'s read rules grant it; None if none do."""
    rules = policy.reading_role(resource, role)
    if rules is None or rules.read is None:
        return None
    declared = policy.resource(resource)
    parts = [
        f"{_setting(PRINCIPAL)} <> ''",
        f"{_setting(ROLE)} = {quote_literal(role)}",
        *(_grant_condition(c, resource, declared) for c in rules.read),
    ]
    return "(" + "\n      AND ".join(parts) + ")"


def deny_predicate(rule: DenyRule, declared: ResourceDeclaration | None = None) -> str:
    """SQL over a row of the resource's table, true when ``rule`` does *not* refuse it (unknown refuses).

    ``declared`` maps the rule's attributes to columns (omitted: the claims columns).
    """
    declared = declared or legacy_claims_resource()
    parts = [_deny_condition(c, declared) for c in rule.when]
    if rule.roles is not None:
        roles = ", ".join(quote_literal(r) for r in sorted(rule.roles))
        parts.insert(0, f"{_setting(ROLE)} IN ({roles})")
    return f"NOT COALESCE(({' AND '.join(parts)}), true)"


def _policy(name: str, table: str, using: str, *, restrictive: bool = False) -> str:
    kind = "RESTRICTIVE" if restrictive else "PERMISSIVE"
    return (
        f"CREATE POLICY {quote_ident(name)} ON {quote_ident(table)} AS {kind} FOR ALL TO PUBLIC\n"
        f"    USING ({using});"
    )


def _drop_previous(tables: tuple[str, ...]) -> str:
    """Drop every policy an earlier run created, so a removed role loses its grant too."""
    listed = ", ".join(quote_literal(t) for t in tables)
    return (
        "DO $interlock$\nDECLARE p record;\nBEGIN\n"  # noqa: S608 - values quoted by quote_literal
        "  FOR p IN SELECT policyname, tablename FROM pg_policies\n"
        f"    WHERE schemaname = current_schema() AND tablename IN ({listed})\n"
        f"      AND left(policyname, {len(POLICY_PREFIX)}) = {quote_literal(POLICY_PREFIX)}\n"
        "  LOOP\n"
        "    EXECUTE 'DROP POLICY ' || quote_ident(p.policyname) || ' ON ' || quote_ident(p.tablename);\n"
        "  END LOOP;\n"
        "END\n$interlock$;"
    )


def protected_tables(policy: PolicyDocument, resources: Sequence[str] | None = None) -> tuple[str, ...]:
    """Every table :func:`compile_rls` protects for ``resources`` (default: claims)."""
    names = _rls_resources(policy, resources)
    return tuple(t for name in names for t in _layout(policy, name).tables)


def _rls_resources(policy: PolicyDocument, resources: Sequence[str] | None) -> tuple[str, ...]:
    names = tuple(resources) if resources is not None else (DEFAULT_RESOURCE,)
    for name in names:
        _layout(policy, name)
    return names


def _layout(policy: PolicyDocument, resource: str) -> RlsLayout:
    layout = policy.resource(resource).rls
    if layout is None:
        raise ConfigurationError(
            f"resource {resource} declares no rls table: row-level security cannot protect it"
        )
    return layout


def _resource_statements(policy: PolicyDocument, resource: str) -> list[str]:
    """The policies of one resource: a permissive one per reading role, restrictive denies, via tables."""
    declared = policy.resource(resource)
    layout = _layout(policy, resource)
    table = layout.table
    statements = [f"-- resource {resource}: table {table}"]
    granted = 0
    for role in sorted(policy.roles):
        predicate = role_predicate(role, policy, resource)
        if predicate is not None:
            statements.append(_policy(f"{POLICY_PREFIX}read_{role}", table, predicate))
            granted += 1
    if not granted:
        statements.append(f"-- no role may read {resource}: no permissive policy, every row is refused")
    for i, rule in policy.denies_of(resource):
        if rule.roles is not None and not rule.roles:
            continue  # a rule for no role refuses nothing
        # The rule's reason is free text: it stays in the policy file, never in the SQL.
        statements.append(f"-- deny rule {i}")
        statements.append(
            _policy(f"{POLICY_PREFIX}deny_{i}", table, deny_predicate(rule, declared), restrictive=True)
        )
    for via in layout.via:
        parent = via.parent or table
        parent_column = via.parent_column or via.column
        using = (
            f"EXISTS (SELECT 1 FROM {quote_ident(parent)} AS p"  # noqa: S608 - quoted identifiers
            f" WHERE p.{quote_ident(parent_column)} = {quote_ident(via.table)}.{quote_ident(via.column)})"
        )
        statements.append(_policy(f"{POLICY_PREFIX}via_{parent}"[:_MAX_IDENTIFIER], via.table, using))
    return statements


def compile_rls(policy: PolicyDocument, resources: Sequence[str] | None = None) -> str:
    """The whole row-level security script for ``policy``: idempotent, in one transaction.

    ``resources`` are the resources whose tables live in the database the script is
    for (a claims platform and an ERP are different databases); omitted, ``claims``.
    Re-running it (say after a policy change) replaces every policy it made before.
    Tables are unqualified: run it with ``search_path`` at the system of record's schema.
    The tables' owner and superusers bypass row-level security: interlock must connect
    as a role that owns nothing (``interlock db grant-reader``).
    """
    # The version matches VERSION_PATTERN (no spaces, no line breaks): the one policy
    # string written outside a quoted literal or identifier, and only into a comment.
    names = _rls_resources(policy, resources)
    tables = protected_tables(policy, names)
    statements = [
        f"-- Row-level security for policy {policy.version}, written by `interlock policy emit-rls`.",
        "-- Rows are visible only under the session settings " + ", ".join(SETTINGS) + ".",
        "BEGIN;",
        _drop_previous(tables),
    ]
    statements += [f"ALTER TABLE {quote_ident(t)} ENABLE ROW LEVEL SECURITY;" for t in tables]
    for name in names:
        statements += _resource_statements(policy, name)
    statements.append("COMMIT;")
    return "\n".join(statements) + "\n"
