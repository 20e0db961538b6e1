"""Bounded retries around one model call: capped exponential backoff with jitter.

Retries live at this one layer (the SDK's own retries are switched off), spend the
work item's deadline, and stop after three attempts; only errors that say they are
retryable are retried.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    stop_after_delay,
    wait_random_exponential,
)

from interlock.exceptions import DependencyUnavailable, ModelUnavailable

T = TypeVar("T")
MAX_ATTEMPTS = 3


def call_with_retries(
    call: Callable[[float], T], *, deadline: float, cap_seconds: float = 30.0
) -> tuple[T, int]:
    """Run ``call(timeout)`` with retries until ``deadline`` (a ``time.monotonic`` value).

    Returns the result and the number of attempts made. Each attempt gets the smaller of
    the remaining budget and ``cap_seconds``; when the budget is spent the last
    retryable error is raised.
    """
    attempts = 0
    budget = max(deadline - time.monotonic(), 0.0)
    backoff = wait_random_exponential(multiplier=0.2, max=2.0)

    def wait_within_deadline(state: RetryCallState) -> float:
        # Never sleep past the deadline: a backoff longer than the time left is cut short.
        return max(0.0, min(backoff(state), deadline - time.monotonic()))

    retrying = Retrying(
        stop=stop_after_attempt(MAX_ATTEMPTS) | stop_after_delay(budget),
        wait=wait_within_deadline,
        retry=retry_if_exception_type(DependencyUnavailable),
        reraise=True,
    )
    for attempt in retrying:
        with attempt:
            attempts += 1
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ModelUnavailable("the work item's deadline passed before the model answered")
            return call(min(remaining, cap_seconds)), attempts
    raise AssertionError("unreachable: tenacity either returns or re-raises")  # pragma: no cover
