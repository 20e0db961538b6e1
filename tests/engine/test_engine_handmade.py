"""Hand-written claims, inserted straight into the schema, decided end to end."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from interlock.assembly import build_engine
from interlock.audit.chain import AuditLog
from interlock.db import make_engine
from interlock.domains.claims import schema as t
from interlock.domains.claims.connector import SqlClaimsConnector
from interlock.domains.claims.testing.handmade import (
    GOOD_NPI,
    INACTIVE_NPI,
    OUT_NPI,
    add_claim,
    add_prior_auth,
    seed_reference,
)
from interlock.domains.claims.testing.scripted import ScriptedModel
from interlock.engine import Engine as TaskEngine
from interlock.policy.principal import service_principal
from interlock.store.metadata import store_metadata
from interlock.work.runner import run_claims
from interlock.work.store import WorkStore

MET_NOTE = "Patient completed eight weeks of supervised physical therapy without relief. MRI shows a medial meniscal tear."


@dataclass
class World:
    sor: Engine
    store: Engine
    model: ScriptedModel

    def engine(self) -> TaskEngine[Any, Any, Any, Any]:
        return build_engine(
            "claims.adjudicate",
            connector=SqlClaimsConnector(self.sor),
            store=WorkStore(self.store, AuditLog(self.store)),
            principal=service_principal(),
            model=self.model,
        )

    def adjudication(self, claim_id: str) -> dict[str, object] | None:
        with self.sor.connect() as conn:
            rows = (
                conn.execute(select(t.adjudications).where(t.adjudications.c.claim_id == claim_id))
                .mappings()
                .all()
            )
        assert len(rows) <= 1
        return dict(rows[0]) if rows else None

    def status(self, claim_id: str) -> str:
        with self.sor.connect() as conn:
            return str(
                conn.execute(select(t.claims.c.status).where(t.claims.c.claim_id == claim_id)).scalar_one()
            )


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    if request.param == "postgres":
        # One scratch database holds both: the table names of the two schemas do not overlap.
        url = request.getfixturevalue("pg_url")
        sor, store = make_engine(url), make_engine(url)
    else:
        sor = make_engine(f"sqlite:///{tmp_path / 'sor.db'}")
        store = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    t.metadata.create_all(sor)
    store_metadata.create_all(store)
    seed_reference(sor)
    yield World(sor=sor, store=store, model=ScriptedModel("met", 0.99))
    sor.dispose()
    store.dispose()


CASES: list[tuple[str, dict[str, object], str, str | None, str, str]] = [
    ("C-OK", {}, "approve", None, "80.00", "64.00"),
    ("C-FEE", {"lines": (("X1001", 2, "250.00"),)}, "approve", None, "200.00", "160.00"),
    (
        "C-HALFUP",
        {
            "member_id": "M2",
            "region": "south",
            "line_of_business": "medicaid",
            "lines": (("X1001", 1, "10.20"),),
        },
        "approve",
        None,
        "10.20",
        "8.93",
    ),
    (
        "C-MULTI",
        {"lines": (("X1001", 1, "80.00"), ("X1001", 3, "500.00"))},
        "approve",
        None,
        "380.00",
        "304.00",
    ),
    (
        "C-26",
        {"service_date": date(2023, 12, 1), "received_date": date(2024, 1, 5)},
        "deny",
        "26",
        "0.00",
        "0.00",
    ),
    (
        "C-27",
        {
            "member_id": "M2",
            "region": "south",
            "line_of_business": "medicaid",
            "service_date": date(2026, 4, 15),
            "received_date": date(2026, 4, 20),
        },
        "deny",
        "27",
        "0.00",
        "0.00",
    ),
    (
        "C-27-FIRST",
        {
            "member_id": "M2",
            "region": "south",
            "line_of_business": "medicaid",
            "service_date": date(2026, 4, 15),
            "received_date": date(2026, 4, 20),
            "diagnoses": ("M54.5",),
        },
        "deny",
        "27",
        "0.00",
        "0.00",
    ),
    (
        "C-29",
        {"service_date": date(2024, 6, 1), "received_date": date(2025, 6, 2)},
        "deny",
        "29",
        "0.00",
        "0.00",
    ),
    (
        "C-365",
        {"service_date": date(2024, 6, 1), "received_date": date(2025, 6, 1)},
        "approve",
        None,
        "80.00",
        "64.00",
    ),
    ("C-208-DIGIT", {"npi": "1234567890"}, "deny", "208", "0.00", "0.00"),
    ("C-208-SHORT", {"npi": "12345"}, "deny", "208", "0.00", "0.00"),
    ("C-208-INACTIVE", {"npi": INACTIVE_NPI}, "deny", "208", "0.00", "0.00"),
    (
        "C-242",
        {"member_id": "M2", "region": "south", "line_of_business": "medicaid", "npi": OUT_NPI},
        "deny",
        "242",
        "0.00",
        "0.00",
    ),
    ("C-PPO-OUT", {"npi": OUT_NPI}, "approve", None, "80.00", "64.00"),
    ("C-16-NONBILLABLE", {"diagnoses": ("M54.5",)}, "deny", "16", "0.00", "0.00"),
    ("C-16-GARBAGE", {"diagnoses": ("E11.9", "not a code")}, "deny", "16", "0.00", "0.00"),
    ("C-DOTLESS", {"diagnoses": ("e119", "M5450")}, "approve", None, "80.00", "64.00"),
    ("C-204", {"lines": (("X1001", 1, "80.00"), ("X4004", 1, "900.00"))}, "deny", "204", "0.00", "0.00"),
    ("C-204-UNKNOWN", {"lines": (("ZZ999", 1, "80.00"),)}, "deny", "204", "0.00", "0.00"),
    ("C-197", {"lines": (("X3003", 1, "300.00"),)}, "deny", "197", "0.00", "0.00"),
    (
        "C-KNEE-MET",
        {"lines": (("X2002", 1, "2000.00"),), "notes": (MET_NOTE,)},
        "approve",
        None,
        "2000.00",
        "1600.00",
    ),
    ("C-PART2-DENY", {"sensitivity": "substance_use", "diagnoses": ("M54.5",)}, "deny", "16", "0.00", "0.00"),
]

REVIEW_CASES: list[tuple[str, dict[str, object]]] = [
    ("R-HIGH", {"lines": (("X1001", 1, "12000.00"),)}),
    ("R-HIGH-DENIABLE", {"lines": (("X1001", 1, "12000.00"),), "diagnoses": ("M54.5",)}),
    ("R-PART2", {"sensitivity": "substance_use", "lines": (("X2002", 1, "2000.00"),), "notes": (MET_NOTE,)}),
    ("R-NO-MEMBER", {"member_id": "M404"}),
    ("R-NEGATIVE", {"lines": (("X1001", 1, "-5.00"),)}),
    ("R-TOTAL", {"total_billed": "99.00"}),
    ("R-EMPTY-NOTE", {"lines": (("X2002", 1, "2000.00"),), "notes": ("",)}),
    ("R-NO-NOTE", {"lines": (("X2002", 1, "2000.00"),)}),
    ("R-NO-LINES", {"lines": ()}),
]


def test_handmade_claims_follow_the_policy_manual(world: World) -> None:
    """Every rule of CLAIMS_POLICY.md decides a hand-written claim, with exact amounts."""
    add_prior_auth(
        world.sor,
        "PA-OLD",
        member_id="M1",
        procedure_code="X3003",
        status="approved",
        valid_from=date(2025, 1, 1),
        valid_to=date(2025, 12, 31),
    )
    for day, (claim_id, kwargs, *_) in enumerate(CASES):
        # Distinct service dates keep these claims from being duplicates of each other.
        kwargs = {"service_date": date(2026, 1, 1) + timedelta(days=day), **kwargs}
        add_claim(world.sor, claim_id, **kwargs)  # type: ignore[arg-type]
    engine = world.engine()
    results = {r.record_id: r for r in run_claims(engine, engine.pending_records())}
    for claim_id, _kwargs, outcome, carc, allowed, paid in CASES:
        adj = world.adjudication(claim_id)
        assert adj is not None, f"{claim_id} was not finalized: {results[claim_id].reason}"
        assert (adj["outcome"], adj["carc_code"]) == (outcome, carc), claim_id
        assert adj["allowed_amount"] == Decimal(allowed), claim_id
        assert adj["paid_amount"] == Decimal(paid), claim_id
        assert world.status(claim_id) == "adjudicated"


def test_duplicate_of_an_approved_claim_is_denied_18(world: World) -> None:
    """A claim identical to an approved one (member, NPI, date, procedure multiset) is denied 18."""
    lines = (("X1001", 1, "80.00"), ("X1001", 1, "80.00"))
    add_claim(world.sor, "D-1", lines=lines)
    run_claims(world.engine(), ["D-1"])
    add_claim(world.sor, "D-2", lines=lines)
    add_claim(world.sor, "D-3", lines=(("X1001", 1, "80.00"),))
    run_claims(world.engine(), ["D-2", "D-3"])
    assert world.adjudication("D-1")["outcome"] == "approve"  # type: ignore[index]
    assert world.adjudication("D-2")["carc_code"] == "18"  # type: ignore[index]
    assert world.adjudication("D-3")["outcome"] == "approve"  # type: ignore[index]


def test_claims_that_need_a_person_are_pended_without_adjudication(world: World) -> None:
    """High value, Part 2 at rule 9, malformed records and unsettled notes end pended, never finalized."""
    # PostgreSQL enforces the member foreign key, so a claim without a member cannot exist there.
    cases = [c for c in REVIEW_CASES if world.sor.dialect.name == "sqlite" or c[0] != "R-NO-MEMBER"]
    for claim_id, kwargs in cases:
        add_claim(world.sor, claim_id, **kwargs)  # type: ignore[arg-type]
    engine = world.engine()
    results = run_claims(engine, engine.pending_records())
    assert {r.record_id for r in results} == {c for c, _ in cases}
    for claim_id, _ in cases:
        assert world.adjudication(claim_id) is None, claim_id
        assert world.status(claim_id) == "pended", claim_id
    sent = {r.claim_id for r in world.model.requests}
    assert "R-PART2" not in sent
    assert "R-HIGH" not in sent


def test_low_confidence_goes_to_review(world: World) -> None:
    """A model answer below the approval threshold pends the claim with the reason."""
    world.model = ScriptedModel("met", 0.6)
    add_claim(world.sor, "C-UNSURE", lines=(("X2002", 1, "2000.00"),), notes=(MET_NOTE,))
    [result] = run_claims(world.engine(), ["C-UNSURE"])
    assert result.route == "review"
    assert "confidence" in result.reason
    assert world.adjudication("C-UNSURE") is None


def test_model_denial_needs_a_cited_note(world: World) -> None:
    """A confident not-met answer citing a real note denies with CARC 50."""
    world.model = ScriptedModel("not_met", 0.97)
    add_claim(
        world.sor,
        "C-50",
        lines=(("X2002", 1, "2000.00"),),
        notes=("Physical therapy was never attempted before the referral for surgery.",),
    )
    run_claims(world.engine(), ["C-50"])
    adj = world.adjudication("C-50")
    assert adj is not None
    assert (adj["outcome"], adj["carc_code"], adj["paid_amount"]) == ("deny", "50", Decimal("0.00"))


def test_rerun_writes_nothing_twice_and_audit_verifies(world: World) -> None:
    """Running the backlog twice leaves one adjudication per claim and an intact audit chain."""
    add_claim(world.sor, "C-ONCE")
    add_claim(world.sor, "C-KNEE", lines=(("X2002", 1, "2000.00"),), notes=(MET_NOTE,))
    engine = world.engine()
    run_claims(engine, engine.pending_records())
    calls = world.model.calls
    assert engine.pending_records() == []
    started = time.monotonic()
    again = run_claims(engine, ["C-ONCE", "C-KNEE"])
    assert time.monotonic() - started < 5
    assert all(r.replayed and r.route in ("commit", "review") for r in again)
    first = {r.record_id: r for r in again}
    adj = world.adjudication("C-ONCE")
    assert adj is not None and first["C-ONCE"].outcome == adj["outcome"]
    assert first["C-ONCE"].reason.startswith("already done: ")
    assert world.model.calls == calls
    with world.sor.connect() as conn:
        assert len(conn.execute(select(t.adjudications)).all()) == 2
    report = AuditLog(world.store).verify()
    assert report.ok, report.reason
    events = AuditLog(world.store).events_for_record("C-KNEE")
    kinds = [e.event().kind for e in events]
    assert kinds.count("work.completed") == 1
    assert "model.called" in kinds
    assert GOOD_NPI  # the reference provider the claims bill


def test_a_claim_leased_elsewhere_is_reported_busy_after_a_short_wait(world: World) -> None:
    """A work item another worker holds ends the run as busy within the busy budget, naming the holder."""
    add_claim(world.sor, "C-HELD")
    engine = world.engine()
    version = SqlClaimsConnector(world.sor).claim_version("C-HELD", engine.scope)
    assert version is not None
    _, lease = engine.store.ensure_and_lease(
        task="claims.adjudicate",
        record_id="C-HELD",
        version=version,
        principal="svc",
        worker="other-host:42",
        now=engine.clock.now(),
        seconds=300,
    )
    assert lease is not None
    started = time.monotonic()
    [result] = run_claims(engine, ["C-HELD"], busy_wait_seconds=1.0)
    assert time.monotonic() - started < 5
    assert (result.route, result.held_elsewhere) == ("busy", True)
    assert "leased by other-host:42 until" in result.reason
    assert world.adjudication("C-HELD") is None
