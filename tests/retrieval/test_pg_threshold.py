"""The threshold path on PostgreSQL returns exactly what the exhaustive paths return, after any write.

Random corpora (word counts, lengths and repeated words chosen so that many documents
tie exactly), random scopes and random queries: the threshold path's ids *and* scores
equal those of ``match_first`` and ``restricted`` (which rank every permitted match with
``ts_rank``), before and after access-key moves, text updates, inserts and deletes,
written through the index's own write path and through ``sync_index`` from a system of
record. After every write the postings are what the text vectors imply.
"""

from __future__ import annotations

import logging
import random
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, select, text, update

from interlock.db import make_engine
from interlock.domains.claims import schema as t
from interlock.domains.claims.connector import SqlClaimsConnector
from interlock.domains.claims.documents import SqlDocumentSource
from interlock.domains.claims.generator import seed
from interlock.policy.document import default_policy
from interlock.policy.principal import Principal, service_principal, staff_principal
from interlock.policy.values import IndexFilter
from interlock.retrieval.backends import search_index_for
from interlock.retrieval.freshness import sync_index
from interlock.retrieval.index import Document, SearchIndex
from interlock.retrieval.pg_index import PostgresSearchIndex
from interlock.store import migrations
from interlock.store.migrations import prepare_store
from pgscratch import scratch_database
from pgsearchcheck import postings_mismatches

pytestmark = pytest.mark.postgres

NOW = datetime(2026, 3, 1, tzinfo=UTC)
REGIONS = ("north", "south", "east", "west")
LINES = ("commercial", "medicaid", "medicare_advantage")
#: Made-up words of letters only, which the English stemmer leaves as they are.
VOCABULARY = tuple(f"{a}{b}{c}q" for a in "bdfgk" for b in "aeiou" for c in "lmnprst")
KS = (1, 10, 35)
_ROUNDS = re.compile(r"proven in (\d+) round\(s\), (\d+) list\(s\) open")


@pytest.fixture
def pg_index() -> Iterator[SearchIndex]:
    with scratch_database("interlock_threshold") as url:
        store = make_engine(url.render_as_string(hide_password=False))
        prepare_store(store)
        yield search_index_for(store)
        store.dispose()


def _words(rng: random.Random, n: int) -> list[str]:
    weights = [1.0 / (i + 1) ** 1.1 for i in range(len(VOCABULARY))]
    return rng.choices(VOCABULARY, weights, k=n)


def _document(rng: random.Random, i: int, *, fixed_length: bool) -> Document:
    length = 12 if fixed_length else rng.randint(2, 40)
    reference = rng.random() < 0.05
    return Document(
        doc_id=f"note:{i}",
        kind="note",
        source_id=str(i),
        claim_id=None if reference else f"C{i}",
        access_class="reference" if reference else "claim",
        region=None if reference else rng.choice(REGIONS),
        line_of_business=None if reference else rng.choice(LINES),
        sensitivity=None if reference else ("hiv" if rng.random() < 0.1 else "none"),
        source_version="v1",
        title="",
        body=" ".join(_words(rng, length)),
    )


def _filters(rng: random.Random) -> list[IndexFilter]:
    pairs = [(r, lob) for r in REGIONS for lob in LINES]
    analysts = [
        staff_principal(
            staff_id=f"a{n}",
            role="analyst",
            active=True,
            assignments=frozenset(rng.sample(pairs, n)),
            privileges=frozenset(),
        )
        for n in (1, 2, 6)
    ]
    policy = default_policy()
    return [policy.index_filter(p) for p in (*analysts, service_principal())]


def _queries(rng: random.Random, n: int) -> list[str]:
    """One to four words, from the common head and the rare tail; now and then a word no document has."""
    out = []
    for _ in range(n):
        words = [
            rng.choice(VOCABULARY[:8]) if rng.random() < 0.4 else rng.choice(VOCABULARY)
            for _ in range(rng.randint(1, 4))
        ]
        if rng.random() < 0.1:
            words.append("zzzunseen")
        out.append(" ".join(words))
    return out


def _assert_paths_agree(index: SearchIndex, filters: list[IndexFilter], queries: list[str]) -> int:
    """Threshold, match-first and restricted give the same (id, score) lists; how many hits were compared."""
    compared = 0
    for flt in filters:
        for query in queries:
            for k in KS:
                ranked = {
                    path: [
                        (h.document.doc_id, h.score)
                        for h in index.search_planned(query, flt, k=k, path=path).hits
                    ]
                    for path in ("threshold", "match_first", "restricted")
                }
                assert ranked["threshold"] == ranked["match_first"] == ranked["restricted"], (query, k)
                compared += len(ranked["threshold"])
    return compared


def _rounds(caplog: pytest.LogCaptureFixture) -> list[tuple[int, int]]:
    found = [_ROUNDS.search(r.getMessage()) for r in caplog.records]
    return [(int(m.group(1)), int(m.group(2))) for m in found if m]


@pytest.mark.parametrize("seed_value", [3, 17, 2026])
def test_threshold_equals_the_exhaustive_paths_on_random_corpora_and_after_every_write(
    pg_index: SearchIndex, seed_value: int, caplog: pytest.LogCaptureFixture
) -> None:
    """Same ids and scores on every path; then after key moves, rewrites, inserts and deletes, again."""
    caplog.set_level(logging.DEBUG, logger="interlock.retrieval.pg_index")
    rng = random.Random(seed_value)
    fixed = seed_value % 2 == 1  # half the corpora: every document the same length, so weights tie
    docs = [_document(rng, i, fixed_length=fixed and i % 5 != 0) for i in range(1, 1201)]
    with pg_index.begin_sync() as conn:
        pg_index.upsert(conn, docs)
        pg_index.analyze(conn)
        assert postings_mismatches(conn) == 0
    filters, queries = _filters(rng), _queries(rng, 20)
    assert _assert_paths_agree(pg_index, filters, queries) > 1000
    # Writes as sync makes them: access-key moves, text rewrites, new documents, deletes.
    with pg_index.begin_sync() as conn:
        for doc in rng.sample(docs, 200):
            moved = _document(rng, int(doc.source_id), fixed_length=fixed)
            pg_index.update_attributes(conn, doc.doc_id, _moved(doc, moved))
        rewritten = [_document(rng, int(d.source_id), fixed_length=fixed) for d in rng.sample(docs, 150)]
        added = [_document(rng, i, fixed_length=fixed) for i in range(5000, 5200)]
        pg_index.upsert(conn, [*rewritten, *added])
        pg_index.delete(conn, [d.doc_id for d in rng.sample(docs, 250)])
        pg_index.analyze(conn)
        assert postings_mismatches(conn) == 0
    assert _assert_paths_agree(pg_index, filters, queries) > 1000
    # Some searches stopped with lists still open: their candidates' weights there were looked up.
    assert any(still_open > 0 for _, still_open in _rounds(caplog))


def test_a_search_that_needs_several_rounds_still_equals_the_exhaustive_paths(
    pg_index: SearchIndex, caplog: pytest.LogCaptureFixture
) -> None:
    """Two common words whose best postings lie in different documents keep the threshold high for a while."""
    caplog.set_level(logging.DEBUG, logger="interlock.retrieval.pg_index")
    texts = (
        ["bolq bolq bolq bolq filler"] * 120
        + ["dumq dumq dumq dumq filler"] * 120
        + ["bolq dumq other"] * 300
        + ["bolq rarq"] * 2
        + ["plain text"] * 40
    )
    docs = [
        Document(
            doc_id=f"note:{i}",
            kind="note",
            source_id=str(i),
            claim_id=f"C{i}",
            access_class="claim",
            region=REGIONS[i % 2],
            line_of_business="commercial",
            sensitivity="none",
            source_version="v1",
            title="",
            body=body,
        )
        for i, body in enumerate(texts, start=1)
    ]
    with pg_index.begin_sync() as conn:
        pg_index.upsert(conn, docs)
    policy = default_policy()
    everyone = policy.index_filter(service_principal())
    north = _filters(random.Random(0))[0]
    assert _assert_paths_agree(pg_index, [everyone, north], ["bolq dumq rarq", "bolq dumq"]) > 50
    assert max(rounds for rounds, _ in _rounds(caplog)) > 1


def _moved(doc: Document, moved: Document) -> Document:
    """``doc`` with ``moved``'s access attributes and a new version (its text unchanged)."""
    return Document(
        doc_id=doc.doc_id,
        kind=doc.kind,
        source_id=doc.source_id,
        claim_id=moved.claim_id,
        access_class=moved.access_class,
        region=moved.region,
        line_of_business=moved.line_of_business,
        sensitivity=moved.sensitivity,
        source_version="v2",
        title=doc.title,
        body=doc.body,
    )


def _staff(sor: Engine) -> list[Principal]:
    connector = SqlClaimsConnector(sor)
    with sor.connect() as conn:
        ids = conn.execute(select(t.staff.c.staff_id).order_by(t.staff.c.staff_id)).scalars().all()
    found = [connector.load_principal(i) for i in ids]
    return [p for p in found if p is not None]


def test_threshold_equals_the_exhaustive_paths_after_sync_moves_rewrites_and_deletes(
    tmp_path: Path, pg_index: SearchIndex
) -> None:
    """A generated claims system of record, synced; claims move, notes are rewritten and deleted; synced again."""
    assert isinstance(pg_index, PostgresSearchIndex)
    sor = make_engine(f"sqlite:///{tmp_path / 'sor.db'}")
    t.metadata.create_all(sor)
    seed(sor, claims=40, seed=5, history=200)
    source = SqlDocumentSource(sor)
    sync_index(pg_index, source, now=NOW)
    policy = default_policy()
    filters = [policy.index_filter(p) for p in _staff(sor)] + _filters(random.Random(1))
    rng = random.Random(7)
    with sor.connect() as conn:
        notes = conn.execute(select(t.clinical_notes.c.body)).scalars().all()
    vocabulary = sorted({w for body in notes for w in re.findall(r"[a-z]+", body.lower()) if len(w) > 3})
    queries = [" ".join(rng.sample(vocabulary, rng.randint(1, 3))) for _ in range(8)]
    assert _assert_paths_agree(pg_index, filters, queries) > 500
    with sor.begin() as conn:
        claims = conn.execute(select(t.claims.c.claim_id).order_by(t.claims.c.claim_id)).scalars().all()
        for claim_id in rng.sample(claims, len(claims) // 4):
            conn.execute(
                update(t.claims)
                .where(t.claims.c.claim_id == claim_id)
                .values(
                    region=rng.choice(["north", "south"]),
                    line_of_business=rng.choice(["commercial", "medicaid"]),
                    sensitivity=rng.choice(["none", "none", "hiv"]),
                )
            )
        note_ids = (
            conn.execute(select(t.clinical_notes.c.note_id).order_by(t.clinical_notes.c.note_id))
            .scalars()
            .all()
        )
        chosen = rng.sample(note_ids, len(note_ids) // 5)
        for note_id in chosen[: len(chosen) // 2]:
            conn.execute(t.clinical_notes.delete().where(t.clinical_notes.c.note_id == note_id))
        for note_id in chosen[len(chosen) // 2 :]:
            conn.execute(
                update(t.clinical_notes)
                .where(t.clinical_notes.c.note_id == note_id)
                .values(body=" ".join(rng.sample(vocabulary, 12)), written_at=NOW + timedelta(days=1))
            )
    report = sync_index(pg_index, source, now=NOW)
    assert report.attributes_changed and report.updated and report.deleted
    with pg_index.begin_sync() as conn:
        assert postings_mismatches(conn) == 0
        # Sync vacuumed the postings: every page all-visible, so index-only scans skip the table.
        pages = conn.execute(
            text("SELECT relpages, relallvisible FROM pg_class WHERE relname = 'search_postings'")
        ).one()
        assert pages.relpages > 0 and pages.relallvisible == pages.relpages
    assert _assert_paths_agree(pg_index, filters, queries) > 500
    sor.dispose()


def test_revision_0009_computes_the_postings_of_an_index_that_holds_documents(pg_index: SearchIndex) -> None:
    """Down to 0006 (layout pg1, no postings) and up again: postings exact, layout pg2, same results."""
    rng = random.Random(9)
    with pg_index.begin_sync() as conn:
        pg_index.upsert(conn, [_document(rng, i, fixed_length=False) for i in range(1, 401)])
    filters, queries = _filters(rng), _queries(rng, 6)
    before = {
        (i, q): [
            (h.document.doc_id, h.score) for h in pg_index.search_planned(q, f, k=10, path="match_first").hits
        ]
        for i, f in enumerate(filters)
        for q in queries
    }
    store = pg_index.engine
    with store.begin() as conn:
        command.downgrade(migrations.make_config(conn), "0006")
    with store.connect() as conn:
        tables = set(
            conn.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
            ).scalars()
        )
        layout = conn.execute(
            text("SELECT value FROM search_sync_state WHERE name = 'index_layout'")
        ).scalar()
    assert "search_postings" not in tables and layout == "pg1"
    assert migrations.upgrade(store).after == migrations.head_revision()
    with store.begin() as conn:
        assert postings_mismatches(conn) == 0
        assert conn.execute(text("SELECT count(*) FROM search_postings")).scalar_one() > 4000
    reopened = search_index_for(store)  # layout pg2: opened as it is, not dropped for a rebuild
    assert reopened.count() == 400
    for (i, q), expected in before.items():
        got = reopened.search_planned(q, filters[i], k=10, path="threshold").hits
        assert [(h.document.doc_id, h.score) for h in got] == expected, q


def test_first_open_makes_the_postings_and_replaces_an_index_of_the_older_layout() -> None:
    """A database without the index gets every table on first open; one at layout pg1 is rebuilt as pg2."""
    with scratch_database("interlock_firstopen") as url:
        store = make_engine(url.render_as_string(hide_password=False))
        index = PostgresSearchIndex(store)  # no store revisions at all: the tables come from the index
        rng = random.Random(4)
        with index.begin_sync() as conn:
            index.upsert(conn, [_document(rng, i, fixed_length=False) for i in range(1, 201)])
            assert postings_mismatches(conn) == 0
            indexes = set(
                conn.execute(
                    text("SELECT indexname FROM pg_indexes WHERE tablename = 'search_postings'")
                ).scalars()
            )
        assert indexes == {"search_postings_pkey", "ix_search_postings_impact"}
        assert _assert_paths_agree(index, _filters(rng), _queries(rng, 4)) > 50
        store.dispose()
    with scratch_database("interlock_oldlayout") as url:
        store = make_engine(url.render_as_string(hide_password=False))
        migrations.upgrade(store, "0006")  # the index tables of layout pg1, without postings
        reopened = PostgresSearchIndex(store)
        with store.connect() as conn:
            layout = conn.execute(
                text("SELECT value FROM search_sync_state WHERE name = 'index_layout'")
            ).scalar()
            term_id = conn.execute(
                text(
                    "SELECT count(*) FROM information_schema.columns WHERE table_name = 'search_terms' AND column_name = 'term_id'"
                )
            ).scalar_one()
        assert layout == "pg2" and term_id == 1 and reopened.count() == 0
        store.dispose()
