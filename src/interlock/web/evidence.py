"""Evidence as a reviewer sees it: notes with the cited quotes marked, policy criteria marked.

Highlighting works on escaped text: the body and each quote are escaped the same way
before the quote is wrapped in ``<mark>``, so no note text can inject markup.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape

from interlock.domains.claims.context import ClaimContext

_CRITERION = re.compile(r"\(\d+\)[^;.]*")


@dataclass(frozen=True, slots=True, kw_only=True)
class Evidence:
    """One note or policy with its marked-up text and whether the proposal cited it."""

    item_id: str
    kind: str
    title: str
    html: Markup
    cited: bool


def mark_quotes(text: str, quotes: Iterable[str]) -> Markup:
    """``text`` escaped, with every occurrence of each quote wrapped in ``<mark>``."""
    html = str(escape(text))
    for quote in sorted({q.strip() for q in quotes if q.strip()}, key=len, reverse=True):
        safe = str(escape(quote))
        html = html.replace(safe, f'<mark class="cited">{safe}</mark>')
    return Markup(html)  # noqa: S704 - built from escaped text only


def mark_criteria(text: str) -> Markup:
    """A policy body escaped, with each numbered criterion ``(n) ...`` marked."""
    html = str(escape(text))
    return Markup(_CRITERION.sub(lambda m: f'<mark class="criterion">{m.group(0)}</mark>', html))  # noqa: S704


def citations_by_item(proposal: Mapping[str, Any]) -> dict[str, list[str]]:
    """The quotes the proposal cites, grouped by context item id."""
    found: dict[str, list[str]] = {}
    necessity = proposal.get("necessity") or {}
    for policy in necessity.get("policies", []):
        for citation in policy.get("citations", []):
            found.setdefault(str(citation.get("item_id")), []).append(str(citation.get("quote", "")))
    return found


def evidence(ctx: ClaimContext, proposal: Mapping[str, Any]) -> list[Evidence]:
    """The notes and governing policies of a claim, cited ones marked, policies' criteria marked."""
    cites = citations_by_item(proposal)
    out: list[Evidence] = []
    for note in ctx.notes:
        item = ctx.note_item_id(note)
        out.append(
            Evidence(
                item_id=item,
                kind="note",
                title=f"Note {note.note_id} by {note.author}, {note.written_at:%Y-%m-%d}",
                html=mark_quotes(note.body, cites.get(item, ())),
                cited=item in cites,
            )
        )
    for policy in ctx.policies.values():
        item = ctx.policy_item_id(policy)
        out.append(
            Evidence(
                item_id=item,
                kind="policy",
                title=f"Policy {policy.policy_id}: {policy.title}",
                html=mark_criteria(policy.body),
                cited=item in cites,
            )
        )
    return out
