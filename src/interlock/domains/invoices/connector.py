"""The SQL connector for the Alder Works ERP (SQLite and PostgreSQL).

It is the only code that reads invoice content from, or writes to, the ERP. Every read
of an invoice carries the principal's :class:`~interlock.policy.values.ResourceScope`
for the ``invoices`` resource inside its SQL (company x department assignments, the
confidentiality flag), so an invoice outside the scope is never fetched; the vendor's
tax id and bank account come back masked unless the scope unmasks them. Writes take
only an approved write minted by the gate or a person's decision: a decision row, its
postings and the invoice's status in one ERP transaction, keyed by the idempotency key
and applied only at the decided version. Interlock's writes leave ``version`` and
``updated_at`` alone (SPEC: nothing else is ever written).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Concatenate, ParamSpec, TypeVar

import pybreaker
from sqlalchemy import Connection, Engine, RowMapping, Select, bindparam, func, select
from sqlalchemy.exc import DisconnectionError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as SATimeoutError

from interlock.domains.invoices import schema as t
from interlock.domains.invoices.context import (
    Company,
    GlAccount,
    Invoice,
    InvoiceContext,
    InvoiceDocument,
    InvoiceLine,
    PoLine,
    PurchaseOrder,
    Vendor,
)
from interlock.domains.invoices.payload import InvoicePayload
from interlock.domains.invoices.rules import normalize_invoice_number
from interlock.exceptions import ConnectorUnavailable, StaleRecord
from interlock.gate.approval import ApprovedCommit, ApprovedHold, ApprovedWrite
from interlock.policy.principal import Principal, staff_principal
from interlock.policy.values import ResourceScope
from interlock.retrieval.scope import scope_predicate
from interlock.task import ContextItem, Provenance, Receipt, item_id_for

__all__ = ["RESOURCE", "SqlInvoicesConnector", "decision_id_for"]

#: The policy resource whose scope every invoice read carries.
RESOURCE = "invoices"
#: Statuses in which an invoice still awaits a decision.
UNDECIDED = ("received", "on_hold")
_STATUS_OF = {"approve": "approved", "reject": "rejected"}

# Statements are built once and executed with parameters (see the claims connector for
# why: SQLAlchemy's compiled cache then makes a call a lookup).

_STAFF = select(t.staff).where(t.staff.c.staff_id == bindparam("staff_id"))
_STAFF_ASSIGNMENTS = select(t.staff_assignments.c.company_code, t.staff_assignments.c.department).where(
    t.staff_assignments.c.staff_id == bindparam("staff_id")
)
_STAFF_PRIVILEGES = select(t.staff_privileges.c.privilege).where(
    t.staff_privileges.c.staff_id == bindparam("staff_id")
)

_LINES = (
    select(t.invoice_lines)
    .where(t.invoice_lines.c.invoice_id == bindparam("invoice_id"))
    .order_by(t.invoice_lines.c.line_no)
)
_DOCUMENTS = (
    select(t.invoice_documents)
    .where(t.invoice_documents.c.invoice_id == bindparam("invoice_id"))
    .order_by(t.invoice_documents.c.received_at, t.invoice_documents.c.doc_id)
)
_VENDOR = select(t.vendors).where(t.vendors.c.vendor_id == bindparam("vendor_id"))
_COMPANY = select(t.companies).where(t.companies.c.company_code == bindparam("company_code"))
_ACCOUNTS = select(t.gl_accounts).order_by(t.gl_accounts.c.account)
_PO = select(t.purchase_orders).where(t.purchase_orders.c.po_number == bindparam("po_number"))
_PO_LINES = (
    select(t.po_lines).where(t.po_lines.c.po_number == bindparam("po_number")).order_by(t.po_lines.c.line_no)
)
_RECEIPTS = (
    select(t.goods_receipts)
    .where(
        t.goods_receipts.c.po_number == bindparam("po_number"),
        t.goods_receipts.c.received_on <= bindparam("received_date"),
    )
    .order_by(t.goods_receipts.c.receipt_id)
)
_APPROVED_IDS = select(t.invoice_decisions.c.invoice_id).where(t.invoice_decisions.c.outcome == "approve")
# Quantities of each item code on *other* invoices of the same PO that have an approve
# decision (rule 7). Aggregates only: no other invoice's content reaches the context.
_APPROVED_QUANTITIES = (
    select(t.invoice_lines.c.item_code, func.sum(t.invoice_lines.c.quantity))
    .join(t.invoices, t.invoices.c.invoice_id == t.invoice_lines.c.invoice_id)
    .where(
        t.invoices.c.po_number == bindparam("po_number"),
        t.invoices.c.invoice_id != bindparam("invoice_id"),
        t.invoices.c.invoice_id.in_(_APPROVED_IDS),
    )
    .group_by(t.invoice_lines.c.item_code)
)
# Other approved invoices of the same vendor (rule 2); numbers are compared normalized.
_APPROVED_OF_VENDOR = (
    select(t.invoices.c.invoice_id, t.invoices.c.vendor_invoice_number)
    .where(
        t.invoices.c.vendor_id == bindparam("vendor_id"),
        t.invoices.c.invoice_id != bindparam("invoice_id"),
        t.invoices.c.invoice_id.in_(_APPROVED_IDS),
    )
    .order_by(t.invoices.c.invoice_id)
)

_DECISION_BY_KEY = select(t.invoice_decisions).where(
    t.invoice_decisions.c.idempotency_key == bindparam("key")
)
_INVOICE_STATE = select(t.invoices.c.status, t.invoices.c.version).where(
    t.invoices.c.invoice_id == bindparam("invoice_id")
)
# Bind names are not column names: an UPDATE reserves those for its SET clause.
_DECIDE = (
    t.invoices.update()
    .where(
        t.invoices.c.invoice_id == bindparam("target_id"),
        t.invoices.c.version == bindparam("target_version"),
        t.invoices.c.status.in_(UNDECIDED),
    )
    .values(status=bindparam("new_status"))
)
_HOLD = (
    t.invoices.update()
    .where(
        t.invoices.c.invoice_id == bindparam("target_id"),
        t.invoices.c.version == bindparam("target_version"),
        t.invoices.c.status == "received",
    )
    .values(status="on_hold")
)
_INSERT_DECISION = t.invoice_decisions.insert()
_INSERT_POSTINGS = t.invoice_postings.insert()


@dataclass(frozen=True, slots=True)
class _ScopedQueries:
    """The invoice queries that carry one scope's predicate in their SQL."""

    pending: Select[Any]
    version: Select[Any]
    invoice: Select[Any]


@functools.lru_cache(maxsize=4096)
def _scoped(scope: ResourceScope) -> _ScopedQueries:
    """The invoice queries of ``scope``, built once per scope (one entry per principal)."""
    permitted = scope_predicate(scope, t.invoices)
    return _ScopedQueries(
        pending=select(t.invoices.c.invoice_id)
        .where(t.invoices.c.status == bindparam("status"), permitted)
        .order_by(t.invoices.c.invoice_id),
        version=select(t.invoices.c.version).where(
            t.invoices.c.invoice_id == bindparam("invoice_id"), permitted
        ),
        invoice=select(t.invoices).where(t.invoices.c.invoice_id == bindparam("invoice_id"), permitted),
    )


def _check_resource(scope: ResourceScope) -> None:
    if scope.resource != RESOURCE:
        # A scope compiled for another resource names other columns: never guess.
        raise TypeError(f"an invoices read needs a scope of resource {RESOURCE!r}, not {scope.resource!r}")


def _digest(values: dict[str, Any]) -> str:
    """A short version marker of a row that has no version column of its own."""
    return "h" + hashlib.sha256(repr(sorted(values.items())).encode()).hexdigest()[:12]


def _item(source: str, record_id: str, version: str, kind: str | None = None) -> ContextItem:
    return ContextItem(
        item_id=item_id_for(source, record_id, version),
        kind=kind or source,
        provenance=Provenance(source=source, record_id=record_id, version=version),
    )


def _money(value: Any) -> Decimal:
    """A money column as a Decimal (SQLite hands back what was stored; never via float text)."""
    return value if isinstance(value, Decimal) else Decimal(str(value))


def decision_id_for(write: ApprovedCommit[InvoicePayload]) -> str:
    """Derived from the idempotency key, so a retried write produces the same decision id."""
    return "DEC-" + write.reference


_UNAVAILABLE = (OperationalError, InterfaceError, DisconnectionError, SATimeoutError)
P = ParamSpec("P")
R = TypeVar("R")


def _guarded(
    method: Callable[Concatenate[SqlInvoicesConnector, P], R],
) -> Callable[Concatenate[SqlInvoicesConnector, P], R]:
    """Run a call through the connector's breaker; a dead ERP becomes a retryable deferral.

    Constraint violations and programming errors are not availability problems and pass
    through untouched.
    """

    @functools.wraps(method)
    def call(connector: SqlInvoicesConnector, /, *args: P.args, **kwargs: P.kwargs) -> R:
        try:
            result: R = connector.breaker.call(method, connector, *args, **kwargs)
            return result
        except pybreaker.CircuitBreakerError:
            raise ConnectorUnavailable("ERP circuit open; waiting before the next try") from None
        except _UNAVAILABLE as exc:
            raise ConnectorUnavailable(f"ERP unavailable: {type(exc).__name__}") from None

    return call


class SqlInvoicesConnector:
    """Reads scoped invoice context from, and applies approved decisions to, the ERP."""

    def __init__(self, engine: Engine, *, fail_max: int = 5, reset_seconds: float = 10.0) -> None:
        self.engine = engine
        self.breaker = pybreaker.CircuitBreaker(
            fail_max=fail_max,
            reset_timeout=reset_seconds,
            exclude=[lambda exc: not isinstance(exc, _UNAVAILABLE)],
            name=f"erp:{engine.url.render_as_string(hide_password=True)}",
        )

    # -- principals -----------------------------------------------------------------

    @_guarded
    def load_principal(self, staff_id: str) -> Principal | None:
        """One staff member as a principal: invoice assignments, privileges, ``approval_limit``.

        The (company_code, department) pairs are the assignments of the ``invoices``
        resource only; the claims-era pairs stay empty, so an ERP login reads no claim.
        """
        with self.engine.connect() as conn:
            params = {"staff_id": staff_id}
            row = conn.execute(_STAFF, params).mappings().first()
            if row is None:
                return None
            pairs = frozenset((str(c), str(d)) for c, d in conn.execute(_STAFF_ASSIGNMENTS, params))
            privileges = frozenset(str(p) for p in conn.execute(_STAFF_PRIVILEGES, params).scalars())
        return staff_principal(
            staff_id=str(row["staff_id"]),
            role=str(row["role"] or ""),
            active=bool(row["active"]),
            assignments=frozenset(),
            privileges=privileges,
            resource_assignments={RESOURCE: pairs},
            attributes={"approval_limit": _money(row["approval_limit"])},
        )

    # -- reads ----------------------------------------------------------------------

    @_guarded
    def invoice_ids(self, scope: ResourceScope, *, status: str = "received") -> list[str]:
        """Ids of the invoices in ``status`` that ``scope`` permits, in id order."""
        _check_resource(scope)
        with self.engine.connect() as conn:
            rows = conn.execute(_scoped(scope).pending, {"status": status}).scalars()
            return [str(x) for x in rows]

    def pending_records(self, scope: ResourceScope) -> list[str]:
        """Invoices awaiting an automatic decision (``received``) that ``scope`` permits."""
        return self.invoice_ids(scope, status="received")

    @_guarded
    def record_version(self, record_id: str, scope: ResourceScope) -> int | None:
        """The invoice's version when ``scope`` permits it, else ``None`` (absent or not permitted)."""
        _check_resource(scope)
        with self.engine.connect() as conn:
            value = conn.execute(_scoped(scope).version, {"invoice_id": record_id}).scalar()
        return None if value is None else int(value)

    @_guarded
    def read_context(self, record_id: str, scope: ResourceScope) -> InvoiceContext | None:
        """Everything about one invoice that ``scope`` permits, or ``None``.

        ``None`` means "not found or not permitted"; callers must not tell the two apart.
        """
        _check_resource(scope)
        with self.engine.connect() as conn:
            row = conn.execute(_scoped(scope).invoice, {"invoice_id": record_id}).mappings().first()
            if row is None:
                return None
            return self._assemble(conn, row, scope)

    def _assemble(self, conn: Connection, row: RowMapping, scope: ResourceScope) -> InvoiceContext:
        invoice = Invoice(
            invoice_id=str(row["invoice_id"]),
            vendor_id=str(row["vendor_id"]),
            vendor_invoice_number=str(row["vendor_invoice_number"]),
            company_code=str(row["company_code"]),
            cost_center=str(row["cost_center"]),
            department=str(row["department"]),
            po_number=None if row["po_number"] is None else str(row["po_number"]),
            currency=str(row["currency"]),
            invoice_date=row["invoice_date"],
            received_date=row["received_date"],
            subtotal=_money(row["subtotal"]),
            tax_amount=_money(row["tax_amount"]),
            total_amount=_money(row["total_amount"]),
            confidentiality=str(row["confidentiality"]),
            status=str(row["status"]),
            version=int(row["version"]),
        )
        iid = invoice.invoice_id
        items: list[ContextItem] = [_item("invoice", iid, f"v{invoice.version}")]
        lines = self._lines(conn, invoice, items)
        documents = self._documents(conn, iid, items)
        vendor = self._vendor(conn, invoice.vendor_id, scope, items)
        company = self._company(conn, invoice.company_code, items)
        accounts = self._accounts(conn, items)
        purchase_order: PurchaseOrder | None = None
        po_lines: tuple[PoLine, ...] = ()
        if invoice.po_number is not None:
            purchase_order, po_lines = self._purchase_order(conn, invoice, items)
        duplicates = self._approved_duplicates(conn, invoice, items)
        return InvoiceContext(
            invoice=invoice,
            lines=lines,
            vendor=vendor,
            company=company,
            purchase_order=purchase_order,
            po_lines=po_lines,
            accounts=accounts,
            documents=documents,
            approved_duplicates=duplicates,
            items=tuple(items),
        )

    @staticmethod
    def _lines(conn: Connection, invoice: Invoice, items: list[ContextItem]) -> tuple[InvoiceLine, ...]:
        found = []
        for r in conn.execute(_LINES, {"invoice_id": invoice.invoice_id}).mappings():
            line = InvoiceLine(
                line_no=int(r["line_no"]),
                item_code=None if r["item_code"] is None else str(r["item_code"]),
                description=str(r["description"]),
                quantity=int(r["quantity"]),
                unit_price=_money(r["unit_price"]),
                amount=_money(r["amount"]),
            )
            found.append(line)
            # The same id InvoiceContext.line_item_id gives: what a citation names.
            items.append(_item("invoice_line", f"{invoice.invoice_id}/{line.line_no}", str(invoice.version)))
        return tuple(found)

    @staticmethod
    def _documents(
        conn: Connection, invoice_id: str, items: list[ContextItem]
    ) -> tuple[InvoiceDocument, ...]:
        found = []
        for r in conn.execute(_DOCUMENTS, {"invoice_id": invoice_id}).mappings():
            doc = InvoiceDocument(
                doc_id=str(r["doc_id"]),
                kind=str(r["kind"]),
                received_at=r["received_at"],
                body=str(r["body"] or ""),
            )
            found.append(doc)
            items.append(_item("document", doc.doc_id, doc.received_at.isoformat(), doc.kind))
        return tuple(found)

    @staticmethod
    def _vendor(
        conn: Connection, vendor_id: str, scope: ResourceScope, items: list[ContextItem]
    ) -> Vendor | None:
        """The vendor with its tax id and bank account masked as the scope says.

        Its version marker covers name, status and when the bank account last changed,
        never the sensitive values themselves.
        """
        r = conn.execute(_VENDOR, {"vendor_id": vendor_id}).mappings().first()
        if r is None:
            return None
        shown = scope.masks.apply({"tax_id": str(r["tax_id"]), "bank_account": str(r["bank_account"])})
        version = _digest({k: r[k] for k in ("vendor_id", "name", "status", "bank_changed_at")})
        items.append(_item("vendor", vendor_id, version))
        return Vendor(
            vendor_id=str(r["vendor_id"]),
            name=str(r["name"]),
            tax_id=shown["tax_id"],
            bank_account=shown["bank_account"],
            bank_changed_at=r["bank_changed_at"],
            status=str(r["status"]),
        )

    @staticmethod
    def _company(conn: Connection, company_code: str, items: list[ContextItem]) -> Company | None:
        r = conn.execute(_COMPANY, {"company_code": company_code}).mappings().first()
        if r is None:
            return None
        items.append(_item("company", company_code, _digest(dict(r))))
        return Company(
            company_code=str(r["company_code"]),
            currency=str(r["currency"]),
            tax_rate_pct=_money(r["tax_rate_pct"]),
        )

    @staticmethod
    def _accounts(conn: Connection, items: list[ContextItem]) -> tuple[GlAccount, ...]:
        """The whole chart of accounts: readable by all active staff, and rule 8's candidates."""
        found = []
        for r in conn.execute(_ACCOUNTS).mappings():
            account = GlAccount(
                account=str(r["account"]),
                name=str(r["name"]),
                description=str(r["description"]),
                requires_po=bool(r["requires_po"]),
                active=bool(r["active"]),
            )
            found.append(account)
            items.append(_item("gl_account", account.account, _digest(dict(r))))
        return tuple(found)

    @staticmethod
    def _purchase_order(
        conn: Connection, invoice: Invoice, items: list[ContextItem]
    ) -> tuple[PurchaseOrder | None, tuple[PoLine, ...]]:
        """The PO, its lines with what was received by the invoice's receipt date and approved already."""
        po_number = str(invoice.po_number)
        r = conn.execute(_PO, {"po_number": po_number}).mappings().first()
        if r is None:
            return None, ()
        items.append(_item("purchase_order", po_number, _digest(dict(r))))
        po = PurchaseOrder(
            po_number=po_number,
            company_code=r["company_code"],
            cost_center=r["cost_center"],
            vendor_id=r["vendor_id"],
            currency=r["currency"],
            status=r["status"],
        )
        received: dict[int, int] = {}
        params = {"po_number": po_number, "received_date": invoice.received_date}
        for g in conn.execute(_RECEIPTS, params).mappings():
            received[int(g["line_no"])] = received.get(int(g["line_no"]), 0) + int(g["quantity"])
            items.append(_item("goods_receipt", str(g["receipt_id"]), _digest(dict(g))))
        approved = {
            str(code): int(total)
            for code, total in conn.execute(
                _APPROVED_QUANTITIES, {"po_number": po_number, "invoice_id": invoice.invoice_id}
            )
            if code is not None
        }
        lines = []
        for pl in conn.execute(_PO_LINES, {"po_number": po_number}).mappings():
            line_no = int(pl["line_no"])
            lines.append(
                PoLine(
                    line_no=line_no,
                    item_code=str(pl["item_code"]),
                    description=str(pl["description"]),
                    quantity=int(pl["quantity"]),
                    unit_price=_money(pl["unit_price"]),
                    gl_account=str(pl["gl_account"]),
                    received_quantity=received.get(line_no, 0),
                    approved_quantity=approved.get(str(pl["item_code"]), 0),
                )
            )
            items.append(_item("po_line", f"{po_number}/{line_no}", _digest(dict(pl))))
        return po, tuple(lines)

    @staticmethod
    def _approved_duplicates(conn: Connection, invoice: Invoice, items: list[ContextItem]) -> tuple[str, ...]:
        """Other approved invoices of the vendor whose normalized number equals this one's (rule 2).

        Only their ids are kept: what the rule needs, and nothing of their content.
        """
        wanted = normalize_invoice_number(invoice.vendor_invoice_number)
        params = {"vendor_id": invoice.vendor_id, "invoice_id": invoice.invoice_id}
        found = tuple(
            str(other)
            for other, number in conn.execute(_APPROVED_OF_VENDOR, params)
            if normalize_invoice_number(str(number)) == wanted
        )
        items.extend(_item("approved_invoice", other, "approve") for other in found)
        return found

    # -- writes ---------------------------------------------------------------------

    @_guarded
    def write(self, approved: ApprovedWrite[InvoicePayload]) -> Receipt:
        """Apply one approved write in one ERP transaction, exactly once.

        A commit inserts the decision and its postings and sets the invoice's status,
        only while the invoice still has the decided version and awaits a decision; a
        hold puts it ``on_hold``. A write whose idempotency key was applied before
        returns the earlier receipt (``already_applied``) and writes nothing. A changed
        or already decided invoice raises :class:`~interlock.exceptions.StaleRecord`.
        """
        match approved:
            case ApprovedCommit():
                return self._decide(approved)
            case ApprovedHold():
                return self._hold(approved)

    @staticmethod
    def _existing(conn: Connection, key: str) -> RowMapping | None:
        return conn.execute(_DECISION_BY_KEY, {"key": key}).mappings().first()

    def _decide(self, w: ApprovedCommit[InvoicePayload]) -> Receipt:
        status = _STATUS_OF.get(w.outcome)
        if status is None:
            raise ValueError(f"an invoice decision is approve or reject, not {w.outcome!r}")
        decision_id = decision_id_for(w)
        try:
            with self.engine.begin() as conn:
                prior = self._existing(conn, w.idempotency_key)
                if prior is not None:
                    return _already(prior, w)
                updated = conn.execute(
                    _DECIDE,
                    {"target_id": w.record_id, "target_version": w.record_version, "new_status": status},
                ).rowcount
                if updated != 1:
                    raise StaleRecord(_stale(w.record_id, w.record_version))
                conn.execute(
                    _INSERT_DECISION,
                    {
                        "decision_id": decision_id,
                        "invoice_id": w.record_id,
                        "invoice_version": w.record_version,
                        "outcome": w.outcome,
                        "reason_code": w.reason_code,
                        "approved_amount": w.payload.approved_amount,
                        "decided_by": w.decided_by,
                        "rationale": w.rationale,
                        "idempotency_key": w.idempotency_key,
                        "decided_at": w.decided_at.replace(tzinfo=None),
                    },
                )
                if w.payload.postings:
                    conn.execute(
                        _INSERT_POSTINGS,
                        [
                            {
                                "decision_id": decision_id,
                                "line_no": p.line_no,
                                "gl_account": p.gl_account,
                                "cost_center": p.cost_center,
                                "amount": p.amount,
                            }
                            for p in w.payload.postings
                        ],
                    )
        except IntegrityError:
            # Another writer applied the same key, or decided this version, first.
            with self.engine.connect() as conn:
                prior = self._existing(conn, w.idempotency_key)
            if prior is None:
                raise StaleRecord(
                    f"invoice {w.record_id} version {w.record_version} was decided elsewhere"
                ) from None
            return _already(prior, w)
        return Receipt(
            action="commit",
            record_id=w.record_id,
            record_version=w.record_version,
            reference=decision_id,
            already_applied=False,
        )

    def _hold(self, w: ApprovedHold) -> Receipt:
        params = {"target_id": w.record_id, "target_version": w.record_version}
        with self.engine.begin() as conn:
            if conn.execute(_HOLD, params).rowcount == 1:
                return Receipt.held(w.record_id, w.record_version, already_applied=False)
            current = conn.execute(_INVOICE_STATE, {"invoice_id": w.record_id}).first()
        if current is not None and current.status == "on_hold" and int(current.version) == w.record_version:
            return Receipt.held(w.record_id, w.record_version, already_applied=True)
        raise StaleRecord(_stale(w.record_id, w.record_version))


def _already(prior: RowMapping, w: ApprovedCommit[InvoicePayload]) -> Receipt:
    return Receipt(
        action="commit",
        record_id=w.record_id,
        record_version=int(prior["invoice_version"]),
        reference=str(prior["decision_id"]),
        already_applied=True,
    )


def _stale(invoice_id: str, version: int) -> str:
    return f"invoice {invoice_id} is no longer at version {version} awaiting a decision"
