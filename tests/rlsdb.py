"""A generated system of record behind the shipped policy's row-level security, for PostgreSQL tests."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import URL

from interlock.connectors.pg_access import execute_script, reader_role_sql
from interlock.db import make_engine
from interlock.domains.claims import generator
from interlock.domains.claims import schema as t
from interlock.domains.claims.pack import ACCESS as CLAIMS_ACCESS
from interlock.policy.document import default_policy
from interlock.policy.rls import compile_rls
from pgscratch import scratch_database


@contextmanager
def seeded_rls_database(prefix: str, *, claims: int, seed: int, history: int) -> Iterator[tuple[URL, str]]:
    """(owner URL, reader role) of a scratch database: seeded, the role granted, RLS installed."""
    role = f"{prefix}_rdr_{secrets.token_hex(4)}"
    with scratch_database(prefix, roles=[role]) as url:
        owner = make_engine(url.render_as_string(hide_password=False))
        try:
            t.metadata.create_all(owner)
            generator.seed(owner, claims=claims, seed=seed, history=history)
            execute_script(owner, reader_role_sql(role, CLAIMS_ACCESS, login=True))
            execute_script(owner, compile_rls(default_policy()))
        finally:
            owner.dispose()
        yield url, role
