"""Row-level security on the PostgreSQL search index, compiled from the same policy as the system of record's.

Interlock's own searches apply the principal's scope inside candidate generation and
connect as the index's owner. Row-level security is the backstop for anyone else
reading the index tables (a reporting role, a search-only worker, a query written by
hand): under the same session settings as the system of record
(:func:`interlock.policy.rls.session_settings`, applied by
:mod:`interlock.connectors.pg_access`), a role that owns nothing sees exactly the
documents the policy lets its principal read.

* ``search_documents``: one permissive policy per role that reads the resource,
  whose predicate is the system of record's (:func:`~interlock.policy.rls.role_predicate`;
  the index copies the record's access attributes into columns of the same names),
  for ``access_class = 'claim'`` rows; one for reference documents under the
  reference grant; the resource's deny rules as restrictive policies.
* ``search_text``, ``search_access``, ``search_vectors``, ``search_postings``: visible
  exactly when their document is (an ``EXISTS`` on ``search_documents``, to which the
  policies apply again), so a reader learns no weight, term or key of a document it
  may not see.
* ``search_access_keys``, ``search_sync_state`` and ``search_terms`` are not filtered:
  they hold attribute tuples, counts and document frequencies, no document. Document
  frequencies are global (as in any BM25 index), so a reader can learn how many
  documents contain a word, never which ones or what else they say.

A policy this cannot express on the index (an attribute or deny field whose column
the index does not carry) is refused with :class:`ConfigurationError` rather than
compiled into something weaker. Pure: returns text, never talks to a database.
"""

from __future__ import annotations

from typing import Final

from interlock.exceptions import ConfigurationError
from interlock.policy.document import HasPrivilege, LacksPrivilege, PolicyDocument, PrincipalActive, RecordIn
from interlock.policy.resources import DEFAULT_RESOURCE
from interlock.policy.rls import (
    ACTIVE,
    PRINCIPAL,
    PRIVILEGES,
    deny_predicate,
    quote_ident,
    quote_literal,
    role_predicate,
)

#: The attribute columns of ``search_documents``.
INDEX_COLUMNS: Final = frozenset({"region", "line_of_business", "sensitivity"})
#: Tables whose rows belong to one document, visible with it.
VIA_DOCUMENT: Final = ("search_text", "search_access", "search_vectors", "search_postings")
PROTECTED: Final = ("search_documents", *VIA_DOCUMENT)
_PREFIX: Final = "interlock_"


def _reference_predicate(policy: PolicyDocument) -> str:
    parts = [f"current_setting({quote_literal(PRINCIPAL)}, true) <> ''"]
    for cond in policy.reference.read:
        if isinstance(cond, PrincipalActive):
            parts.append(f"current_setting({quote_literal(ACTIVE)}, true) = 'true'")
        elif isinstance(cond, HasPrivilege):
            parts.append(
                f"NULLIF(current_setting({quote_literal(PRIVILEGES)}, true), '')::jsonb"
                f" @> {quote_literal('[' + _json_string(cond.privilege) + ']')}::jsonb"
            )
        else:  # pragma: no cover - the reference grant has no other conditions
            raise ConfigurationError(f"reference condition {cond!r} cannot be compiled for the index")
    return " AND ".join(parts)


def _json_string(value: str) -> str:
    import json  # noqa: PLC0415

    return json.dumps(value)


def _check_columns(policy: PolicyDocument, resource: str) -> None:
    """Refuse a resource whose attributes (or deny fields) the index does not carry under those names."""
    declared = policy.resource(resource)
    for attribute in declared.attributes:
        if declared.column(attribute) not in INDEX_COLUMNS:
            raise ConfigurationError(
                f"resource {resource}: attribute {attribute} lives in column {declared.column(attribute)!r}, "
                "which the search index does not carry"
            )
    for _, rule in policy.denies_of(resource):
        for cond in rule.when:
            if isinstance(cond, RecordIn) and declared.column(cond.field) not in INDEX_COLUMNS:
                raise ConfigurationError(
                    f"a deny rule of {resource} tests {cond.field}, which the search index does not carry"
                )
            if not isinstance(cond, RecordIn | HasPrivilege | LacksPrivilege):  # pragma: no cover
                raise ConfigurationError(f"deny condition {cond!r} cannot be compiled for the index")


def _policy(name: str, table: str, using: str, *, restrictive: bool = False) -> str:
    kind = "RESTRICTIVE" if restrictive else "PERMISSIVE"
    return f"CREATE POLICY {quote_ident(name)} ON {quote_ident(table)} AS {kind} FOR SELECT TO PUBLIC\n    USING ({using});"


def compile_index_rls(policy: PolicyDocument, resource: str = DEFAULT_RESOURCE) -> str:
    """The row-level security script of the search index for ``policy``: idempotent, one transaction."""
    _check_columns(policy, resource)
    declared = policy.resource(resource)
    record = quote_literal(declared.record_name)
    listed = ", ".join(quote_literal(t) for t in PROTECTED)
    statements = [
        f"-- Row-level security of the search index for policy {policy.version}.",
        "BEGIN;",
        "DO $interlock$\nDECLARE p record;\nBEGIN\n"  # noqa: S608 - values quoted by quote_literal
        "  FOR p IN SELECT policyname, tablename FROM pg_policies\n"
        f"    WHERE schemaname = current_schema() AND tablename IN ({listed})\n"
        f"      AND left(policyname, {len(_PREFIX)}) = {quote_literal(_PREFIX)}\n"
        "  LOOP\n"
        "    EXECUTE 'DROP POLICY ' || quote_ident(p.policyname) || ' ON ' || quote_ident(p.tablename);\n"
        "  END LOOP;\n"
        "END\n$interlock$;",
    ]
    statements += [f"ALTER TABLE {quote_ident(t)} ENABLE ROW LEVEL SECURITY;" for t in PROTECTED]
    for role in sorted(policy.roles):
        predicate = role_predicate(role, policy, resource)
        if predicate is not None:
            statements.append(
                _policy(
                    f"{_PREFIX}read_{role}", "search_documents", f"access_class = {record} AND {predicate}"
                )
            )
    statements.append(
        _policy(
            f"{_PREFIX}reference",
            "search_documents",
            f"access_class = 'reference' AND {_reference_predicate(policy)}",
        )
    )
    for i, rule in policy.denies_of(resource):
        if rule.roles is not None and not rule.roles:
            continue
        statements.append(
            _policy(
                f"{_PREFIX}deny_{i}",
                "search_documents",
                f"access_class <> {record} OR {deny_predicate(rule, declared)}",
                restrictive=True,
            )
        )
    for table in VIA_DOCUMENT:
        using = (
            f"EXISTS (SELECT 1 FROM search_documents AS d WHERE d.doc_rowid = {quote_ident(table)}.doc_rowid)"  # noqa: S608 - a quoted identifier
        )
        statements.append(_policy(f"{_PREFIX}via_document", table, using))
    statements.append("COMMIT;")
    return "\n".join(statements) + "\n"
