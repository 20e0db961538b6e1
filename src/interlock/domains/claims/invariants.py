"""The exactly-once checker: does the final state agree with itself after any crash?

Read the system of record and Interlock's store once, after every worker has stopped,
and check, for each claim of the backlog:

* it ended: ``adjudicated`` or ``pended`` in the system of record (else it is *lost*),
  and its work item is ``done`` (else it is *unfinished*);
* an adjudicated claim has exactly one adjudication (more is a *duplicated effect*) with
  one line per claim line; a pended claim has none and exactly one review item;
* the adjudication equals the decision Interlock audited (the ``route.decided`` event)
  and the decision it saved (the work item's recovery point): outcome, CARC, amounts
  per line, decider, idempotency key; each work item was acknowledged exactly once
  (one ``route.decided``, one final ``work.completed``). Any difference is a
  *divergence* between the audit trail and the system of record; a pended claim that
  nevertheless has an adjudication is also counted on its own
  (``pended_with_adjudication``): a pend and a payment for one claim is the worst
  split a crash could leave;
* the audit hash chain verifies.

A checker is trusted only once a mutant makes it fail; ``tests/faults`` keeps those
mutants (no idempotency key, no recovery point, no fencing) as tests.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, RowMapping, select

from interlock.audit.chain import AuditLog, audit_events
from interlock.audit.events import parse_body
from interlock.domains.claims import schema as t
from interlock.store.schema import review_items, work_items

TASK = "claims.adjudicate"
MAX_EXAMPLES = 20


@dataclass(slots=True, kw_only=True)
class InvariantReport:
    """Counts of every kind of violation, with the first few examples of each."""

    claims: int = 0
    finalized: int = 0
    pended: int = 0
    lost: int = 0
    unfinished: int = 0
    duplicated: int = 0
    divergent: int = 0
    pended_with_adjudication: int = 0
    audit_ok: bool = True
    audit_reason: str = ""
    examples: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no invariant is violated."""
        return (
            self.lost == 0
            and self.unfinished == 0
            and self.duplicated == 0
            and self.divergent == 0
            and self.pended_with_adjudication == 0
            and self.audit_ok
            and self.finalized + self.pended == self.claims
        )

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready form for benchmark output."""
        return {
            "ok": self.ok,
            "claims": self.claims,
            "finalized": self.finalized,
            "pended": self.pended,
            "lost": self.lost,
            "unfinished": self.unfinished,
            "duplicated": self.duplicated,
            "divergent": self.divergent,
            "pended_with_adjudication": self.pended_with_adjudication,
            "audit_ok": self.audit_ok,
            "examples": self.examples[:MAX_EXAMPLES],
        }

    def _note(self, kind: str, claim_id: str, what: str) -> None:
        if len(self.examples) < MAX_EXAMPLES:
            self.examples.append(f"{kind} {claim_id}: {what}")


@dataclass(slots=True)
class _Audited:
    routes: list[dict[str, Any]] = field(default_factory=list)
    acks: int = 0


def check_invariants(sor: Engine, store: Engine, backlog: Iterable[str]) -> InvariantReport:
    """Check every invariant of the module docstring for the claims in ``backlog``."""
    claim_ids = sorted(set(backlog))
    report = InvariantReport(claims=len(claim_ids))
    wanted = set(claim_ids)
    with sor.connect() as conn:
        claims = {
            str(r.claim_id): (str(r.status), int(r.version))
            for r in conn.execute(select(t.claims.c.claim_id, t.claims.c.status, t.claims.c.version))
            if str(r.claim_id) in wanted
        }
        claim_lines: dict[str, set[int]] = defaultdict(set)
        for r in conn.execute(select(t.claim_lines.c.claim_id, t.claim_lines.c.line_no)):
            claim_lines[str(r.claim_id)].add(int(r.line_no))
        adjudications: dict[str, list[RowMapping]] = defaultdict(list)
        for a in conn.execute(select(t.adjudications)).mappings():
            adjudications[str(a["claim_id"])].append(a)
        adj_lines: dict[str, dict[int, tuple[Decimal, Decimal]]] = defaultdict(dict)
        for line in conn.execute(select(t.adjudication_lines)).mappings():
            adj_lines[str(line["adjudication_id"])][int(line["line_no"])] = (
                Decimal(line["allowed_amount"]),
                Decimal(line["paid_amount"]),
            )
    with store.connect() as conn:
        items: dict[tuple[str, int], RowMapping] = {
            (str(w["record_id"]), int(w["record_version"])): w
            for w in conn.execute(select(work_items).where(work_items.c.task == TASK)).mappings()
        }
        reviews = Counter(str(c) for c in conn.execute(select(review_items.c.record_id)).scalars())
        audited: dict[str, _Audited] = defaultdict(_Audited)
        rows = conn.execute(
            select(audit_events.c.record_id, audit_events.c.body).where(
                audit_events.c.kind.in_(("route.decided", "work.completed"))
            )
        )
        for claim_id, body in rows:
            event = parse_body(body)
            entry = audited[str(claim_id)]
            if event["kind"] == "route.decided":
                entry.routes.append(event)
            elif event.get("outcome") in ("commit", "review"):
                entry.acks += 1
    verify = AuditLog(store).verify()
    report.audit_ok, report.audit_reason = verify.ok, verify.reason
    if not verify.ok:
        report.examples.append(f"audit chain: {verify.reason}")

    for claim_id in claim_ids:
        status, version = claims.get(claim_id, ("missing", 0))
        if status not in ("adjudicated", "pended"):
            report.lost += 1
            report._note("lost", claim_id, f"status {status}")
            continue
        item = items.get((claim_id, version))
        if item is None or item["status"] != "done":
            report.unfinished += 1
            report._note("unfinished", claim_id, "no work item" if item is None else f"item {item['status']}")
        adjs = adjudications.get(claim_id, [])
        problems: list[str] = []
        if status == "pended":
            report.pended += 1
            report.pended_with_adjudication += 1 if adjs else 0
            problems += _check_pended(adjs, item, audited.get(claim_id), reviews[claim_id])
        else:
            report.finalized += 1
            if len(adjs) > 1:
                report.duplicated += len(adjs) - 1
                report._note("duplicated", claim_id, f"{len(adjs)} adjudications")
            if adjs:
                adj = adjs[0]
                problems += _check_finalized(
                    adj, adj_lines.get(str(adj["adjudication_id"]), {}), claim_lines[claim_id]
                )
                problems += _check_against_decision(adj, item)
                problems += _check_against_audit(adj, audited.get(claim_id))
            else:
                problems.append("adjudicated without an adjudication row")
        if problems:
            report.divergent += 1
            report._note("divergent", claim_id, "; ".join(problems))
    return report


def _check_pended(
    adjs: list[RowMapping], item: RowMapping | None, audit: _Audited | None, reviews: int
) -> list[str]:
    problems = []
    if adjs:
        problems.append(f"pended but has {len(adjs)} adjudication(s)")
    if reviews != 1:
        problems.append(f"{reviews} review items")
    decision = _decision(item)
    if decision is not None and decision["write"]["kind"] != "hold":
        problems.append("saved decision is a finalization")
    if item is not None and item["route"] not in (None, "review"):
        problems.append(f"work item route {item['route']}")
    routes = audit.routes if audit else []
    if [r["outcome"] for r in routes] != ["review"]:
        problems.append(f"audited routes {[r['outcome'] for r in routes]}")
    if audit is None or audit.acks != 1:
        problems.append(f"acknowledged {audit.acks if audit else 0} times")
    return problems


def _check_finalized(
    adj: RowMapping, lines: Mapping[int, tuple[Decimal, Decimal]], claim_lines: set[int]
) -> list[str]:
    problems = []
    if set(lines) != claim_lines:
        problems.append(f"adjudication lines {sorted(lines)} for claim lines {sorted(claim_lines)}")
    if lines and sum((a for a, _ in lines.values()), Decimal(0)) != Decimal(adj["allowed_amount"]):
        problems.append("line allowed amounts do not sum to the total")
    return problems


def _check_against_decision(adj: RowMapping, item: RowMapping | None) -> list[str]:
    decision = _decision(item)
    if decision is None:
        return ["no saved decision"]
    write = decision["write"]
    if write["kind"] != "commit":
        return ["saved decision is a pend"]
    if item is not None and item["route"] not in (None, "commit"):
        return [f"work item route {item['route']}"]
    saved = (
        write["outcome"],
        write["reason_code"],
        Decimal(write["payload"]["allowed"]),
        Decimal(write["payload"]["paid"]),
        write["decided_by"],
        write["idempotency_key"],
    )
    written = (
        adj["outcome"],
        adj["carc_code"],
        Decimal(adj["allowed_amount"]),
        Decimal(adj["paid_amount"]),
        adj["decided_by"],
        adj["idempotency_key"],
    )
    return [] if saved == written else [f"saved decision {saved} but system of record has {written}"]


def _check_against_audit(adj: RowMapping, audit: _Audited | None) -> list[str]:
    routes = audit.routes if audit else []
    problems = []
    if audit is None or audit.acks != 1:
        problems.append(f"acknowledged {audit.acks if audit else 0} times")
    if [r["outcome"] for r in routes] != ["commit"]:
        return [*problems, f"audited routes {[r['outcome'] for r in routes]}"]
    d = routes[0]["details"]
    audited = (d["outcome"], d["reason_code"], Decimal(d["allowed"]), Decimal(d["paid"]), d["decided_by"])
    written = (
        adj["outcome"],
        adj["carc_code"],
        Decimal(adj["allowed_amount"]),
        Decimal(adj["paid_amount"]),
        adj["decided_by"],
    )
    if audited != written:
        problems.append(f"audit says {audited} but system of record has {written}")
    return problems


def _decision(item: RowMapping | None) -> dict[str, Any] | None:
    if item is None or not item["decision"]:
        return None
    value: dict[str, Any] = json.loads(item["decision"])
    return value
