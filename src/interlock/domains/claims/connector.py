"""The SQL connector for the reference claims system of record.

It is the only code that reads claim content from, or writes to, the system of record.
Reads take a :class:`ClaimScope` and push it into the SQL of the claim query, so a
claim outside the scope is never fetched, let alone filtered afterwards. Writes take
only an approved write minted by the gate or a person's review decision, and each is
one transaction guarded by the claim version and the idempotency key.
"""

from __future__ import annotations

import functools
import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Concatenate, ParamSpec, TypeVar

import pybreaker
from sqlalchemy import Connection, Engine, RowMapping, Select, Table, bindparam, func, select
from sqlalchemy.exc import DisconnectionError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as SATimeoutError

from interlock.domains.claims import schema as t
from interlock.domains.claims.context import (
    Benefit,
    Claim,
    ClaimContext,
    ClaimLine,
    ClinicalNote,
    MedicalPolicy,
    Member,
    Plan,
    PriorAuthorization,
    Procedure,
    Provider,
)
from interlock.domains.claims.rules import Amounts
from interlock.exceptions import ConnectorUnavailable, StaleRecord
from interlock.gate.approval import ApprovedCommit, ApprovedHold, ApprovedWrite
from interlock.policy.entitlements import PHI_FIELDS, ClaimScope, mask_value
from interlock.policy.principal import Principal, staff_principal
from interlock.retrieval.scope import scope_predicate
from interlock.task import ContextItem, Provenance, Receipt, item_id_for

# Every statement is built once and executed with parameters. Building ``select(...)
# .where(column == value)`` per call costs more CPU than SQLite takes to run these small
# queries; a statement built once keeps its cache key and compiled form, so a call is a
# lookup in SQLAlchemy's compiled cache. Statements carrying a scope are built once per
# scope by :func:`_scoped`.

_STAFF = select(t.staff).where(t.staff.c.staff_id == bindparam("staff_id"))
_STAFF_PAIRS = select(t.staff_assignments.c.region, t.staff_assignments.c.line_of_business).where(
    t.staff_assignments.c.staff_id == bindparam("staff_id")
)
_STAFF_PRIVILEGES = select(t.staff_privileges.c.privilege).where(
    t.staff_privileges.c.staff_id == bindparam("staff_id")
)

_LINES = (
    select(t.claim_lines)
    .where(t.claim_lines.c.claim_id == bindparam("claim_id"))
    .order_by(t.claim_lines.c.line_no)
)
_DIAGNOSES = (
    select(t.claim_diagnoses.c.icd10_code)
    .where(t.claim_diagnoses.c.claim_id == bindparam("claim_id"))
    .order_by(t.claim_diagnoses.c.seq)
)
_PROCEDURES = select(t.procedures).where(
    t.procedures.c.procedure_code.in_(bindparam("codes", expanding=True))
)
_BENEFITS = select(t.plan_benefits).where(
    t.plan_benefits.c.plan_id == bindparam("plan_id"),
    t.plan_benefits.c.procedure_code.in_(bindparam("codes", expanding=True)),
)
_POLICIES = select(t.medical_policies).where(
    t.medical_policies.c.policy_id.in_(bindparam("policy_ids", expanding=True))
)
_PRIOR_AUTHS = (
    select(t.prior_authorizations)
    .where(t.prior_authorizations.c.member_id == bindparam("member_id"))
    .order_by(t.prior_authorizations.c.auth_id)
)
_NOTES = (
    select(t.clinical_notes)
    .where(t.clinical_notes.c.claim_id == bindparam("claim_id"))
    .order_by(t.clinical_notes.c.written_at, t.clinical_notes.c.note_id)
)
_DUPLICATE_CANDIDATES = (
    select(t.claims.c.claim_id)
    .join(t.adjudications, t.adjudications.c.claim_id == t.claims.c.claim_id)
    .where(
        t.claims.c.member_id == bindparam("member_id"),
        t.claims.c.billing_npi == bindparam("billing_npi"),
        t.claims.c.service_date == bindparam("service_date"),
        t.claims.c.claim_id != bindparam("claim_id"),
        t.adjudications.c.outcome == "approve",
    )
    .distinct()
)
_CANDIDATE_CODES = select(t.claim_lines.c.claim_id, t.claim_lines.c.procedure_code).where(
    t.claim_lines.c.claim_id.in_(bindparam("claim_ids", expanding=True))
)

_ADJUDICATION_BY_KEY = select(t.adjudications).where(t.adjudications.c.idempotency_key == bindparam("key"))
# The bind names are not column names: an UPDATE reserves those for its SET clause.
_FINALIZE_CLAIM = (
    t.claims.update()
    .where(
        t.claims.c.claim_id == bindparam("target_id"),
        t.claims.c.version == bindparam("target_version"),
        t.claims.c.status.in_(("received", "pended")),
    )
    .values(status="adjudicated")
)
_PEND_CLAIM = (
    t.claims.update()
    .where(
        t.claims.c.claim_id == bindparam("target_id"),
        t.claims.c.version == bindparam("target_version"),
        t.claims.c.status == "received",
    )
    .values(status="pended")
)
_CLAIM_STATE = select(t.claims.c.status, t.claims.c.version).where(
    t.claims.c.claim_id == bindparam("claim_id")
)
_INSERT_ADJUDICATION = t.adjudications.insert()
_INSERT_ADJUDICATION_LINES = t.adjudication_lines.insert()
_ADJUDICATION_COUNT = (
    select(func.count())
    .select_from(t.adjudications)
    .where(t.adjudications.c.claim_id == bindparam("claim_id"))
)


# The claim row comes back with its member, the member's plan and the billing provider,
# each outer-joined (at most one row each, by primary key) under prefixed labels: one round
# trip instead of four. A part whose key is NULL did not match, as an empty lookup would.
_CLAIM_PARTIES = t.claims.outerjoin(t.members, t.members.c.member_id == t.claims.c.member_id)
_CLAIM_PARTIES = _CLAIM_PARTIES.outerjoin(t.plans, t.plans.c.plan_id == t.members.c.plan_id)
_CLAIM_PARTIES = _CLAIM_PARTIES.outerjoin(t.providers, t.providers.c.npi == t.claims.c.billing_npi)


def _labels(prefix: str, table: Table) -> tuple[tuple[str, str], ...]:
    """(column name, label) for each column of ``table``, its one-column primary key first."""
    (key,) = table.primary_key.columns
    columns = (key, *(column for column in table.c if column is not key))
    return tuple((column.name, f"{prefix}__{column.name}") for column in columns)


_MEMBER_LABELS = _labels("member", t.members)
_PLAN_LABELS = _labels("plan", t.plans)
_PROVIDER_LABELS = _labels("provider", t.providers)
_CLAIM_COLUMNS = (
    *t.claims.c,
    *(
        table.c[name].label(label)
        for table, labels in (
            (t.members, _MEMBER_LABELS),
            (t.plans, _PLAN_LABELS),
            (t.providers, _PROVIDER_LABELS),
        )
        for name, label in labels
    ),
)


def _part(row: RowMapping, labels: tuple[tuple[str, str], ...]) -> dict[str, Any] | None:
    """One joined table's columns of ``row`` under their own names; None when it did not match.

    The first label is the table's primary key, which is NULL exactly when the outer join
    found no row.
    """
    if row[labels[0][1]] is None:
        return None
    return {name: row[label] for name, label in labels}


@dataclass(frozen=True, slots=True)
class _ScopedQueries:
    """The claim queries that carry one scope's predicate in their SQL."""

    claim_ids: Select[*tuple[Any, ...]]
    claim_version: Select[*tuple[Any, ...]]
    claim: Select[*tuple[Any, ...]]


@functools.lru_cache(maxsize=4096)
def _scoped(scope: ClaimScope) -> _ScopedQueries:
    """The claim queries for ``scope``, built once per scope.

    A scope names its principal, so an API process keeps one entry per staff member
    who calls it; the bound is generous for that, and an entry costs a few kilobytes.

    The scope's predicate is part of each statement, so the database never returns a
    claim the scope does not permit; only the claim id and status are parameters.
    """
    permitted = scope_predicate(scope, t.claims)
    return _ScopedQueries(
        claim_ids=select(t.claims.c.claim_id)
        .where(t.claims.c.status == bindparam("status"), permitted)
        .order_by(t.claims.c.claim_id),
        claim_version=select(t.claims.c.version).where(
            t.claims.c.claim_id == bindparam("claim_id"), permitted
        ),
        claim=select(*_CLAIM_COLUMNS)
        .select_from(_CLAIM_PARTIES)
        .where(t.claims.c.claim_id == bindparam("claim_id"), permitted),
    )


def _row_version(row: RowMapping | dict[str, Any]) -> str:
    digest = hashlib.sha256(repr(sorted(row.items())).encode()).hexdigest()[:12]
    return f"h{digest}"


_UNAVAILABLE = (OperationalError, InterfaceError, DisconnectionError, SATimeoutError)
P = ParamSpec("P")
R = TypeVar("R")


def _guarded(
    method: Callable[Concatenate[SqlClaimsConnector, P], R],
) -> Callable[Concatenate[SqlClaimsConnector, P], R]:
    """Run a connector call through its circuit breaker; a dead database becomes retryable.

    Lost connections, refused connections and pool time-outs raise
    :class:`ConnectorUnavailable` (the work item is deferred); after repeated failures the
    breaker opens and calls fail at once until the database has had time to recover.
    Constraint violations and other errors are not availability problems and pass through.
    """

    @functools.wraps(method)
    def call(connector: SqlClaimsConnector, /, *args: P.args, **kwargs: P.kwargs) -> R:
        try:
            result: R = connector.breaker.call(method, connector, *args, **kwargs)
            return result
        except pybreaker.CircuitBreakerError:
            raise ConnectorUnavailable("system of record circuit open; waiting before the next try") from None
        except _UNAVAILABLE as exc:
            raise ConnectorUnavailable(f"system of record unavailable: {type(exc).__name__}") from None

    return call


def adjudication_id_for(write: ApprovedCommit[Amounts]) -> str:
    """Derived from the idempotency key, so a retried write produces the same row id."""
    return "ADJ-" + write.reference


def _stale_message(claim_id: str, version: int) -> str:
    return f"claim {claim_id} is no longer at version {version} awaiting a decision"


def _item(source: str, record_id: str, version: str, kind: str) -> ContextItem:
    return ContextItem(
        item_id=item_id_for(source, record_id, version),
        kind=kind,
        provenance=Provenance(source=source, record_id=record_id, version=version),
    )


class SqlClaimsConnector:
    """Reads scoped claim context from, and applies approved writes to, a SQL database."""

    def __init__(self, engine: Engine, *, fail_max: int = 5, reset_seconds: float = 10.0) -> None:
        self.engine = engine
        self.breaker = pybreaker.CircuitBreaker(
            fail_max=fail_max,
            reset_timeout=reset_seconds,
            exclude=[lambda exc: not isinstance(exc, _UNAVAILABLE)],
            name=f"sor:{engine.url.render_as_string(hide_password=True)}",
        )

    # -- principals -----------------------------------------------------------------

    @_guarded
    def load_principal(self, staff_id: str) -> Principal | None:
        """The principal for ``staff_id`` from the staff tables, or None if unknown."""
        with self.engine.connect() as conn:
            params = {"staff_id": staff_id}
            row = conn.execute(_STAFF, params).mappings().first()
            if row is None:
                return None
            pairs = conn.execute(_STAFF_PAIRS, params).all()
            privileges = conn.execute(_STAFF_PRIVILEGES, params).scalars()
            return staff_principal(
                staff_id=staff_id,
                role=str(row["role"] or ""),
                active=bool(row["active"]),
                assignments=frozenset((str(r), str(lob)) for r, lob in pairs),
                privileges=frozenset(str(p) for p in privileges),
            )

    # -- reads ----------------------------------------------------------------------

    @_guarded
    def claim_ids(self, scope: ClaimScope, *, status: str = "received") -> list[str]:
        """Ids of the claims in ``status`` that ``scope`` permits, in id order."""
        query = _scoped(scope).claim_ids
        with self.engine.connect() as conn:
            return [str(x) for x in conn.execute(query, {"status": status}).scalars()]

    @_guarded
    def claim_version(self, claim_id: str, scope: ClaimScope) -> int | None:
        """The claim's current version if ``scope`` permits it, else None."""
        query = _scoped(scope).claim_version
        with self.engine.connect() as conn:
            value = conn.execute(query, {"claim_id": claim_id}).scalar()
        return None if value is None else int(value)

    def pending_records(self, scope: ClaimScope) -> list[str]:
        """Claims awaiting a decision (``received``) that ``scope`` permits."""
        return self.claim_ids(scope, status="received")

    def record_version(self, record_id: str, scope: ClaimScope) -> int | None:
        """The connector seam's name for :meth:`claim_version`."""
        return self.claim_version(record_id, scope)

    def read_context(self, record_id: str, scope: ClaimScope) -> ClaimContext | None:
        """The connector seam's name for :meth:`fetch_context`."""
        return self.fetch_context(record_id, scope)

    @_guarded
    def fetch_context(self, claim_id: str, scope: ClaimScope) -> ClaimContext | None:
        """Everything about one claim that ``scope`` permits, or None when it permits nothing.

        None means "not found or not permitted"; callers must not distinguish the two.
        """
        query = _scoped(scope).claim
        with self.engine.connect() as conn:
            claim_row = conn.execute(query, {"claim_id": claim_id}).mappings().first()
            if claim_row is None:
                return None
            return self._assemble(conn, claim_row, scope)

    def _assemble(self, conn: Connection, row: RowMapping, scope: ClaimScope) -> ClaimContext:
        claim = Claim(
            claim_id=str(row["claim_id"]),
            member_id=str(row["member_id"]),
            billing_npi=str(row["billing_npi"]),
            service_date=row["service_date"],
            received_date=row["received_date"],
            place_of_service=str(row["place_of_service"]),
            total_billed=Decimal(row["total_billed"]),
            region=str(row["region"]),
            line_of_business=str(row["line_of_business"]),
            sensitivity=str(row["sensitivity"]),
            status=str(row["status"]),
            version=int(row["version"]),
        )
        cid = claim.claim_id
        by_claim = {"claim_id": cid}
        items: list[ContextItem] = [_item("claim", cid, f"v{claim.version}", "claim")]
        lines = tuple(
            ClaimLine(
                line_no=int(r.line_no),
                procedure_code=str(r.procedure_code),
                units=int(r.units),
                billed_amount=Decimal(r.billed_amount),
            )
            for r in conn.execute(_LINES, by_claim)
        )
        diagnoses = tuple(str(code) for code in conn.execute(_DIAGNOSES, by_claim).scalars())
        member_row = _part(row, _MEMBER_LABELS)
        member = None if member_row is None else self._member(member_row, scope, items)
        plan_row = None if member is None else _part(row, _PLAN_LABELS)
        plan = None if plan_row is None else self._plan(plan_row, items)
        provider_row = _part(row, _PROVIDER_LABELS)
        provider = None
        if provider_row is not None:
            provider = Provider(
                npi=str(provider_row["npi"]),
                in_network=bool(provider_row["in_network"]),
                active=bool(provider_row["active"]),
            )
            items.append(_item("provider", provider.npi, _row_version(provider_row), "provider"))
        codes = sorted({ln.procedure_code for ln in lines})
        procedures = self._procedures(conn, codes, items)
        benefits = self._benefits(conn, plan.plan_id if plan else None, codes, items)
        policy_ids = sorted({p.medical_policy_id for p in procedures.values() if p.medical_policy_id})
        policies = self._policies(conn, policy_ids, items)
        prior_auths = self._prior_auths(conn, claim.member_id, items) if member else ()
        notes = self._notes(conn, by_claim, items)
        duplicates = self._approved_duplicates(conn, claim, lines)
        return ClaimContext(
            claim=claim,
            lines=lines,
            diagnoses=diagnoses,
            member=member,
            plan=plan,
            provider=provider,
            procedures=procedures,
            benefits=benefits,
            policies=policies,
            prior_auths=prior_auths,
            notes=notes,
            approved_duplicates=duplicates,
            items=tuple(items),
        )

    @staticmethod
    def _member(row: dict[str, Any], scope: ClaimScope, items: list[ContextItem]) -> Member:
        member_id = str(row["member_id"])
        items.append(_item("member", member_id, _row_version(row), "member"))
        phi: dict[str, str] = {}
        for field in PHI_FIELDS:
            if field == "birth_date":
                continue
            value = str(row[field])
            phi[field] = value if scope.phi_unmasked else mask_value(field, value)
        return Member(
            member_id=member_id,
            plan_id=str(row["plan_id"]),
            region=str(row["region"]),
            coverage_start=row["coverage_start"],
            coverage_end=row["coverage_end"],
            # Rules and age need the birth date; display layers mask it per scope.
            birth_date=row["birth_date"],
            first_name=phi["first_name"],
            last_name=phi["last_name"],
            ssn=phi["ssn"],
            address=phi["address"],
        )

    @staticmethod
    def _plan(row: dict[str, Any], items: list[ContextItem]) -> Plan:
        plan_id = str(row["plan_id"])
        items.append(_item("plan", plan_id, _row_version(row), "plan"))
        return Plan(
            plan_id=plan_id,
            line_of_business=str(row["line_of_business"]),
            network_type=str(row["network_type"]),
            coinsurance_pct=Decimal(row["coinsurance_pct"]),
        )

    def _procedures(
        self, conn: Connection, codes: Sequence[str], items: list[ContextItem]
    ) -> dict[str, Procedure]:
        found: dict[str, Procedure] = {}
        if not codes:
            return found  # an empty IN list matches nothing: skip the round trip
        for row in conn.execute(_PROCEDURES, {"codes": codes}).mappings():
            code = str(row["procedure_code"])
            found[code] = Procedure(
                procedure_code=code,
                description=str(row["description"]),
                fee_schedule_amount=Decimal(row["fee_schedule_amount"]),
                medical_policy_id=row["medical_policy_id"],
            )
            items.append(_item("procedure", code, _row_version(row), "procedure"))
        return found

    def _benefits(
        self, conn: Connection, plan_id: str | None, codes: Sequence[str], items: list[ContextItem]
    ) -> dict[str, Benefit]:
        if plan_id is None or not codes:
            return {}
        found: dict[str, Benefit] = {}
        for row in conn.execute(_BENEFITS, {"plan_id": plan_id, "codes": codes}).mappings():
            code = str(row["procedure_code"])
            found[code] = Benefit(
                procedure_code=code,
                covered=bool(row["covered"]),
                requires_prior_auth=bool(row["requires_prior_auth"]),
            )
            items.append(_item("benefit", f"{plan_id}/{code}", _row_version(row), "benefit"))
        return found

    def _policies(
        self, conn: Connection, policy_ids: Sequence[str], items: list[ContextItem]
    ) -> dict[str, MedicalPolicy]:
        found: dict[str, MedicalPolicy] = {}
        if not policy_ids:
            return found
        for row in conn.execute(_POLICIES, {"policy_ids": policy_ids}).mappings():
            policy = MedicalPolicy(
                policy_id=str(row["policy_id"]),
                title=str(row["title"]),
                body=str(row["body"]),
                line_of_business=row["line_of_business"],
                effective_from=row["effective_from"],
                effective_to=row["effective_to"],
                updated_at=row["updated_at"],
            )
            found[policy.policy_id] = policy
            items.append(_item("policy", policy.policy_id, policy.updated_at.isoformat(), "policy"))
        return found

    def _prior_auths(
        self, conn: Connection, member_id: str, items: list[ContextItem]
    ) -> tuple[PriorAuthorization, ...]:
        found: list[PriorAuthorization] = []
        for row in conn.execute(_PRIOR_AUTHS, {"member_id": member_id}).mappings():
            found.append(
                PriorAuthorization(
                    auth_id=str(row["auth_id"]),
                    procedure_code=row["procedure_code"],
                    status=row["status"],
                    valid_from=row["valid_from"],
                    valid_to=row["valid_to"],
                )
            )
            items.append(_item("prior_auth", str(row["auth_id"]), _row_version(row), "prior_auth"))
        return tuple(found)

    def _notes(
        self, conn: Connection, by_claim: dict[str, str], items: list[ContextItem]
    ) -> tuple[ClinicalNote, ...]:
        found: list[ClinicalNote] = []
        for row in conn.execute(_NOTES, by_claim).mappings():
            note = ClinicalNote(
                note_id=str(row["note_id"]),
                author=str(row["author"]),
                written_at=row["written_at"],
                body=str(row["body"] or ""),
            )
            found.append(note)
            items.append(_item("note", note.note_id, note.written_at.isoformat(), "note"))
        return tuple(found)

    def _approved_duplicates(
        self, conn: Connection, claim: Claim, lines: Iterable[ClaimLine]
    ) -> tuple[str, ...]:
        """Approved claims of the same member, provider and service date with the same codes.

        The candidates' lines come back in one query rather than one query per candidate;
        a candidate without lines keeps an empty count, as it would alone.
        """
        wanted = Counter(ln.procedure_code for ln in lines)
        params = {
            "member_id": claim.member_id,
            "billing_npi": claim.billing_npi,
            "service_date": claim.service_date,
            "claim_id": claim.claim_id,
        }
        candidates = sorted(str(c) for c in conn.execute(_DUPLICATE_CANDIDATES, params).scalars())
        if not candidates:
            return ()
        codes: dict[str, Counter[str]] = {other: Counter() for other in candidates}
        for other, code in conn.execute(_CANDIDATE_CODES, {"claim_ids": candidates}):
            codes[str(other)][str(code)] += 1
        return tuple(other for other in candidates if codes[other] == wanted)

    # -- writes ---------------------------------------------------------------------

    @_guarded
    def write(self, approved: ApprovedWrite[Amounts]) -> Receipt:
        """Apply one approved write in one transaction of the system of record.

        A commit inserts the adjudication and its lines and marks the claim
        adjudicated, only while the claim still has the version that was decided; a
        hold pends it. A write whose idempotency key was already applied returns the
        earlier receipt.
        """
        match approved:
            case ApprovedCommit():
                return self._finalize(approved)
            case ApprovedHold():
                return self._pend(approved)

    def _existing(self, conn: Connection, key: str) -> RowMapping | None:
        return conn.execute(_ADJUDICATION_BY_KEY, {"key": key}).mappings().first()

    def _finalize(self, w: ApprovedCommit[Amounts]) -> Receipt:
        adjudication_id = adjudication_id_for(w)
        try:
            with self.engine.begin() as conn:
                prior = self._existing(conn, w.idempotency_key)
                if prior is not None:
                    return self._receipt_for(prior, w)
                updated = conn.execute(
                    _FINALIZE_CLAIM, {"target_id": w.record_id, "target_version": w.record_version}
                ).rowcount
                if updated != 1:
                    raise StaleRecord(_stale_message(w.record_id, w.record_version))
                conn.execute(
                    _INSERT_ADJUDICATION,
                    {
                        "adjudication_id": adjudication_id,
                        "claim_id": w.record_id,
                        "claim_version": w.record_version,
                        "outcome": w.outcome,
                        "carc_code": w.reason_code,
                        "allowed_amount": w.payload.allowed,
                        "paid_amount": w.payload.paid,
                        "decided_by": w.decided_by,
                        "rationale": w.rationale,
                        "idempotency_key": w.idempotency_key,
                        "decided_at": w.decided_at.replace(tzinfo=None),
                    },
                )
                conn.execute(
                    _INSERT_ADJUDICATION_LINES,
                    [
                        {
                            "adjudication_id": adjudication_id,
                            "line_no": line.line_no,
                            "allowed_amount": line.allowed,
                            "paid_amount": line.paid,
                        }
                        for line in w.payload.lines
                    ],
                )
        except IntegrityError:
            # Another writer applied the same key (or decided this version) first.
            with self.engine.connect() as conn:
                prior = self._existing(conn, w.idempotency_key)
            if prior is None:
                raise StaleRecord(
                    f"claim {w.record_id} version {w.record_version} was decided elsewhere"
                ) from None
            return self._receipt_for(prior, w)
        return Receipt(
            action="commit",
            record_id=w.record_id,
            record_version=w.record_version,
            reference=adjudication_id,
            already_applied=False,
        )

    @staticmethod
    def _receipt_for(prior: RowMapping, w: ApprovedCommit[Amounts]) -> Receipt:
        return Receipt(
            action="commit",
            record_id=w.record_id,
            record_version=int(prior["claim_version"]),
            reference=str(prior["adjudication_id"]),
            already_applied=True,
        )

    def _pend(self, w: ApprovedHold) -> Receipt:
        with self.engine.begin() as conn:
            updated = conn.execute(
                _PEND_CLAIM, {"target_id": w.record_id, "target_version": w.record_version}
            ).rowcount
            if updated == 1:
                return Receipt.held(w.record_id, w.record_version, already_applied=False)
            current = conn.execute(_CLAIM_STATE, {"claim_id": w.record_id}).first()
        if current is not None and current.status == "pended" and int(current.version) == w.record_version:
            return Receipt.held(w.record_id, w.record_version, already_applied=True)
        raise StaleRecord(_stale_message(w.record_id, w.record_version))

    def adjudication_count(self, claim_id: str) -> int:
        """How many adjudications the claim has (for invariant checks)."""
        with self.engine.connect() as conn:
            return int(conn.execute(_ADJUDICATION_COUNT, {"claim_id": claim_id}).scalar_one())
