"""Scenarios: the kinds of claim a seed builds, in what proportions, and how each is built.

Every rule of CLAIMS_POLICY.md, every CARC, the high-value and Part 2 overrides and the
three medical-necessity outcomes must occur in a backlog, so claims are not drawn
freely: each is built for a scenario (``KINDS``) whose ``Spec`` says which rule it
fails and how, and whose intended outcome the independent check later confirms.
"""

from __future__ import annotations

import random
from bisect import bisect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import accumulate

from interlock.domains.claims.seeding.basics import Phase, pick
from interlock.domains.claims.seeding.plans import PlanSpec


@dataclass(frozen=True, slots=True)
class Kind:
    """A claim scenario: expected backlog outcome and CARC, weights in each phase.

    ``carc`` is ``"*"`` when the scenario picks the failing rule at random.
    """

    name: str
    outcome: str
    carc: str | None
    backlog: float
    history: float


KINDS: tuple[Kind, ...] = (
    Kind("clean", "approve", None, 27, 30),
    Kind("clean_below", "approve", None, 3, 2),
    Kind("clean_tie", "approve", None, 2, 1),
    Kind("clean_retired", "approve", None, 1.2, 0.5),
    Kind("clean_future", "approve", None, 1.0, 0.3),
    Kind("clean_lob", "approve", None, 1.8, 1.5),
    Kind("clean_ppo_oon", "approve", None, 2, 1.5),
    Kind("clean_dx_forms", "approve", None, 1.5, 1),
    Kind("clean_365", "approve", None, 0.4, 0.2),
    Kind("clean_cov_start", "approve", None, 0.4, 0.2),
    Kind("clean_cov_end", "approve", None, 0.4, 0.2),
    Kind("clean_10000", "approve", None, 0.15, 0.05),
    Kind("clean_resubmit", "approve", None, 0.5, 0),
    Kind("bh", "approve", None, 2, 1.5),
    Kind("hiv", "approve", None, 1, 0.7),
    Kind("r1_before", "deny", "26", 1.5, 1),
    Kind("r1_after", "deny", "27", 1.5, 1),
    Kind("r2_late", "deny", "29", 1.5, 1),
    Kind("r2_366", "deny", "29", 0.3, 0.1),
    Kind("r3_dup", "deny", "18", 1.8, 0),
    Kind("h_dup", "deny", "18", 0, 0.4),
    Kind("r4_check", "deny", "208", 0.9, 0.5),
    Kind("r4_length", "deny", "208", 0.6, 0.2),
    Kind("r4_unknown", "deny", "208", 0.9, 0.5),
    Kind("r4_inactive", "deny", "208", 0.9, 0.5),
    Kind("r5_oon", "deny", "242", 2.2, 1.2),
    Kind("r6_invalid", "deny", "16", 1.1, 1.2),
    Kind("r6_nonbill", "deny", "16", 1.1, 1.2),
    Kind("r7_not_covered", "deny", "204", 1.1, 0.8),
    Kind("r7_no_row", "deny", "204", 1.0, 0.6),
    Kind("r8_missing", "deny", "197", 0.8, 0.5),
    Kind("r8_denied", "deny", "197", 0.6, 0.3),
    Kind("r8_expired", "deny", "197", 0.6, 0.3),
    Kind("r8_wrong", "deny", "197", 0.5, 0.2),
    Kind("d_27_29", "deny", "27", 0.12, 0.05),
    Kind("d_29_208", "deny", "29", 0.12, 0.05),
    Kind("d_29_18", "deny", "29", 0.12, 0),
    Kind("d_208_242", "deny", "208", 0.12, 0.05),
    Kind("d_242_16", "deny", "242", 0.12, 0.05),
    Kind("d_16_204", "deny", "16", 0.12, 0.05),
    Kind("d_204_197", "deny", "204", 0.12, 0.05),
    Kind("d_26_16", "deny", "26", 0.12, 0.05),
    Kind("d_197_50", "deny", "197", 0.12, 0.05),
    Kind("mn_met", "approve", None, 10, 17),
    Kind("mn_not_met", "deny", "50", 7, 15),
    Kind("mn_unclear", "review", None, 8, 13),
    Kind("hv", "review", None, 2.9, 1.5),
    Kind("hv_rule", "review", None, 0.6, 0),
    Kind("hv_policy", "review", None, 0.4, 0),
    Kind("hv_edge", "review", None, 0.1, 0),
    Kind("p2", "review", None, 2.0, 1.2),
    Kind("p2_deny", "deny", "*", 1.0, 0.4),
)
KIND_BY_NAME: dict[str, Kind] = {k.name: k for k in KINDS}

POLICY_WEIGHTS: dict[Phase, dict[str, float]] = {
    "backlog": {
        "MP-101": 3,
        "MP-102": 2,
        "MP-103": 2,
        "MP-104": 1.2,
        "MP-105": 1.5,
        "MP-106": 1.5,
        "MP-107": 0.3,
        "MP-108": 1.0,
    },
    "history": {
        "MP-101": 3,
        "MP-102": 2,
        "MP-103": 2,
        "MP-104": 1.2,
        "MP-105": 1.5,
        "MP-106": 1.5,
        "MP-107": 1.5,
        "MP-108": 0.5,
    },
}
FALLBACK = {"r3_dup": "r4_unknown", "d_29_18": "r2_late", "h_dup": "r4_unknown", "clean_resubmit": "clean"}
RULE_FAILURES = ("r1_before", "r1_after", "r2_late", "r4_check", "r4_unknown", "r5_oon")


@dataclass(slots=True, kw_only=True)
class Spec:
    """How to build one claim; every field defaults to "passes this rule"."""

    pool: str = "clean"
    elig: str = "eligible"
    lag: str = "normal"
    provider: str = "default"
    network: str | None = None
    dx: str = "ok"
    coverage: str = "ok"
    pa: str = "ok"
    pa_codes: frozenset[str] | None = None
    billing: str = "mixed"
    policy_id: str | None = None
    policy_mode: str | None = None
    necessity: str | None = None
    sensitive_share: float = 0.0


def expected(kind: str, phase: Phase, built: tuple[str, str | None]) -> tuple[str, str | None]:
    """The outcome scenario ``kind`` must have; ``built`` only fills a random CARC.

    In the history a person decided high-value and Part 2 claims, so those follow the
    rules like any other claim instead of going to review.
    """
    spec = KIND_BY_NAME[kind]
    if phase == "history" and kind in ("hv", "p2"):
        return ("approve", None)
    if spec.carc == "*":
        return (spec.outcome, built[1] if built[0] == spec.outcome else "?")
    return (spec.outcome, spec.carc)


def allocate(total: int, weights: Sequence[float]) -> list[int]:
    """Split ``total`` into integer counts proportional to ``weights`` (largest remainder).

    Every positive weight gets at least one claim when ``total`` allows it, so even a
    small backlog exercises every scenario; the surplus is taken from the largest count.
    """
    positive = [i for i, w in enumerate(weights) if w > 0]
    scale = sum(weights)
    raw = [total * w / scale if w > 0 else 0.0 for w in weights]
    counts = [int(x) for x in raw]
    order = sorted(positive, key=lambda i: (-(raw[i] - counts[i]), i))
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    if total >= len(positive):
        for i in positive:
            if counts[i] == 0:
                counts[i] = 1
                counts[max(positive, key=lambda j: counts[j])] -= 1
    return counts


class ScenarioSpecs:
    """Scenario name -> ``Spec``, drawing the random parts of a recipe from the claims stream."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.table = self._table()
        self.policy_cum = {
            phase: (list(weights), list(accumulate(weights.values())))
            for phase, weights in POLICY_WEIGHTS.items()
        }

    def _table(self) -> dict[str, Callable[[], Spec]]:
        """Scenario name -> spec factory, for the scenarios with a fixed recipe."""
        rng = self.rng
        return {
            "clean": Spec,
            "clean_below": lambda: Spec(billing="below"),
            "clean_tie": lambda: Spec(billing="tie"),
            "clean_retired": lambda: Spec(pool="policy", policy_id="MP-107", policy_mode="retired"),
            "clean_future": lambda: Spec(pool="policy", policy_id="MP-108", policy_mode="future"),
            "clean_lob": lambda: Spec(
                pool="policy", policy_id=pick(rng, ("MP-104", "MP-105", "MP-106")), policy_mode="lob"
            ),
            "clean_ppo_oon": lambda: Spec(network="PPO", provider="oon"),
            "clean_dx_forms": lambda: Spec(dx="forms"),
            "clean_365": lambda: Spec(lag="exact365"),
            "clean_cov_start": lambda: Spec(elig="edge_start"),
            "clean_cov_end": lambda: Spec(elig="edge_end"),
            "clean_10000": lambda: Spec(pool="knee_only", billing="exact10000"),
            "bh": lambda: Spec(pool="sensitive:behavioral_health"),
            "hiv": lambda: Spec(pool="sensitive:hiv"),
            "r1_before": lambda: Spec(elig="before", sensitive_share=0.05),
            "r1_after": lambda: Spec(elig="after", sensitive_share=0.05),
            "r2_late": lambda: Spec(lag="late", sensitive_share=0.05),
            "r2_366": lambda: Spec(lag="exact366"),
            "r4_check": lambda: Spec(provider="bad_check", sensitive_share=0.05),
            "r4_length": lambda: Spec(provider="bad_len"),
            "r4_unknown": lambda: Spec(provider="unknown"),
            "r4_inactive": lambda: Spec(provider="inactive", sensitive_share=0.05),
            "r5_oon": lambda: Spec(network="HMO", provider="oon", sensitive_share=0.05),
            "r6_invalid": lambda: Spec(dx="invalid", sensitive_share=0.05),
            "r6_nonbill": lambda: Spec(dx="nonbillable"),
            "r7_not_covered": lambda: Spec(coverage="not_covered"),
            "r7_no_row": lambda: Spec(coverage="no_row"),
            "r8_missing": lambda: Spec(pa="missing"),
            "r8_denied": lambda: Spec(pa="denied"),
            "r8_expired": lambda: Spec(pa="expired"),
            "r8_wrong": lambda: Spec(pa="wrong"),
            "d_27_29": lambda: Spec(elig="after", lag="late"),
            "d_29_208": lambda: Spec(lag="late", provider="bad_check"),
            "d_208_242": lambda: Spec(network="HMO", provider="inactive_oon"),
            "d_242_16": lambda: Spec(network="HMO", provider="oon", dx="invalid"),
            "d_16_204": lambda: Spec(dx="nonbillable", coverage="no_row"),
            "d_204_197": lambda: Spec(coverage="not_covered", pa="missing"),
            "d_26_16": lambda: Spec(elig="before", dx="invalid"),
            "d_197_50": lambda: Spec(
                pa="missing", pa_codes=frozenset({"29881", "29880"}), necessity="not_met"
            ),
            "hv": lambda: Spec(pool="hv", billing="hv"),
            "hv_policy": lambda: Spec(
                pool="hv_policy",
                billing="hv",
                policy_id="MP-104",
                policy_mode="applies",
                necessity=pick(rng, ("met", "not_met", "unclear")),
            ),
            "hv_edge": lambda: Spec(pool="knee_only", billing="hv_edge"),
        }

    def spec(self, kind: str, phase: Phase) -> Spec:
        rng = self.rng
        if kind.startswith("p2"):
            spec = self.spec(pick(rng, RULE_FAILURES), phase) if kind == "p2_deny" else Spec()
            spec.pool = "sensitive:substance_use"
            return spec
        if kind == "hv_rule":
            spec = self.spec(pick(rng, (*RULE_FAILURES, "r6_invalid")), phase)
            spec.pool = "hv"
            spec.billing = "hv"
            return spec
        policy_kinds = {"mn_met": "met", "mn_not_met": "not_met", "mn_unclear": "unclear"}
        if kind in policy_kinds:
            ids, cum = self.policy_cum[phase]
            pid = ids[bisect(cum, rng.random() * cum[-1])]
            return Spec(pool="policy", policy_id=pid, policy_mode="applies", necessity=policy_kinds[kind])
        return self.table[kind]()


def intended_carc(spec: Spec, plan: PlanSpec) -> str | None:
    """The CARC the spec was built to trigger: the first failing rule, in order."""
    if spec.elig == "before":
        return "26"
    if spec.elig == "after":
        return "27"
    if spec.lag in ("late", "exact366"):
        return "29"
    if spec.provider in ("bad_check", "bad_len", "unknown", "inactive", "inactive_oon"):
        return "208"
    if spec.provider == "oon" and plan.network_type == "HMO":
        return "242"
    if spec.dx in ("invalid", "nonbillable"):
        return "16"
    if spec.coverage != "ok":
        return "204"
    if spec.pa != "ok":
        return "197"
    return None
