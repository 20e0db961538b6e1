"""The retrieval planner: BM25, dense or hybrid search under a principal's entitlements.

Every path applies the principal's compiled :class:`~interlock.policy.values.IndexFilter`
inside candidate generation, and chooses *how* from the scope's selectivity, read
exactly from the index's access-key counts (:mod:`interlock.retrieval.access`): a
narrow scope is pushed into the FTS5 query itself and scores only the permitted
vectors; a wide scope lets the full-text index enumerate matches and keeps only the
permitted ones before ranking. Every path is exact over the permitted set. Rankings
are fused by reciprocal rank fusion, then each returned claim document is re-checked
against the *live* system of record: a record whose access attributes changed since
the last sync is dropped, never served under the old ones.

Every retrieval reports its staleness (time since the last sync). A task may demand a
bound; when the index is older, ``on_stale`` says what to do: ``refuse`` (raise
:class:`~interlock.retrieval.freshness.StaleIndex`), ``refresh`` (sync first) or
``live`` (serve each returned document as it is in the system of record right now).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Literal

from interlock.clock import Clock, SystemClock
from interlock.exceptions import StaleIndex
from interlock.policy.document import PolicyDocument, default_policy
from interlock.policy.principal import Principal
from interlock.policy.values import DocumentAttributes, IndexFilter
from interlock.retrieval.access import TextPath
from interlock.retrieval.embeddings import EmbeddingClient, Vector
from interlock.retrieval.freshness import staleness, sync_index
from interlock.retrieval.index import Document, SearchIndex
from interlock.retrieval.source import DocumentSource, item_version
from interlock.retrieval.vectors import DensePath, DenseSearch
from interlock.task import item_id_for

SearchMode = Literal["auto", "bm25", "dense", "hybrid"]
StalePolicy = Literal["refuse", "refresh", "live"]
RRF_K = 60
_SOURCE_OF_KIND = {"note": "note", "policy": "policy", "claim_summary": "claim"}


@dataclass(frozen=True, slots=True, kw_only=True)
class SearchPlan:
    """How one query is answered: which rankers, how deep each looks, and how each met the scope.

    ``text_path`` and ``dense_path`` are filled in once the selectivity is known
    (``None`` for a ranker that did not run); ``permitted_documents`` of
    ``total_documents`` is the selectivity the planner saw.
    """

    mode: Literal["bm25", "dense", "hybrid"]
    k: int
    depth: int
    text_path: TextPath | None = None
    dense_path: DensePath | None = None
    permitted_documents: int = 0
    total_documents: int = 0


def plan_search(*, k: int, mode: SearchMode, dense_available: bool) -> SearchPlan:
    """Choose rankers: hybrid when vectors exist (unless told otherwise), else BM25.

    Both rankers are exact over the permitted set, so depth only matters for fusion:
    each contributes its top ``max(3k, 30)`` permitted candidates.
    """
    if mode in ("dense", "hybrid") and not dense_available:
        mode = "bm25"
    chosen: Literal["bm25", "dense", "hybrid"] = (
        ("hybrid" if dense_available else "bm25") if mode == "auto" else mode
    )
    return SearchPlan(mode=chosen, k=k, depth=k if chosen != "hybrid" else max(3 * k, 30))


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[str]], *, k_const: int = RRF_K
) -> list[tuple[str, float]]:
    """Fuse rankings: each id scores sum(1 / (k_const + rank)); ties broken by id."""
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, doc_id in enumerate(ranking, start=1):
            scores[doc_id] = scores.get(doc_id, 0.0) + 1.0 / (k_const + rank)
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))


def context_item_id(doc: Document) -> str:
    """The context item id a citation of ``doc`` uses (``source:id@version``)."""
    return item_id_for(_SOURCE_OF_KIND[doc.kind], doc.source_id, item_version(doc.source_version))


@dataclass(frozen=True, slots=True, kw_only=True)
class RetrievedDocument:
    """One permitted document, the id to cite it by, and its fused score."""

    document: Document
    item_id: str
    score: float


@dataclass(frozen=True, slots=True, kw_only=True)
class Retrieval:
    """The answer to one query, with what a reader needs to judge it.

    ``withheld`` counts results dropped because the live system of record no longer
    permits them (or no longer has them); when it is non-zero, fewer than ``k``
    results may come back and ``complete`` is false.
    """

    documents: tuple[RetrievedDocument, ...]
    plan: SearchPlan
    staleness: timedelta | None
    refreshed: bool
    read_live: bool
    withheld: int

    @property
    def complete(self) -> bool:
        """False when results were withheld after the live re-check."""
        return self.withheld == 0


class Retriever:
    """Entitlement-scoped, freshness-aware search over one index and its system of record."""

    def __init__(
        self,
        index: SearchIndex,
        source: DocumentSource,
        *,
        policy: PolicyDocument | None = None,
        clock: Clock | None = None,
        embedder: EmbeddingClient | None = None,
    ) -> None:
        self.index = index
        self.source = source
        self.policy = policy or default_policy()
        self.clock = clock or SystemClock()
        self.embedder = embedder
        self._dense: DenseSearch | None = None

    def retrieve(
        self,
        query: str,
        principal: Principal,
        *,
        k: int = 10,
        mode: SearchMode = "auto",
        max_staleness: timedelta | None = None,
        on_stale: StalePolicy = "refuse",
        kinds: frozenset[str] | None = None,
    ) -> Retrieval:
        """The ``k`` best documents for ``query`` that ``principal`` may see."""
        index_filter = self.policy.index_filter(principal)
        age = staleness(self.index, self.clock.now())
        refreshed = read_live = False
        if max_staleness is not None and (age is None or age > max_staleness):
            if on_stale == "refuse":
                shown = "never synced" if age is None else f"{age.total_seconds():.0f} s old"
                raise StaleIndex(
                    f"search index is {shown}; the task allows {max_staleness.total_seconds():.0f} s"
                )
            if on_stale == "refresh":
                sync_index(self.index, self.source, now=self.clock.now(), embedder=self.embedder)
                age, refreshed = timedelta(0), True
            else:
                read_live = True
        plan = plan_search(k=k, mode=mode, dense_available=self.embedder is not None)
        fused, plan = self._rank(query, index_filter, plan, kinds)
        docs = self.index.documents_by_id([d for d, _ in fused])
        ranked = [(docs[d], s) for d, s in fused if d in docs]
        kept, withheld = self._recheck(ranked, index_filter, live_text=read_live)
        return Retrieval(
            documents=tuple(kept[:k]),
            plan=plan,
            staleness=age,
            refreshed=refreshed,
            read_live=read_live,
            withheld=withheld,
        )

    def _rank(
        self, query: str, index_filter: IndexFilter, plan: SearchPlan, kinds: frozenset[str] | None
    ) -> tuple[list[tuple[str, float]], SearchPlan]:
        vector: Vector | None = None
        if plan.mode in ("dense", "hybrid") and self.embedder is not None:
            vector = self.embedder.embed([query])[0]
            if self._dense is None or self._dense.model_id != self.embedder.model_id:
                self._dense = self.index.dense_index(self.embedder.model_id)
        return rank(self.index, self._dense, query, vector, index_filter, plan, kinds)

    def _recheck(
        self, ranked: list[tuple[Document, float]], index_filter: IndexFilter, *, live_text: bool
    ) -> tuple[list[RetrievedDocument], int]:
        claim_ids = [d.claim_id for d, _ in ranked if d.claim_id is not None]
        live = self.source.live_attributes(claim_ids)
        fresh = {d.doc_id: d for d in self.source.load([d.doc_id for d, _ in ranked])} if live_text else {}
        kept: list[RetrievedDocument] = []
        withheld = 0
        for doc, score in ranked:
            current = fresh.get(doc.doc_id) if live_text else doc
            if current is None:
                withheld += 1
                continue
            attrs = current.attributes
            if current.claim_id is not None:
                now = live.get(current.claim_id)
                attrs = (
                    DocumentAttributes(
                        access_class="claim",
                        region=now.region,
                        line_of_business=now.line_of_business,
                        sensitivity=now.sensitivity,
                    )
                    if now is not None
                    else DocumentAttributes(access_class="claim")  # vanished: fails closed
                )
            if not (index_filter.permits(attrs) and index_filter.permits(doc.attributes)):
                withheld += 1
                continue
            kept.append(RetrievedDocument(document=current, item_id=context_item_id(current), score=score))
        return kept, withheld


def rank(
    index: SearchIndex,
    dense: DenseSearch | None,
    query: str,
    vector: Vector | None,
    index_filter: IndexFilter,
    plan: SearchPlan,
    kinds: frozenset[str] | None = None,
) -> tuple[list[tuple[str, float]], SearchPlan]:
    """Run the plan's rankers under ``index_filter`` and fuse them; the plan comes back with its paths.

    The selectivity is read once and shared by both rankers, so they see the same
    permitted keys.
    """
    depth = plan.depth if kinds is None else plan.depth * 4
    selectivity = index.selectivity(index_filter)
    rankings: list[list[str]] = []
    text_path: TextPath | None = None
    dense_path: DensePath | None = None
    if plan.mode in ("bm25", "hybrid"):
        found = index.search_planned(query, index_filter, k=depth, selectivity=selectivity)
        text_path = found.path
        rankings.append([h.document.doc_id for h in found.hits if kinds is None or h.document.kind in kinds])
    if plan.mode in ("dense", "hybrid") and dense is not None and vector is not None:
        scored, dense_path = dense.search(vector, selectivity, k=depth)
        rankings.append(
            [d for d, _ in scored if kinds is None or d.split(":", 1)[0] in _kind_prefixes(kinds)]
        )
    chosen = replace(
        plan,
        text_path=text_path,
        dense_path=dense_path,
        permitted_documents=selectivity.permitted_documents,
        total_documents=selectivity.total_documents,
    )
    return reciprocal_rank_fusion(rankings), chosen


def _kind_prefixes(kinds: frozenset[str]) -> frozenset[str]:
    return frozenset(_SOURCE_OF_KIND[k] for k in kinds)
