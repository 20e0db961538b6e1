"""Which refusals a model may be asked, once, to repair.

A model's answer can fail the gate for reasons that lie in the answer itself: a quote
that is not verbatim in the item it cites, a cited item that was never retrieved, an
assessment that misses a policy at stake. Those are worth one more question with the
gate's findings attached; the second answer goes through the whole gate again and its
verdict stands, whatever it is. Nothing is ever fixed on the model's behalf.

A refusal that the answer cannot change (a write boundary, an integrity problem, a
high-value claim, rules 1 to 8) is never repaired: asking again would spend a call and
could only end the same way. Low confidence is not sent back either: asking a model to
be surer invites it to say so without reason.
"""

from __future__ import annotations

from interlock.domains.claims.gate import COVERAGE_REASON, CRITERIA_REASON
from interlock.domains.claims.proposal import Proposal
from interlock.gate.verdict import Finding, Verdict


def _repairable(f: Finding) -> bool:
    return f.check == "citations" or (
        f.check == "necessity" and (f.reason == COVERAGE_REASON or f.reason.endswith(CRITERIA_REASON))
    )


def repair_findings(proposal: Proposal, verdict: Verdict) -> tuple[str, ...]:
    """The findings to send back to the model, or ``()`` when asking again cannot help.

    Only a model-based proposal that the gate did not pass qualifies, and only when
    every finding that stopped it is a citation or coverage problem (low confidence
    may stand beside them, but is not sent back).
    """
    if proposal.basis != "model" or proposal.necessity is None or verdict.status == "pass":
        return ()
    stopping = [f for f in verdict.findings if f.severity != "info"]
    if not all(_repairable(f) or f.check == "confidence" for f in stopping):
        return ()
    return tuple(f"{f.check}: {f.reason}" for f in stopping if _repairable(f))
