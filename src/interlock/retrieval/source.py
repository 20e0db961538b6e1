"""Where the search index's documents come from: a domain's system of record.

The index never reads a system of record itself. A domain supplies a
:class:`DocumentSource` (``Domain.documents``) and sync and the retriever's live
re-check go through it, so the index stays the same for every domain.
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
