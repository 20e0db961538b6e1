"""Reconstruct how a record was decided, in plain words, from its audit events alone.

Invariant 4 says every decision can be rebuilt from the trail. This module is the
test of that promise: it reads nothing but stored events (no work items, no system
of record, no model), so whatever it cannot say is missing from the trail itself.
Each sentence cites the event it comes from, so a reader can check it with
``interlock audit prove``.

Nothing here knows a domain: a record is whatever the events' ``purpose`` (the task,
such as ``claims.adjudicate`` or ``invoices.approve``) says it is, and details are
shown by their own keys. Events appended before subjects were generic (``claim_id``,
``claim_version``) read the same way.

Pure formatting: the caller fetches the events (``AuditLog.events_for_record``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Final

from interlock.audit.chain import StoredEvent
from interlock.audit.events import printable, subject_record_version, task_domain

_MAX_ITEMS: Final = 12


def _items(values: object) -> str:
    if not isinstance(values, list) or not values:
        return "none"
    shown = ", ".join(str(v) for v in values[:_MAX_ITEMS])
    more = len(values) - _MAX_ITEMS
    return shown + (f" and {more} more" if more > 0 else "")


def _entitlement(body: Mapping[str, Any]) -> str:
    return f"access {body['outcome']} under policy version {body.get('policy_version', 'unknown')}: {body['reason']}"


def _context(body: Mapping[str, Any]) -> str:
    items = body["details"].get("items")
    count = len(items) if isinstance(items, list) else 0
    return f"retrieved {count} context items: {_items(items)}"


def _rules(body: Mapping[str, Any]) -> str:
    details = body["details"]
    rules = details.get("rules") if isinstance(details.get("rules"), list) else []
    failed = [f"rule {r.get('rule')}" for r in rules if isinstance(r, dict) and not r.get("passed")]
    integrity = details.get("integrity") or []
    text = f"rules {details.get('rules_version', '?')} gave {body['outcome']}: {body['reason']}"
    if failed:
        text += f" (failed: {', '.join(failed)})"
    if integrity:
        text += f" (integrity problems: {_items(integrity)})"
    return text


def _model(body: Mapping[str, Any]) -> str:
    details = body["details"]
    if body["outcome"] != "ok":
        return f"model {body.get('model_id', 'unknown')} failed: {body['reason']}"
    return (
        f"model {body.get('model_id')} answered {body['reason']} "
        f"(prompt template {body.get('prompt_template')}, prompt {body.get('prompt_hash')}, "
        f"raw output {details.get('raw_output_sha256')}, {details.get('attempts')} attempt(s), "
        f"cited {_items(details.get('citations'))})"
    )


def _verdict(body: Mapping[str, Any]) -> str:
    details = body["details"]
    findings = [
        f"{f.get('check')}={f.get('severity')}" for f in details.get("findings") or [] if isinstance(f, dict)
    ]
    measured = [
        f"{check} " + ", ".join(f"{name} {value}" for name, value in numbers.items())
        for check, numbers in (details.get("measures") or {}).items()
        if isinstance(numbers, dict)
    ]
    return (
        f"gate {details.get('gate_version', '?')} verdict {body['outcome']}: {body['reason']}"
        f" (findings: {', '.join(findings) or 'none'})" + "".join(f"; {m}" for m in measured)
    )


def _scalars(details: Mapping[str, Any]) -> str:
    """The details that are single values, as ``key value`` pairs in the body's (sorted) order."""
    shown = [
        f"{key.replace('_', ' ')} {'none' if value is None else value}"
        for key, value in details.items()
        if not isinstance(value, dict | list)
    ]
    return ", ".join(shown)


def _route(body: Mapping[str, Any]) -> str:
    text = f"routed to {body['outcome']}: {body['reason']}"
    scalars = _scalars(body["details"])
    return f"{text} ({scalars})" if scalars else text


def _written(body: Mapping[str, Any]) -> str:
    return (
        f"wrote to the system of record as {body['outcome']} ({body['reason']}), "
        f"receipt {body.get('receipt')}, idempotency key {body.get('idempotency_key')}"
    )


def _generic(verb: str) -> Callable[[Mapping[str, Any]], str]:
    def describe(body: Mapping[str, Any]) -> str:
        return f"{verb} {body['outcome']}: {body['reason']}"

    return describe


_DESCRIBE: Final[dict[str, Callable[[Mapping[str, Any]], str]]] = {
    "work.claimed": _generic("work item claimed,"),
    "entitlement.decided": _entitlement,
    "context.retrieved": _context,
    "rules.evaluated": _rules,
    "model.called": _model,
    "gate.verdict": _verdict,
    "route.decided": _route,
    "sor.written": _written,
    "review.opened": _generic("review opened,"),
    "review.decided": _generic("review decided,"),
    "work.completed": _generic("work item completed,"),
    "work.deferred": _generic("deferred,"),
    "config.changed": _generic("configuration changed,"),
    "claim.ingested": _generic("record brought in,"),
    "claim.refused": _generic("record not brought in,"),
}


def _distinct(values: Iterable[object]) -> list[str]:
    """The values that are set, as text, once each, in the order first seen."""
    return list(dict.fromkeys(str(v) for v in values if v not in (None, "")))


def in_domain(events: Sequence[StoredEvent], domain: str) -> list[StoredEvent]:
    """The events whose purpose is a task of ``domain``, in order.

    Record ids are only unique within a domain; a look-up that knows the domain (the
    CLI's ``--claim``, the claims explain route) drops another domain's record of the
    same id.
    """
    return [e for e in events if task_domain(e.body.get("purpose")) == domain]


def explain_record(record_id: str, events: Sequence[StoredEvent]) -> str:
    """A plain-words account of every decision about ``record_id``, one paragraph per work item.

    The first line names the tasks (the events' purposes) that touched the record;
    each work item's heading gives the record version it read, its task, who ran it
    and the trace id when its events carry one. Events outside any work item (a record
    brought in, a summary read) form one paragraph, each naming its own task and
    principal. Paragraphs come in the order of their first event.
    """
    if not events:
        return printable(f"No audit events mention record {record_id}.")
    groups: dict[str | None, list[StoredEvent]] = {}
    for stored in events:
        item = stored.body.get("work_item_id")
        groups.setdefault(None if item is None else str(item), []).append(stored)
    tasks = ", ".join(_distinct(e.body.get("purpose") for e in events)) or "no task"
    items = sum(1 for key in groups if key is not None)
    loose = len(groups.get(None, ()))
    outside = f", {loose} outside any work item" if loose else ""
    lines = [f"Record {record_id} ({tasks}): {len(events)} audit events in {items} work item(s){outside}."]
    for work_item_id, group in groups.items():
        lines.append("")
        lines.append(_heading(work_item_id, group))
        for stored in group:
            body = stored.body
            describe = _DESCRIBE.get(str(body.get("kind")), _generic(str(body.get("kind"))))
            task = f" ({body.get('purpose')}, by {body.get('principal')})" if work_item_id is None else ""
            lines.append(f"  [{stored.event_id} {body.get('at')}]{task} {describe(body)}")
    # Whatever an event holds, it shows as one line of its own: control characters escaped.
    return "\n".join(printable(line) for line in lines)


def _heading(work_item_id: str | None, group: Sequence[StoredEvent]) -> str:
    traces = _distinct(e.body.get("trace_id") for e in group)
    trace = f", trace {', '.join(traces)}" if traces else ""
    if work_item_id is None:
        return f"Outside any work item{trace}:"
    first = group[0].body
    version = subject_record_version(first.get("subject"))
    on_behalf = f" on behalf of {first['on_behalf_of']}" if first.get("on_behalf_of") else ""
    return (
        f"Work item {work_item_id} (version {'?' if version is None else version}, "
        f"task {first.get('purpose')}{trace}), by {first.get('principal')}{on_behalf}:"
    )
