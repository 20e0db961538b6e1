"""Reading review items as a principal may see them: the scope is pushed into the query.

A review item copies its record's access attributes into ``review_attributes`` when
it is opened. The queue pivots those rows into one column per attribute and applies
the very predicate that guards the record's reads
(:func:`interlock.retrieval.scope.scope_predicate`) in SQL. A review item outside the
scope is never fetched; callers cannot tell it from a missing one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from typing import cast as cast_type

from sqlalchemy import Engine, Numeric, RowMapping, Table, case, cast, exists, func, select

from interlock.policy.values import ClaimScope, ResourceScope
from interlock.retrieval.scope import scope_predicate
from interlock.review.reasons import reason_predicate
from interlock.store.schema import review_attributes, review_items, work_items
from interlock.task import Scope as TaskScope


@dataclass(frozen=True, slots=True, kw_only=True)
class ReviewRow:
    """One review item with the proposal and findings that sent its record to a person."""

    review_id: str
    work_item_id: str
    idempotency_key: str
    task: str
    record_id: str
    record_version: int
    amount: Decimal
    attributes: dict[str, str]
    reason: str
    findings: list[dict[str, str]]
    proposal: dict[str, Any]
    status: str
    opened_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision: dict[str, Any] | None

    # The claims desk and API still read these names; they are views of the generic fields.
    @property
    def claim_id(self) -> str:
        """The record id, under the claims desk's name."""
        return self.record_id

    @property
    def claim_version(self) -> int:
        """The record version, under the claims desk's name."""
        return self.record_version

    @property
    def total_billed(self) -> Decimal:
        """The amount, under the claims desk's name."""
        return self.amount

    @property
    def region(self) -> str:
        """A claim's region attribute."""
        return self.attributes.get("region", "")

    @property
    def line_of_business(self) -> str:
        """A claim's line-of-business attribute."""
        return self.attributes.get("line_of_business", "")

    @property
    def sensitivity(self) -> str:
        """A claim's sensitivity attribute."""
        return self.attributes.get("sensitivity", "")

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
        task=str(m["task"]),
        record_id=str(m["record_id"]),
        record_version=int(m["record_version"]),
        amount=Decimal(str(m["amount"])),
        attributes={str(k): str(v) for k, v in json.loads(m["attributes"]).items()},
        reason=str(m["reason"]),
        findings=json.loads(m["findings"]),
        proposal=json.loads(m["proposal"]),
        status=str(m["status"]),
        opened_at=opened,
        decided_by=m["decided_by"],
        decided_at=_aware(m["decided_at"]),
        decision=json.loads(m["decision"]) if m["decision"] else None,
    )


#: A task's compiled read rights (:meth:`interlock.task.Task.scope`): the review queue
#: needs one the policy compiled (a claims or a resource scope) to push into SQL.
Scope = ClaimScope | ResourceScope | TaskScope


def _resource_scope(scope: Scope) -> ResourceScope:
    if isinstance(scope, ClaimScope):
        return scope.as_resource_scope()
    if isinstance(scope, ResourceScope):
        return scope
    raise TypeError(f"the review queue needs a policy-compiled scope, not {type(scope).__name__}")


def _attribute_view(names: tuple[str, ...]) -> Any:
    """One row per review item, one column per scoped attribute, from ``review_attributes``."""
    a = review_attributes.c
    columns = [func.max(case((a.name == name, a.value))).label(name) for name in names]
    return select(a.review_id, *columns).group_by(a.review_id).subquery("review_scope")


def _scoped(scope: Scope) -> Any:
    """Review items with their idempotency key, only where ``scope`` permits the record.

    The pivot names its columns after the resource's attributes, so the record's own
    predicate applies to it unchanged; an item lacking an attribute is never permitted.
    """
    generic = _resource_scope(scope)
    names = generic.attributes
    view = _attribute_view(names)
    return (
        select(review_items, work_items.c.idempotency_key)
        .join(work_items, work_items.c.work_item_id == review_items.c.work_item_id)
        .join(view, view.c.review_id == review_items.c.review_id)
        .where(scope_predicate(generic, cast_type(Table, view), columns={n: n for n in names}))
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class ReviewFilter:
    """Narrowing of a queue: one task, one region, one cause of review, a minimum age (all optional)."""

    task: str | None = None
    region: str | None = None
    #: A cause key of :data:`interlock.review.reasons.REASONS` (``low_confidence``...).
    reason: str | None = None
    #: Only items waiting at least this long, measured at ``now``.
    min_age_hours: float | None = None
    now: datetime | None = None

    def predicates(self) -> list[Any]:
        """The SQL conditions of this filter on ``review_items``."""
        where: list[Any] = []
        if self.task:
            where.append(review_items.c.task == self.task)
        if self.region:
            a = review_attributes.c
            where.append(
                exists().where(
                    a.review_id == review_items.c.review_id, a.name == "region", a.value == self.region
                )
            )
        if self.reason:
            where.append(reason_predicate(review_items.c.reason, self.reason))
        if self.min_age_hours is not None and self.now is not None:
            cutoff = self.now.astimezone(UTC).replace(tzinfo=None) - timedelta(hours=self.min_age_hours)
            where.append(review_items.c.opened_at <= cutoff)
        return where


def open_reviews(
    store: Engine,
    scope: Scope,
    *,
    status: str = "open",
    limit: int = 200,
    offset: int = 0,
    narrow: ReviewFilter | None = None,
) -> list[ReviewRow]:
    """Review items in ``status`` the scope permits, oldest first, then highest value first."""
    extra = narrow.predicates() if narrow is not None else []
    query = (
        _scoped(scope)
        .where(review_items.c.status == status, *extra)
        .order_by(
            review_items.c.opened_at,
            cast(review_items.c.amount, Numeric(14, 2)).desc(),
            review_items.c.review_id,
        )
        .limit(limit)
        .offset(offset)
    )
    with store.connect() as conn:
        return [_row(m) for m in conn.execute(query).mappings()]


def count_reviews(
    store: Engine, scope: Scope, *, status: str = "open", narrow: ReviewFilter | None = None
) -> int:
    """How many review items :func:`open_reviews` pages through (for totals and page counts)."""
    extra = narrow.predicates() if narrow is not None else []
    query = select(func.count()).select_from(
        _scoped(scope).where(review_items.c.status == status, *extra).subquery()
    )
    with store.connect() as conn:
        return int(conn.execute(query).scalar_one())


def review_regions(store: Engine, scope: Scope, *, status: str = "open") -> list[str]:
    """The regions of the review items the scope permits (the desk's region filter offers these)."""
    scoped = _scoped(scope).where(review_items.c.status == status).subquery()
    a = review_attributes.c
    query = (
        select(a.value)
        .where(a.name == "region", a.review_id.in_(select(scoped.c.review_id)))
        .distinct()
        .order_by(a.value)
    )
    with store.connect() as conn:
        return [str(r) for r in conn.execute(query).scalars()]


def review_row(store: Engine, review_id: str, scope: Scope) -> ReviewRow | None:
    """The review item if the scope permits it; None for missing and unentitled alike."""
    query = _scoped(scope).where(review_items.c.review_id == review_id)
    with store.connect() as conn:
        m = conn.execute(query).mappings().first()
    return None if m is None else _row(m)


def reviews_for_record(store: Engine, record_id: str, scope: Scope) -> list[ReviewRow]:
    """Every review item of one record the scope permits, newest first."""
    query = (
        _scoped(scope).where(review_items.c.record_id == record_id).order_by(review_items.c.opened_at.desc())
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
