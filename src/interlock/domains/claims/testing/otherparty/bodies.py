"""Policy bodies as each family prints them: the numbered criteria and how they combine."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from interlock.domains.claims.testing.otherparty.model import Combine, Criterion

_LOB_WORDS = {
    None: "all lines of business",
    "commercial": "commercial (employer and individual) products only",
    "medicare_advantage": "Medicare Advantage products only",
    "medicaid": "Medicaid managed care only",
}


def cascade_body(
    *,
    policy_id: str,
    title: str,
    service: str,
    combine: Combine,
    criteria: Sequence[Criterion],
    line_of_business: str | None,
    effective_from: date,
    archived: bool = False,
) -> str:
    """A Cascade Mutual clinical policy bulletin: criteria separated by semicolons."""
    joiner = "and" if combine == "all" else "or"
    items = []
    for n, criterion in enumerate(criteria, start=1):
        tail = "." if n == len(criteria) else (f"; {joiner}" if n == len(criteria) - 1 else ";")
        items.append(f"({n}) {criterion.statement}{tail}")
    if combine == "all":
        lead = f"Cascade Mutual considers {service} medically necessary when all of the following criteria are met:"
        close = f"{service[0].upper()}{service[1:]} that does not satisfy every numbered criterion is not medically necessary."
    else:
        lead = (
            f"Cascade Mutual considers {service} medically necessary when at least one of the "
            "following is documented in the medical record:"
        )
        close = f"When none of the numbered conditions is documented, {service} is considered not medically necessary."
    header = f"Clinical Policy Bulletin {policy_id}: {title}"
    scope = f"Applies to: {_LOB_WORDS[line_of_business]}. Effective {effective_from:%B %d, %Y}."
    if archived:
        scope += " ARCHIVED: replaced by a later revision; retained for claims with earlier dates of service."
    return "\n\n".join([header, scope, lead, "\n".join(items), close])


def keystone_body(
    *,
    policy_id: str,
    title: str,
    service: str,
    combine: Combine,
    criteria: Sequence[Criterion],
    line_of_business: str | None,
    effective_from: date,
    archived: bool = False,
) -> str:
    """A Keystone Family Health medical policy: a position statement with listed conditions."""
    items = [f"  ({n}) {c.statement[0].upper()}{c.statement[1:]}." for n, c in enumerate(criteria, start=1)]
    if combine == "all":
        lead = (
            f"Keystone covers {service} when the member's records show each of the conditions listed below."
        )
        close = "If any listed condition is absent, the service is not covered as medically necessary."
    else:
        lead = f"Keystone covers {service} when the member's records show any one of these conditions."
        close = "A single listed condition is sufficient; when none is shown, the service is not medically necessary."
    lob = {
        None: "All",
        "commercial": "Commercial",
        "medicare_advantage": "Medicare Advantage",
        "medicaid": "Medicaid",
    }[line_of_business]
    status = "Superseded" if archived else "Active"
    lines = [
        f"KEYSTONE FAMILY HEALTH - MEDICAL POLICY {policy_id}",
        f"Subject: {title}",
        f"Lines of business: {lob}   Status: {status}   Original effective date: {effective_from.isoformat()}",
        "",
        "POSITION STATEMENT",
        lead,
        *items,
        close,
    ]
    return "\n".join(lines)
