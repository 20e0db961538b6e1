"""The store's Alembic revisions against real SQLite and PostgreSQL databases.

The revisions are written by hand, so they can drift from the ``MetaData`` the code
uses. These tests catch that two ways: Alembic's own comparison finds nothing to
change after an upgrade, and everything the database reports about the tables
(columns, keys, foreign keys, unique and CHECK constraints, indexes) is identical to
what ``create_all`` makes from the metadata.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import secrets
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import BigInteger, Column, Engine, MetaData, Table, Text, create_engine, inspect, text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner, Result

from interlock.audit.chain import GENESIS_HASH, AuditLog, UtcDateTime, audit_heads, leaf_hash, link_hash
from interlock.audit.events import AuditEvent
from interlock.cli.app import app
from interlock.db import make_engine, normalize_url
from interlock.exceptions import StoreNotMigrated
from interlock.store import migrations
from interlock.store.migrations import open_action, prepare_store, store_tables
from pgscratch import scratch_database

TABLES = sorted(store_tables().tables)


def _describe(engine: Engine) -> dict[str, Any]:
    """Everything the database says about the store's tables, in a comparable form."""
    found: dict[str, Any] = {}
    with engine.connect() as conn:
        insp = inspect(conn)
        for table in TABLES:
            found[table] = {
                "columns": [
                    (c["name"], str(c["type"]), c["nullable"], c.get("default"))
                    for c in insp.get_columns(table)
                ],
                "pk": sorted(insp.get_pk_constraint(table)["constrained_columns"]),
                "fks": sorted(
                    (tuple(f["constrained_columns"]), f["referred_table"], tuple(f["referred_columns"]))
                    for f in insp.get_foreign_keys(table)
                ),
                "unique": sorted(tuple(u["column_names"]) for u in insp.get_unique_constraints(table)),
                "checks": sorted((c["name"], c["sqltext"]) for c in insp.get_check_constraints(table)),
                "indexes": sorted(
                    (i["name"], tuple(i["column_names"]), bool(i["unique"])) for i in insp.get_indexes(table)
                ),
            }
    return found


def _assert_matches_metadata(upgraded: Engine, reference: Engine) -> None:
    with upgraded.connect() as conn:
        assert migrations.schema_differences(conn) == []
    assert set(TABLES) <= set(inspect(upgraded).get_table_names())
    assert _describe(upgraded) == _describe(reference)


def test_sqlite_upgrade_builds_the_metadata_schema_and_is_idempotent(tmp_path: Path) -> None:
    """A fresh SQLite store upgraded to head equals create_all's; a second upgrade is a no-op."""
    upgraded = make_engine(f"sqlite:///{tmp_path / 'up.db'}")
    reference = make_engine(f"sqlite:///{tmp_path / 'ref.db'}")
    store_tables().create_all(reference)

    first = migrations.upgrade(upgraded)
    assert (first.before, first.after, first.adopted) == (None, migrations.head_revision(), False)
    _assert_matches_metadata(upgraded, reference)
    second = migrations.upgrade(upgraded)
    assert (second.before, second.after, second.adopted) == (first.after, first.after, False)
    _assert_matches_metadata(upgraded, reference)


def test_sqlite_store_opens_with_zero_setup_and_adopts_create_all_stores(tmp_path: Path) -> None:
    """open_store's policy for SQLite: migrate on open, adopt a create_all store, keep its rows."""
    fresh = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    assert prepare_store(fresh) == "upgraded"
    assert prepare_store(fresh) == "ready"

    legacy = make_engine(f"sqlite:///{tmp_path / 'legacy.db'}")
    store_tables().create_all(legacy)
    log = AuditLog(legacy)
    log.append_one(
        AuditEvent(
            kind="gate.verdict",
            at=datetime(2026, 1, 1, tzinfo=UTC),
            principal="service:interlock",
            on_behalf_of=None,
            purpose="claims.adjudicate",
            work_item_id="wi-1",
            subject={"record_id": "C1", "record_version": 1},
            outcome="pass",
            reason="ok",
            details={},
            model_id=None,
        )
    )
    assert prepare_store(legacy) == "upgraded"
    assert migrations.store_status(legacy) == (migrations.head_revision(), migrations.head_revision())
    assert log.verify().ok


def test_a_store_that_differs_from_the_schema_is_not_adopted(tmp_path: Path) -> None:
    """Unversioned tables that do not match the metadata are refused, not stamped."""
    engine = make_engine(f"sqlite:///{tmp_path / 'odd.db'}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE work_items (work_item_id TEXT PRIMARY KEY)")
    with pytest.raises(Exception, match="differ from this version's schema"):
        migrations.upgrade(engine)
    assert migrations.store_status(engine)[0] is None


def test_unrelated_tables_in_the_store_are_left_alone(tmp_path: Path) -> None:
    """Another table in the same database (the search index, a queue) is not ours to drop."""
    engine = make_engine(f"sqlite:///{tmp_path / 'shared.db'}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE search_documents (doc_id INTEGER PRIMARY KEY)")
    migrations.upgrade(engine)
    with engine.connect() as conn:
        assert migrations.schema_differences(conn) == []
    assert "search_documents" in inspect(engine).get_table_names()


def test_upgrade_sql_is_printable_without_a_database() -> None:
    """`db upgrade --sql` renders the revision for review (PostgreSQL types, version row)."""
    sql = migrations.upgrade_sql("postgresql+psycopg://nobody@localhost/none")
    assert "CREATE TABLE audit_events" in sql
    assert "TIMESTAMP WITH TIME ZONE" in sql
    assert f"INSERT INTO {migrations.VERSION_TABLE}" in sql


# -- PostgreSQL ---------------------------------------------------------------------------


@pytest.fixture
def pg_reference(pg_url: str) -> Iterator[Engine]:
    """A second scratch database on the same server, holding create_all's schema."""
    admin = create_engine(normalize_url(pg_url), isolation_level="AUTOCOMMIT")
    name = f"interlock_ref_{secrets.token_hex(6)}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine = make_engine(make_url(pg_url).set(database=name).render_as_string(hide_password=False))
    try:
        store_tables().create_all(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.mark.postgres
def test_postgres_upgrade_builds_the_metadata_schema_and_is_idempotent(
    pg_url: str, pg_reference: Engine
) -> None:
    """On PostgreSQL too: no Alembic differences, identical catalog, second run a no-op."""
    engine = make_engine(pg_url)
    try:
        assert migrations.upgrade(engine).after == migrations.head_revision()
        _assert_matches_metadata(engine, pg_reference)
        again = migrations.upgrade(engine)
        assert again.before == again.after == migrations.head_revision()
        _assert_matches_metadata(engine, pg_reference)
        with engine.connect() as conn:
            at_type = conn.execute(
                text(
                    "SELECT data_type FROM information_schema.columns "
                    "WHERE table_name = 'audit_events' AND column_name = 'at'"
                )
            ).scalar()
        assert at_type == "timestamp with time zone"
    finally:
        engine.dispose()


def _interlock(*args: str) -> Result:
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})


def test_open_action_upgrades_sqlite_and_new_stores_but_not_versioned_postgres_ones() -> None:
    """The open policy: SQLite always follows; PostgreSQL creates or adopts, never moves a versioned schema."""
    known = frozenset({"0001", "0002"})

    def action(dialect: str, current: str | None) -> str:
        return open_action(dialect=dialect, current=current, head="0002", known=known)

    assert action("sqlite", "0002") == action("postgresql", "0002") == "ready"
    assert action("sqlite", None) == action("postgresql", None) == "upgrade"
    assert action("sqlite", "0001") == "upgrade"
    with pytest.raises(StoreNotMigrated, match="needs revision 0002"):
        action("postgresql", "0001")
    for dialect in ("sqlite", "postgresql"):
        with pytest.raises(StoreNotMigrated, match="does not know"):
            action(dialect, "0003")


@pytest.mark.postgres
def test_postgres_store_is_created_on_first_open_and_db_commands_report_it(pg_url: str) -> None:
    """A new PostgreSQL store opens with zero setup; `db current --check` and `db upgrade` agree."""
    engine = make_engine(pg_url)
    try:
        behind = _interlock("db", "current", "--store", pg_url, "--check")
        assert behind.exit_code == 1
        assert "unversioned" in behind.stdout

        assert prepare_store(engine) == "upgraded"
        assert prepare_store(engine) == "ready"
        again = _interlock("db", "upgrade", "--store", pg_url)
        assert again.exit_code == 0, again.output
        assert "already at revision" in again.output
        current = _interlock("db", "current", "--store", pg_url, "--check")
        assert current.exit_code == 0, current.output
        assert current.stdout.startswith(migrations.head_revision())

        with engine.begin() as conn:
            conn.execute(text(f"UPDATE {migrations.VERSION_TABLE} SET version_num = 'ffff'"))
        with pytest.raises(StoreNotMigrated, match="does not know"):
            prepare_store(engine)
        refused = _interlock("audit", "verify", "--store", pg_url)
        assert refused.exit_code == 2
        assert "does not know" in refused.output
    finally:
        engine.dispose()


def test_a_store_with_only_some_tables_gets_the_rest_and_is_adopted(tmp_path: Path) -> None:
    """A store holding only the audit tables (as create_all(tables=...) leaves it) is completed."""
    engine = make_engine(f"sqlite:///{tmp_path / 'partial.db'}")
    chain_tables = [store_tables().tables["audit_events"], store_tables().tables["audit_heads"]]
    store_tables().create_all(engine, tables=chain_tables)
    result = migrations.upgrade(engine)
    assert result.adopted
    with engine.connect() as conn:
        assert migrations.schema_differences(conn) == []


def _touch(url: str) -> None:
    """Create the database file (in WAL mode, as every engine's first connection does)."""
    engine = make_engine(url)
    with engine.connect() as conn:
        conn.exec_driver_sql("SELECT 1")
    engine.dispose()


def _open_in_child(url: str) -> str:
    return prepare_store(make_engine(url))


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_processes_opening_a_new_store_at_once_queue_instead_of_racing(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Four processes open one empty store together: exactly one builds it, none fails."""
    url = f"sqlite:///{tmp_path / 'race.db'}" if backend == "sqlite" else request.getfixturevalue("pg_url")
    if backend == "sqlite":
        # Make the empty file WAL first: switching a brand-new file to WAL from several
        # processes at once is make_engine's own race (PRAGMA journal_mode does not wait
        # for the busy timeout), not the migration lock this test is about.
        _touch(url)
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=4, mp_context=context) as pool:
        outcomes = sorted(pool.map(_open_in_child, [url] * 4))
    assert outcomes.count("upgraded") >= 1
    engine = make_engine(url)
    try:
        assert migrations.store_status(engine) == (migrations.head_revision(), migrations.head_revision())
        with engine.connect() as conn:
            assert migrations.schema_differences(conn) == []
            rows = conn.execute(text(f"SELECT count(*) FROM {migrations.VERSION_TABLE}")).scalar_one()
        assert rows == 1
    finally:
        engine.dispose()


def _claims_era_review_item(conn: Any) -> None:
    """One work item and its review item as revision 0001 stored them (claim columns)."""
    now = datetime(2026, 3, 1)
    conn.exec_driver_sql(
        "INSERT INTO work_items (work_item_id, task, record_id, record_version, principal, idempotency_key,"
        " status, attempt, defer_count, route, created_at, updated_at)"
        " VALUES ('wi-1', 'claims.adjudicate', 'C1', 2, 'service:interlock', 'claims.adjudicate/C1/v2',"
        f" 'done', 1, 0, 'review', '{now.isoformat(' ')}', '{now.isoformat(' ')}')"
    )
    conn.exec_driver_sql(
        "INSERT INTO review_items (review_id, work_item_id, claim_id, claim_version, total_billed, region,"
        " line_of_business, sensitivity, reason, findings, proposal, status, opened_at)"
        " VALUES ('rv-1', 'wi-1', 'C1', 2, '12000.00', 'north', 'commercial', 'none', 'high value', '[]', '{}',"
        f" 'open', '{now.isoformat(' ')}')"
    )


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_claims_era_review_items_become_generic_and_stay_scoped(tmp_path: Path, backend: str) -> None:
    """Upgrading a 0001 store keeps each review item, keyed by task and record, visible to the same scope."""
    from interlock.policy.entitlements import claim_scope
    from interlock.policy.principal import service_principal, staff_principal
    from interlock.review.queue import open_reviews, review_row

    with contextlib.ExitStack() as stack:
        if backend == "sqlite":
            url = f"sqlite:///{tmp_path / 'old.db'}"
        else:
            url = stack.enter_context(scratch_database("interlock_mig")).render_as_string(hide_password=False)
        engine = make_engine(url)
        migrations.upgrade(engine, "0001")
        with engine.begin() as conn:
            _claims_era_review_item(conn)
        assert migrations.upgrade(engine).after == migrations.head_revision()
        row = review_row(engine, "rv-1", claim_scope(service_principal()))
        assert row is not None
        assert (row.task, row.record_id, row.record_version, str(row.amount)) == (
            "claims.adjudicate",
            "C1",
            2,
            "12000.00",
        )
        assert row.attributes == {"region": "north", "line_of_business": "commercial", "sensitivity": "none"}
        south = staff_principal(
            staff_id="S1",
            role="analyst",
            active=True,
            assignments=frozenset({("south", "commercial")}),
            privileges=frozenset(),
        )
        assert review_row(engine, "rv-1", claim_scope(south)) is None
        assert open_reviews(engine, claim_scope(south)) == []
        assert [r.review_id for r in open_reviews(engine, claim_scope(service_principal()))] == ["rv-1"]
        engine.dispose()


def test_an_unversioned_claims_era_store_is_adopted_at_the_baseline(tmp_path: Path) -> None:
    """A store that create_all made before review items were generic is stamped 0001, then upgraded."""
    engine = make_engine(f"sqlite:///{tmp_path / 'legacy.db'}")
    migrations.upgrade(engine, "0001")
    with engine.begin() as conn:
        _claims_era_review_item(conn)
        conn.exec_driver_sql(f"DROP TABLE {migrations.VERSION_TABLE}")
    result = migrations.upgrade(engine)
    assert result.adopted and result.after == migrations.head_revision()
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT task, record_id FROM review_items").all() == [
            ("claims.adjudicate", "C1")
        ]


# -- revision 0003: audit events are looked up by record ----------------------------------

# audit_events as revision 0001 made it, and as code of that time wrote rows into it.
_AUDIT_0001 = Table(
    "audit_events",
    MetaData(),
    Column("chain", Text),
    Column("seq", BigInteger),
    Column("event_id", Text),
    Column("kind", Text),
    Column("at", UtcDateTime),
    Column("claim_id", Text),
    Column("work_item_id", Text),
    Column("body", Text),
    Column("leaf_hash", Text),
    Column("chain_hash", Text),
)


def _old_event(
    i: int, subject: dict[str, str | int], work_item: str | None, kind: str = "gate.verdict"
) -> AuditEvent:
    return AuditEvent(
        kind=kind,  # type: ignore[arg-type]
        at=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=i),
        principal="service:interlock",
        on_behalf_of=None,
        purpose="claims.adjudicate",
        work_item_id=work_item,
        subject=subject,
        outcome="pass",
        reason=f"old event {i}",
        details={},
    )


OLD_TRAIL = [
    _old_event(1, {"claim_id": "C1", "claim_version": 1}, "wi-1"),
    _old_event(2, {"claim_id": "C2", "claim_version": 3}, "wi-2"),
    _old_event(3, {"claim_id": "C1", "claim_version": 1}, "wi-1", "route.decided"),
    _old_event(4, {}, None, "config.changed"),
    _old_event(5, {"claim_id": "C1", "claim_version": 1, "review_id": "rv-1"}, "wi-1", "review.decided"),
]


def _write_0001_trail(engine: Engine) -> None:
    """Append OLD_TRAIL the way code at revision 0001 did: claim_id column, same hashes."""
    previous, rows = GENESIS_HASH, []
    for seq, event in enumerate(OLD_TRAIL, start=1):
        body = event.to_canonical_json()
        leaf = leaf_hash(body)
        previous = link_hash(previous, leaf)
        subject = event.subject
        rows.append(
            {
                "chain": "main",
                "seq": seq,
                "event_id": f"main:{seq}",
                "kind": event.kind,
                "at": event.at,
                "claim_id": None if "claim_id" not in subject else str(subject["claim_id"]),
                "work_item_id": event.work_item_id,
                "body": body.decode(),
                "leaf_hash": leaf,
                "chain_hash": previous,
            }
        )
    with engine.begin() as conn:
        conn.execute(_AUDIT_0001.insert(), rows)
        conn.execute(audit_heads.insert().values(chain="main", seq=len(rows), chain_hash=previous))


def _stored_rows(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                text("SELECT seq, body, leaf_hash, chain_hash FROM audit_events ORDER BY seq")
            )
        ]


def _table_storage(engine: Engine) -> object:
    """Where audit_events' rows live: it changes when the table is rebuilt (rows copied)."""
    query = (
        "SELECT rootpage FROM sqlite_master WHERE name = 'audit_events'"
        if engine.dialect.name == "sqlite"
        else "SELECT pg_relation_filenode('audit_events')"
    )
    with engine.connect() as conn:
        return conn.execute(text(query)).scalar_one()


def _audit_indexes(engine: Engine) -> dict[str, list[str]]:
    """The look-up indexes of audit_events (PostgreSQL also lists the index behind UNIQUE (event_id))."""
    found = inspect(engine).get_indexes("audit_events")
    return {str(i["name"]): list(i["column_names"]) for i in found if str(i["name"]).startswith("ix_")}


def test_a_trail_from_revision_0001_upgrades_verifies_and_is_found_by_record(
    db_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """`db upgrade` renames claim_id to record_id in place, keeping every value and hash; verify, look-up and explain work."""
    engine = make_engine(db_url)
    try:
        migrations.upgrade(engine, "0001")
        _write_0001_trail(engine)
        before, storage = _stored_rows(engine), _table_storage(engine)
        assert "ix_audit_events_claim_id" in _audit_indexes(engine)

        upgraded = _interlock("db", "upgrade", "--store", db_url)
        assert upgraded.exit_code == 0, upgraded.output
        assert "from 0001 to" in upgraded.output
        assert migrations.store_status(engine) == (migrations.head_revision(), migrations.head_revision())
        with engine.connect() as conn:
            assert migrations.schema_differences(conn) == []
        if engine.dialect.name == "sqlite":
            reference = make_engine(f"sqlite:///{tmp_path / 'reference.db'}")
            store_tables().create_all(reference)
        else:
            reference = request.getfixturevalue("pg_reference")
        assert _describe(engine)["audit_events"] == _describe(reference)["audit_events"]
        assert _audit_indexes(engine) == {
            "ix_audit_events_record_id": ["record_id"],
            "ix_audit_events_work_item_id": ["work_item_id"],
        }
        assert _stored_rows(engine) == before, "no body or hash changes"
        assert _table_storage(engine) == storage, "renamed in place: no row copied"

        verified = _interlock("audit", "verify", "--store", db_url, "--json")
        assert verified.exit_code == 0, verified.output
        assert json.loads(verified.stdout)["count"] == len(OLD_TRAIL)
        log = AuditLog(engine)
        assert [e.seq for e in log.events_for_record("C1")] == [1, 3, 5]
        assert [e.seq for e in log.events_for_record("C2")] == [2]
        explained = _interlock("audit", "explain", "--claim", "C1", "--store", db_url)
        assert explained.exit_code == 0, explained.output
        assert explained.stdout.startswith("Record C1 (claims.adjudicate): 3 audit events in 1 work item(s).")
        assert "Work item wi-1 (version 1, task claims.adjudicate)" in explained.stdout

        log.append_one(
            replace(
                OLD_TRAIL[0],
                at=datetime(2026, 2, 1, tzinfo=UTC),
                subject={"record_id": "C1", "record_version": 2},
            )
        )
        assert log.verify().ok
        assert [e.seq for e in log.events_for_record("C1")] == [1, 3, 5, 6]
        with engine.begin() as conn:
            conn.execute(text("UPDATE audit_events SET record_id = 'C9' WHERE seq = 3"))
        broken = _interlock("audit", "verify", "--store", db_url, "--json")
        assert broken.exit_code == 1
        assert json.loads(broken.stdout)["first_bad_event_id"] == "main:3"
    finally:
        engine.dispose()


def test_revision_0003_downgrades_to_the_claim_id_column(db_url: str) -> None:
    """Downgrading to 0002 renames record_id back to claim_id and its index, keeping the values."""
    engine = make_engine(db_url)
    try:
        migrations.upgrade(engine, "0001")
        _write_0001_trail(engine)
        migrations.upgrade(engine)
        with engine.begin() as conn:
            command.downgrade(migrations.make_config(conn), "0002")
        assert migrations.store_status(engine)[0] == "0002"
        assert _audit_indexes(engine) == {
            "ix_audit_events_claim_id": ["claim_id"],
            "ix_audit_events_work_item_id": ["work_item_id"],
        }
        with engine.connect() as conn:
            kept = conn.execute(text("SELECT claim_id FROM audit_events ORDER BY seq")).scalars().all()
        assert kept == ["C1", "C2", "C1", None, "C1"]
    finally:
        engine.dispose()
