"""Searchable documents read from the reference system of record, for the search index.

Three kinds of document come from the system of record: clinical notes, medical
policies and claim summaries (built from a claim's header, lines and diagnoses, with
no member PHI). Each carries its source record's version and access attributes, so
that sync can apply only what changed and the index can filter by entitlement.

Versions compared by sync: ``claims.version`` and ``claims.status`` for claim
summaries (Interlock's own write changes a claim's status and adds its adjudication
without a new version, so the status is part of what sync compares, and the summary
names the decision), a note's ``written_at`` together with its claim's version (the
platform bumps the claim's version whenever a note changes), and
``medical_policies.updated_at``. A version is ``item|more``: the part before ``|``
is the context item's version that citations name.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ColumnElement, Engine, select

from interlock.domains.claims import schema as t
from interlock.policy.values import ClaimAttributes, DocumentAttributes
from interlock.retrieval.index import Document

_CHUNK = 500


def _iso(value: datetime | str) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


def _summary_version(row: object) -> str:
    """A claim summary's source version: the claim's version, then its status (``v3|adjudicated``)."""
    m = row._mapping  # type: ignore[attr-defined]
    return f"v{m['version']}|{m['status']}"


def _decision(outcome: str, carc_code: str | None) -> str:
    """The decision a claim summary names: the outcome, and the CARC of a denial."""
    return f"{outcome} (CARC {carc_code})" if carc_code else str(outcome)


def _claim_attrs(row: object) -> DocumentAttributes:
    m = row._mapping  # type: ignore[attr-defined]
    return DocumentAttributes(
        access_class="claim",
        region=str(m["region"]),
        line_of_business=str(m["line_of_business"]),
        sensitivity=str(m["sensitivity"]),
    )


class SqlDocumentSource:
    """Reads document keys, documents and live access attributes from a system of record."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def keys(self) -> dict[str, tuple[str, DocumentAttributes]]:
        """Every document's id, source version and access attributes, without text."""
        found: dict[str, tuple[str, DocumentAttributes]] = {}
        c, n, p = t.claims, t.clinical_notes, t.medical_policies
        with self.engine.connect() as conn:
            for crow in conn.execute(
                select(
                    c.c.claim_id, c.c.version, c.c.status, c.c.region, c.c.line_of_business, c.c.sensitivity
                )
            ):
                found[f"claim:{crow.claim_id}"] = (_summary_version(crow), _claim_attrs(crow))
            notes = select(
                n.c.note_id, n.c.written_at, c.c.version, c.c.region, c.c.line_of_business, c.c.sensitivity
            ).join(c, c.c.claim_id == n.c.claim_id)
            for nrow in conn.execute(notes):
                found[f"note:{nrow.note_id}"] = (
                    f"{_iso(nrow.written_at)}|v{nrow.version}",
                    _claim_attrs(nrow),
                )
            for prow in conn.execute(select(p.c.policy_id, p.c.updated_at)):
                found[f"policy:{prow.policy_id}"] = (
                    _iso(prow.updated_at),
                    DocumentAttributes(access_class="reference"),
                )
        return found

    def load(self, doc_ids: Iterable[str]) -> list[Document]:
        """The full documents for these ids (ids that vanished meanwhile are skipped)."""
        by_kind: dict[str, list[str]] = {"claim": [], "note": [], "policy": []}
        for doc_id in doc_ids:
            kind, _, source_id = doc_id.partition(":")
            by_kind.setdefault(kind, []).append(source_id)
        docs: list[Document] = []
        for i in range(0, len(by_kind["claim"]), _CHUNK):
            docs += self._claims(by_kind["claim"][i : i + _CHUNK])
        for i in range(0, len(by_kind["note"]), _CHUNK):
            docs += self._notes(by_kind["note"][i : i + _CHUNK])
        for i in range(0, len(by_kind["policy"]), _CHUNK):
            docs += self._policies(by_kind["policy"][i : i + _CHUNK])
        return docs

    def record_documents(self, record_ids: Sequence[str]) -> list[Document]:
        """The summaries and notes of these claims, as they are now (a claim that is gone has none)."""
        claim_ids = sorted(set(record_ids))
        docs: list[Document] = []
        for i in range(0, len(claim_ids), _CHUNK):
            chunk = claim_ids[i : i + _CHUNK]
            docs += self._claims(chunk)
            docs += self._notes_where(t.clinical_notes.c.claim_id.in_(chunk))
        return docs

    def live_attributes(self, claim_ids: Sequence[str]) -> dict[str, ClaimAttributes]:
        """The current access attributes of these claims; a missing claim is absent."""
        if not claim_ids:
            return {}
        c = t.claims
        query = select(c.c.claim_id, c.c.region, c.c.line_of_business, c.c.sensitivity).where(
            c.c.claim_id.in_(sorted(set(claim_ids)))
        )
        with self.engine.connect() as conn:
            return {
                str(r.claim_id): ClaimAttributes(
                    region=str(r.region),
                    line_of_business=str(r.line_of_business),
                    sensitivity=str(r.sensitivity),
                )
                for r in conn.execute(query)
            }

    def _claims(self, claim_ids: Sequence[str]) -> list[Document]:
        c, ln, dx, pr, adj = t.claims, t.claim_lines, t.claim_diagnoses, t.procedures, t.adjudications
        with self.engine.connect() as conn:
            headers = conn.execute(select(c).where(c.c.claim_id.in_(claim_ids))).all()
            decided = {
                (str(a.claim_id), int(a.claim_version)): _decision(a.outcome, a.carc_code)
                for a in conn.execute(
                    select(adj.c.claim_id, adj.c.claim_version, adj.c.outcome, adj.c.carc_code).where(
                        adj.c.claim_id.in_(claim_ids)
                    )
                )
            }
            lines: dict[str, list[str]] = {}
            for r in conn.execute(
                select(ln.c.claim_id, ln.c.procedure_code, ln.c.units, ln.c.billed_amount, pr.c.description)
                .outerjoin(pr, pr.c.procedure_code == ln.c.procedure_code)
                .where(ln.c.claim_id.in_(claim_ids))
                .order_by(ln.c.claim_id, ln.c.line_no)
            ):
                billed = Decimal(r.billed_amount).quantize(Decimal("0.01"))
                lines.setdefault(str(r.claim_id), []).append(
                    f"{r.procedure_code} {r.description or 'unknown procedure'} x{r.units} billed {billed}"
                )
            diagnoses: dict[str, list[str]] = {}
            for d in conn.execute(
                select(dx.c.claim_id, dx.c.icd10_code).where(dx.c.claim_id.in_(claim_ids)).order_by(dx.c.seq)
            ):
                diagnoses.setdefault(str(d.claim_id), []).append(str(d.icd10_code))
        docs = []
        for h in headers:
            cid = str(h.claim_id)
            body = (
                f"Claim {cid}: service on {h.service_date}, received {h.received_date}, "
                f"place of service {h.place_of_service}, status {h.status}. "
                f"Lines: {'; '.join(lines.get(cid, [])) or 'none'}. "
                f"Diagnoses: {', '.join(diagnoses.get(cid, [])) or 'none'}. "
                f"Total billed {Decimal(h.total_billed).quantize(Decimal('0.01'))}."
            )
            if (decision := decided.get((cid, int(h.version)))) is not None:
                body += f" Decision: {decision}."
            attrs = _claim_attrs(h)
            docs.append(
                Document(
                    doc_id=f"claim:{cid}",
                    kind="claim_summary",
                    source_id=cid,
                    claim_id=cid,
                    access_class="claim",
                    region=attrs.region,
                    line_of_business=attrs.line_of_business,
                    sensitivity=attrs.sensitivity,
                    source_version=_summary_version(h),
                    title=f"Claim {cid}",
                    body=body,
                )
            )
        return docs

    def _notes(self, note_ids: Sequence[str]) -> list[Document]:
        return self._notes_where(t.clinical_notes.c.note_id.in_(note_ids))

    def _notes_where(self, condition: ColumnElement[bool]) -> list[Document]:
        c, n = t.claims, t.clinical_notes
        query = (
            select(n, c.c.version, c.c.region, c.c.line_of_business, c.c.sensitivity)
            .join(c, c.c.claim_id == n.c.claim_id)
            .where(condition)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [
            Document(
                doc_id=f"note:{r.note_id}",
                kind="note",
                source_id=str(r.note_id),
                claim_id=str(r.claim_id),
                access_class="claim",
                region=str(r.region),
                line_of_business=str(r.line_of_business),
                sensitivity=str(r.sensitivity),
                source_version=f"{_iso(r.written_at)}|v{r.version}",
                title=f"Note {r.note_id} on claim {r.claim_id}",
                body=str(r.body or ""),
            )
            for r in rows
        ]

    def _policies(self, policy_ids: Sequence[str]) -> list[Document]:
        p = t.medical_policies
        with self.engine.connect() as conn:
            rows = conn.execute(select(p).where(p.c.policy_id.in_(policy_ids))).all()
        return [
            Document(
                doc_id=f"policy:{r.policy_id}",
                kind="policy",
                source_id=str(r.policy_id),
                claim_id=None,
                access_class="reference",
                region=None,
                line_of_business=None,
                sensitivity=None,
                source_version=_iso(r.updated_at),
                title=str(r.title),
                body=str(r.body),
            )
            for r in rows
        ]
