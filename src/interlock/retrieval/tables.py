"""The tables of the search index, in Interlock's store (SQLite or PostgreSQL).

``search_documents`` holds each document with its access attributes and source
version; ``search_fts`` (an FTS5 table created by :class:`~interlock.retrieval.index.SearchIndex`)
holds its text plus one *access key* token. An access key names one distinct tuple of
access attributes (access class, region, line of business, sensitivity):
``search_access_keys`` lists them with how many documents carry each, and
``search_access`` maps every document to its key in a row a few bytes wide. The key
table is what the planner reads to estimate a scope's selectivity, and it is what
lets a narrow scope be pushed into the full-text query itself (see
:mod:`interlock.retrieval.access`). A key's attributes never change once written:
a document whose attributes change moves to another key.

On PostgreSQL the text is not an FTS5 table but ``search_text`` (a ``tsvector`` and
the document's key per row), ``search_terms`` (term ids and document frequencies) and
``search_postings`` (each lexeme's weight in each document, with the document's key,
in weight order per term), created by store revisions 0006 and 0009
(:mod:`interlock.retrieval.pg_index`).
"""

from __future__ import annotations

from typing import Final

from sqlalchemy import Column, Index, Integer, LargeBinary, MetaData, Table, Text

#: Bumped whenever the layout of the index tables changes; an index written under
#: another layout is dropped and rebuilt by the next sync (it is derived data).
INDEX_LAYOUT: Final = "2"

index_metadata = MetaData()

documents = Table(
    "search_documents",
    index_metadata,
    # The FTS5 rowid of the document's text; an INTEGER PRIMARY KEY is SQLite's rowid.
    Column("doc_rowid", Integer, primary_key=True, autoincrement=True),
    Column("doc_id", Text, nullable=False, unique=True),
    Column("kind", Text, nullable=False),
    Column("source_id", Text, nullable=False),
    Column("claim_id", Text, nullable=True, index=True),
    Column("access_class", Text, nullable=False),
    Column("region", Text, nullable=True),
    Column("line_of_business", Text, nullable=True),
    Column("sensitivity", Text, nullable=True),
    Column("source_version", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("body", Text, nullable=False),
    Index("ix_search_documents_access", "access_class", "region", "line_of_business", "sensitivity"),
)

access_keys = Table(
    "search_access_keys",
    index_metadata,
    Column("key_id", Integer, primary_key=True, autoincrement=True),
    Column("access_class", Text, nullable=False),
    Column("region", Text, nullable=True),
    Column("line_of_business", Text, nullable=True),
    Column("sensitivity", Text, nullable=True),
    Column("documents", Integer, nullable=False, default=0),
)

access = Table(
    "search_access",
    index_metadata,
    Column("doc_rowid", Integer, primary_key=True, autoincrement=False),
    Column("key_id", Integer, nullable=False),
)

vectors = Table(
    "search_vectors",
    index_metadata,
    Column("doc_rowid", Integer, primary_key=True, autoincrement=False),
    Column("model", Text, nullable=False),
    Column("vector", LargeBinary, nullable=False),
)

sync_state = Table(
    "search_sync_state",
    index_metadata,
    Column("name", Text, primary_key=True),
    Column("value", Text, nullable=False),
)
