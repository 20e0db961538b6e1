"""Exact top-k from impact-ordered postings: when the threshold algorithm may stop, decided without I/O.

The PostgreSQL index keeps one *posting* per document and lexeme: the lexeme's weight
in the document (``ts_rank`` of the document for that lexeme alone, a ``real``), the
very number the exhaustive paths multiply by the lexeme's IDF. A document's score is
that product summed over the query's lexemes, left to right in the query's lexeme
order, with 0 for an absent lexeme (:func:`score`): the same floating-point number as
the SQL expression of the exhaustive paths.

A *round* at depth N reads, for every query lexeme, the first N *permitted* postings
of its list ordered by weight descending, then rowid ascending (the scope filters the
list while it is read; it never filters a finished top k). Every document read is a
candidate and gets its exact score from all its postings; the round returns the
candidates' best k and where each list ended (:class:`Round`). A list that returned
fewer than N postings is *exhausted*: every permitted document holding that lexeme
was read. :func:`proven` decides whether the candidates' best k is the permitted
set's best k (Fagin's threshold algorithm); when it is not, the caller doubles N.

The proof is the *threshold*: a document read in no list weighs at most the last
weight read in each open list (it comes later in that list's order) and nothing in
an exhausted one, so it scores at most the IDF-weighted sum of those weights,
computed in the same order (rounding to nearest is monotone). Results are ordered by
score descending, then rowid ascending, and real text gives many documents *exactly*
the same weight (same term frequency, same length), so a k-th score equal to the
threshold is common. It still suffices when no document can score that much unless
it has exactly the last weight of every open list (checked by lowering each in turn
to the next smaller ``real``): such an unread document lies after the last posting
read of every open list, so its rowid is larger than each of theirs, and when the
k-th candidate's rowid is at most the largest of them the tie goes to the candidate.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from interlock.retrieval.access import Selectivity, TextPath

#: A (rowid, score) pair; results are ordered by score descending, then rowid ascending.
Ranked = tuple[int, float]
#: The first read never asks for fewer postings per lexeme (a round trip costs more than a few dozen rows).
MIN_DEPTH: Final = 32
#: Nor, from the expected list sizes alone, for more: deeper reads are earned by a round that did not end.
MAX_FIRST_DEPTH: Final = 2048
#: A list expected to hold at most this many times the round's depth is read to its end: reading a few
#: more postings in index order costs less than looking up, one random page each, the weights that
#: the other lists' candidates have in it.
READ_TO_THE_END_FACTOR: Final = 4
#: The depth that reads a list to its end (more than any list can hold).
TO_THE_END: Final = 2**31 - 1
#: Reading and matching one permitted document's text (the restricted path) costs about as much as
#: scanning this many postings of the impact-ordered index: at 1,000,000 documents (bench/pg_search.py's
#: corpus) the two paths cost the same where the first round scans 8-10 postings per permitted document.
DOCUMENT_COST_IN_POSTINGS: Final = 10


@dataclass(frozen=True, slots=True, kw_only=True)
class ListEnd:
    """How far one lexeme's permitted list was read in a round: postings read and the last of them."""

    read: int
    last_rowid: int | None = None
    last_weight: float = 0.0


@dataclass(frozen=True, slots=True, kw_only=True)
class Round:
    """What one round found: the candidates' exact best k and, per list, how deep it was asked and where it ended."""

    depths: tuple[int, ...]
    top: tuple[Ranked, ...]
    ends: tuple[ListEnd, ...]

    def exhausted(self, i: int) -> bool:
        """True when lexeme ``i``'s list held fewer permitted postings than were asked for."""
        return self.ends[i].read < self.depths[i]


def score(weights: Sequence[float], idfs: Sequence[float]) -> float:
    """A document's score: weight times IDF per lexeme, added left to right as the SQL expression does."""
    total = weights[0] * idfs[0]
    for w, idf in zip(weights[1:], idfs[1:], strict=True):
        total = total + w * idf
    return total


def next_below(weight: float) -> float:
    """The largest ``real`` (float32) below the non-negative ``real`` ``weight`` (0 for 0)."""
    bits: int = struct.unpack("<I", struct.pack("<f", weight))[0]
    if bits == 0:
        return 0.0
    below: float = struct.unpack("<f", struct.pack("<I", bits - 1))[0]
    return below


def first_depth(k: int, expected: Sequence[float]) -> int:
    """How many permitted postings per lexeme the first round reads.

    ``expected`` is each lexeme's expected number of permitted postings (documents
    holding it times the scope's share). One lexeme needs little more than k (its
    k-th weight bounds every later one). With several, a search usually ends once the
    list of the rarest has been read to its end (the others then bound an unread
    document by their own last weights only), so the first round reads a quarter more
    than that list is expected to hold, plus k.
    """
    floor = max(2 * k, MIN_DEPTH)
    held = [e for e in expected if e > 0]
    if len(held) <= 1:
        return floor
    return max(floor, min(MAX_FIRST_DEPTH, math.ceil(min(held) * 1.25) + k))


def list_depths(expected: Sequence[float], depth: int) -> list[int]:
    """How deep to read each lexeme's list this round: to its end when it is expected to be short."""
    return [TO_THE_END if e <= READ_TO_THE_END_FACTOR * depth else depth for e in expected]


def postings_to_scan(documents: Sequence[int], share: float, k: int) -> float:
    """About how many index entries the first round scans (the scope filters entries, so depth / share)."""
    if share <= 0.0:
        return 0.0
    expected = [n * share for n in documents]
    depth = first_depth(k, expected)
    return sum(
        float(n) if asked == TO_THE_END else min(float(n), asked / share)
        for n, asked in zip(documents, list_depths(expected, depth), strict=True)
    )


def choose_path(selectivity: Selectivity, documents: Sequence[int], k: int) -> TextPath:
    """The PostgreSQL index's path for a query whose lexemes are held by ``documents`` documents each.

    ``threshold`` unless reading the permitted documents' text (``restricted``) is
    expected to cost less: a very narrow scope, or one a little wider searched for
    words so common that even the first round would scan long stretches of their
    lists to find the few permitted postings.
    """
    if selectivity.permitted_documents == 0 or not selectivity.permitted_keys:
        return "empty"
    scan = postings_to_scan(documents, selectivity.share, k)
    return "restricted" if selectivity.permitted_documents * DOCUMENT_COST_IN_POSTINGS < scan else "threshold"


def rank_key(item: Ranked) -> tuple[float, int]:
    """Sort key of a (rowid, score): the best score first, then the smaller rowid (as the SQL paths)."""
    return (-item[1], item[0])


def ceilings(found: Round) -> list[float]:
    """The most an unread document can weigh in each list: the last weight read, 0 when exhausted."""
    return [0.0 if found.exhausted(i) else end.last_weight for i, end in enumerate(found.ends)]


def threshold(found: Round, idfs: Sequence[float]) -> float:
    """The most a document read in no list can score."""
    return score(ceilings(found), idfs)


def proven(found: Round, idfs: Sequence[float], k: int) -> bool:
    """True when ``found.top`` is the exact best ``k`` of the permitted set (else read deeper).

    Every IDF must be positive (the caller takes an exhaustive path otherwise).
    """
    if len(found.ends) != len(idfs) or not all(idf > 0.0 for idf in idfs):
        raise ValueError("one list end and one positive IDF per lexeme")
    open_lists = [i for i in range(len(idfs)) if not found.exhausted(i)]
    if not open_lists:
        return True  # every permitted match was read and scored
    if len(found.top) < k:
        return False
    kth_rowid, kth = found.top[k - 1]
    bound = threshold(found, idfs)
    if kth > bound:
        return True
    return kth == bound and _tie_goes_to_candidates(found, idfs, kth_rowid, bound, open_lists)


def _tie_goes_to_candidates(
    found: Round, idfs: Sequence[float], kth_rowid: int, bound: float, open_lists: Sequence[int]
) -> bool:
    """True when no unread document can score ``bound`` with a rowid below ``kth_rowid``."""
    tops = ceilings(found)
    for i in open_lists:
        lowered = list(tops)
        lowered[i] = next_below(tops[i])
        if not score(lowered, idfs) < bound:
            return False  # a document below the last weight of list i could still tie
    last_rowids = [r for i in open_lists if (r := found.ends[i].last_rowid) is not None]
    return bool(last_rowids) and kth_rowid <= max(last_rowids)
