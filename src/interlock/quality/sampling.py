"""Which work items are sampled, and what the reviewer of a sampled or held item reads (pure).

The choice is a keyed hash (HMAC-SHA256) of the work item's idempotency key, read as a
number in [0, 1) and compared with the sample rate: the same item (the same task,
record and record version) is always chosen the same way, so a retried, replayed or
recovered work item is sampled exactly as its first run was, by whichever worker runs
it. With a secret key nobody can tell in advance which items will be sampled.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Final

__all__ = [
    "CLOSED_CHECK",
    "SAMPLE_CHECK",
    "SAMPLE_REASON",
    "draw",
    "is_sampled",
    "sample_finding",
]

#: The gate check that records a sampled item (in the verdict, the recovery point and the
#: audit trail; never on the review item a person sees).
SAMPLE_CHECK: Final = "quality.sample"
#: The gate check that records an item held because its task's automatic path is closed.
CLOSED_CHECK: Final = "quality.closed"
#: What the reviewer of a sampled item reads as its reason: nothing about a proposal,
#: nothing about sampling.
SAMPLE_REASON: Final = "a person decides this record from its evidence"


def draw(key: bytes, idempotency_key: str) -> float:
    """The item's draw in [0, 1): the first 64 bits of HMAC-SHA256(key, idempotency key)."""
    digest = hmac.new(key, idempotency_key.encode("utf-8"), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") / 2.0**64


def is_sampled(key: bytes, idempotency_key: str, rate: float) -> bool:
    """True when the item's draw falls below ``rate`` (never at rate 0, always at rate 1)."""
    return rate > 0.0 and draw(key, idempotency_key) < rate


def sample_finding(rate: float) -> str:
    """The reason of the sample finding, kept with the work item and hashed in the trail."""
    return f"quality sample at rate {rate:g}: the automatic decision is withheld from the reviewer"
