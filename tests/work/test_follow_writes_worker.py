"""``interlock worker --follow-writes``: real workers keep the search index following their decisions.

Each test seeds a backlog, syncs the index once with ``interlock index sync`` (every claim
``status received``), queues the backlog in PostgreSQL and drains it with real worker
processes, a scripted model on loopback answering the claims that need one. Then the
index is read as the API and ``interlock ask`` read it: a search for decisions, under
the service principal's index filter.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from queueworld import INTERLOCK, finish
from sqlalchemy import Engine, select, text

from interlock.db import make_engine
from interlock.domains.claims import schema as t
from interlock.domains.claims.invariants import check_invariants
from interlock.domains.claims.testing.crash import seed_backlog
from interlock.domains.claims.testing.model_server import ScriptedModelServer, echo_policies_responder
from interlock.policy.entitlements import index_filter
from interlock.policy.principal import service_principal
from interlock.retrieval.backends import search_index_for
from interlock.retrieval.pg_index import INDEX_TABLES
from pgscratch import scratch_database

pytestmark = pytest.mark.postgres

CLAIMS = 8


@dataclass
class Deployment:
    """Where the system of record, the store and the queue are, and the model server's environment."""

    sor: str
    store: str
    queue: str
    env: dict[str, str]
    backlog: list[str]

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [*INTERLOCK, *args], env=self.env, capture_output=True, text=True, timeout=180, check=False
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done

    def sync(self) -> dict[str, Any]:
        """``interlock index sync`` over the owner's connections; its JSON figures."""
        figures: dict[str, Any] = json.loads(
            self.run("index", "sync", "--sor", self.sor, "--store", self.store, "--json").stdout
        )
        return figures

    def enqueue(self) -> None:
        self.run(
            "adjudicate", "--sor", self.sor, "--store", self.store, "--queue-url", self.queue,
            "--as", "service", "--all", "--queue",
        )  # fmt: skip

    def worker(self, *extra: str, store: str | None = None) -> subprocess.Popen[str]:
        """A burst worker over this deployment (``store`` connects it to the store as someone else)."""
        return subprocess.Popen(
            [*INTERLOCK, "worker", "--sor", self.sor, "--store", store or self.store,
             "--queue-url", self.queue, "--model", "openai:scripted", "--poll-seconds", "0.2",
             "--burst", *extra],
            env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip

    def engines(self) -> tuple[Engine, Engine]:
        return make_engine(self.sor), make_engine(self.store)


@pytest.fixture
def model_env() -> Iterator[dict[str, str]]:
    """The environment of every child process: the scripted model server is the OpenAI endpoint."""
    with ScriptedModelServer(echo_policies_responder()) as server:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("INTERLOCK_", "OPENAI_"))}
        # A backlog without decided history has no familiar region to fit: the check is off.
        env.update(
            OPENAI_BASE_URL=server.base_url, OPENAI_API_KEY="test-key", INTERLOCK_ENGINE__FAMILIARITY="false"
        )
        yield env


def _deployment(store_kind: str, pg_url: str, tmp_path: Path, env: dict[str, str]) -> Deployment:
    """A seeded backlog: all in one PostgreSQL database, or SQLite files beside a PostgreSQL queue."""
    if store_kind == "postgresql":
        sor = store = pg_url
    else:
        sor, store = f"sqlite:///{tmp_path / 'sor.db'}", f"sqlite:///{tmp_path / 'store.db'}"
    backlog = seed_backlog(sor, store, claims=CLAIMS, seed=5)
    return Deployment(sor=sor, store=store, queue=pg_url, env=env, backlog=backlog)


def _decided(sor: Engine, claim_ids: list[str]) -> dict[str, str]:
    """Each claim's status in the system of record, and for an adjudicated one its outcome."""
    with sor.connect() as conn:
        status = {
            str(r.claim_id): str(r.status)
            for r in conn.execute(
                select(t.claims.c.claim_id, t.claims.c.status).where(t.claims.c.claim_id.in_(claim_ids))
            )
        }
        outcome = {
            str(r.claim_id): str(r.outcome)
            for r in conn.execute(
                select(t.adjudications.c.claim_id, t.adjudications.c.outcome).where(
                    t.adjudications.c.claim_id.in_(claim_ids)
                )
            )
        }
    return {c: f"{status[c]}:{outcome.get(c, '')}" for c in claim_ids}


def _index_view(store: Engine, claim_ids: list[str]) -> tuple[dict[str, str], set[str]]:
    """The claim summaries' bodies the index holds, and the claims a search for decisions finds."""
    index = search_index_for(store)
    docs = index.documents_by_id([f"claim:{c}" for c in claim_ids])
    hits = index.search("decision approve deny", index_filter(service_principal()), k=100)
    # "decision" is also in procedure descriptions ("medical decision making"): count the
    # summaries the search returns with their decision in them.
    found = {
        h.document.claim_id
        for h in hits
        if h.document.kind == "claim_summary" and "Decision: " in h.document.body
    }
    return {c: docs[f"claim:{c}"].body for c in claim_ids}, {c for c in found if c in claim_ids}


def _shows(body: str, decided: str) -> bool:
    status, _, outcome = decided.partition(":")
    return f"status {status}." in body and (not outcome or f"Decision: {outcome}" in body)


@pytest.mark.parametrize(
    ("store_kind", "follow", "workers"),
    [
        pytest.param("postgresql", True, 2, id="postgresql-two-workers-following"),
        # Not following is the same on either store; its PostgreSQL run joins the longer matrices.
        pytest.param("postgresql", False, 1, id="postgresql-not-following", marks=pytest.mark.slow),
        pytest.param("sqlite", True, 1, id="sqlite-following"),
    ],
)
def test_a_worker_following_writes_leaves_its_decisions_searchable_without_a_sync(
    pg_url: str, tmp_path: Path, model_env: dict[str, str], store_kind: str, follow: bool, workers: int
) -> None:
    """Following, every decision is in the index when the workers exit; not following, only after ``index sync``."""
    world = _deployment(store_kind, pg_url, tmp_path, model_env)
    assert world.sync()["inserted"] > 0
    world.enqueue()
    flag = "--follow-writes" if follow else "--no-follow-writes"
    procs = [world.worker("--concurrency", "2", flag) for _ in range(workers)]
    summaries = [finish(p) for p in procs]
    assert sum(s["finished"] for s in summaries) == len(world.backlog), summaries
    sor, store = world.engines()
    try:
        decided = _decided(sor, world.backlog)
        assert all(not d.startswith("received") for d in decided.values()), decided
        adjudicated = {c for c, d in decided.items() if d.startswith("adjudicated")}
        assert adjudicated, decided
        bodies, found = _index_view(store, world.backlog)
        if follow:
            assert all(_shows(bodies[c], d) for c, d in decided.items()), bodies
            assert found == adjudicated
            left = world.sync()  # nothing was left behind for the periodic sync
            assert (left["inserted"], left["updated"], left["attributes_changed"], left["deleted"]) == (
                0,
                0,
                0,
                0,
            )
        else:
            assert all("status received." in b for b in bodies.values()), bodies
            assert found == set()
            assert world.sync()["updated"] == len(world.backlog)
            bodies, found = _index_view(store, world.backlog)
            assert all(_shows(bodies[c], d) for c, d in decided.items()) and found == adjudicated
    finally:
        sor.dispose()
        store.dispose()


def test_a_worker_whose_index_privileges_were_revoked_still_decides_every_claim(
    tmp_path: Path, model_env: dict[str, str]
) -> None:
    """The worker's store role may not touch the index: every claim still ends exactly once, the failures are logged without ids."""
    role = f"il_fw_{secrets.token_hex(4)}"
    with scratch_database("interlock_followw", roles=[role]) as url:
        owner = url.render_as_string(hide_password=False)
        world = _deployment("postgresql", owner, tmp_path, model_env)
        world.sync()
        world.enqueue()
        sor, store = world.engines()
        try:
            with store.begin() as conn:
                conn.execute(text(f'CREATE ROLE "{role}" LOGIN'))
                conn.execute(text(f'GRANT ALL ON ALL TABLES IN SCHEMA public TO "{role}"'))
                conn.execute(text(f'GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO "{role}"'))
                conn.execute(text(f'REVOKE ALL ON {", ".join(INDEX_TABLES)} FROM "{role}"'))
            as_role = url.set(username=role).render_as_string(hide_password=False)
            proc = world.worker("--follow-writes", store=as_role)
            out, err = proc.communicate(timeout=180)
            assert proc.returncode == 0, err[-3000:]
            summary = json.loads(out.strip().splitlines()[-1])
            assert summary["finished"] == len(world.backlog), summary
            report = check_invariants(sor, store, world.backlog)
            assert report.ok, report.as_dict()
            failures = [line for line in err.splitlines() if "search index not updated after a write" in line]
            assert failures and all("ProgrammingError" in line for line in failures), err[-3000:]
            assert not any(c in line for line in failures for c in world.backlog)
            bodies, found = _index_view(store, world.backlog)
            assert all("status received." in b for b in bodies.values()) and found == set()
            # Left for the periodic sync, which brings every decision in.
            assert world.sync()["updated"] == len(world.backlog)
        finally:
            sor.dispose()
            store.dispose()
