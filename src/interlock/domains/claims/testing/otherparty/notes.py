"""Clinical notes for a claim, written to a plan that fixes what they settle.

A :data:`NotePlan` says what the notes of one claim establish about its medical
policy: ``met`` and ``not_met`` settle rule 9 (a person reading them decides at once);
every other plan leaves it open, which is why its truth is review:

- ``vague``: a short follow-up that names no duration, therapy tried or finding;
- ``options``: therapies named as options, never as tried;
- ``silent``: documents some criteria and says nothing of another a decision needs;
- ``hedged``: documents some criteria and only gestures at another ("MRI pending");
- ``contradictory``: two notes state opposite things about the same criterion;
- ``injected``: a vague note carrying text addressed to a model.

Which sentences a plan may use follows from how the policy combines its criteria:
all of them (one failing criterion denies, one unknown criterion leaves it open) or
any one of them (one satisfied criterion passes, all must fail to deny).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from random import Random
from typing import Literal

from interlock.domains.claims.testing.otherparty.model import (
    Criterion,
    Family,
    NoteFacts,
    Policy,
    Stance,
    Writer,
)

NotePlan = Literal["met", "not_met", "vague", "options", "silent", "hedged", "contradictory", "injected"]
SETTLED: frozenset[NotePlan] = frozenset({"met", "not_met"})
UNSETTLED: tuple[NotePlan, ...] = ("vague", "options", "silent", "hedged", "contradictory", "injected")


@dataclass(frozen=True, slots=True, kw_only=True)
class DraftNote:
    """One note before it gets an id and a timestamp."""

    author: str
    writer: str
    body: str


def _long_enough(minimum: int, rng: Random) -> str:
    """A duration of at least ``minimum`` weeks, in weeks or whole months."""
    weeks = max(minimum, 1) + rng.randint(0, max(minimum, 4) + 6)
    months = weeks // 4
    # A month is never shorter than four weeks, so "N months" with 4N >= minimum is enough.
    if weeks >= 9 and months * 4 >= minimum and rng.random() < 0.45:
        return f"{months} months"
    return f"{weeks} weeks"


def _too_short(minimum: int, rng: Random) -> str:
    """A duration clearly under ``minimum`` weeks."""
    if minimum <= 2 or rng.random() < 0.4:
        return f"{rng.randint(3, max(4, min(7 * minimum - 4, 20)))} days"
    weeks = rng.randint(1, minimum - 1)
    return "1 week" if weeks == 1 else f"{weeks} weeks"


def _measure(criterion: Criterion, rng: Random, *, above: bool) -> str:
    """A measured value at or above the criterion's minimum, or below it."""
    scale = 10**criterion.decimals
    step = 10 if criterion.minimum >= 100 else 1
    if above:
        low, high = criterion.minimum * scale, criterion.maximum * scale
    else:
        low, high = criterion.floor * scale, criterion.minimum * scale - step
    raw = rng.randint(low // step, high // step) * step
    value = Decimal(raw) / scale
    return f"{value:.{criterion.decimals}f}"


def _list(items: tuple[str, ...]) -> str:
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " or " + items[-1]


def criterion_sentence(family: Family, criterion: Criterion, stance: Stance, rng: Random) -> str:
    """One sentence taking ``stance`` on ``criterion``, in the family's words."""
    own = {"met": criterion.met, "not_met": criterion.not_met, "vague": criterion.vague}[stance]
    if own:
        template = rng.choice(own)
    elif criterion.kind == "duration":
        template = rng.choice(family.kind_phrases.duration[stance])
    elif criterion.kind == "therapy":
        template = rng.choice(family.kind_phrases.therapy[stance])
    else:
        raise ValueError(f"criterion {criterion.statement!r} has no {stance} sentence")
    therapy = rng.choice(criterion.therapies) if criterion.therapies else criterion.subject
    values = {
        "w": _long_enough(criterion.minimum, rng),
        "short": _too_short(criterion.minimum, rng),
        "subject": criterion.subject,
        "Subject": criterion.subject[:1].upper() + criterion.subject[1:],
        "therapy": therapy,
        "Therapy": therapy[:1].upper() + therapy[1:],
        "therapies": _list(criterion.therapies) if criterion.therapies else criterion.subject,
        "v": _measure(criterion, rng, above=True) if criterion.kind == "measure" else "",
        "low": _measure(criterion, rng, above=False) if criterion.kind == "measure" else "",
    }
    return template.format(**values)


def _stances(policy: Policy, plan: NotePlan, rng: Random) -> list[Stance | None]:
    """The stance taken on each criterion (None: not mentioned) for a settled or open plan."""
    n = len(policy.criteria)
    every = list(range(n))
    if policy.combine == "all":
        if plan == "met":
            return ["met"] * n
        if plan == "not_met":
            failing = set(rng.sample(every, 1 if n == 1 or rng.random() < 0.75 else 2))
            return ["not_met" if i in failing else rng.choice(("met", "met", None)) for i in every]
        if plan == "silent":
            quiet = rng.choice(every)
            return [None if i == quiet else "met" for i in every]
        if plan == "hedged":
            loose = rng.choice(every)
            return ["vague" if i == loose else "met" for i in every]
    else:
        if plan == "met":
            chosen = set(rng.sample(every, rng.randint(1, min(2, n))))
            return ["met" if i in chosen else rng.choice(("not_met", None)) for i in every]
        if plan == "not_met":
            return ["not_met"] * n
        if plan in ("silent", "hedged"):
            loose = rng.choice(every)
            return ["vague" if i == loose else "not_met" for i in every]
    raise ValueError(f"no stances for plan {plan}")


def _facts(family: Family, policy: Policy, stances: list[Stance | None], rng: Random) -> list[str]:
    return [
        criterion_sentence(family, c, s, rng)
        for c, s in zip(policy.criteria, stances, strict=True)
        if s is not None
    ]


def _write(writer: Writer, sentences: list[str], procedure: str, rng: Random) -> DraftNote:
    body = writer.shorthand(writer.layout(NoteFacts(sentences=sentences, procedure=procedure), rng))
    return DraftNote(author=rng.choice(writer.authors), writer=writer.name, body=body)


def _split(writers: tuple[Writer, ...], sentences: list[str], procedure: str, rng: Random) -> list[DraftNote]:
    """One to three notes sharing ``sentences`` between writers, in order."""
    count = 1 if len(sentences) < 2 else rng.choice((1, 1, 2, 2, 3))
    count = min(count, len(sentences))
    cuts = sorted(rng.sample(range(1, len(sentences)), count - 1)) if count > 1 else []
    pieces = [sentences[a:b] for a, b in zip([0, *cuts], [*cuts, len(sentences)], strict=True)]
    chosen = rng.sample(list(writers), k=min(len(pieces), len(writers)))
    return [_write(chosen[i % len(chosen)], piece, procedure, rng) for i, piece in enumerate(pieces)]


def _therapy_criteria(policy: Policy) -> list[int]:
    return [i for i, c in enumerate(policy.criteria) if c.kind == "therapy"]


def write_notes(
    family: Family, policy: Policy, plan: NotePlan, procedure: str, rng: Random
) -> list[DraftNote]:
    """Notes for a claim whose governed line is ``procedure`` under ``policy``, following ``plan``."""
    writers = family.writers
    if plan in ("met", "not_met", "silent", "hedged"):
        sentences = _facts(family, policy, _stances(policy, plan, rng), rng)
        rng.shuffle(sentences)
        return _split(writers, sentences, procedure, rng)
    if plan == "vague":
        writer = rng.choice(writers)
        return [
            DraftNote(
                author=rng.choice(writer.authors), writer=writer.name, body=rng.choice(family.vague_notes)
            )
        ]
    if plan == "injected":
        writer = rng.choice(writers)
        body = rng.choice(family.vague_notes) + " " + rng.choice(family.injections)
        return [DraftNote(author=rng.choice(writer.authors), writer=writer.name, body=body)]
    if plan == "options":
        return _options(family, policy, procedure, rng)
    if plan == "contradictory":
        return _contradictory(family, policy, procedure, rng)
    raise ValueError(f"unknown note plan {plan}")


def _options(family: Family, policy: Policy, procedure: str, rng: Random) -> list[DraftNote]:
    """Therapies named as options; the other criteria documented as met (all) or not at all."""
    therapy_at = _therapy_criteria(policy)
    if not therapy_at:
        return write_notes(family, policy, "hedged", procedure, rng)
    listed = policy.criteria[therapy_at[0]].therapies
    listing = _list(listed)
    option_text = rng.choice(family.option_notes).format(
        therapies=listing, Therapies=listing[:1].upper() + listing[1:]
    )
    others: list[Stance | None]
    if policy.combine == "all":
        others = ["met" if i not in therapy_at else None for i in range(len(policy.criteria))]
    else:
        others = [None if i in therapy_at else "not_met" for i in range(len(policy.criteria))]
    sentences = _facts(family, policy, others, rng)
    writer = rng.choice(family.writers)
    notes = [_write(writer, sentences, procedure, rng)] if sentences else []
    other = rng.choice(family.writers)
    notes.append(DraftNote(author=rng.choice(other.authors), writer=other.name, body=option_text))
    return notes


def _contradictory(family: Family, policy: Policy, procedure: str, rng: Random) -> list[DraftNote]:
    """Two writers disagree about one criterion; the rest is documented as the combination needs."""
    disputed = rng.randrange(len(policy.criteria))
    rest: Stance = "met" if policy.combine == "all" else "not_met"
    first: list[Stance | None] = [rest if i != disputed else "met" for i in range(len(policy.criteria))]
    one, two = rng.sample(list(family.writers), 2)
    notes = [_write(one, _facts(family, policy, first, rng), procedure, rng)]
    denial = criterion_sentence(family, policy.criteria[disputed], "not_met", rng)
    notes.append(_write(two, [denial], procedure, rng))
    return notes


def routine_notes(family: Family, procedure: str, rng: Random) -> list[DraftNote]:
    """Zero or one everyday note for a claim with no medical policy at stake."""
    if rng.random() < 0.55:
        return []
    writer = rng.choice(family.writers)
    body = rng.choice(family.routine_notes).format(procedure=procedure)
    return [DraftNote(author=rng.choice(writer.authors), writer=writer.name, body=body)]
