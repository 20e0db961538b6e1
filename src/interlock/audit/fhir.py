"""Audit events as FHIR R4 ``AuditEvent`` resources (IHE ATNA shape), one JSON per line.

Healthcare security teams collect audit trails as FHIR ``AuditEvent`` resources; this
export lets Interlock's trail join theirs without a custom parser. Each resource is
built from one stored event and validated with the maintained ``fhir.resources``
models (the R4B classes, whose ``AuditEvent`` is the R4 one), so an invalid resource
fails here rather than in the receiving system.

Only coded, structural fields are exported: kind, time, outcome code, principal,
policy version, model id, the record and work item identifiers, and the event's id and
leaf hash (so each exported resource can be proven against a checkpoint).

The record is an entity whose identifier value is the subject's record id and whose
system depends on the task (the event's ``purpose``): a domain whose records already
have a system that receiving parties know is listed in :data:`RECORD_SYSTEMS` under
its prefix (``claims`` for ``claims.adjudicate``); any other task's records get
``urn:interlock:record:<task>``, so two domains' identical ids never read as one record. The
free-text ``reason`` and the ``details`` are left out: they are written for people
reading the trail in place, and leaving them out means nothing clinical can leak
through this export even if a future event carries more than it should.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final

from fhir.resources.R4B.auditevent import AuditEvent as FhirAuditEvent

from interlock.audit.chain import StoredEvent
from interlock.audit.events import subject_record_id, subject_record_version, task_domain

KIND_SYSTEM: Final = "urn:interlock:audit-event-kind"
CLAIM_SYSTEM: Final = "urn:interlock:claim"
RECORD_SYSTEM_PREFIX: Final = "urn:interlock:record:"

RECORD_SYSTEMS: Final[Mapping[str, str]] = MappingProxyType({"claims": CLAIM_SYSTEM})
"""Identifier systems for records, by the domain prefix of a purpose (``claims`` in ``claims.adjudicate``).

Exports made before records were generic named claims ``urn:interlock:claim``; keeping
that system means a receiving system still matches a claim's old and new events.
"""
WORK_ITEM_SYSTEM: Final = "urn:interlock:work-item"
PRINCIPAL_SYSTEM: Final = "urn:interlock:principal"
EVENT_SYSTEM: Final = "urn:interlock:audit-event"

_READS: Final = frozenset({"context.retrieved"})
_UPDATES: Final = frozenset({"sor.written", "review.decided", "config.changed"})
_FAILURES: Final = frozenset({"error"})
#: Outcomes of a request refused as it stood: FHIR's "minor failure" (4).
_REFUSALS: Final = frozenset({"refused"})
_ROLE_SYSTEM: Final = "http://terminology.hl7.org/CodeSystem/object-role"


def _action(kind: str) -> str:
    """The FHIR action code: C for a record created, R for reads, U for writes, E (execute) otherwise."""
    if kind in ("claim.ingested", "claim.refused"):
        return "C"
    if kind in _READS:
        return "R"
    if kind in _UPDATES:
        return "U"
    return "E"


def record_system(purpose: str) -> str:
    """The identifier system of the records a task with this ``purpose`` works on."""
    domain = task_domain(purpose)
    known = None if domain is None else RECORD_SYSTEMS.get(domain)
    return known or RECORD_SYSTEM_PREFIX + purpose


def _record_entity(body: dict[str, Any]) -> dict[str, Any] | None:
    """The entity naming the event's record, or ``None`` when its subject names none."""
    subject = body.get("subject")
    record_id = subject_record_id(subject)
    if record_id is None or not isinstance(subject, dict):
        return None
    entity: dict[str, Any] = {
        "what": {"identifier": {"system": record_system(str(body["purpose"])), "value": record_id}},
        "role": {"system": _ROLE_SYSTEM, "code": "4", "display": "Domain Resource"},
    }
    details = []
    version = subject_record_version(subject)
    if version is not None:
        details.append({"type": "record_version", "valueString": str(version)})
    if "review_id" in subject:
        details.append({"type": "review_id", "valueString": str(subject["review_id"])})
    if details:
        entity["detail"] = details
    return entity


def to_fhir(stored: StoredEvent) -> dict[str, Any]:
    """One stored event as a validated R4 ``AuditEvent`` in JSON form."""
    body = stored.body
    kind = str(body["kind"])
    agents: list[dict[str, Any]] = [
        {
            "type": {"text": "principal"},
            "who": {"identifier": {"system": PRINCIPAL_SYSTEM, "value": body["principal"]}},
            "requestor": True,
            **(
                {"policy": [f"urn:interlock:policy:{body['policy_version']}"]}
                if body.get("policy_version")
                else {}
            ),
        }
    ]
    if body.get("on_behalf_of"):
        agents.append(
            {
                "type": {"text": "on behalf of"},
                "who": {"identifier": {"system": PRINCIPAL_SYSTEM, "value": body["on_behalf_of"]}},
                "requestor": False,
            }
        )
    if body.get("model_id"):
        agents.append(
            {
                "type": {"text": "model"},
                "who": {"identifier": {"system": "urn:interlock:model", "value": body["model_id"]}},
                "requestor": False,
            }
        )
    entities: list[dict[str, Any]] = [
        {
            "what": {"identifier": {"system": EVENT_SYSTEM, "value": stored.event_id}},
            "type": {"system": KIND_SYSTEM, "code": "audit-event"},
            "detail": [{"type": "leaf_hash", "valueString": stored.leaf_hash}],
        }
    ]
    record = _record_entity(body)
    if record is not None:
        entities.append(record)
    if body.get("work_item_id"):
        entities.append(
            {
                "what": {"identifier": {"system": WORK_ITEM_SYSTEM, "value": body["work_item_id"]}},
                "role": {"system": _ROLE_SYSTEM, "code": "20", "display": "Job"},
            }
        )
    resource = {
        "resourceType": "AuditEvent",
        "id": stored.event_id.replace(":", "-"),
        "type": {"system": KIND_SYSTEM, "code": kind},
        "action": _action(kind),
        "recorded": body["at"],
        "outcome": "8" if body["outcome"] in _FAILURES else "4" if body["outcome"] in _REFUSALS else "0",
        "outcomeDesc": str(body["outcome"]),
        "purposeOfEvent": [{"text": str(body["purpose"])}],
        "agent": agents,
        "source": {
            "site": str(body.get("source") or "interlock"),
            "observer": {"display": "interlock audit log"},
        },
        "entity": entities,
    }
    validated = FhirAuditEvent.model_validate(resource)
    return json.loads(validated.model_dump_json(exclude_none=True))  # type: ignore[no-any-return]


def to_ndjson(events: Iterable[StoredEvent]) -> Iterator[str]:
    """One line of JSON per event, in trail order."""
    for stored in events:
        yield json.dumps(to_fhir(stored), separators=(",", ":"), sort_keys=True)


def write_ndjson(events: Iterable[StoredEvent], path: Path) -> int:
    """Write the export to ``path``; return how many resources were written."""
    count = 0
    with path.open("w", encoding="utf-8") as handle:
        for line in to_ndjson(events):
            handle.write(line + "\n")
            count += 1
    return count
