"""The claims domain pack: what :mod:`interlock.registry` finds under ``claims``."""

from __future__ import annotations

import hashlib
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from interlock.domains.claims import schema
from interlock.domains.claims.baseline import BaselineArtifact, BaselineModel
from interlock.domains.claims.codesets import icd10_status
from interlock.domains.claims.connector import SqlClaimsConnector
from interlock.domains.claims.desk_view import DESK_VIEW
from interlock.domains.claims.documents import SqlDocumentSource
from interlock.domains.claims.evaluation import evaluate as evaluate_against
from interlock.domains.claims.evaluation import read_truth, threshold_for_precision
from interlock.domains.claims.lexicon import NO_LEXICON, Lexicon
from interlock.domains.claims.precedent import PrecedentFinder
from interlock.domains.claims.task import ClaimsAdjudicate
from interlock.exceptions import ConfigurationError
from interlock.models.registry import latest_artifact, latest_metrics, save_trained
from interlock.task import Domain, ExpectedDecision, FaultDrill, SorAccess

__all__ = [
    "BASELINE_KIND",
    "DOMAIN",
    "baseline_metrics",
    "create_schema",
    "evaluate",
    "expected_decisions",
    "load_baseline",
    "reference_texts",
    "save_baseline",
    "seed",
    "train",
]

#: The store's ``kind`` for the claims baseline (the name predates other domains).
BASELINE_KIND = "baseline"
#: The store's ``kind`` for the criterion vocabulary learned from the history (:mod:`.lexicon`).
LEXICON_KIND = "lexicon-claims"
#: Fewer labelled history claims than this make no useful baseline.
MIN_TRAINING_EXAMPLES = 20


def save_baseline(
    store: Engine, artifact: BaselineArtifact, metrics: dict[str, object], *, now: datetime
) -> str:
    """Store a trained claims baseline and return its model id."""
    return save_trained(
        store,
        kind=BASELINE_KIND,
        model_id=BaselineModel(artifact).model_id,
        artifact=artifact.to_json(),
        metrics=metrics,
        now=now,
    )


def load_baseline(store: Engine, *, digest: str | None = None) -> BaselineModel:
    """The most recently trained claims baseline, or the one whose id ends in ``digest``."""
    return BaselineModel(BaselineArtifact.from_json(latest_artifact(store, BASELINE_KIND, digest=digest)))


def save_lexicon(store: Engine, lexicon: Lexicon, *, now: datetime) -> str:
    """Store the learned criterion vocabulary for the gate; its id is a digest of its JSON."""
    text = lexicon.to_json()
    model_id = f"lexicon:{hashlib.sha256(text.encode('utf-8')).hexdigest()[:12]}"
    metrics = lexicon.counts()
    return save_trained(store, kind=LEXICON_KIND, model_id=model_id, artifact=text, metrics=metrics, now=now)


def load_lexicon(store: Engine) -> Lexicon:
    """The vocabulary the latest ``model train`` learned, or none (the policies' own words only)."""
    try:
        text = latest_artifact(store, LEXICON_KIND)
    except ConfigurationError:
        return NO_LEXICON
    try:
        return Lexicon.from_json(text)
    except (ValueError, KeyError, TypeError) as exc:
        raise ConfigurationError(
            f"the stored criterion vocabulary is malformed ({exc}): run `interlock model train` again"
        ) from exc


def baseline_metrics(store: Engine) -> dict[str, object] | None:
    """Held-out metrics of the latest claims baseline."""
    return latest_metrics(store, BASELINE_KIND)


def reference_texts(sor: Engine) -> list[str]:
    """The history notes the familiar region is fitted on (see :func:`training.reference_texts`)."""
    from interlock.domains.claims.training import reference_texts as read  # noqa: PLC0415

    return read(sor)


def _precedent(store: Engine, connector: SqlClaimsConnector) -> PrecedentFinder:
    return PrecedentFinder(store, sor=connector.engine)


def create_schema(sor: Engine) -> None:
    """Create the reference claims schema (SPEC.md) in an empty system of record."""
    schema.metadata.create_all(sor)


def seed(
    sor: Engine, *, records: int, seed: int, truth_path: Path | None = None, history: int | None = None
) -> dict[str, Any]:
    """Fill an empty claims system of record deterministically, with ground truth."""
    from interlock.domains.claims.generator import seed as run_seed  # noqa: PLC0415 - heavy import

    report = run_seed(sor, claims=records, seed=seed, truth_path=truth_path, history=history)
    return {
        "backlog": report.backlog_claims,
        "history": report.history_claims,
        "seconds": round(report.seconds, 2),
        "truth_mix": dict(report.outcome_counts),
    }


def train(sor: Engine, store: Engine, *, now: datetime, seed: int = 0) -> dict[str, Any]:
    """Train the claims baseline on the adjudicated history and store it."""
    from interlock.domains.claims.baseline import train_baseline  # noqa: PLC0415 - pulls in scikit-learn
    from interlock.domains.claims.training import load_training_examples  # noqa: PLC0415

    examples = load_training_examples(sor)
    if len(examples) < MIN_TRAINING_EXAMPLES:
        raise ConfigurationError(f"only {len(examples)} labelled history claims: too few to train on")
    artifact = train_baseline(examples, seed=seed)
    lexicon = Lexicon.from_dict(artifact.lexicon)
    metrics = {
        **asdict(artifact.metrics),
        "lexicon": lexicon.counts(),
    }
    model_id = save_baseline(store, artifact, metrics, now=now)
    save_lexicon(store, lexicon, now=now)
    return {"model_id": model_id, "examples": len(examples), "metrics": metrics}


def evaluate(
    sor: Engine, store: Engine, truth_path: Path, *, target_precision: float = 0.99
) -> dict[str, Any]:
    """Score what was written against a truth file, with the baseline's calibration."""
    report = evaluate_against(sor, read_truth(truth_path))
    summary = report.as_dict()
    summary["model"] = baseline_metrics(store)
    if summary["model"]:
        summary["threshold_for_target_precision"] = threshold_for_precision(
            summary["model"].get("reliability", []), target_precision
        )
    return summary


def expected_decisions(truth_path: Path) -> dict[str, ExpectedDecision]:
    """The truth file as each claim's correct decision: outcome, CARC, allowed and paid.

    The facts are those :meth:`ClaimsAdjudicate.commit_facts` records, so an automatic
    decision is right exactly when ``interlock eval`` counts it right.
    """
    return {
        claim_id: ExpectedDecision(
            outcome=truth.outcome,
            reason_code=truth.carc,
            facts={}
            if truth.outcome == "review"
            else {"allowed": str(truth.allowed), "paid": str(truth.paid)},
        )
        for claim_id, truth in read_truth(truth_path).items()
    }


def _documents(sor: Engine) -> SqlDocumentSource:
    return SqlDocumentSource(sor)


def _assistant(**parts: Any) -> Any:
    from interlock.domains.claims.assist import ClaimsAssistant  # noqa: PLC0415

    return ClaimsAssistant(**parts)


def _demo(dir_: Path, *, records: int, seed: int, json_out: bool) -> int:
    from interlock.domains.claims.demo import run_demo  # noqa: PLC0415 - the whole demo path

    return run_demo(dir_, records=records, seed=seed, json_out=json_out)


def _faults() -> FaultDrill:
    from interlock.domains.claims.testing.faults import ClaimsFaultDrill  # noqa: PLC0415 - starts servers

    return ClaimsFaultDrill()


def _api_routers() -> list[Any]:
    from interlock.domains.claims.api_fhir import router as fhir  # noqa: PLC0415 - FastAPI only for the server
    from interlock.domains.claims.api_intake import router  # noqa: PLC0415

    return [router, fhir]


def _warm() -> None:
    # Load the ICD-10-CM code set at start-up, not inside the first request's deadline.
    icd10_status("A00")


#: What Interlock may do in the claims platform (SPEC.md "The write target"): read every
#: table, insert adjudications and their lines, and change only a claim's status.
ACCESS = SorAccess(
    read_tables=tuple(sorted(schema.metadata.tables)),
    insert_tables=("adjudications", "adjudication_lines"),
    update_columns={"claims": ("status",)},
)


DOMAIN = Domain(
    name="claims",
    tasks=(ClaimsAdjudicate(),),
    connector=SqlClaimsConnector,
    baseline=load_baseline,
    precedent=_precedent,
    reference_texts=reference_texts,
    metadata=schema.metadata,
    record_table="claims",
    access=ACCESS,
    access_indexes=schema.ACCESS_INDEXES,
    create_schema=create_schema,
    seed=seed,
    train=train,
    evaluate=evaluate,
    expected_decisions=expected_decisions,
    documents=_documents,
    assistant=_assistant,
    demo=_demo,
    faults=_faults,
    api_routers=_api_routers,
    desk_view=DESK_VIEW,
    warm=_warm,
)
