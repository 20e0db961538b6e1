"""Where the search index's documents come from: a domain's system of record.

The index never reads a system of record itself. A domain supplies a
:class:`DocumentSource` (``Domain.documents``) and sync, the retriever's live
re-check and the follower of writes (:mod:`interlock.retrieval.follow`) go through
it, so the index stays the same for every domain.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol

from interlock.policy.values import ClaimAttributes, DocumentAttributes
from interlock.retrieval.index import Document

__all__ = ["DocumentSource", "item_version"]


class DocumentSource(Protocol):
    """Reads document keys, documents and live access attributes from a system of record."""

    def keys(self) -> dict[str, tuple[str, DocumentAttributes]]:
        """Every document's id, source version and access attributes, without text."""
        ...

    def load(self, doc_ids: Iterable[str]) -> list[Document]:
        """The full documents for these ids (ids that vanished meanwhile are skipped)."""
        ...

    def record_documents(self, record_ids: Sequence[str]) -> list[Document]:
        """Every document that belongs to these records, as it is now (a record that is gone has none).

        The per-record form of :meth:`keys` and :meth:`load` together: after Interlock
        writes a record, only that record's documents need comparing with the index.
        Each document's ``claim_id`` names the record it belongs to, which is how the
        index finds the ones it holds for the record. Documents that belong to no
        record (reference documents) are never among them.
        """
        ...

    def live_attributes(self, record_ids: Sequence[str]) -> Mapping[str, ClaimAttributes]:
        """The current access attributes of these records; a missing record is absent."""
        ...


def item_version(source_version: str) -> str:
    """The context-item version inside a document's source version (before any ``|``).

    A source version may carry more than the item's own version (a note's is its
    write time and its record's version), so that sync sees every change; a citation
    names only the item's part.
    """
    return source_version.split("|", 1)[0]
