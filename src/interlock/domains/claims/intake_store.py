"""Claim intake: inserting a new claim into the system of record, once per identifier.

A new claim is not an adjudication write: it passes no gate and carries no decision,
so it does not go through :class:`~interlock.domains.claims.connector.SqlClaimsConnector`'s
approved-write path. It is what the platform's own intake does for any submitter
(SPEC.md: a claim starts ``received`` at version 1), done here so that claims sent as
FHIR land in the same tables. The caller authorizes it first, through the policy.

The insert is idempotent on the claim id (derived from the sender's identifier): a
second post of the same claim returns the stored one, and a different claim under the
same identifier is refused rather than overwriting what may already be decided.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, select
from sqlalchemy.exc import (
    DisconnectionError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    ProgrammingError,
)
from sqlalchemy.exc import TimeoutError as SATimeoutError

from interlock.domains.claims import schema as t
from interlock.domains.claims.fhir_claim import ClaimDraft, MemberMatch
from interlock.domains.claims.fhir_decision import StoredClaim, StoredDecision, StoredLine
from interlock.exceptions import ConfigurationError, ConnectorUnavailable, InterlockError

R = TypeVar("R")
_UNAVAILABLE = (OperationalError, InterfaceError, DisconnectionError, SATimeoutError)
#: PostgreSQL's SQLSTATE for a statement the role has no privilege for.
_INSUFFICIENT_PRIVILEGE = "42501"


class IdentifierConflict(InterlockError):
    """The identifier already names a different claim in the system of record."""


@dataclass(frozen=True, slots=True, kw_only=True)
class MemberFacts:
    """What intake copies from the member and plan onto a claim (SPEC.md ``claims``)."""

    member_id: str
    region: str
    line_of_business: str


@dataclass(frozen=True, slots=True, kw_only=True)
class IntakeReceipt:
    """The claim as stored: new, or the one an earlier post of the same identifier made."""

    claim_id: str
    claim_version: int
    status: str
    created: bool


class SqlClaimIntake:
    """Looks up the parties a claim references and inserts the claim's rows."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def member_facts(self, member_id: str) -> MemberFacts | None:
        """The member's region and plan's line of business, or None for an unknown member."""
        query = (
            select(t.members.c.region, t.plans.c.line_of_business)
            .join(t.plans, t.plans.c.plan_id == t.members.c.plan_id)
            .where(t.members.c.member_id == member_id)
        )
        row = self._run(lambda conn: conn.execute(query).first())
        if row is None:
            return None
        return MemberFacts(member_id=member_id, region=str(row[0]), line_of_business=str(row[1]))

    def member_for(self, draft: ClaimDraft) -> MemberFacts | None:
        """The member a draft names, by id or by demographics; None when it names none (or several).

        Demographics find a member only when SSN, birth date and family name all match
        exactly one member: a near match, or two members sharing all three, finds none.
        """
        return self.find_member(draft.member_id or None, draft.member_match)

    def find_member(self, member_id: str | None, match: MemberMatch | None) -> MemberFacts | None:
        """The member named by ``member_id``, or else by ``match`` (see :meth:`member_for`)."""
        if member_id:
            return self.member_facts(member_id)
        if match is None:
            return None
        query = (
            select(t.members.c.member_id, t.members.c.last_name)
            .where(t.members.c.ssn == match.ssn)
            .where(t.members.c.birth_date == match.birth_date)
        )
        rows = self._run(lambda conn: conn.execute(query).all())
        found = [str(r[0]) for r in rows if str(r[1]).casefold() == match.family]
        return self.member_facts(found[0]) if len(found) == 1 else None

    def decision(self, claim_id: str) -> dict[str, Any] | None:
        """The latest adjudication of ``claim_id`` (outcome, CARC, allowed and paid), if any."""
        query = (
            select(
                t.adjudications.c.outcome,
                t.adjudications.c.carc_code,
                t.adjudications.c.allowed_amount,
                t.adjudications.c.paid_amount,
            )
            .where(t.adjudications.c.claim_id == claim_id)
            .order_by(t.adjudications.c.claim_version.desc())
        )
        row = self._run(lambda conn: conn.execute(query).first())
        if row is None:
            return None
        return {"outcome": str(row[0]), "carc": row[1], "allowed": row[2], "paid": row[3]}

    def stored_claim(self, claim_id: str) -> StoredClaim | None:
        """The claim as stored, with its lines and latest adjudication; None when there is none.

        Not scoped: the caller checks the claim is within the principal's scope first.
        """
        return self._run(lambda conn: _stored_claim(conn, claim_id))

    def provider_exists(self, npi: str) -> bool:
        """True when ``npi`` is in ``providers`` (active or not: rule 4 judges that)."""
        query = select(t.providers.c.npi).where(t.providers.c.npi == npi)
        return self._run(lambda conn: conn.execute(query).first()) is not None

    def insert(
        self, draft: ClaimDraft, member: MemberFacts, *, received: date, now: datetime
    ) -> IntakeReceipt:
        """Insert the claim, its lines, diagnoses and notes in one transaction, once."""
        try:
            return self._run(lambda conn: self._insert(conn, draft, member, received, now), write=True)
        except IntegrityError:
            # A concurrent post of the same identifier won the race: answer as a replay.
            return self._run(lambda conn: self._replay(conn, draft))

    def _insert(
        self, conn: Connection, draft: ClaimDraft, member: MemberFacts, received: date, now: datetime
    ) -> IntakeReceipt:
        existing = self._replay_or_none(conn, draft)
        if existing is not None:
            return existing
        conn.execute(
            t.claims.insert().values(
                claim_id=draft.claim_id,
                member_id=draft.member_id,
                billing_npi=draft.provider.npi,
                service_date=draft.service_date,
                received_date=received,
                place_of_service=draft.place_of_service,
                total_billed=draft.total_billed,
                region=member.region,
                line_of_business=member.line_of_business,
                sensitivity=draft.sensitivity,
                status="received",
                version=1,
                updated_at=now,
            )
        )
        conn.execute(
            t.claim_lines.insert(),
            [
                {
                    "claim_id": draft.claim_id,
                    "line_no": ln.line_no,
                    "procedure_code": ln.procedure_code,
                    "units": ln.units,
                    "billed_amount": ln.billed_amount,
                }
                for ln in draft.lines
            ],
        )
        if draft.diagnoses:
            conn.execute(
                t.claim_diagnoses.insert(),
                [
                    {"claim_id": draft.claim_id, "seq": i, "icd10_code": c}
                    for i, c in enumerate(draft.diagnoses, 1)
                ],
            )
        if draft.notes:
            conn.execute(
                t.clinical_notes.insert(),
                [
                    {
                        "note_id": f"{draft.claim_id}-n{n.seq}",
                        "claim_id": draft.claim_id,
                        "author": n.author,
                        "written_at": n.written_at,
                        "body": n.body,
                    }
                    for n in draft.notes
                ],
            )
        return IntakeReceipt(claim_id=draft.claim_id, claim_version=1, status="received", created=True)

    def _replay(self, conn: Connection, draft: ClaimDraft) -> IntakeReceipt:
        found = self._replay_or_none(conn, draft)
        if found is None:
            raise IdentifierConflict(f"claim {draft.claim_id} could not be inserted or found")
        return found

    def _replay_or_none(self, conn: Connection, draft: ClaimDraft) -> IntakeReceipt | None:
        """The stored claim if it is this draft's; a different claim is a conflict."""
        row = conn.execute(select(t.claims).where(t.claims.c.claim_id == draft.claim_id)).mappings().first()
        if row is None:
            return None
        lines = conn.execute(
            select(t.claim_lines.c.procedure_code, t.claim_lines.c.units, t.claim_lines.c.billed_amount)
            .where(t.claim_lines.c.claim_id == draft.claim_id)
            .order_by(t.claim_lines.c.line_no)
        ).all()
        diagnoses = conn.execute(
            select(t.claim_diagnoses.c.icd10_code)
            .where(t.claim_diagnoses.c.claim_id == draft.claim_id)
            .order_by(t.claim_diagnoses.c.seq)
        ).scalars()
        stored = (
            row["member_id"],
            row["billing_npi"],
            row["service_date"],
            row["place_of_service"],
            row["total_billed"],
            [tuple(ln) for ln in lines],
            list(diagnoses),
        )
        if stored != _fingerprint(draft):
            raise IdentifierConflict(
                f"identifier {draft.identifier} already names claim {draft.claim_id} with other content"
            )
        return IntakeReceipt(
            claim_id=draft.claim_id,
            claim_version=int(row["version"]),
            status=str(row["status"]),
            created=False,
        )

    def _run(self, work: Callable[[Connection], R], *, write: bool = False) -> R:
        try:
            with self.engine.begin() if write else self.engine.connect() as conn:
                return work(conn)
        except _UNAVAILABLE as exc:
            raise ConnectorUnavailable(f"system of record unavailable: {type(exc).__name__}") from None
        except ProgrammingError as exc:
            # The least-privilege reader role (`interlock db grant-reader`) may not add
            # claims: a deployment choice, to be reported as one, not as a server error.
            if getattr(exc.orig, "sqlstate", None) != _INSUFFICIENT_PRIVILEGE:
                raise
            raise ConfigurationError(
                "this server's system-of-record role may not add claims (intake needs INSERT on "
                "claims, claim_lines, claim_diagnoses and clinical_notes); send claims to a server "
                "whose role may"
            ) from None


def _stored_claim(conn: Connection, claim_id: str) -> StoredClaim | None:
    row = conn.execute(select(t.claims).where(t.claims.c.claim_id == claim_id)).mappings().first()
    if row is None:
        return None
    decided = (
        conn.execute(
            select(t.adjudications)
            .where(t.adjudications.c.claim_id == claim_id)
            .order_by(t.adjudications.c.claim_version.desc())
        )
        .mappings()
        .first()
    )
    amounts: dict[int, tuple[Decimal | None, Decimal | None]] = {}
    decision = None
    if decided is not None:
        for ln in conn.execute(
            select(t.adjudication_lines).where(
                t.adjudication_lines.c.adjudication_id == decided["adjudication_id"]
            )
        ).mappings():
            amounts[int(ln["line_no"])] = (_decimal(ln["allowed_amount"]), _decimal(ln["paid_amount"]))
        decision = StoredDecision(
            adjudication_id=str(decided["adjudication_id"]),
            outcome=str(decided["outcome"]),
            carc=None if decided["carc_code"] is None else str(decided["carc_code"]),
            allowed=Decimal(decided["allowed_amount"]),
            paid=Decimal(decided["paid_amount"]),
            decided_by=str(decided["decided_by"]),
            decided_at=decided["decided_at"],
        )
    lines = tuple(
        StoredLine(
            line_no=int(ln["line_no"]),
            procedure_code=str(ln["procedure_code"]),
            units=int(ln["units"]),
            billed=Decimal(ln["billed_amount"]),
            allowed=amounts.get(int(ln["line_no"]), (None, None))[0],
            paid=amounts.get(int(ln["line_no"]), (None, None))[1],
        )
        for ln in conn.execute(
            select(t.claim_lines)
            .where(t.claim_lines.c.claim_id == claim_id)
            .order_by(t.claim_lines.c.line_no)
        ).mappings()
    )
    return StoredClaim(
        claim_id=claim_id,
        member_id=str(row["member_id"]),
        npi=str(row["billing_npi"]),
        service_date=row["service_date"],
        status=str(row["status"]),
        version=int(row["version"]),
        total=Decimal(row["total_billed"]),
        updated_at=row["updated_at"],
        lines=lines,
        decision=decision,
    )


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(value)


def _fingerprint(draft: ClaimDraft) -> tuple[Any, ...]:
    return (
        draft.member_id,
        draft.provider.npi,
        draft.service_date,
        draft.place_of_service,
        draft.total_billed,
        [(ln.procedure_code, ln.units, ln.billed_amount) for ln in draft.lines],
        list(draft.diagnoses),
    )
