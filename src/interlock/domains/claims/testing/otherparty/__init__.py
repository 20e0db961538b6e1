"""Payers written the way an outside team would write them, from SPEC.md and the policy manual only.

Interlock's own generator writes a payer the way this project imagines one; a model
can score well on that and fail on a payer with other codes, other policies and other
clinicians. :func:`write_payer` fills an empty claims system of record with an
independently written payer of one of eight families:

- ``dev`` (Cascade Mutual): generic code may be improved against it;
- ``heldout`` (Keystone Family Health): held out until it had been measured four
  times; since then its misses were also looked at while the reader was improved
  (docs/models.md), so it has become a second family to improve against;
- ``sealed`` (Tallgrass Cooperative Health): written by a separate hand, from SPEC.md
  and the policy manual only; held out until it had been measured once, then looked
  at like the other two;
- ``blind`` (Halyard Coastal Health): written by another separate hand, the same way;
  measured about a dozen times with nothing read of its notes or misses, then opened
  like the three before it;
- ``fresh`` (Juniper Ridge Health Plan): written by a third separate hand, the same
  way; measured many times with nothing of it read, then opened: its misses were read
  and the reader mended in general ways (docs/models.md);
- ``unseen`` (Saltmarsh Valley Health Alliance): written by a separate hand, from
  SPEC.md and the policy manual only, with policies and clinicians unlike the other
  five; measured with nothing read of its notes or misses;
- ``unread`` (Copperline Health Trust): written by a separate hand, from SPEC.md and
  the policy manual only, with its own fee schedule, guidelines and clinicians, unlike
  the other six; measured with nothing read of its notes or misses;
- ``unheard`` (Ferrymead Orchard Health Mutual): written by a separate hand, from
  SPEC.md and the policy manual only, with its own fee schedule, coverage notes and
  clinicians, unlike the other seven; measured with nothing read of its notes or misses.

Each world has a history people decided and a backlog whose correct outcomes go to a
truth file in the format :func:`interlock.domains.claims.evaluation.read_truth` reads.
"""

from interlock.domains.claims.testing.otherparty.world import FAMILIES, ClaimLabel, PayerReport, write_payer

__all__ = ["FAMILIES", "ClaimLabel", "PayerReport", "write_payer"]
