"""Test doubles that Interlock ships for its own tests and for its users' tests.

What a domain's tests import (the public testing API, see ``docs/integrate.md``):

* :class:`~interlock.testing.function_model.FunctionModel`: a model client backed by a
  function of the task's question, typed answers or raw text through the question's
  own parser;
* :class:`~interlock.testing.memory.InMemoryConnector`: a system of record of dict
  records with versions, a scope predicate, exactly-once writes, holds and outages;
* :func:`~interlock.testing.events.capture_events`: the audit events a test caused,
  read back in order.

The other modules here (audit stores for tamper drills, PostgreSQL clusters and
outages for the crash harness) are Interlock's own harnesses, not part of that API.
"""

from interlock.testing.events import EventCapture, capture_events
from interlock.testing.function_model import FunctionModel
from interlock.testing.memory import InMemoryConnector, StoredRecord

__all__ = ["EventCapture", "FunctionModel", "InMemoryConnector", "StoredRecord", "capture_events"]
