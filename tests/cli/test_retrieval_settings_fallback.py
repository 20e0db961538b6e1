"""`index sync`, `ask`, `summarize` and `metrics` without `--sor`/`--store` read the settings.

The databases are named only by ``INTERLOCK_SOR_URL``/``INTERLOCK_STORE_URL`` (or a
configuration file), exactly as an operator who configured them once would run these.
"""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner, Result

from interlock.cli.app import app
from interlock.db import make_engine
from interlock.domains.claims import schema as t
from interlock.domains.claims.testing.handmade import add_claim, seed_reference

SHIPPED = Path(__file__).parents[2] / "src/interlock/policy/default_policy.toml"


def _world(tmp_path: Path) -> dict[str, str]:
    sor, store = f"sqlite:///{tmp_path / 'sor.db'}", f"sqlite:///{tmp_path / 'store.db'}"
    engine = make_engine(sor)
    t.metadata.create_all(engine)
    seed_reference(engine)
    add_claim(engine, "N1", notes=["MRI shows a meniscal tear."])
    engine.dispose()
    return {"INTERLOCK_SOR_URL": sor, "INTERLOCK_STORE_URL": store, "INTERLOCK_CONFIG": ""}


def _run(env: dict[str, str], *args: str) -> Result:
    return CliRunner(env=env).invoke(app, list(args))


def test_sync_ask_summarize_and_metrics_use_the_configured_databases(tmp_path: Path) -> None:
    """With no database option at all, each command works on the databases the settings name."""
    env = _world(tmp_path)
    synced = _run(env, "index", "sync", "--json")
    assert synced.exit_code == 0, synced.stderr
    assert json.loads(synced.stdout)["inserted"] > 0
    asked = _run(env, "ask", "meniscal tear", "--as", "A1", "--json")
    assert asked.exit_code == 0, asked.stderr
    assert json.loads(asked.stdout)["statements"][0]["citations"]
    summary = _run(env, "summarize", "--claim", "N1", "--as", "A1", "--json")
    assert summary.exit_code == 0, summary.stderr
    assert json.loads(summary.stdout)["claim_id"] == "N1"
    metrics = _run(env, "metrics")
    assert metrics.exit_code == 0, metrics.stderr
    assert "interlock_review_backlog 0.0" in metrics.stdout
    # The store metrics read is the configured one: name one that cannot be opened.
    unopenable = f"sqlite:///{tmp_path / 'missing-dir' / 'store.db'}"
    refused = _run({**env, "INTERLOCK_STORE_URL": unopenable}, "metrics")
    assert refused.exit_code == 2 and "missing-dir" in "".join(refused.stderr.split())


def test_an_explicit_option_still_wins(tmp_path: Path) -> None:
    """`--store` given names another store: the configured one is not read."""
    env = _world(tmp_path)
    assert _run(env, "index", "sync").exit_code == 0
    other = f"sqlite:///{tmp_path / 'other.db'}"
    synced = _run(env, "index", "sync", "--store", other, "--json")
    assert synced.exit_code == 0, synced.stderr
    # A fresh store has nothing yet: everything is inserted again, none is unchanged.
    figures = json.loads(synced.stdout)
    assert figures["inserted"] > 0 and figures["unchanged"] == 0


def test_summarize_reads_under_the_configured_policy_file(tmp_path: Path) -> None:
    """A policy file that denies the claim's region makes summarize refuse it as a missing claim."""
    env = _world(tmp_path)
    policy = tmp_path / "policy.toml"
    policy.write_text(
        SHIPPED.read_text(encoding="utf-8")
        + '\n[[deny]]\nreason = "north is closed"\n'
        + 'when = [{ kind = "record_in", field = "region", values = ["north"] }]\n',
        encoding="utf-8",
    )
    assert _run(env, "summarize", "--claim", "N1", "--as", "A1").exit_code == 0
    refused = _run({**env, "INTERLOCK_POLICY_FILE": str(policy)}, "summarize", "--claim", "N1", "--as", "A1")
    missing = _run(env, "summarize", "--claim", "N9", "--as", "A1")
    assert refused.exit_code == missing.exit_code == 3
    assert refused.stderr.replace("N1", "ID") == missing.stderr.replace("N9", "ID")
