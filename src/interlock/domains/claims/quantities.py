"""Numeric thresholds stated in a policy criterion, and the values a note passage gives for them.

A criterion such as "pain that has persisted for at least 6 weeks" or "an index of 15
or more events per hour" is settled by a number, and a classifier of words cannot read
numbers: "AHI 14" and "AHI 64" look alike to it. Here the threshold is read from the
criterion text itself (a comparator phrase around a number and its unit or the name of
the measure), the values are read from the passage, and the comparison is exact:

- :func:`thresholds` finds "at least N", "no fewer than N", "N or more", ">= N",
  "greater than N", "within N", "no more than N"... with units of time, a 0-10 scale,
  percent, per hour, or a unit written after the number (``mg/dL``, ``kg/m2``), or an
  ordinal unit before it ("stage 3 or higher"). The name of the measure is the words
  just before the comparator, with any abbreviation the criterion defines in brackets.
- :func:`values` finds numbers in a passage with their unit and the words just before
  them; "over a year", "6-8 weeks" and "six weeks" are read as intervals.
- :func:`reading` compares: a passage *satisfies* a criterion when every value it gives
  for a threshold's measure satisfies every such threshold, *fails* when every value
  fails, is *mixed* when values disagree (or one value is on both sides of two
  thresholds), and is *absent* when it gives no value for any threshold.

Before any of it, compound number words become digits ("twenty-six" is 26, not "six"),
a number restated in brackets ("fifteen (15) months") is one number, and a unit written
onto its number ("40wk", "10mg", "x 39d") or the "x" shorthand for "for" ("x6wk") is set
apart; a count before "a month" is a rate, hours "a day" are a daily amount (met only by
a daily amount), and "at least one of" the listed therapies counts options, not a
measure.

Weeks, months and years compare as clinicians count them, 52 weeks to a year and 12
months, so "26 weeks" is six months; other units of time compare as intervals of days
(a month is 28 to 31 days), so "30 days" against "at least a month" is neither
satisfied nor failed: a person decides. Nothing here guesses: a value whose measure
cannot be told is not read.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Final, Literal

from interlock.domains.claims.vocabulary import content_stems

Comparator = Literal[">=", ">", "<=", "<"]
Reading = Literal["satisfies", "fails", "unsure", "conflict", "absent", "none"]

_NUMBER_WORDS: Final[dict[str, int]] = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_TENS: Final = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_ONES: Final = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
#: "twenty-six weeks" is 26 weeks, not "twenty" and then "six weeks".
_COMPOUND: Final = re.compile(rf"\b({'|'.join(_TENS)})[- ]({'|'.join(_ONES)})\b", re.IGNORECASE)
#: A unit written onto its number ("40wk", "18mo", "10mg"); single letters stay ("3D" is no span).
_GLUED_UNIT: Final = re.compile(
    r"(?<=\d)(?=(?:wks?|weeks?|mos?|months?|yrs?|years?|days?|hrs?|hours?|mins?|ms|mg|mcg|kg|cm|mm|ml|lbs?|db|bpm)\b)",
    re.IGNORECASE,
)
#: "x40wk", "x 3/12": the shorthand "for" written onto its number.
_GLUED_TIMES: Final = re.compile(r"(?<![\w/])x(?=\d)", re.IGNORECASE)
#: "x 39d", "for 10d": days written onto a span's number (alone, "3D" stays no span).
_GLUED_DAYS: Final = re.compile(r"(?<![\w/])((?:x|for)\s*\d+)d\b", re.IGNORECASE)
#: A number restated in digits, as letters and forms write it: "fifteen (15) months".
_RESTATED: Final = re.compile(r"\b([a-z]+|\d+(?:\.\d+)?)\s*\((\d+(?:\.\d+)?)\)", re.IGNORECASE)

#: Units of time as (low, high) days: a month is 28 to 31 days, a year 365 or 366.
_TIME: Final[dict[str, tuple[float, float]]] = {
    "millisecond": (1 / 86_400_000, 1 / 86_400_000),
    "second": (1 / 86_400, 1 / 86_400),
    "minute": (1 / 1440, 1 / 1440),
    "hour": (1 / 24, 1 / 24),
    "day": (1.0, 1.0),
    "week": (7.0, 7.0),
    "month": (28.0, 31.0),
    "year": (365.0, 366.0),
}
_TIME_SPELLINGS: Final[dict[str, str]] = {
    "ms": "millisecond",
    "msec": "millisecond",
    "millisecond": "millisecond",
    "milliseconds": "millisecond",
    "sec": "second",
    "secs": "second",
    "second": "second",
    "seconds": "second",
    "min": "minute",
    "mins": "minute",
    "minute": "minute",
    "minutes": "minute",
    "h": "hour",
    "hr": "hour",
    "hrs": "hour",
    "hour": "hour",
    "hours": "hour",
    "d": "day",
    "day": "day",
    "days": "day",
    "wk": "week",
    "wks": "week",
    "week": "week",
    "weeks": "week",
    "weekly": "",
    "mo": "month",
    "mos": "month",
    "month": "month",
    "months": "month",
    "yr": "year",
    "yrs": "year",
    "year": "year",
    "years": "year",
}
#: Denominators of the clinical shorthand for a span: n/52 weeks, n/12 months. Against a
#: duration only: a value's unit must match the threshold's (6/12 vision is no duration
#: unless a criterion about the eye asks how long something lasted).
_SHORTHAND_TIME: Final[dict[str, str]] = {"52": "week", "12": "month"}
_SPAN_CUES: Final = frozenset(
    {"for", "over", "past", "last", "completed", "lasting", "after", "since", "back", "x"}
)
#: Units written after a number, by spelling: a mass in grams is a mass in grams however spelt.
_WRITTEN_UNITS: Final[dict[str, str]] = {
    **{
        u: u
        for u in ("mg", "mcg", "mmol", "meq", "ml", "kg", "g", "mm", "cm", "lb", "kg/m2", "mmhg", "db", "bpm")
    },
    "snellen": "snellen",
    "gram": "g",
    "grams": "g",
    "gm": "g",
    "kilogram": "kg",
    "kilograms": "kg",
    "lbs": "lb",
    "pound": "lb",
    "pounds": "lb",
    "decibels": "db",
    "micrograms": "mcg",
    "milligrams": "mg",
}
#: Words before a number that make it a rank on a scale ("stage 3", "grade II" is not read).
#: Words that may not stand between a number and its unit ("a few weeks" is no amount).
_NOT_ADJECTIVES: Final = frozenset(
    {
        "or",
        "and",
        "to",
        "times",
        "per",
        "few",
        "couple",
        "several",
        "many",
        "some",
        "number",
        "while",
        "more",
        "less",
    }
)
#: Words that name no measure by themselves ("index" of body mass or of apneas).
_GENERIC_NAMES: Final = frozenset(
    {"index", "score", "level", "rate", "value", "result", "test", "total", "count", "rat"}
)
_ORDINAL_UNITS: Final = frozenset({"stage", "grade", "class", "level", "tier"})
#: Units a value is always written with, so a bare number never measures them.
_WRITTEN_WITH_UNIT: Final = frozenset({"%", "snellen"})

_NUM = r"(?:\d+(?:\.\d+)?|" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + r")"
_TOKEN = re.compile(
    # A named instrument ("PHQ-9", "GAD-7"); "NRS-2/10" and "SAT-86%" are values.
    r"(?P<word>(?-i:[A-Z]{2,})-\d{1,2}(?![\w.])(?!\s*[/%]))"
    r"|(?P<num>(?<![\w.])\d+(?:\.\d+)?(?:[ab](?![\w]))?(?![\w]))"
    r"|(?P<word2>[^\W\d_]+(?:'[^\W\d_]+)?)"
    r"|(?P<sym>>=|<=|≥|≤|[<>%/+()\-:;,.])",
    re.IGNORECASE,
)
_SCALE: Final = re.compile(
    r"\b0\s*(?:-|–|to)\s*10\b(?:\s*(?:point\s*)?scale)?|\bscale of (?:0 to )?10\b", re.I
)


@dataclass(frozen=True, slots=True)
class _Tok:
    kind: Literal["num", "word", "sym"]
    text: str
    start: int


#: Snellen fractions (20/60, 6/18): the denominator is the measure, and larger is worse.
_SNELLEN: Final = re.compile(
    r"(?<![\d.])(?:20/(10|12\.5|13|15|16|20|25|30|32|40|50|60|63|70|80|100|125|160|200|400)"
    r"|6/(3|4\.8|5|6|7\.5|9|12|15|18|24|30|36|60))(?![\d.])"
)
_ABOUT_VISION: Final = re.compile(
    r"\b(?:acuity|bcva|va|vision|visual|snellen|eyes?|od|os|ou)\b", re.IGNORECASE
)


def _snellen(text: str) -> str:
    """A text about vision with each Snellen fraction written as its 20-foot denominator ("60 snellen")."""
    if not _ABOUT_VISION.search(text):
        return text  # "6/12" elsewhere is six months

    def feet(m: re.Match[str]) -> str:
        # Metric fractions (6/18) as their 20-foot equivalent (20/60), so both notations compare.
        denominator = m.group(1) or f"{float(m.group(2)) * 10 / 3:g}"
        return f"{denominator} snellen"

    return _SNELLEN.sub(feet, text)


def _spelled(text: str) -> str:
    """``text`` with compound number words as digits and glued units and "x" set apart."""
    text = _COMPOUND.sub(
        lambda m: str(_NUMBER_WORDS[m.group(1).lower()] + _NUMBER_WORDS[m.group(2).lower()]), text
    )
    text = _RESTATED.sub(_once, _GLUED_DAYS.sub(r"\1 d", text))
    return _GLUED_TIMES.sub("x ", _GLUED_UNIT.sub(" ", text))


def _once(m: re.Match[str]) -> str:
    """A number and its restatement in brackets, as the number alone; anything else unchanged."""
    first = m.group(1)
    said = float(first) if first[0].isdigit() else _NUMBER_WORDS.get(first.lower())
    return first if said is not None and said == float(m.group(2)) else m.group(0)


def _tokens(text: str) -> list[_Tok]:
    text = _snellen(_spelled(text))
    out: list[_Tok] = []
    for m in _TOKEN.finditer(text):
        group = m.lastgroup
        assert group in ("num", "word", "word2", "sym")
        value = m.group(group)
        kind = "word" if group == "word2" else group
        out.append(_Tok(kind=kind, text=value if kind == "num" else value.casefold(), start=m.start()))  # type: ignore[arg-type]
    return out


def _number(tok: _Tok) -> float | None:
    if tok.kind == "num":
        return float(tok.text.rstrip("abAB"))
    if tok.kind == "word" and tok.text in _NUMBER_WORDS and tok.text not in ("a", "an"):
        return float(_NUMBER_WORDS[tok.text])
    return None


@dataclass(frozen=True, slots=True, kw_only=True)
class Unit:
    """A unit: ``time`` (compared in days), an ordinal scale word, ``/10``, ``%``, or a written unit."""

    key: str
    days: tuple[float, float] | None = None
    #: Hours or minutes counted per day ("18 hours a day", "21 h daily").
    daily: bool = False

    def compatible(self, other: Unit) -> bool:
        """``other`` (a value's unit) measures what this one (a threshold's) does.

        Units of time of one scale, or the same unit. Minutes and hours measure
        something other than what weeks and months measure: "limits walking to 10
        minutes" says nothing about "12 weeks of care"; and a daily amount is met only
        by a daily amount ("Assessment time: 40 min" is no brace worn 18 hours a day).
        """
        if self.days is not None or other.days is not None:
            if self.days is None or other.days is None:
                return False
            if self.daily and not other.daily:
                return False
            return (self.days[0] < 1.0) == (other.days[0] < 1.0)
        return self.key == other.key


@dataclass(frozen=True, slots=True, kw_only=True)
class Threshold:
    """One comparison a criterion states: ``value <comparator> number`` in ``unit`` for the named measure."""

    comparator: Comparator
    number: float
    unit: Unit | None
    names: frozenset[str]
    #: The criterion asks for a span *without* something ("no tobacco use for at least 6 weeks").
    absence: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Value:
    """A number a passage states: the interval it stands for, its unit and the words before it."""

    low: float
    high: float
    unit: Unit | None
    names: frozenset[str]
    #: The span a statement looks back over ("no hypoglycemia in the past 12 mo"): how far
    #: the record reaches, not how long ago something happened.
    window: bool = False


# ---------------------------------------------------------------------------- units


def _unit_after(toks: list[_Tok], i: int) -> tuple[Unit | None, int]:
    """The unit written right after the number at ``toks[i]``, and the index after it."""
    j = i + 1
    if j < len(toks) and toks[j].text == "-" and j + 1 < len(toks) and toks[j + 1].kind == "word":
        j += 1  # "6-week", "six-month"
    if j >= len(toks):
        return None, j
    tok = toks[j]
    if tok.kind == "word" and _TIME_SPELLINGS.get(tok.text):
        unit = Unit(key="time", days=_TIME[_TIME_SPELLINGS[tok.text]])
        after = _past_daily(toks, j + 1, unit)
        return (replace(unit, daily=True) if after > j + 1 else unit), after
    if (
        tok.kind == "word"
        and tok.text not in _NUMBER_WORDS
        and tok.text not in _NOT_ADJECTIVES
        and j + 1 < len(toks)
        and (later := _TIME_SPELLINGS.get(toks[j + 1].text))
    ):
        # One adjective between: "six consecutive months", "8 supervised weeks".
        return Unit(key="time", days=_TIME[later]), j + 2
    if tok.text in {"%", "percent"}:
        return Unit(key="%"), j + 1
    if tok.text == "/" and j + 1 < len(toks):
        nxt = toks[j + 1]
        if nxt.kind == "num" and nxt.text in _SHORTHAND_TIME and _shorthand_span(toks, i, j + 2):
            # "22/52": 22 weeks, "for 3/12": 3 months, clinical shorthand for a span.
            return Unit(key="time", days=_TIME[_SHORTHAND_TIME[nxt.text]]), j + 2
        if nxt.kind == "num":
            return Unit(key=f"/{nxt.text}"), j + 2
        if nxt.kind == "word":
            return _per(nxt.text), j + 2
    if tok.kind == "word" and tok.text in ("out", "of") and j + 2 < len(toks):
        k = j + 1 if tok.text == "of" else j + 2
        if k < len(toks) and toks[k].kind == "num" and (tok.text == "of" or toks[j + 1].text == "of"):
            return Unit(key=f"/{toks[k].text}"), k + 1
    if tok.kind == "word" and tok.text == "per" and j + 1 < len(toks) and toks[j + 1].kind == "word":
        return _per(toks[j + 1].text), j + 2
    if tok.kind == "word" and tok.text in _WRITTEN_UNITS:
        key = _WRITTEN_UNITS[tok.text]
        k = j + 1
        while k + 1 < len(toks) and toks[k].text == "/" and toks[k + 1].kind in ("word", "num"):
            key += "/" + toks[k + 1].text
            k += 2
        if (
            k < len(toks)
            and toks[k].kind == "num"
            and toks[k].start == toks[k - 1].start + len(toks[k - 1].text)
        ):
            key += toks[k].text  # kg/m2
            k += 1
        return Unit(key=key), k
    if tok.kind == "word" and j + 1 < len(toks):
        # "events per hour", "events/hour": a count noun before a rate.
        nxt = toks[j + 1]
        if nxt.text in ("per", "/") and j + 2 < len(toks) and toks[j + 2].kind == "word":
            return _per(toks[j + 2].text), j + 3
    return None, j


#: What makes hours or minutes a daily amount: "18 hours a day", "21 h daily", "20 hrs/day".
_DAILY: Final = frozenset({"daily", "nightly"})
_EACH: Final = frozenset({"a", "per", "each", "every", "/"})


def _past_daily(toks: list[_Tok], k: int, unit: Unit) -> int:
    """The index after a "per day" that follows hours or minutes at ``k``, else ``k``.

    "Brace worn 18 hours a day or more" compares the 18 hours; the day says how the
    hours are counted, and is no second span.
    """
    if unit.days is None or unit.days[0] >= 1.0:
        return k
    if k < len(toks) and toks[k].text in _DAILY:
        return k + 1
    if k + 1 < len(toks) and toks[k].text in _EACH and toks[k + 1].text in ("day", "night"):
        return k + 2
    return k


def _shorthand_span(toks: list[_Tok], i: int, after: int) -> bool:
    """Whether the fraction at ``toks[i]`` is the n/52 or n/12 shorthand for a span, not a date.

    A date goes on ("3/12/2024") or stands where a span cannot ("seen 3/12"); weeks as
    n/52 are unmistakable, months as n/12 are read only after a word that introduces a
    span ("for 3/12", "over 6/12", "completed 3/12") or before "ago".
    """
    if after < len(toks) and toks[after].text == "/":
        return False
    if toks[i + 2].text == "52":
        return True
    before = toks[i - 1].text if i >= 1 else ""
    return before in _SPAN_CUES or (after < len(toks) and toks[after].text == "ago")


def _per(word: str) -> Unit:
    name = _TIME_SPELLINGS.get(word, "")
    return Unit(key=f"/{name or word}")


def _unit_before(toks: list[_Tok], i: int) -> Unit | None:
    """An ordinal unit written before the number ("stage 3")."""
    if i >= 1 and toks[i - 1].kind == "word" and toks[i - 1].text in _ORDINAL_UNITS:
        return Unit(key=toks[i - 1].text)
    return None


def _names(toks: list[_Tok], end: int, width: int) -> frozenset[str]:
    """Content words among the ``width`` tokens before ``end``, stopping at a clause break."""
    words: list[str] = []
    k = end - 1
    while k >= 0 and len(words) < width:
        tok = toks[k]
        if tok.kind == "sym" and tok.text in (";", ",", "."):
            break
        if tok.kind == "word":
            words.append(tok.text)
        k -= 1
    return content_stems(" ".join(reversed(words))) - _GENERIC_NAMES


def _names_after(toks: list[_Tok], start: int, width: int) -> frozenset[str]:
    """Content words among the ``width`` tokens from ``start``, stopping at a clause break."""
    words: list[str] = []
    for tok in toks[start : start + width]:
        if tok.kind == "sym" and tok.text in (";", ",", "."):
            break
        if tok.kind == "word":
            words.append(tok.text)
    return content_stems(" ".join(words)) - _GENERIC_NAMES


# ---------------------------------------------------------------------- thresholds

_LOWER_BEFORE: Final[tuple[tuple[str, ...], ...]] = (
    ("at", "least"),
    ("no", "fewer", "than"),
    ("no", "less", "than"),
    ("not", "less", "than"),
    ("a", "minimum", "of"),
    ("minimum", "of"),
    ("minimum",),
    (">=",),
    ("≥",),
)
_STRICT_LOWER_BEFORE: Final = (
    ("greater", "than"),
    ("more", "than"),
    ("longer", "than"),
    ("higher", "than"),
    ("above",),
    ("over",),
    ("exceeding",),
    ("in", "excess", "of"),
    (">",),
)
_UPPER_BEFORE: Final = (
    ("at", "most"),
    ("no", "more", "than"),
    ("not", "more", "than"),
    ("no", "longer", "than"),
    ("a", "maximum", "of"),
    ("maximum", "of"),
    ("up", "to"),
    ("within", "the", "past"),
    ("within", "the", "last"),
    ("within", "the"),
    ("within",),
    ("<=",),
    ("≤",),
)
_STRICT_UPPER_BEFORE: Final = (
    ("less", "than"),
    ("fewer", "than"),
    ("shorter", "than"),
    ("below",),
    ("under",),
    ("<",),
)
_AFTER: Final[dict[str, Comparator]] = {
    "more": ">=",
    "greater": ">=",
    "higher": ">=",
    "longer": ">=",
    "above": ">=",
    "over": ">=",
    "later": ">=",
    "less": "<=",
    "fewer": "<=",
    "lower": "<=",
    "shorter": "<=",
    "below": "<=",
    "under": "<=",
    "earlier": "<=",
}
_NEGATION: Final = frozenset(
    {"no", "not", "without", "free", "non", "never", "absence", "abstinence", "abstinent"}
)


def _ends_with(toks: list[_Tok], i: int, phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return i >= n and tuple(t.text for t in toks[i - n : i]) == phrase


def _comparator_before(toks: list[_Tok], i: int) -> tuple[Comparator, int] | None:
    for table, comparator in (
        (_LOWER_BEFORE, ">="),
        (_STRICT_LOWER_BEFORE, ">"),
        (_UPPER_BEFORE, "<="),
        (_STRICT_UPPER_BEFORE, "<"),
    ):
        for phrase in table:
            if _ends_with(toks, i, phrase):
                return comparator, i - len(phrase)  # type: ignore[return-value]
    return None


#: Snellen denominators only: a larger one is worse vision ("20/50 or worse", "worse than 20/40").
_SNELLEN_AFTER: Final[dict[str, Comparator]] = {"worse": ">=", "better": "<="}
_SNELLEN_BEFORE: Final[dict[tuple[str, ...], Comparator]] = {("worse", "than"): ">", ("better", "than"): "<"}


def _comparator_after(toks: list[_Tok], j: int, unit: Unit | None = None) -> Comparator | None:
    """``N or more``, ``N or higher``, ``N+``: the comparator just after the number and unit.

    A restatement in brackets may come between: "six months (26 weeks) or longer".
    "or worse" and "or better" have a direction only for a Snellen denominator: an
    ejection fraction "of 35% or worse" says nothing a number can settle.
    """
    if j < len(toks) and toks[j].text == "(":
        close = next((k for k in range(j + 1, min(j + 6, len(toks))) if toks[k].text == ")"), None)
        if close is not None:
            j = close + 1
    if j < len(toks) and toks[j].text == "+":
        return ">="
    if j + 1 < len(toks) and toks[j].text == "or" and toks[j + 1].text in _AFTER:
        return _AFTER[toks[j + 1].text]
    if j + 1 < len(toks) and toks[j].text == "or" and unit is not None and unit.key == "snellen":
        return _SNELLEN_AFTER.get(toks[j + 1].text)
    return None


def _snellen_before(toks: list[_Tok], i: int, unit: Unit | None) -> tuple[Comparator, int] | None:
    if unit is None or unit.key != "snellen":
        return None
    for phrase, comparator in _SNELLEN_BEFORE.items():
        if _ends_with(toks, i, phrase):
            return comparator, i - len(phrase)
    return None


def _abbreviations(text: str) -> frozenset[str]:
    """Abbreviations a criterion defines in brackets: "apnea-hypopnea index (AHI)"."""
    return frozenset(m.group(1).casefold() for m in re.finditer(r"\(([A-Za-z][A-Za-z0-9-]{1,9})\)", text))


@lru_cache(maxsize=1024)
def thresholds(criterion_text: str) -> tuple[Threshold, ...]:
    """The numeric thresholds ``criterion_text`` states, in order (empty when it states none)."""
    toks = _tokens(criterion_text)
    scale = Unit(key="/10") if _SCALE.search(criterion_text) else None
    abbreviations = content_stems(" ".join(_abbreviations(criterion_text)))
    out: list[Threshold] = []
    for i, tok in enumerate(toks):
        number = _number(tok)
        if number is None:
            continue
        if i >= 1 and toks[i - 1].text in ("-", "to") and i >= 2 and toks[i - 2].text == "0" and number == 10:
            continue  # "0-10 scale"
        unit_before = _unit_before(toks, i)
        unit, after = _unit_after(toks, i)
        unit = unit or unit_before
        if unit is None and i + 1 < len(toks) and toks[i + 1].text == "of":
            continue  # "at least one of gabapentin, pregabalin...": a count of the listed options
        comparator: Comparator | None = None
        name_end = i - (1 if unit_before else 0)
        before = _comparator_before(toks, name_end) or _snellen_before(toks, name_end, unit)
        if before is not None:
            comparator, name_end = before
        else:
            comparator = _comparator_after(toks, after, unit)
            if comparator is not None and unit is None:
                unit, _ = _unit_after(toks, after + (0 if toks[after].text == "+" else 1))
        if comparator is None:
            continue
        names = _names(toks, name_end, 5)
        if unit is None and scale is not None:
            unit = scale
        if unit is None and not names and out:
            # Elliptical: "40 or more, or 35 or more with ..." is the same measure again.
            unit, names = out[-1].unit, out[-1].names - abbreviations
        else:
            # The measure may also be named after the number ("15 or more on the PHQ-9").
            tail = after if before is not None else after + (1 if toks[after].text == "+" else 2)
            names |= _names_after(toks, tail, 4)
        absence = bool({t.text for t in toks[max(0, name_end - 6) : name_end]} & _NEGATION)
        out.append(
            Threshold(
                comparator=comparator,
                number=number,
                unit=unit,
                names=names | abbreviations,
                absence=absence,
            )
        )
    return tuple(out)


# -------------------------------------------------------------------------- values

_FREQUENCY: Final = frozenset({"times", "once", "twice", "every", "each", "per", "x"})
_OPEN_ABOVE: Final = (
    ("over",),
    ("more", "than"),
    ("greater", "than"),
    ("longer", "than"),
    ("at", "least"),
    (">",),
    (">=",),
    ("≥",),
)
_OPEN_BELOW: Final = (
    ("under",),
    ("less", "than"),
    ("below",),
    ("fewer", "than"),
    ("up", "to"),
    ("at", "most"),
    ("<",),
    ("<=",),
    ("≤",),
)


#: Phrases before a value that is where something returned to, not what it reached.
#: Phrases before a percentage that is where it returned to ("came back to 92% on 2 L"), not what it reached.
_RECOVERY: Final = (("came", "back", "to"), ("recovered", "to"), ("returned", "to"))
_NEGATED_VERBS: Final = frozenset(
    {
        "going",
        "go",
        "went",
        "falling",
        "fall",
        "fell",
        "dropping",
        "drop",
        "dropped",
        "getting",
        "dipping",
        "dip",
        "dipped",
        "desaturating",
        "desaturate",
        "desaturated",
    }
)
_NEGATORS: Final = frozenset({"without", "never", "not", "didn't", "doesn't", "don't", "no"})


def _negated(toks: list[_Tok], i: int) -> bool:
    """A negation just before position ``i``: "without going", "never", "did not fall"."""
    k = i - 1
    if k >= 0 and toks[k].text in _NEGATED_VERBS:
        k -= 1
    return k >= 0 and toks[k].text in _NEGATORS


#: Phrases before a span that say how far back a statement looks ("in the past 12 months").
_LOOKBACK: Final = tuple(
    (prep, *the, when)
    for prep in ("in", "over", "during", "within")
    for the in ((), ("the",))
    for when in ("past", "last", "previous", "preceding")
)


def _lasting(toks: list[_Tok], i: int) -> bool:
    """ "x 6 weeks" (written "x6wk") is "for six weeks"; "x3" alone is three times."""
    if toks[i - 1].text != "x":
        return False
    unit, _ = _unit_after(toks, i)
    return unit is not None and unit.days is not None


def _rate(toks: list[_Tok], i: int) -> bool:
    """The article at ``i`` means "per": a number just before it counts something ("12 headache days a month").

    Not when the span ends in "ago" ("2 weeks a month ago" is when, not how often).
    """
    if i + 2 < len(toks) and toks[i + 2].text == "ago":
        return False
    for tok in reversed(toks[max(0, i - 3) : i]):
        if tok.kind == "sym":
            return False
        if _number(tok) is not None:
            return True
    return False


@lru_cache(maxsize=4096)
def values(passage: str) -> tuple[Value, ...]:
    """The numbers ``passage`` states, each with its unit (if any) and the words before it."""
    toks = _tokens(passage)
    out: list[Value] = []
    skip_to = -1
    for i, tok in enumerate(toks):
        if i < skip_to:
            continue
        number = _number(tok)
        if i >= 1 and toks[i - 1].text == "in":
            continue  # "return in 6 weeks": a time to come, not a span that passed
        if i >= 1 and toks[i - 1].text in _FREQUENCY and not _lasting(toks, i):
            continue  # "twice a week", "three times a week", "every 2 weeks": how often, not how long
        if number is None and tok.kind == "word" and tok.text in ("a", "an") and not _rate(toks, i):
            # "a year ago", "over a month": the article is one of the unit.
            unit, _ = _unit_after(toks, i)
            number = 1.0 if unit is not None and unit.days is not None else None
        if number is None:
            continue
        low = high = number
        j = i
        # A range: "6-8 weeks", "6 to 8 weeks", "between 6 and 8 weeks".
        if (
            j + 2 < len(toks)
            and toks[j + 1].text in ("-", "to", "and")
            and (second := _number(toks[j + 2])) is not None
            and (toks[j + 1].text != "and" or (i >= 1 and toks[i - 1].text == "between"))
        ):
            low, high = min(number, second), max(number, second)
            j += 2
        unit_before = _unit_before(toks, i)
        unit, after = _unit_after(toks, j)
        if unit is None and unit_before is None and j + 1 < len(toks) and toks[j + 1].text == "/":
            # A ratio with no unit we know ("5/5 strength", "118/76"): not a measure we read.
            skip_to = j + 3
            continue
        unit = unit or unit_before
        if unit is None and tok.kind == "word":
            continue  # a bare number word ("one of the options") is not a measurement
        skip_to = after
        name_end = i - (1 if unit_before else 0)
        following = tuple(t.text for t in toks[after : after + 2])
        if following[:1] in (("old",), ("yo",)) or following == ("-", "old"):
            continue  # "64-year-old": an age, not how long anything lasted
        if following[:1] in (("not",), ("never",)) or (
            following[:1] in (("is",), ("was",), ("has",), ("have",))
            and following[1:] in (("not",), ("never",))
        ):
            continue  # "six months not yet completed": a span that was not reached
        if unit is not None and unit.key == "%" and any(_ends_with(toks, name_end, p) for p in _RECOVERY):
            continue  # "dropped to 84% and came back to 92% on oxygen": the 92 is the correction
        after_comparator = _comparator_after(toks, after, unit)
        snellen = _snellen_before(toks, name_end, unit)
        below = next((p for p in _OPEN_BELOW if _ends_with(toks, name_end, p)), None)
        if below is not None and _negated(toks, name_end - len(below)):
            high = math.inf  # "without going under 92%": it stayed at 92 or above
        elif snellen is not None:
            low, high = (low, math.inf) if snellen[0] == ">" else (0.0, high)  # "worse than 20/40"
        elif any(_ends_with(toks, name_end, p) for p in _OPEN_ABOVE) or after_comparator in (">=", ">"):
            high = math.inf
        elif (
            any(_ends_with(toks, name_end, p) for p in _OPEN_BELOW)
            and not _ends_with(toks, name_end, ("adds", "up", "to"))
        ) or after_comparator in ("<=", "<"):
            low = 0.0  # "up to 8" bounds from above; "adds up to 21" is a total
        window = any(_ends_with(toks, name_end, p) for p in _LOOKBACK)
        names = _names(toks, name_end, 5)
        if unit is None and not names:
            # A count after a colon names its measure further back ("throat infections
            # documented over the past year: 7").
            names = _names(toks, name_end, 10)
        out.append(Value(low=low, high=high, unit=unit, names=names, window=window))
    return tuple(out)


# ------------------------------------------------------------------------ reading


def _compatible(threshold: Threshold, value: Value) -> bool:
    """The value measures what the threshold is about: same unit, or the same named measure."""
    if threshold.unit is not None and value.unit is not None:
        # Units of time measure many things; relevance says which criterion a clause is about.
        return threshold.unit.compatible(value.unit)
    if threshold.unit is not None and (
        threshold.unit.days is not None or threshold.unit.key in _ORDINAL_UNITS | _WRITTEN_WITH_UNIT
    ):
        # A duration needs its unit, a stage is only ever a stage, and a percentage or a
        # Snellen fraction is always written as one: "walked 200 feet" is no saturation.
        return False
    if threshold.unit is None and value.unit is not None and value.unit.days is not None:
        return False  # a count ("at least one episode") is no span ("in the past 12 mo")
    return bool(threshold.names & value.names)


def _days(x: float, unit: Unit | None, which: int) -> float:
    if unit is None or unit.days is None:
        return x
    return x * unit.days[which]


#: Weeks, months and years as clinicians count them, keyed by the unit's days: a year is
#: 52 weeks and 12 months, so "26 weeks" is six months and "52 weeks" a year (as days,
#: 182 is short of six calendar months and 364 of a year).
_WEEKS_PER: Final[dict[tuple[float, float], tuple[float, float]]] = {
    _TIME["week"]: (1.0, 1.0),
    _TIME["month"]: (52.0, 12.0),
    _TIME["year"]: (52.0, 1.0),
}


def _weeks(x: float, unit: Unit | None) -> float | None:
    """``x`` in weeks when its unit is weeks, months or years (else ``None``)."""
    if unit is None or unit.days is None or unit.days not in _WEEKS_PER:
        return None
    numerator, denominator = _WEEKS_PER[unit.days]
    return x * numerator / denominator


def compare(threshold: Threshold, value: Value) -> Literal["satisfies", "fails", "unsure"]:
    """Whether ``value`` satisfies ``threshold``: in weeks between weeks, months and years, else intervals of days."""
    same = threshold.unit == value.unit or threshold.unit is None or value.unit is None
    t_weeks = _weeks(threshold.number, threshold.unit)
    v_low_weeks, v_high_weeks = _weeks(value.low, value.unit), _weeks(value.high, value.unit)
    if same:
        v_low, v_high, t_low, t_high = value.low, value.high, threshold.number, threshold.number
    elif t_weeks is not None and v_low_weeks is not None and v_high_weeks is not None:
        v_low, v_high, t_low, t_high = v_low_weeks, v_high_weeks, t_weeks, t_weeks
    else:
        v_low, v_high = _days(value.low, value.unit, 0), _days(value.high, value.unit, 1)
        t_low, t_high = _days(threshold.number, threshold.unit, 0), _days(threshold.number, threshold.unit, 1)
    c = threshold.comparator
    if c == ">=":
        return "satisfies" if v_low >= t_high else "fails" if v_high < t_low else "unsure"
    if c == ">":
        return "satisfies" if v_low > t_high else "fails" if v_high <= t_low else "unsure"
    if c == "<=":
        return "satisfies" if v_high <= t_low else "fails" if v_low > t_high else "unsure"
    return "satisfies" if v_high < t_low else "fails" if v_low >= t_high else "unsure"


def _value_reading(
    stated: tuple[Threshold, ...], value: Value
) -> Literal["satisfies", "fails", "unsure"] | None:
    """One value against the thresholds of its measure (``None`` when it measures none of them).

    It fails when it fails every lower bound, or every upper bound, of its measure
    ("BMI 30" against "40 or more, or 35 or more with a comorbidity"); it satisfies
    when it satisfies all of them; anything between ("BMI 37") is unsure.
    """
    lower = [compare(t, value) for t in stated if t.comparator in (">=", ">") and _compatible(t, value)]
    # A look-back span bounds nothing: "no hypoglycemia in the past 12 mo" is not an episode
    # "within the past 12 months", and "in the past 12 mo" says how far the record reaches.
    upper = [
        compare(t, value)
        for t in stated
        if t.comparator in ("<=", "<")
        and _compatible(t, value)
        and not (value.window and t.unit and t.unit.days)
    ]
    if not lower and not upper:
        return None
    if (lower and all(r == "fails" for r in lower)) or (upper and all(r == "fails" for r in upper)):
        return "fails"
    if all(r == "satisfies" for r in lower + upper):
        return "satisfies"
    return "unsure"


def reading(criterion_text: str, passage: str) -> Reading:
    """How the values ``passage`` gives compare with the thresholds ``criterion_text`` states.

    ``none``: the criterion states no threshold. ``absent``: the passage gives no value
    for any of them. ``satisfies`` / ``fails``: every value it gives satisfies / fails.
    ``conflict``: one value satisfies and another fails (two notes disagree, or the
    passage is read wrongly): either way nothing is settled by it. ``unsure``: a value
    is on neither side for certain.
    """
    stated = thresholds(criterion_text)
    if not stated:
        return "none"
    results = {r for v in values(passage) if (r := _value_reading(stated, v)) is not None}
    if not results:
        return "absent"
    if {"satisfies", "fails"} <= results:
        return "conflict"
    if results == {"satisfies"}:
        return "satisfies"
    if "fails" in results:
        return "fails"
    return "unsure"


def names_the_measure(criterion_text: str, passage: str, common: frozenset[str] = frozenset()) -> bool:
    """True when a value of ``passage`` is named by a word of the threshold it is compared with.

    "Trying to conceive for 29 months" and "12 weeks of ovulation induction" are both
    spans, but the words before the number ("conceive") name the measure of "infertility
    of at least 12 months (inability to conceive)", not that of the induction. Words in
    ``common`` (the policy's title and preamble: "migraine" under a migraine policy)
    name every measure alike and count for none.
    """
    stated = thresholds(criterion_text)
    return any((t.names & v.names) - common and _compatible(t, v) for v in values(passage) for t in stated)


def needs_value(criterion_text: str) -> bool:
    """True when the criterion is met only by a stated amount: a lower bound on something present, or an upper bound on a measured amount.

    "Pain for at least 6 weeks" is not documented by "reports pain"; "no tobacco use
    for at least 6 weeks" is documented by "non-smoker", "a visit within 6 months"
    bounds from above, and "stage 3 or higher" may be documented by a named stage
    ("end-stage renal disease"), so none of those needs a value.
    """
    return any(
        not t.absence
        and not (t.unit is not None and t.unit.key in _ORDINAL_UNITS)
        and (t.comparator in (">=", ">") or _measured_upper_bound(t))
        for t in thresholds(criterion_text)
    )


def _measured_upper_bound(threshold: Threshold) -> bool:
    """An upper bound on a measured amount ("saturation of 88% or less", "PaO2 of 55 mmHg or
    less"): only a stated value documents it, as "walked 200 feet" does not. Bounds in
    time ("within 6 months") are not: a visit's date documents them."""
    return threshold.unit is not None and threshold.unit.days is None
