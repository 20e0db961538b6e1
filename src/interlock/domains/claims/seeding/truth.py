"""The truth check: CLAIMS_POLICY.md rules 1 to 8 recomputed from the rows alone.

Each claim is built with an intended outcome; before anything is written, ``verify``
recomputes every outcome and amount with an implementation that shares no code with
the construction, and raises ``GeneratorError`` on any disagreement, so a generator
bug cannot silently corrupt the ground truth. ``Truth`` is one line of the truth file.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from interlock.domains.claims import codesets
from interlock.domains.claims.seeding.basics import HIGH_VALUE_LIMIT, ZERO, GeneratorError, Row, Rows
from interlock.domains.claims.seeding.claim import Claim


@dataclass(frozen=True, slots=True)
class Truth:
    """The correct outcome of one claim (amounts are 0.00 unless approved)."""

    claim_id: str
    outcome: str
    carc: str | None
    allowed: Decimal
    paid: Decimal

    def as_json(self) -> str:
        """One line of the truth file, keys in the documented order."""
        return json.dumps(
            {
                "claim_id": self.claim_id,
                "outcome": self.outcome,
                "carc": self.carc,
                "allowed": f"{self.allowed:.2f}",
                "paid": f"{self.paid:.2f}",
            }
        )


class Checker:
    """CLAIMS_POLICY.md rules 1 to 8 and the amount rules, read off the rows alone.

    This deliberately shares no code with the construction (``factory``): it sees only the
    tuples about to be inserted, so a construction bug (a stray authorization, an
    accidental duplicate, a policy in force by mistake) shows up as a disagreement.
    It runs over every claim of a large seed, so it first packs each table into the
    lookups the rules need.
    """

    def __init__(self, rows: Rows) -> None:
        plans = {plan_id: (network == "HMO", pct) for plan_id, _, _, network, pct in rows["plans"]}
        # member -> (coverage start, coverage end, plan id, HMO?, coinsurance percent)
        self.members = {
            member_id: (start, end, plan_id, *plans[plan_id])
            for member_id, *_, plan_id, _, start, end in rows["members"]
        }
        self.providers = {npi: (active == 1, net == 1) for npi, _, _, _, net, active in rows["providers"]}
        self.benefits = {(p, c): (cov == 1, rpa == 1) for p, c, cov, rpa in rows["plan_benefits"]}
        self.fees = {code: fee for code, _, fee, _ in rows["procedures"]}
        policies = {pid: (start, end, lob) for pid, _, _, lob, start, end, _ in rows["medical_policies"]}
        self.policy_of = {code: policies[pid] for code, _, _, pid in rows["procedures"] if pid is not None}
        self.lines: dict[str, list[tuple[str, int, Decimal]]] = defaultdict(list)
        for cid, _, code, units, billed in rows["claim_lines"]:
            self.lines[cid].append((code, units, billed))
        self.dx: dict[str, list[str]] = defaultdict(list)
        for cid, _, code in rows["claim_diagnoses"]:
            self.dx[cid].append(code)
        self.auths: dict[tuple[str, str], list[tuple[date, date]]] = defaultdict(list)
        for _, member_id, code, status, lo, hi in rows["prior_authorizations"]:
            if status == "approved":
                self.auths[(member_id, code)].append((lo, hi))
        claims = {row[0]: row for row in rows["claims"]}
        self.approved: dict[tuple[Any, ...], set[str]] = defaultdict(set)
        self.approved_visits: set[tuple[Any, ...]] = set()
        for decision in rows["adjudications"]:
            cid, outcome = decision[1], decision[3]
            if outcome == "approve":
                member_id, npi, service = claims[cid][1:4]
                self.approved[self._key(cid, member_id, npi, service)].add(cid)
                self.approved_visits.add((member_id, npi, service))
        self.icd: dict[str, bool] = {}
        self.npi_ok: dict[str, bool] = {}

    def _key(self, cid: str, member_id: str, npi: str, service: date) -> tuple[Any, ...]:
        codes = tuple(sorted(code for code, _, _ in self.lines[cid]))
        return (member_id, npi, service, codes)

    def first_failure(self, claim: Row) -> str | None:
        """The CARC of the first of rules 1 to 8 that the claim fails, or None."""
        cid, member_id, npi, service, received = claim[:5]
        start, end, plan_id, hmo, _ = self.members[member_id]
        if service < start:
            return "26"
        if end is not None and service > end:
            return "27"
        if (received - service).days > 365:
            return "29"
        if (member_id, npi, service) in self.approved_visits and (
            self.approved.get(self._key(cid, member_id, npi, service), set()) - {cid}
        ):
            return "18"
        valid = self.npi_ok.get(npi)
        if valid is None:
            valid = self.npi_ok[npi] = codesets.is_valid_npi(npi)
        provider = self.providers.get(npi)
        if not valid or provider is None or not provider[0]:
            return "208"
        if hmo and not provider[1]:
            return "242"
        for code in self.dx[cid]:
            billable = self.icd.get(code)
            if billable is None:
                billable = self.icd[code] = codesets.is_billable_icd10(code)
            if not billable:
                return "16"
        lines = self.lines[cid]
        benefits = [self.benefits.get((plan_id, code)) for code, _, _ in lines]
        if not all(b is not None and b[0] for b in benefits):
            return "204"
        for (code, _, _), benefit in zip(lines, benefits, strict=True):
            if benefit is not None and benefit[1]:
                windows = self.auths.get((member_id, code), ())
                if not any(lo <= service <= hi for lo, hi in windows):
                    return "197"
        return None

    def policy_at_stake(self, cid: str, service: date, lob: str) -> bool:
        """Whether a policy governs one of the claim's lines on its date and line of business."""
        for code, _, _ in self.lines[cid]:
            policy = self.policy_of.get(code)
            if policy is None:
                continue
            begins, ends, scope = policy
            if begins <= service and (ends is None or service <= ends) and scope in (None, lob):
                return True
        return False

    def amounts(self, cid: str, member_id: str) -> tuple[Decimal, Decimal]:
        """Claim allowed and paid when approved."""
        pct = self.members[member_id][4]
        allowed_total = paid_total = ZERO
        for code, units, billed in self.lines[cid]:
            allowed = min(billed, self.fees[code] * units)
            paid = (allowed * (1 - pct / 100)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            allowed_total += allowed
            paid_total += paid
        return allowed_total, paid_total

    def truth(self, claim: Row, necessity: str | None, automatic: bool) -> Truth:
        """The correct outcome; ``necessity`` is what the notes were written to document."""
        cid, member_id, _, service, _, _, total, _, lob, sensitivity = claim[:10]
        billed = sum((b for _, _, b in self.lines[cid]), ZERO)
        if billed != total:
            raise GeneratorError(f"{cid}: total_billed is not the sum of its lines")
        if self.policy_at_stake(cid, service, lob) != (necessity is not None):
            raise GeneratorError(f"{cid}: policy at stake disagrees with notes built for {necessity}")
        if automatic and billed > HIGH_VALUE_LIMIT:
            return Truth(cid, "review", None, ZERO, ZERO)
        carc = self.first_failure(claim)
        if carc is not None:
            return Truth(cid, "deny", carc, ZERO, ZERO)
        if necessity == "unclear" or (automatic and sensitivity == "substance_use"):
            return Truth(cid, "review", None, ZERO, ZERO)
        if necessity == "not_met":
            return Truth(cid, "deny", "50", ZERO, ZERO)
        allowed, paid = self.amounts(cid, member_id)
        return Truth(cid, "approve", None, allowed, paid)


def verify(rows: Rows, claims: Sequence[Claim]) -> list[Truth]:
    """Recompute every claim's outcome from the rows; return the backlog's truth.

    Raises ``GeneratorError`` on the first claim whose recomputed outcome differs from
    the one it was built for, or whose history decision row disagrees with the rules.
    """
    checker = Checker(rows)
    decisions = {row[1]: row for row in rows["adjudications"]}
    backlog = []
    for claim, row in zip(claims, rows["claims"], strict=True):
        truth = checker.truth(row, claim.necessity, automatic=claim.phase == "backlog")
        if (truth.outcome, truth.carc) != claim.intended or row[0] != claim.claim_id:
            raise GeneratorError(
                f"{claim.claim_id} ({claim.kind}): built as {claim.intended}, "
                f"rules give {(truth.outcome, truth.carc)}"
            )
        if claim.phase == "backlog":
            backlog.append(truth)
            continue
        decision = decisions.get(claim.claim_id)
        if truth.outcome == "review":
            if decision is not None or row[10] != "pended":
                raise GeneratorError(f"{claim.claim_id}: undecided history claim was finalized")
        elif decision is None or decision[3:7] != (truth.outcome, truth.carc, truth.allowed, truth.paid):
            raise GeneratorError(f"{claim.claim_id}: history decision disagrees with the rules")
    backlog.sort(key=lambda t: t.claim_id)
    return backlog
