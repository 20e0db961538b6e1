"""Signed checkpoints: the note format, keys, forged notes, and proofs against a checkpoint."""

from __future__ import annotations

import base64
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from interlock.audit.anchor import leaves_path, prove_inclusion, read_leaves, take_checkpoint, verify_anchored
from interlock.audit.chain import AuditLog
from interlock.audit.checkpoint import (
    Checkpoint,
    Verifier,
    checkpoint_path,
    generate_key,
    open_note,
    read_notes,
    write_note,
)
from interlock.audit.events import AuditEvent
from interlock.audit.merkle import root_of, verify_inclusion
from interlock.exceptions import ConfigurationError, UsageError
from interlock.testing.audit_store import SigningKeys, append_all, numbered_event, rehash_from

T0 = datetime(2026, 2, 1, 12, 0, tzinfo=UTC)


def event(i: int) -> AuditEvent:
    return numbered_event(i, start=T0, kind="rules.evaluated", outcome="pass", reason="rules 1-8 pass")


@pytest.fixture
def log(audit_engine: Engine) -> AuditLog:
    """An audit log holding 37 events, on a SQLite file and on PostgreSQL."""
    audit = AuditLog(audit_engine)
    append_all(audit, [event(i) for i in range(37)])
    return audit


def sample(size: int = 10) -> Checkpoint:
    return Checkpoint(origin="interlock/audit/main", size=size, root=bytes(range(32)), at=T0)


def test_note_has_the_signed_note_layout(keys: SigningKeys) -> None:
    """A note is origin, size, base64 head and timestamp, a blank line, then one em-dash signature line."""
    signer = keys.signer
    note = signer.sign(sample())
    lines = note.split("\n")
    assert lines[:5] == [
        "interlock/audit/main",
        "10",
        base64.b64encode(bytes(range(32))).decode(),
        "timestamp 2026-02-01T12:00:00.000000Z",
        "",
    ]
    assert lines[5].startswith("\u2014 test-log ")
    assert len(base64.b64decode(lines[5].split(" ")[2])) == 4 + 64
    assert note.endswith("\n")
    assert signer.sign(sample()) == note, "Ed25519 signatures are deterministic"


def test_note_round_trips_through_the_verifier(keys: SigningKeys) -> None:
    """Opening a signed note with the matching key gives back the checkpoint signed."""
    signer, verifier = keys.signer, keys.verifier
    assert open_note(signer.sign(sample()), verifier) == sample()


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda s: s.replace("\n10\n", "\n11\n"), "signature does not verify"),
        (lambda s: s.replace("interlock/audit/main", "interlock/audit/ops"), "signature does not verify"),
        (lambda s: s.replace("12:00:00", "12:00:01"), "signature does not verify"),
        (lambda s: s.replace("\u2014 test-log", "\u2014 other-log"), "no signature by"),
        (lambda s: s.replace("\n\n", "\n"), "no blank line"),
        (lambda s: s.replace("\n", "\r\n"), "not a signed note"),
        (lambda s: s[:-1], "no blank line"),
        (lambda s: s.rsplit(" ", 1)[0] + " !!!\n", "malformed signature"),
    ],
)
def test_edited_notes_are_refused(keys: SigningKeys, edit: object, message: str) -> None:
    """Changing any signed field, the key name, or the layout makes the note unreadable."""
    signer, verifier = keys.signer, keys.verifier
    note = edit(signer.sign(sample()))  # type: ignore[operator]
    with pytest.raises(ConfigurationError, match=message):
        open_note(note, verifier)


def test_another_key_does_not_verify(keys: SigningKeys, tmp_path: Path) -> None:
    """A note signed by a different key of the same name is refused."""
    signer = keys.signer
    other = generate_key(tmp_path / "o.pem", tmp_path / "o.pub", name="test-log")
    with pytest.raises(ConfigurationError, match="no signature by"):
        open_note(signer.sign(sample()), other)


def test_key_files_are_private_and_never_overwritten(tmp_path: Path) -> None:
    """The private key is written mode 0600 and a second keygen to the same path is refused."""
    generate_key(tmp_path / "k.pem", tmp_path / "k.pub")
    assert os.stat(tmp_path / "k.pem").st_mode & 0o777 == 0o600
    before = (tmp_path / "k.pem").read_bytes()
    with pytest.raises(ConfigurationError, match="refusing to overwrite"):
        generate_key(tmp_path / "k.pem", tmp_path / "k2.pub")
    assert (tmp_path / "k.pem").read_bytes() == before


def test_verifier_key_line_checks_its_own_id(keys: SigningKeys) -> None:
    """A verifier line whose id does not match its key is refused."""
    verifier = keys.verifier
    name, _, key = verifier.to_text().split("+", 2)
    assert Verifier.from_text(verifier.to_text()).key_id == verifier.key_id
    with pytest.raises(ConfigurationError, match="id does not match"):
        Verifier.from_text(f"{name}+{'0' * 8}+{key}")


def test_same_size_with_another_head_is_refused(keys: SigningKeys, tmp_path: Path) -> None:
    """Filing a second checkpoint of the same size but a different head is refused, keeping the first."""
    signer = keys.signer
    path = write_note(tmp_path, sample(), signer)
    assert write_note(tmp_path, sample(), signer) == path
    other = Checkpoint(origin="interlock/audit/main", size=10, root=bytes(32), at=T0)
    with pytest.raises(ConfigurationError, match="different head"):
        write_note(tmp_path, other, signer)


def test_forged_and_misfiled_notes_are_reported(keys: SigningKeys, tmp_path: Path) -> None:
    """A note that does not verify, or sits under another size's file name, is reported, not skipped."""
    signer, verifier = keys.signer, keys.verifier
    good = write_note(tmp_path, sample(10), signer)
    forged = checkpoint_path(tmp_path, sample(20))
    forged.write_text(signer.sign(sample(20)).replace("\n20\n", "\n21\n"))
    (tmp_path / "main-000000000030.checkpoint").write_text(signer.sign(sample(31)))
    found = read_notes(tmp_path, "main", verifier)
    assert [c.size for c in found.checkpoints] == [10]
    assert len(found.problems) == 2
    assert good.exists()


def test_checkpoint_then_verify_and_prove(log: AuditLog, keys: SigningKeys, tmp_path: Path) -> None:
    """A checkpoint records the log's tree head; later events keep it consistent; proofs verify against it."""
    signer, verifier = keys.signer, keys.verifier
    folder = tmp_path / "cp"
    checkpoint = take_checkpoint(log, folder, signer, now=T0)
    assert checkpoint.size == 37
    assert leaves_path(folder, "main").stat().st_size == 37 * 32
    log.append_one(event(99))
    report = verify_anchored(log, folder, verifier)
    assert report.ok, report
    assert report.count == 38
    assert report.proof, "a consistency proof from size 37 to 38 is reported"
    proof = prove_inclusion(log, "main:5", checkpoint)
    assert proof.tree_size == 37
    assert proof.tree_head == checkpoint.root.hex()
    assert proof.verify()
    current = prove_inclusion(log, "main:38")
    assert current.tree_size == 38
    assert verify_inclusion(
        bytes.fromhex(current.leaf_hash), 37, 38, [bytes.fromhex(p) for p in current.path], root_of_log(log)
    )
    with pytest.raises(UsageError, match="not in a tree of 37"):
        prove_inclusion(log, "main:38", checkpoint)
    with pytest.raises(UsageError, match="not an event id"):
        prove_inclusion(log, "ops:3")


def root_of_log(log: AuditLog) -> bytes:
    """The current tree head, computed from the stored leaves."""
    return root_of(read_leaves(log))


def test_verify_requires_a_checkpoint_when_asked_to(log: AuditLog, keys: SigningKeys, tmp_path: Path) -> None:
    """Verifying against an empty checkpoint directory fails rather than passing unanchored."""
    (tmp_path / "empty").mkdir()
    report = verify_anchored(log, tmp_path / "empty", keys.verifier)
    assert not report.ok
    assert "no checkpoint" in report.reason


def test_missing_export_still_fails_and_names_the_range(
    log: AuditLog, keys: SigningKeys, tmp_path: Path
) -> None:
    """Without the exported leaves a rehashed rewrite still fails, naming the start of the uncovered range."""
    signer, verifier = keys.signer, keys.verifier
    folder = tmp_path / "cp"
    take_checkpoint(log, folder, signer, now=T0)
    leaves_path(folder, "main").unlink()
    rehash_from(log.engine, 20, deny)
    report = verify_anchored(log, folder, verifier)
    assert not report.ok
    assert report.first_bad_event_id == "main:1"
    assert "cannot be named" in report.reason


def test_checkpoint_refuses_a_tampered_log(log: AuditLog, keys: SigningKeys, tmp_path: Path) -> None:
    """A log that no longer extends the last checkpoint is never signed again."""
    signer = keys.signer
    folder = tmp_path / "cp"
    take_checkpoint(log, folder, signer, now=T0)
    rehash_from(log.engine, 20, deny)
    with pytest.raises(UsageError, match="refusing to checkpoint"):
        take_checkpoint(log, folder, signer, now=T0 + timedelta(hours=1))
    assert len(list(folder.glob("*.checkpoint"))) == 1


def deny(body: str) -> str:
    """The forged body: a passed check turned into a denial."""
    return body.replace('"pass"', '"deny"')


def test_checkpoint_head_is_the_rfc_head_of_the_stored_leaves(
    log: AuditLog, keys: SigningKeys, tmp_path: Path
) -> None:
    """The signed head is the RFC 6962 head of the chain's stored leaf hashes, nothing else."""
    checkpoint = take_checkpoint(log, tmp_path / "cp", keys.signer, now=T0)
    assert checkpoint.root == root_of(read_leaves(log))
