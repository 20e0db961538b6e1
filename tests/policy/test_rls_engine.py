"""The engine on a system of record that enforces row-level security itself.

With ``sor_row_security`` the engine's connector reads through the least-privilege
reader role, and each work item's transactions carry the engine's principal: the
database returns only what the policy grants, whatever interlock's own filter says.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from interlock.assembly import build_engine
from interlock.audit.chain import AuditLog
from interlock.connectors.pg_access import bind_principals
from interlock.db import make_engine
from interlock.domains.claims import schema as t
from interlock.domains.claims.connector import SqlClaimsConnector
from interlock.domains.claims.documents import SqlDocumentSource
from interlock.exceptions import AccessDenied
from interlock.policy.document import default_policy
from interlock.policy.principal import service_principal
from interlock.retrieval.backends import search_index_for
from interlock.retrieval.follow import IndexFollower
from interlock.retrieval.freshness import sync_index
from interlock.store.metadata import store_metadata
from interlock.work.store import WorkStore
from rlsdb import seeded_rls_database

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def seeded() -> Iterator[tuple[str, str, str]]:
    """(owner URL, reader URL, role) of a seeded database with the default policy's RLS installed."""
    with seeded_rls_database("interlock_rlse", claims=120, seed=5, history=80) as (url, role):
        yield (
            url.render_as_string(hide_password=False),
            url.set(username=role).render_as_string(hide_password=False),
            role,
        )


def test_engine_under_rls_decides_only_what_its_principal_may_see(
    seeded: tuple[str, str, str], tmp_path: Path
) -> None:
    """A narrow service principal sees its own backlog, decides it, and is refused the rest by the database."""
    owner_url, reader_url, _role = seeded
    owner = make_engine(owner_url)
    with owner.connect() as conn:
        pairs = sorted(
            {(r, lob) for r, lob in conn.execute(select(t.claims.c.region, t.claims.c.line_of_business))}
        )
    narrow = service_principal("narrow", assignments=frozenset(pairs[:2]), sensitivities=frozenset())
    everyone = SqlClaimsConnector(owner).claim_ids(
        default_policy().claim_scope(service_principal()), status="received"
    )
    entitled = set(
        SqlClaimsConnector(owner).claim_ids(default_policy().claim_scope(narrow), status="received")
    )
    assert entitled and set(everyone) - entitled

    store = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    store_metadata.create_all(store)
    reader = bind_principals(make_engine(reader_url))
    engine = build_engine(
        "claims.adjudicate",
        connector=SqlClaimsConnector(reader),
        store=WorkStore(store, AuditLog(store)),
        principal=narrow,
        model=None,
    )
    assert set(engine.pending_records()) == entitled
    for claim_id in sorted(entitled)[:4]:
        assert engine.process(claim_id).route in ("commit", "review")
    hidden = sorted(set(everyone) - entitled)[0]
    with pytest.raises(AccessDenied):
        engine.process(hidden)
    # Outside a work item the bound engine reads nothing at all.
    with reader.connect() as conn:
        assert conn.execute(select(func.count()).select_from(t.claims)).scalar_one() == 0
    reader.dispose()
    owner.dispose()
    store.dispose()


def test_the_index_follows_writes_through_rls_as_the_writer(
    seeded: tuple[str, str, str], tmp_path: Path
) -> None:
    """Under RLS the follower reads each written claim back as its writer: the index gets the decision, loses nothing."""
    owner_url, reader_url, _role = seeded
    owner = make_engine(owner_url)
    with owner.connect() as conn:
        pairs = sorted(
            {(r, lob) for r, lob in conn.execute(select(t.claims.c.region, t.claims.c.line_of_business))}
        )
    narrow = service_principal("narrow", assignments=frozenset(pairs[2:4]), sensitivities=frozenset())
    entitled = sorted(
        SqlClaimsConnector(owner).claim_ids(default_policy().claim_scope(narrow), status="received")
    )
    assert entitled
    store = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    store_metadata.create_all(store)
    index = search_index_for(store)
    sync_index(index, SqlDocumentSource(owner), now=datetime(2026, 3, 1, tzinfo=UTC))  # as the owner
    held = index.count()
    reader = bind_principals(make_engine(reader_url))
    follower = IndexFollower(store, SqlDocumentSource(reader))
    engine = build_engine(
        "claims.adjudicate",
        connector=SqlClaimsConnector(reader),
        store=WorkStore(store, AuditLog(store)),
        principal=narrow,
        model=None,
        on_written=follower,
    )
    try:
        decided = entitled[:3]
        for claim_id in decided:
            assert engine.process(claim_id).route in ("commit", "review")
        assert follower.flush(timeout=30)
    finally:
        follower.close()
    with owner.connect() as conn:
        status = dict(
            (str(c), str(s))
            for c, s in conn.execute(
                select(t.claims.c.claim_id, t.claims.c.status).where(t.claims.c.claim_id.in_(decided))
            )
        )
    summaries = index.documents_by_id([f"claim:{c}" for c in decided])
    assert {c: f"status {status[c]}." in summaries[f"claim:{c}"].body for c in decided} == dict.fromkeys(
        decided, True
    )
    assert index.count() == held  # no document of a written claim was lost to an empty read
    reader.dispose()
    owner.dispose()
    store.dispose()


def _adjudicate(*args: str, row_security: bool) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "INTERLOCK_SOR_ROW_SECURITY": "true" if row_security else "false",
        # The world's history (29 notes) is too small for a familiar region.
        "INTERLOCK_ENGINE__FAMILIARITY": "false",
    }
    command = [sys.executable, "-m", "interlock", "adjudicate", "--as", "service", *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)


def test_adjudicate_command_reads_through_the_reader_role(
    seeded: tuple[str, str, str], tmp_path: Path
) -> None:
    """`adjudicate` with INTERLOCK_SOR_ROW_SECURITY=true decides through the reader role; off, RLS shows it nothing."""
    owner_url, reader_url, _role = seeded
    store = f"sqlite:///{tmp_path / 'store.db'}"
    owner = make_engine(owner_url)
    received = SqlClaimsConnector(owner).claim_ids(
        default_policy().claim_scope(service_principal()), status="received"
    )
    owner.dispose()
    claim_id = received[-1]
    # Training reads the whole history, so it runs as the owner, not through the reader role.
    train = [sys.executable, "-m", "interlock", "model", "train", "--sor", owner_url, "--store", store]
    env = {**os.environ, "INTERLOCK_ENGINE__FAMILIARITY": "false"}
    trained = subprocess.run(train, capture_output=True, text=True, timeout=300, env=env)
    assert trained.returncode == 0, trained.stderr
    done = _adjudicate("--sor", reader_url, "--store", store, "--claim", claim_id, row_security=True)
    assert done.returncode == 0, done.stderr
    assert claim_id in done.stdout
    # Without the setting no transaction carries a principal, so the database hides every claim.
    off = _adjudicate("--sor", reader_url, "--store", store, "--all", "--json", row_security=False)
    assert off.returncode == 0, off.stderr
    assert '"claims": 0' in off.stdout
