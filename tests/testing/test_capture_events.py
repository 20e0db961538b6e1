"""capture_events: the audit events a test caused, read back in append order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from interlock.audit.chain import AuditLog
from interlock.audit.events import AuditEvent
from interlock.db import make_engine
from interlock.store.metadata import store_metadata
from interlock.testing import capture_events

START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def _event(i: int, record_id: str, kind: str, outcome: str) -> AuditEvent:
    return AuditEvent(
        kind=kind,  # type: ignore[arg-type]
        at=START + timedelta(seconds=i),
        principal="service:test",
        on_behalf_of=None,
        purpose="tickets.refund",
        work_item_id=f"w-{record_id}",
        subject={"record_id": record_id, "record_version": 1},
        outcome=outcome,
        reason=f"reason {i}",
        details={"i": i},
    )


@pytest.fixture
def store(tmp_path: Path) -> Engine:
    engine = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    store_metadata.create_all(engine)
    return engine


def test_a_capture_sees_only_events_appended_after_it_started(store: Engine) -> None:
    """Events appended before the capture are not reported; later ones are, in append order."""
    log = AuditLog(store)
    log.append_one(_event(0, "T-0", "work.completed", "commit"))
    events = capture_events(store)
    assert events.events() == []
    log.append_one(_event(1, "T-1", "gate.verdict", "pass"))
    log.append_one(_event(2, "T-2", "gate.verdict", "review"))
    log.append_one(_event(3, "T-1", "work.completed", "commit"))
    assert events.kinds() == ["gate.verdict", "gate.verdict", "work.completed"]
    assert events.outcomes("T-1") == [("gate.verdict", "pass"), ("work.completed", "commit")]
    assert [e.reason for e in events.events(kinds=["gate.verdict"])] == ["reason 1", "reason 2"]
    assert events.last("T-1", "gate.verdict").details == {"i": 1}
    assert capture_events(store, from_start=True).kinds("T-0") == ["work.completed"]


def test_captured_events_equal_the_events_appended(store: Engine) -> None:
    """What is read back is the appended event itself, every field included."""
    events = capture_events(store)
    appended = _event(5, "T-5", "route.decided", "review")
    AuditLog(store).append_one(appended)
    assert events.events("T-5") == [appended]


def test_mark_forgets_what_was_captured(store: Engine) -> None:
    """After mark(), only events appended later are reported."""
    log = AuditLog(store)
    events = capture_events(store)
    log.append_one(_event(1, "T-1", "gate.verdict", "pass"))
    events.mark()
    log.append_one(_event(2, "T-1", "work.completed", "commit"))
    assert events.kinds("T-1") == ["work.completed"]


def test_last_of_a_kind_never_captured_is_a_key_error(store: Engine) -> None:
    """Asking for an event that was not appended fails loudly instead of returning a default."""
    events = capture_events(store)
    AuditLog(store).append_one(_event(1, "T-1", "gate.verdict", "pass"))
    with pytest.raises(KeyError, match=r"review\.opened"):
        events.last("T-1", "review.opened")
    with pytest.raises(KeyError):
        events.last("T-2", "gate.verdict")


def test_other_chains_are_not_captured(store: Engine) -> None:
    """A capture reads one chain: events of another chain in the same store stay out."""
    events = capture_events(store)
    AuditLog(store, "other").append_one(_event(1, "T-1", "gate.verdict", "pass"))
    assert events.events() == []
    assert capture_events(store, chain="other", from_start=True).kinds() == ["gate.verdict"]
