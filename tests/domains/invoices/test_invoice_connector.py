"""The ERP connector: scoped reads pushed into SQL, masks, provenance, one-transaction writes."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from erpworld import POLICY, SERVICE, TASK, ErpWorld
from sqlalchemy import update

from interlock.domains.invoices import schema as t
from interlock.domains.invoices.payload import InvoicePayload
from interlock.domains.invoices.testing.handmade import LICENCE, add_decision, add_invoice
from interlock.exceptions import StaleRecord
from interlock.gate.approval import ApprovedCommit
from interlock.gate.runner import run_gate
from interlock.policy.values import MASK
from interlock.task import PersonDecision, Thresholds

D = Decimal


def test_load_principal_carries_invoice_assignments_privileges_and_approval_limit(erp: ErpWorld) -> None:
    """A staff row becomes a principal whose invoice assignments and approval limit the policy reads."""
    mgr = erp.staff("S-MGR")
    assert mgr.principal_id == "staff:S-MGR"
    assert mgr.role == "ap_manager"
    assert mgr.resource_assignments["invoices"] == frozenset({("AW10", "operations"), ("AW10", "legal")})
    assert mgr.privileges == frozenset({"sensitive:confidential", "vendor:bank"})
    assert mgr.attributes["approval_limit"] == D("50000.00")
    assert mgr.decided_by == "staff:S-MGR"
    assert erp.connector.load_principal("nobody") is None


def test_another_companys_invoice_is_never_read(erp: ErpWorld) -> None:
    """A clerk of AW10 operations sees neither id, version nor content of an AW20 invoice."""
    add_invoice(erp.sor, "INV-OPS")
    add_invoice(erp.sor, "INV-DE", company="AW20", cost_center="AW20-IT", department="it", po=None)
    clerk = TASK.scope(POLICY, erp.staff("S-CLERK"))
    assert erp.connector.pending_records(clerk) == ["INV-OPS"]
    assert erp.connector.record_version("INV-DE", clerk) is None
    assert erp.connector.read_context("INV-DE", clerk) is None
    assert erp.connector.read_context("INV-OPS", clerk) is not None
    assert erp.connector.pending_records(TASK.scope(POLICY, SERVICE)) == ["INV-DE", "INV-OPS"]


def test_confidential_invoice_needs_the_privilege(erp: ErpWorld) -> None:
    """A legal clerk without sensitive:confidential cannot see a confidential legal invoice; the manager can."""
    add_invoice(
        erp.sor,
        "INV-CONF",
        cost_center="AW10-LEG",
        department="legal",
        po=None,
        confidentiality="confidential",
        lines=((None, "Outside counsel, settlement advice", 1, "900.00"),),
    )
    add_invoice(erp.sor, "INV-LEG", cost_center="AW10-LEG", department="legal", po=None)
    legal = TASK.scope(POLICY, erp.staff("S-LEG"))
    assert erp.connector.read_context("INV-CONF", legal) is None
    assert erp.connector.record_version("INV-CONF", legal) is None
    assert erp.connector.pending_records(legal) == ["INV-LEG"]
    manager = TASK.scope(POLICY, erp.staff("S-MGR"))
    assert erp.connector.read_context("INV-CONF", manager) is not None


def test_inactive_staff_and_auditors_read_nothing(erp: ErpWorld) -> None:
    """An inactive clerk and an auditor get no invoice at all."""
    add_invoice(erp.sor, "INV-1")
    for staff_id in ("S-GONE", "S-AUD"):
        s = TASK.scope(POLICY, erp.staff(staff_id))
        assert erp.connector.pending_records(s) == []
        assert erp.connector.read_context("INV-1", s) is None


def test_vendor_tax_id_and_bank_account_are_masked_without_vendor_bank(erp: ErpWorld) -> None:
    """The clerk sees the vendor's tax id and bank account masked; vendor:bank shows them."""
    add_invoice(erp.sor, "INV-1")
    masked = erp.connector.read_context("INV-1", TASK.scope(POLICY, erp.staff("S-CLERK")))
    assert masked is not None and masked.vendor is not None
    assert (masked.vendor.tax_id, masked.vendor.bank_account) == (MASK, MASK)
    shown = erp.connector.read_context("INV-1", TASK.scope(POLICY, erp.staff("S-MGR")))
    assert shown is not None and shown.vendor is not None
    assert shown.vendor.tax_id == "TX-V-1-991"
    assert shown.vendor.bank_account.startswith("DE89")
    service = erp.connector.read_context("INV-1", TASK.scope(POLICY, SERVICE))
    assert service is not None and service.vendor is not None and service.vendor.bank_account == MASK


def test_context_items_carry_provenance_and_the_ids_citations_name(erp: ErpWorld) -> None:
    """Every item has source, id and version; documents and lines use the ids a citation names."""
    add_invoice(erp.sor, "INV-1", po=None, documents=(("invoice_text", LICENCE),))
    ctx = erp.connector.read_context("INV-1", TASK.scope(POLICY, SERVICE))
    assert ctx is not None
    ids = {i.item_id for i in ctx.items}
    assert all(i.provenance.source and i.provenance.record_id and i.provenance.version for i in ctx.items)
    assert set(ctx.citable_texts()) <= ids
    sources = {i.provenance.source for i in ctx.items}
    assert {"invoice", "invoice_line", "document", "vendor", "company", "gl_account"} <= sources
    assert ctx.record_version == 1


def test_po_context_counts_receipts_by_receipt_date_and_approved_quantities(erp: ErpWorld) -> None:
    """Received quantity stops at the invoice's receipt date; approved invoices of the PO count."""
    add_invoice(erp.sor, "INV-OLD", lines=(("WIDGET", "Steel widgets", 15, "12.50"),))
    add_decision(erp.sor, "INV-OLD")
    add_invoice(erp.sor, "INV-NEW", received=date(2026, 5, 4))
    ctx = erp.connector.read_context("INV-NEW", TASK.scope(POLICY, SERVICE))
    assert ctx is not None
    (po_line,) = ctx.po_lines
    assert po_line.received_quantity == 40  # the 60 received on 2026-06-01 are later
    assert po_line.approved_quantity == 15
    assert ctx.purchase_order is not None and ctx.purchase_order.status == "open"


def test_approved_duplicates_compare_normalized_numbers(erp: ErpWorld) -> None:
    """INV-00123 approved before makes 'inv 123' of the same vendor a duplicate; other vendors do not count."""
    add_invoice(erp.sor, "INV-A", number="INV-00123", po=None)
    add_decision(erp.sor, "INV-A")
    add_invoice(erp.sor, "INV-B", number="inv 123", po=None)
    add_invoice(erp.sor, "INV-C", number="inv 123", po=None, vendor_id="V-BANK")
    service = TASK.scope(POLICY, SERVICE)
    b = erp.connector.read_context("INV-B", service)
    c = erp.connector.read_context("INV-C", service)
    assert b is not None and b.approved_duplicates == ("INV-A",)
    assert c is not None and c.approved_duplicates == ()


def _approve_write(erp: ErpWorld, invoice_id: str, key: str) -> ApprovedCommit[InvoicePayload]:
    """A commit minted the only way one can be: a manager's decision passing the gate."""
    manager = erp.staff("S-MGR")
    ctx = erp.connector.read_context(invoice_id, TASK.scope(POLICY, manager))
    assert ctx is not None
    # The ERP only lets a person decide what waits for one.
    held = ctx.invoice.status == "on_hold"
    assert held
    proposal = TASK.person_proposal(ctx, manager, PersonDecision(action="approve"))
    verdict, write = run_gate(
        TASK,
        proposal,
        ctx,
        manager,
        Thresholds(),
        boundary=POLICY.write_boundary(TASK.name, manager),
        idempotency_key=key,
        now=datetime(2026, 5, 5, 10, 0),
    )
    assert verdict.status == "pass", verdict.reasons
    assert isinstance(write, ApprovedCommit)
    return write


def test_a_decision_writes_row_postings_and_status_once_and_a_replay_writes_nothing(erp: ErpWorld) -> None:
    """Decision, postings and status land together; the same key again is already_applied."""
    add_invoice(erp.sor, "INV-1", status="on_hold")
    write = _approve_write(erp, "INV-1", "key-1")
    first = erp.connector.write(write)
    again = erp.connector.write(write)
    assert (first.already_applied, again.already_applied) == (False, True)
    assert first.reference == again.reference
    (row,) = erp.decisions("INV-1")
    assert row["outcome"] == "approve" and row["reason_code"] is None
    assert D(row["approved_amount"]) == D("137.50")
    assert row["idempotency_key"] == "key-1"
    assert erp.postings(row["decision_id"]) == [(1, "5100", "AW10-OPS", D("125.00"))]
    assert erp.invoice("INV-1") == ("approved", 1)  # interlock's writes leave the version alone


def test_a_stale_version_refuses_the_write_and_writes_nothing(erp: ErpWorld) -> None:
    """When the ERP changed the invoice after the decision was made, the write raises StaleRecord."""
    add_invoice(erp.sor, "INV-1", status="on_hold")
    write = _approve_write(erp, "INV-1", "key-1")
    with erp.sor.begin() as conn:
        conn.execute(update(t.invoices).where(t.invoices.c.invoice_id == "INV-1").values(version=2))
    with pytest.raises(StaleRecord):
        erp.connector.write(write)
    assert erp.decisions("INV-1") == []
    assert erp.invoice("INV-1") == ("on_hold", 2)


def test_a_hold_puts_the_invoice_on_hold_and_repeats_harmlessly(erp: ErpWorld) -> None:
    """A hold sets on_hold at the same version; holding again is already_applied; a decided invoice refuses."""
    add_invoice(erp.sor, "INV-1", po=None)
    result = erp.engine().process("INV-1")  # no model: rule 8 cannot be judged, a person decides
    assert result.route == "review"
    assert erp.invoice("INV-1") == ("on_hold", 1)
    assert erp.decisions("INV-1") == []
    manager = erp.staff("S-MGR")
    hold = erp.desk().decide(
        erp.review_id("INV-1"), manager, PersonDecision(action="hold", comment="waiting for the contract")
    )
    assert hold.already_applied and hold.review_status == "open"
    assert erp.invoice("INV-1") == ("on_hold", 1)
