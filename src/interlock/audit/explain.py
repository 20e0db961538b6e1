"""Reconstruct how a claim was decided, in plain words, from its audit events alone.

Invariant 4 says every decision can be rebuilt from the trail. This module is the
test of that promise: it reads nothing but stored events (no work items, no system
of record, no model), so whatever it cannot say is missing from the trail itself.
Each sentence cites the event it comes from, so a reader can check it with
``interlock audit prove``.

Pure formatting: the caller fetches the events (``AuditLog.events_for_claim``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

from interlock.audit.chain import StoredEvent
from interlock.audit.events import printable

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
    return (
        f"gate {details.get('gate_version', '?')} verdict {body['outcome']}: {body['reason']}"
        f" (findings: {', '.join(findings) or 'none'})"
    )


def _route(body: Mapping[str, Any]) -> str:
    details = body["details"]
    text = f"routed to {body['outcome']}: {body['reason']}"
    if details.get("outcome"):
        text += (
            f" (outcome {details['outcome']}, CARC {details.get('carc') or 'none'}, "
            f"allowed {details.get('allowed')}, paid {details.get('paid')}, decided by {details.get('decided_by')})"
        )
    return text


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
}


def explain_claim(claim_id: str, events: Sequence[StoredEvent]) -> str:
    """A plain-words account of every decision about ``claim_id``, one paragraph per work item."""
    if not events:
        return printable(f"No audit events mention claim {claim_id}.")
    groups: dict[str, list[StoredEvent]] = {}
    for stored in events:
        groups.setdefault(str(stored.body.get("work_item_id")), []).append(stored)
    lines = [f"Claim {claim_id}: {len(events)} audit events in {len(groups)} work item(s)."]
    for work_item_id, group in groups.items():
        first = group[0].body
        subject = first.get("subject") or {}
        on_behalf = f" on behalf of {first['on_behalf_of']}" if first.get("on_behalf_of") else ""
        lines.append("")
        lines.append(
            f"Work item {work_item_id} (claim version {subject.get('claim_version', '?')}, "
            f"task {first.get('purpose')}), by {first.get('principal')}{on_behalf}:"
        )
        for stored in group:
            body = stored.body
            describe = _DESCRIBE.get(str(body.get("kind")), _generic(str(body.get("kind"))))
            lines.append(f"  [{stored.event_id} {body.get('at')}] {describe(body)}")
    # Whatever an event holds, it shows as one line of its own: control characters escaped.
    return "\n".join(printable(line) for line in lines)
