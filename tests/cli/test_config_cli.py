"""`--config`, `INTERLOCK_*` and `config show`, through the real `interlock` command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from sqlalchemy import select
from typer.testing import CliRunner

from interlock.audit.chain import AuditLog
from interlock.cli import app
from interlock.cli.common import open_store
from interlock.db import make_engine
from interlock.domains.claims import schema as t
from interlock.domains.claims.testing.api_world import free_port
from interlock.domains.claims.testing.handmade import add_claim, seed_reference
from interlock.testing.audit_store import append_all, numbered_event

SECRET = "sk-never-print-this-0123456789"


def interlock(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the command with only the given INTERLOCK_ variables (the caller's are dropped)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("INTERLOCK_")}
    return subprocess.run(
        [sys.executable, "-m", "interlock", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env={**clean, **(env or {})},
    )


def show(*args: str, env: dict[str, str] | None = None) -> Result:
    """`interlock ARGS` in this process, with only the given INTERLOCK_ variables set."""
    unset: dict[str, str | None] = {k: None for k in os.environ if k.startswith("INTERLOCK_")}
    return CliRunner().invoke(app, list(args), env={**unset, **(env or {})})


def test_config_show_reports_values_and_origins_and_env_beats_the_file(tmp_path: Path) -> None:
    """The file sets two values; the environment overrides one; `config show --json` says so."""
    config = tmp_path / "interlock.toml"
    config.write_text("[engine]\ndeadline_seconds = 5.0\nmax_defers = 3\n[api]\nport = 9001\n")
    done = show(
        "--config", str(config), "config", "show", "--json", env={"INTERLOCK_ENGINE__DEADLINE_SECONDS": "7.5"}
    )
    assert done.exit_code == 0, done.output
    shown = json.loads(done.stdout)
    engine = shown["settings"]["engine"]
    assert (engine["deadline_seconds"], engine["max_defers"], engine["lease_seconds"]) == (7.5, 3, 120.0)
    assert shown["settings"]["api"]["port"] == 9001
    assert shown["origins"]["engine.deadline_seconds"] == "env"
    assert shown["origins"]["engine.max_defers"] == "file"
    assert shown["origins"]["engine.lease_seconds"] == "default"
    assert shown["config_file"] == str(config)


def test_config_file_from_the_environment(tmp_path: Path) -> None:
    """INTERLOCK_CONFIG names the file when --config is not given; TOML output marks the origin."""
    config = tmp_path / "c.toml"
    config.write_text('service_principal = "nightly"\n')
    done = show("config", "show", env={"INTERLOCK_CONFIG": str(config)})
    assert done.exit_code == 0, done.output
    assert 'service_principal = "nightly"  # from the file' in done.stdout


def test_config_show_masks_secrets_in_both_formats() -> None:
    """API keys and database passwords never reach the output, as TOML or JSON."""
    env = {
        "INTERLOCK_MODELS__OPENAI_API_KEY": SECRET,
        "INTERLOCK_SOR_URL": "postgresql://claims:hunter2secret@db.internal/claims",
    }
    toml, as_json = show("config", "show", env=env), show("config", "show", "--json", env=env)
    for done in (toml, as_json):
        assert done.exit_code == 0, done.output
        assert SECRET not in done.output
        assert "hunter2secret" not in done.output
        assert "**********" in done.output
        assert "db.internal/claims" in done.output
    assert 'openai_api_key = "**********"  # from INTERLOCK_MODELS__OPENAI_API_KEY' in toml.output
    assert json.loads(as_json.stdout)["settings"]["models"]["openai_api_key"] == "**********"


def test_a_bad_value_is_a_clear_error_not_a_stack_trace(tmp_path: Path) -> None:
    """Every command refuses to start on a bad setting, naming it and its source, with exit 2."""
    done = interlock("sor", "init", cwd=tmp_path, env={"INTERLOCK_ENGINE__APPROVE_THRESHOLD": "1.7"})
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "engine.approve_threshold" in done.stderr
    assert "INTERLOCK_ENGINE__APPROVE_THRESHOLD" in done.stderr
    assert not (tmp_path / "sor.db").exists()
    typo = tmp_path / "typo.toml"
    typo.write_text("[modelz]\nchain = 'baseline'\n")
    shown = show("--config", str(typo), "config", "show")
    assert shown.exit_code == 2
    assert "modelz: unknown setting" in shown.output


def test_urls_come_from_settings_unless_given_on_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With no --sor the configured URL is used, with no configuration the default file; --sor wins."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a").mkdir()
    configured = tmp_path / "a" / "configured.db"
    explicit = tmp_path / "explicit.db"
    assert show("sor", "init").exit_code == 0
    assert (tmp_path / "sor.db").exists()
    env = {"INTERLOCK_SOR_URL": f"sqlite:///{configured}"}
    assert show("sor", "init", env=env).exit_code == 0
    assert configured.exists()
    configured.unlink()
    done = show("sor", "init", "--sor", f"sqlite:///{explicit}", env=env)
    assert done.exit_code == 0, done.output
    assert explicit.exists()
    assert not configured.exists()


def test_adjudicate_takes_databases_model_and_principal_from_the_file(tmp_path: Path) -> None:
    """A claim decided with only `--as service --all`: URLs, model chain and service name from TOML."""
    sor_url, store_url = f"sqlite:///{tmp_path / 'sor.db'}", f"sqlite:///{tmp_path / 'store.db'}"
    sor = make_engine(sor_url)
    t.metadata.create_all(sor)
    seed_reference(sor)
    add_claim(sor, "CFG-1")
    config = tmp_path / "interlock.toml"
    config.write_text(
        f'sor_url = "{sor_url}"\nstore_url = "{store_url}"\nservice_principal = "nightly"\n'
        '[models]\nchain = "openai:unused"\nopenai_base_url = "http://127.0.0.1:9/v1"\n'
        # A hand-made world has no decided history to fit a familiar region on.
        "[engine]\nfamiliarity = false\n"
    )
    done = interlock(
        "--config", str(config), "adjudicate", "--as", "service", "--all", "--json", cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)["results"]
    assert [(r["claim_id"], r["outcome"]) for r in results] == [("CFG-1", "approve")]
    with sor.connect() as conn:
        assert conn.execute(select(t.claims.c.status).where(t.claims.c.claim_id == "CFG-1")).scalar_one() != (
            "received"
        )
    store = make_engine(store_url)
    with store.connect() as conn:
        bodies = [json.loads(row[0]) for row in conn.exec_driver_sql("SELECT body FROM audit_events")]
    assert bodies and {b["principal"] for b in bodies} == {"service:nightly"}


def test_audit_checkpoint_signs_with_the_configured_key(tmp_path: Path) -> None:
    """`audit checkpoint` without --key uses audit.signing_key; with neither it says what to set."""
    key, pub, cps = tmp_path / "audit.key", tmp_path / "audit.pub", tmp_path / "cps"
    store = f"sqlite:///{tmp_path / 'store.db'}"
    engine = open_store(store)  # a store with a trail to sign (an empty one is refused)
    append_all(
        AuditLog(engine), [numbered_event(i, start=datetime(2026, 3, 1, tzinfo=UTC)) for i in range(5)]
    )
    engine.dispose()
    assert show("audit", "keygen", "--key", str(key), "--pubkey", str(pub)).exit_code == 0
    missing = show("audit", "checkpoint", "--store", store, "--dir", str(cps))
    assert missing.exit_code == 2
    assert "audit.signing_key" in missing.output
    done = show(
        "audit",
        "checkpoint",
        "--store",
        store,
        "--dir",
        str(cps),
        env={"INTERLOCK_AUDIT__SIGNING_KEY": str(key)},
    )
    assert done.exit_code == 0, done.output
    assert len(list(cps.glob("*.checkpoint"))) == 1
    verified = show("audit", "verify", "--store", store, "--checkpoints", str(cps), "--pubkey", str(pub))
    assert verified.exit_code == 0, verified.output


def test_serve_listens_where_the_file_says_on_the_configured_databases(tmp_path: Path) -> None:
    """`interlock --config FILE serve` with no options: host, port and both URLs from the file."""
    sor_url, store_url = f"sqlite:///{tmp_path / 'sor.db'}", f"sqlite:///{tmp_path / 'store.db'}"
    t.metadata.create_all(make_engine(sor_url))
    port = free_port()
    config = tmp_path / "interlock.toml"
    config.write_text(
        f'sor_url = "{sor_url}"\nstore_url = "{store_url}"\n[api]\nhost = "127.0.0.1"\nport = {port}\n'
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("INTERLOCK_")}
    server = subprocess.Popen(
        [sys.executable, "-m", "interlock", "--config", str(config), "serve"],
        cwd=tmp_path,
        env=clean,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        ready = _poll_ready(f"http://127.0.0.1:{port}/readyz", server)
        assert ready["checks"] == {"sor": "ok", "store": "ok"}
        assert (tmp_path / "store.db").exists()
    finally:
        server.terminate()
        server.wait(timeout=30)


def _poll_ready(url: str, server: subprocess.Popen[str]) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(
                f"serve exited {server.returncode}: {server.stderr.read() if server.stderr else ''}"
            )
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return dict(json.loads(response.read()))
        except OSError:
            time.sleep(0.3)
    raise AssertionError("serve did not become ready in 120 s")
