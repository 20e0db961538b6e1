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
========================== ===========================================================

Every policy fails closed: an unset or empty setting makes its comparison NULL, and a
NULL grant grants nothing (with no principal set, every protected table reads empty).
Deny rules become *restrictive* policies that also treat "unknown" as "denied".

``claims`` carries the access attributes; the tables hanging off a claim (lines,
diagnoses, notes, adjudications and their lines) and off its member (members,
prior authorizations) are visible exactly when a visible claim refers to them: their
policies are ``EXISTS`` sub-queries on ``claims``, to which row-level security applies
again. Reference data and the staff tables carry no claim content and are not
row-filtered (interlock reads staff to build principals before any principal exists).

This module is pure (the policy package may not import a database driver): it returns
text and never talks to a database.
"""

from __future__ import annotations

import json
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
)
from interlock.policy.principal import Principal

PRINCIPAL: Final = "interlock.principal"
ROLE: Final = "interlock.role"
ACTIVE: Final = "interlock.active"
ALL_ASSIGNMENTS: Final = "interlock.all_assignments"
ASSIGNMENTS: Final = "interlock.assignments"
PRIVILEGES: Final = "interlock.privileges"
ALL_SENSITIVITIES: Final = "interlock.all_sensitivities"
SETTINGS: Final = (PRINCIPAL, ROLE, ACTIVE, ALL_ASSIGNMENTS, ASSIGNMENTS, PRIVILEGES, ALL_SENSITIVITIES)

CLAIMS: Final = "claims"
#: Tables visible through a visible claim: table -> (its column, the claims column it names).
VIA_CLAIM: Final = {
    "claim_lines": ("claim_id", "claim_id"),
    "claim_diagnoses": ("claim_id", "claim_id"),
    "clinical_notes": ("claim_id", "claim_id"),
    "adjudications": ("claim_id", "claim_id"),
    "members": ("member_id", "member_id"),
    "prior_authorizations": ("member_id", "member_id"),
}
PROTECTED_TABLES: Final = (CLAIMS, *VIA_CLAIM, "adjudication_lines")
POLICY_PREFIX: Final = "interlock_"
_MAX_IDENTIFIER: Final = 63


def session_settings(principal: Principal) -> dict[str, str]:
    """The settings that identify ``principal`` to the row-level security policies."""
    pairs = sorted(principal.assignments or ())
    return {
        PRINCIPAL: principal.principal_id,
        ROLE: principal.role,
        ACTIVE: _bool(principal.active),
        ALL_ASSIGNMENTS: _bool(principal.assignments is None),
        ASSIGNMENTS: json.dumps([{"region": r, "line_of_business": lob} for r, lob in pairs]),
        PRIVILEGES: json.dumps(sorted(principal.privileges)),
        ALL_SENSITIVITIES: _bool(principal.all_sensitivities),
    }


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


def _grant_condition(
    cond: PrincipalActive | AssignmentContains | SensitivityPermitted | HasPrivilege,
) -> str:
    match cond:
        case PrincipalActive():
            return _flag(ACTIVE)
        case AssignmentContains():
            pair = "jsonb_build_array(jsonb_build_object('region', region, 'line_of_business', line_of_business))"
            return f"({_flag(ALL_ASSIGNMENTS)} OR {_json_setting(ASSIGNMENTS)} @> {pair})"
        case SensitivityPermitted():
            wanted = f"jsonb_build_array({quote_literal(cond.privilege_prefix)} || sensitivity)"
            return (
                f"({_flag(ALL_SENSITIVITIES)} OR sensitivity = {quote_literal(cond.unrestricted)}"
                f" OR {_json_setting(PRIVILEGES)} @> {wanted})"
            )
        case HasPrivilege():
            return _holds_privilege(cond.privilege)


def _deny_condition(cond: HasPrivilege | LacksPrivilege | RecordIn) -> str:
    match cond:
        case HasPrivilege():
            return _holds_privilege(cond.privilege)
        case LacksPrivilege():
            return f"NOT ({_holds_privilege(cond.privilege)})"
        case RecordIn():
            values = ", ".join(quote_literal(v) for v in sorted(cond.values))
            return f"{cond.field} IN ({values})"


def role_predicate(role: str, policy: PolicyDocument) -> str | None:
    """SQL over a ``claims`` row, true when ``role``'s read rules grant it; None if none do."""
    rules = policy.roles.get(role)
    if rules is None or rules.read is None:
        return None
    parts = [
        f"{_setting(PRINCIPAL)} <> ''",
        f"{_setting(ROLE)} = {quote_literal(role)}",
        *(_grant_condition(c) for c in rules.read),
    ]
    return "(" + "\n      AND ".join(parts) + ")"


def deny_predicate(rule: DenyRule) -> str:
    """SQL over a ``claims`` row, true when ``rule`` does *not* refuse it (unknown refuses)."""
    parts = [_deny_condition(c) for c in rule.when]
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


def _drop_previous() -> str:
    """Drop every policy an earlier run created, so a removed role loses its grant too."""
    tables = ", ".join(quote_literal(t) for t in PROTECTED_TABLES)
    return (
        "DO $interlock$\nDECLARE p record;\nBEGIN\n"  # noqa: S608 - values quoted by quote_literal
        "  FOR p IN SELECT policyname, tablename FROM pg_policies\n"
        f"    WHERE schemaname = current_schema() AND tablename IN ({tables})\n"
        f"      AND left(policyname, {len(POLICY_PREFIX)}) = {quote_literal(POLICY_PREFIX)}\n"
        "  LOOP\n"
        "    EXECUTE 'DROP POLICY ' || quote_ident(p.policyname) || ' ON ' || quote_ident(p.tablename);\n"
        "  END LOOP;\n"
        "END\n$interlock$;"
    )


def compile_rls(policy: PolicyDocument) -> str:
    """The whole row-level security script for ``policy``: idempotent, in one transaction.

    Re-running it (say after a policy change) replaces every policy it made before.
    Tables are unqualified: run it with ``search_path`` at the system of record's schema.
    The tables' owner and superusers bypass row-level security: interlock must connect
    as a role that owns nothing (``interlock db grant-reader``).
    """
    # The version matches VERSION_PATTERN (no spaces, no line breaks): the one policy
    # string written outside a quoted literal or identifier, and only into a comment.
    statements = [
        f"-- Row-level security for policy {policy.version}, written by `interlock policy emit-rls`.",
        "-- Rows are visible only under the session settings " + ", ".join(SETTINGS) + ".",
        "BEGIN;",
        _drop_previous(),
    ]
    statements += [f"ALTER TABLE {quote_ident(t)} ENABLE ROW LEVEL SECURITY;" for t in PROTECTED_TABLES]
    granted = 0
    for role in sorted(policy.roles):
        predicate = role_predicate(role, policy)
        if predicate is not None:
            statements.append(_policy(f"{POLICY_PREFIX}read_{role}", CLAIMS, predicate))
            granted += 1
    if not granted:
        statements.append("-- no role may read claims: no permissive policy, every row is refused")
    for i, rule in enumerate(policy.deny):
        if rule.roles is not None and not rule.roles:
            continue  # a rule for no role refuses nothing
        # The rule's reason is free text: it stays in the policy file, never in the SQL.
        statements.append(f"-- deny rule {i}")
        statements.append(_policy(f"{POLICY_PREFIX}deny_{i}", CLAIMS, deny_predicate(rule), restrictive=True))
    for table, (column, claims_column) in VIA_CLAIM.items():
        via = (
            f"EXISTS (SELECT 1 FROM {quote_ident(CLAIMS)} AS c"  # noqa: S608 - quoted identifiers
            f" WHERE c.{quote_ident(claims_column)} = {quote_ident(table)}.{quote_ident(column)})"
        )
        statements.append(_policy(f"{POLICY_PREFIX}via_claim", table, via))
    statements.append(
        _policy(
            f"{POLICY_PREFIX}via_adjudication",
            "adjudication_lines",
            'EXISTS (SELECT 1 FROM "adjudications" AS a'
            ' WHERE a."adjudication_id" = "adjudication_lines"."adjudication_id")',
        )
    )
    statements.append("COMMIT;")
    return "\n".join(statements) + "\n"
