"""Familiar regions in the store, and the edges that need one: never a silent pass.

Real SQLite stores; a hand-made claims world for the API's start-up. Each test says
which of the three documented states it pins: region present, region missing (one
line), check switched off.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from interlock.api.services import Services, preflight
from interlock.assembly import build_engine
from interlock.db import make_engine
from interlock.domains.claims.connector import SqlClaimsConnector
from interlock.domains.claims.pack import DOMAIN
from interlock.domains.claims.testing.api_world import seed_review_world
from interlock.engine import EngineSettings
from interlock.exceptions import ConfigurationError
from interlock.models.familiarity import fit_familiarity
from interlock.models.familiarity_store import (
    familiarity_kind,
    load_familiarity,
    region_for,
    unfamiliar_counts,
)
from interlock.models.registry import save_trained
from interlock.policy.principal import service_principal
from interlock.settings import EngineSection, ModelsSection
from interlock.store.metadata import store_metadata
from interlock.testing.server import TokenIssuer
from interlock.work.store import WorkStore

NOW = datetime(2026, 5, 1, tzinfo=UTC)


def texts(rng: random.Random, count: int) -> list[str]:
    """Synthetic history texts: 8 to 40 words from a small vocabulary."""
    vocabulary = [f"w{i}" for i in range(300)]
    return [" ".join(rng.choices(vocabulary, k=rng.randint(8, 40))) for _ in range(count)]


@pytest.fixture
def store(tmp_path: Path) -> Engine:
    engine = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    store_metadata.create_all(engine)
    return engine


def _save(store: Engine, artifact: str, model_id: str) -> None:
    save_trained(
        store, kind=familiarity_kind("claims"), model_id=model_id, artifact=artifact, metrics={}, now=NOW
    )


def test_a_missing_region_is_one_line_naming_the_command(store: Engine) -> None:
    """No region in the store: a ConfigurationError of one line saying how to get one, or to switch off."""
    with pytest.raises(ConfigurationError) as missing:
        region_for(DOMAIN, store, 0.01)
    text = str(missing.value)
    assert "\n" not in text
    assert "interlock model train --domain claims" in text and "familiarity = false" in text


def test_a_malformed_region_in_the_store_is_refused(store: Engine) -> None:
    """A stored artifact that does not parse is refused on load, not used."""
    artifact, _ = fit_familiarity(texts(random.Random(4), 200), alpha=0.05)
    body = json.loads(artifact.to_json())
    body["calibration"] = list(reversed(body["calibration"]))
    _save(store, json.dumps(body), "familiarity-claims:broken")
    with pytest.raises(ConfigurationError, match="malformed"):
        load_familiarity(store, "claims")


def test_the_latest_region_is_loaded_at_the_configured_alpha(store: Engine) -> None:
    """With a region stored, the engine's region is that one, at the alpha asked for; off is None."""
    artifact, _ = fit_familiarity(texts(random.Random(6), 300), alpha=0.05)
    _save(store, artifact.to_json(), f"familiarity-claims:{artifact.digest()}")
    region = region_for(DOMAIN, store, 0.05)
    assert region is not None and region.alpha == 0.05 and region.model.artifact == artifact
    assert load_familiarity(store, "claims") is region.model  # parsed once, reused by id
    assert region_for(DOMAIN, store, None) is None


def test_an_engine_with_a_model_and_the_check_on_needs_a_region(store: Engine, tmp_path: Path) -> None:
    """build_engine with a model and an alpha refuses a store without a region; without a model it needs none."""
    sor = make_engine(f"sqlite:///{tmp_path / 'sor.db'}")
    common = {
        "connector": SqlClaimsConnector(sor),
        "store": WorkStore.grouped(store),
        "principal": service_principal(),
        "settings": EngineSettings(familiarity_alpha=0.01),
    }
    from interlock.testing import FunctionModel

    model = FunctionModel.replying(lambda _question: "{}")
    with pytest.raises(ConfigurationError, match="no familiarity artifact"):
        build_engine("claims.adjudicate", model=model, **common)  # type: ignore[arg-type]
    assert build_engine("claims.adjudicate", model=None, **common).familiarity is None  # type: ignore[arg-type]


def test_the_api_stops_at_start_without_a_region(tmp_path: Path) -> None:
    """A server configured with a model but no region fails at start with the one line; switched off, it starts."""
    settings = seed_review_world(tmp_path, TokenIssuer()).model_copy(
        update={"model": "openai:judge", "models": ModelsSection(openai_base_url="http://127.0.0.1:9/v1")}
    )
    with pytest.raises(ConfigurationError, match="no familiarity artifact for domain 'claims'"):
        preflight(settings)  # what `serve --processes N` checks before starting its processes
    services = Services(settings)
    try:
        with pytest.raises(ConfigurationError, match="no familiarity artifact for domain 'claims'"):
            services.use_configured_model()
    finally:
        services.close()
    off = Services(settings.model_copy(update={"engine": EngineSection(familiarity=False)}))
    try:
        off.use_configured_model()
        assert off.model is not None
        preflight(off.settings)
    finally:
        off.close()


def test_unfamiliar_counts_read_the_review_items(store: Engine, tmp_path: Path) -> None:
    """Review items with a familiarity review finding are counted, and those with no other reason apart."""
    from interlock.store.schema import review_items, work_items

    def item(
        review_id: str, findings: list[dict[str, str]], task: str = "claims.adjudicate"
    ) -> dict[str, object]:
        return {
            "review_id": review_id,
            "work_item_id": f"w-{review_id}",
            "task": task,
            "record_id": review_id,
            "record_version": 1,
            "amount": "1.00",
            "reason": "r",
            "findings": json.dumps(findings),
            "proposal": "{}",
            "status": "open",
            "opened_at": NOW.replace(tzinfo=None),
            "attributes": "{}",
        }

    unfamiliar = {"check": "familiarity", "severity": "review", "reason": "unfamiliar input"}
    familiar = {"check": "familiarity", "severity": "info", "reason": "familiar input"}
    low = {"check": "confidence", "severity": "review", "reason": "low"}
    with store.begin() as conn:
        conn.execute(
            work_items.insert(),
            [
                {
                    "work_item_id": f"w-{r}",
                    "task": "claims.adjudicate",
                    "record_id": r,
                    "record_version": 1,
                    "principal": "service:interlock",
                    "idempotency_key": f"k-{r}",
                    "status": "done",
                    "route": "review",
                    "reason": "r",
                    "attempt": 1,
                    "defer_count": 0,
                    "created_at": NOW.replace(tzinfo=None),
                    "updated_at": NOW.replace(tzinfo=None),
                }
                for r in "ABCD"
            ],
        )
        conn.execute(
            review_items.insert(),
            [
                item("A", [unfamiliar]),
                item("B", [unfamiliar, low]),
                item("C", [familiar, low]),
                item("D", [unfamiliar], task="invoices.approve"),
            ],
        )
    assert unfamiliar_counts(store, "claims.adjudicate") == {"routed_unfamiliar": 2, "unfamiliar_only": 1}
