"""A second, deliberately small reading of CLAIMS_POLICY.md rules 1-8 and the amounts.

It shares no code with the world writer: it reads the system of record with plain SQL,
validates NPIs with the Luhn sum over the whole 15-digit number, and asks the ICD-10-CM
code set itself (simple-icd-10-cm) which codes are billable. What it cannot decide
(rule 9 needs the notes read) it reports as ``necessity``, with the amounts an approval
would carry.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import simple_icd_10_cm as icd
from sqlalchemy import Engine, text

CENT = Decimal("0.01")
CARC_OF_RULE = {2: "29", 3: "18", 4: "208", 5: "242", 6: "16", 7: "204", 8: "197"}


@dataclass(frozen=True)
class Expected:
    """What rules 1-8 and the fee schedule say about one claim."""

    claim_id: str
    #: ``deny`` (rules 1-8), ``approve`` (nothing at stake) or ``necessity`` (rule 9 decides).
    kind: str
    carc: str | None
    allowed: Decimal
    paid: Decimal
    lines: tuple[tuple[Decimal, Decimal], ...]
    total_billed: Decimal
    sensitivity: str
    status: str


def luhn_ok(npi: str) -> bool:
    """An NPI is valid when 80840 followed by its ten digits passes the Luhn test."""
    if len(npi) != 10 or not npi.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed("80840" + npi)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def billable(code: str) -> bool:
    """A valid, billable ICD-10-CM code, however the dot and case were written."""
    bare = code.strip().upper().replace(".", "")
    if len(bare) < 3:
        return False
    dotted = bare if len(bare) == 3 else bare[:3] + "." + bare[3:]
    return bool(icd.is_valid_item(dotted) and icd.is_leaf(dotted))


def _day(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _stamp(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def _money(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(CENT)


def _rows(engine: Engine, sql: str) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(text(sql)).mappings())


def expectations(engine: Engine) -> dict[str, Expected]:
    """Rules 1-8 and the amounts for every claim in the system of record."""
    members = {r["member_id"]: r for r in _rows(engine, "SELECT * FROM members")}
    plans = {r["plan_id"]: r for r in _rows(engine, "SELECT * FROM plans")}
    providers = {r["npi"]: r for r in _rows(engine, "SELECT * FROM providers")}
    fees = {r["procedure_code"]: r for r in _rows(engine, "SELECT * FROM procedures")}
    policies = {r["policy_id"]: r for r in _rows(engine, "SELECT * FROM medical_policies")}
    benefits = {(r["plan_id"], r["procedure_code"]): r for r in _rows(engine, "SELECT * FROM plan_benefits")}
    auths: dict[str, list[Any]] = defaultdict(list)
    for r in _rows(engine, "SELECT * FROM prior_authorizations"):
        auths[r["member_id"]].append(r)
    lines: dict[str, list[Any]] = defaultdict(list)
    for r in _rows(engine, "SELECT * FROM claim_lines ORDER BY claim_id, line_no"):
        lines[r["claim_id"]].append(r)
    diagnoses: dict[str, list[str]] = defaultdict(list)
    for r in _rows(engine, "SELECT * FROM claim_diagnoses"):
        diagnoses[r["claim_id"]].append(r["icd10_code"])
    claims = _rows(engine, "SELECT * FROM claims")
    decided_at = {
        r["claim_id"]: _stamp(r["decided_at"])
        for r in _rows(engine, "SELECT claim_id, decided_at FROM adjudications")
    }
    approved_claims = {
        r["claim_id"] for r in _rows(engine, "SELECT claim_id FROM adjudications WHERE outcome = 'approve'")
    }

    def key(claim: Any) -> tuple[Any, ...]:
        codes = tuple(sorted(line["procedure_code"] for line in lines[claim["claim_id"]]))
        return (claim["member_id"], claim["billing_npi"], _day(claim["service_date"]), codes)

    # Rule 3 as of the moment a claim is decided: approvals of other claims made before it
    # (for a claim not decided yet, every approval on file).
    approvals: dict[tuple[Any, ...], list[tuple[datetime, str]]] = defaultdict(list)
    for claim in claims:
        if claim["claim_id"] in approved_claims:
            approvals[key(claim)].append((decided_at[claim["claim_id"]], claim["claim_id"]))

    def duplicate(claim: Any) -> bool:
        when = decided_at.get(claim["claim_id"], datetime.max)
        return any(at < when and other != claim["claim_id"] for at, other in approvals[key(claim)])

    out = {}
    for claim in claims:
        cid = claim["claim_id"]
        member = members[claim["member_id"]]
        plan = plans[member["plan_id"]]
        day = _day(claim["service_date"])
        carc = None
        end = member["coverage_end"]
        if day < _day(member["coverage_start"]):
            carc = "26"
        elif end is not None and day > _day(end):
            carc = "27"
        elif (_day(claim["received_date"]) - day).days > 365:
            carc = "29"
        elif duplicate(claim):
            carc = "18"
        else:
            provider = providers.get(claim["billing_npi"])
            if not luhn_ok(claim["billing_npi"]) or provider is None or provider["active"] != 1:
                carc = "208"
            elif plan["network_type"] == "HMO" and provider["in_network"] != 1:
                carc = "242"
            elif not all(billable(c) for c in diagnoses[cid]):
                carc = "16"
            elif not all(
                (plan["plan_id"], ln["procedure_code"]) in benefits
                and benefits[(plan["plan_id"], ln["procedure_code"])]["covered"] == 1
                for ln in lines[cid]
            ):
                carc = "204"
            else:
                for ln in lines[cid]:
                    if benefits[(plan["plan_id"], ln["procedure_code"])]["requires_prior_auth"] != 1:
                        continue
                    if not any(
                        a["status"] == "approved"
                        and a["procedure_code"] == ln["procedure_code"]
                        and _day(a["valid_from"]) <= day <= _day(a["valid_to"])
                        for a in auths[member["member_id"]]
                    ):
                        carc = "197"
                        break
        total = _money(claim["total_billed"])
        common = {
            "claim_id": cid,
            "total_billed": total,
            "sensitivity": claim["sensitivity"],
            "status": claim["status"],
        }
        if carc is not None:
            zeros = tuple((Decimal("0.00"), Decimal("0.00")) for _ in lines[cid])
            out[cid] = Expected(
                kind="deny", carc=carc, allowed=Decimal("0.00"), paid=Decimal("0.00"), lines=zeros, **common
            )
            continue
        factor = 1 - _money(plan["coinsurance_pct"]) / 100
        amounts = []
        at_stake = False
        for ln in lines[cid]:
            proc = fees[ln["procedure_code"]]
            allowed = min(_money(ln["billed_amount"]), _money(proc["fee_schedule_amount"]) * int(ln["units"]))
            amounts.append((allowed, (allowed * factor).quantize(CENT, rounding=ROUND_HALF_UP)))
            policy = policies.get(proc["medical_policy_id"]) if proc["medical_policy_id"] else None
            if policy is not None:
                starts = _day(policy["effective_from"]) <= day
                ends = policy["effective_to"] is None or day <= _day(policy["effective_to"])
                lob = policy["line_of_business"] in (None, claim["line_of_business"])
                at_stake = at_stake or (starts and ends and lob)
        out[cid] = Expected(
            kind="necessity" if at_stake else "approve",
            carc=None,
            allowed=sum((a for a, _ in amounts), Decimal("0.00")),
            paid=sum((p for _, p in amounts), Decimal("0.00")),
            lines=tuple(amounts),
            **common,
        )
    return out
