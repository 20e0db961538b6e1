"""The fast canonical encoder writes exactly the bytes of the RFC 8785 reference package."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from interlock.audit.events import AuditEvent, canonical_json

_JSON_INT = st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
# Text from the whole of Unicode bar lone surrogates: control characters, quotes,
# backslashes, characters beyond the BMP (whose UTF-16 order differs from code points).
_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
_SCALARS = st.none() | st.booleans() | _JSON_INT | _TEXT
# The reference package refuses floats beyond 2**53 (and so does the event, by way of it).
_FLOATS = st.floats(min_value=-1e15, max_value=1e15, allow_nan=False) | st.floats(-1e-3, 1e-3)


def _json(scalars: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner, max_size=5),
        max_leaves=20,
    )


def _event(details: dict[str, Any], subject: dict[str, str | int] | None = None) -> AuditEvent:
    return AuditEvent(
        kind="work.completed",
        at=datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC),
        principal="service:batch",
        on_behalf_of=None,
        purpose="claims.adjudicate",
        work_item_id="wi-1",
        subject=subject if subject is not None else {"record_id": "C1", "record_version": 1},
        outcome="ok",
        reason="",
        details=details,
    )


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(_TEXT, _json(_SCALARS), max_size=6))
def test_plain_bodies_encode_like_rfc8785(details: dict[str, Any]) -> None:
    event = _event(details)
    assert event.to_canonical_json() == rfc8785.dumps(event.to_dict())


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(_TEXT, _json(_SCALARS | _FLOATS), max_size=6))
def test_bodies_with_floats_encode_like_rfc8785(details: dict[str, Any]) -> None:
    event = _event(details)
    assert event.to_canonical_json() == rfc8785.dumps(event.to_dict())


def test_key_order_beyond_the_bmp_follows_utf16() -> None:
    # U+1F600 is a surrogate pair (D83D DE00) in UTF-16, so it sorts before U+FF5E;
    # by code point it would sort after. Keys of details and of the subject both count.
    details = {"\uff5e": 1, "\U0001f600": 2}
    body = _event(details).to_canonical_json()
    assert body == rfc8785.dumps(_event(details).to_dict())
    assert body.index("\U0001f600".encode()) < body.index("\uff5e".encode())
    subject: dict[str, str | int] = {"\uff5e": "a", "\U0001f600": "b"}
    assert _event({}, subject).to_canonical_json() == rfc8785.dumps(_event({}, subject).to_dict())


def test_control_characters_use_the_rfc8785_escapes() -> None:
    text = "".join(chr(c) for c in range(0x20)) + '"\\\x7f\u2028é'
    assert canonical_json({"t": text}, plain=True) == rfc8785.dumps({"t": text})
    assert canonical_json({"t": text}, plain=True).startswith(b'{"t":"\\u0000\\u0001')
