"""Sentence templates of the clinical notes: ``[a|b]`` alternatives and ``{slot}`` fields.

A template stands for many surface forms while keeping one polarity: every
alternative says the same thing, and thresholds are built into the slot ranges
(``weeks6`` is at least six, ``weeks6_short`` below six). The criterion banks are
written in this notation; ``notes`` fills them.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from typing import Literal

Polarity = Literal["met", "not_met", "vague"]


_ALTERNATIVES = re.compile(r"\[([^\[\]]*)\]")


@dataclass(frozen=True, slots=True)
class Template:
    """A sentence pattern: literal text, ``[a|b|c]`` alternatives and ``{slot}`` fields.

    Every alternative of a group keeps the sentence's polarity; the groups only vary
    the wording, so one template stands for many surface forms.
    """

    parts: tuple[str | tuple[str, ...], ...]
    fields: tuple[str, ...]

    @property
    def surface_forms(self) -> int:
        """Distinct wordings the alternatives give, before slots are filled."""
        count = 1
        for part in self.parts:
            if isinstance(part, tuple):
                count *= len(part)
        return count


def _template(text: str) -> Template:
    parts: list[str | tuple[str, ...]] = []
    pos = 0
    for match in _ALTERNATIVES.finditer(text):
        if match.start() > pos:
            parts.append(text[pos : match.start()])
        parts.append(tuple(match.group(1).split("|")))
        pos = match.end()
    if pos < len(text):
        parts.append(text[pos:])
    fields = tuple(dict.fromkeys(name for _, name, _, _ in string.Formatter().parse(text) if name))
    return Template(tuple(parts), fields)


def templates(block: str) -> tuple[Template, ...]:
    """One template per non-empty line of ``block``."""
    return tuple(_template(line.strip()) for line in block.strip().splitlines() if line.strip())


def _numbers(lo: int, hi: int) -> tuple[str, ...]:
    return tuple(str(n) for n in range(lo, hi + 1))


def _decimals(lo: int, hi: int) -> tuple[str, ...]:
    """Values lo.0 .. hi.9 as strings (tenths), for BMI-like measurements."""
    return tuple(f"{n / 10:.1f}" for n in range(lo * 10, hi * 10 + 10))


SLOTS: dict[str, tuple[str, ...]] = {
    "weeks6": _numbers(6, 16),
    "weeks6_short": _numbers(1, 5),
    "weeks4": _numbers(4, 12),
    "weeks4_short": _numbers(1, 3),
    "months": ("2", "3", "4", "5", "six", "eight", "nine"),
    "days": _numbers(3, 20),
    "visits": _numbers(8, 24),
    "side": ("left", "right"),
    "month_name": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
    "day": _numbers(1, 28),
    "nsaid": ("naproxen", "ibuprofen", "meloxicam", "diclofenac", "celecoxib"),
    "spine_therapy": (
        "physical therapy",
        "supervised physical therapy",
        "PT",
        "a structured home exercise program",
        "core stabilization therapy",
        "chiropractic care with home exercises",
    ),
    "knee_therapy": (
        "physical therapy",
        "a quadriceps strengthening program",
        "PT",
        "activity modification with a knee brace",
        "supervised therapy",
    ),
    "spine_activity": ("sit through a workday", "bend to lift", "sleep through the night"),
    "knee_activity": ("climb stairs", "kneel", "walk more than a block", "squat"),
    "cancer": ("breast", "prostate", "lung", "renal cell"),
    "ess": _numbers(11, 21),
    "bmi_high": _decimals(40, 52),
    "bmi_mid": _decimals(35, 39),
    "bmi_low": _decimals(27, 34),
    "weight": _numbers(245, 340),
    "weight_low": _numbers(180, 225),
    "comorbidity": (
        "type 2 diabetes on metformin",
        "hypertension on two agents",
        "obstructive sleep apnea using CPAP",
        "poorly controlled type 2 diabetes",
        "stage 1 hypertension",
    ),
    "program_months": _numbers(6, 12),
    "program_short": _numbers(1, 4),
    "rom_a": _numbers(60, 90),
    "rom_b": _numbers(100, 130),
    "lefs_a": _numbers(18, 38),
    "lefs_b": _numbers(44, 66),
    "injections": ("three", "four", "3-4"),
    "a1c": _decimals(7, 10),
    "visit_weeks": _numbers(1, 20),
    "months_long": _numbers(8, 18),
    "ckd_stage": ("3a", "3b", "4"),
    "egfr_low": _numbers(18, 55),
    "egfr_ok": _numbers(78, 110),
    "tscore": ("-2.5", "-2.7", "-2.9", "-3.1", "-3.4"),
    "tscore_ok": ("-0.4", "-0.8", "0.2", "-1.0"),
    "pred": ("7.5", "10", "15", "20"),
    "age_young": _numbers(32, 50),
    "age_any": _numbers(41, 78),
    "therapist": ("DPT", "PT"),
    "bp": ("118/76", "124/80", "132/84", "128/78", "136/88", "112/70"),
    "hr": _numbers(58, 92),
    "return_weeks": ("2", "4", "6", "8", "12"),
}


Bank = dict[Polarity, tuple[Template, ...]]


def bank(met: str, not_met: str, vague: str) -> Bank:
    return {"met": templates(met), "not_met": templates(not_met), "vague": templates(vague)}
