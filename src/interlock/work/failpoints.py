"""Named failpoints at the step boundaries of a work item, for crash tests.

Exactly-once effects are claimed, not proven, until a worker is killed at each boundary
and an invariant checker finds the final state intact. The engine calls
:meth:`Failpoints.hit` at each boundary below; nothing happens unless a failpoint was
armed, either with an explicit :class:`Failpoints` given to the engine (in-process
tests) or through the environment (worker processes started by a crash harness)::

    INTERLOCK_FAILPOINTS="after_sor_write=kill:0.3,before_ack=stall:0.1:5"
    INTERLOCK_FAILPOINTS_SEED=7

Each entry is ``name=action:probability[:seconds]``. ``kill`` sends SIGKILL to the
worker's own process (no cleanup runs, as in an OOM kill or a lost machine); ``stall``
sleeps for ``seconds`` and then carries on (a paused process whose lease has expired
meanwhile: what fencing must stop); ``raise`` raises :class:`FailpointTriggered`;
``pause`` announces itself with a marker file in ``INTERLOCK_FAILPOINTS_PAUSE_DIR`` and
waits until the file is removed (at most ``seconds``), so that a harness can do
something to the world at exactly that boundary (stop the database server) before
the worker carries on into it.
Draws come from one ``random.Random`` seeded by ``INTERLOCK_FAILPOINTS_SEED``, so a run
is reproducible given the order in which the worker reaches the boundaries;
``INTERLOCK_FAILPOINTS_MAX`` caps how many times this process fires (``stall`` once,
then carry on normally).

When nothing is armed, ``hit`` is a lookup in an empty dict: the production cost.
"""

from __future__ import annotations

import os
import random
import signal
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Final, Literal, get_args

from interlock.exceptions import ConfigurationError

FailpointName = Literal[
    "after_claim",
    "after_model_call",
    "after_recovery_point",
    "after_sor_write",
    "before_ack",
    "after_ack",
]
FAILPOINTS: Final[tuple[str, ...]] = get_args(FailpointName)
ENV_VAR: Final = "INTERLOCK_FAILPOINTS"
SEED_VAR: Final = "INTERLOCK_FAILPOINTS_SEED"
MAX_VAR: Final = "INTERLOCK_FAILPOINTS_MAX"
PAUSE_DIR_VAR: Final = "INTERLOCK_FAILPOINTS_PAUSE_DIR"
PAUSE_SUFFIX: Final = ".paused"

Action = Callable[[str], None]
"""What happens at an armed failpoint; it receives the failpoint's name."""


class FailpointTriggered(Exception):
    """Raised by a ``raise`` action: the work item stops as if its worker had died."""


def kill_self(_name: str) -> None:
    """SIGKILL this process: no ``finally`` blocks, no rollback, no goodbye."""
    os.kill(os.getpid(), signal.SIGKILL)


def stall(seconds: float) -> Action:
    """An action that pauses the worker for ``seconds`` and then lets it carry on."""

    def _stall(_name: str) -> None:
        time.sleep(seconds)

    return _stall


def pause(directory: Path, seconds: float) -> Action:
    """An action that leaves a marker file in ``directory`` and waits until it is removed.

    The marker is named ``<pid>-<sequence>-<failpoint>.paused``; whoever watches the
    directory acts and then deletes it to let the worker go on. After ``seconds`` the
    worker goes on anyway, so a harness that died cannot hang its workers.
    """
    count = 0

    def _pause(name: str) -> None:
        nonlocal count
        count += 1
        marker = directory / f"{os.getpid()}-{count}-{name}{PAUSE_SUFFIX}"
        marker.touch()
        give_up = time.monotonic() + seconds
        while marker.exists() and time.monotonic() < give_up:
            time.sleep(0.01)
        marker.unlink(missing_ok=True)

    return _pause


def raise_triggered(name: str) -> None:
    """Raise :class:`FailpointTriggered` naming the failpoint."""
    raise FailpointTriggered(name)


class Failpoints:
    """Armed failpoints by name, each with an action and a probability."""

    __slots__ = ("_armed", "_max_fires", "_rng", "fired")

    def __init__(
        self,
        armed: Mapping[str, tuple[Action, float]] | None = None,
        *,
        seed: int = 0,
        max_fires: int | None = None,
    ) -> None:
        unknown = set(armed or {}) - set(FAILPOINTS)
        if unknown:
            raise ConfigurationError(f"unknown failpoints {sorted(unknown)}; known: {list(FAILPOINTS)}")
        self._armed: dict[str, tuple[Action, float]] = dict(armed or {})
        self._rng = random.Random(seed)
        self._max_fires = max_fires
        self.fired: list[str] = []

    @classmethod
    def always(cls, **actions: Action) -> Failpoints:
        """Arm each named failpoint with its action at probability 1 (for in-process tests)."""
        return cls({name: (action, 1.0) for name, action in actions.items()})

    @classmethod
    def parse(
        cls, spec: str, *, seed: int = 0, max_fires: int | None = None, pause_dir: Path | None = None
    ) -> Failpoints:
        """Build from the ``name=action:probability[:seconds],...`` syntax of the module docstring."""
        armed: dict[str, tuple[Action, float]] = {}
        for entry in filter(None, (part.strip() for part in spec.split(","))):
            name, sep, rest = entry.partition("=")
            parts = rest.split(":")
            if not sep or len(parts) not in (2, 3):
                raise ConfigurationError(f"failpoint {entry!r} is not name=action:probability[:seconds]")
            kind, probability = parts[0], _probability(parts[1], entry)
            match kind:
                case "kill":
                    action: Action = kill_self
                case "raise":
                    action = raise_triggered
                case "stall":
                    action = stall(float(parts[2]) if len(parts) == 3 else 5.0)
                case "pause":
                    if pause_dir is None:
                        raise ConfigurationError(f"failpoint {entry!r}: pause needs {PAUSE_DIR_VAR}")
                    action = pause(pause_dir, float(parts[2]) if len(parts) == 3 else 60.0)
                case _:
                    raise ConfigurationError(
                        f"failpoint {entry!r}: action must be kill, stall, pause or raise"
                    )
            armed[name.strip()] = (action, probability)
        return cls(armed, seed=seed, max_fires=max_fires)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Failpoints:
        """The failpoints armed by the environment; none when the variable is unset."""
        env = os.environ if environ is None else environ
        spec = env.get(ENV_VAR, "")
        if not spec:
            return cls()
        limit = env.get(MAX_VAR)
        pause_dir = env.get(PAUSE_DIR_VAR)
        return cls.parse(
            spec,
            seed=int(env.get(SEED_VAR, "0")),
            max_fires=int(limit) if limit else None,
            pause_dir=Path(pause_dir) if pause_dir else None,
        )

    @property
    def armed(self) -> bool:
        """True when at least one failpoint can fire."""
        return bool(self._armed)

    def hit(self, name: FailpointName) -> None:
        """Reach the boundary ``name``: run its action if it is armed and the draw says so."""
        if not self._armed:
            return
        entry = self._armed.get(name)
        if entry is None:
            return
        action, probability = entry
        if probability >= 1.0 or self._rng.random() < probability:
            self.fired.append(name)
            if self._max_fires is not None and len(self.fired) >= self._max_fires:
                self._armed = {}
            action(name)


def _probability(text: str, entry: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ConfigurationError(f"failpoint {entry!r}: probability {text!r} is not a number") from None
    if not 0.0 <= value <= 1.0:
        raise ConfigurationError(f"failpoint {entry!r}: probability must be within [0, 1]")
    return value
