"""The vocabulary of an independently written payer: its catalogue, policies and writers.

A family (:class:`Family`) is everything one outside team would bring to a claims
platform: plans, its own procedure codes and fee schedule, its own medical policies,
the regions it names, and the clinicians whose notes arrive with its claims. The world
writer (:mod:`.world`) only combines these pieces; the pieces carry the family's voice.

A criterion carries its own sentences for the three things a note can say about it
(met, not met, or something that settles nothing), written with placeholders the note
writer fills with values on the right side of the criterion's threshold:

- ``{w}`` a duration that satisfies the criterion, ``{short}`` one that does not;
- ``{v}`` a measured value at or above ``minimum``, ``{low}`` one below it;
- ``{therapy}`` / ``{Therapy}`` one of ``therapies``, ``{therapies}`` all of them;
- ``{subject}`` / ``{Subject}`` what the criterion is about.

Duration and therapy criteria may leave their sentences empty: the family's own
sentences for that kind are used instead.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from random import Random
from typing import Final, Literal

Combine = Literal["all", "any"]
Stance = Literal["met", "not_met", "vague"]
Kind = Literal["duration", "therapy", "measure", "finding"]
LineOfBusiness = Literal["commercial", "medicare_advantage", "medicaid"]
Exclusion = Literal["covered", "row", "none"]


def utc(day: date, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    """A naive UTC timestamp on ``day``, the form SPEC.md's TIMESTAMP columns hold."""
    moment = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(
        hours=hour, minutes=minute, seconds=second
    )
    return moment.replace(tzinfo=None)


_ONES: Final = (
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
)
_TENS: Final = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")


def in_words(n: int) -> str:
    """``n`` spelt out below a hundred ("twenty-two"), digits from a hundred up: how writers who spell numbers write them."""
    if n < 20:
        return _ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return _TENS[tens] + (f"-{_ONES[ones]}" if ones else "")
    return str(n)


def rewriter(rules: tuple[tuple[str, str], ...]) -> Callable[[str], str]:
    """A writer's shorthand as ordered (regular expression, replacement) rules applied to a finished note."""
    compiled = tuple((re.compile(pattern), replacement) for pattern, replacement in rules)

    def rewrite(text: str) -> str:
        for pattern, replacement in compiled:
            text = pattern.sub(replacement, text)
        return text

    return rewrite


@dataclass(frozen=True, slots=True, kw_only=True)
class Criterion:
    """One numbered criterion of a medical policy and what notes say about it."""

    kind: Kind
    statement: str
    subject: str = ""
    met: tuple[str, ...] = ()
    not_met: tuple[str, ...] = ()
    vague: tuple[str, ...] = ()
    minimum: int = 0
    #: Plausible range of a measure: values are drawn from [floor, maximum].
    floor: int = 0
    maximum: int = 0
    decimals: int = 0
    therapies: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Policy:
    """A medical policy document as the payer publishes it."""

    policy_id: str
    title: str
    combine: Combine
    criteria: tuple[Criterion, ...]
    body: str
    line_of_business: LineOfBusiness | None
    effective_from: date
    effective_to: date | None
    updated_at: datetime

    def in_force(self, day: date) -> bool:
        """Whether the policy governs a service given on ``day``."""
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)

    def applies_to(self, line_of_business: str) -> bool:
        """Whether the policy governs claims of ``line_of_business``."""
        return self.line_of_business is None or self.line_of_business == line_of_business


@dataclass(frozen=True, slots=True, kw_only=True)
class Procedure:
    """One entry of the payer's procedure catalogue and fee schedule."""

    code: str
    description: str
    fee: Decimal
    area: str
    policy_id: str | None = None
    sensitivity: str = "none"
    #: Requires prior authorization on every plan (plans may add their own).
    prior_auth: bool = False
    #: Covered by no plan of the payer.
    excluded: bool = False
    #: Units billed on one line, as (low, high).
    units: tuple[int, int] = (1, 1)
    #: Place-of-service codes this service is billed with.
    places: tuple[str, ...] = ("11",)


def entry(
    code: str,
    description: str,
    fee: str,
    area: str,
    policy: Policy | None = None,
    *,
    sensitivity: str = "none",
    prior_auth: bool = False,
    excluded: bool = False,
    units: tuple[int, int] = (1, 1),
    places: tuple[str, ...] = ("11",),
) -> Procedure:
    """A catalogue entry written the way a fee schedule reads: code, text, fee, area, policy."""
    return Procedure(
        code=code,
        description=description,
        fee=Decimal(fee),
        area=area,
        policy_id=policy.policy_id if policy else None,
        sensitivity=sensitivity,
        prior_auth=prior_auth,
        excluded=excluded,
        units=units,
        places=places,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Plan:
    """A benefit plan."""

    plan_id: str
    name: str
    line_of_business: LineOfBusiness
    network_type: Literal["HMO", "PPO"]
    coinsurance_pct: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class NoteFacts:
    """What one writer puts in one note: sentences, and the service they are about."""

    sentences: list[str]
    procedure: str


#: Lays out a note's sentences in a writer's own format.
Layout = Callable[[NoteFacts, Random], str]


def _same(text: str) -> str:
    return text


@dataclass(frozen=True, slots=True, kw_only=True)
class Writer:
    """A clinician who writes notes in one recognisable style."""

    name: str
    authors: tuple[str, ...]
    layout: Layout
    #: Rewrites a finished note in the writer's shorthand (identity for most).
    shorthand: Callable[[str], str] = field(default=_same)


@dataclass(frozen=True, slots=True, kw_only=True)
class IdStyle:
    """How a family spells its identifiers."""

    member: Callable[[int], str]
    claim: Callable[[int], str]
    note: Callable[[int], str]
    auth: Callable[[int], str]
    adjudication: Callable[[int], str]
    staff: Callable[[int], str]


@dataclass(frozen=True, slots=True, kw_only=True)
class KindPhrases:
    """A family's own sentences for duration and therapy criteria, by stance."""

    duration: Mapping[Stance, tuple[str, ...]]
    therapy: Mapping[Stance, tuple[str, ...]]


@dataclass(frozen=True, slots=True, kw_only=True)
class Family:
    """One payer as an outside team would write it."""

    name: str
    payer: str
    today: date
    regions: tuple[str, ...]
    plans: tuple[Plan, ...]
    procedures: tuple[Procedure, ...]
    policies: tuple[Policy, ...]
    writers: tuple[Writer, ...]
    kind_phrases: KindPhrases
    #: Billable diagnosis codes by clinical area.
    diagnoses: Mapping[str, tuple[str, ...]]
    #: Short notes that say nothing about any criterion.
    vague_notes: tuple[str, ...]
    #: Notes that name therapies as options, not as tried (``{therapies}``).
    option_notes: tuple[str, ...]
    #: Text addressed to a model, added to some notes.
    injections: tuple[str, ...]
    #: Routine notes for claims with no medical policy at stake (``{procedure}``).
    routine_notes: tuple[str, ...]
    #: Rationales people wrote on decided claims, by CARC (``approve`` for approvals).
    rationales: Mapping[str, tuple[str, ...]]
    ids: IdStyle
    #: Provider specialties by clinical area, and organisation names.
    specialties: Mapping[str, tuple[str, ...]]
    provider_names: tuple[str, ...]
    first_names: tuple[str, ...]
    last_names: tuple[str, ...]
    streets: tuple[str, ...]
    towns: tuple[str, ...]
    staff_names: tuple[str, ...]
    #: Whether a plan requires prior authorization for a procedure beyond its own flag.
    extra_prior_auth: Callable[[Plan, Procedure], bool]
    #: Whether a plan leaves a procedure uncovered (``"row"``: covered = 0, ``"none"``: no row).
    exclusion: Callable[[Plan, Procedure], Exclusion]
    #: Procedure codes that appear on claims but are in no catalogue.
    unknown_codes: tuple[str, ...]

    def policy(self, policy_id: str) -> Policy:
        """The policy with ``policy_id``."""
        return next(p for p in self.policies if p.policy_id == policy_id)

    def procedure(self, code: str) -> Procedure:
        """The catalogue entry for ``code``."""
        return next(p for p in self.procedures if p.code == code)
