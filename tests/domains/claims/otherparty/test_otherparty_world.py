"""Outside payers written from SPEC.md and the policy manual conform to both.

Each family's world is written once per module into real SQLite (and a small one into
real PostgreSQL). Its rows are checked against the SPEC.md contract, and its truth
file against a second, independent reading of rules 1-8 and the amounts
(:mod:`otherparty_checker`), which shares no code with the writer.
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from itertools import combinations
from pathlib import Path

import pytest
from otherparty_checker import Expected, billable, expectations, luhn_ok
from sqlalchemy import Engine, select, text

from interlock.db import make_engine
from interlock.domains.claims import schema as t
from interlock.domains.claims.evaluation import Truth, read_truth
from interlock.domains.claims.pack import create_schema
from interlock.domains.claims.testing.otherparty import FAMILIES, PayerReport, write_payer
from interlock.domains.claims.testing.otherparty.codes import INVALID_DIAGNOSES
from pgscratch import scratch_database

CLAIMS = 700
SEED = 5


@dataclass(frozen=True)
class World:
    sor: Engine
    report: PayerReport
    truth: dict[str, Truth]
    expected: dict[str, Expected]
    truth_path: Path


def _write(tmp: Path, family: str, *, seed: int = SEED, claims: int = CLAIMS) -> World:
    sor = make_engine(f"sqlite:///{tmp / 'sor.db'}")
    create_schema(sor)
    path = tmp / "truth.jsonl"
    report = write_payer(sor, family=family, seed=seed, claims=claims, truth_path=path)
    return World(sor=sor, report=report, truth=read_truth(path), expected=expectations(sor), truth_path=path)


@pytest.fixture(
    scope="module", params=["dev", "heldout", "sealed", "blind", "fresh", "unseen", "unread", "unheard"]
)
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    made = _write(tmp_path_factory.mktemp(f"otherparty-{request.param}"), request.param)
    yield made
    made.sor.dispose()


def _all(sor: Engine, table: str) -> list[dict[str, object]]:
    with sor.connect() as conn:
        return [dict(r) for r in conn.execute(select(t.metadata.tables[table])).mappings()]


# ---------------------------------------------------------------- the truth, read twice


def test_backlog_truth_agrees_with_an_independent_reading_of_the_manual(world: World) -> None:
    """Every backlog claim's truth is what rules 1-8, the amounts and the always-a-person rules give."""
    checked: Counter[str] = Counter()
    for claim_id, want in world.truth.items():
        exp = world.expected[claim_id]
        assert exp.status == "received"
        if exp.total_billed > Decimal("10000.00"):
            assert want.outcome == "review", claim_id
            checked["high value"] += 1
        elif exp.kind == "deny":
            assert (want.outcome, want.carc, want.allowed, want.paid) == (
                "deny",
                exp.carc,
                Decimal("0.00"),
                Decimal("0.00"),
            ), claim_id
            checked[f"deny {exp.carc}"] += 1
        elif exp.sensitivity == "substance_use":
            assert want.outcome == "review", claim_id
            checked["part 2"] += 1
        elif exp.kind == "approve":
            assert (want.outcome, want.carc, want.allowed, want.paid) == (
                "approve",
                None,
                exp.allowed,
                exp.paid,
            ), claim_id
            checked["approve"] += 1
        else:
            assert (want.outcome, want.carc) in (("approve", None), ("deny", "50"), ("review", None)), (
                claim_id
            )
            if want.outcome == "approve":
                assert (want.allowed, want.paid) == (exp.allowed, exp.paid), claim_id
            else:
                assert (want.allowed, want.paid) == (Decimal("0.00"), Decimal("0.00")), claim_id
            checked[f"rule 9 {want.outcome}"] += 1
    for carc in ("26", "27", "29", "18", "208", "242", "16", "204", "197"):
        assert checked[f"deny {carc}"] >= 3, (carc, checked)
    for kind in ("high value", "part 2", "approve", "rule 9 approve", "rule 9 deny", "rule 9 review"):
        assert checked[kind] >= 5, (kind, checked)


def test_history_was_decided_by_entitled_people_as_the_manual_says(world: World) -> None:
    """Each history claim has one staff adjudication of its version, with the manual's outcome and exact amounts."""
    adjudications = {str(a["claim_id"]): a for a in _all(world.sor, "adjudications")}
    adj_lines: dict[str, list[dict[str, object]]] = {}
    for row in _all(world.sor, "adjudication_lines"):
        adj_lines.setdefault(str(row["adjudication_id"]), []).append(row)
    staff = {str(s["staff_id"]): s for s in _all(world.sor, "staff")}
    pairs = {
        (str(a["staff_id"]), str(a["region"]), str(a["line_of_business"]))
        for a in _all(world.sor, "staff_assignments")
    }
    privileges = {(str(p["staff_id"]), str(p["privilege"])) for p in _all(world.sor, "staff_privileges")}
    claims = {str(c["claim_id"]): c for c in _all(world.sor, "claims")}
    assert set(adjudications) == set(world.report.history)
    decided: Counter[str] = Counter()
    for claim_id in world.report.history:
        adj, claim, exp = adjudications[claim_id], claims[claim_id], world.expected[claim_id]
        assert claim["status"] == "adjudicated" and adj["claim_version"] == claim["version"]
        who = str(adj["decided_by"]).removeprefix("staff:")
        assert str(adj["decided_by"]).startswith("staff:") and staff[who]["active"] == 1
        assert staff[who]["role"] in ("analyst", "supervisor")
        assert (who, claim["region"], claim["line_of_business"]) in pairs
        if claim["sensitivity"] != "none":
            assert (who, f"sensitive:{claim['sensitivity']}") in privileges
        if exp.total_billed > Decimal("10000.00"):
            assert (who, "approve:high_value") in privileges
        got = (adj["outcome"], adj["carc_code"], adj["allowed_amount"], adj["paid_amount"])
        if exp.kind == "deny":
            assert got == ("deny", exp.carc, Decimal("0.00"), Decimal("0.00")), claim_id
        elif exp.kind == "approve" or adj["outcome"] == "approve":
            assert got == ("approve", None, exp.allowed, exp.paid), claim_id
        else:
            assert got == ("deny", "50", Decimal("0.00"), Decimal("0.00")), claim_id
        lines = sorted(adj_lines[str(adj["adjudication_id"])], key=lambda r: int(str(r["line_no"])))
        zeros = [(Decimal("0.00"), Decimal("0.00"))] * len(exp.lines)
        assert [(r["allowed_amount"], r["paid_amount"]) for r in lines] == (
            list(exp.lines) if adj["outcome"] == "approve" else zeros
        )
        decided[f"{adj['outcome']} {adj['carc_code'] or ''}".strip()] += 1
    assert decided["approve"] > decided["deny 50"] > 50, decided
    assert all(
        decided[f"deny {c}"] >= 5 for c in ("16", "18", "26", "27", "29", "197", "204", "208", "242")
    ), decided


def test_amounts_round_half_up_where_it_matters(world: World) -> None:
    """Some approved lines land on exactly half a cent, where half-up and banker's rounding disagree."""
    with world.sor.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT c.claim_id, p.coinsurance_pct FROM claims c JOIN members m USING (member_id) "
                "JOIN plans p ON p.plan_id = m.plan_id"
            )
        ).all()
    share = {str(claim_id): pct for claim_id, pct in rows}
    disagree = 0
    for claim_id, want in world.truth.items():
        if want.outcome != "approve":
            continue
        factor = 1 - Decimal(str(share[claim_id])) / 100
        for allowed, paid in world.expected[claim_id].lines:
            raw = allowed * factor
            assert paid == raw.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            disagree += raw.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN) != paid
    assert disagree >= 3


# ---------------------------------------------------------------- SPEC.md conformance

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_STAMP = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?$")


def test_rows_have_the_types_spec_md_fixes(world: World) -> None:
    """Dates are dates, timestamps are timestamps, money is two-place decimal, flags are 0/1."""
    for table in t.metadata.sorted_tables:
        for row in _all(world.sor, table.name):
            for column in table.columns:
                value = row[column.name]
                if value is None:
                    assert column.nullable, (table.name, column.name)
                    continue
                kind = type(column.type).__name__
                if kind == "Date":
                    assert type(value) is date, (table.name, column.name, value)
                elif kind == "TIMESTAMP":
                    assert isinstance(value, datetime) and value.tzinfo is None, (table.name, column.name)
                elif kind == "Numeric":
                    assert isinstance(value, Decimal) and value == value.quantize(Decimal("0.01")), (
                        table.name,
                        column.name,
                        value,
                    )
                elif kind == "Integer":
                    assert isinstance(value, int)
                else:
                    assert isinstance(value, str) and value != "", (table.name, column.name)
    with world.sor.connect() as conn:
        stored = conn.execute(text("SELECT service_date, updated_at FROM claims LIMIT 50")).all()
        policies = conn.execute(text("SELECT effective_from, updated_at FROM medical_policies")).all()
    assert all(_DATE.match(str(d)) and _STAMP.match(str(u)) for d, u in stored)
    assert all(_DATE.match(str(d)) and _STAMP.match(str(u)) for d, u in policies)


def test_foreign_keys_hold(world: World) -> None:
    """SQLite's own foreign-key check finds no orphan row."""
    with world.sor.connect() as conn:
        assert conn.execute(text("PRAGMA foreign_key_check")).all() == []
        orphans = conn.execute(
            text(
                "SELECT COUNT(*) FROM prior_authorizations a LEFT JOIN members m USING (member_id) WHERE m.member_id IS NULL"
            )
        ).scalar()
    assert orphans == 0


def test_values_stay_inside_the_contract(world: World) -> None:
    """Closed sets, NPIs, SSNs, codes, totals, copies from member and plan, contiguous numbering."""
    plans = {str(p["plan_id"]): p for p in _all(world.sor, "plans")}
    members = {str(m["member_id"]): m for m in _all(world.sor, "members")}
    assert {p["line_of_business"] for p in plans.values()} == {"commercial", "medicare_advantage", "medicaid"}
    assert {p["network_type"] for p in plans.values()} == {"HMO", "PPO"}
    for provider in _all(world.sor, "providers"):
        assert (
            luhn_ok(str(provider["npi"]))
            and provider["in_network"] in (0, 1)
            and provider["active"] in (0, 1)
        )
    for member in members.values():
        assert (
            re.fullmatch(r"\d{9}", str(member["ssn"]))
            and member["region"] in FAMILIES[world.report.family].regions
        )
    procedures = _all(world.sor, "procedures")
    assert all(len(str(p["procedure_code"])) == 5 for p in procedures)
    lines: dict[str, list[dict[str, object]]] = {}
    for line in _all(world.sor, "claim_lines"):
        lines.setdefault(str(line["claim_id"]), []).append(line)
    dx: dict[str, list[int]] = {}
    for row in _all(world.sor, "claim_diagnoses"):
        dx.setdefault(str(row["claim_id"]), []).append(int(str(row["seq"])))
    for claim in _all(world.sor, "claims"):
        cid = str(claim["claim_id"])
        member = members[str(claim["member_id"])]
        assert claim["region"] == member["region"]
        assert claim["line_of_business"] == plans[str(member["plan_id"])]["line_of_business"]
        assert claim["sensitivity"] in ("none", "behavioral_health", "substance_use", "hiv")
        assert claim["status"] in ("received", "adjudicated") and int(str(claim["version"])) >= 1
        assert re.fullmatch(r"\d\d", str(claim["place_of_service"]))
        assert claim["total_billed"] == sum(
            (Decimal(str(x["billed_amount"])) for x in lines[cid]), Decimal("0.00")
        )
        assert sorted(int(str(x["line_no"])) for x in lines[cid]) == list(range(1, len(lines[cid]) + 1))
        assert sorted(dx[cid]) == list(range(1, len(dx[cid]) + 1))
    for auth in _all(world.sor, "prior_authorizations"):
        assert auth["status"] in ("approved", "denied") and auth["valid_from"] <= auth["valid_to"]  # type: ignore[operator]
    for staff in _all(world.sor, "staff"):
        assert staff["role"] in ("analyst", "supervisor", "auditor")
    allowed_privileges = {
        "sensitive:behavioral_health",
        "sensitive:substance_use",
        "sensitive:hiv",
        "phi:full",
        "approve:high_value",
    }
    assert {p["privilege"] for p in _all(world.sor, "staff_privileges")} <= allowed_privileges


def test_the_world_exercises_every_kind_of_input(world: World) -> None:
    """Bad NPIs, invalid and oddly written diagnoses, unknown codes, sensitivities, superseded policies."""
    providers = {str(p["npi"]) for p in _all(world.sor, "providers")}
    npis = [str(c["billing_npi"]) for c in _all(world.sor, "claims")]
    assert (
        sum(not luhn_ok(n) for n in npis) >= 5 and sum(luhn_ok(n) and n not in providers for n in npis) >= 3
    )
    codes = [str(d["icd10_code"]) for d in _all(world.sor, "claim_diagnoses")]
    assert sum(not billable(c) for c in codes) >= 10
    assert any("." not in c and len(c) > 3 and billable(c) for c in codes)
    assert any(c != c.upper() and billable(c) for c in codes)
    assert set(INVALID_DIAGNOSES).isdisjoint({c for c in codes if billable(c)})
    catalogue = {str(p["procedure_code"]) for p in _all(world.sor, "procedures")}
    assert any(str(line["procedure_code"]) not in catalogue for line in _all(world.sor, "claim_lines"))
    assert Counter(str(c["sensitivity"]) for c in _all(world.sor, "claims"))["substance_use"] >= 10
    policies = _all(world.sor, "medical_policies")
    referenced = {p["medical_policy_id"] for p in _all(world.sor, "procedures") if p["medical_policy_id"]}
    assert any(p["effective_to"] is not None and p["policy_id"] not in referenced for p in policies), (
        "superseded"
    )
    assert any(p["effective_to"] is not None and p["policy_id"] in referenced for p in policies), "retired"
    assert any(p["line_of_business"] is not None for p in policies)
    for policy in policies:
        body = str(policy["body"])
        assert "(1)" in body and "(2)" in body and str(policy["policy_id"]) in body


def test_the_backlog_is_mostly_decidable_with_a_share_left_to_people(world: World) -> None:
    """About one claim in eight needs a person; every kind of unsettled note is in the backlog."""
    mix = world.report.outcome_counts()
    share = mix["review"] / sum(mix.values())
    assert 0.09 <= share <= 0.18, mix
    plans = Counter(
        label.note_plan
        for label in world.report.backlog.values()
        if label.reason == "notes do not settle necessity"
    )
    assert set(plans) == {"vague", "options", "silent", "hedged", "contradictory", "injected"}, plans
    assert sum(plans.values()) >= 0.05 * len(world.truth)


# ---------------------------------------------------------------- notes


def test_history_notes_always_settle_the_question(world: World) -> None:
    """People decided every historical claim: no history note plan leaves rule 9 open, no vague text is there."""
    family = FAMILIES[world.report.family]
    assert {label.note_plan for label in world.report.history.values()} <= {None, "met", "not_met"}
    with world.sor.connect() as conn:
        bodies = (
            conn.execute(
                select(t.clinical_notes.c.body)
                .join(t.claims, t.claims.c.claim_id == t.clinical_notes.c.claim_id)
                .where(t.claims.c.status == "adjudicated")
            )
            .scalars()
            .all()
        )
    joined = "\n".join(bodies)
    assert bodies
    for vague in family.vague_notes:
        assert vague not in joined
    for option in family.option_notes:
        assert max(re.split(r"\{\w+\}", option), key=len) not in joined
    for injection in family.injections:
        assert injection not in joined


def test_notes_come_from_several_writers(world: World) -> None:
    """Each family's four writers all appear in the backlog's notes and the history's."""
    family = FAMILIES[world.report.family]
    names = {w.name for w in family.writers}
    seen_backlog = {w for label in world.report.backlog.values() for w in label.writers}
    seen_history = {w for label in world.report.history.values() for w in label.writers}
    assert names == seen_backlog == seen_history


@pytest.mark.parametrize(("one", "other"), list(combinations(sorted(FAMILIES), 2)))
def test_families_share_no_codes_policies_or_phrasings(one: str, other: str) -> None:
    """Each family is written by different people: nothing of one is in another."""
    a, b = FAMILIES[one], FAMILIES[other]
    assert not {p.code for p in a.procedures} & {p.code for p in b.procedures}
    assert not {p.policy_id for p in a.policies} & {p.policy_id for p in b.policies}
    assert not {p.plan_id for p in a.plans} & {p.plan_id for p in b.plans}
    assert not set(a.regions) & set(b.regions)
    assert a.payer != b.payer
    assert not {w.name for w in a.writers} & {w.name for w in b.writers}
    for attr in ("vague_notes", "option_notes", "injections", "routine_notes"):
        assert not set(getattr(a, attr)) & set(getattr(b, attr)), attr
    for stance in ("met", "not_met", "vague"):
        assert not set(a.kind_phrases.duration[stance]) & set(b.kind_phrases.duration[stance])
        assert not set(a.kind_phrases.therapy[stance]) & set(b.kind_phrases.therapy[stance])

    def sentences(family: str) -> set[str]:
        fam = FAMILIES[family]
        return {s for p in fam.policies for c in p.criteria for s in (*c.met, *c.not_met, *c.vague)}

    assert not sentences(one) & sentences(other)
    assert not {p.body for p in a.policies} & {p.body for p in b.policies}


# ---------------------------------------------------------------- determinism, speed, PostgreSQL


def test_same_seed_same_world_other_seed_other_world(tmp_path: Path) -> None:
    """A family and seed always write the same rows; another seed writes another backlog."""
    worlds = []
    for name, seed in (("a", 3), ("b", 3), ("c", 4)):
        (tmp_path / name).mkdir()
        worlds.append(_write(tmp_path / name, "dev", seed=seed, claims=150))
    one, two, three = worlds
    assert one.truth_path.read_bytes() == two.truth_path.read_bytes()
    assert one.truth_path.read_bytes() != three.truth_path.read_bytes()
    for table in ("clinical_notes", "claims", "adjudications", "prior_authorizations"):
        assert _all(one.sor, table) == _all(two.sor, table), table
    for made in worlds:
        made.sor.dispose()


def test_two_thousand_claims_are_written_in_seconds(tmp_path: Path) -> None:
    """A backlog of 2,000 (with 6,000 decided history claims) is written in well under half a minute."""
    sor = make_engine(f"sqlite:///{tmp_path / 'sor.db'}")
    create_schema(sor)
    started = time.perf_counter()
    report = write_payer(sor, family="heldout", seed=9, claims=2000, truth_path=tmp_path / "truth.jsonl")
    elapsed = time.perf_counter() - started
    print(
        f"\nwrote {len(report.backlog)} backlog and {len(report.history)} history claims in {elapsed:.2f} s"
    )
    assert len(report.backlog) == 2000 and len(read_truth(tmp_path / "truth.jsonl")) == 2000
    assert elapsed < 30
    sor.dispose()


@pytest.mark.postgres
def test_a_world_written_into_postgresql_reads_back_the_same(tmp_path: Path) -> None:
    """The same writer fills PostgreSQL; NUMERIC, DATE and TIMESTAMP come back exact, the truth still agrees."""
    lite = _write(tmp_path, "heldout", seed=2, claims=150)
    with scratch_database("interlock_otherparty") as url:
        pg = make_engine(url.render_as_string(hide_password=False))
        try:
            create_schema(pg)
            report = write_payer(pg, family="heldout", seed=2, claims=150, truth_path=tmp_path / "pg.jsonl")
            assert (tmp_path / "pg.jsonl").read_bytes() == lite.truth_path.read_bytes()
            assert report.outcome_counts() == lite.report.outcome_counts()
            assert expectations(pg) == lite.expected
            for table in ("claims", "claim_lines", "adjudications", "medical_policies", "members"):
                assert _all(pg, table) == _all(lite.sor, table), table
        finally:
            pg.dispose()
            lite.sor.dispose()


def test_the_truth_file_is_in_the_projects_format(world: World) -> None:
    """One JSON object a line with exactly the keys read_truth reads, amounts as two-place strings."""
    lines = world.truth_path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(world.report.backlog)
    for line in lines:
        row = json.loads(line)
        assert set(row) == {"claim_id", "outcome", "carc", "allowed", "paid"}
        assert re.fullmatch(r"\d+\.\d\d", row["allowed"]) and re.fullmatch(r"\d+\.\d\d", row["paid"])
        assert row["outcome"] in ("approve", "deny", "review")
        assert (row["carc"] is None) == (row["outcome"] != "deny")
