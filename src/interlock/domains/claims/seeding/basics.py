"""What every part of a seed shares: the fixed "today", money constants, the random stream.

A seed must give the same rows byte for byte, so nothing here reads the clock: "today"
is fixed, every stream is a ``random.Random`` keyed by the seed and a concern
(``f"{seed}/members"``), and timestamps are built from dates, never taken.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, Literal

TODAY = date(2026, 6, 30)
"""The generator's fixed "today": every date and timestamp lies on or before it."""
TODAY_ORD = TODAY.toordinal()

HIGH_VALUE_LIMIT = Decimal("10000.00")
CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal(100)

Row = tuple[Any, ...]
Rows = dict[str, list[Row]]
"""Rows per table name, each a tuple in the schema's column order."""

Phase = Literal["history", "backlog"]
"""Decided claims of the past, or the ``received`` backlog still to adjudicate."""

REGIONS: tuple[str, ...] = ("north", "south", "east", "west", "central")
LINES_OF_BUSINESS: tuple[str, ...] = ("commercial", "medicare_advantage", "medicaid")


class GeneratorError(RuntimeError):
    """The generated rows disagree with the outcome they were built to have."""


class RedrawError(Exception):
    """The random draw cannot satisfy the scenario; draw again."""


class Rng(random.Random):
    """``random.Random`` with a cheaper ``randint``: the generator draws millions of them.

    The stock ``randint`` goes through ``randrange`` and a rejection loop; scaling one
    ``random()`` draw is several times faster and just as deterministic for a seed.
    """

    def randint(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))


def pick(rng: random.Random, seq: Sequence[Any]) -> Any:
    """``rng.choice`` without its rejection loop: the hot paths call this millions of times."""
    return seq[int(rng.random() * len(seq))]


def words(text: str) -> tuple[str, ...]:
    """Split a whitespace-separated literal: keeps long code and name lists readable."""
    return tuple(text.split())


def utc_timestamp(day: date, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    """A naive datetime meaning UTC: the platform's ``TIMESTAMP`` columns have no zone."""
    return datetime.combine(day, time(hour, minute, second))
