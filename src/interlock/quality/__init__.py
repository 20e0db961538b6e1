"""Quality measured in production: blind samples of automatic decisions and the closed path.

A truth file says how good automatic decisions were on a test backlog; production has
none. So a configurable share of the work items that would be finalized automatically
is sent to a person instead, chosen by a keyed hash of the work item's idempotency key
(a retried or replayed item is chosen the same way). The automatic decision is kept in
the store, withheld from the reviewer, who decides from the evidence alone; the
person's decision is then compared with the withheld one. Those agreements are the
precision of the automatic path, with a confidence interval, per task, per rule and per
model version (``interlock eval --from-reviews``, ``/metrics``, the desk's quality page).
When the measured precision is credibly below the task's target, the task's automatic
path closes: every item goes to a person until an operator reopens it.

The modules:

* :mod:`~interlock.quality.config`: the knobs, per task (pure);
* :mod:`~interlock.quality.sampling`: which items are sampled, and what a reviewer reads (pure);
* :mod:`~interlock.quality.precision`: the Wilson score interval and the closing rule (pure);
* :mod:`~interlock.quality.agreement`: the withheld decision and a person's, compared (pure);
* :mod:`~interlock.quality.store`: the samples and path states in the store, with audit events;
* :mod:`~interlock.quality.guard`: the engine's one call, holding sampled items and items of a closed path;
* :mod:`~interlock.quality.review`: what a person's decision on a sampled item records, and the closing;
* :mod:`~interlock.quality.report`: the figures of ``eval --from-reviews``, the gauges and the desk page.
"""
