"""Tests of the seeded reference system of record and its ground truth."""

from __future__ import annotations

import json
import os
import re
import sqlite3
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from interlock.db import make_engine
from interlock.domains.claims import codesets, generator, schema
from interlock.domains.claims.generator import HIGH_VALUE_LIMIT, TODAY, allocate, necessity_label

ALL_CARCS = {"16", "18", "26", "27", "29", "50", "197", "204", "208", "242"}
INJECTION_MARKERS = ("AI reviewer", "SYSTEM:", "Assistant,", "automated reviewer", "AI model", "New instruction", "Reviewer bot")  # fmt: skip


@dataclass
class Seeded:
    engine: sa.Engine
    report: generator.SeedReport
    truth: dict[str, dict[str, Any]]
    db_path: Path


def _seed(directory: Path, *, claims: int, seed: int, history: int | None = None) -> Seeded:
    directory.mkdir(parents=True, exist_ok=True)
    db_path = directory / "sor.db"
    engine = make_engine(f"sqlite:///{db_path}")
    schema.metadata.create_all(engine)
    truth_path = directory / "truth.jsonl"
    report = generator.seed(engine, claims=claims, seed=seed, truth_path=truth_path, history=history)
    rows = [json.loads(line) for line in truth_path.read_text().splitlines()]
    return Seeded(engine, report, {r["claim_id"]: r for r in rows}, db_path)


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    seeded = _seed(tmp_path_factory.mktemp("backlog3000"), claims=3000, seed=11, history=1500)
    yield seeded
    seeded.engine.dispose()


def _all(engine: sa.Engine, sql: str) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.exec_driver_sql(sql).all())


def _dump(db_path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's raw stored values, in insertion order."""
    with sqlite3.connect(db_path) as conn:
        return {
            t.name: conn.execute(f"SELECT * FROM {t.name} ORDER BY rowid").fetchall()
            for t in schema.ALL_TABLES
        }


# --- determinism ------------------------------------------------------------------------


def test_same_seed_gives_identical_rows_and_truth_and_another_seed_does_not(tmp_path: Path) -> None:
    """One seed always yields byte-identical tables and truth file; a different seed changes them."""
    a = _seed(tmp_path / "a", claims=250, seed=5, history=150)
    b = _seed(tmp_path / "b", claims=250, seed=5, history=150)
    c = _seed(tmp_path / "c", claims=250, seed=6, history=150)
    truth_a = (tmp_path / "a" / "truth.jsonl").read_bytes()
    assert truth_a == (tmp_path / "b" / "truth.jsonl").read_bytes()
    assert truth_a != (tmp_path / "c" / "truth.jsonl").read_bytes()
    assert _dump(a.db_path) == _dump(b.db_path)
    assert a.report.outcome_counts == b.report.outcome_counts
    for s in (a, b, c):
        s.engine.dispose()


def test_sqlite_driver_path_stores_exactly_what_core_inserts_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fast SQLite insert path writes the same stored values as plain Core bulk inserts."""
    fast = _seed(tmp_path / "fast", claims=200, seed=9, history=100)
    monkeypatch.setattr(generator, "_insert", partial(generator._insert, fast=False))
    core = _seed(tmp_path / "core", claims=200, seed=9, history=100)
    assert _dump(fast.db_path) == _dump(core.db_path)
    fast.engine.dispose()
    core.engine.dispose()


def test_forked_and_in_process_runs_write_the_same_notes_and_truth(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Notes and the check give identical rows and truth whether they run in a forked child or in process."""
    forked = _seed(tmp_path / "forked", claims=150, seed=8, history=80)
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    inline = _seed(tmp_path / "inline", claims=150, seed=8, history=80)
    assert forked.truth == inline.truth
    assert _dump(forked.db_path) == _dump(inline.db_path)
    forked.engine.dispose()
    inline.engine.dispose()


@pytest.mark.parametrize("cpus", [1, 2])
def test_a_disagreement_with_the_check_aborts_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cpus: int
) -> None:
    """If the independent check disagrees with how claims were built, seed raises and inserts no row."""
    monkeypatch.setattr(os, "cpu_count", lambda: cpus)
    monkeypatch.setattr(generator._Checker, "first_failure", lambda self, claim: "16")
    engine = make_engine(f"sqlite:///{tmp_path / 'sor.db'}")
    schema.metadata.create_all(engine)
    with pytest.raises(generator.GeneratorError):
        generator.seed(engine, claims=60, seed=3, history=30, truth_path=tmp_path / "truth.jsonl")
    assert not (tmp_path / "truth.jsonl").exists()
    for table in schema.ALL_TABLES:
        assert _all(engine, f"SELECT COUNT(*) FROM {table.name}")[0][0] == 0
    engine.dispose()


# --- the truth file ---------------------------------------------------------------------


def test_backlog_truth_has_every_outcome_and_every_carc(big: Seeded) -> None:
    """A 3,000-claim backlog's truth holds approve, review and a denial for every CARC of the policy."""
    outcomes = Counter(r["outcome"] for r in big.truth.values())
    carcs = {r["carc"] for r in big.truth.values() if r["outcome"] == "deny"}
    assert set(outcomes) == {"approve", "deny", "review"}
    assert carcs == ALL_CARCS
    assert big.report.outcome_counts == dict(outcomes)
    assert big.report.backlog_claims == 3000
    assert big.report.history_claims == 1500


def test_backlog_mix_is_mostly_decided_automatically(big: Seeded) -> None:
    """About half the backlog approves and at most a fifth goes to review, as the demo needs."""
    counts = big.report.outcome_counts
    assert counts["approve"] / 3000 > 0.45
    assert counts["review"] / 3000 < 0.2


def test_truth_lines_have_the_documented_shape(big: Seeded) -> None:
    """Truth keys are exact, ordered by claim id, amounts have two decimals and are 0.00 unless approved."""
    assert big.report.truth_path is not None
    lines = [json.loads(line) for line in big.report.truth_path.read_text().splitlines()]
    assert [r["claim_id"] for r in lines] == sorted(r["claim_id"] for r in lines)
    for row in lines:
        assert list(row) == ["claim_id", "outcome", "carc", "allowed", "paid"]
        assert re.fullmatch(r"\d+\.\d\d", row["allowed"]) and re.fullmatch(r"\d+\.\d\d", row["paid"])
        if row["outcome"] == "approve":
            assert row["carc"] is None
            assert Decimal(row["paid"]) <= Decimal(row["allowed"])
        else:
            assert (row["allowed"], row["paid"]) == ("0.00", "0.00")
            assert (row["carc"] is None) == (row["outcome"] == "review")


def test_approved_amounts_follow_the_policy_formula_recomputed_from_stored_rows(big: Seeded) -> None:
    """Approved allowed and paid equal min(billed, fee x units) and the half-up coinsurance share, summed."""
    rows = _all(
        big.engine,
        """SELECT l.claim_id, l.billed_amount, l.units, p.fee_schedule_amount, pl.coinsurance_pct
           FROM claim_lines l JOIN claims c USING (claim_id) JOIN members m USING (member_id)
           JOIN plans pl USING (plan_id) JOIN procedures p USING (procedure_code)
           WHERE c.status = 'received'""",
    )
    sums: dict[str, list[Decimal]] = {}
    ties = 0
    for cid, billed, units, fee, pct in rows:
        billed, fee, pct = (Decimal(str(x)).quantize(Decimal("0.01")) for x in (billed, fee, pct))
        allowed = min(billed, fee * units)
        exact = allowed * (100 - pct) / 100
        ties += (exact * 1000) % 10 == 5
        paid = exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        acc = sums.setdefault(cid, [Decimal(0), Decimal(0)])
        acc[0] += allowed
        acc[1] += paid
    approved = [r for r in big.truth.values() if r["outcome"] == "approve"]
    assert approved
    for r in approved:
        assert [Decimal(r["allowed"]), Decimal(r["paid"])] == sums[r["claim_id"]]
    assert ties > 20, "half-cent coinsurance shares must occur to exercise rounding"


def test_high_value_and_part2_claims_go_to_review_unless_rules_deny(big: Seeded) -> None:
    """Claims over 10,000.00 are always review; substance-use claims are review or a rule 1-8 denial."""
    claims = _all(
        big.engine, "SELECT claim_id, total_billed, sensitivity FROM claims WHERE status = 'received'"
    )
    high = [cid for cid, total, _ in claims if Decimal(str(total)) > HIGH_VALUE_LIMIT]
    part2 = [cid for cid, _, sens in claims if sens == "substance_use"]
    assert len(high) >= 50 and len(part2) >= 50
    assert {big.truth[cid]["outcome"] for cid in high} == {"review"}
    part2_truth = Counter((big.truth[c]["outcome"], big.truth[c]["carc"]) for c in part2 if c not in high)
    assert part2_truth[("review", None)] > 0
    assert {carc for (outcome, carc) in part2_truth if outcome == "deny"} <= ALL_CARCS - {"50"}
    assert any(outcome == "deny" for outcome, _ in part2_truth)
    exact = [cid for cid, total, _ in claims if Decimal(str(total)) == HIGH_VALUE_LIMIT]
    assert exact and {big.truth[cid]["outcome"] for cid in exact} == {"approve"}
    sensitivities = {sens for _, _, sens in claims}
    assert sensitivities == {"none", "behavioral_health", "substance_use", "hiv"}


def test_earlier_rule_decides_when_a_claim_fails_two(big: Seeded) -> None:
    """A claim both after coverage and filed late is 27; filed late with a bad NPI it is 29."""
    rows = _all(
        big.engine,
        """SELECT c.claim_id, c.service_date, c.received_date, c.billing_npi, m.coverage_end
           FROM claims c JOIN members m USING (member_id) WHERE c.status = 'received'""",
    )
    after_and_late, late_and_bad_npi, exactly_365 = [], [], []
    for cid, service, received, npi, end in rows:
        lag = (date.fromisoformat(received) - date.fromisoformat(service)).days
        after = end is not None and service > end
        if after and lag > 365:
            after_and_late.append(cid)
        if not after and lag > 365 and not codesets.is_valid_npi(npi):
            late_and_bad_npi.append(cid)
        if not after and lag == 365:
            exactly_365.append(cid)
    assert after_and_late and {big.truth[c]["carc"] for c in after_and_late} == {"27"}
    assert late_and_bad_npi and {big.truth[c]["carc"] for c in late_and_bad_npi} <= {"26", "29"}
    assert exactly_365 and "29" not in {big.truth[c]["carc"] for c in exactly_365}


def test_diagnosis_codes_cover_invalid_non_billable_and_harmless_spellings(big: Seeded) -> None:
    """Backlog diagnoses include invented codes and categories (denied 16) and lower-case or dotless codes that pass."""
    rows = _all(
        big.engine,
        """SELECT d.claim_id, d.icd10_code FROM claim_diagnoses d JOIN claims c USING (claim_id)
           WHERE c.status = 'received'""",
    )
    statuses = Counter(codesets.icd10_status(code) for _, code in rows)
    assert statuses["invalid"] > 0 and statuses["not_billable"] > 0
    assert "M54.5" in {code for _, code in rows}
    odd = {cid for cid, code in rows if code != code.upper() or ("." not in code and len(code) > 3)}
    odd_billable = [cid for cid in odd if big.truth[cid]["outcome"] == "approve"]
    assert odd_billable, "lower-case or dotless billable codes must be able to pass rule 6"


# --- reference data and parties ---------------------------------------------------------


def test_every_provider_npi_passes_the_check_digit_and_claims_bill_bad_ones(big: Seeded) -> None:
    """Provider NPIs are valid; claims bill NPIs with a bad check digit, a wrong length or no provider."""
    npis = [npi for (npi,) in _all(big.engine, "SELECT npi FROM providers")]
    assert npis and all(codesets.is_valid_npi(npi) for npi in npis)
    billed = {npi for (npi,) in _all(big.engine, "SELECT billing_npi FROM claims")}
    assert any(len(n) != 10 for n in billed)
    assert any(len(n) == 10 and not codesets.is_valid_npi(n) for n in billed)
    assert any(codesets.is_valid_npi(n) and n not in set(npis) for n in billed)
    flags = set(_all(big.engine, "SELECT in_network, active FROM providers"))
    assert flags == {(1, 1), (0, 1), (1, 0), (0, 0)}


def test_places_of_service_are_cms_codes(big: Seeded) -> None:
    """Every claim's place of service is a current CMS two-digit code."""
    places = {p for (p,) in _all(big.engine, "SELECT DISTINCT place_of_service FROM claims")}
    assert places and all(codesets.is_valid_place_of_service(p) for p in places)


def test_claim_totals_equal_the_sum_of_their_lines(big: Seeded) -> None:
    """Every claim's total_billed is the sum of its line billed amounts, to the cent."""
    rows = _all(
        big.engine,
        """SELECT c.claim_id, c.total_billed, l.billed_amount FROM claims c JOIN claim_lines l USING (claim_id)""",
    )
    totals: dict[str, Decimal] = {}
    stated: dict[str, Decimal] = {}
    for cid, total, billed in rows:
        totals[cid] = totals.get(cid, Decimal(0)) + Decimal(str(billed)).quantize(Decimal("0.01"))
        stated[cid] = Decimal(str(total)).quantize(Decimal("0.01"))
    assert totals == stated
    units = {u for (u,) in _all(big.engine, "SELECT units FROM claim_lines")}
    assert max(units) > 1
    multi = _all(
        big.engine, "SELECT COUNT(*) FROM (SELECT claim_id FROM claim_lines GROUP BY 1 HAVING COUNT(*) > 1)"
    )
    assert multi[0][0] > 100


def test_medical_policies_state_numbered_criteria_and_how_they_combine(big: Seeded) -> None:
    """At least six policies, each with criteria (1), (2)... and an all/any rule, varying in scope and dates."""
    policies = _all(
        big.engine,
        "SELECT policy_id, body, line_of_business, effective_from, effective_to FROM medical_policies",
    )
    assert len(policies) >= 6
    for _, body, *_ in policies:
        assert "(1) " in body and "(2) " in body
        assert ("All of the following criteria must be met" in body) != (
            "At least one of the following criteria must be met" in body
        )
    assert any(lob is None for _, _, lob, _, _ in policies)
    assert any(lob is not None for _, _, lob, _, _ in policies)
    assert any(end is not None and date.fromisoformat(end) < TODAY for *_, end in policies)
    assert any(date.fromisoformat(start) > date(2026, 1, 1) for *_, start, _ in policies)
    linked = _all(big.engine, "SELECT COUNT(DISTINCT medical_policy_id) FROM procedures")
    assert linked[0][0] == len(policies)


def test_plans_and_benefits_vary_as_the_rules_need(big: Seeded) -> None:
    """Plans span three lines of business and both network types; benefits include exclusions, gaps and prior auth."""
    plans = _all(big.engine, "SELECT line_of_business, network_type, coinsurance_pct FROM plans")
    assert {lob for lob, _, _ in plans} == {"commercial", "medicare_advantage", "medicaid"}
    assert {net for _, net, _ in plans} == {"HMO", "PPO"}
    assert {0, 10, 20, 25, 30} <= {Decimal(str(p)) for *_, p in plans}
    (pairs,) = _all(big.engine, "SELECT COUNT(*) FROM plans, procedures")[0]
    (rows, uncovered, prior_auth) = _all(
        big.engine, "SELECT COUNT(*), SUM(covered = 0), SUM(requires_prior_auth) FROM plan_benefits"
    )[0]
    assert rows < pairs and uncovered > 0 and prior_auth > 0


def test_staff_include_the_shapes_access_tests_rely_on(big: Seeded) -> None:
    """There is a narrow analyst, an all-powerful supervisor, an auditor and an inactive analyst."""
    staff = {sid: (role, active) for sid, _, role, active in _all(big.engine, "SELECT * FROM staff")}
    assignments = Counter(sid for sid, _, _ in _all(big.engine, "SELECT * FROM staff_assignments"))
    privileges: dict[str, set[str]] = {}
    for sid, privilege in _all(big.engine, "SELECT * FROM staff_privileges"):
        privileges.setdefault(sid, set()).add(privilege)
    assert staff["S0001"] == ("analyst", 1) and assignments["S0001"] == 1 and "S0001" not in privileges
    assert any(
        role == "supervisor" and {"approve:high_value", "phi:full"} <= privileges.get(sid, set())
        for sid, (role, _) in staff.items()
    )
    assert any(role == "auditor" for role, _ in staff.values())
    assert any(role == "analyst" and active == 0 for role, active in staff.values())


def test_members_hold_fictional_phi_and_some_coverage_has_ended(big: Seeded) -> None:
    """Members have nine-digit SSNs in the never-issued 9xx range, addresses, regions and ended coverage."""
    members = _all(big.engine, "SELECT ssn, address, region, coverage_end FROM members")
    assert all(re.fullmatch(r"9\d{8}", ssn) for ssn, *_ in members)
    assert all(address for _, address, _, _ in members)
    assert {region for _, _, region, _ in members} == {"north", "south", "east", "west", "central"}
    assert any(end is not None for *_, end in members)


# --- history ----------------------------------------------------------------------------


def test_history_is_decided_by_staff_with_one_adjudication_per_adjudicated_claim(big: Seeded) -> None:
    """Adjudicated history claims have one decision with lines and a staff decider; pended ones have none."""
    status = Counter(s for (s,) in _all(big.engine, "SELECT status FROM claims"))
    assert status["received"] == 3000 and status["pended"] > 0 and status["adjudicated"] > 0
    backlog = _all(big.engine, "SELECT claim_id, version FROM claims WHERE status = 'received'")
    assert {cid for cid, _ in backlog} == set(big.truth) and {v for _, v in backlog} == {1}
    decisions = _all(
        big.engine,
        """SELECT a.claim_id, a.claim_version, c.version, c.status, a.decided_by, a.idempotency_key,
                  a.outcome, a.carc_code
           FROM adjudications a JOIN claims c USING (claim_id)""",
    )
    assert len(decisions) == status["adjudicated"]
    assert len({d[5] for d in decisions}) == len(decisions)
    for _, claim_version, version, claim_status, decided_by, _, outcome, carc in decisions:
        assert claim_status == "adjudicated" and claim_version == version
        assert re.fullmatch(r"staff:S\d{4}", decided_by)
        assert (carc is None) == (outcome == "approve")
    carcs = {d[7] for d in decisions if d[6] == "deny"}
    assert {"50", "16", "208"} <= carcs
    mismatched = _all(
        big.engine,
        """SELECT COUNT(*) FROM adjudications a
           WHERE (SELECT COUNT(*) FROM adjudication_lines x WHERE x.adjudication_id = a.adjudication_id)
              != (SELECT COUNT(*) FROM claim_lines l WHERE l.claim_id = a.claim_id)""",
    )
    assert mismatched[0][0] == 0


def test_history_is_rich_in_medical_necessity_cases(big: Seeded) -> None:
    """At least 40% of history claims have a policy in force for their line of business on their date."""
    at_stake = _all(
        big.engine,
        """SELECT COUNT(DISTINCT c.claim_id) FROM claims c
           JOIN claim_lines l USING (claim_id) JOIN procedures p USING (procedure_code)
           JOIN medical_policies mp ON mp.policy_id = p.medical_policy_id
           WHERE c.status != 'received' AND mp.effective_from <= c.service_date
             AND (mp.effective_to IS NULL OR c.service_date <= mp.effective_to)
             AND (mp.line_of_business IS NULL OR mp.line_of_business = c.line_of_business)""",
    )
    assert at_stake[0][0] >= 0.4 * 1500
    denied_50 = _all(big.engine, "SELECT COUNT(*) FROM adjudications WHERE carc_code = '50'")
    approved_policy = _all(
        big.engine, "SELECT COUNT(*) FROM adjudications WHERE rationale LIKE '%criteria of MP-%'"
    )
    pended = _all(big.engine, "SELECT COUNT(*) FROM claims WHERE status = 'pended'")
    assert min(denied_50[0][0], approved_policy[0][0], pended[0][0]) > 100


# --- notes ------------------------------------------------------------------------------


def test_notes_are_free_text_with_untrusted_instructions_that_do_not_change_truth(big: Seeded) -> None:
    """Some notes address a model (and some are empty), yet claims carrying them are still denied or reviewed."""
    notes = _all(
        big.engine,
        "SELECT n.claim_id, n.body FROM clinical_notes n JOIN claims c USING (claim_id) WHERE c.status = 'received'",
    )
    per_claim = Counter(cid for cid, _ in notes)
    assert max(per_claim.values()) >= 3 and min(per_claim.values()) >= 1
    injected = {cid for cid, body in notes if any(m in body for m in INJECTION_MARKERS)}
    assert len(injected) > 10
    assert {big.truth[cid]["outcome"] for cid in injected} >= {"approve", "deny"}
    assert any(body == "" for _, body in _all(big.engine, "SELECT claim_id, body FROM clinical_notes"))
    without_notes = {cid for cid in big.truth if cid not in per_claim}
    assert without_notes and {big.truth[cid]["outcome"] for cid in without_notes} <= {"review", "deny"}


# --- pure helpers -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("combine", "polarities", "label"),
    [
        ("all", ["met", "met", "met"], "met"),
        ("all", ["met", "not_met", "met"], "not_met"),
        ("all", ["met", "silent", "met"], "unclear"),
        ("all", ["contradictory", "met"], "unclear"),
        ("all", ["vague", "not_met"], "not_met"),
        ("any", ["not_met", "met"], "met"),
        ("any", ["not_met", "not_met"], "not_met"),
        ("any", ["not_met", "vague"], "unclear"),
        ("any", ["silent", "silent"], "unclear"),
        ("any", ["no_notes", "no_notes"], "unclear"),
    ],
)
def test_necessity_label_combines_criteria_as_policies_say(
    combine: str, polarities: list[str], label: str
) -> None:
    """ "All" fails on any clear miss and "any" passes on any clear hit; everything else is unclear."""
    assert necessity_label(combine, polarities) == label


@pytest.mark.parametrize("total", [0, 1, 7, 52, 53, 999, 3000])
def test_allocate_splits_exactly_and_reaches_every_scenario_when_it_can(total: int) -> None:
    """Scenario counts sum to the claim count and give each scenario a claim once there are enough."""
    weights = [k.backlog for k in generator.KINDS]
    counts = allocate(total, weights)
    assert sum(counts) == total
    positive = [c for c, w in zip(counts, weights, strict=True) if w > 0]
    if total >= len(positive):
        assert min(positive) >= 1


# --- PostgreSQL ---------------------------------------------------------------------------


@pytest.mark.postgres
def test_postgres_seed_reads_back_like_sqlite(pg_url: str, tmp_path: Path) -> None:
    """Seeding PostgreSQL gives the same truth file and the same typed rows as SQLite."""
    engine = make_engine(pg_url)
    try:
        schema.metadata.create_all(engine)
        pg_truth = tmp_path / "pg.jsonl"
        generator.seed(engine, claims=200, seed=4, truth_path=pg_truth, history=100)
        lite = _seed(tmp_path / "lite", claims=200, seed=4, history=100)
        assert pg_truth.read_bytes() == (tmp_path / "lite" / "truth.jsonl").read_bytes()
        for table in (schema.claims, schema.adjudications, schema.clinical_notes, schema.members):
            query = sa.select(table).order_by(*table.primary_key.columns)
            with engine.connect() as pg, lite.engine.connect() as sq:
                assert pg.execute(query).all() == sq.execute(query).all()
        lite.engine.dispose()
    finally:
        engine.dispose()
