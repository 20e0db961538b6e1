"""Evidence as a reviewer sees it: documents with the cited quotes marked, numbered criteria marked.

Shared by every domain's desk view (the claims page marks notes and medical policies;
an invoice page marks the invoice text, e-mails and memos).

Highlighting works on escaped text: the body and each quote are escaped the same way
before the quote is wrapped in ``<mark>``, so no note text can inject markup.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from markupsafe import Markup, escape

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
