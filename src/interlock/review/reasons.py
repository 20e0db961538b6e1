"""Why a claim went to a person, in words a reviewer or a first-time user reads at once.

A review item's reason is the engine's own text ("confidence: confidence 0.846 below
the approve threshold 0.90", "proposal: high-value claim: ..."). The demo's breakdown
and the review desk both group and say it the same way, from here: one short label
per cause, one sentence on what it means, and the figures that matter, once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final, Literal

from sqlalchemy import and_, false, func, not_, or_

__all__ = ["REASONS", "ReasonKey", "ReviewReason", "review_reason"]

#: The cause keys, as a type for filters (the API's ``reason`` query parameter).
ReasonKey = Literal[
    "part2",
    "high_value",
    "unfamiliar",
    "low_confidence",
    "unsettled",
    "integrity",
    "citations",
    "no_model",
    "other",
]


@dataclass(frozen=True, slots=True)
class ReviewReason:
    """One cause of review: a key (for filters and JSON), a label, and what it means."""

    key: str
    label: str
    meaning: str


#: Every cause, in the order the demo lists them; matched on the reason's opening words.
REASONS: Final[tuple[ReviewReason, ...]] = (
    ReviewReason("part2", "Part 2", "42 CFR Part 2 record: a person decides, its notes never go to a model"),
    ReviewReason("high_value", "high value", "billed over 10,000.00: always decided by a person"),
    ReviewReason(
        "unfamiliar",
        "unfamiliar input",
        "the text is unlike the history the model learnt from, so its confidence was not measured there",
    ),
    ReviewReason(
        "low_confidence", "low confidence", "the model's answer was not confident enough to finalize"
    ),
    ReviewReason("unsettled", "rules unsettled", "the notes do not settle medical necessity either way"),
    ReviewReason(
        "integrity", "integrity", "the record cannot be decided as it stands (missing or inconsistent data)"
    ),
    ReviewReason(
        "citations",
        "unverified citation",
        "the model quoted a note the gate could not verify against the record",
    ),
    ReviewReason("no_model", "no model answer", "medical necessity needed a model and none answered"),
    ReviewReason("other", "other", "sent to a person by another check of the gate"),
)
_BY_KEY: Final = {r.key: r for r in REASONS}
_PREFIXES: Final = (
    ("42 cfr part 2", "part2"),
    ("high-value", "high_value"),
    ("familiarity", "unfamiliar"),
    ("confidence", "low_confidence"),
    ("rule 9: the notes do not settle", "unsettled"),
    ("evidence", "unsettled"),
    ("record cannot be decided", "integrity"),
    ("medical policy referenced but not on record", "integrity"),
    ("medical necessity not assessed", "no_model"),
    ("citations", "citations"),
)
_BILLED = re.compile(r"total billed (?P<total>[0-9.,]+)")
_FAMILIARITY = re.compile(r"score (?P<score>[0-9.]+) above the familiar threshold (?P<threshold>[0-9.]+)")
_CONFIDENCE = re.compile(
    r"confidence (?P<value>[0-9.]+) below the (?P<side>\w+) threshold (?P<threshold>[0-9.]+)"
)


def reason_predicate(column: Any, key: str) -> Any:
    """The SQL condition "``column`` holds a reason of cause ``key``" (the same prefixes as :func:`review_reason`).

    Earlier prefixes win in :func:`review_reason`; none overlap at the start of a reason,
    so each prefix's LIKE (with or without the ``proposal:`` lead) selects its cause alone.
    """
    text = func.lower(column)

    def starts(prefix: str) -> Any:
        return or_(text.like(prefix + "%"), text.like("proposal: " + prefix + "%"))

    if key == "other":
        return and_(*(not_(starts(prefix)) for prefix, _ in _PREFIXES))
    prefixes = [prefix for prefix, k in _PREFIXES if k == key]
    if not prefixes:
        return false()
    return or_(*(starts(prefix) for prefix in prefixes))


def review_reason(reason: str) -> ReviewReason:
    """The cause of review that ``reason`` (a work item's or review item's reason) names."""
    text = reason.strip().lower().removeprefix("proposal:").strip()
    return next((_BY_KEY[key] for prefix, key in _PREFIXES if text.startswith(prefix)), _BY_KEY["other"])


def in_words(reason: str) -> str:
    """The reason once, in words: the cause and the one figure that matters.

    "confidence: confidence 0.846 below the approve threshold 0.90" becomes "Low
    confidence: the model was 84.6% sure of approving; 90% is needed to finalize".
    """
    kind = review_reason(reason)
    detail = reason.strip().removeprefix("proposal:").strip()
    if kind.key == "low_confidence" and (m := _CONFIDENCE.search(detail)):
        side = "approving" if m["side"] == "approve" else "denying"
        return (
            f"Low confidence: the model was {float(m['value']):.1%} sure of {side}; "
            f"{float(m['threshold']):.0%} is needed to finalize"
        )
    if kind.key == "high_value" and (m := _BILLED.search(detail)):
        return f"High value: billed {Decimal(m['total'].replace(',', '')):,.2f}, over the 10,000.00 that only a person may decide"
    if kind.key == "unfamiliar" and (m := _FAMILIARITY.search(detail)):
        return (
            f"Unfamiliar input: the text scored {float(m['score']):.2f} against a familiar threshold of "
            f"{float(m['threshold']):.2f}; it is unlike the history the model learnt from"
        )
    if kind.key == "part2":
        return f"Part 2: {kind.meaning}"
    if kind.key == "unsettled":
        return "Rules unsettled: " + detail.removeprefix("rule 9: ")
    if kind.key == "other":
        return detail[:1].upper() + detail[1:]
    return f"{kind.label[:1].upper()}{kind.label[1:]}: {detail}"
