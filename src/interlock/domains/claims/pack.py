"""The claims domain pack: what :mod:`interlock.registry` finds under ``claims``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine

from interlock.domains.claims.baseline import BaselineArtifact, BaselineModel
from interlock.domains.claims.connector import SqlClaimsConnector
from interlock.domains.claims.precedent import PrecedentFinder
from interlock.domains.claims.task import ClaimsAdjudicate
from interlock.models.registry import latest_artifact, latest_metrics, save_trained
from interlock.task import Domain

__all__ = ["BASELINE_KIND", "DOMAIN", "baseline_metrics", "load_baseline", "save_baseline"]

#: The store's ``kind`` for the claims baseline (the name predates other domains).
BASELINE_KIND = "baseline"


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


def load_baseline(store: Engine) -> BaselineModel:
    """The most recently trained claims baseline."""
    return BaselineModel(BaselineArtifact.from_json(latest_artifact(store, BASELINE_KIND)))


def baseline_metrics(store: Engine) -> dict[str, object] | None:
    """Held-out metrics of the latest claims baseline."""
    return latest_metrics(store, BASELINE_KIND)


def _precedent(store: Engine, connector: SqlClaimsConnector) -> PrecedentFinder:
    return PrecedentFinder(store, sor=connector.engine)


DOMAIN = Domain(
    name="claims",
    tasks=(ClaimsAdjudicate(),),
    connector=SqlClaimsConnector,
    baseline=load_baseline,
    precedent=_precedent,
)
