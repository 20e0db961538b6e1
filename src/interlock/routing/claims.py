"""Where a claim goes after the gate: commit it, or send it to a person.

For ``claims.adjudicate`` every claim must end finalized or pended, so a blocked
proposal is not dropped: it goes to review with the findings that blocked it.
"""

from __future__ import annotations

from typing import Literal

from interlock.gate.verdict import Verdict

Route = Literal["commit", "review"]


def route_for(verdict: Verdict, outcome: str) -> Route:
    """Commit only a passing verdict on a final outcome; everything else is reviewed."""
    if verdict.status == "pass" and outcome in ("approve", "deny"):
        return "commit"
    return "review"
