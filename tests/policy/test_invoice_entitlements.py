"""The shipped invoices resource: INVOICE_POLICY.md's "Who may see and do what", decided and compiled.

Company x department assignments, the confidentiality flag needing
``sensitive:confidential``, vendor bank details masked without ``vendor:bank`` and
never sent to a model, approval up to the person's own ``approval_limit`` (rejection
at any amount), and the ``invoices.approve`` write boundary.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import Column, MetaData, String, Table, create_engine, select

from interlock.policy.document import default_policy
from interlock.policy.principal import Principal, service_principal, staff_principal
from interlock.retrieval.scope import scope_predicate

INVOICES = "invoices"
TASK = "invoices.approve"


def clerk(
    *privileges: str, limit: str | None = "5000.00", role: str = "ap_clerk", active: bool = True
) -> Principal:
    """An AP clerk assigned to AW10/it and AW20/legal, with an approval limit unless ``limit`` is None."""
    return staff_principal(
        staff_id="C1",
        role=role,
        active=active,
        assignments=frozenset(),
        privileges=frozenset(privileges),
        resource_assignments={INVOICES: frozenset({("AW10", "it"), ("AW20", "legal")})},
        attributes={} if limit is None else {"approval_limit": Decimal(limit)},
    )


def invoice(company: str = "AW10", department: str = "it", confidentiality: str = "none") -> dict[str, str]:
    """An invoice's access attributes."""
    return {"company_code": company, "department": department, "confidentiality": confidentiality}


@pytest.mark.parametrize(
    ("principal", "record", "allowed"),
    [
        (clerk(), invoice(), True),
        (clerk(), invoice("AW20", "legal"), True),
        (clerk(), invoice("AW10", "legal"), False),
        (clerk(), invoice("AW20", "it"), False),
        (clerk(), invoice("it", "AW10"), False),
        (clerk(), invoice(confidentiality="confidential"), False),
        (clerk("sensitive:confidential"), invoice(confidentiality="confidential"), True),
        (clerk(active=False), invoice(), False),
        (clerk(role="auditor"), invoice(), False),
        (clerk(role="analyst"), invoice(), False),
        (clerk(role="controller"), invoice(), True),
        (service_principal(), invoice("AW99", "hr", "confidential"), True),
        (service_principal(sensitivities=frozenset()), invoice(confidentiality="confidential"), False),
        (service_principal(resource_assignments={INVOICES: frozenset({("AW20", "hr")})}), invoice(), False),
    ],
)
def test_who_may_read_an_invoice(principal: Principal, record: dict[str, str], allowed: bool) -> None:
    """Assignments, confidentiality, activity and role decide a read, in the interpreter and the compiled scope alike."""
    policy = default_policy()
    decision = policy.decide_record_read(INVOICES, principal, record)
    assert decision.allowed is allowed, decision.reasons
    assert decision.reasons
    assert policy.scope(INVOICES, principal).permits(record) is allowed


def test_claims_assignments_never_open_invoices() -> None:
    """A claims analyst's (region, line of business) pairs give no invoice, even where the values coincide."""
    analyst_like = Principal(
        principal_id="staff:X",
        kind="staff",
        role="service",
        active=True,
        assignments=frozenset({("AW10", "it")}),
        privileges=frozenset(),
    )
    assert not default_policy().decide_record_read(INVOICES, analyst_like, invoice()).allowed
    assert default_policy().scope(INVOICES, analyst_like).assignments == frozenset()


def test_the_scope_compiles_to_sql_over_the_invoices_columns() -> None:
    """The clerk's SQL filter over an invoices table selects exactly its assigned, non-confidential invoices."""
    table = Table(
        "invoices",
        MetaData(),
        Column("invoice_id", String, primary_key=True),
        Column("company_code", String),
        Column("department", String),
        Column("confidentiality", String),
    )
    rows = [
        {"invoice_id": f"{c}/{d}/{s}", "company_code": c, "department": d, "confidentiality": s}
        for c in ("AW10", "AW20", "it")
        for d in ("it", "legal", "AW10")
        for s in ("none", "confidential")
    ]
    engine = create_engine("sqlite://")
    table.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(table.insert(), rows)
        got = set(
            conn.execute(
                select(table.c.invoice_id).where(
                    scope_predicate(default_policy().scope(INVOICES, clerk()), table)
                )
            ).scalars()
        )
    engine.dispose()
    assert got == {"AW10/it/none", "AW20/legal/none"}


def test_vendor_bank_details_are_masked_without_the_privilege_and_never_reach_a_model() -> None:
    """tax_id and bank_account show as *** unless the reader holds vendor:bank; a model never gets them."""
    vendor = {"name": "Acme", "tax_id": "DE123", "bank_account": "DE89 3704"}
    plain = default_policy().masks(INVOICES, clerk())
    banked = default_policy().masks(INVOICES, clerk("vendor:bank"))
    assert plain.apply(vendor) == {"name": "Acme", "tax_id": "***", "bank_account": "***"}
    assert banked.apply(vendor) == vendor
    assert banked.for_model(vendor) == {"name": "Acme"}
    assert default_policy().scope(INVOICES, clerk("vendor:bank")).unmasked


@pytest.mark.parametrize(
    ("principal", "outcome", "amount", "allowed"),
    [
        (clerk(), "approve", "5000.00", True),
        (clerk(), "approve", "5000.01", False),
        (clerk(), "reject", "90000.00", True),
        (clerk(limit=None), "approve", "1.00", False),
        (clerk(limit=None), "reject", "1.00", True),
        (clerk(limit="0.00", role="auditor"), "reject", "1.00", False),
        (service_principal(), "approve", "25000.00", True),  # the policy's service_limit
        (service_principal(), "approve", "25000.01", False),
        (service_principal(attributes={"approval_limit": Decimal("0.00")}), "approve", "1.00", False),
        (service_principal(attributes={"approval_limit": Decimal("25000.00")}), "approve", "25000.00", True),
    ],
)
def test_approval_is_bounded_by_the_principals_own_limit(
    principal: Principal, outcome: str, amount: str, allowed: bool
) -> None:
    """approve needs total_amount <= approval_limit (the policy's service_limit for a service without one);
    reject needs only the read; a person without a limit approves nothing."""
    decision = default_policy().decide_approval(
        INVOICES, principal, invoice(), Decimal(amount), outcome=outcome
    )
    assert decision.allowed is allowed, decision.reasons
    if not allowed and principal.role != "auditor":
        assert "approval_limit" in decision.reasons[0]


@pytest.mark.parametrize(
    ("principal", "outcome", "via", "amount", "allowed"),
    [
        (clerk(), "approve", "review", "5000.00", True),
        (clerk(), "approve", "review", "5000.01", False),
        (clerk(), "reject", "review", "5000.01", True),
        (clerk(), "approve", "automatic", "1.00", False),
        (clerk(), "deny", "review", "1.00", False),
        (service_principal(), "reject", "automatic", "99999.00", True),
        (service_principal(), "approve", "automatic", "1.00", True),
        (service_principal(), "approve", "automatic", "25000.01", False),
        (
            service_principal(attributes={"approval_limit": Decimal("0.00")}),
            "approve",
            "automatic",
            "1.00",
            False,
        ),
        (
            service_principal(attributes={"approval_limit": Decimal("25000.00")}),
            "approve",
            "automatic",
            "25000.00",
            True,
        ),
        (
            service_principal(attributes={"approval_limit": Decimal("25000.00")}),
            "approve",
            "automatic",
            "25000.01",
            False,
        ),
    ],
)
def test_the_invoices_write_boundary(
    principal: Principal, outcome: str, via: str, amount: str, allowed: bool
) -> None:
    """invoices.approve: staff through review and the service automatically, approvals within approval_limit."""
    boundary = default_policy().write_boundary(TASK, principal)
    decision = boundary.decide_finalize(
        outcome=outcome,
        via=via,  # type: ignore[arg-type]
        attrs=invoice(),
        total_billed=Decimal(amount),
    )
    assert decision.allowed is allowed, decision.reasons
    assert boundary.may_pend


def test_the_boundary_refuses_invoices_outside_the_scope_and_decided_ones() -> None:
    """Out-of-assignment invoices, and invoices already decided, are not writable."""
    boundary = default_policy().write_boundary(TASK, clerk())
    refused = boundary.decide_finalize(
        outcome="reject", via="review", attrs=invoice("AW99"), total_billed=Decimal("1.00")
    )
    assert not refused.allowed and "invoice is outside" in refused.reasons[0]
    assert boundary.decide_record("on_hold").allowed
    assert not boundary.decide_record("approved").allowed
    assert (
        "exceeds 5000.00"
        in boundary.decide_finalize(
            outcome="approve", via="review", attrs=invoice(), total_billed=Decimal("6000.00")
        ).reasons[0]
    )
