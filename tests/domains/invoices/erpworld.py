"""A real ERP (SQLite or PostgreSQL) with Interlock's store beside it, for the invoices tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, select

from interlock.assembly import build_engine
from interlock.audit.chain import AuditLog
from interlock.domains.invoices import schema as t
from interlock.domains.invoices.connector import SqlInvoicesConnector
from interlock.domains.invoices.task import InvoicesApprove
from interlock.engine import Engine as TaskEngine
from interlock.engine import EngineSettings
from interlock.models.base import ModelClient
from interlock.policy.document import default_policy
from interlock.policy.principal import Principal, service_principal
from interlock.review.decide import ReviewDesk
from interlock.review.queue import open_reviews
from interlock.work.store import WorkStore

TASK = InvoicesApprove()
POLICY = default_policy()
#: The service principal of automatic processing, given the approval limit an operator sets.
SERVICE = service_principal(attributes={"approval_limit": Decimal("25000.00")})


@dataclass
class ErpWorld:
    """The ERP, the store and the connector over them."""

    sor: Engine
    store: Engine
    connector: SqlInvoicesConnector = field(init=False)

    def __post_init__(self) -> None:
        self.connector = SqlInvoicesConnector(self.sor)

    def engine(
        self, model: ModelClient | None = None, principal: Principal = SERVICE
    ) -> TaskEngine[Any, Any, Any, Any]:
        return build_engine(
            "invoices.approve",
            connector=self.connector,
            store=WorkStore(self.store, AuditLog(self.store)),
            principal=principal,
            model=model,
            settings=EngineSettings(deadline_seconds=10.0),
        )

    def desk(self) -> ReviewDesk:
        return ReviewDesk(task=TASK, connector=self.connector, store=self.store, audit=AuditLog(self.store))

    def staff(self, staff_id: str) -> Principal:
        principal = self.connector.load_principal(staff_id)
        assert principal is not None
        return principal

    def review_id(self, invoice_id: str) -> str:
        scope = TASK.scope(POLICY, SERVICE)
        found = [r.review_id for r in open_reviews(self.store, scope) if r.claim_id == invoice_id]
        assert len(found) == 1, found
        return found[0]

    def invoice(self, invoice_id: str) -> tuple[str, int]:
        with self.sor.connect() as conn:
            row = conn.execute(
                select(t.invoices.c.status, t.invoices.c.version).where(t.invoices.c.invoice_id == invoice_id)
            ).one()
        return str(row.status), int(row.version)

    def decisions(self, invoice_id: str) -> list[dict[str, Any]]:
        with self.sor.connect() as conn:
            rows = conn.execute(
                select(t.invoice_decisions).where(t.invoice_decisions.c.invoice_id == invoice_id)
            ).mappings()
            return [dict(r) for r in rows]

    def postings(self, decision_id: str) -> list[tuple[int, str, str, Decimal]]:
        with self.sor.connect() as conn:
            rows = conn.execute(
                select(t.invoice_postings)
                .where(t.invoice_postings.c.decision_id == decision_id)
                .order_by(t.invoice_postings.c.line_no)
            ).mappings()
            return [
                (int(r["line_no"]), r["gl_account"], r["cost_center"], Decimal(r["amount"])) for r in rows
            ]
