"""Row-level security on the PostgreSQL search index: a reader role sees only what its principal may."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from interlock.connectors.pg_access import acting_as, bind_principals, execute_script
from interlock.db import make_engine
from interlock.domains.claims import schema as t
from interlock.domains.claims.documents import SqlDocumentSource
from interlock.domains.claims.testing.handmade import add_claim, seed_reference
from interlock.policy.document import default_policy
from interlock.policy.principal import service_principal, staff_principal
from interlock.retrieval.backends import search_index_for
from interlock.retrieval.freshness import sync_index
from interlock.retrieval.pg_rls import compile_index_rls
from interlock.store.migrations import prepare_store
from pgscratch import scratch_database

pytestmark = pytest.mark.postgres

NORTH = staff_principal(
    staff_id="A1",
    role="analyst",
    active=True,
    assignments=frozenset({("north", "commercial")}),
    privileges=frozenset(),
)
#: A filter that permits every claim: what a wrong or missing filter would amount to.
EVERYTHING = default_policy().index_filter(service_principal())


def test_a_reader_role_sees_only_its_principals_documents(tmp_path: Path) -> None:
    role = f"interlock_index_reader_{secrets.token_hex(4)}"
    sor = make_engine(f"sqlite:///{tmp_path / 'sor.db'}")
    t.metadata.create_all(sor)
    seed_reference(sor)
    add_claim(sor, "N1", notes=["Knee pain after a fall; physical therapy advised."])
    add_claim(sor, "S1", region="south", line_of_business="medicaid", notes=["CANARYSOUTH knee pain"])
    add_claim(sor, "H1", sensitivity="hiv", notes=["CANARYHIV knee pain"])
    with scratch_database("interlock_indexrls", roles=[role]) as url:
        owner = make_engine(url.render_as_string(hide_password=False))
        prepare_store(owner)
        sync_index(search_index_for(owner), SqlDocumentSource(sor), now=datetime(2026, 3, 1, tzinfo=UTC))
        execute_script(owner, compile_index_rls(default_policy()))
        with owner.begin() as conn:
            conn.exec_driver_sql(f'CREATE ROLE "{role}" LOGIN')
            conn.exec_driver_sql(f'GRANT USAGE ON SCHEMA public TO "{role}"')
            conn.exec_driver_sql(f'GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{role}"')
        reader = bind_principals(make_engine(url.set(username=role).render_as_string(hide_password=False)))
        everyone = "SELECT DISTINCT coalesce(claim_id, kind) FROM search_documents ORDER BY 1"
        with reader.connect() as conn:
            assert conn.execute(text(everyone)).scalars().all() == []  # no principal: nothing
        with owner.connect() as conn:
            rows_of = "SELECT doc_rowid FROM search_documents WHERE claim_id IN ('S1', 'H1')"
            hidden = conn.execute(text(rows_of)).scalars().all()
            visible_postings = conn.execute(
                text(f"SELECT count(*) FROM search_postings WHERE doc_rowid <> ALL(ARRAY({rows_of}))")
            ).scalar_one()
            assert (
                hidden
                and conn.execute(
                    text("SELECT count(*) FROM search_postings WHERE doc_rowid = ANY(:r)"), {"r": hidden}
                ).scalar_one()
            )
        with acting_as(NORTH), reader.connect() as conn:
            assert conn.execute(text(everyone)).scalars().all() == ["N1", "policy"]
            texts = conn.execute(
                text("SELECT count(*) FROM search_text WHERE tsv @@ to_tsquery('simple', 'canarysouth')")
            ).scalar_one()
            assert texts == 0
            # The postings of S1 and H1 (their terms, weights and keys) are not readable either.
            postings = conn.execute(text("SELECT doc_rowid FROM search_postings")).scalars().all()
            assert len(postings) == visible_postings and not set(postings) & set(hidden)
        with acting_as(NORTH):
            index = search_index_for(reader)
            query = "knee canarysouth canaryhiv"
            for path in ("threshold", "restricted", "match_first"):
                hits = index.search_planned(query, EVERYTHING, k=50, path=path).hits
                assert {h.document.claim_id for h in hits} - {None} == {"N1"}, path
            assert index.search_planned(query, EVERYTHING, k=50).path == "threshold"
        with owner.connect() as conn:  # the owner (interlock's sync) still sees every document
            assert conn.execute(text(everyone)).scalars().all() == ["H1", "N1", "S1", "policy"]
        reader.dispose()
        owner.dispose()
    sor.dispose()
