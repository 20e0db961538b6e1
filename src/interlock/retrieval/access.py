"""Access keys: the entitlement attributes of documents as a handful of countable keys.

A policy's scope is a predicate over (access class, region, line of business,
sensitivity). The documents of an index carry only a few hundred distinct tuples of
those, so each distinct tuple gets an *access key* (``search_access_keys``) with the
number of documents that carry it. Evaluating the scope over the key table, in SQL
and again in memory, gives in well under a millisecond both the exact set of
permitted keys and the exact number of permitted documents: the selectivity the
planner needs, without touching a document.

The permitted keys are then used in two ways (chosen by :func:`choose_text_path`):

* **restricted**: the scope becomes part of the full-text query
  (``... AND access_key : (k3 OR k17)``), so FTS5 intersects the query's postings with
  the permitted documents' postings and never visits a forbidden match. Cost grows
  with the permitted set; ideal for narrow scopes (Lucene's "filter first").
* **match_first**: FTS5 enumerates the query's matches and ``WHERE`` keeps those whose
  key is permitted, through the narrow ``search_access`` table, before any is ranked.
  Cost grows with the query's matches; ideal for wide scopes.

Both are exact: the key column has weight 0 in ``bm25()``, so a document scores the
same on either path, and both return the true top-k of the permitted set.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final, Literal

from sqlalchemy import Connection, func, select

from interlock.policy.values import DocumentAttributes, IndexFilter
from interlock.retrieval.scope import index_predicate
from interlock.retrieval.tables import access_keys

TextPath = Literal["empty", "restricted", "match_first", "threshold"]
KeyTuple = tuple[str, str | None, str | None, str | None]

#: The restricted path is chosen while the scope permits at most this share of the
#: documents in at most :data:`RESTRICTED_MAX_KEYS` keys. Both limits come from a sweep
#: over bench/retrieval_bench.py's 200,000 documents: the two paths cost the same at
#: about 3-4% of the documents in 8-12 keys (FTS5 merges one posting list per key);
#: below that restricted is up to 2.5x faster, above it match-first is, by 2.7x at 19%.
RESTRICTED_MAX_SHARE: Final = 0.03
RESTRICTED_MAX_KEYS: Final = 10


def key_token(key_id: int) -> str:
    """The token that stands for an access key in the FTS5 ``access_key`` column."""
    return f"k{key_id}"


def key_tuple(attrs: DocumentAttributes) -> KeyTuple:
    """The tuple an access key stands for."""
    return (attrs.access_class, attrs.region, attrs.line_of_business, attrs.sensitivity)


@dataclass(frozen=True, slots=True, kw_only=True)
class Selectivity:
    """What a scope permits in one index: its keys and how many documents they hold."""

    permitted_keys: tuple[int, ...]
    permitted_documents: int
    total_documents: int

    @property
    def share(self) -> float:
        """The permitted fraction of the indexed documents (0 for an empty index)."""
        return self.permitted_documents / self.total_documents if self.total_documents else 0.0


def choose_text_path(selectivity: Selectivity) -> TextPath:
    """Pick how BM25 candidates are generated for a scope of this selectivity (a pure rule)."""
    if selectivity.permitted_documents == 0 or not selectivity.permitted_keys:
        return "empty"
    if selectivity.share <= RESTRICTED_MAX_SHARE and len(selectivity.permitted_keys) <= RESTRICTED_MAX_KEYS:
        return "restricted"
    return "match_first"


def restricted_expression(user_expression: str, permitted_keys: Iterable[int]) -> str:
    """The FTS5 query of the restricted path: the user's words in the text, and a permitted key."""
    keys = " OR ".join(key_token(k) for k in sorted(permitted_keys))
    return f"({{title body}} : ({user_expression})) AND (access_key : ({keys}))"


def text_expression(user_expression: str) -> str:
    """The FTS5 query of the match-first path: the user's words, in the text columns only."""
    return f"{{title body}} : ({user_expression})"


def estimate(conn: Connection, index_filter: IndexFilter) -> Selectivity:
    """The keys ``index_filter`` permits and their document counts, read from the key table.

    The compiled SQL predicate selects the keys; each is then re-checked with the
    in-memory :meth:`IndexFilter.permits`, so a disagreement between the two fails
    closed (the key is left out).
    """
    total = conn.execute(select(func.coalesce(func.sum(access_keys.c.documents), 0))).scalar_one()
    rows = conn.execute(
        select(access_keys).where(index_predicate(index_filter, access_keys), access_keys.c.documents > 0)
    ).all()
    permitted = [
        (int(r.key_id), int(r.documents))
        for r in rows
        if index_filter.permits(
            DocumentAttributes(
                access_class=r.access_class,
                region=r.region,
                line_of_business=r.line_of_business,
                sensitivity=r.sensitivity,
            )
        )
    ]
    return Selectivity(
        permitted_keys=tuple(sorted(k for k, _ in permitted)),
        permitted_documents=sum(n for _, n in permitted),
        total_documents=int(total),
    )


class KeyBook:
    """Finds or creates access keys and keeps their document counts, inside one transaction."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._ids: dict[KeyTuple, int] = {
            (r.access_class, r.region, r.line_of_business, r.sensitivity): int(r.key_id)
            for r in conn.execute(select(access_keys))
        }
        self._delta: dict[int, int] = {}

    def key_for(self, attrs: DocumentAttributes) -> int:
        """The key of ``attrs``, created (with no documents yet) when it is new."""
        wanted = key_tuple(attrs)
        found = self._ids.get(wanted)
        if found is None:
            inserted = self._conn.execute(
                access_keys.insert().values(
                    access_class=attrs.access_class,
                    region=attrs.region,
                    line_of_business=attrs.line_of_business,
                    sensitivity=attrs.sensitivity,
                    documents=0,
                )
            ).inserted_primary_key
            assert inserted is not None
            found = int(inserted[0])
            self._ids[wanted] = found
        return found

    def count(self, key_id: int, delta: int) -> None:
        """Record that ``delta`` documents joined (or, negative, left) a key."""
        self._delta[key_id] = self._delta.get(key_id, 0) + delta

    def flush(self) -> None:
        """Write the accumulated count changes."""
        for key_id, delta in self._delta.items():
            if delta:
                self._conn.execute(
                    access_keys.update()
                    .where(access_keys.c.key_id == key_id)
                    .values(documents=access_keys.c.documents + delta)
                )
        self._delta.clear()
