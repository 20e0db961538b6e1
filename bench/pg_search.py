"""The search index on PostgreSQL against naive post-filtering and the SQLite index, in one run.

Builds a PostgreSQL search index of N generated documents (the corpus of
bench/retrieval_bench.py: ~30 words from a zipf vocabulary; 50 regions x 5 lines of
business; 5% sensitive), through the index's own write path, and a SQLite index of
a smaller M documents from the same generator. Then, for three analysts whose scopes
permit ~0.4%, ~2% and ~19% of the documents, runs the same two-word queries:

* truth: every match ranked by the engine's own score, unfiltered, then filtered by
  the policy in memory, top 10;
* interlock as planned (the path the planner chooses), and each path forced
  (restricted: permitted rows first; match_first: GIN matches first; threshold: the
  best permitted postings first, until the top k is proven);
* naive: the unfiltered top-M (M = 100), then filtered (loses permitted results);
* on SQLite: interlock as planned and naive, at M documents.

Each method runs its queries once unmeasured, then once measured, so that the order
of the methods does not decide which of them finds the caches cold; the build ends
with what sync does after writing (a VACUUM of the postings on PostgreSQL) and a
``CHECKPOINT`` where the role may, so that its writes are not flushed while the
searches are timed.

Finally four worker processes search the PostgreSQL index at once for a few seconds
(the mid scope), for the shared index's throughput.

Writes JSON (``--out``) with the load average before and after, and prints a table.
Usage::

    .venv/bin/python bench/pg_search.py                      # 100,000 on PostgreSQL, 50,000 on SQLite
    .venv/bin/python bench/pg_search.py --docs 1000000 --sqlite-docs 200000 --out bench/pg_search_1m.json

``--pg-url`` names the server (default ``postgresql://postgres@127.0.0.1:5432/postgres``);
the index goes into a new database that is dropped afterwards unless ``--keep-db``
is given; ``--db NAME`` reuses such a kept database instead of building.
"""

from __future__ import annotations

import argparse
import itertools
import json
import multiprocessing
import os
import random
import secrets
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

# Same quantile and per-method summary as the SQLite benchmark beside this file, so both report alike.
from retrieval_bench import summary
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from interlock.db import make_engine, normalize_url
from interlock.policy.entitlements import index_filter
from interlock.policy.principal import staff_principal
from interlock.policy.values import DocumentAttributes, IndexFilter
from interlock.retrieval.access import Selectivity, TextPath
from interlock.retrieval.backends import search_index_for
from interlock.retrieval.index import Document, SearchIndex
from interlock.retrieval.words import query_words

REGIONS = [f"r{i:02d}" for i in range(50)]
LOBS = ["commercial", "medicare_advantage", "medicaid", "dual", "exchange"]
SENSITIVE = ["behavioral_health", "substance_use", "hiv"]
VOCAB = [f"w{i}" for i in range(5000)]
K, NAIVE_M, BATCH = 10, 100, 10_000
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/postgres"


def documents(n: int, seed: int) -> list[Document]:
    """``n`` generated documents (the same generator for both engines)."""
    rng = random.Random(seed)
    # Cumulative weights once: random.choices would otherwise sum 5,000 weights per document
    # (the same draws either way, since it accumulates them just so).
    cumulative = list(itertools.accumulate(1.0 / (i + 1) ** 1.05 for i in range(len(VOCAB))))
    out = []
    for i in range(1, n + 1):
        sens = rng.choice(SENSITIVE) if rng.random() < 0.05 else "none"
        out.append(
            Document(
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
                body=" ".join(rng.choices(VOCAB, cum_weights=cumulative, k=30)),
            )
        )
    return out


def build(index: SearchIndex, n: int, seed: int) -> float:
    """Index ``n`` documents through the index's write path; seconds taken."""
    started = time.monotonic()
    docs = documents(n, seed)
    for start in range(0, n, BATCH):
        with index.begin_sync() as conn:
            index.upsert(conn, docs[start : start + BATCH])
    with index.begin_sync() as conn:
        index.analyze(conn)
    index.settle()  # what sync does after writing: VACUUM on PostgreSQL (autovacuum may be off)
    if index.engine.dialect.name == "postgresql":
        # Write the build's dirty pages out now, not while the searches are timed (needs
        # superuser or pg_checkpoint; without it the checkpointer does it on its schedule).
        try:
            with index.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("CHECKPOINT")
        except DBAPIError as exc:  # a privilege missing only makes the timings noisier
            print(f"no CHECKPOINT before timing: {exc.orig}", file=sys.stderr)
    return time.monotonic() - started


def filters() -> dict[str, IndexFilter]:
    """Three analysts whose assignments permit ~0.4%, ~2% and ~19% of the documents."""
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


def attributes(index: SearchIndex) -> dict[int, DocumentAttributes]:
    """Every document's access attributes by rowid (for the in-memory truth and the naive filter)."""
    with index.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT doc_rowid, region, line_of_business, sensitivity FROM search_documents")
        ).all()
    return {
        int(r.doc_rowid): DocumentAttributes(
            access_class="claim",
            region=r.region,
            line_of_business=r.line_of_business,
            sensitivity=r.sensitivity,
        )
        for r in rows
    }


def unfiltered(index: SearchIndex, query: str, limit: int) -> list[int]:
    """The engine's own ranking of every document (all keys permitted), best first, at most ``limit``."""
    keys = tuple(sorted(index.key_counts()))
    seen = Selectivity(permitted_keys=keys, permitted_documents=index.count(), total_documents=index.count())
    with index.engine.connect() as conn:
        ranked, _ = index._text_rank(conn, query_words(query), seen, "match_first", limit)
        return [r for r, _ in ranked]


def measure(
    index: SearchIndex,
    flt: IndexFilter,
    texts: list[str],
    attrs: dict[int, DocumentAttributes],
    ranked: dict[str, list[int]],
    *,
    forced: bool,
) -> dict[str, object]:
    """Every method on one filter; recall against the in-memory truth, latency per query.

    ``ranked`` holds each query's unfiltered ranking of every match (computed once per engine).
    """
    rowid_of = {v: k for k, v in _doc_ids(index).items()}
    truth = [[r for r in ranked[q] if flt.permits(attrs[r])][:K] for q in texts]
    methods: dict[str, Callable[[str], list[int]]] = {}
    paths: dict[str, int] = {}

    def planned(q: str) -> list[int]:
        found = index.search_planned(q, flt, k=K)
        paths[found.path] = paths.get(found.path, 0) + 1
        return [rowid_of[h.document.doc_id] for h in found.hits]

    def forced_path(path: TextPath) -> Callable[[str], list[int]]:
        return lambda q: [
            rowid_of[h.document.doc_id] for h in index.search_planned(q, flt, k=K, path=path).hits
        ]

    def naive(q: str) -> list[int]:
        return [r for r in unfiltered(index, q, NAIVE_M) if flt.permits(attrs[r])][:K]

    methods["interlock"] = planned
    if forced:
        methods["restricted_forced"] = forced_path("restricted")
        methods["match_first_forced"] = forced_path("match_first")
        methods["threshold_forced"] = forced_path("threshold")
    methods["naive_post_filter"] = naive
    seen = index.selectivity(flt)
    out: dict[str, object] = {
        "selectivity": round(seen.share, 4),
        "permitted_documents": seen.permitted_documents,
        "permitted_keys": len(seen.permitted_keys),
    }
    for name, run in methods.items():
        for q in texts:  # once unmeasured: no method pays for warming the caches of the ones after it
            run(q)
        paths.clear()
        recalls, latencies = [], []
        for q, expected in zip(texts, truth, strict=True):
            started = time.perf_counter()
            got = run(q)
            latencies.append((time.perf_counter() - started) * 1000)
            if expected:
                recalls.append(len(set(expected) & set(got)) / len(expected))
        out[name] = summary(recalls, latencies, **({"paths": dict(paths)} if name == "interlock" else {}))
    return out


def _doc_ids(index: SearchIndex) -> dict[int, str]:
    with index.engine.connect() as conn:
        return {
            int(r[0]): str(r[1]) for r in conn.execute(text("SELECT doc_rowid, doc_id FROM search_documents"))
        }


def _worker(url: str, texts: list[str], seconds: float, counts: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    """One worker process: search the mid scope until ``seconds`` pass; report how many searches."""
    index = search_index_for(make_engine(url))
    flt = filters()["mid"]
    done, deadline = 0, time.monotonic() + seconds
    while time.monotonic() < deadline:
        index.search(texts[done % len(texts)], flt, k=K)
        done += 1
    counts.put(done)


def throughput(url: str, texts: list[str], workers: int, seconds: float) -> dict[str, object]:
    """Searches per second of ``workers`` processes sharing the PostgreSQL index."""
    ctx = multiprocessing.get_context("spawn")
    counts = ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(url, texts, seconds, counts)) for _ in range(workers)]
    for p in procs:
        p.start()
    total = sum(counts.get(timeout=seconds + 120) for _ in procs)
    for p in procs:
        p.join()
    return {
        "workers": workers,
        "seconds": seconds,
        "searches": total,
        "per_second": round(total / seconds, 1),
    }


def main() -> None:
    """Build both indexes, measure every filter, write JSON and print the table."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--docs", type=int, default=100_000, help="documents in the PostgreSQL index")
    parser.add_argument("--sqlite-docs", type=int, default=50_000, help="documents in the SQLite index")
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=10.0, help="length of the throughput run")
    parser.add_argument("--pg-url", default=DEFAULT_PG)
    parser.add_argument("--db", help="reuse this kept PostgreSQL database instead of building one")
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--out", type=Path, default=Path("bench/pg_search.json"))
    args = parser.parse_args()
    load_before = os.getloadavg()
    admin = create_engine(normalize_url(args.pg_url), isolation_level="AUTOCOMMIT")
    name = args.db or f"interlock_bench_{secrets.token_hex(4)}"
    if not args.db:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = make_url(normalize_url(args.pg_url)).set(database=name).render_as_string(hide_password=False)
    qrng = random.Random(args.seed + 1)
    # Mid-frequency words: each query matches ~1-3% of all documents, like a specific clinical question.
    texts = [" ".join(qrng.sample(VOCAB[100:1500], 2)) for _ in range(args.queries)]
    results: dict[str, object] = {
        "k": K,
        "naive_m": NAIVE_M,
        "queries": args.queries,
        "cores": os.cpu_count(),
    }
    try:
        pg = search_index_for(make_engine(url))
        results["postgresql"] = pg_results = {
            "docs": args.docs if not args.db else pg.count(),
            "build_seconds": None if args.db else round(build(pg, args.docs, args.seed), 1),
        }
        attrs = attributes(pg)
        ranked = {q: unfiltered(pg, q, 10**9) for q in texts}
        for fname, flt in filters().items():
            pg_results[fname] = measure(pg, flt, texts, attrs, ranked, forced=True)
        if args.workers:
            pg_results["throughput_mid"] = throughput(url, texts, args.workers, args.seconds)
        pg.engine.dispose()
        with tempfile.TemporaryDirectory() as tmp:
            lite = search_index_for(make_engine(f"sqlite:///{Path(tmp) / 'index.db'}"))
            results["sqlite"] = lite_results = {
                "docs": args.sqlite_docs,
                "build_seconds": round(build(lite, args.sqlite_docs, args.seed), 1),
            }
            attrs = attributes(lite)
            ranked = {q: unfiltered(lite, q, 10**9) for q in texts}
            for fname, flt in filters().items():
                lite_results[fname] = measure(lite, flt, texts, attrs, ranked, forced=False)
    finally:
        if not args.keep_db and not args.db:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        elif not args.db:
            results["kept_database"] = name
        admin.dispose()
    results["load_average_before"] = [round(x, 2) for x in load_before]
    results["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print_table(results)


def print_table(results: dict[str, object]) -> None:
    """The headline figures, one row per engine, filter and method."""
    print(
        f"k={K}, naive M={NAIVE_M}, {results['queries']} queries, "
        f"load {results['load_average_before']} -> {results['load_average_after']}"
    )
    print(
        f"{'engine':10} {'docs':>8} {'filter':7} {'share':>6} {'method':19} {'recall':>6} {'p50 ms':>7} {'p95 ms':>7}"
    )
    for engine in ("postgresql", "sqlite"):
        part = results[engine]
        assert isinstance(part, dict)
        for fname in ("narrow", "mid", "wide"):
            row = part[fname]
            for method in (
                "interlock",
                "restricted_forced",
                "match_first_forced",
                "threshold_forced",
                "naive_post_filter",
            ):
                if method not in row:
                    continue
                m = row[method]
                shown = "-" if m["recall_at_10"] is None else f"{m['recall_at_10']:.3f}"
                print(
                    f"{engine:10} {part['docs']:8} {fname:7} {row['selectivity']:6.2%} {method:19} {shown:>6} "
                    f"{m['p50_ms']:7.2f} {m['p95_ms']:7.2f}  {m.get('paths', '')}"
                )
        if "throughput_mid" in part:
            print(f"{engine:10} throughput (mid scope): {part['throughput_mid']}")
        print(f"{engine:10} built in {part['build_seconds']} s")


if __name__ == "__main__":
    main()
