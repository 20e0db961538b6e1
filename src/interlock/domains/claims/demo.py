"""The claims demo behind ``interlock demo``: the whole path on the embedded default, in one folder."""

from __future__ import annotations

import json
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from rich.table import Table

from interlock.assembly import build_engine
from interlock.audit.chain import AuditLog
from interlock.cli.common import console, open_sor, open_store, out
from interlock.cli.configured import engine_settings, settings
from interlock.domains.claims.baseline import train_baseline
from interlock.domains.claims.connector import SqlClaimsConnector
from interlock.domains.claims.demo_report import next_steps, print_explanation, review_breakdown
from interlock.domains.claims.documents import SqlDocumentSource
from interlock.domains.claims.evaluation import evaluate, read_truth
from interlock.domains.claims.generator import seed as run_seed
from interlock.domains.claims.pack import DOMAIN, create_schema, load_baseline, save_baseline
from interlock.domains.claims.training import load_training_examples
from interlock.models.familiarity_store import coverage_line, train_familiarity, unfamiliar_counts
from interlock.policy.principal import service_principal
from interlock.retrieval.backends import search_index_for
from interlock.retrieval.freshness import sync_index
from interlock.work.runner import run_claims
from interlock.work.store import WorkStore


def run_demo(dir_: Path, *, records: int, seed: int, json_out: bool) -> int:
    """Seed a SQLite system of record, train the baseline, adjudicate every claim, evaluate.

    Returns the exit code: 1 when the audit trail does not verify or a claim was left
    unprocessed, else 0.
    """
    claims = records

    dir_.mkdir(parents=True, exist_ok=True)
    for name in ("sor.db", "store.db", "truth.jsonl"):
        for suffix in ("", "-wal", "-shm"):
            (dir_ / (name + suffix)).unlink(missing_ok=True)
    sor_url, store_url = f"sqlite:///{dir_ / 'sor.db'}", f"sqlite:///{dir_ / 'store.db'}"
    truth_path = dir_ / "truth.jsonl"
    timings: dict[str, float] = {}

    started = time.monotonic()
    sor_engine = open_sor(sor_url, create=True)
    create_schema(sor_engine)
    report = run_seed(sor_engine, claims=claims, seed=seed, truth_path=truth_path)
    timings["seed"] = time.monotonic() - started
    console.print(
        f"1/5 seeded {report.backlog_claims} backlog + {report.history_claims} history claims ({timings['seed']:.1f} s)"
    )

    started = time.monotonic()
    store_engine = open_store(store_url)
    examples = load_training_examples(sor_engine)
    artifact = train_baseline(examples, seed=seed)
    metrics = asdict(artifact.metrics)
    model_id = save_baseline(store_engine, artifact, metrics, now=datetime.now(UTC))
    knobs = engine_settings(settings())
    familiarity = train_familiarity(
        DOMAIN,
        sor_engine,
        store_engine,
        now=datetime.now(UTC),
        alpha=settings().engine.familiarity_alpha,
        seed=seed,
    )
    timings["train"] = time.monotonic() - started
    console.print(f"2/5 trained {model_id} on {len(examples)} history claims ({timings['train']:.1f} s)")
    console.print(f"    {coverage_line(familiarity)}", highlight=False)

    started = time.monotonic()
    engine = build_engine(
        "claims.adjudicate",
        connector=SqlClaimsConnector(sor_engine),
        store=WorkStore.grouped(store_engine),
        principal=service_principal(),
        model=load_baseline(store_engine),
        settings=knobs,
    )
    results = run_claims(engine, engine.pending_records())
    timings["adjudicate"] = time.monotonic() - started
    console.print(f"3/5 adjudicated {len(results)} claims ({timings['adjudicate']:.1f} s)")

    started = time.monotonic()
    evaluation = evaluate(sor_engine, read_truth(truth_path))
    verify = AuditLog(store_engine).verify()
    timings["evaluate"] = time.monotonic() - started
    console.print(f"4/5 evaluated; audit trail {'intact' if verify.ok else 'BROKEN'} ({verify.count} events)")

    # Last, so that the figures above are those of a run without an index (precedent
    # lookups only annotate the trail, but the demo's numbers stay comparable).
    started = time.monotonic()
    synced = sync_index(search_index_for(store_engine), SqlDocumentSource(sor_engine), now=datetime.now(UTC))
    timings["index"] = time.monotonic() - started
    console.print(
        f"5/5 built the search index: {synced.inserted} documents, so `ask` and `summarize` answer ({timings['index']:.1f} s)"
    )
    breakdown = review_breakdown(store_engine)
    steps = next_steps(sor_url, store_url, breakdown.examples[0][0] if breakdown.examples else None)

    summary = evaluation.as_dict()
    summary.update(
        {
            "model_id": model_id,
            "model_metrics": metrics,
            **unfamiliar_counts(store_engine, "claims.adjudicate"),
            "familiarity": familiarity,
            "audit_ok": verify.ok,
            "audit_events": verify.count,
            "seconds": {k: round(v, 2) for k, v in timings.items()},
            "dir": str(dir_),
            "review_reasons": breakdown.as_dict(),
            "index_documents": synced.inserted,
            "next": steps,
        }
    )
    if json_out:
        out.print_json(json.dumps(summary, default=str))
    else:
        out.print("outcomes written to the system of record:", highlight=False)
        outcomes = Table()
        outcomes.add_column("outcome")
        outcomes.add_column("claims", justify="right")
        for outcome, n in sorted(evaluation.outcome_mix.items()):
            outcomes.add_row(outcome, str(n))
        out.print(outcomes)
        figures = Table(title="evaluation against the generator's truth")
        figures.add_column("measure")
        figures.add_column("value", justify="right")
        figures.add_row(
            "auto-finalized",
            f"{evaluation.auto_finalized} of {evaluation.claims} ({evaluation.auto_share:.1%})",
        )
        figures.add_row("precision of auto-finalized", f"{evaluation.precision:.2%}")
        figures.add_row("sent to review", f"{evaluation.pended} ({evaluation.review_share:.1%})")
        figures.add_row("  truly needing a person", str(evaluation.pended_truly_review))
        unfamiliar = unfamiliar_counts(store_engine, "claims.adjudicate")
        figures.add_row(
            "  for unfamiliar input",
            f"{unfamiliar['routed_unfamiliar']} ({unfamiliar['unfamiliar_only']} for that alone)",
        )
        figures.add_row("audit trail", f"{'intact' if verify.ok else 'BROKEN'}, {verify.count} events")
        figures.add_row("total time", f"{sum(timings.values()):.1f} s")
        out.print(figures)
        print_explanation(
            breakdown,
            claims=evaluation.claims,
            pended=evaluation.pended,
            truly=evaluation.pended_truly_review,
            steps=steps,
        )
        out.print(f"\nfiles in {dir_}: sor.db, store.db, truth.jsonl", highlight=False, soft_wrap=True)
    return 1 if not verify.ok or evaluation.unprocessed else 0
