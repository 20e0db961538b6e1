"""Fitted familiar regions in Interlock's store, beside each domain's model.

``interlock model train --domain D`` fits the region on the domain's reference texts
(:attr:`interlock.task.Domain.reference_texts`) and keeps it as JSON in the store's
``trained_models`` table under the kind ``familiarity:D``; engines load the latest one
at the configured miscoverage (:func:`region_for`). Three states, none of them silent:

* the domain declares no reference texts: familiarity is not measured for its tasks,
  and ``model train`` says so;
* the check is switched off in the settings (``[engine] familiarity = false``), or the
  engine has no model to check: nothing is loaded;
* otherwise the region must be in the store; a missing or malformed one is a one-line
  :class:`~interlock.exceptions.ConfigurationError` before any work item runs.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select

from interlock.exceptions import ConfigurationError
from interlock.gate.familiarity import CHECK
from interlock.models.familiarity import (
    FamiliarityArtifact,
    FamiliarityModel,
    FamiliarRegion,
    FitOptions,
    fit_familiarity,
)
from interlock.models.registry import latest_metrics, save_trained
from interlock.store.schema import review_items, trained_models
from interlock.task import Domain

__all__ = [
    "coverage_line",
    "familiarity_kind",
    "familiarity_metrics",
    "load_familiarity",
    "region_for",
    "train_familiarity",
    "unfamiliar_counts",
]


def familiarity_kind(domain: str) -> str:
    """The store's ``kind`` for a domain's familiar region."""
    return f"familiarity:{domain}"


def train_familiarity(
    pack: Domain, sor: Engine, store: Engine, *, now: datetime, alpha: float, seed: int = 0
) -> dict[str, Any] | None:
    """Fit, calibrate and store the domain's familiar region; ``None`` when it declares no texts.

    The answer holds the region's id and the coverage report: what calibration promises
    at ``alpha`` beside what the held-out test texts achieved.
    """
    if pack.reference_texts is None:
        return None
    texts = list(pack.reference_texts(sor))
    artifact, report = fit_familiarity(texts, alpha=alpha, options=FitOptions(seed=seed))
    model_id = f"familiarity-{pack.name}:{artifact.digest()}"
    save_trained(
        store,
        kind=familiarity_kind(pack.name),
        model_id=model_id,
        artifact=artifact.to_json(),
        metrics=report.as_dict(),
        now=now,
    )
    return {"model_id": model_id, **report.as_dict()}


#: Parsed regions by id (the id is a hash of the content, so an entry never goes stale).
_PARSED: dict[str, FamiliarityModel] = {}
_PARSED_MAX = 8


def load_familiarity(store: Engine, domain: str) -> FamiliarityModel:
    """The domain's latest familiar region, or a one-line error saying how to get one.

    Every engine an API server builds (one per principal) asks for it, so a region
    already parsed is reused; only its id is read from the store again.
    """
    latest = (
        select(trained_models.c.model_id)
        .where(trained_models.c.kind == familiarity_kind(domain))
        .order_by(trained_models.c.created_at.desc(), trained_models.c.model_id)
        .limit(1)
    )
    with store.connect() as conn:
        model_id = conn.execute(latest).scalar()
        if model_id is None:
            raise ConfigurationError(
                f"no familiarity artifact for domain {domain!r} in the store: run `interlock model train "
                f"--domain {domain}`, or set engine.familiarity = false to decide without the check"
            )
        if (parsed := _PARSED.get(str(model_id))) is not None:
            return parsed
        text = conn.execute(
            select(trained_models.c.artifact).where(trained_models.c.model_id == model_id)
        ).scalar_one()
    parsed = FamiliarityModel(FamiliarityArtifact.from_json(str(text)))
    if len(_PARSED) >= _PARSED_MAX:
        _PARSED.clear()
    _PARSED[str(model_id)] = parsed
    return parsed


def region_for(pack: Domain, store: Engine, alpha: float | None) -> FamiliarRegion | None:
    """The region an engine of ``pack``'s tasks checks against, at miscoverage ``alpha``.

    ``alpha`` ``None`` is the check switched off; a domain without reference texts has
    no region. Otherwise the region must be in the store (see the module docstring).
    """
    if alpha is None or pack.reference_texts is None:
        return None
    return load_familiarity(store, pack.name).at(alpha)


def familiarity_metrics(store: Engine, domain: str) -> dict[str, Any] | None:
    """The coverage report recorded when the domain's latest region was fitted."""
    return latest_metrics(store, familiarity_kind(domain))


def unfamiliar_counts(store: Engine, task: str) -> dict[str, int]:
    """How many of ``task``'s review items the familiarity check sent to a person.

    ``routed_unfamiliar`` counts every review item with a familiarity finding of
    severity ``review``; ``unfamiliar_only`` those where it was the only finding that
    asked for a person, the items that would otherwise have been decided automatically.
    """
    query = select(review_items.c.findings).where(review_items.c.task == task)
    routed = only = 0
    with store.connect() as conn:
        for (raw,) in conn.execute(query):
            stopping = [f for f in json.loads(raw) if f.get("severity") != "info"]
            if any(f.get("check") == CHECK for f in stopping):
                routed += 1
                only += all(f.get("check") == CHECK for f in stopping)
    return {"routed_unfamiliar": routed, "unfamiliar_only": only}


def coverage_line(report: dict[str, Any] | None) -> str:
    """The familiar region's coverage, promised beside achieved, in one line."""
    if report is None:
        return "familiarity: the domain declares no reference texts; unfamiliar input is not measured"
    named = f" {report['model_id']}" if report.get("model_id") else ""
    achieved = report["achieved_coverage"]
    shown = "n/a" if achieved is None else format(achieved, ".2%")
    head = (
        f"familiarity:{named} fitted on {report['reference_texts']} history texts, calibrated on "
        f"{report['calibration_texts']}: threshold {report['threshold']:.3f} at alpha {report['alpha']:g}"
    )
    if report.get("threshold_capped"):
        return (
            f"{head} (too few calibration texts for that alpha: the largest calibration score is the "
            f"threshold); coverage promised >= {report['guaranteed_coverage']:.2%}, achieved {shown} on "
            f"{report['test_texts']} held-out texts"
        )
    return (
        f"{head}; coverage promised >= {report['promised_coverage']:.1%} (exactly >= "
        f"{report['guaranteed_coverage']:.2%}), achieved {shown} on {report['test_texts']} held-out texts"
    )
