"""Reading review items as a principal may see them: the scope is pushed into the query.

A review item copies its claim's access attributes (region, line of business,
sensitivity) when it is opened, so the very predicate that guards claim reads
(:func:`interlock.retrieval.scope.scope_predicate`) filters the queue in SQL. A review
item outside the scope is never fetched; callers cannot tell it from a missing one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, Numeric, RowMapping, cast, func, select

from interlock.policy.values import ClaimScope
from interlock.retrieval.scope import scope_predicate
from interlock.review.reasons import reason_predicate
from interlock.store.schema import review_items, work_items


@dataclass(frozen=True, slots=True, kw_only=True)
class ReviewRow:
    """One review item with the proposal and findings that sent its claim to a person."""

    review_id: str
    work_item_id: str
    idempotency_key: str
    claim_id: str
    claim_version: int
    total_billed: Decimal
    region: str
    line_of_business: str
    sensitivity: str
    reason: str
    findings: list[dict[str, str]]
    proposal: dict[str, Any]
    status: str
    opened_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision: dict[str, Any] | None

    def age_seconds(self, now: datetime) -> float:
        """How long the item has waited (until ``now``, or until it was decided)."""
        end = self.decided_at or now
        return max(0.0, (end - self.opened_at).total_seconds())


def _aware(value: datetime | None) -> datetime | None:
    """The store keeps naive UTC; hand out aware datetimes so no caller guesses the zone."""
    if value is None:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _row(m: RowMapping) -> ReviewRow:
    opened = _aware(m["opened_at"])
    assert opened is not None
    return ReviewRow(
        review_id=str(m["review_id"]),
        work_item_id=str(m["work_item_id"]),
        idempotency_key=str(m["idempotency_key"]),
        claim_id=str(m["claim_id"]),
        claim_version=int(m["claim_version"]),
        total_billed=Decimal(str(m["total_billed"])),
        region=str(m["region"]),
        line_of_business=str(m["line_of_business"]),
        sensitivity=str(m["sensitivity"]),
        reason=str(m["reason"]),
        findings=json.loads(m["findings"]),
        proposal=json.loads(m["proposal"]),
        status=str(m["status"]),
        opened_at=opened,
        decided_by=m["decided_by"],
        decided_at=_aware(m["decided_at"]),
        decision=json.loads(m["decision"]) if m["decision"] else None,
    )


def _select() -> Any:
    return select(review_items, work_items.c.idempotency_key).join(
        work_items, work_items.c.work_item_id == review_items.c.work_item_id
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class ReviewFilter:
    """Narrowing of a queue: one region, one cause of review, a minimum age (all optional)."""

    region: str | None = None
    #: A cause key of :data:`interlock.review.reasons.REASONS` (``low_confidence``...).
    reason: str | None = None
    #: Only items waiting at least this long, measured at ``now``.
    min_age_hours: float | None = None
    now: datetime | None = None

    def predicates(self) -> list[Any]:
        """The SQL conditions of this filter on ``review_items``."""
        where: list[Any] = []
        if self.region:
            where.append(review_items.c.region == self.region)
        if self.reason:
            where.append(reason_predicate(review_items.c.reason, self.reason))
        if self.min_age_hours is not None and self.now is not None:
            cutoff = self.now.astimezone(UTC).replace(tzinfo=None) - timedelta(hours=self.min_age_hours)
            where.append(review_items.c.opened_at <= cutoff)
        return where


def open_reviews(
    store: Engine,
    scope: ClaimScope,
    *,
    status: str = "open",
    limit: int = 200,
    offset: int = 0,
    narrow: ReviewFilter | None = None,
) -> list[ReviewRow]:
    """Review items in ``status`` the scope permits, oldest first, then highest value first."""
    extra = narrow.predicates() if narrow is not None else []
    query = (
        _select()
        .where(review_items.c.status == status, scope_predicate(scope, review_items), *extra)
        .order_by(
            review_items.c.opened_at,
            cast(review_items.c.total_billed, Numeric(14, 2)).desc(),
            review_items.c.review_id,
        )
        .limit(limit)
        .offset(offset)
    )
    with store.connect() as conn:
        return [_row(m) for m in conn.execute(query).mappings()]


def count_reviews(
    store: Engine, scope: ClaimScope, *, status: str = "open", narrow: ReviewFilter | None = None
) -> int:
    """How many review items :func:`open_reviews` pages through (for totals and page counts)."""
    extra = narrow.predicates() if narrow is not None else []
    query = (
        select(func.count())
        .select_from(review_items)
        .where(review_items.c.status == status, scope_predicate(scope, review_items), *extra)
    )
    with store.connect() as conn:
        return int(conn.execute(query).scalar_one())


def review_regions(store: Engine, scope: ClaimScope, *, status: str = "open") -> list[str]:
    """The regions of the review items the scope permits (the desk's region filter offers these)."""
    query = (
        select(review_items.c.region)
        .where(review_items.c.status == status, scope_predicate(scope, review_items))
        .distinct()
        .order_by(review_items.c.region)
    )
    with store.connect() as conn:
        return [str(r) for r in conn.execute(query).scalars()]


def review_row(store: Engine, review_id: str, scope: ClaimScope) -> ReviewRow | None:
    """The review item if the scope permits it; None for missing and unentitled alike."""
    query = _select().where(review_items.c.review_id == review_id, scope_predicate(scope, review_items))
    with store.connect() as conn:
        m = conn.execute(query).mappings().first()
    return None if m is None else _row(m)


def reviews_for_claim(store: Engine, claim_id: str, scope: ClaimScope) -> list[ReviewRow]:
    """Every review item of one claim the scope permits, newest first."""
    query = (
        _select()
        .where(review_items.c.claim_id == claim_id, scope_predicate(scope, review_items))
        .order_by(review_items.c.opened_at.desc())
    )
    with store.connect() as conn:
        return [_row(m) for m in conn.execute(query).mappings()]


def backlog(store: Engine) -> tuple[int, datetime | None]:
    """How many review items are open and when the oldest was opened (for operations)."""
    with store.connect() as conn:
        n, oldest = conn.execute(
            select(func.count(), func.min(review_items.c.opened_at)).where(review_items.c.status == "open")
        ).one()
    return int(n), _aware(oldest)
