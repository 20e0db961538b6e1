"""`interlock audit keygen | checkpoint | verify | prove`, run in-process on a real SQLite store."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from interlock.audit.chain import AuditLog
from interlock.audit.events import AuditEvent
from interlock.audit.merkle import verify_inclusion
from interlock.cli.app import app
from interlock.cli.common import open_store
from interlock.db import make_engine
from interlock.testing.audit_store import append_all, numbered_event, rehash_from

T0 = datetime(2026, 3, 1, tzinfo=UTC)
runner = CliRunner()


def event(i: int) -> AuditEvent:
    return numbered_event(i, start=T0, numbered_details=False)


@pytest.fixture
def store(tmp_path: Path) -> str:
    """A store URL whose main chain holds 120 events, prepared the way the CLI opens stores."""
    url = f"sqlite:///{tmp_path / 'store.db'}"
    engine = open_store(url)
    append_all(AuditLog(engine), [event(i) for i in range(120)])
    engine.dispose()
    return url


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_checkpoint_verify_prove_and_catch_a_rehashed_rewrite(store: str, tmp_path: Path) -> None:
    """keygen, checkpoint and verify pass; prove prints a valid proof; a rehashed rewrite fails naming the event."""
    key, pub, cps = str(tmp_path / "audit.key"), str(tmp_path / "audit.pub"), str(tmp_path / "cps")
    assert run("audit", "keygen", "--key", key, "--pubkey", pub)[0] == 0
    code, output = run("audit", "checkpoint", "--store", store, "--dir", cps, "--key", key)
    assert code == 0, output
    assert "size 120" in output
    code, output = run("audit", "verify", "--store", store, "--checkpoints", cps, "--pubkey", pub)
    assert code == 0, output
    assert "audit trail intact: 120 events" in output

    checkpoint_file = next(Path(cps).glob("*.checkpoint"))
    code, output = run(
        "audit", "prove", "main:7", "--store", store, "--checkpoint", str(checkpoint_file), "--pubkey", pub
    )
    assert code == 0, output
    proof = json.loads(output)
    assert proof["tree_size"] == 120
    assert proof["checkpoint"]["size"] == 120
    assert verify_inclusion(
        bytes.fromhex(proof["leaf_hash"]),
        proof["leaf_index"],
        proof["tree_size"],
        [bytes.fromhex(p) for p in proof["inclusion_path"]],
        bytes.fromhex(proof["tree_head"]),
    )

    engine = make_engine(store)
    rehash_from(engine, 41, lambda body: body.replace('"commit"', '"reject"'))
    engine.dispose()

    assert run("audit", "verify", "--store", store)[0] == 0, "the chain alone cannot see a full rehash"
    code, output = run("audit", "verify", "--store", store, "--checkpoints", cps, "--pubkey", pub, "--json")
    assert code == 1
    report = json.loads(output)
    assert report["first_bad_event_id"] == "main:41"
    code, output = run("audit", "checkpoint", "--store", store, "--dir", cps, "--key", key)
    assert code == 1
    assert "refusing" in output


def test_verify_without_checkpoints_keeps_its_json_shape(store: str) -> None:
    """Plain `audit verify --json` reports the same fields as before checkpoints existed."""
    code, output = run("audit", "verify", "--store", store, "--json")
    assert code == 0
    assert set(json.loads(output)) == {"ok", "count", "head", "first_bad_seq", "first_bad_event_id", "reason"}
    assert run("audit", "verify", "--store", store, "--workers", "1")[0] == 0
    assert run("audit", "verify", "--store", store, "--workers", "0")[0] == 2


def test_checkpoints_without_a_key_is_a_usage_error(store: str, tmp_path: Path) -> None:
    """Asking to verify against checkpoints without the verifier key exits 2 instead of skipping the check."""
    code, _ = run("audit", "verify", "--store", store, "--checkpoints", str(tmp_path))
    assert code == 2
