"""The write boundary of each task, declared in the policy file rather than in code paths.

A ``[tasks."NAME"]`` table says which actions a task may perform, on which records, up
to which amounts, and for which kind of principal::

    [tasks."claims.adjudicate"]
    record_statuses = ["received", "pended"]

    [tasks."claims.adjudicate".actions.finalize.service]
    outcomes = ["approve", "deny"]
    via = "automatic"
    max_total_billed = "10000.00"

    [tasks."claims.adjudicate".actions.pend.service]

    [tasks."claims.ingest"]
    record_statuses = ["received"]

    [tasks."claims.ingest".actions.create.staff]
    roles = ["analyst", "supervisor"]

The table is validated here (unknown actions, outcomes or principal kinds are refused
with their location, so ``interlock policy check`` catches a typo before it deploys)
and compiled per (task, principal) into a :class:`WriteBoundary`: a frozen value the
gate consults as a pure function, as retrieval consults a compiled
:class:`~interlock.policy.values.ClaimScope`.

A policy without any ``tasks`` table keeps the behaviour of files written before the
table existed: each role's ``finalize`` rule is the whole boundary. Once the table is
present it is default-deny: a task it does not list may write nothing.

``create`` is the action of a task that brings a record into the system of record
(``claims.ingest``: a FHIR claim becomes a claim); :func:`decide_create` is its pure
decision. A grant's ``roles`` narrows it to some roles of that kind of principal.

A task writes records of one resource (``resource``, by default ``claims``): the
boundary's read scope, its record name and the approval rule come from that
resource's declaration (:mod:`interlock.policy.resources`). ``max_amount`` is the
resource-neutral spelling of ``max_total_billed``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Final, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

from interlock.policy.principal import Principal, PrincipalKind
from interlock.policy.resources import ApprovalRule
from interlock.policy.values import ClaimAttributes, ClaimScope, Decision, ResourceScope

Action = Literal["finalize", "pend", "create"]
Via = Literal["automatic", "review"]
ACTIONS: Final[tuple[str, ...]] = get_args(Action)
PRINCIPAL_KINDS: Final[tuple[str, ...]] = get_args(PrincipalKind)
#: The outcomes a finalization may write (a claim is denied, an invoice rejected); a
#: pend writes no outcome.
FINALIZE_OUTCOMES: Final = frozenset({"approve", "deny", "reject"})
#: Record states writable when a policy predates the tasks table: claims awaiting a decision.
LEGACY_RECORD_STATUSES: Final = frozenset({"received", "pended"})


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ActionGrant(_Frozen):
    """One kind of principal's grant of one action: outcomes, how, and up to which amount.

    ``via`` says through which path the write may come: ``automatic`` (a rule or a
    model's proposal) or ``review`` (a person's decision); omitted, either.
    ``max_total_billed`` caps the claim's total billed; ``above_limit_privilege`` lifts
    the cap for principals holding it (omitted, the cap is absolute). ``roles``, when
    given, limits the grant to principals of those roles (omitted, every role of the kind).
    """

    outcomes: frozenset[str] = frozenset()
    roles: frozenset[str] | None = Field(default=None, min_length=1)
    via: Via | None = None
    max_total_billed: Decimal | None = Field(default=None, ge=Decimal(0), decimal_places=2)
    above_limit_privilege: str | None = Field(default=None, min_length=1)
    max_amount: Decimal | None = Field(default=None, ge=Decimal(0), decimal_places=2)

    @model_validator(mode="after")
    def _check(self) -> ActionGrant:
        if self.max_amount is not None and self.max_total_billed is not None:
            raise ValueError("max_amount and max_total_billed are the same cap: set one")
        if self.above_limit_privilege is not None and self.cap is None:
            raise ValueError("above_limit_privilege lifts a limit: set max_total_billed too (or max_amount)")
        return self

    @property
    def cap(self) -> Decimal | None:
        """The amount cap, whichever spelling declared it."""
        return self.max_amount if self.max_amount is not None else self.max_total_billed


class TaskPolicy(_Frozen):
    """The write boundary of one task; the principal kinds it does not list may not write."""

    record_statuses: frozenset[str] = Field(min_length=1)
    actions: Mapping[str, Mapping[str, ActionGrant]]
    #: The resource whose records the task writes; omitted, ``claims``.
    resource: str | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _check(self) -> TaskPolicy:
        problems: list[str] = []
        for name, grants in self.actions.items():
            if name not in ACTIONS:
                problems.append(f"unknown action {name!r} (known actions: {', '.join(ACTIONS)})")
                continue
            for kind, grant in grants.items():
                where = f"actions.{name}.{kind}"
                if kind not in PRINCIPAL_KINDS:
                    problems.append(
                        f"{where}: unknown principal kind (known kinds: {', '.join(PRINCIPAL_KINDS)})"
                    )
                    continue
                if name == "finalize":
                    unknown = sorted(grant.outcomes - FINALIZE_OUTCOMES)
                    if unknown or not grant.outcomes:
                        problems.append(
                            f"{where}.outcomes: list some of approve, deny, reject (got {unknown or 'none'})"
                        )
                elif grant.outcomes or grant.cap is not None:
                    # A claim must always be able to wait for a person, whatever its amount;
                    # a created claim has no outcome yet and is decided like any other.
                    problems.append(f"{where}: {name} takes no outcomes and no amount limit")
                elif name == "create" and grant.via is not None:
                    problems.append(f"{where}: create takes no via (a created claim is not decided)")
        granted = set(self.actions.get("finalize", {}))
        for kind in sorted(granted & set(PRINCIPAL_KINDS) - set(self.actions.get("pend", {}))):
            problems.append(
                f"actions.pend: grant it to {kind}, which may finalize (what it may not finalize waits)"
            )
        if problems:
            raise ValueError("; ".join(problems))
        return self


@dataclass(frozen=True, slots=True, kw_only=True)
class FinalizeLimit:
    """An amount cap on finalization and where it comes from, for the refusal's reason.

    ``amount`` ``None`` refuses every amount (a principal without the staff attribute
    an approval rule compares with). ``outcomes`` are the outcomes it governs
    (``None``: every one). ``refusal`` is the interpreted decision's reason.
    """

    amount: Decimal | None
    source: str
    outcomes: frozenset[str] | None = None
    refusal: str = ""

    def refuses(self, outcome: str, amount: Decimal) -> bool:
        """True when this cap stops finalizing a record of ``amount`` as ``outcome``."""
        if self.outcomes is not None and outcome not in self.outcomes:
            return False
        return self.amount is None or amount > self.amount

    def explain(self, label: str, amount: Decimal) -> str:
        """Why the boundary refuses ``amount`` (``label`` names the amount, e.g. total billed)."""
        if self.amount is None:
            return f"{self.source}: no {label} may be approved"
        return f"{label} {amount} exceeds {self.amount} ({self.source})"


def finalize_limits(
    *,
    principal: Principal,
    role_rule: tuple[Decimal | None, str | None] | None,
    approval: ApprovalRule | None,
    record_name: str,
) -> tuple[bool, tuple[FinalizeLimit, ...], str]:
    """(may finalize at all, the caps that apply to ``principal``, why not if it may not).

    ``role_rule`` is the role's ``finalize`` (its limit and the privilege lifting it),
    ``None`` when the role may not finalize. ``approval`` is the resource's approval
    rule: a fixed limit lifted by a privilege, or the principal's numeric attribute.
    A privilege the principal holds has already removed the cap it lifts.
    """
    if role_rule is None:
        return False, (), ""
    limits: list[FinalizeLimit] = []
    limit, privilege = role_rule
    if limit is not None and (privilege is None or privilege not in principal.privileges):
        lifted = f"; lifted by {privilege}" if privilege else ""
        limits.append(
            FinalizeLimit(
                amount=limit,
                source=f"role {principal.role}{lifted}",
                refusal=f"high-value {record_name} and the principal lacks {privilege}"
                if privilege
                else f"{record_name} above the role's limit {limit}",
            )
        )
    if approval is not None and approval.staff_attribute is not None:
        attribute = approval.staff_attribute
        value = principal.attributes.get(attribute)
        source = f"the principal's {attribute}"
        if value is None and principal.kind == "service" and approval.service_limit is not None:
            value, source = approval.service_limit, f"the policy's service_limit for {record_name}s"
        limits.append(
            FinalizeLimit(
                amount=value,
                source=source,
                outcomes=approval.outcomes,
                refusal=f"the principal has no {attribute}"
                if value is None
                else f"{record_name} {approval.amount} above the principal's {attribute} {value}",
            )
        )
    elif approval is not None and approval.above_limit_privilege not in principal.privileges:
        limits.append(
            FinalizeLimit(
                amount=approval.limit,
                source=f"{record_name} approval; lifted by {approval.above_limit_privilege}",
                outcomes=approval.outcomes,
                refusal=f"high-value {record_name} and the principal lacks {approval.above_limit_privilege}",
            )
        )
    return True, tuple(limits), ""


@dataclass(frozen=True, slots=True, kw_only=True)
class WriteBoundary:
    """What one principal may write for one task, compiled once from the policy.

    ``scope`` is the principal's read scope (reading a record is a prerequisite of
    writing it). ``finalize_outcomes`` empty means no finalization at all; ``limits``
    are the caps that apply to this principal (privileges that lift a cap already
    removed it). :meth:`decide_finalize` and :meth:`decide_record` are pure.
    """

    task: str
    principal_id: str
    policy_version: str
    scope: ResourceScope
    record_statuses: frozenset[str]
    finalize_outcomes: frozenset[str]
    finalize_via: Via | None
    limits: tuple[FinalizeLimit, ...]
    may_pend: bool
    refusal: str = ""
    #: How refusals name the capped amount ("total billed", "total amount") and the record.
    amount_label: str = "amount"
    record_name: str = "claim"
    #: Whether the principal is a person (separation of duties binds people, not services).
    person: bool = False
    #: Whether this person submitted or changed the record at hand (see :meth:`for_record`).
    authored: bool = False

    def _deny(self, reason: str) -> Decision:
        return Decision(allowed=False, reasons=(reason,), policy_version=self.policy_version)

    def for_record(self, authors: frozenset[str]) -> WriteBoundary:
        """This boundary for one record whose submitters and changers are ``authors``.

        Separation of duties, for every task: a person may not decide a record they
        submitted or changed. Services are bound by their own grants instead (a feed
        that ingests and the automatic adjudication are different principals anyway).
        """
        return replace(self, authored=self.person and self.principal_id in authors)

    def decide_author(self) -> Decision:
        """May the principal decide this record at all, given who submitted or changed it?"""
        if self.authored:
            return self._deny(
                f"{self.task}: separation of duties: {self.principal_id} submitted or changed this record"
            )
        return Decision(
            allowed=True,
            reasons=("decided by someone other than its authors",),
            policy_version=self.policy_version,
        )

    def decide_finalize(
        self, *, outcome: str, via: Via, attrs: ClaimAttributes | Mapping[str, str], total_billed: Decimal
    ) -> Decision:
        """May the principal finalize a record with ``attrs`` and amount ``total_billed`` as ``outcome``?

        ``attrs`` is a claim's attributes or, for any resource, attribute -> value;
        ``total_billed`` is the amount the resource's approval rule names.
        """
        if not self.scope.permits(attrs):
            return self._deny(f"{self.record_name} is outside the principal's read scope")
        if self.authored:
            return self.decide_author()
        if not self.finalize_outcomes:
            return self._deny(self.refusal or f"{self.task}: the principal may not finalize")
        if outcome not in self.finalize_outcomes:
            return self._deny(f"{self.task}: the principal may not finalize with outcome {outcome}")
        if self.finalize_via is not None and via != self.finalize_via:
            return self._deny(f"{self.task}: the principal finalizes only via {self.finalize_via}, not {via}")
        for limit in self.limits:
            if limit.refuses(outcome, total_billed):
                return self._deny(limit.explain(self.amount_label, total_billed))
        return Decision(
            allowed=True,
            reasons=(f"{self.task}: {outcome} via {via} within the principal's write boundary",),
            policy_version=self.policy_version,
        )

    def decide_record(self, status: str) -> Decision:
        """May the task write a record in ``status`` at all (for example, not a decided claim)?"""
        if status not in self.record_statuses:
            return self._deny(f"{self.record_name} status is {status!r}, not awaiting a decision")
        return Decision(
            allowed=True, reasons=("record awaits a decision",), policy_version=self.policy_version
        )


def compile_write_boundary(
    *,
    task: str,
    task_policy: TaskPolicy | None,
    tasks_declared: bool,
    may_finalize: bool,
    limits: tuple[FinalizeLimit, ...],
    refusal: str,
    amount_label: str,
    record_name: str,
    principal: Principal,
    scope: ResourceScope,
) -> WriteBoundary:
    """Combine the role's finalize rule, the resource's approval rule and the task's grants.

    ``may_finalize`` and ``limits`` come from :func:`finalize_limits` (``refusal`` says
    why when the role may not finalize). Both the role and the task must allow a
    finalization; every applicable cap must let the amount through.
    """
    limits_list = list(limits)
    base = WriteBoundary(
        task=task,
        principal_id=principal.principal_id,
        policy_version=scope.policy_version,
        scope=scope,
        record_statuses=LEGACY_RECORD_STATUSES,
        finalize_outcomes=FINALIZE_OUTCOMES if may_finalize else frozenset(),
        finalize_via=None,
        limits=_ordered(limits_list),
        may_pend=True,
        refusal="" if may_finalize else refusal,
        amount_label=amount_label,
        record_name=record_name,
        person=principal.kind == "staff",
    )
    if principal.grants is not None:
        # An API key's own scope narrows whatever the policy grants its kind.
        if not principal.may(task, "finalize"):
            base = replace(
                base,
                finalize_outcomes=frozenset(),
                refusal=base.refusal or f"{task}: the principal's key grants no finalize action",
            )
        if not principal.may(task, "pend"):
            base = replace(base, may_pend=False)
    if not tasks_declared:
        return base
    if task_policy is None:
        return replace(
            base, finalize_outcomes=frozenset(), may_pend=False, refusal=f"task {task} is not declared"
        )
    grants = {name: _grant(grants, principal) for name, grants in task_policy.actions.items()}
    finalize, pend = grants.get("finalize"), grants.get("pend")
    refusal = base.refusal
    if finalize is None:
        refusal = refusal or f"{task}: the policy grants {principal.kind} principals no finalize action"
    elif finalize.cap is not None and finalize.above_limit_privilege not in principal.privileges:
        lifted = f"; lifted by {finalize.above_limit_privilege}" if finalize.above_limit_privilege else ""
        # The task's cap goes first, so that on equal amounts the refusal names the task.
        limits_list.insert(
            0, FinalizeLimit(amount=finalize.cap, source=f"{task} for {principal.kind}{lifted}")
        )
    return replace(
        base,
        record_statuses=task_policy.record_statuses,
        finalize_outcomes=(finalize.outcomes & base.finalize_outcomes) if finalize else frozenset(),
        finalize_via=finalize.via if finalize else None,
        limits=_ordered(limits_list),
        may_pend=pend is not None and base.may_pend,
        refusal=refusal,
    )


def _ordered(limits: list[FinalizeLimit]) -> tuple[FinalizeLimit, ...]:
    """The caps, smallest first (a cap refusing every amount before all); stable on ties."""
    return tuple(sorted(limits, key=lambda lim: (lim.amount is not None, lim.amount or Decimal(0))))


def _grant(grants: Mapping[str, ActionGrant], principal: Principal) -> ActionGrant | None:
    """The grant of one action to ``principal``'s kind, if its ``roles`` (if any) include the role."""
    grant = grants.get(principal.kind)
    if grant is None or (grant.roles is not None and principal.role not in grant.roles):
        return None
    return grant


def decide_create(
    *,
    task: str,
    tasks: Mapping[str, TaskPolicy] | None,
    principal: Principal,
    scope: ClaimScope | ResourceScope,
) -> Decision:
    """May ``principal`` create records through ``task`` (``claims.ingest``) at all?

    Whoever creates a claim must be able to read claims (``scope``, the principal's
    compiled read scope): a record's own sensitivity and place are checked per record,
    after this. A policy without a ``tasks`` table asks nothing more, as before the
    table existed; with one, the task must grant ``create`` to the principal's kind and,
    if the grant lists roles, to its role.
    """

    def deny(reason: str) -> Decision:
        return Decision(allowed=False, reasons=(reason,), policy_version=scope.policy_version)

    if not scope.readable:
        return Decision(allowed=False, reasons=scope.reasons, policy_version=scope.policy_version)
    if not principal.may(task, "create"):
        return deny(f"{task}: the principal's key grants no create action")
    if tasks is not None:
        task_policy = tasks.get(task)
        if task_policy is None:
            return deny(f"task {task} is not declared")
        grants = task_policy.actions.get("create", {})
        if grants.get(principal.kind) is None:
            return deny(f"{task}: the policy grants {principal.kind} principals no create action")
        if _grant(grants, principal) is None:
            return deny(f"{task}: role {principal.role!r} may not create records")
    return Decision(
        allowed=True,
        reasons=(f"{task}: creates records it may read",),
        policy_version=scope.policy_version,
    )
