"""The search index on PostgreSQL: documents, access keys, text vectors and term counts.

On PostgreSQL the search index lives in the store and is shared by every worker
(:mod:`interlock.retrieval.pg_index`). This revision creates its tables so that the
application role needs no DDL right to search or sync; the index is derived data,
rebuilt by ``interlock index sync``. It also records whether the server offers
pgvector. Text is stemmed by ``interlock_english``: PostgreSQL's English stemmer
without its stopword list, so that a document matches the same words as in the
SQLite index (the query drops interlock's own stopwords). On SQLite it does nothing: the embedded index is an FTS5 table that the
index creates and re-creates by its own layout number.

Revision ID: 0005
Revises: 0004
Create Date: 2027-01-10
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None

_TABLES = (
    "search_terms",
    "search_text",
    "search_vectors",
    "search_access",
    "search_access_keys",
    "search_sync_state",
    "search_documents",
)
_TS_DDL = (
    "DO $interlock$ BEGIN "
    "IF NOT EXISTS (SELECT 1 FROM pg_ts_dict WHERE dictname = 'interlock_english_stem' "
    "AND dictnamespace = current_schema()::regnamespace) THEN "
    "CREATE TEXT SEARCH DICTIONARY interlock_english_stem (TEMPLATE = snowball, Language = english); "
    "END IF; "
    "IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'interlock_english' "
    "AND cfgnamespace = current_schema()::regnamespace) THEN "
    "CREATE TEXT SEARCH CONFIGURATION interlock_english (COPY = english); "
    "ALTER TEXT SEARCH CONFIGURATION interlock_english ALTER MAPPING FOR "
    "asciiword, asciihword, hword_asciipart, word, hword, hword_part WITH interlock_english_stem; "
    "END IF; END $interlock$",
)
_CREATE = (
    *_TS_DDL,
    "CREATE TABLE IF NOT EXISTS search_documents ("
    "doc_rowid SERIAL NOT NULL PRIMARY KEY, doc_id TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, "
    "source_id TEXT NOT NULL, claim_id TEXT, access_class TEXT NOT NULL, region TEXT, "
    "line_of_business TEXT, sensitivity TEXT, source_version TEXT NOT NULL, title TEXT NOT NULL, "
    "body TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS ix_search_documents_claim_id ON search_documents (claim_id)",
    "CREATE INDEX IF NOT EXISTS ix_search_documents_access "
    "ON search_documents (access_class, region, line_of_business, sensitivity)",
    "CREATE TABLE IF NOT EXISTS search_access_keys ("
    "key_id SERIAL NOT NULL PRIMARY KEY, access_class TEXT NOT NULL, region TEXT, "
    "line_of_business TEXT, sensitivity TEXT, documents INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS search_access (doc_rowid INTEGER NOT NULL PRIMARY KEY, key_id INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS search_vectors ("
    "doc_rowid INTEGER NOT NULL PRIMARY KEY, model TEXT NOT NULL, vector BYTEA NOT NULL)",
    "CREATE TABLE IF NOT EXISTS search_sync_state (name TEXT NOT NULL PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS search_text ("
    "doc_rowid integer PRIMARY KEY, key_id integer NOT NULL, tsv tsvector NOT NULL)",
    "CREATE INDEX IF NOT EXISTS ix_search_text_tsv ON search_text USING gin (tsv)",
    "CREATE INDEX IF NOT EXISTS ix_search_text_key ON search_text (key_id)",
    "CREATE TABLE IF NOT EXISTS search_terms (term text PRIMARY KEY, documents integer NOT NULL)",
)


def upgrade() -> None:
    """Create the index tables on PostgreSQL; tables that exist already (made on open) are kept."""
    if op.get_context().dialect.name != "postgresql":
        return
    for statement in _CREATE:
        op.execute(statement)
    bind = op.get_bind()
    try:
        with bind.begin_nested():
            bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS vector")
        pgvector = "yes"
    except Exception:
        pgvector = "no"
    bind.execute(
        sa.text(
            "INSERT INTO search_sync_state (name, value) "
            "VALUES ('index_layout', 'pg1'), ('pgvector', :pgvector) ON CONFLICT (name) DO NOTHING"
        ),
        {"pgvector": pgvector},
    )


def downgrade() -> None:
    """Drop the index tables (derived data; the next sync after an upgrade rebuilds them)."""
    if op.get_context().dialect.name != "postgresql":
        return
    for table in _TABLES:
        op.execute(f"DROP TABLE IF EXISTS {table}")
