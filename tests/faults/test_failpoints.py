"""Each named failpoint stops a worker at its boundary; recovery leaves every invariant intact."""

from __future__ import annotations

import contextlib
import threading
import time
from pathlib import Path

import pytest
from faultworld import BACKLOG, FaultWorld

from interlock.exceptions import ConfigurationError
from interlock.work.failpoints import (
    FAILPOINTS,
    PAUSE_DIR_VAR,
    PAUSE_SUFFIX,
    Failpoints,
    FailpointTriggered,
    raise_triggered,
)


def test_unarmed_failpoints_do_nothing() -> None:
    """With nothing armed, every boundary passes without effect or record."""
    fp = Failpoints.from_env({})
    for name in FAILPOINTS:
        fp.hit(name)  # type: ignore[arg-type]
    assert not fp.armed
    assert fp.fired == []


def test_environment_syntax_parses_and_draws_are_seeded() -> None:
    """The same spec and seed fire at the same hits; a different seed fires differently."""
    env = {"INTERLOCK_FAILPOINTS": "after_ack=raise:0.5", "INTERLOCK_FAILPOINTS_SEED": "7"}

    def pattern(environ: dict[str, str]) -> list[bool]:
        fp = Failpoints.from_env(environ)
        fired = []
        for _ in range(40):
            try:
                fp.hit("after_ack")
                fired.append(False)
            except FailpointTriggered:
                fired.append(True)
        return fired

    assert pattern(env) == pattern(env)
    assert pattern(env) != pattern({**env, "INTERLOCK_FAILPOINTS_SEED": "8"})
    assert 5 < sum(pattern(env)) < 35


def test_max_fires_disarms_after_the_limit() -> None:
    """``INTERLOCK_FAILPOINTS_MAX`` caps how often a process fires, so a stall happens once."""
    fp = Failpoints.from_env(
        {"INTERLOCK_FAILPOINTS": "before_ack=stall:1:0", "INTERLOCK_FAILPOINTS_MAX": "1"}
    )
    fp.hit("before_ack")
    fp.hit("before_ack")
    assert fp.fired == ["before_ack"]


@pytest.mark.parametrize(
    "spec",
    ["nowhere=kill:1", "after_ack=explode:1", "after_ack=kill:2", "after_ack=kill", "after_ack=kill:x"],
)
def test_bad_specs_are_configuration_errors(spec: str) -> None:
    """A misspelt failpoint, action or probability is refused, never silently ignored."""
    with pytest.raises(ConfigurationError):
        Failpoints.parse(spec)


@pytest.mark.parametrize("point", FAILPOINTS)
def test_a_worker_dying_at_each_boundary_is_recovered_exactly_once(
    fault_world: FaultWorld, point: str
) -> None:
    """A worker that dies at ``point`` on every item is replaced, and the final state checks clean."""
    dying = fault_world.engine(failpoints=Failpoints.always(**{point: raise_triggered}), name="dying")
    for claim_id in BACKLOG:
        with contextlib.suppress(FailpointTriggered):
            dying.process(claim_id)
    assert dying.failpoints.fired, f"{point} was never reached"
    fault_world.expire_leases()
    fault_world.drain(fault_world.engine(name="recovering"))
    report = fault_world.check()
    assert report.ok, report.examples
    assert (report.finalized, report.pended) == (3, 1)


def test_checker_reports_a_claim_nobody_processed(fault_world: FaultWorld) -> None:
    """A backlog claim left ``received`` is counted lost, so an idle run cannot pass."""
    report = fault_world.check()
    assert not report.ok
    assert report.lost == len(BACKLOG)


def test_pause_waits_for_its_marker_to_be_removed(tmp_path: Path) -> None:
    """A paused worker goes on only once the watcher deletes its marker (or the wait runs out)."""
    fp = Failpoints.from_env({"INTERLOCK_FAILPOINTS": "before_ack=pause:1:5", PAUSE_DIR_VAR: str(tmp_path)})
    seen: list[str] = []

    def watcher() -> None:
        while not (markers := list(tmp_path.glob(f"*{PAUSE_SUFFIX}"))):
            time.sleep(0.01)
        seen.append(markers[0].name)
        time.sleep(0.3)
        markers[0].unlink()

    thread = threading.Thread(target=watcher)
    started = time.monotonic()
    thread.start()
    fp.hit("before_ack")
    waited = time.monotonic() - started
    thread.join()
    assert seen and seen[0].endswith(f"-before_ack{PAUSE_SUFFIX}")
    assert 0.3 <= waited < 5
    assert list(tmp_path.iterdir()) == []

    unattended = Failpoints.parse("after_ack=pause:1:0.2", pause_dir=tmp_path)
    started = time.monotonic()
    unattended.hit("after_ack")
    assert 0.2 <= time.monotonic() - started < 2
    assert list(tmp_path.iterdir()) == []


def test_pause_without_a_directory_is_refused() -> None:
    """A pause nobody can see would only slow the worker down: it is a configuration error."""
    with pytest.raises(ConfigurationError):
        Failpoints.from_env({"INTERLOCK_FAILPOINTS": "before_ack=pause:1"})
