# examples/tickets_refund/connector.py
"""The help desk's database behind Interlock's ``Connector`` seam.

Every read takes the principal's scope on the policy's ``tickets`` resource and pushes
it into the SQL ``WHERE`` clause (over the columns the declaration names), so a ticket
outside the scope reads exactly like a missing one. A write takes only a sealed
approved write and applies it in one transaction, keyed by its idempotency key and
guarded by the ticket version that was decided.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import ColumnElement, Engine, select
from sqlalchemy.exc import IntegrityError, OperationalError

from interlock.exceptions import ConnectorUnavailable, StaleRecord
from interlock.gate.approval import ApprovedCommit, ApprovedHold, ApprovedWrite
from interlock.policy.principal import Principal, staff_principal
from interlock.policy.values import ResourceScope
from interlock.retrieval.scope import scope_predicate
from interlock.task import Receipt
from tickets_refund.context import RESOURCE, TicketContext, ticket_context
from tickets_refund.schema import agents, refunds, ticket_messages, tickets
from tickets_refund.task import RefundPayload

#: Tickets awaiting a decision, and the states a refund decision may still be written in.
AWAITING = ("open", "held")


def _permitted(scope: ResourceScope) -> ColumnElement[bool]:
    """The scope as SQL over ``tickets``; a scope of another resource names other columns."""
    if scope.resource != RESOURCE:
        raise TypeError(f"a ticket read needs a scope of resource {RESOURCE!r}, not {scope.resource!r}")
    return scope_predicate(scope, tickets)


class SqlTicketsConnector:
    """Reads and writes the help desk's tables for ``tickets.refund``."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def pending_records(self, scope: ResourceScope) -> list[str]:
        """Open tickets the scope may read."""
        query = select(tickets.c.ticket_id).where(tickets.c.status == "open", _permitted(scope))
        try:
            with self.engine.connect() as conn:
                return [str(r) for r in conn.execute(query.order_by(tickets.c.ticket_id)).scalars()]
        except OperationalError as exc:
            raise ConnectorUnavailable(f"help desk database: {exc.orig}") from exc

    def record_version(self, record_id: str, scope: ResourceScope) -> int | None:
        """The ticket's version, or ``None`` when it is missing or outside the scope."""
        query = select(tickets.c.version).where(tickets.c.ticket_id == record_id, _permitted(scope))
        try:
            with self.engine.connect() as conn:
                version = conn.execute(query).scalar_one_or_none()
        except OperationalError as exc:
            raise ConnectorUnavailable(f"help desk database: {exc.orig}") from exc
        return None if version is None else int(version)

    def read_context(self, record_id: str, scope: ResourceScope) -> TicketContext | None:
        """The ticket and its messages, read in one transaction, masked for the scope."""
        try:
            with self.engine.connect() as conn:
                row = (
                    conn.execute(select(tickets).where(tickets.c.ticket_id == record_id, _permitted(scope)))
                    .mappings()
                    .first()
                )
                if row is None:
                    return None
                messages = (
                    conn.execute(select(ticket_messages).where(ticket_messages.c.ticket_id == record_id))
                    .mappings()
                    .all()
                )
        except OperationalError as exc:
            raise ConnectorUnavailable(f"help desk database: {exc.orig}") from exc
        return ticket_context(record_id, int(row["version"]), row, messages, scope)

    def load_principal(self, staff_id: str) -> Principal | None:
        """An agent as a principal: their privileges and one (region, product line) assignment.

        The assignment is given for the ``tickets`` resource only; the claims-era
        ``assignments`` stay empty, so an agent reads no claim.
        """
        with self.engine.connect() as conn:
            row = conn.execute(select(agents).where(agents.c.agent_id == staff_id)).mappings().first()
        if row is None:
            return None
        return staff_principal(
            staff_id=staff_id,
            role=str(row["role"]),
            active=bool(row["active"]),
            assignments=frozenset(),
            privileges=frozenset(str(row["privileges"]).split()),
            resource_assignments={RESOURCE: frozenset({(str(row["region"]), str(row["product_line"]))})},
        )

    def write(self, approved: ApprovedWrite[RefundPayload]) -> Receipt:
        """Apply a commit or a hold exactly once, at the decided version."""
        try:
            match approved:
                case ApprovedCommit():
                    return self._commit(approved)
                case ApprovedHold():
                    return self._hold(approved)
        except OperationalError as exc:
            raise ConnectorUnavailable(f"help desk database: {exc.orig}") from exc

    def _receipt(self, w: ApprovedCommit[RefundPayload], refund_id: str, *, again: bool) -> Receipt:
        return Receipt(
            action="commit",
            record_id=w.record_id,
            record_version=w.record_version,
            reference=refund_id,
            already_applied=again,
        )

    def _commit(self, w: ApprovedCommit[RefundPayload]) -> Receipt:
        by_key = select(refunds.c.refund_id).where(refunds.c.idempotency_key == w.idempotency_key)
        refund_id = "R-" + hashlib.sha256(w.idempotency_key.encode()).hexdigest()[:16]
        try:
            with self.engine.begin() as conn:
                prior = conn.execute(by_key).scalar_one_or_none()
                if prior is not None:
                    return self._receipt(w, str(prior), again=True)
                moved = conn.execute(
                    tickets.update()
                    .where(
                        tickets.c.ticket_id == w.record_id,
                        tickets.c.version == w.record_version,
                        tickets.c.status.in_(AWAITING),
                    )
                    .values(status="refunded" if w.outcome == "approve" else "declined")
                ).rowcount
                if moved != 1:
                    raise StaleRecord(f"ticket {w.record_id} is no longer at version {w.record_version}")
                conn.execute(
                    refunds.insert().values(
                        refund_id=refund_id,
                        ticket_id=w.record_id,
                        ticket_version=w.record_version,
                        outcome=w.outcome,
                        reason_code=w.reason_code,
                        amount=w.payload.amount,
                        decided_by=w.decided_by,
                        rationale=w.rationale,
                        idempotency_key=w.idempotency_key,
                        decided_at=w.decided_at.replace(tzinfo=None),
                    )
                )
        except IntegrityError:
            # A concurrent writer applied the same key first: report its refund.
            with self.engine.connect() as conn:
                prior = conn.execute(by_key).scalar_one_or_none()
            if prior is None:
                raise
            return self._receipt(w, str(prior), again=True)
        return self._receipt(w, refund_id, again=False)

    def _hold(self, w: ApprovedHold) -> Receipt:
        with self.engine.begin() as conn:
            moved = conn.execute(
                tickets.update()
                .where(
                    tickets.c.ticket_id == w.record_id,
                    tickets.c.version == w.record_version,
                    tickets.c.status == "open",
                )
                .values(status="held")
            ).rowcount
            if moved != 1:
                current = conn.execute(
                    select(tickets.c.status, tickets.c.version).where(tickets.c.ticket_id == w.record_id)
                ).first()
                if current is None or (current.status, current.version) != ("held", w.record_version):
                    raise StaleRecord(f"ticket {w.record_id} is no longer open at version {w.record_version}")
        return Receipt(
            action="hold",
            record_id=w.record_id,
            record_version=w.record_version,
            reference=None,
            already_applied=moved != 1,
        )
