"""The ``[shadow]`` settings become a shadow runner; pinned baselines are found or refused."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from interlock.db import make_engine
from interlock.exceptions import ConfigurationError
from interlock.from_settings import engine_settings, shadow
from interlock.models.registry import latest_artifact, save_trained
from interlock.settings import load_settings
from interlock.store.migrations import prepare_store


def _store(tmp_path: Path) -> object:
    store = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    prepare_store(store)
    return store


def test_no_candidate_means_no_shadow(tmp_path: Path) -> None:
    """With nothing configured shadow mode is off: no runner, nothing asked."""
    s = load_settings(None, environ={}).settings
    store = _store(tmp_path)
    assert shadow(s, "claims.adjudicate", store, production=engine_settings(s).thresholds) is None  # type: ignore[arg-type]


def test_settings_configure_the_candidate_and_its_own_endpoint(tmp_path: Path) -> None:
    """Model, thresholds, budget and the candidate's endpoint come from [shadow]; an unset threshold is production's."""
    environ = {
        "INTERLOCK_SHADOW__MODEL": "openai:candidate-2",
        "INTERLOCK_SHADOW__APPROVE_THRESHOLD": "0.97",
        "INTERLOCK_SHADOW__BUDGET_SECONDS": "2.5",
        "INTERLOCK_SHADOW__OPENAI_BASE_URL": "http://127.0.0.1:9/v1",
        "INTERLOCK_SHADOW__OPENAI_API_KEY": "candidate-key",
        "INTERLOCK_MODELS__OPENAI_API_KEY": "production-key",
        "INTERLOCK_MODELS__OPENAI_BASE_URL": "http://127.0.0.1:8/v1",
        "INTERLOCK_ENGINE__DENY_THRESHOLD": "0.85",
    }
    s = load_settings(None, environ=environ).settings
    runner = shadow(s, "claims.adjudicate", _store(tmp_path), production=engine_settings(s).thresholds)  # type: ignore[arg-type]
    assert runner is not None
    candidate = runner.candidate
    assert candidate.budget_seconds == 2.5
    assert candidate.thresholds is not None
    assert (candidate.thresholds.approve, candidate.thresholds.deny) == (0.97, 0.85)
    assert candidate.model is not None and candidate.model.model_id == "openai:candidate-2"
    assert candidate.label == "model openai:candidate-2, thresholds approve 0.97 deny 0.85"
    # The candidate talks to its own endpoint, not production's.
    hosted = candidate.model.inner.inner  # type: ignore[attr-defined]
    assert hosted.base_url.startswith("http://127.0.0.1:9/v1")
    assert hosted._client.api_key == "candidate-key"


def test_command_line_options_win_over_the_settings(tmp_path: Path) -> None:
    """``--shadow-threshold`` sets both candidate thresholds whatever [shadow] says."""
    s = load_settings(None, environ={"INTERLOCK_SHADOW__APPROVE_THRESHOLD": "0.97"}).settings
    runner = shadow(
        s,
        "claims.adjudicate",
        _store(tmp_path),
        production=engine_settings(s).thresholds,
        threshold=0.5,  # type: ignore[arg-type]
    )
    assert runner is not None and runner.candidate.thresholds is not None
    assert (runner.candidate.thresholds.approve, runner.candidate.thresholds.deny) == (0.5, 0.5)
    assert runner.candidate.model is None


def test_a_bad_candidate_spec_is_refused_at_start_up() -> None:
    """A typo in shadow.model stops the process with the setting named."""
    with pytest.raises(ConfigurationError, match=r"shadow\.model"):
        load_settings(None, environ={"INTERLOCK_SHADOW__MODEL": "gpt-5"})


def test_a_pinned_baseline_is_found_by_its_digest_and_an_unknown_one_is_refused(tmp_path: Path) -> None:
    """``baseline:DIGEST`` loads that stored artifact even when a newer one exists; an unknown digest is an error."""
    store = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    prepare_store(store)
    save_trained(
        store, kind="k", model_id="k:aaaaaa111111", artifact="old", metrics={}, now=datetime(2026, 1, 1)
    )
    save_trained(
        store, kind="k", model_id="k:bbbbbb222222", artifact="new", metrics={}, now=datetime(2026, 2, 1)
    )
    assert latest_artifact(store, "k") == "new"
    assert latest_artifact(store, "k", digest="aaaaaa111111") == "old"
    with pytest.raises(ConfigurationError, match="no trained baseline model with digest"):
        latest_artifact(store, "k", digest="cccccc")
