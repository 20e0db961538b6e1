"""A held-out family of clinical-note phrasings: other writers, other styles, vague notes.

Nothing trains, calibrates or tunes on this module. The generator (``seeding``) never
imports it, the baseline's history never contains it, and no threshold, synonym or
feature of the claims domain was chosen by looking at how these notes score. It exists
to check one promise: on notes written unlike anything the model has seen, Interlock
does not decide what the notes do not settle.

Two kinds of notes:

- :data:`VAGUE` notes settle nothing: a follow-up visit where options were discussed
  (often naming the very therapies a policy asks about, as options, not as tried) and
  imaging or a referral is planned, with no duration, no therapy tried and no finding. Whatever policy is at stake, the truth for such a claim is review (rule 9:
  the notes do not settle medical necessity).
- :data:`DOCUMENTED` notes document the criteria of two policies (the lumbar MRI and
  the knee arthroscopy policies) clearly, in writers' styles the generator does not use
  (telegraphic clinic shorthand, a British-style letter, a dictated narrative). Their
  truth is the policy's combination of what they document.

:func:`rewrite_backlog` turns a seeded world into a held-out one: every backlog claim
that only rule 9 can settle gets held-out notes and the truth that goes with them.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time
from decimal import Decimal

from sqlalchemy import Engine, delete, update

from interlock.domains.claims import schema as t
from interlock.domains.claims.connector import SqlClaimsConnector
from interlock.domains.claims.evaluation import Truth
from interlock.domains.claims.proposal import needs_model
from interlock.domains.claims.rules import compute_amounts, evaluate_rules, policies_at_stake
from interlock.policy.document import default_policy
from interlock.policy.principal import service_principal

__all__ = ["DOCUMENTED", "VAGUE", "HeldOutWorld", "rewrite_backlog"]

_BODY_PART = {
    "MP-101": ("lower back", "lumbar spine", "back"),
    "MP-102": ("knee", "left knee", "right knee"),
    "MP-103": ("sleep", "snoring"),
    "MP-104": ("weight", "weight management"),
    "MP-105": ("rehab", "therapy progress"),
    "MP-106": ("diabetes", "sugars"),
    "MP-107": ("bone health", "labs"),
    "MP-108": ("family cancer risk", "genetics"),
}
_PLANNED = {
    "MP-101": ("imaging of the {part}", "an MRI", "a scan of the back"),
    "MP-102": ("an MRI of the knee", "imaging", "a possible scope"),
    "MP-103": ("a sleep study", "overnight testing"),
    "MP-104": ("a surgical consult", "the bariatric pathway"),
    "MP-105": ("more sessions", "continued therapy"),
    "MP-106": ("a glucose sensor", "a monitor"),
    "MP-107": ("a vitamin D level", "labs"),
    "MP-108": ("genetic testing", "a BRCA panel"),
}

_OPTIONS = {
    "MP-101": ("physical therapy, anti-inflammatories or an MRI", "PT, home exercises and imaging"),
    "MP-102": ("physio, an injection or arthroscopy", "physical therapy versus a scope"),
    "MP-103": ("a home sleep test or an in-lab study", "CPAP and sleep testing"),
    "MP-104": ("a supervised diet program and surgery", "weight-loss medication and bariatric surgery"),
    "MP-105": ("more therapy sessions and a home program", "continuing PT"),
    "MP-106": ("insulin adjustment and a sensor", "fingersticks versus a continuous monitor"),
    "MP-107": ("supplements and a vitamin D level", "testing"),
    "MP-108": ("genetic counseling and testing", "BRCA testing"),
}

VAGUE: tuple[str, ...] = (
    "Follow-up visit for {part}. Options discussed. Plan: {planned}.",
    "F/u {part}. Discussed options with pt. Will order {planned}.",
    "Seen in clinic re {part}. Various options talked through. {Planned} to be arranged.",
    "Patient back today about the {part}. We discussed next steps and agreed on {planned}.",
    "Return visit. {Part} concerns reviewed. Patient would like {planned}; will arrange.",
    "Dear colleague, I reviewed this patient regarding the {part} today. We discussed the "
    "options and I have requested {planned}. Kind regards.",
    "Pt here for {part} f/u. Still bothering them. Plan {planned}, reassess after.",
    "Brief visit. {Part} discussed at length. Next step: {planned}.",
    "Telehealth check-in on {part}. Patient keen to proceed. Referred for {planned}.",
    "{Part}: ongoing. Options reviewed incl. {planned}. Shared decision making. RTC after results.",
    "Follow-up for {part}. Discussed options: {options}. Patient prefers {planned}.",
    "{Part} follow-up. We talked about {options}. Plan {planned} and decide afterwards.",
    "Seen for {part}. Options such as {options} were discussed. Ordered {planned}.",
    "Review of {part}. Explained the choices ({options}). {Planned} requested; see after.",
    "Re {part}: discussed {options}. Wants to go ahead with {planned}.",
)
"""Notes that settle no criterion: no duration, no therapy tried, no finding."""

# criterion polarity -> phrasings, per policy; polarities combine as the policy says.
DOCUMENTED: Mapping[str, Mapping[str, tuple[tuple[str, ...], ...]]] = {
    # MP-101 (any): (1) six weeks of failed conservative therapy, (2) a red flag.
    "MP-101": {
        "met": (
            (
                "LBP x 3/12. Physio 8/52 completed, no better. Regular naproxen, no relief.",
                "Back pain for over two months. Has done eight weeks of supervised physiotherapy "
                "plus ibuprofen without benefit.",
            ),
            (
                "New saddle anaesthesia and urinary retention since yesterday. ?cauda equina.",
                "Progressive foot drop on the left, power 3/5, worsening over a week.",
            ),
        ),
        "not_met": (
            (
                "Back pain started 4 days ago lifting a box. No treatment tried so far.",
                "Onset last week. Hasn't had any physio or anti-inflammatories yet.",
            ),
            (
                "No red flags: neuro intact, bladder and bowel normal, no fever or cancer history.",
                "Neurologically intact. Denies bladder or bowel change. No saddle numbness.",
            ),
        ),
    },
    # MP-102 (all): (1) mechanical symptoms, (2) tear on MRI, (3) four weeks of treatment.
    "MP-102": {
        "met": (
            (
                "Knee locking episodes 2-3x/week, has to wiggle it free.",
                "Describes true locking and giving way on stairs.",
            ),
            (
                "MRI 03/2026: complex tear posterior horn medial meniscus.",
                "MRI report: bucket-handle tear of the lateral meniscus.",
            ),
            (
                "Six weeks of physio and daily naproxen with no improvement.",
                "Completed 6/52 physiotherapy, no better despite regular ibuprofen.",
            ),
        ),
        "not_met": (
            (
                "No locking, catching or giving way reported.",
                "Denies locking or giving way; pain only.",
            ),
            (
                "MRI: no meniscal tear, mild chondral wear only.",
                "MRI knee shows intact menisci.",
            ),
            (
                "Injury was 5 days ago; no physio or anti-inflammatories tried yet.",
                "Has not tried any physio or medication before asking for surgery.",
            ),
        ),
    },
}
"""Clear documentation of each criterion, in styles the generator does not write."""

_COMBINE = {"MP-101": "any", "MP-102": "all"}
_OPENERS = ("Clinic letter.", "Ortho clinic.", "Dictated note:", "Progress note -", "Spine clinic.")


def _fill(rng: random.Random, template: str, policy_id: str) -> str:
    part = rng.choice(_BODY_PART.get(policy_id, ("the problem",)))
    planned = rng.choice(_PLANNED.get(policy_id, ("further tests",))).format(part=part)
    options = rng.choice(_OPTIONS.get(policy_id, ("the options",)))
    return template.format(
        part=part,
        Part=part[:1].upper() + part[1:],
        planned=planned,
        Planned=planned[:1].upper() + planned[1:],
        options=options,
    )


def vague_note(rng: random.Random, policy_id: str) -> str:
    """A short note that settles none of the policy's criteria."""
    return _fill(rng, rng.choice(VAGUE), policy_id)


def documented_note(rng: random.Random, policy_id: str, label: str) -> str:
    """A note documenting the policy's criteria so that they combine to ``label`` (met or not_met)."""
    banks = DOCUMENTED[policy_id]
    count = len(banks["met"])
    if _COMBINE[policy_id] == "all":
        polarity = ["met"] * count
        if label == "not_met":
            polarity[rng.randrange(count)] = "not_met"
    else:
        polarity = ["not_met"] * count
        if label == "met":
            polarity[rng.randrange(count)] = "met"
    sentences = [rng.choice(banks[p][i]) for i, p in enumerate(polarity)]
    rng.shuffle(sentences)
    return " ".join([rng.choice(_OPENERS), *sentences])


@dataclass(frozen=True, slots=True, kw_only=True)
class HeldOutWorld:
    """What :func:`rewrite_backlog` changed: the new truth and which claims got which kind of note."""

    truth: dict[str, Truth]
    vague: frozenset[str]
    documented: frozenset[str]


def rewrite_backlog(
    sor: Engine, truth: Mapping[str, Truth], *, seed: int, vague_share: float = 0.5
) -> HeldOutWorld:
    """Give every backlog claim that only rule 9 can settle a held-out note, and its truth.

    Claims under MP-101 and MP-102 get a clearly documented note (met or not met, as
    their original truth was approved or denied) with probability ``1 - vague_share``,
    else a vague one; claims under any other policy, and claims whose truth was review,
    get a vague note. A vague note's truth is review.
    """
    rng = random.Random(seed)
    connector = SqlClaimsConnector(sor)
    scope = default_policy().claim_scope(service_principal())
    new_truth = dict(truth)
    vague: set[str] = set()
    documented: set[str] = set()
    for claim_id in sorted(truth):
        ctx = connector.fetch_context(claim_id, scope)
        if ctx is None or not needs_model(ctx, evaluate_rules(ctx)):
            continue
        policy_id = policies_at_stake(ctx)[0].policy_id
        want = truth[claim_id]
        label = "met" if want.outcome == "approve" else "not_met" if want.carc == "50" else "unclear"
        if policy_id in DOCUMENTED and label != "unclear" and rng.random() >= vague_share:
            body = documented_note(rng, policy_id, label)
            documented.add(claim_id)
        else:
            body = vague_note(rng, policy_id)
            vague.add(claim_id)
            zero = Decimal("0.00")
            new_truth[claim_id] = Truth(
                claim_id=claim_id, outcome="review", carc=None, allowed=zero, paid=zero
            )
        if label == "met" and claim_id in documented:
            amounts = compute_amounts(ctx)
            new_truth[claim_id] = Truth(
                claim_id=claim_id, outcome="approve", carc=None, allowed=amounts.allowed, paid=amounts.paid
            )
        notes = sorted(ctx.notes, key=lambda n: (n.written_at, n.note_id))
        with sor.begin() as conn:
            if notes:
                first = notes[0]
                conn.execute(
                    update(t.clinical_notes)
                    .where(t.clinical_notes.c.note_id == first.note_id)
                    .values(body=body)
                )
                others = [n.note_id for n in notes[1:]]
                if others:
                    conn.execute(delete(t.clinical_notes).where(t.clinical_notes.c.note_id.in_(others)))
            else:
                conn.execute(
                    t.clinical_notes.insert().values(
                        note_id=f"{claim_id}-H1",
                        claim_id=claim_id,
                        author="held-out writer",
                        written_at=datetime.combine(ctx.claim.service_date, time(9, 0)),
                        body=body,
                    )
                )
    return HeldOutWorld(truth=new_truth, vague=frozenset(vague), documented=frozenset(documented))
