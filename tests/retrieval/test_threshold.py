"""The threshold algorithm's decisions: proven top-k equals the exhaustive top-k, ties and all."""

from __future__ import annotations

import struct
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from interlock.retrieval.access import Selectivity
from interlock.retrieval.threshold import (
    MAX_FIRST_DEPTH,
    MIN_DEPTH,
    TO_THE_END,
    ListEnd,
    Ranked,
    Round,
    choose_path,
    first_depth,
    list_depths,
    next_below,
    proven,
    rank_key,
    score,
    threshold,
)


def real(x: float) -> float:
    """``x`` rounded to a float32, as PostgreSQL stores a ``real``."""
    value: float = struct.unpack("<f", struct.pack("<f", x))[0]
    return value


#: Few distinct weights, so that many documents tie exactly (as ts_rank gives on real text).
WEIGHTS = [real(w) for w in (0.0122709535, 0.015338691, 0.01670213, 0.0304, 0.0608)]
Corpus = dict[int, list[float]]  # rowid -> weight per lexeme (0.0: absent)


def exhaustive(corpus: Corpus, permitted: set[int], idfs: Sequence[float], k: int) -> list[Ranked]:
    """Every permitted match scored, best first: what the exhaustive SQL paths return."""
    matches = [(d, score(w, idfs)) for d, w in corpus.items() if d in permitted and any(w)]
    return sorted(matches, key=rank_key)[:k]


def one_round(
    corpus: Corpus, permitted: set[int], idfs: Sequence[float], k: int, depths: Sequence[int]
) -> Round:
    """One round as the SQL statement runs it: read, bound, prune, score exactly, keep the best k."""
    width = len(idfs)
    read: list[list[tuple[int, float]]] = []
    for i in range(width):
        postings = sorted(
            ((d, w[i]) for d, w in corpus.items() if d in permitted and w[i] > 0), key=lambda p: (-p[1], p[0])
        )
        read.append(postings[: depths[i]])
    open_ = [len(read[i]) >= depths[i] for i in range(width)]
    ceiling = [read[i][-1][1] if open_[i] else 0.0 for i in range(width)]
    known: dict[int, list[float | None]] = {}
    for i, postings in enumerate(read):
        for d, w in postings:
            known.setdefault(d, [None] * width)[i] = w
    low = {d: score([0.0 if x is None else x for x in w], idfs) for d, w in known.items()}
    high = {
        d: score([ceiling[i] if x is None else x for i, x in enumerate(w)], idfs) for d, w in known.items()
    }
    lows = sorted(low.values(), reverse=True)
    floor = lows[k - 1] if len(lows) >= k else float("-inf")
    scored = [
        (d, score(corpus[d], idfs))
        for d, w in known.items()
        if not any(x is None and open_[i] for i, x in enumerate(w)) or high[d] >= floor
    ]
    ends = tuple(
        ListEnd(read=len(p), last_rowid=p[-1][0], last_weight=p[-1][1]) if p else ListEnd(read=0)
        for p in read
    )
    return Round(depths=tuple(depths), top=tuple(sorted(scored, key=rank_key)[:k]), ends=ends)


def search(
    corpus: Corpus, permitted: set[int], idfs: Sequence[float], k: int, depth: int, whole: set[int]
) -> tuple[list[Ranked], int]:
    """Rounds at doubling depth until one is proven (lists in ``whole`` read to their end); result and rounds."""
    rounds = 0
    while True:
        rounds += 1
        depths = [TO_THE_END if i in whole else depth for i in range(len(idfs))]
        found = one_round(corpus, permitted, idfs, k, depths)
        if proven(found, idfs, k):
            return list(found.top), rounds
        depth *= 2


@st.composite
def cases(draw: st.DrawFn) -> tuple[Corpus, set[int], list[float], int, int, set[int]]:
    width = draw(st.integers(1, 4))
    size = draw(st.integers(1, 60))
    rowids = draw(st.lists(st.integers(1, 10_000), min_size=size, max_size=size, unique=True))
    corpus = {d: [draw(st.sampled_from([0.0, 0.0, *WEIGHTS])) for _ in range(width)] for d in rowids}
    permitted = {d for d in rowids if draw(st.booleans()) or draw(st.booleans())}
    idfs = [draw(st.sampled_from([0.25, 1.0, 1.5, 2.75, 3.0])) for _ in range(width)]
    k = draw(st.integers(1, 12))
    depth = draw(st.integers(1, 8))
    whole = {i for i in range(width) if draw(st.integers(0, 3)) == 0}
    return corpus, permitted, idfs, k, depth, whole


@settings(max_examples=600, deadline=None)
@given(cases())
def test_a_proven_round_is_the_exhaustive_top_k(
    case: tuple[Corpus, set[int], list[float], int, int, set[int]],
) -> None:
    """Whatever the weights, ties, scope, k and depths: ids, order and scores equal the exhaustive ranking."""
    corpus, permitted, idfs, k, depth, whole = case
    got, _ = search(corpus, permitted, idfs, k, depth, whole)
    assert got == exhaustive(corpus, permitted, idfs, k)


def test_tied_documents_go_to_the_smaller_rowid_and_stop_early() -> None:
    """Fifty documents with one and the same weight: the round at depth 12 is proven for k = 10."""
    corpus = {d: [WEIGHTS[0]] for d in range(100, 150)}
    got, rounds = search(corpus, set(corpus), [2.0], 10, 12, set())
    assert rounds == 1
    assert got == [(d, WEIGHTS[0] * 2.0) for d in range(100, 110)]


def test_an_unread_tie_with_a_smaller_rowid_keeps_the_search_going() -> None:
    """The k-th candidate ties the threshold, and an unread document could tie it with a smaller rowid."""
    idfs = [1.0, 1.0]
    # List 0 ends (depth 1) at rowid 5; list 1 at rowid 6. Rowid 7 holds both at their last
    # weights and scores exactly the threshold; the k-th candidate is rowid 9 with that score.
    ends = (
        ListEnd(read=1, last_rowid=5, last_weight=WEIGHTS[1]),
        ListEnd(read=1, last_rowid=6, last_weight=WEIGHTS[1]),
    )
    bound = score([WEIGHTS[1], WEIGHTS[1]], idfs)
    found = Round(depths=(1, 1), top=((9, bound),), ends=ends)
    assert threshold(found, idfs) == bound
    assert not proven(found, idfs, 1)
    # With the k-th candidate's rowid at most the larger last rowid, no unread document can win the tie.
    assert proven(Round(depths=(1, 1), top=((6, bound),), ends=ends), idfs, 1)
    # Strictly above the threshold: proven whatever the rowid.
    above = score([WEIGHTS[2], WEIGHTS[1]], idfs)
    assert proven(Round(depths=(1, 1), top=((9, above),), ends=ends), idfs, 1)


def test_a_lower_weight_that_rounds_to_the_same_score_keeps_the_search_going() -> None:
    """A word in nearly every document has an IDF so small that one step down in its weight is lost in rounding.

    Rowid 10 lies after the last posting read in both lists (after rowid 5 at the same
    weight, and below rowid 20's weight), yet scores exactly as much as rowid 20, the
    best candidate, and wins the tie: the search must read deeper to find it.
    """
    w = WEIGHTS[1]
    corpus = {5: [w, 0.0], 20: [w, w], 10: [w, next_below(w)]}
    idfs = [1.0, 1e-12]
    assert score(corpus[10], idfs) == score(corpus[20], idfs)
    got, rounds = search(corpus, set(corpus), idfs, 1, 1, set())
    assert got == exhaustive(corpus, set(corpus), idfs, 1) == [(10, score(corpus[10], idfs))]
    assert rounds > 1


def test_exhausted_lists_need_no_threshold_and_short_rounds_need_more() -> None:
    """All lists read to the end: proven with fewer than k; an open list with fewer than k candidates: not."""
    idfs = [1.0]
    done = Round(depths=(5,), top=((1, 0.5),), ends=(ListEnd(read=1, last_rowid=1, last_weight=0.5),))
    assert proven(done, idfs, 10)
    more = Round(depths=(1,), top=((1, 0.5),), ends=(ListEnd(read=1, last_rowid=1, last_weight=0.5),))
    assert not proven(more, idfs, 10)
    with pytest.raises(ValueError, match="positive IDF"):
        proven(done, [0.0], 10)


def test_score_adds_left_to_right_as_postgresql_does() -> None:
    """No compensated or reordered summation: the same rounding as ``a * x + b * y + c * z`` in SQL."""
    weights, idfs = [0.1, 0.2, 0.3], [3.0, 7.0, 11.0]
    assert score(weights, idfs) == (0.1 * 3.0 + 0.2 * 7.0) + 0.3 * 11.0
    assert score([0.0, 0.5], [1.0, 2.0]) == 1.0


@pytest.mark.parametrize(
    ("weight", "below"),
    [(1.0, real(0.99999994)), (WEIGHTS[0], real(WEIGHTS[0] - 1e-9)), (0.0, 0.0)],
)
def test_next_below_is_the_next_smaller_real(weight: float, below: float) -> None:
    """The largest float32 under a float32 (0 stays 0)."""
    assert next_below(weight) == below
    assert next_below(weight) <= weight


def test_depths_read_short_lists_to_the_end_and_start_near_the_rarest_list() -> None:
    """One lexeme starts at the floor; several at 1.25 times the rarest list plus k, within bounds."""
    assert first_depth(10, [5000.0]) == max(20, MIN_DEPTH)
    assert first_depth(10, [600.0, 1000.0]) == 760
    assert first_depth(10, [1e6, 2e6]) == MAX_FIRST_DEPTH
    assert first_depth(100, [10.0, 0.0, 40.0]) == 200
    assert list_depths([600.0, 3000.0, 5000.0], 760) == [TO_THE_END, TO_THE_END, 760]


@pytest.mark.parametrize(
    ("permitted", "documents", "path"),
    [
        (0, [100], "empty"),
        (60, [2000, 5000], "restricted"),  # a tiny scope: reading 60 texts beats scanning 7,000 postings
        (1000, [2000, 5000], "threshold"),
        (3800, [2000, 5000], "threshold"),  # the narrow benchmark scope with mid-frequency words
        (3800, [600_000, 900_000], "restricted"),  # the same scope, words in most documents
        (19_000, [600_000, 900_000], "restricted"),  # the mid scope, the same words
        (19_000, [60_000, 90_000], "threshold"),
        (190_000, [2000, 5000], "threshold"),
    ],
)
def test_the_planner_weighs_reading_texts_against_scanning_postings(
    permitted: int, documents: list[int], path: str
) -> None:
    """The path follows the cost estimate: permitted documents against postings the first round scans."""
    seen = Selectivity(
        permitted_keys=(1,) if permitted else (), permitted_documents=permitted, total_documents=1_000_000
    )
    assert choose_path(seen, documents, 10) == path
