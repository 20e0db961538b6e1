"""Free text to FTS5 queries: words only, quoted, so user text can never be query syntax."""

from __future__ import annotations

import re
from typing import Final

_WORD: Final = re.compile(r"[^\W_]+", re.UNICODE)
STOPWORDS: Final = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "did",
        "do",
        "does",
        "for",
        "from",
        "has",
        "have",
        "how",
        "in",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "that",
        "the",
        "this",
        "to",
        "was",
        "were",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "will",
        "with",
    ]
)


def query_words(query: str) -> list[str]:
    """The words of free text a search looks for: lower case, distinct, stopwords dropped.

    Stopwords are kept when nothing else remains; at most 32 words. Every word is
    letters and digits only, so it can be no query syntax in any search engine.
    """
    words = [w.lower() for w in _WORD.findall(query)]
    kept = [w for w in dict.fromkeys(words) if w not in STOPWORDS] or list(dict.fromkeys(words))
    return kept[:32]


def match_expression(query: str) -> str | None:
    """An FTS5 query for free text: its words, quoted, OR-ed. None when no word remains.

    Quoting each word makes user text a literal, so FTS5 operators or stray quotes in a
    question can neither fail the query nor change its meaning.
    """
    kept = query_words(query)
    if not kept:
        return None
    return " OR ".join('"' + w.replace('"', "") + '"' for w in kept)
