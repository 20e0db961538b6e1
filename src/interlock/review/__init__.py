"""The review desk's core: the entitled queue of review items and a person's decision on one."""

from __future__ import annotations

from interlock.exceptions import DecisionRefused, ReviewConflict
from interlock.review.decide import DecisionResult, ReviewDesk
from interlock.review.queue import ReviewRow, open_reviews, review_row

__all__ = [
    "DecisionRefused",
    "DecisionResult",
    "ReviewConflict",
    "ReviewDesk",
    "ReviewRow",
    "open_reviews",
    "review_row",
]
