"""The hash-chained audit log: appends, lossless bodies, tamper detection, concurrency."""

from __future__ import annotations

import hashlib
import itertools
import multiprocessing
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Column, Engine, MetaData, Table, Text, delete, insert, select, update

from interlock.audit.chain import (
    GENESIS_HASH,
    AuditLog,
    audit_events,
    audit_heads,
    begin_write,
    count,
    events_for_record,
    leaf_hash,
    link_hash,
    verify,
)
from interlock.audit.events import AUDIT_KINDS, AuditEvent, content_ref, parse_body
from interlock.db import make_engine
from interlock.exceptions import UsageError
from interlock.store.metadata import store_metadata

T0 = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
KINDS = sorted(AUDIT_KINDS)


def make_event(i: int, **overrides: Any) -> AuditEvent:
    """A plausible event whose fields vary with ``i``."""
    fields: dict[str, Any] = {
        "kind": KINDS[i % len(KINDS)],
        "at": T0 + timedelta(seconds=i, microseconds=i % 7),
        "principal": "service:interlock",
        "on_behalf_of": f"staff:S{i % 5:04d}" if i % 2 else None,
        "purpose": "invoices.approve" if i % 3 == 0 else "claims.adjudicate",
        "work_item_id": f"wi-{i:06d}",
        "subject": {"record_id": f"C{i % 20:06d}", "record_version": 1 + i % 3},
        "outcome": "pass",
        "reason": "all checks passed",
        "details": {"allowed": f"{i}.50", "codes": ["J20.9", "99213"], "n": i},
        "policy_version": "policy-7",
    }
    fields.update(overrides)
    return AuditEvent(**fields)


def create_tables(engine: Engine) -> None:
    """Create only the audit tables, so these tests do not depend on other modules' tables."""
    store_metadata.create_all(engine, tables=[audit_events, audit_heads])


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """An engine on an empty audit store, once on a SQLite file and once on PostgreSQL."""
    eng = make_engine(db_url)
    create_tables(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def log500(engine: Engine) -> AuditLog:
    """A chain of 500 events appended in batches of 50."""
    log = AuditLog(engine)
    for start in range(1, 501, 50):
        with begin_write(engine) as conn:
            log.append(conn, [make_event(i) for i in range(start, start + 50)])
    return log


def rows_by_seq(engine: Engine) -> dict[int, Any]:
    """Every stored row of the main chain, keyed by seq."""
    with engine.connect() as conn:
        rows = conn.execute(select(audit_events).where(audit_events.c.chain == "main")).all()
    return {row.seq: row for row in rows}


def set_row(engine: Engine, seq: int, **values: Any) -> None:
    """Overwrite columns of one stored row, as an attacker with SQL access would."""
    with engine.begin() as conn:
        conn.execute(
            update(audit_events)
            .where(audit_events.c.chain == "main", audit_events.c.seq == seq)
            .values(**values)
        )


def check(log: AuditLog, first_bad_seq: int, reason_part: str, *, verified: int = -1) -> None:
    """Assert that verification fails first at ``first_bad_seq`` for the expected reason.

    ``verified`` is how many events checked out before the failure; by default, all
    those before ``first_bad_seq``.
    """
    report = log.verify(batch_size=64)
    assert not report.ok
    assert report.first_bad_seq == first_bad_seq, report
    assert reason_part in report.reason, report
    assert report.count == (first_bad_seq - 1 if verified < 0 else verified)


def test_append_and_verify_ok(engine: Engine) -> None:
    """Appended events get seqs 1..n, hashes that link, and verify cleanly."""
    log = AuditLog(engine)
    with begin_write(engine) as conn:
        first = log.append(conn, [make_event(i) for i in range(3)])
    with begin_write(engine) as conn:
        second = log.append(conn, [make_event(i) for i in range(3, 5)])
    appended = first + second
    assert [a.seq for a in appended] == [1, 2, 3, 4, 5]
    assert [a.event_id for a in appended] == [f"main:{n}" for n in range(1, 6)]
    previous = GENESIS_HASH
    for i, item in enumerate(appended):
        assert item.leaf_hash == leaf_hash(make_event(i).to_canonical_json())
        assert item.chain_hash == link_hash(previous, item.leaf_hash)
        previous = item.chain_hash
    report = verify(engine)
    assert report.ok, report
    assert (report.count, report.head_hash) == (5, appended[-1].chain_hash)
    assert count(engine) == 5
    with engine.connect() as conn:
        assert log.append(conn, []) == []


def test_empty_chain_verifies_ok(engine: Engine) -> None:
    """A chain nobody appended to verifies as zero events ending at the genesis hash."""
    report = AuditLog(engine).verify()
    assert report.ok
    assert (report.count, report.head_hash) == (0, GENESIS_HASH)


def test_events_for_record_round_trip_losslessly(engine: Engine) -> None:
    """A stored body parses back into an event equal to the one appended, byte for byte."""
    original = make_event(
        1,
        subject={"record_id": "C000042", "record_version": 3},
        reason="línea 2: ✓ «ok» \u2028 \x07",
        details={
            "amount": "1234.50",
            "ratio": 0.1,
            "whole": 2.0,
            "flags": (True, False, None),
            "nested": {"b": [1, {"z": "ž"}], "a": -(2**53 - 1)},
            "hash": "sha256:" + "0" * 64,
        },
        model_id="baseline-1",
        prompt_template="adjudicate@3",
        prompt_hash="sha256:" + "1" * 64,
        idempotency_key="claims.adjudicate/C000042/v3",
        receipt="adj-99",
        trace_id="4bf92f3577b34da6a3ce929d0e0e4736",
        source="worker@host-1",
    )
    log = AuditLog(engine)
    log.append_one(make_event(2))
    log.append_one(original)
    stored = events_for_record(engine, "C000042")
    assert [s.seq for s in stored] == [2]
    assert stored[0].at == original.at
    rebuilt = stored[0].event()
    assert rebuilt == original
    assert rebuilt.to_canonical_json() == original.to_canonical_json()
    assert leaf_hash(rebuilt.to_canonical_json()) == stored[0].leaf_hash
    assert log.events_for_work_item("wi-000001") == stored


def test_tampered_body_field_is_detected(log500: AuditLog) -> None:
    """Editing one field inside a stored body fails verification at that row."""
    body = rows_by_seq(log500.engine)[137].body
    assert '"outcome":"pass"' in body
    set_row(log500.engine, 137, body=body.replace('"outcome":"pass"', '"outcome":"fail"'))
    check(log500, 137, "leaf hash")
    assert log500.verify().first_bad_event_id == "main:137"


def test_deleted_middle_row_is_detected(log500: AuditLog) -> None:
    """Deleting a row in the middle is reported as that seq missing."""
    with log500.engine.begin() as conn:
        conn.execute(delete(audit_events).where(audit_events.c.seq == 250))
    check(log500, 250, "missing")
    assert log500.verify().first_bad_event_id is None


def test_deleted_tail_is_detected_by_the_head(log500: AuditLog) -> None:
    """Deleting the last rows leaves a head that points past the end of the log."""
    with log500.engine.begin() as conn:
        conn.execute(delete(audit_events).where(audit_events.c.seq > 495))
    check(log500, 496, "head records 500")


def test_swapped_bodies_are_detected(log500: AuditLog) -> None:
    """Swapping two rows' bodies fails at the earlier of the two rows."""
    rows = rows_by_seq(log500.engine)
    set_row(log500.engine, 100, body=rows[200].body)
    set_row(log500.engine, 200, body=rows[100].body)
    check(log500, 100, "leaf hash")


def test_swapped_bodies_with_their_leaf_hashes_are_detected(log500: AuditLog) -> None:
    """Moving a body together with its leaf hash breaks the chain link at the earlier row."""
    rows = rows_by_seq(log500.engine)
    for here, there in ((100, 200), (200, 100)):
        set_row(log500.engine, here, body=rows[there].body, leaf_hash=rows[there].leaf_hash)
    check(log500, 100, "chain hash")


def test_forged_row_inserted_in_the_middle_is_detected(log500: AuditLog) -> None:
    """A forged row slipped in by renumbering later rows breaks the link of the next row."""
    engine = log500.engine
    rows = rows_by_seq(engine)
    forged = make_event(9999, outcome="pass", reason="forged")
    forged_leaf = leaf_hash(forged.to_canonical_json())
    with engine.begin() as conn:
        conn.execute(delete(audit_events).where(audit_events.c.seq >= 300))
        shifted = [
            {**rows[seq]._asdict(), "seq": seq + 1, "event_id": f"main:{seq + 1}"} for seq in range(300, 501)
        ]
        conn.execute(insert(audit_events), shifted)
        conn.execute(
            insert(audit_events).values(
                chain="main",
                seq=300,
                event_id="main:300",
                kind=forged.kind,
                at=forged.at,
                record_id=forged.record_id,
                work_item_id=forged.work_item_id,
                body=forged.to_canonical_json().decode(),
                leaf_hash=forged_leaf,
                chain_hash=link_hash(rows[299].chain_hash, forged_leaf),
            )
        )
        conn.execute(update(audit_heads).values(seq=501))
    check(log500, 301, "chain hash")


def test_forged_row_beyond_the_head_is_detected(log500: AuditLog) -> None:
    """A correctly hashed row appended without moving the head is flagged at its seq."""
    tail = rows_by_seq(log500.engine)[500]
    forged = make_event(501)
    forged_leaf = leaf_hash(forged.to_canonical_json())
    with log500.engine.begin() as conn:
        conn.execute(
            insert(audit_events).values(
                chain="main",
                seq=501,
                event_id="main:501",
                kind=forged.kind,
                at=forged.at,
                record_id=forged.record_id,
                work_item_id=forged.work_item_id,
                body=forged.to_canonical_json().decode(),
                leaf_hash=forged_leaf,
                chain_hash=link_hash(tail.chain_hash, forged_leaf),
            )
        )
    check(log500, 501, "beyond the head")


def test_changed_lookup_column_is_detected(log500: AuditLog) -> None:
    """Re-pointing a row's record_id column, which would hide it from look-ups, is detected."""
    set_row(log500.engine, 42, record_id="C999999")
    check(log500, 42, "record_id column")


def test_events_for_record_finds_every_task_and_old_claim_subjects(engine: Engine) -> None:
    """Look-up by record finds its events of every task, including those whose subject says claim_id."""
    log = AuditLog(engine)
    legacy = make_event(1, subject={"claim_id": "R-7", "claim_version": 2}, purpose="claims.adjudicate")
    generic = make_event(2, subject={"record_id": "R-7", "record_version": 3}, purpose="invoices.approve")
    review = make_event(
        4, subject={"record_id": "R-7", "record_version": 3, "review_id": "rv-1"}, purpose="invoices.approve"
    )
    for event in (legacy, make_event(3), generic, review):
        log.append_one(event)
    assert legacy.record_id == generic.record_id == review.record_id == "R-7"
    found = log.events_for_record("R-7")
    assert [s.seq for s in found] == [1, 3, 4]
    assert [s.event() for s in found] == [legacy, generic, review]
    assert found[0].body["subject"] == {"claim_id": "R-7", "claim_version": 2}, (
        "old bodies are kept as they were"
    )
    assert log.verify().ok


def test_changed_lookup_column_of_an_old_claim_subject_is_detected(engine: Engine) -> None:
    """An event whose subject says claim_id is held to its record_id column like any other."""
    log = AuditLog(engine)
    for i in range(1, 6):
        log.append_one(make_event(i, subject={"claim_id": f"C{i}", "claim_version": 1}))
    assert log.verify().ok
    set_row(engine, 3, record_id="C9")
    check(log, 3, "record_id column")


def test_an_event_without_a_record_has_no_lookup_key(engine: Engine) -> None:
    """A subject naming no record (a configuration change) leaves record_id NULL, and a value there is caught."""
    log = AuditLog(engine)
    log.append_one(make_event(1, kind="config.changed", subject={}))
    assert rows_by_seq(engine)[1].record_id is None
    assert log.verify().ok
    set_row(engine, 1, record_id="C1")
    check(log, 1, "record_id column")


def test_changed_event_id_is_detected(log500: AuditLog) -> None:
    """An event_id that no longer matches its seq is detected."""
    set_row(log500.engine, 7, event_id="main:7b")
    check(log500, 7, "event_id")


def test_head_hash_mismatch_is_detected(log500: AuditLog) -> None:
    """A head whose hash is not the last row's chain hash is detected."""
    with log500.engine.begin() as conn:
        conn.execute(update(audit_heads).values(chain_hash="ab" * 32))
    check(log500, 500, "head hash", verified=500)


def test_full_rehash_passes_without_a_checkpoint(log500: AuditLog) -> None:
    """A forger who recomputes every later hash and the head passes verify alone.

    This pins the known limit of an unanchored chain: only checkpoints kept outside the
    database catch such a rewrite.
    """
    engine = log500.engine
    rows = rows_by_seq(engine)
    previous = rows[9].chain_hash
    with engine.begin() as conn:
        for seq in range(10, 501):
            body = rows[seq].body
            if seq == 10:
                body = body.replace('"outcome":"pass"', '"outcome":"fail"')
            leaf = leaf_hash(body.encode())
            previous = link_hash(previous, leaf)
            conn.execute(
                update(audit_events)
                .where(audit_events.c.seq == seq)
                .values(body=body, leaf_hash=leaf, chain_hash=previous)
            )
        conn.execute(update(audit_heads).values(chain_hash=previous))
    assert log500.verify().ok


def test_clean_log_reverifies_without_false_alarms(log500: AuditLog) -> None:
    """An untouched log verifies ok every time, in any batch size, and after more appends."""
    first = log500.verify()
    assert first.ok
    assert first.count == 500
    for batch_size in (1, 7, 500, 10_000):
        assert log500.verify(batch_size=batch_size) == first
    log500.append_one(make_event(501))
    again = log500.verify()
    assert again.ok
    assert again.count == 501


def test_verify_during_concurrent_appends_has_no_false_alarms(tmp_path: Path) -> None:
    """Verify sees one snapshot, so appends committing meanwhile never look like tampering."""
    engine = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    create_tables(engine)
    log = AuditLog(engine)
    stop = threading.Event()
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            i = 0
            while not stop.is_set():
                with begin_write(engine) as conn:
                    log.append(conn, [make_event(i + k) for k in range(5)])
                i += 5
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        reports = [log.verify(batch_size=16) for _ in range(30)]
    finally:
        stop.set()
        thread.join()
    engine.dispose()
    assert not errors
    assert all(r.ok for r in reports), [r for r in reports if not r.ok]


def test_rolled_back_append_leaves_no_trace(engine: Engine) -> None:
    """An append inside a transaction that rolls back leaves neither events, head, nor state."""
    scratch = Table("scratch_state", MetaData(), Column("k", Text, primary_key=True))
    scratch.create(engine)
    log = AuditLog(engine)

    def change_then_fail() -> None:
        with begin_write(engine) as conn:
            conn.execute(insert(scratch).values(k="changed"))
            log.append(conn, [make_event(i) for i in range(10)])
            raise RuntimeError("abort")

    with pytest.raises(RuntimeError, match="abort"):
        change_then_fail()
    with engine.connect() as conn:
        assert conn.execute(select(scratch)).all() == []
        assert conn.execute(select(audit_heads)).all() == []
    assert log.count() == 0
    assert log.verify().ok
    assert log.append_one(make_event(0)).seq == 1


def test_rolled_back_caller_transaction_leaves_no_trace(engine: Engine) -> None:
    """An append in a plain engine.begin() transaction that is rolled back is undone too."""
    log = AuditLog(engine)
    log.append_one(make_event(0))
    with engine.connect() as conn:
        trans = conn.begin()
        log.append(conn, [make_event(1), make_event(2)])
        trans.rollback()
    report = log.verify()
    assert report.ok
    assert report.count == 1


def test_append_refuses_an_autocommit_connection(engine: Engine) -> None:
    """Appending on an autocommit connection, where nothing would be atomic, is refused."""
    log = AuditLog(engine)
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT")
        with pytest.raises(UsageError, match="transaction"):
            log.append(conn, [make_event(0)])
    assert log.count() == 0


def test_chains_are_independent(engine: Engine) -> None:
    """Two named chains number and hash their events separately."""
    main, ops = AuditLog(engine), AuditLog(engine, "ops")
    main.append_one(make_event(0))
    main.append_one(make_event(1))
    assert ops.append_one(make_event(2)).event_id == "ops:1"
    assert (main.verify().count, ops.verify().count) == (2, 1)
    assert main.verify().ok
    assert ops.verify().ok


def _append_worker(url: str, worker: int, batches: int, barrier: Any) -> None:
    """Append ``batches`` transactions of five events each, starting with the other worker."""
    engine = make_engine(url)
    log = AuditLog(engine)
    barrier.wait()
    for batch in range(batches):
        time.sleep(0.005)  # other work between transactions, so the two workers interleave
        with begin_write(engine) as conn:
            log.append(
                conn,
                [make_event(k, details={"worker": worker, "batch": batch, "k": k}) for k in range(5)],
            )
    engine.dispose()


def run_two_appenders(url: str, batches: int = 40) -> None:
    """Run two spawned processes appending to ``url`` at once and check the result."""
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(2)
    procs = [ctx.Process(target=_append_worker, args=(url, w, batches, barrier)) for w in range(2)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(timeout=120)
    assert [proc.exitcode for proc in procs] == [0, 0]

    engine = make_engine(url)
    report = verify(engine)
    rows = rows_by_seq(engine)
    engine.dispose()
    total = 2 * batches * 5
    assert report.ok, report
    assert report.count == total
    assert sorted(rows) == list(range(1, total + 1))
    by_batch: dict[tuple[int, int], list[int]] = {}
    for seq, row in rows.items():
        details = parse_body(row.body)["details"]
        by_batch.setdefault((int(details["worker"]), int(details["batch"])), []).append(seq)
    for seqs in by_batch.values():
        assert seqs == list(range(seqs[0], seqs[0] + 5)), "a transaction's events interleaved"
    order = [worker for (worker, _), seqs in sorted(by_batch.items(), key=lambda kv: kv[1][0])]
    switches = sum(1 for a, b in itertools.pairwise(order) if a != b)
    assert switches >= 2, "the two workers never overlapped, so nothing was tested"


def test_concurrent_appends_from_two_processes_on_sqlite(tmp_path: Path) -> None:
    """Two processes appending to one SQLite file produce one contiguous, valid chain."""
    url = f"sqlite:///{tmp_path / 'store.db'}"
    engine = make_engine(url)
    create_tables(engine)
    engine.dispose()
    run_two_appenders(url)


@pytest.mark.postgres
def test_concurrent_appends_from_two_processes_on_postgresql(pg_url: str) -> None:
    """Two processes appending to one PostgreSQL chain produce one contiguous, valid chain."""
    engine = make_engine(pg_url)
    create_tables(engine)
    engine.dispose()
    run_two_appenders(pg_url)


def test_canonical_json_is_stable_for_key_order() -> None:
    """The canonical form, and so the leaf hash, ignores the order keys were given in."""
    a = make_event(1, subject={"record_id": "C1", "record_version": 2}, details={"b": 1, "a": 2})
    b = make_event(1, subject={"record_version": 2, "record_id": "C1"}, details={"a": 2, "b": 1})
    assert a.to_canonical_json() == b.to_canonical_json()
    assert leaf_hash(a.to_canonical_json()) == leaf_hash(b.to_canonical_json())


def test_canonical_json_matches_the_pinned_form() -> None:
    """The serialized form is pinned, so a change that would alter stored hashes fails here."""
    event = AuditEvent(
        kind="gate.verdict",
        at=datetime(2025, 3, 1, 10, 30, tzinfo=timezone(timedelta(hours=1))),
        principal="service:interlock",
        on_behalf_of=None,
        purpose="claims.adjudicate",
        work_item_id="wi-1",
        subject={"record_id": "C000001", "record_version": 3},
        outcome="pass",
        reason="ok",
        details={"total": "10.00", "é": 1},
        model_id="m-1",
    )
    expected = (
        '{"at":"2025-03-01T09:30:00.000000Z","details":{"total":"10.00","é":1},'
        '"kind":"gate.verdict","model_id":"m-1","on_behalf_of":null,"outcome":"pass",'
        '"principal":"service:interlock","purpose":"claims.adjudicate","reason":"ok",'
        '"subject":{"record_id":"C000001","record_version":3},"v":1,"work_item_id":"wi-1"}'
    ).encode()
    assert event.to_canonical_json() == expected
    assert leaf_hash(expected) == hashlib.sha256(b"\x00" + expected).hexdigest()
    assert event.at.tzinfo is UTC


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"at": datetime(2025, 1, 1)}, "timezone-aware"),
        ({"kind": "work.exploded"}, "unknown audit event kind"),
        ({"details": {"x": float("nan")}}, "not a JSON number"),
        ({"details": {"x": float("inf")}}, "not a JSON number"),
        ({"details": {"amount": Decimal("1.10")}}, "as strings"),
        ({"details": {"big": 2**53}}, "exact range"),
        ({"details": {1: "x"}}, "keys must be strings"),
        ({"details": {"when": T0}}, "not a JSON value"),
        ({"subject": {"record_id": 1.5}}, "identifier"),
        ({"subject": {"flag": True}}, "identifier"),
        ({"principal": ""}, "principal"),
        ({"model_id": 3}, "model_id"),
    ],
)
def test_invalid_events_are_refused_at_construction(overrides: dict[str, Any], message: str) -> None:
    """An event that could not be hashed or parsed back the same is refused when built."""
    with pytest.raises(UsageError, match=message):
        make_event(1, **overrides)


def test_event_copies_its_inputs() -> None:
    """Mutating the dicts passed in does not change an event already built."""
    details: dict[str, Any] = {"codes": ["A"]}
    event = make_event(1, details=details)
    before = event.to_canonical_json()
    details["codes"].append("B")
    assert event.to_canonical_json() == before
    assert replace(event, outcome="review").outcome == "review"


def test_content_ref_is_a_salted_hash() -> None:
    """Content is referenced by sha256 of salt and text, and a short salt is refused."""
    salt = b"s" * 16
    ref = content_ref(salt, "acute bronchitis")
    assert ref == "sha256:" + hashlib.sha256(salt + b"acute bronchitis").hexdigest()
    assert content_ref(b"t" * 16, "acute bronchitis") != ref
    with pytest.raises(UsageError, match="salt"):
        content_ref(b"short", "acute bronchitis")


def test_invalid_chain_name_is_refused(engine: Engine) -> None:
    """Chain names are restricted so that event ids stay unambiguous."""
    with pytest.raises(UsageError, match="chain name"):
        AuditLog(engine, "main:2")
