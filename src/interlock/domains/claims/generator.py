"""Seeded generator of the reference system of record, with its ground truth.

``seed`` fills every table of ``schema`` from one integer: the same seed gives the same
rows and the same truth file byte for byte (one ``random.Random`` per concern, a fixed
"today" of 2026-06-30, no wall clock, no set iteration). The parts live in the
``seeding`` package; this module runs them in order and is the stable entry point
(the ``interlock sor seed`` command, the demo and the tests call ``seed``). It writes

- reference data: plans, procedures and benefits (``seeding.plans``), medical
  policies (``seeding.policies``);
- parties (``seeding.parties``): members with fictional PHI, providers with valid
  NPIs, staff and their assignments and privileges;
- a history of claims already decided by staff (``seeding.history``): adjudicated with
  correct outcomes, or pended when the notes did not settle medical necessity, the
  material a model is trained and evaluated on;
- a backlog of ``received`` claims built scenario by scenario (``seeding.scenarios``,
  ``seeding.factory``) so that every rule of CLAIMS_POLICY.md, every CARC, the
  high-value and Part 2 overrides and the three medical-necessity outcomes all occur;
- clinical notes documenting each policy criterion as intended (``seeding.notes``);
- the truth file: one JSON object per backlog claim, ordered by ``claim_id``.

Before anything is committed, an independent implementation of rules 1 to 8
(``seeding.truth``) recomputes every outcome and amount from the rows; any
disagreement raises ``GeneratorError``. All rows go in one transaction, parents first
(``seeding.bulk_insert``). Where ``fork`` is available, the notes are written and the
check runs in a forked child process while the parent inserts the rest
(``seeding.background``); the transaction commits only once the child reports that
every claim agrees.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy

from interlock.domains.claims.seeding.background import Background
from interlock.domains.claims.seeding.basics import HIGH_VALUE_LIMIT, TODAY, GeneratorError
from interlock.domains.claims.seeding.bulk_insert import insert as _insert
from interlock.domains.claims.seeding.documentation import necessity_label
from interlock.domains.claims.seeding.factory import Factory
from interlock.domains.claims.seeding.parties import World
from interlock.domains.claims.seeding.rows import build_rows, check_layout
from interlock.domains.claims.seeding.scenarios import KINDS, allocate
from interlock.domains.claims.seeding.truth import Checker as _Checker  # noqa: F401 - tests patch it here
from interlock.domains.claims.seeding.truth import Truth

__all__ = [
    "HIGH_VALUE_LIMIT",
    "KINDS",
    "TODAY",
    "GeneratorError",
    "SeedReport",
    "Truth",
    "allocate",
    "necessity_label",
    "seed",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class SeedReport:
    """What ``seed`` wrote: claim counts, the truth file, time taken, backlog outcomes."""

    backlog_claims: int
    history_claims: int
    truth_path: Path | None
    seconds: float
    outcome_counts: dict[str, int]


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while millions of acyclic rows are built.

    Each full collection walks every live object; with a large seed they would run
    again and again over the growing row lists and dominate the run time.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def seed(
    engine: sqlalchemy.Engine,
    *,
    claims: int,
    seed: int,
    truth_path: Path | None = None,
    history: int | None = None,
) -> SeedReport:
    """Fill the empty system of record behind ``engine`` from ``seed``.

    Inserts ``claims`` backlog claims (status ``received``) and ``history`` decided
    claims (default ``max(1500, claims)``), then writes the backlog's truth to
    ``truth_path`` as JSON lines ordered by ``claim_id``. The schema must exist and be
    empty. Raises ``GeneratorError`` if the independent check disagrees with the
    construction (nothing is inserted then).
    """
    if claims < 0 or (history is not None and history < 0):
        raise ValueError("claims and history must not be negative")
    started = time.perf_counter()
    check_layout()
    history_count = max(1500, claims) if history is None else history
    with _collector_paused():
        world = World(seed, claims + history_count)
        factory = Factory(world, seed)
        past = factory.build_phase("history", history_count)
        backlog = factory.build_phase("backlog", claims)
        everything = [*past, *backlog]
        rows = build_rows(world, factory, everything, seed)
        background = Background(factory, everything, rows)
        try:
            _insert(engine, {**rows, "clinical_notes": background.notes}, before_commit=background.truth)
        finally:
            background.close()
        truth = background.truth()
    if truth_path is not None:
        truth_path.write_text("".join(t.as_json() + "\n" for t in truth), encoding="utf-8")
    counts = dict.fromkeys(("approve", "deny", "review"), 0)
    for t in truth:
        counts[t.outcome] += 1
    return SeedReport(
        backlog_claims=len(backlog),
        history_claims=len(past),
        truth_path=truth_path,
        seconds=round(time.perf_counter() - started, 3),
        outcome_counts=counts,
    )
