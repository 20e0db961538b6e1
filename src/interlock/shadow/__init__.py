"""Shadow mode: a candidate model or candidate thresholds beside production, writing nothing.

The safe way to change a model is to watch the new one decide live work before it
decides anything. With shadow mode on, every work item an engine decides afresh is
also decided by the candidate (:mod:`interlock.shadow.runner`), after the production
decision is written, with the same task code and the same pure gate, and the two
decisions are kept side by side in the store (:mod:`interlock.shadow.records`).
``interlock eval --shadow`` then compares both with what people decided on the review
desk and, when given, with a truth file (:mod:`interlock.shadow.figures`).
"""

from __future__ import annotations

from interlock.shadow.runner import Candidate, ShadowRunner

__all__ = ["Candidate", "ShadowRunner"]
