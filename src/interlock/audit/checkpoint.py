"""Signed checkpoints: tree heads of the audit log, kept outside the database.

Someone who can write to the store can rewrite an event and recompute every later
hash and the head; the chain alone then still verifies. A checkpoint defeats that: it
records the log's size and Merkle tree head at a moment, is signed with a key the
database never sees, and is stored somewhere else (a directory that is backed up,
shipped to a WORM bucket, or mailed to an auditor). Any later log must contain the
checkpointed one as an exact prefix.

The file format is the transparency-log *checkpoint* carried in a *signed note*
(the C2SP ``tlog-checkpoint`` and ``signed-note`` formats used by Go's sumdb, Sigstore
and other RFC 9162-style logs), so standard tooling can read it::

    interlock/audit/main                      <- origin: which log
    2000                                      <- tree size
    qLpX...base64 tree head...=               <- RFC 6962 head of the first 2000 events
    timestamp 2026-03-01T10:30:00.000000Z     <- extension line: when it was taken
                                              <- blank line ends the signed text
    — interlock-audit Ab3x...base64 key id and Ed25519 signature...

The key id is the first four bytes of ``SHA-256(name || "\\n" || 0x01 || public key)``;
the public key is shared as a verifier key line ``name+hexid+base64(0x01 || key)``.
Signatures are Ed25519 (``cryptography``), deterministic, so the same checkpoint
signed twice gives the same file.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from interlock.audit.events import format_at, parse_at
from interlock.audit.merkle import HASH_SIZE
from interlock.exceptions import ConfigurationError, UsageError

ORIGIN_PREFIX: Final = "interlock/audit/"
"""A chain's checkpoints carry the origin ``interlock/audit/<chain>``."""

DEFAULT_KEY_NAME: Final = "interlock-audit"
CHECKPOINT_SUFFIX: Final = ".checkpoint"

_ED25519: Final = b"\x01"
_DASH: Final = "\u2014"
_KEY_NAME: Final = re.compile(r"[^\s+]+")
_MAX_NOTE_BYTES: Final = 16_384


@dataclass(frozen=True, slots=True, kw_only=True)
class Checkpoint:
    """One tree head of one chain: ``size`` events whose RFC 6962 head is ``root``, as of ``at``."""

    origin: str
    size: int
    root: bytes
    at: datetime

    @property
    def chain(self) -> str:
        """The chain this checkpoint is about (the origin without its prefix)."""
        return self.origin.removeprefix(ORIGIN_PREFIX)

    def body(self) -> str:
        """The signed text: origin, size, base64 head and the timestamp line."""
        root = base64.b64encode(self.root).decode("ascii")
        return f"{self.origin}\n{self.size}\n{root}\ntimestamp {format_at(self.at)}\n"


def origin_for(chain: str) -> str:
    """The origin line of ``chain``'s checkpoints."""
    return ORIGIN_PREFIX + chain


@dataclass(frozen=True, slots=True)
class Verifier:
    """A named Ed25519 public key that checks checkpoint signatures."""

    name: str
    key: Ed25519PublicKey

    @property
    def key_id(self) -> bytes:
        """The four-byte id that prefixes each of this key's signatures."""
        return _key_id(self.name, self.key)

    def to_text(self) -> str:
        """The verifier key line, ``name+hexid+base64(0x01 || key)``, to give to auditors."""
        raw = self.key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return f"{self.name}+{self.key_id.hex()}+{base64.b64encode(_ED25519 + raw).decode('ascii')}"

    @classmethod
    def from_text(cls, text: str) -> Verifier:
        """Parse a verifier key line; its embedded id must match the key it names."""
        parts = text.strip().split("+", 2)
        if len(parts) != 3 or not _KEY_NAME.fullmatch(parts[0]):
            raise ConfigurationError("a verifier key reads name+hexid+base64key")
        name, hex_id, encoded = parts
        try:
            raw = base64.b64decode(encoded, validate=True)
            key_id = bytes.fromhex(hex_id)
        except ValueError as exc:
            raise ConfigurationError(f"unreadable verifier key: {exc}") from None
        if len(raw) != 33 or raw[:1] != _ED25519:
            raise ConfigurationError("the verifier key is not an Ed25519 key")
        verifier = cls(name, Ed25519PublicKey.from_public_bytes(raw[1:]))
        if verifier.key_id != key_id:
            raise ConfigurationError("the verifier key's id does not match its key")
        return verifier


@dataclass(frozen=True, slots=True)
class Signer:
    """A named Ed25519 private key that signs checkpoints; kept away from the store."""

    name: str
    key: Ed25519PrivateKey

    def verifier(self) -> Verifier:
        """The matching public half."""
        return Verifier(self.name, self.key.public_key())

    def sign(self, checkpoint: Checkpoint) -> str:
        """The signed note for ``checkpoint``: its body, a blank line, one signature line."""
        body = checkpoint.body()
        signature = self.key.sign(body.encode("utf-8"))
        stamp = base64.b64encode(_key_id(self.name, self.key.public_key()) + signature).decode("ascii")
        return f"{body}\n{_DASH} {self.name} {stamp}\n"


def _key_id(name: str, key: Ed25519PublicKey) -> bytes:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(name.encode("utf-8") + b"\n" + _ED25519 + raw).digest()[:4]


def generate_key(private_path: Path, public_path: Path, *, name: str = DEFAULT_KEY_NAME) -> Verifier:
    """Create a new signing key: PKCS#8 PEM readable only by its owner, and the verifier line.

    An existing private key is never overwritten: losing it would make every earlier
    checkpoint unverifiable by a key you still hold.
    """
    if not _KEY_NAME.fullmatch(name):
        raise UsageError("a key name has no spaces and no '+'")
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    try:
        fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise ConfigurationError(f"{private_path} exists; refusing to overwrite a signing key") from None
    with os.fdopen(fd, "wb") as handle:
        handle.write(f"# key name: {name}\n".encode() + pem)
    verifier = Signer(name, key).verifier()
    public_path.write_text(verifier.to_text() + "\n", encoding="utf-8")
    return verifier


def load_signer(path: Path) -> Signer:
    """Read a key written by :func:`generate_key`."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigurationError(f"cannot read signing key {path}: {exc.strerror}") from None
    first, _, pem = text.partition("\n")
    name = first.removeprefix("# key name: ").strip()
    if not first.startswith("# key name: ") or not _KEY_NAME.fullmatch(name):
        raise ConfigurationError(f"{path} is not an interlock audit signing key")
    try:
        key = serialization.load_pem_private_key(pem.encode("ascii"), password=None)
    except ValueError as exc:
        raise ConfigurationError(f"unreadable signing key {path}: {exc}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigurationError(f"{path} is not an Ed25519 key")
    return Signer(name, key)


def load_verifier(path: Path) -> Verifier:
    """Read a verifier key line from a file."""
    try:
        return Verifier.from_text(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigurationError(f"cannot read public key {path}: {exc.strerror}") from None


def open_note(text: str, verifier: Verifier) -> Checkpoint:
    """Check the signature on a signed note and parse the checkpoint it carries.

    Raises :class:`ConfigurationError` saying what is wrong; nothing in an unsigned or
    malformed note is believed, not even its origin.
    """
    if len(text.encode("utf-8")) > _MAX_NOTE_BYTES or "\r" in text:
        raise ConfigurationError("not a signed note")
    body, sep, signatures = text.partition("\n\n")
    if not sep or not signatures.endswith("\n"):
        raise ConfigurationError("not a signed note: no blank line before the signatures")
    body += "\n"
    verified = False
    for line in signatures[:-1].split("\n"):
        parts = line.split(" ")
        if len(parts) != 3 or parts[0] != _DASH:
            raise ConfigurationError("malformed signature line")
        if parts[1] != verifier.name:
            continue
        try:
            stamp = base64.b64decode(parts[2], validate=True)
        except ValueError:
            raise ConfigurationError("malformed signature line") from None
        if len(stamp) != 4 + 64 or stamp[:4] != verifier.key_id:
            continue
        try:
            verifier.key.verify(stamp[4:], body.encode("utf-8"))
        except InvalidSignature:
            raise ConfigurationError("the checkpoint's signature does not verify") from None
        verified = True
    if not verified:
        raise ConfigurationError(f"the checkpoint carries no signature by {verifier.name!r}")
    return _parse_body(body)


def _parse_body(body: str) -> Checkpoint:
    lines = body[:-1].split("\n")
    if len(lines) < 3 or not lines[0]:
        raise ConfigurationError("a checkpoint needs an origin, a size and a head")
    origin, size_text, root_text, *extensions = lines
    if not size_text.isdigit() or (size_text.startswith("0") and size_text != "0"):
        raise ConfigurationError("the checkpoint's size is not a decimal number")
    try:
        root = base64.b64decode(root_text, validate=True)
    except ValueError:
        raise ConfigurationError("the checkpoint's head is not base64") from None
    if len(root) != HASH_SIZE:
        raise ConfigurationError("the checkpoint's head is not a SHA-256 hash")
    stamps = [line.removeprefix("timestamp ") for line in extensions if line.startswith("timestamp ")]
    if len(stamps) != 1:
        raise ConfigurationError("the checkpoint needs exactly one timestamp line")
    try:
        at = parse_at(stamps[0])
    except (UsageError, ValueError):
        raise ConfigurationError("the checkpoint's timestamp is unreadable") from None
    return Checkpoint(origin=origin, size=int(size_text), root=root, at=at)


def checkpoint_path(directory: Path, checkpoint: Checkpoint) -> Path:
    """Where a checkpoint is filed: by chain and zero-padded size, so names sort by size."""
    return directory / f"{checkpoint.chain}-{checkpoint.size:012d}{CHECKPOINT_SUFFIX}"


def write_note(directory: Path, checkpoint: Checkpoint, signer: Signer) -> Path:
    """Sign ``checkpoint`` and write it to ``directory``; an existing file is never replaced.

    Two checkpoints of the same size must have the same head; a second, different one
    would mean the log was rewritten, so it is refused rather than overwriting the
    evidence.
    """
    directory.mkdir(parents=True, exist_ok=True)
    path = checkpoint_path(directory, checkpoint)
    note = signer.sign(checkpoint)
    if path.exists():
        existing = open_note(path.read_text(encoding="utf-8"), signer.verifier())
        if existing.root != checkpoint.root:
            raise ConfigurationError(f"{path.name} already records a different head for this size")
        return path
    tmp = path.with_suffix(".tmp")
    tmp.write_text(note, encoding="utf-8")
    os.replace(tmp, path)
    return path


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckpointSet:
    """The verified checkpoints of one chain found in a directory, smallest first."""

    checkpoints: tuple[Checkpoint, ...]
    problems: tuple[str, ...]

    @property
    def latest(self) -> Checkpoint | None:
        """The checkpoint of the largest size, the one the log must extend."""
        return self.checkpoints[-1] if self.checkpoints else None


def read_notes(directory: Path, chain: str, verifier: Verifier) -> CheckpointSet:
    """Read and verify every checkpoint of ``chain`` in ``directory``.

    A file that does not verify is not silently skipped: it is reported in
    ``problems``, because a damaged or forged checkpoint is itself a finding.
    """
    if not directory.is_dir():
        raise ConfigurationError(f"checkpoint directory {directory} does not exist")
    found: dict[int, Checkpoint] = {}
    problems: list[str] = []
    own = re.compile(re.escape(chain) + r"-\d{12}" + re.escape(CHECKPOINT_SUFFIX))
    for path in sorted(p for p in directory.iterdir() if own.fullmatch(p.name)):
        try:
            checkpoint = open_note(path.read_text(encoding="utf-8"), verifier)
        except (ConfigurationError, UnicodeDecodeError) as exc:
            problems.append(f"{path.name}: {exc}")
            continue
        if checkpoint.origin != origin_for(chain):
            problems.append(f"{path.name}: signed for {checkpoint.origin!r}, not this chain")
            continue
        if checkpoint_path(directory, checkpoint).name != path.name:
            problems.append(f"{path.name}: file name does not match its signed size")
            continue
        found[checkpoint.size] = checkpoint
    ordered = tuple(found[size] for size in sorted(found))
    return CheckpointSet(checkpoints=ordered, problems=tuple(problems))
