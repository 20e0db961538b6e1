"""Audit stores, keys and checkpoints for tests and drills.

Checking tamper evidence always starts the same way: a store with some events, a
signing key, a checkpoint of the log; and often continues with the one attack a hash
chain alone cannot see, a rewrite that recomputes every later hash. These helpers do
those steps once, through the public audit API, so that every test sets up the same
thing the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import islice
from pathlib import Path

from sqlalchemy import Engine, bindparam, select, update

from interlock.audit.anchor import take_checkpoint
from interlock.audit.chain import (
    GENESIS_HASH,
    AuditLog,
    audit_events,
    audit_heads,
    begin_write,
    leaf_hash,
    link_hash,
)
from interlock.audit.checkpoint import Checkpoint, Signer, Verifier, generate_key, load_signer, load_verifier
from interlock.audit.events import AuditEvent
from interlock.store.metadata import store_metadata


def numbered_event(
    i: int,
    *,
    start: datetime,
    kind: str = "route.decided",
    outcome: str = "commit",
    reason: str = "approved",
    numbered_details: bool = True,
) -> AuditEvent:
    """The ``i``-th of a run of synthetic events about record ``C{i}``, one second apart."""
    return AuditEvent(
        kind=kind,  # type: ignore[arg-type]
        at=start + timedelta(seconds=i),
        principal="service:interlock",
        on_behalf_of=None,
        purpose="claims.adjudicate",
        work_item_id=f"wi-{i}",
        subject={"record_id": f"C{i}", "record_version": 1},
        outcome=outcome,
        reason=reason,
        details={"i": i} if numbered_details else {},
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class SigningKeys:
    """A checkpoint key pair, both as files (for the CLI) and loaded."""

    key: Path
    pubkey: Path
    signer: Signer
    verifier: Verifier


@dataclass(frozen=True, slots=True, kw_only=True)
class Anchored:
    """A log with a signed checkpoint in ``directory``."""

    log: AuditLog
    directory: Path
    keys: SigningKeys
    checkpoint: Checkpoint


def create_audit_tables(engine: Engine) -> None:
    """Create only the audit tables, so a test does not depend on other modules' tables."""
    store_metadata.create_all(engine, tables=[audit_events, audit_heads])


def append_all(log: AuditLog, events: Iterable[AuditEvent], *, batch: int = 1_000) -> int:
    """Append ``events`` in committed transactions of ``batch``; returns how many."""
    total = 0
    iterator = iter(events)
    while chunk := list(islice(iterator, batch)):
        with begin_write(log.engine) as conn:
            log.append(conn, chunk)
        total += len(chunk)
    return total


def signing_keys(folder: Path, *, name: str = "interlock-audit") -> SigningKeys:
    """Generate a key pair into ``folder`` and load it back from the files."""
    folder.mkdir(parents=True, exist_ok=True)
    key, pubkey = folder / f"{name}.key", folder / f"{name}.pub"
    generate_key(key, pubkey, name=name)
    return SigningKeys(key=key, pubkey=pubkey, signer=load_signer(key), verifier=load_verifier(pubkey))


def anchor(log: AuditLog, directory: Path, keys: SigningKeys, *, now: datetime) -> Anchored:
    """Take a checkpoint of ``log`` into ``directory`` with ``keys``."""
    checkpoint = take_checkpoint(log, directory, keys.signer, now=now)
    return Anchored(log=log, directory=directory, keys=keys, checkpoint=checkpoint)


def rehash_from(engine: Engine, seq: int, forge: Callable[[str], str], *, chain: str = "main") -> None:
    """Rewrite event ``seq``'s body with ``forge`` and recompute every later hash and the head.

    This is the attack of someone with write access who knows the hashing scheme: the
    chain verifies afterwards, and only a checkpoint kept outside the store shows it.
    """
    with engine.connect() as conn:
        stored: dict[int, Sequence[str]] = {
            int(r.seq): (r.body, r.chain_hash)
            for r in conn.execute(
                select(audit_events.c.seq, audit_events.c.body, audit_events.c.chain_hash).where(
                    audit_events.c.chain == chain
                )
            )
        }
    previous = GENESIS_HASH if seq == 1 else stored[seq - 1][1]
    changes = []
    for s in range(seq, max(stored) + 1):
        body = forge(stored[s][0]) if s == seq else stored[s][0]
        if s == seq and body == stored[s][0]:
            raise ValueError("forge did not change the body")
        leaf = leaf_hash(body.encode())
        previous = link_hash(previous, leaf)
        changes.append({"at_seq": s, "new_body": body, "new_leaf": leaf, "new_chain": previous})
    with engine.begin() as conn:
        conn.execute(
            update(audit_events)
            .where(audit_events.c.chain == chain, audit_events.c.seq == bindparam("at_seq"))
            .values(
                body=bindparam("new_body"), leaf_hash=bindparam("new_leaf"), chain_hash=bindparam("new_chain")
            ),
            changes,
        )
        conn.execute(update(audit_heads).where(audit_heads.c.chain == chain).values(chain_hash=previous))
