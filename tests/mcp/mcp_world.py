"""The MCP tests' world: review claims, two canary notes, a synced search index; and small helpers."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from mcp_types import CallToolResult, TextContent
from sqlalchemy import select

from interlock.api.settings import ApiSettings
from interlock.audit.chain import audit_events
from interlock.db import make_engine
from interlock.domains.claims import schema as t
from interlock.domains.claims.testing.api_world import TokenIssuer, seed_review_world
from interlock.domains.claims.testing.handmade import add_claim
from interlock.registry import domain
from interlock.retrieval.freshness import sync_index
from interlock.retrieval.index import SearchIndex

#: A word only in a note of a south claim: the north analyst A1 must never find it.
HIDDEN_CANARY = "zebracanary"
#: A word only in a note of a north claim A1 may see.
VISIBLE_CANARY = "quokkacanary"


@dataclass
class World:
    """The databases of one test and the settings a server over them takes."""

    directory: Path
    settings: ApiSettings
    issuer: TokenIssuer

    @property
    def sor_url(self) -> str:
        return self.settings.sor_url

    @property
    def store_url(self) -> str:
        return self.settings.store_url

    def adjudications(self, claim_id: str) -> list[dict[str, Any]]:
        """Every adjudication row of a claim in the system of record."""
        sor = make_engine(self.sor_url)
        try:
            with sor.connect() as conn:
                rows = conn.execute(select(t.adjudications).where(t.adjudications.c.claim_id == claim_id))
                return [dict(r) for r in rows.mappings()]
        finally:
            sor.dispose()

    def claim_status(self, claim_id: str) -> str:
        """A claim's status in the system of record."""
        sor = make_engine(self.sor_url)
        try:
            with sor.connect() as conn:
                return str(
                    conn.execute(
                        select(t.claims.c.status).where(t.claims.c.claim_id == claim_id)
                    ).scalar_one()
                )
        finally:
            sor.dispose()

    def audit_bodies(self) -> list[str]:
        """Every stored audit body as appended (canonical JSON), in order."""
        store = make_engine(self.store_url)
        try:
            with store.connect() as conn:
                return [
                    str(b)
                    for b in conn.execute(select(audit_events.c.body).order_by(audit_events.c.seq)).scalars()
                ]
        finally:
            store.dispose()

    def tool_events(self) -> list[dict[str, Any]]:
        """The bodies of every ``tool.called`` event, in order."""
        bodies = [json.loads(b) for b in self.audit_bodies()]
        return [b for b in bodies if b["kind"] == "tool.called"]


def error_text(result: CallToolResult) -> str:
    """The text of a failed call's content."""
    return " ".join(c.text for c in result.content if isinstance(c, TextContent))


def make_world(directory: Path, issuer: TokenIssuer) -> World:
    """The review world, a hidden and a visible canary note, and a synced index, in ``directory``."""
    settings = seed_review_world(directory, issuer)
    sor = make_engine(settings.sor_url)
    store = make_engine(settings.store_url)
    add_claim(
        sor,
        "CN-S1",
        member_id="M2",
        region="south",
        line_of_business="medicaid",
        service_date=date(2026, 3, 1),
        notes=(f"Member reports a {HIDDEN_CANARY} reaction after the visit.",),
    )
    add_claim(
        sor,
        "CN-N1",
        service_date=date(2026, 3, 2),
        notes=(f"Member reports a {VISIBLE_CANARY} reaction after the visit.",),
    )
    sync_index(SearchIndex(store), domain("claims").documents(sor), now=datetime.now(UTC))
    sor.dispose()
    store.dispose()
    return World(
        directory=directory, settings=settings.model_copy(update={"queue_workers": 0}), issuer=issuer
    )
