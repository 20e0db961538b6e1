"""Where a work item goes after the gate, for every task.

A work item ends in exactly one route per decision: ``commit`` (the decision is
written), ``review`` (a person decides), ``reject`` (refused with reasons, nothing
written), ``defer`` (a dependency is down; retried later) or ``superseded`` (the
record changed while it was being decided; decided again at its new version).

The gate's verdict alone chooses between writing and a person: only a passing verdict
on a final outcome is committed. A blocked proposal is never dropped: it goes to a
person with the findings that blocked it, because every record must end decided.
"""

from __future__ import annotations

from typing import Literal, assert_never

from interlock.gate.verdict import Verdict

Route = Literal["commit", "review", "reject", "defer", "superseded"]
ROUTES: tuple[Route, ...] = ("commit", "review", "reject", "defer", "superseded")
#: The routes a gate's verdict can lead to.
GateRoute = Literal["commit", "review"]


def route_for(verdict: Verdict, *, final: bool) -> GateRoute:
    """Commit only a passing verdict on a final outcome; everything else is reviewed."""
    match verdict.status:
        case "pass":
            return "commit" if final else "review"
        case "review" | "block":
            return "review"
        case unreachable:
            assert_never(unreachable)
