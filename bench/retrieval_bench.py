"""Entitlement-scoped retrieval against naive post-filtering, measured in the same run.

Builds a search index of N generated documents (~30 words, zipf vocabulary; 50 regions
x 5 lines of business; 5% sensitive) with a synthetic clustered 384-d vector each (no
model download), then for three analysts whose scopes permit ~0.4%, ~2% and ~19% of
the documents runs the same queries several ways:

* truth: every match (or every vector) scored, filtered by the policy in memory, top 10;
* interlock BM25 as planned, and each BM25 path forced (restricted / match_first), so
  the planner's choice is judged against the alternative in the same run;
* the single BM25 path used before the planner (MATCH joined to the document table,
  the compiled predicate in WHERE), as the baseline;
* interlock dense: exact cosine over the permitted key ranges;
* naive: unfiltered top-M (M = 100) then filter, for BM25 and for vectors;
* hybrid: BM25 + dense fused by RRF, as the retriever runs it (without the live re-check,
  which needs a system of record).

Writes JSON (``--out``) with the load average before and after, and prints a table.
Usage::

    .venv/bin/python bench/retrieval_bench.py --docs 200000 --queries 100 --out bench/retrieval.json
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TypeVar

import numpy as np
import numpy.typing as npt
from sqlalchemy import bindparam, column, func, literal_column, select, table, text

from interlock.db import make_engine
from interlock.policy.entitlements import index_filter
from interlock.policy.principal import staff_principal
from interlock.policy.values import DocumentAttributes, IndexFilter
from interlock.retrieval.access import TextPath, text_expression
from interlock.retrieval.index import Document, SearchIndex, documents, match_expression
from interlock.retrieval.planner import plan_search, rank
from interlock.retrieval.scope import index_predicate
from interlock.retrieval.vectors import DenseIndex, DensePath, store_vectors

REGIONS = [f"r{i:02d}" for i in range(50)]
LOBS = ["commercial", "medicare_advantage", "medicaid", "dual", "exchange"]
SENSITIVE = ["behavioral_health", "substance_use", "hiv"]
K, NAIVE_M, DIM, CLUSTERS = 10, 100, 384, 256
MODEL = "bench:clustered-384"
Matrix = npt.NDArray[np.float32]
T = TypeVar("T")
HYBRID = plan_search(k=K, mode="hybrid", dense_available=True)


VOCAB = [f"w{i}" for i in range(5000)]


def load(index: SearchIndex) -> tuple[list[DocumentAttributes], Matrix]:
    """The attributes and unit vectors of an index built earlier by :func:`build` (``--db``)."""
    with index.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT region, line_of_business, sensitivity FROM search_documents ORDER BY doc_rowid")
        ).all()
        blobs = conn.execute(text("SELECT vector FROM search_vectors ORDER BY doc_rowid")).scalars().all()
    attrs = [
        DocumentAttributes(
            access_class="claim",
            region=r.region,
            line_of_business=r.line_of_business,
            sensitivity=r.sensitivity,
        )
        for r in rows
    ]
    return attrs, np.vstack([np.frombuffer(b, dtype=np.float32) for b in blobs])


def build(
    index: SearchIndex, n: int, rng: random.Random
) -> tuple[list[str], list[DocumentAttributes], Matrix]:
    """Index ``n`` generated documents and their vectors; return vocabulary, attributes, unit vectors."""
    vocab = VOCAB
    weights = [1.0 / (i + 1) ** 1.05 for i in range(len(vocab))]
    nrng = np.random.default_rng(rng.randrange(2**32))
    centers = nrng.standard_normal((CLUSTERS, DIM)).astype(np.float32)
    attrs: list[DocumentAttributes] = []
    batch: list[Document] = []
    for i in range(1, n + 1):
        sens = rng.choice(SENSITIVE) if rng.random() < 0.05 else "none"
        doc = Document(
            doc_id=f"note:{i}",
            kind="note",
            source_id=str(i),
            claim_id=f"C{i}",
            access_class="claim",
            region=rng.choice(REGIONS),
            line_of_business=rng.choice(LOBS),
            sensitivity=sens,
            source_version="v1",
            title="",
            body=" ".join(rng.choices(vocab, weights, k=30)),
        )
        attrs.append(doc.attributes)
        batch.append(doc)
        if len(batch) == 10_000 or i == n:
            with index.engine.begin() as conn:
                index.upsert(conn, batch)
            batch = []
    labels = nrng.integers(0, CLUSTERS, size=n)
    vecs = centers[labels] + 0.6 * nrng.standard_normal((n, DIM)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    with index.engine.connect() as conn:
        rowid_of = {
            str(r.doc_id): int(r.doc_rowid)
            for r in conn.execute(text("SELECT doc_id, doc_rowid FROM search_documents"))
        }
    for start in range(0, n, 10_000):
        store_vectors(
            index, MODEL, [(rowid_of[f"note:{i + 1}"], vecs[i]) for i in range(start, min(n, start + 10_000))]
        )
    return vocab, attrs, vecs


def filters() -> dict[str, IndexFilter]:
    """Three analysts whose assignments permit ~0.4%, ~2% and ~19% of documents."""
    pairs = [(r, lob) for r in REGIONS for lob in LOBS]
    chosen = {"narrow": pairs[:1], "mid": pairs[:5], "wide": pairs[:50]}
    return {
        name: index_filter(
            staff_principal(
                staff_id=name, role="analyst", active=True, assignments=frozenset(p), privileges=frozenset()
            )
        )
        for name, p in chosen.items()
    }


_ALL = text(
    "SELECT d.doc_id, d.region, d.line_of_business, d.sensitivity, bm25(search_fts, 1.0, 1.0, 0.0) AS s "
    "FROM search_fts JOIN search_documents d ON d.doc_rowid = search_fts.rowid "
    "WHERE search_fts MATCH :q ORDER BY s, d.doc_rowid"
)


def all_matches(index: SearchIndex, query: str) -> list[tuple[str, DocumentAttributes]]:
    """Every match in bm25 order, unfiltered (ground truth and the naive baseline use it)."""
    expression = match_expression(query)
    assert expression is not None
    with index.engine.connect() as conn:
        rows = conn.execute(_ALL, {"q": text_expression(expression)}).all()
    return [
        (
            str(r.doc_id),
            DocumentAttributes(
                access_class="claim",
                region=r.region,
                line_of_business=r.line_of_business,
                sensitivity=r.sensitivity,
            ),
        )
        for r in rows
    ]


def previous_join(index: SearchIndex, query: str, flt: IndexFilter) -> list[str]:
    """The single path used before the planner: MATCH joined to the document table, predicate in WHERE."""
    expression = match_expression(query)
    assert expression is not None
    score = func.bm25(literal_column("search_fts"), 1.0, 1.0, 0.0).label("s")
    fts = table("search_fts", column("rowid"))
    statement = (
        select(documents.c.doc_id, score)
        .select_from(documents.join(fts, fts.c.rowid == documents.c.doc_rowid))
        .where(literal_column("search_fts").op("MATCH")(bindparam("q")))
        .where(index_predicate(flt, documents))
        .order_by(score, documents.c.doc_rowid)
        .limit(K)
    )
    with index.engine.connect() as conn:
        return [str(r.doc_id) for r in conn.execute(statement, {"q": text_expression(expression)})]


def naive_text(index: SearchIndex, query: str, flt: IndexFilter) -> list[str]:
    """Top-M unfiltered, then filtered: the baseline that loses results."""
    expression = match_expression(query)
    assert expression is not None
    sql = text(str(_ALL) + " LIMIT :m")
    with index.engine.connect() as conn:
        rows = conn.execute(sql, {"q": text_expression(expression), "m": NAIVE_M}).all()
    keep = [
        r.doc_id
        for r in rows
        if flt.permits(
            DocumentAttributes(
                access_class="claim",
                region=r.region,
                line_of_business=r.line_of_business,
                sensitivity=r.sensitivity,
            )
        )
    ]
    return keep[:K]


def top_ids(scores: Matrix, k: int) -> list[int]:
    """Row positions of the ``k`` best finite scores, best first."""
    k = min(k, int(np.isfinite(scores).sum()))
    if k <= 0:
        return []
    top = np.argpartition(-scores, k - 1)[:k]
    return [int(i) for i in top[np.argsort(-scores[top], kind="stable")]]


def dense_search(
    index: SearchIndex, dense: DenseIndex, vector: Matrix, flt: IndexFilter
) -> tuple[list[tuple[str, float]], DensePath]:
    """What the retriever does for a dense query: read the selectivity, score the permitted ranges."""
    return dense.search(vector, index.selectivity(flt), k=K)


def pct(values: list[float], q: float) -> float:
    """The ``q`` quantile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def timed(fn: Callable[[], T]) -> tuple[T, float]:
    """``fn()`` and its wall time in milliseconds."""
    started = time.perf_counter()
    value = fn()
    return value, (time.perf_counter() - started) * 1000


def summary(recalls: list[float], latencies: list[float], **extra: object) -> dict[str, object]:
    """Mean recall@10 and p50/p95 latency of one method on one filter."""
    return {
        "recall_at_10": round(statistics.fmean(recalls), 4) if recalls else None,
        "p50_ms": round(pct(latencies, 0.5), 2),
        "p95_ms": round(pct(latencies, 0.95), 2),
        **extra,
    }


def recall(truth: list[str], got: list[str]) -> float | None:
    """|truth ∩ got| / |truth|, or None when nothing is permitted and relevant."""
    return len(set(truth) & set(got)) / len(truth) if truth else None


def run_filter(
    index: SearchIndex,
    dense: DenseIndex,
    flt: IndexFilter,
    texts: list[str],
    vectors: list[Matrix],
    attrs: list[DocumentAttributes],
    matrix: Matrix,
) -> dict[str, object]:
    """Every method on one filter; recall against the in-memory truth, latency per query.

    Each method runs over all queries in its own pass, after the truth is computed,
    so one method's work (a 300 MB matrix product, say) does not slow the next one.
    """
    mask = np.array([flt.permits(a) for a in attrs])
    truth_all = [[d for d, a in all_matches(index, q) if flt.permits(a)] for q in texts]
    truth = [t[:K] for t in truth_all]
    dense_truth = [
        [f"note:{i + 1}" for i in top_ids(np.where(mask, matrix @ v, -np.inf).astype(np.float32), K)]
        for v in vectors
    ]
    rec: dict[str, list[float]] = {}
    lat: dict[str, list[float]] = {}

    def measure(name: str, runs: list[Callable[[], list[str]]], truths: list[list[str]]) -> None:
        rec[name], lat[name] = [], []
        for run, expected in zip(runs, truths, strict=True):
            got, ms = timed(run)
            lat[name].append(ms)
            r = recall(expected, got)
            if r is not None:
                rec[name].append(r)

    paths: dict[str, int] = {}
    short = 0

    def planned(q: str, expected_all: list[str]) -> list[str]:
        nonlocal short
        found = index.search_planned(q, flt, k=K)
        paths[found.path] = paths.get(found.path, 0) + 1
        ids = [h.document.doc_id for h in found.hits]
        short += len(ids) < min(K, len(expected_all))
        return ids

    def forced(q: str, path: TextPath) -> list[str]:
        return [h.document.doc_id for h in index.search_planned(q, flt, k=K, path=path).hits]

    dense_paths: dict[str, int] = {}

    def exact_dense(v: Matrix) -> list[str]:
        scored, path = dense_search(index, dense, v, flt)
        dense_paths[path] = dense_paths.get(path, 0) + 1
        return [d for d, _ in scored]

    def naive_dense(v: Matrix) -> list[str]:
        unfiltered = top_ids((matrix @ v).astype(np.float32), NAIVE_M)
        return [f"note:{i + 1}" for i in unfiltered if mask[i]][:K]

    def hybrid(q: str, v: Matrix) -> list[str]:
        return [d for d, _ in rank(index, dense, q, v, flt, HYBRID)[0]]

    measure("bm25", [partial(planned, q, t) for q, t in zip(texts, truth_all, strict=True)], truth)
    measure("restricted", [partial(forced, q, "restricted") for q in texts], truth)
    measure("match_first", [partial(forced, q, "match_first") for q in texts], truth)
    measure("previous_join", [partial(previous_join, index, q, flt) for q in texts], truth)
    measure("naive_bm25", [partial(naive_text, index, q, flt) for q in texts], truth)
    measure("dense", [partial(exact_dense, v) for v in vectors], dense_truth)
    measure("naive_dense", [partial(naive_dense, v) for v in vectors], dense_truth)
    measure(
        "hybrid", [partial(hybrid, q, v) for q, v in zip(texts, vectors, strict=True)], [[] for _ in texts]
    )
    selectivity = index.selectivity(flt)
    return {
        "selectivity": round(selectivity.share, 4),
        "permitted_documents": selectivity.permitted_documents,
        "permitted_keys": len(selectivity.permitted_keys),
        "bm25": summary(rec["bm25"], lat["bm25"], paths=paths, short_results=short),
        "bm25_restricted_forced": summary(rec["restricted"], lat["restricted"]),
        "bm25_match_first_forced": summary(rec["match_first"], lat["match_first"]),
        "bm25_previous_join": summary(rec["previous_join"], lat["previous_join"]),
        "bm25_naive_post_filter": summary(rec["naive_bm25"], lat["naive_bm25"]),
        "dense": summary(rec["dense"], lat["dense"], paths=dense_paths),
        "dense_naive_post_filter": summary(rec["naive_dense"], lat["naive_dense"]),
        "hybrid_rrf": summary([], lat["hybrid"]),
    }


def main() -> None:
    """Build, measure every filter, write JSON and print the table."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--docs", type=int, default=200_000)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=Path("bench/retrieval.json"))
    parser.add_argument("--db", type=Path, help="Keep the index in this file; reuse it when it exists.")
    args = parser.parse_args()
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.db or Path(tmp) / "index.db"
        reuse = path.exists()
        index = SearchIndex(make_engine(f"sqlite:///{path}"))
        started = time.monotonic()
        if reuse:
            attrs, matrix = load(index)
            vocab = VOCAB
        else:
            vocab, attrs, matrix = build(index, args.docs, random.Random(args.seed))
        build_s = time.monotonic() - started
        dense = DenseIndex(index, MODEL)
        dense.search(matrix[0], index.selectivity(next(iter(filters().values()))), k=1)  # load once
        # Mid-frequency words: each query matches ~1-3% of all documents, like a specific clinical question.
        qrng = random.Random(args.seed + 1)
        texts = [" ".join(qrng.sample(vocab[100:1500], 2)) for _ in range(args.queries)]
        nrng = np.random.default_rng(args.seed)
        picks = nrng.integers(0, len(attrs), size=args.queries)
        queries = [(matrix[i] + 0.3 * nrng.standard_normal(DIM)).astype(np.float32) for i in picks]
        results: dict[str, object] = {
            "docs": len(attrs),
            "queries": args.queries,
            "k": K,
            "naive_m": NAIVE_M,
            "dim": DIM,
            "clusters": CLUSTERS,
            "build_seconds": None if reuse else round(build_s, 1),
            "cores": os.cpu_count(),
        }
        for name, flt in filters().items():
            results[name] = run_filter(index, dense, flt, texts, queries, attrs, matrix)
    results["load_average_before"] = [round(x, 2) for x in load_before]
    results["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print_table(results)


def print_table(results: dict[str, object]) -> None:
    """The headline figures, one row per filter and method."""
    print(
        f"{results['docs']} documents, {results['queries']} queries, k={K}, naive M={NAIVE_M}, "
        f"built in {results['build_seconds']} s, load {results['load_average_before']} -> {results['load_average_after']}"
    )
    methods = (
        "bm25",
        "bm25_restricted_forced",
        "bm25_match_first_forced",
        "bm25_previous_join",
        "bm25_naive_post_filter",
        "dense",
        "dense_naive_post_filter",
        "hybrid_rrf",
    )
    print(f"{'filter':7} {'share':>6} {'method':25} {'recall':>6} {'p50 ms':>7} {'p95 ms':>7}  paths")
    for name in ("narrow", "mid", "wide"):
        row = results[name]
        assert isinstance(row, dict)
        for method in methods:
            m = row[method]
            shown = "-" if m["recall_at_10"] is None else f"{m['recall_at_10']:.3f}"
            print(
                f"{name:7} {row['selectivity']:6.2%} {method:25} {shown:>6} {m['p50_ms']:7.2f} {m['p95_ms']:7.2f}"
                f"  {m.get('paths', '')}"
            )


if __name__ == "__main__":
    main()
