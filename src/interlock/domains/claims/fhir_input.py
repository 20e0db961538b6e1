"""What a sender posts as a claim: a ``Claim``, or a ``Bundle`` carrying one, and what it references.

Payers receive claims in more than one shape. A clearinghouse sends a bare ``Claim``
whose patient is ``Patient/<member id>``; an EHR or Synthea sends a transaction or
collection ``Bundle`` with the Claim's Patient, Coverage, Organization, Practitioner,
Condition and Encounter beside it, referenced by ``urn:uuid:`` full URLs, by
``Organization/1`` style relative references or by conditional references
(``Organization?identifier=system|value``). This module reads the body once (JSON
numbers as :class:`~decimal.Decimal`, never a float), finds the one Claim and lets the
mapper resolve each reference to the resource it names, wherever the sender put it.

Every resource that is resolved is validated with its ``fhir.resources`` R4B model, so
a malformed Patient is refused by its path like a malformed Claim. Entries nobody
references are not read: a Synthea patient bundle carries hundreds of observations
that are not part of the claim.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Final

from fhir.resources.R4B.claim import Claim
from fhir.resources.R4B.condition import Condition
from fhir.resources.R4B.coverage import Coverage
from fhir.resources.R4B.encounter import Encounter
from fhir.resources.R4B.fhirresourcemodel import FHIRResourceModel
from fhir.resources.R4B.organization import Organization
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.practitioner import Practitioner
from fhir.resources.R4B.reference import Reference
from pydantic import ValidationError

#: Bundle types whose entries together make one submission.
BUNDLE_TYPES: Final = ("transaction", "collection")
#: The resources a claim may reference and Interlock reads, with their R4B models.
MODELS: Final[dict[str, type[FHIRResourceModel]]] = {
    "Patient": Patient,
    "Coverage": Coverage,
    "Organization": Organization,
    "Practitioner": Practitioner,
    "Condition": Condition,
    "Encounter": Encounter,
}
#: Interlock's own words for a resource that is not a claim, so the sender learns what to send.
WRONG_TYPE: Final[dict[str, str]] = {
    "ClaimResponse": "a ClaimResponse is the answer to a claim, not a claim: send the Claim itself",
    "ExplanationOfBenefit": "an ExplanationOfBenefit is a payer's account of a decided claim: send the Claim",
    "Bundle": "send a Claim, or a transaction or collection Bundle carrying one",
}
_TYPE_SHAPE: Final = re.compile(r"^[A-Z][A-Za-z]{1,63}$")
_RELATIVE: Final = re.compile(r"^(?:.*/)?([A-Z][A-Za-z]+)/([A-Za-z0-9\-.]{1,64})(?:/_history/[^/]+)?$")


@dataclass(frozen=True, slots=True, kw_only=True)
class Unmappable:
    """One element of what was sent that cannot be validated, resolved or kept, and why.

    ``code`` is the FHIR ``OperationOutcome`` issue type the problem is reported as
    (``invalid``, ``structure``, ``not-supported``, ``code-invalid``, ``not-found``...).
    """

    path: str
    reason: str
    code: str = "invalid"


@dataclass(frozen=True, slots=True, kw_only=True)
class Found:
    """A resource a reference resolved to: its type, its JSON, where it sits, its model."""

    resource_type: str
    raw: dict[str, Any]
    path: str
    model: FHIRResourceModel | None


def fhir_path(loc: Sequence[int | str], root: str = "Claim") -> str:
    """``("item", 0, "net")`` as the FHIR path ``Claim.item[0].net`` (or under another root)."""
    path = root
    for part in loc:
        name = "resourceType" if part == "resource_type" else str(part)
        path += f"[{part}]" if isinstance(part, int) else f".{name}"
    return path


def validation_problems(exc: ValidationError, root: str) -> list[Unmappable]:
    """A model's validation errors as problems named by FHIR path under ``root``."""
    return [
        Unmappable(
            path=fhir_path([p for p in e["loc"] if p != "__root__"], root),
            reason=" ".join(str(e["msg"]).split()),
            code="structure",
        )
        for e in exc.errors()
    ]


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def read_json(raw: bytes) -> tuple[Any, list[Unmappable]]:
    """The body as JSON, every number with a fraction a :class:`Decimal` read from its text.

    Amounts must never pass through a binary float: ``0.1 + 0.2`` is not ``0.3`` there,
    and a claim is paid to the cent. NaN and Infinity are not JSON and are refused.
    """
    try:
        return json.loads(raw, parse_float=Decimal, parse_constant=_no_constant), []
    except (ValueError, UnicodeDecodeError) as exc:
        reason = "the body is not JSON" + (f" ({exc.msg})" if isinstance(exc, json.JSONDecodeError) else "")
        return None, [Unmappable(path="Claim", reason=reason, code="structure")]


@dataclass(slots=True)
class Submission:
    """The one Claim that was sent, with what it may reference (its contained resources, the Bundle).

    ``root`` is the FHIR path of the Claim in what was posted: ``Claim`` for a bare
    resource, ``Bundle.entry[2].resource`` for one inside a Bundle, so each problem is
    named where the sender can find it.
    """

    claim: Claim
    raw: dict[str, Any]
    root: str = "Claim"
    full_url: str | None = None
    entries: list[tuple[str, dict[str, Any], str | None]] = field(default_factory=list)
    problems: list[Unmappable] = field(default_factory=list)
    _cache: dict[str, Found] = field(default_factory=dict)

    def at(self, path: str) -> str:
        """A mapper path (``Claim.item[0]``) as the path in what was posted."""
        return self.root + path.removeprefix("Claim") if path.startswith("Claim") else path

    def resolve(self, ref: Reference | None, path: str, wanted: Sequence[str]) -> Found | None:
        """The contained or bundled resource ``ref`` names, validated; None when it names none here.

        A reference that names a resource of another type than ``wanted``, or a resource
        that is not valid FHIR, adds a problem and resolves to None.
        """
        if ref is None or not ref.reference:
            return None
        text = str(ref.reference)
        found = self._find(text)
        if found is None:
            return None
        resource_type, raw, where = found
        if resource_type not in wanted:
            self.problems.append(
                Unmappable(
                    path=self.at(f"{path}.reference"),
                    reason=f"references a {resource_type}, where a {' or '.join(wanted)} is expected",
                    code="invalid",
                )
            )
            return None
        if where in self._cache:
            return self._cache[where]
        model = MODELS.get(resource_type)
        validated: FHIRResourceModel | None = None
        if model is not None:
            try:
                validated = model.model_validate(raw)
            except ValidationError as exc:
                self.problems.extend(validation_problems(exc, where))
                return None
        result = Found(resource_type=resource_type, raw=raw, path=where, model=validated)
        self._cache[where] = result
        return result

    def _find(self, text: str) -> tuple[str, dict[str, Any], str] | None:
        if text.startswith("#"):
            for i, res in enumerate(self.raw.get("contained") or ()):
                if isinstance(res, dict) and res.get("id") == text[1:]:
                    return str(res.get("resourceType")), res, self.at(f"Claim.contained[{i}]")
            return None
        for path, res, full_url in self.entries:
            if full_url is not None and full_url == text:
                return str(res.get("resourceType")), res, path
        if "?" in text:
            return self._conditional(text)
        match = _RELATIVE.match(text)
        if match is None:
            return None
        kind, ident = match.groups()
        for path, res, full_url in self.entries:
            same = res.get("resourceType") == kind and res.get("id") == ident
            if same or (full_url is not None and full_url.endswith(f"/{kind}/{ident}")):
                return kind, res, path
        for i, res in enumerate(self.raw.get("contained") or ()):
            # A contained resource is addressed by "#id"; senders also write "Kind/id".
            if isinstance(res, dict) and res.get("resourceType") == kind and res.get("id") == ident:
                return kind, res, self.at(f"Claim.contained[{i}]")
        return None

    def _conditional(self, text: str) -> tuple[str, dict[str, Any], str] | None:
        """``Organization?identifier=system|value`` resolved to the one bundled match, if there is one."""
        kind = text.partition("?")[0]
        wanted = conditional_identifier(text)
        if wanted is None:
            return None
        matches = [
            (path, res)
            for path, res, _ in self.entries
            if res.get("resourceType") == kind and has_identifier(res, *wanted)
        ]
        if len(matches) != 1:
            return None
        return kind, matches[0][1], matches[0][0]


def conditional_identifier(text: str) -> tuple[str | None, str] | None:
    """The ``(system, value)`` of a conditional reference ``Kind?identifier=system|value``."""
    _, _, query = text.partition("?")
    if not query.startswith("identifier=") or "&" in query:
        return None
    token = query.removeprefix("identifier=")
    if "|" in token:
        system, _, value = token.partition("|")
        return (system or None), value
    return None, token


def has_identifier(resource: dict[str, Any], system: str | None, value: str) -> bool:
    """True when ``resource`` carries an identifier of ``value`` (in ``system``, when given)."""
    for ident in resource.get("identifier") or ():
        same = isinstance(ident, dict) and ident.get("value") == value
        if same and (system is None or ident.get("system") == system):
            return True
    return False


def read_submission(raw: bytes) -> Submission | list[Unmappable]:
    """The Claim of a posted body (bare or in a Bundle), validated; or every problem found."""
    data, unreadable = read_json(raw)
    if unreadable:
        return unreadable
    if not isinstance(data, dict):
        return [Unmappable(path="Claim", reason="send one FHIR resource: a JSON object", code="structure")]
    kind = data.get("resourceType")
    if kind == "Bundle":
        return _from_bundle(data)
    if kind != "Claim":
        # The type is named back only when it is shaped like one: it is the sender's text.
        named = kind if isinstance(kind, str) and _TYPE_SHAPE.match(kind) else None
        if named in WRONG_TYPE:
            reason = WRONG_TYPE[named]
        elif named:
            reason = f"a {named} is not a claim: {WRONG_TYPE['Bundle']}"
        else:
            reason = f"resourceType is missing or not a FHIR type: {WRONG_TYPE['Bundle']}"
        return [Unmappable(path="Claim.resourceType", reason=reason, code="invalid")]
    return _claim(data, "Claim", None, [])


def _claim(
    data: dict[str, Any],
    root: str,
    full_url: str | None,
    entries: list[tuple[str, dict[str, Any], str | None]],
) -> Submission | list[Unmappable]:
    try:
        claim = Claim.model_validate(data)
    except ValidationError as exc:
        return validation_problems(exc, root)
    return Submission(claim=claim, raw=data, root=root, full_url=full_url, entries=entries)


def _from_bundle(data: dict[str, Any]) -> Submission | list[Unmappable]:
    problems: list[Unmappable] = []
    if data.get("type") not in BUNDLE_TYPES:
        shown = (
            data.get("type")
            if isinstance(data.get("type"), str) and len(str(data.get("type"))) < 32
            else None
        )
        problems.append(
            Unmappable(
                path="Bundle.type",
                reason=f"a claim is sent in a transaction or collection Bundle, not {shown or 'this type'}",
                code="not-supported",
            )
        )
    raw_entries = data.get("entry")
    entries: list[tuple[str, dict[str, Any], str | None]] = []
    for i, entry in enumerate(raw_entries if isinstance(raw_entries, list) else ()):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict):
            problems.append(
                Unmappable(
                    path=f"Bundle.entry[{i}].resource",
                    reason="each entry carries a resource",
                    code="structure",
                )
            )
            continue
        full_url = entry.get("fullUrl") if isinstance(entry.get("fullUrl"), str) else None
        entries.append((f"Bundle.entry[{i}].resource", resource, full_url))
    claims = [e for e in entries if e[1].get("resourceType") == "Claim"]
    if not claims:
        problems.append(
            Unmappable(
                path="Bundle.entry",
                reason="the Bundle carries no Claim: send the Claim with the resources it references",
                code="required",
            )
        )
    for path, _, _ in claims[1:]:
        problems.append(
            Unmappable(
                path=path, reason="one Claim per Bundle: send each claim on its own", code="not-supported"
            )
        )
    if problems:
        return problems
    path, resource, full_url = claims[0]
    return _claim(resource, path, full_url, entries)
