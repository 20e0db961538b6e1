"""Review desk sessions kept in Interlock's store, so that signing out ends them for good.

The browser holds only a random session id; the store keeps its SHA-256, the staff id
and when the session ends (no later than the sign-in token would have expired). Every
page looks the session up and loads the staff member again from the system of record,
so a revoked session, an expired one or a deactivated person is signed out at once,
whichever process of the service answers.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

from sqlalchemy import Engine, insert, select, update

from interlock.audit.chain import begin_write
from interlock.store.schema import desk_sessions


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8", "surrogatepass")).hexdigest()


def _naive(at: datetime) -> datetime:
    return at.replace(tzinfo=None)


def open_session(store: Engine, *, staff_id: str, now: datetime, expires_at: datetime) -> str:
    """Start a session for ``staff_id`` until ``expires_at``; the id goes to the browser only."""
    session_id = secrets.token_urlsafe(32)
    with begin_write(store) as conn:
        conn.execute(
            insert(desk_sessions).values(
                session_hash=_hash(session_id),
                staff_id=staff_id,
                created_at=_naive(now),
                expires_at=_naive(expires_at),
            )
        )
    return session_id


def session_staff(store: Engine, session_id: str, *, now: datetime) -> str | None:
    """The staff id of a live session (not revoked, not expired); ``None`` otherwise."""
    with store.connect() as conn:
        row = conn.execute(
            select(desk_sessions.c.staff_id).where(
                desk_sessions.c.session_hash == _hash(session_id),
                desk_sessions.c.revoked_at.is_(None),
                desk_sessions.c.expires_at > _naive(now),
            )
        ).first()
    return None if row is None else str(row.staff_id)


def revoke_session(store: Engine, session_id: str, *, now: datetime) -> None:
    """End a session: its id opens nothing from now on, in any process."""
    with begin_write(store) as conn:
        conn.execute(
            update(desk_sessions)
            .where(desk_sessions.c.session_hash == _hash(session_id), desk_sessions.c.revoked_at.is_(None))
            .values(revoked_at=_naive(now))
        )


def csrf_for(session_id: str) -> str:
    """The CSRF token of a session: only a holder of the session id can compute it."""
    return hashlib.sha256(b"interlock-csrf:" + session_id.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def same_token(given: str, expected: str) -> bool:
    """Constant-time comparison that treats any text (non-ASCII included) as a mismatch, never an error."""
    return hmac.compare_digest(
        given.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass")
    )
