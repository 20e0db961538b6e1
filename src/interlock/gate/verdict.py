"""Findings and verdicts: the vocabulary every gate speaks."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Severity = Literal["info", "review", "block"]
VerdictStatus = Literal["pass", "review", "block"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    """What one check found: ``block`` stops a write, ``review`` needs a person.

    ``measures`` are the numbers a check compared (a score, its threshold), kept as
    numbers so the audit trail can record them: the trail never holds the reason's text.
    """

    check: str
    severity: Severity
    reason: str
    measures: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Verdict:
    """The gate's answer with every finding that produced it."""

    status: VerdictStatus
    findings: tuple[Finding, ...]

    @property
    def reasons(self) -> tuple[str, ...]:
        """The reasons of the findings that are not merely informational."""
        return tuple(f"{f.check}: {f.reason}" for f in self.findings if f.severity != "info")


def combine(findings: Iterable[Finding]) -> Verdict:
    """Block if any finding blocks, else review if any needs a person, else pass."""
    collected = tuple(findings)
    severities = {f.severity for f in collected}
    status: VerdictStatus = (
        "block" if "block" in severities else "review" if "review" in severities else "pass"
    )
    return Verdict(status=status, findings=collected)
