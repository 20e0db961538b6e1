"""What the notes of a claim document about the medical policy at stake (rule 9).

A claim governed by a policy gets, per criterion, a polarity (met, not met, vague,
silent, contradictory) chosen so that the policy's combination rule gives exactly the
label the scenario asked for; the notes are then written from these polarities, so
the rule 9 outcome of every claim is known without reading its text.
"""

from __future__ import annotations

import random
from collections.abc import Iterable

from interlock.domains.claims.seeding.basics import GeneratorError, pick
from interlock.domains.claims.seeding.claim import Claim
from interlock.domains.claims.seeding.plans import PROCEDURES
from interlock.domains.claims.seeding.policies import POLICY_BY_ID, PolicySpec
from interlock.domains.claims.seeding.scenarios import Spec

_POLICY_OF_CODE = {p.code: POLICY_BY_ID[p.policy_id] for p in PROCEDURES if p.policy_id}


def necessity_label(combine: str, polarities: Iterable[str]) -> str:
    """The rule 9 outcome of per-criterion polarities under ``combine``.

    ``all``: any criterion clearly not met decides ``not_met``; all met gives ``met``.
    ``any``: any criterion clearly met decides ``met``; all clearly not met gives
    ``not_met``. Everything else (silent, vague, contradictory) is ``unclear``.
    """
    values = list(polarities)
    if combine == "all":
        if "not_met" in values:
            return "not_met"
        return "met" if all(v == "met" for v in values) else "unclear"
    if "met" in values:
        return "met"
    return "not_met" if values and all(v == "not_met" for v in values) else "unclear"


def attach_necessity(rng: random.Random, claim: Claim, spec: Spec) -> None:
    """Attach the policy at stake (if any) and per-criterion polarities for the notes."""
    lob = claim.member.plan.line_of_business
    policy = None
    for code, _, _ in claim.lines:
        candidate = _POLICY_OF_CODE.get(code)
        if candidate is not None and candidate.applies(claim.service, lob):
            policy = candidate
            break
    if policy is None:
        return
    label = spec.necessity or pick(rng, ("met", "not_met", "unclear"))
    claim.policy_id = policy.policy_id
    claim.polarities = polarities(rng, policy, label)
    claim.necessity = necessity_label(policy.combine, claim.polarities.values())
    if claim.necessity != label:
        raise GeneratorError(f"polarities {claim.polarities} do not give {label}")


def polarities(rng: random.Random, policy: PolicySpec, label: str) -> dict[str, str]:
    """Per-criterion documentation that yields ``label`` under the policy's combination.

    ``silent`` means the notes never mention the criterion; ``contradictory`` means
    one note documents it as met and another as not met.
    """
    keys = list(policy.criterion_keys)
    pols = dict.fromkeys(keys, "met")
    some = rng.sample(keys, 2 if len(keys) > 2 and rng.random() < 0.25 else 1)
    if label == "unclear":
        roll = rng.random()
        if roll < 0.12:
            return dict.fromkeys(keys, "no_notes")
        kind = "vague" if roll < 0.5 else "silent" if roll < 0.75 else "contradictory"
    if policy.combine == "all":
        if label == "not_met":
            for k in keys:
                pols[k] = "not_met" if k in some else ("met" if rng.random() < 0.75 else "silent")
        elif label == "unclear":
            for k in some:
                pols[k] = kind
        return pols
    if label == "met":
        for k in keys:
            pols[k] = "met" if k in some else ("not_met" if rng.random() < 0.5 else "silent")
    elif label == "not_met":
        pols = dict.fromkeys(keys, "not_met")
    else:
        for k in keys:
            pols[k] = kind if k in some else ("not_met" if rng.random() < 0.7 else "silent")
    return pols
