"""The claims API world for tests: a tiny payer whose claims end in review, and a client.

The loopback server and the token issuer are :mod:`interlock.testing.server`'s (named
here too, for the tests that take everything from one place). :func:`seed_review_world` writes a tiny system of record (the hand-made payer of
:mod:`interlock.domains.claims.testing.handmade`) whose claims end in review, and :class:`ApiWorld`
talks to a server over it and inspects both databases.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx2 as httpx
from sqlalchemy import Engine, select

from interlock.api.auth import key_digest
from interlock.api.settings import ApiSettings
from interlock.audit.chain import AuditLog
from interlock.db import make_engine
from interlock.domains.claims import schema as t
from interlock.domains.claims.testing.handmade import add_claim, seed_reference
from interlock.store.metadata import store_metadata
from interlock.store.schema import review_items
from interlock.testing.server import LiveServer, TokenIssuer, free_port

__all__ = [
    "FULL_SCOPE",
    "REVIEW_CLAIMS",
    "SERVICE_KEY",
    "ApiWorld",
    "LiveServer",
    "TokenIssuer",
    "free_port",
    "seed_review_world",
    "settings_for",
    "write_api_keys",
]

SERVICE_KEY = "ilk_test_service_key_0123456789abcdef"
VAGUE_NOTE = "Patient reports knee pain. Plan: arthroscopy."
#: Claims that end in review when no model is configured, and one the rules approve.
REVIEW_CLAIMS: dict[str, dict[str, Any]] = {
    "RV-N1": {"lines": (("X2002", 1, "2500.00"),), "notes": (VAGUE_NOTE,)},
    "RV-N2": {"lines": (("X2002", 1, "3000.00"),), "notes": (VAGUE_NOTE,)},
    "RV-NHV": {"lines": (("X2002", 1, "12000.00"),), "notes": (VAGUE_NOTE,)},
    "RV-NBH": {
        "lines": (("X2002", 1, "2500.00"),),
        "notes": (VAGUE_NOTE,),
        "sensitivity": "behavioral_health",
    },
    "RV-S1": {
        "member_id": "M2",
        "region": "south",
        "line_of_business": "medicaid",
        "lines": (("X2002", 1, "2500.00"),),
        "notes": (VAGUE_NOTE,),
    },
    "OK-N1": {},
}


#: The ``[keys.scope]`` of a key that may do everything a service may: every pair and
#: sensitivity, every action of both tasks.
FULL_SCOPE = (
    'assignments = ["*"]\n'
    'sensitivities = ["*"]\n'
    'tasks = { "claims.adjudicate" = ["finalize", "pend"], "claims.ingest" = ["create"] }\n'
)


def write_api_keys(path: Path, keys: dict[str, str], scopes: dict[str, str] | None = None) -> Path:
    """Write an API key file mapping each key (``{key: service name}``) by its hash.

    ``scopes`` gives a key's ``[keys.scope]`` body as TOML; a key not in it gets
    :data:`FULL_SCOPE`.
    """
    lines = []
    for key, service in keys.items():
        scope = (scopes or {}).get(key, FULL_SCOPE)
        lines += [
            "[[keys]]",
            f'sha256 = "{key_digest(key)}"',
            f'service = "{service}"',
            "[keys.scope]",
            scope,
        ]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def seed_review_world(directory: Path, issuer: TokenIssuer) -> ApiSettings:
    """Create both SQLite databases in ``directory`` with :data:`REVIEW_CLAIMS`; return settings."""
    sor = make_engine(f"sqlite:///{directory / 'sor.db'}")
    store = make_engine(f"sqlite:///{directory / 'store.db'}")
    t.metadata.create_all(sor)
    _ = AuditLog  # registers the audit tables on the store metadata
    store_metadata.create_all(store)
    seed_reference(sor)
    for day, (claim_id, fields) in enumerate(REVIEW_CLAIMS.items(), start=1):
        # Distinct service dates, so that no claim is a duplicate of another (rule 3).
        add_claim(sor, claim_id, service_date=date(2026, 2, day), **fields)
    sor.dispose()
    store.dispose()
    return settings_for(directory, issuer)


def settings_for(directory: Path, issuer: TokenIssuer) -> ApiSettings:
    """Settings over the databases in ``directory``, trusting ``issuer`` and :data:`SERVICE_KEY`."""
    return ApiSettings(
        sor_url=f"sqlite:///{directory / 'sor.db'}",
        store_url=f"sqlite:///{directory / 'store.db'}",
        jwks_file=issuer.write_jwks(directory / "jwks.json"),
        jwt_issuer=issuer.issuer,
        jwt_audience=issuer.audience,
        api_keys_file=write_api_keys(directory / "keys.toml", {SERVICE_KEY: "batch"}),
        queue_workers=1,
        cookie_secure=False,
    )


@dataclass
class ApiWorld:
    """A running server and what a test needs to talk to it and inspect its databases."""

    url: str
    sor: Engine
    store: Engine
    issuer: TokenIssuer

    def client(self, staff_id: str | None = None, *, api_key: str | None = None) -> httpx.Client:
        """An HTTP client authenticated as a staff member (JWT) or a service (API key)."""
        headers: dict[str, str] = {}
        if staff_id is not None:
            headers["Authorization"] = f"Bearer {self.issuer.token(staff_id)}"
        if api_key is not None:
            headers["X-API-Key"] = api_key
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)

    def desk_session(self, staff_id: str) -> str:
        """Sign ``staff_id`` in to the review desk through its login form; the session cookie's value."""
        with httpx.Client(base_url=self.url, timeout=30) as browser:
            form = browser.get("/desk/login")
            csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
            assert csrf is not None, form.text
            signed_in = browser.post(
                "/desk/login", data={"token": self.issuer.token(staff_id), "csrf": csrf.group(1)}
            )
            session = browser.cookies.get("interlock_session")
            assert session is not None, signed_in.text
            return session

    def review_id(self, claim_id: str) -> str:
        """The review item of a claim."""
        with self.store.connect() as conn:
            return str(
                conn.execute(
                    select(review_items.c.review_id).where(review_items.c.record_id == claim_id)
                ).scalar_one()
            )

    def adjudications(self, claim_id: str) -> list[dict[str, Any]]:
        """Every adjudication row of a claim in the system of record."""
        with self.sor.connect() as conn:
            rows = conn.execute(select(t.adjudications).where(t.adjudications.c.claim_id == claim_id))
            return [dict(r) for r in rows.mappings()]

    def audit_kinds(self, claim_id: str) -> list[str]:
        """The kinds of the audit events about a claim, in order."""
        return [str(e.body["kind"]) for e in AuditLog(self.store).events_for_record(claim_id)]
