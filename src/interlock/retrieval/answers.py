"""Extractive answers with citations: what ``summarize`` and ``ask`` return for any domain.

Every statement is text taken from (or a field read from) a context item the
requesting principal is entitled to, and names that item's id. Nothing is generated,
so nothing can be invented; the remaining risk is citing something outside the
principal's context, which :func:`check_citations` turns into a blocking finding, and
the answer is then withheld. A domain brings the summary of its own records
(``Domain.assistant``); answering a question from the search index is the same for
every domain (:func:`answer_from`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Final, Protocol

from interlock.gate.verdict import Finding, Verdict, combine
from interlock.retrieval.index import STOPWORDS
from interlock.task import PrincipalSource

if TYPE_CHECKING:
    from interlock.policy.principal import Principal
    from interlock.retrieval.planner import Retrieval, StalePolicy

__all__ = [
    "NO_ANSWER",
    "Answer",
    "Assistant",
    "Statement",
    "answer_from",
    "check_citations",
    "sentences",
    "words",
]

NO_ANSWER: Final = "No document you are entitled to answers this question."
_SENTENCE: Final = re.compile(r"(?<=[.!?])\s+")
_WORD: Final = re.compile(r"[^\W_]+")


@dataclass(frozen=True, slots=True, kw_only=True)
class Statement:
    """One sentence of an answer and the context items it comes from."""

    text: str
    citations: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Answer:
    """What a read-only task returns: statements, the entitled context they may cite, the verdict.

    ``task`` names the read-only task (``claims.summarize``, ``invoices.ask``...);
    ``record_id`` is the summarized record (``None`` for a question).
    """

    task: str
    record_id: str | None
    statements: tuple[Statement, ...]
    context_item_ids: frozenset[str]
    verdict: Verdict
    staleness_seconds: float | None = None
    complete: bool = True

    @property
    def claim_id(self) -> str | None:
        """The claims domain's name for :attr:`record_id`."""
        return self.record_id


class Assistant(Protocol):
    """``summarize`` and ``ask`` for one domain, each leaving one audit event.

    ``connector`` is the domain's connector (it loads principals). A record outside
    the principal's scope raises :class:`~interlock.exceptions.AccessDenied` with the
    message a missing one gets.
    """

    @property
    def connector(self) -> PrincipalSource:
        """The domain's connector."""
        ...

    def summarize(self, record_id: str, principal: Principal) -> Answer:
        """Summarize one record from only what ``principal`` may see."""
        ...

    def ask(
        self,
        question: str,
        principal: Principal,
        *,
        k: int = 8,
        max_staleness: timedelta | None = None,
        on_stale: StalePolicy = "refuse",
    ) -> Answer:
        """Answer ``question`` extractively from entitled documents."""
        ...


def check_citations(statements: Iterable[Statement], allowed: frozenset[str]) -> Verdict:
    """Block any citation of an item outside the entitled context (a pure check)."""
    findings = [
        Finding(
            check="citations", severity="block", reason=f"cites {c}, which is outside the entitled context"
        )
        for s in statements
        for c in s.citations
        if c not in allowed
    ]
    return combine(findings or [Finding(check="citations", severity="info", reason="all citations entitled")])


def words(text: str) -> set[str]:
    """The content words of ``text``, lower-cased, stop words left out."""
    return {w.lower() for w in _WORD.findall(text)} - STOPWORDS


def sentences(text: str) -> list[str]:
    """``text`` split after sentence-ending punctuation, blanks dropped."""
    return [s.strip() for s in _SENTENCE.split(text) if s.strip()]


def answer_from(question: str, retrieval: Retrieval, *, max_statements: int = 3) -> tuple[Statement, ...]:
    """The retrieved sentences sharing the most words with ``question``, each citing its document."""
    wanted = words(question)
    scored: list[tuple[int, int, str, str]] = []
    for rank, doc in enumerate(retrieval.documents):
        for sentence in sentences(doc.document.body):
            overlap = len(wanted & words(sentence))
            if overlap:
                scored.append((-overlap, rank, sentence, doc.item_id))
    scored.sort()
    picked: list[Statement] = []
    for _, _, sentence, item_id in scored:
        if all(p.text != sentence for p in picked):
            picked.append(Statement(text=sentence, citations=(item_id,)))
        if len(picked) == max_statements:
            break
    return tuple(picked) or (Statement(text=NO_ANSWER, citations=()),)
