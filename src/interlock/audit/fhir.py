"""Audit events as FHIR ``AuditEvent`` resources (IHE ATNA shape): a Bundle a server takes, or NDJSON.

Healthcare security teams collect audit trails as FHIR ``AuditEvent`` resources; this
export lets Interlock's trail join theirs without a custom parser. Each resource is
built from one stored event and validated with the maintained ``fhir.resources``
models for the chosen FHIR version, so an invalid resource fails here rather than in
the receiving system:

* ``R4`` and ``R4B``: the R4B classes, whose ``AuditEvent`` is the R4 one (``fhir.resources``
  8 ships no R4 4.0.1 package; the security module is the same in both);
* ``R5``: the top-level classes, whose ``AuditEvent`` changed shape (``category`` and
  ``code`` instead of ``type`` and ``subtype``, a coded ``outcome``, ``authorization``
  instead of ``purposeOfEvent``, references for the source's site and observer).

The event type is DICOM's audit event type (:data:`DICOM_SYSTEM`), as the IHE Basic
Audit Log Patterns use it: a read or write of a claim is ``110110`` Patient Record, an
entitlement decision ``110113`` Security Alert with subtype ``110144`` Authorization
Decision, a configuration change ``110113`` with subtype ``110129`` Security
Configuration, and every other step of a work item ``110100`` Application Activity.
Interlock's own kind is always a further subtype in :data:`KIND_SYSTEM`, so nothing is
lost for a reader that knows it.

:func:`write_bundle` writes one ``Bundle``: ``transaction`` or ``batch`` with a ``PUT``
entry per event (``AuditEvent/<id>``, the id derived from the event id, so sending
the same export twice updates rather than duplicates), or ``collection``. It streams:
entries are validated in Bundles of :data:`VALIDATE_CHUNK` and written as they pass.
:func:`write_ndjson` writes one resource per line, as before.

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
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final, Literal, get_args

from fhir.resources.auditevent import AuditEvent as R5AuditEvent
from fhir.resources.bundle import Bundle as R5Bundle
from fhir.resources.R4B.auditevent import AuditEvent as FhirAuditEvent
from fhir.resources.R4B.bundle import Bundle as R4Bundle
from pydantic import BaseModel

from interlock.audit.chain import StoredEvent
from interlock.audit.events import subject_record_id, subject_record_version, task_domain

FhirVersion = Literal["R4", "R4B", "R5"]
FHIR_VERSIONS: Final[tuple[str, ...]] = get_args(FhirVersion)
BundleType = Literal["transaction", "batch", "collection"]
BUNDLE_TYPES: Final[tuple[str, ...]] = get_args(BundleType)

KIND_SYSTEM: Final = "urn:interlock:audit-event-kind"
DICOM_SYSTEM: Final = "http://dicom.nema.org/resources/ontology/DCM"
OUTCOME_SYSTEM: Final = "http://terminology.hl7.org/CodeSystem/audit-event-outcome"
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
#: How many entries are validated at once, as one Bundle, before they are written.
VALIDATE_CHUNK: Final = 500

APPLICATION_ACTIVITY: Final = ("110100", "Application Activity")
PATIENT_RECORD: Final = ("110110", "Patient Record")
SECURITY_ALERT: Final = ("110113", "Security Alert")
#: The DICOM audit event type (and DICOM subtype, if one fits) of each kind; a kind not
#: listed is an Application Activity. A claim is part of a patient's record.
DICOM_TYPES: Final[Mapping[str, tuple[tuple[str, str], tuple[str, str] | None]]] = MappingProxyType(
    {
        "context.retrieved": (PATIENT_RECORD, None),
        "sor.written": (PATIENT_RECORD, None),
        "review.decided": (PATIENT_RECORD, None),
        "claim.ingested": (PATIENT_RECORD, None),
        "claim.refused": (PATIENT_RECORD, None),
        "entitlement.decided": (SECURITY_ALERT, ("110144", "Authorization Decision")),
        "config.changed": (SECURITY_ALERT, ("110129", "Security Configuration")),
    }
)

_READS: Final = frozenset({"context.retrieved"})
_UPDATES: Final = frozenset({"sor.written", "review.decided", "config.changed"})
_FAILURES: Final = frozenset({"error"})
#: Outcomes of a request refused as it stood: FHIR's "minor failure" (4).
_REFUSALS: Final = frozenset({"refused"})
_ROLE_SYSTEM: Final = "http://terminology.hl7.org/CodeSystem/object-role"
_ID_UNSAFE: Final = re.compile(r"[^A-Za-z0-9.-]")


def _action(kind: str) -> str:
    """The FHIR action code: C for a record created, R for reads, U for writes, E (execute) otherwise."""
    if kind in ("claim.ingested", "claim.refused"):
        return "C"
    if kind in _READS:
        return "R"
    if kind in _UPDATES:
        return "U"
    return "E"


def _outcome(outcome: object) -> str:
    """FHIR's outcome code: 8 (serious failure) for an error, 4 (minor failure) for a refusal, else 0."""
    return "8" if outcome in _FAILURES else "4" if outcome in _REFUSALS else "0"


def record_system(purpose: str) -> str:
    """The identifier system of the records a task with this ``purpose`` works on."""
    domain = task_domain(purpose)
    known = None if domain is None else RECORD_SYSTEMS.get(domain)
    return known or RECORD_SYSTEM_PREFIX + purpose


def resource_id(event_id: str) -> str:
    """The FHIR id of an event's resource: the event id with every character FHIR ids refuse as ``-``."""
    return _ID_UNSAFE.sub("-", event_id)[:64]


def event_type(kind: str) -> tuple[dict[str, str], list[dict[str, str]]]:
    """The DICOM type of an event kind, and its subtypes: DICOM's where one fits, then Interlock's kind."""
    (code, display), sub = DICOM_TYPES.get(kind, (APPLICATION_ACTIVITY, None))
    subtypes = [] if sub is None else [{"system": DICOM_SYSTEM, "code": sub[0], "display": sub[1]}]
    subtypes.append({"system": KIND_SYSTEM, "code": kind})
    return {"system": DICOM_SYSTEM, "code": code, "display": display}, subtypes


def _record_entity(body: dict[str, Any], *, r5: bool) -> dict[str, Any] | None:
    """The entity naming the event's record, or ``None`` when its subject names none."""
    subject = body.get("subject")
    record_id = subject_record_id(subject)
    if record_id is None or not isinstance(subject, dict):
        return None
    role = {"system": _ROLE_SYSTEM, "code": "4", "display": "Domain Resource"}
    entity: dict[str, Any] = {
        "what": {"identifier": {"system": record_system(str(body["purpose"])), "value": record_id}},
        "role": {"coding": [role]} if r5 else role,
    }
    details = []
    version = subject_record_version(subject)
    if version is not None:
        details.append(_detail("record_version", str(version), r5=r5))
    if "review_id" in subject:
        details.append(_detail("review_id", str(subject["review_id"]), r5=r5))
    if details:
        entity["detail"] = details
    return entity


def _detail(name: str, value: str, *, r5: bool) -> dict[str, Any]:
    return {"type": {"text": name} if r5 else name, "valueString": value}


def _agents(body: dict[str, Any]) -> list[dict[str, Any]]:
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
    return agents


def _entities(stored: StoredEvent, *, r5: bool) -> list[dict[str, Any]]:
    body = stored.body
    entities: list[dict[str, Any]] = [
        {
            "what": {"identifier": {"system": EVENT_SYSTEM, "value": stored.event_id}},
            "detail": [_detail("leaf_hash", stored.leaf_hash, r5=r5)],
        }
    ]
    if not r5:
        entities[0]["type"] = {"system": KIND_SYSTEM, "code": "audit-event"}
    record = _record_entity(body, r5=r5)
    if record is not None:
        entities.append(record)
    if body.get("work_item_id"):
        role = {"system": _ROLE_SYSTEM, "code": "20", "display": "Job"}
        entities.append(
            {
                "what": {"identifier": {"system": WORK_ITEM_SYSTEM, "value": body["work_item_id"]}},
                "role": {"coding": [role]} if r5 else role,
            }
        )
    return entities


def _r4(stored: StoredEvent) -> dict[str, Any]:
    body = stored.body
    kind = str(body["kind"])
    dicom, subtypes = event_type(kind)
    return {
        "resourceType": "AuditEvent",
        "id": resource_id(stored.event_id),
        "type": dicom,
        "subtype": subtypes,
        "action": _action(kind),
        "recorded": body["at"],
        "outcome": _outcome(body["outcome"]),
        "outcomeDesc": str(body["outcome"]),
        "purposeOfEvent": [{"text": str(body["purpose"])}],
        "agent": _agents(body),
        "source": {
            "site": str(body.get("source") or "interlock"),
            "observer": {"display": "interlock audit log"},
        },
        "entity": _entities(stored, r5=False),
    }


def _r5(stored: StoredEvent) -> dict[str, Any]:
    body = stored.body
    kind = str(body["kind"])
    dicom, subtypes = event_type(kind)
    return {
        "resourceType": "AuditEvent",
        "id": resource_id(stored.event_id),
        "category": [{"coding": [dicom]}],
        "code": {"coding": subtypes},
        "action": _action(kind),
        "recorded": body["at"],
        "outcome": {
            "code": {"system": OUTCOME_SYSTEM, "code": _outcome(body["outcome"])},
            "detail": [{"text": str(body["outcome"])}],
        },
        "authorization": [{"text": str(body["purpose"])}],
        "agent": _agents(body),
        "source": {
            "site": {"display": str(body.get("source") or "interlock")},
            "observer": {"display": "interlock audit log"},
        },
        "entity": _entities(stored, r5=True),
    }


def _bundle_model(version: FhirVersion) -> type[BaseModel]:
    return R5Bundle if version == "R5" else R4Bundle


def _check_version(version: str) -> FhirVersion:
    if version not in FHIR_VERSIONS:
        raise ValueError(f"FHIR version {version!r}: choose one of {', '.join(FHIR_VERSIONS)}")
    return version  # type: ignore[return-value]


def to_fhir(stored: StoredEvent, version: FhirVersion = "R4") -> dict[str, Any]:
    """One stored event as a validated ``AuditEvent`` of FHIR ``version``, in JSON form."""
    version = _check_version(version)
    resource = _r5(stored) if version == "R5" else _r4(stored)
    model = R5AuditEvent if version == "R5" else FhirAuditEvent
    checked = model.model_validate(resource)
    return json.loads(checked.model_dump_json(exclude_none=True))  # type: ignore[no-any-return]


def to_ndjson(events: Iterable[StoredEvent], version: FhirVersion = "R4") -> Iterator[str]:
    """One line of JSON per event, in trail order."""
    for stored in events:
        yield json.dumps(to_fhir(stored, version), separators=(",", ":"), sort_keys=True)


def write_ndjson(events: Iterable[StoredEvent], path: Path, version: FhirVersion = "R4") -> int:
    """Write the export to ``path``; return how many resources were written."""
    count = 0
    with path.open("w", encoding="utf-8") as handle:
        for line in to_ndjson(events, version):
            handle.write(line + "\n")
            count += 1
    return count


def _entry(resource: dict[str, Any], bundle_type: BundleType, base: str | None) -> dict[str, Any]:
    url = f"AuditEvent/{resource['id']}"
    entry: dict[str, Any] = {}
    if base is not None:
        entry["fullUrl"] = f"{base.rstrip('/')}/{url}"
    entry["resource"] = resource
    if bundle_type != "collection":
        entry["request"] = {"method": "PUT", "url": url}
    return entry


def validated_entries(
    entries: Sequence[dict[str, Any]], bundle_type: BundleType, version: FhirVersion
) -> list[dict[str, Any]]:
    """``entries`` as ``fhir.resources`` reads them back, checked as one Bundle of ``version``."""
    shell = {"resourceType": "Bundle", "type": bundle_type, "entry": list(entries)}
    checked = _bundle_model(version).model_validate(shell)
    return json.loads(checked.model_dump_json(exclude_none=True)).get("entry", [])  # type: ignore[no-any-return]


def bundle_chunks(
    events: Iterable[StoredEvent],
    *,
    version: FhirVersion = "R4",
    bundle_type: BundleType = "transaction",
    base: str | None = None,
) -> Iterator[list[dict[str, Any]]]:
    """The Bundle's entries, validated and yielded :data:`VALIDATE_CHUNK` at a time."""
    version = _check_version(version)
    if bundle_type not in BUNDLE_TYPES:
        raise ValueError(f"Bundle type {bundle_type!r}: choose one of {', '.join(BUNDLE_TYPES)}")
    build = _r5 if version == "R5" else _r4
    chunk: list[dict[str, Any]] = []
    for stored in events:
        chunk.append(_entry(build(stored), bundle_type, base))
        if len(chunk) == VALIDATE_CHUNK:
            yield validated_entries(chunk, bundle_type, version)
            chunk = []
    if chunk:
        yield validated_entries(chunk, bundle_type, version)


def write_bundle(
    events: Iterable[StoredEvent],
    path: Path,
    *,
    version: FhirVersion = "R4",
    bundle_type: BundleType = "transaction",
    base: str | None = None,
    now: datetime | None = None,
) -> int:
    """Write one FHIR ``Bundle`` of every event to ``path``; return how many entries it holds.

    ``transaction`` and ``batch`` Bundles carry a ``PUT AuditEvent/<id>`` request per
    entry, which a FHIR server applies as create-or-update; ``base`` (the receiving
    server's base URL) gives each entry its ``fullUrl``.
    """
    stamp = (now or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")
    head = {"resourceType": "Bundle", "type": bundle_type, "timestamp": stamp}
    # Validate the envelope once as written (no entries), then stream the entries into it.
    _bundle_model(_check_version(version)).model_validate(head)
    count = 0
    with path.open("w", encoding="utf-8") as handle:
        handle.write(json.dumps(head, separators=(",", ":"))[:-1])
        for chunk in bundle_chunks(events, version=version, bundle_type=bundle_type, base=base):
            for entry in chunk:
                # FHIR has no empty arrays: "entry" opens with the first entry, if there is one.
                handle.write("," if count else ',"entry":[')
                handle.write(json.dumps(entry, separators=(",", ":"), sort_keys=True))
                count += 1
        handle.write("]}\n" if count else "}\n")
    return count
