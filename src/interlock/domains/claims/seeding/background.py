"""The notes and the truth check, run beside the inserts in a forked child process.

Writing the notes and checking every claim each take a large share of a big seed, and
neither is needed until the parent has inserted everything else; so where ``fork``
exists and there is more than one CPU, a child does both while the parent inserts,
and the transaction commits only once the child reports that every claim agrees.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Sequence
from multiprocessing.connection import Connection
from typing import Any

from interlock.domains.claims.seeding.basics import GeneratorError, Row, Rows
from interlock.domains.claims.seeding.claim import Claim
from interlock.domains.claims.seeding.factory import Factory
from interlock.domains.claims.seeding.rows import note_rows
from interlock.domains.claims.seeding.truth import Truth, verify


class Background:
    """Writes the notes and runs the independent check, in a forked process where possible.

    Notes and the check each take a large share of a big seed and neither is needed
    until the parent has inserted everything else, so a child process (forked: it reads
    the parent's claims and rows without copying them through a pipe) writes the notes,
    sends them, then checks every claim and sends the backlog's truth. The parent commits
    only after the child reports agreement. Without ``fork``, or with one CPU, both
    simply run in process, in the same order, with the same result.
    """

    def __init__(self, factory: Factory, claims: Sequence[Claim], rows: Rows) -> None:
        self._notes: list[Row] | None = None
        self._truth: list[Truth] | None = None
        self._process: multiprocessing.process.BaseProcess | None = None
        self._pipe: Connection | None = None
        if "fork" not in multiprocessing.get_all_start_methods() or (os.cpu_count() or 1) < 2:
            self._notes = note_rows(factory, claims)
            self._truth = verify(rows, claims)
            return
        context = multiprocessing.get_context("fork")
        receiver, sender = context.Pipe(duplex=False)
        self._process = context.Process(
            target=_background_child, args=(factory, claims, rows, sender), daemon=True
        )
        self._process.start()
        sender.close()
        self._pipe = receiver

    def _receive(self, expected: str) -> Any:
        assert self._pipe is not None
        try:
            status, payload = self._pipe.recv()
        except EOFError:
            status, payload = "error", "the background process exited without a result"
        if status != expected:
            raise GeneratorError(str(payload))
        return payload

    def notes(self) -> list[Row]:
        """The clinical note rows of every claim."""
        if self._notes is None:
            self._notes = self._receive("notes")
        return self._notes

    def truth(self) -> list[Truth]:
        """The backlog's truth once the check has passed; raises ``GeneratorError`` if not."""
        if self._truth is None:
            self.notes()
            self._truth = [Truth(*fields) for fields in self._receive("truth")]
            assert self._process is not None
            self._process.join()
        return self._truth

    def close(self) -> None:
        """Stop the child if the parent gave up before reading its verdict."""
        if self._process is not None and self._process.is_alive():
            self._process.terminate()
            self._process.join()
        if self._pipe is not None:
            self._pipe.close()


def _background_child(factory: Factory, claims: Sequence[Claim], rows: Rows, pipe: Connection) -> None:
    """Child side of ``Background``: send the notes, then the truth, or the failure."""
    try:
        pipe.send(("notes", note_rows(factory, claims)))
        truth = verify(rows, claims)
        pipe.send(("truth", [(t.claim_id, t.outcome, t.carc, t.allowed, t.paid) for t in truth]))
    except Exception as exc:  # every failure must reach the parent, which raises it
        pipe.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        pipe.close()
