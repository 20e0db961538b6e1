"""What the demo says after its figures: why claims went to a person, and what to try next.

Counts alone ("review 592") leave a first-time user guessing. The review share is
broken down by cause (:mod:`interlock.review.reasons`), "truly needing a person" is
said in words, three claims are shown with their reason, and the commands that go
further (``audit explain``, ``ask``, the review desk) are printed ready to paste.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.table import Table

from interlock.cli.common import out, plural
from interlock.review.reasons import REASONS, in_words, review_reason

if TYPE_CHECKING:
    from sqlalchemy import Engine

#: The question the demo suggests for `interlock ask`; the seeded notes answer it.
ASK_EXAMPLE = "Was physical therapy tried before surgery?"


@dataclass(frozen=True, slots=True)
class ReviewBreakdown:
    """Open review items grouped by cause, with one example claim of each of the commonest."""

    counts: Counter[str]
    examples: list[tuple[str, str]]  # (claim id, reason in words)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: counts by cause key and the examples."""
        return {
            "by_reason": {r.key: self.counts[r.key] for r in REASONS if self.counts[r.key]},
            "examples": [{"claim_id": c, "why": w} for c, w in self.examples],
        }


def review_breakdown(store: Engine, *, examples: int = 3) -> ReviewBreakdown:
    """Group the store's review items by cause; take the first claim of each of the commonest causes."""
    from sqlalchemy import select  # noqa: PLC0415

    from interlock.store.schema import review_items  # noqa: PLC0415

    query = select(review_items.c.record_id, review_items.c.reason).order_by(review_items.c.record_id)
    with store.connect() as conn:
        rows = [(str(c), str(r)) for c, r in conn.execute(query)]
    counts: Counter[str] = Counter(review_reason(reason).key for _, reason in rows)
    chosen: list[tuple[str, str]] = []
    for key, _n in counts.most_common(examples):
        claim_id, reason = next((c, r) for c, r in rows if review_reason(r).key == key)
        chosen.append((claim_id, in_words(reason)))
    return ReviewBreakdown(counts=counts, examples=chosen)


def next_steps(sor_url: str, store_url: str, claim_id: str | None) -> dict[str, str]:
    """The commands to paste next, and the review desk's address."""
    databases = f"--sor {sor_url} --store {store_url}"
    steps = {
        "ask": f'interlock ask "{ASK_EXAMPLE}" --as service {databases}',
        "serve": f"interlock serve --dev-login {databases}",
        "desk": "http://127.0.0.1:8000/desk/login",
    }
    if claim_id is not None:
        steps["explain"] = f"interlock audit explain {claim_id} --store {store_url}"
    return steps


def print_explanation(
    breakdown: ReviewBreakdown, *, claims: int, pended: int, truly: int, steps: dict[str, str]
) -> None:
    """The review share by cause, what "needing a person" means, three examples, next steps."""
    table = Table(
        title=f"why {plural(pended, 'claim')} went to a person ({pended / max(claims, 1):.1%} of the backlog)"
    )
    table.add_column("reason")
    table.add_column("claims", justify="right")
    table.add_column("what it means")
    for reason in REASONS:
        if breakdown.counts[reason.key]:
            table.add_row(reason.label, f"{breakdown.counts[reason.key]:,}", reason.meaning)
    out.print(table)
    out.print(
        f"Truly needing a person: {truly:,} of the {pended:,} are claims whose correct outcome is review: "
        "the policy manual sends them to a person (Part 2, high value, notes that settle nothing, records "
        f"that cannot be decided). The other {pended - truly:,} had a correct automatic answer that "
        "Interlock was not sure enough of, so it chose a person over a possible wrong payment.",
        highlight=False,
    )
    if breakdown.examples:
        out.print("\nthree of them:", highlight=False)
        for claim_id, why in breakdown.examples:
            out.print(f"  {claim_id}  {why}", highlight=False, soft_wrap=True)
    out.print("\nnext:", highlight=False)
    if "explain" in steps:
        out.print(f"  how one was decided:   {steps['explain']}", highlight=False, soft_wrap=True)
    out.print(f"  ask the documents:     {steps['ask']}", highlight=False, soft_wrap=True)
    out.print(f"  the review desk:       {steps['serve']}", highlight=False, soft_wrap=True)
    out.print(f"                         then open {steps['desk']}", highlight=False, soft_wrap=True)
