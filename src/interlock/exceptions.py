"""The whole error tree of Interlock.

```
InterlockError
├── UsageError                 you used it wrong: fix the call, retrying will not help
│   ├── ConfigurationError     a setting, URL or model spec that cannot work
│   │   └── StoreNotMigrated   the store is behind this code: run `interlock db upgrade`
│   ├── AccessDenied           the principal may not do this (never says whether the record exists)
│   ├── DecisionRefused        the gate did not pass a person's decision; nothing was written
│   └── ReviewConflict         the review item was decided first elsewhere, or its record moved on
└── RuntimeFailure             the world misbehaved while doing the work
    ├── DependencyUnavailable  retryable: a model or system of record is down, slow or throttling
    │   ├── ModelUnavailable
    │   └── ConnectorUnavailable
    ├── ModelOutputInvalid     not retryable as-is: the model answered, but not in the contract
    ├── StaleRecord            the record changed since it was read: decide it again
    ├── StaleIndex             retryable: the search index is older than the task allows
    └── LeaseLost              another worker took the work item over: stop, write nothing
```

Each class says whether a retry can help (``retryable``) so that callers decide
without string matching.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from interlock.gate.verdict import Finding


class InterlockError(Exception):
    """Base of every error Interlock raises on purpose."""

    retryable: bool = False


class UsageError(InterlockError):
    """The caller asked for something that cannot work; retrying will not help."""


class ConfigurationError(UsageError):
    """A setting, URL, file or model spec is missing or invalid."""


class StoreNotMigrated(ConfigurationError):
    """The store is not at the revision this code expects, and may not be changed implicitly."""


class AccessDenied(UsageError):
    """The principal may not perform this action on this record.

    The message is deliberately the same whether or not the record exists, so that a
    refusal reveals nothing about records the principal may not see.
    """

    def __init__(self, message: str = "not found or not permitted") -> None:
        super().__init__(message)


class DecisionRefused(UsageError):
    """The gate did not pass a person's decision on a review item; nothing was written.

    ``findings`` are the gate's findings, for showing the reviewer why.
    """

    def __init__(self, message: str, findings: tuple[Finding, ...] = ()) -> None:
        super().__init__(message)
        self.findings = findings


class ReviewConflict(UsageError):
    """The review item was closed, decided by someone else first, or its record moved on."""


class RuntimeFailure(InterlockError):
    """Something outside the caller's control failed while doing the work."""


class DependencyUnavailable(RuntimeFailure):
    """A dependency is down, slow or throttling; the work item should be deferred."""

    retryable = True


class ModelUnavailable(DependencyUnavailable):
    """A model provider could not be reached or answered with a retryable error."""


class ConnectorUnavailable(DependencyUnavailable):
    """A system of record could not be reached."""


class ModelOutputInvalid(RuntimeFailure):
    """The model answered, but its output does not satisfy the contract."""

    def __init__(self, message: str, *, raw: str = "") -> None:
        super().__init__(message)
        self.raw = raw


class StaleRecord(RuntimeFailure):
    """The record changed after it was read; the decision must be made again."""

    retryable = True


class StaleIndex(RuntimeFailure):
    """The index is older than the freshness bound a task demanded, and refreshing was not allowed."""

    retryable = True


class LeaseLost(RuntimeFailure):
    """This worker's lease on a work item expired and another worker holds it now."""
