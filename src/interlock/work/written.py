"""After a write-back: telling whoever follows the system of record that Interlock wrote a record.

The engine (once a work item's decision is written and the item completed) and the
review desk (once a person's decision is written) call a :class:`WriteListener` with a
frozen :class:`Written`. The search index's follower (:mod:`interlock.retrieval.follow`)
is one; it only queues the record and returns. The call comes after the work item's
transaction has committed, and :func:`tell` keeps a listener's failure from reaching
the writer: whatever a listener does, the write and the work item's end state stand.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal, Protocol

from interlock.policy.principal import Principal

__all__ = ["WriteListener", "Written", "tell"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class Written:
    """One record Interlock wrote to its system of record.

    ``principal`` is whom the write was made for: a listener that reads the record
    back reads as that principal, so that row-level security shows it what the writer
    saw. ``write`` is ``commit`` (a decision) or ``hold`` (the record held for a person).
    """

    task: str
    record_id: str
    principal: Principal
    write: Literal["commit", "hold"]


class WriteListener(Protocol):
    """Hears of every write-back; must return at once and is never allowed to fail the writer."""

    def written(self, event: Written) -> None:
        """Note that ``event``'s record was written."""
        ...


def tell(listener: WriteListener | None, event: Written) -> None:
    """Tell ``listener`` (if any) of ``event``; a listener's exception is logged by class and dropped."""
    if listener is None:
        return
    try:
        listener.written(event)
    except Exception as exc:  # a listener must never fail a write that already happened
        log.warning("a write listener failed after a write-back: %s", type(exc).__name__)
