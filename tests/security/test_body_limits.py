"""Finding 3: an unauthenticated client cannot make the server read, parse or hold a large body.

Checked against a real ``interlock serve`` on loopback with raw sockets, so that what is
measured is what the server does: the client keeps sending until the server answers (or
hangs up), and the answer must come within 3 s with the server's memory grown by less
than 50 MB.
"""

from __future__ import annotations

import json
import select
import socket
import time

import httpx2 as httpx
import pytest
from served import Served, served

from interlock.domains.claims.testing.api_world import SERVICE_KEY, TokenIssuer, seed_review_world

MB = 1024 * 1024
CHUNK = b"x" * (256 * 1024)


def _push(server: Served, head: bytes, total: int, *, chunked: bool) -> tuple[int, float]:
    """Send ``head`` then up to ``total`` body bytes until the server answers; (status, seconds)."""
    started = time.monotonic()
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    try:
        sock.sendall(head)
        sent, reply = 0, b""
        while time.monotonic() - started < 10:
            readable, writable, _ = select.select([sock], [sock] if sent < total else [], [], 0.5)
            if readable:
                data = sock.recv(65536)
                reply += data
                if not data or b"\r\n" in reply:
                    break
            elif writable:
                piece = CHUNK[: min(len(CHUNK), total - sent)]
                frame = b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece
                try:
                    sock.sendall(frame)
                except (BrokenPipeError, ConnectionResetError):
                    reply += sock.recv(65536)
                    break
                sent += len(piece)
        elapsed = time.monotonic() - started
    finally:
        sock.close()
    status_line = reply.split(b"\r\n", 1)[0]
    assert status_line.startswith(b"HTTP/1.1 "), reply[:200]
    return int(status_line.split()[1]), elapsed


def _head(path: str, *, length: int | None, headers: str = "") -> bytes:
    framing = f"Content-Length: {length}\r\n" if length is not None else "Transfer-Encoding: chunked\r\n"
    media = "application/x-www-form-urlencoded" if path.startswith("/desk") else "application/json"
    return (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {media}\r\n{framing}{headers}\r\n"
    ).encode()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Served:
    """One ``interlock serve`` for the module's requests."""
    directory = tmp_path_factory.mktemp("served")
    settings = seed_review_world(directory, TokenIssuer())
    with served(directory, settings) as running:
        yield running


@pytest.mark.parametrize("path", ["/v1/ask", "/v1/claims/fhir", "/v1/review-items/x/decision", "/desk/login"])
@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_an_unauthenticated_50_mb_body_is_refused_fast_and_never_held(
    server: Served, path: str, chunked: bool
) -> None:
    """401 or 413 within 3 s, the server's memory grown by under 50 MB."""
    before = server.rss_bytes()
    status, seconds = _push(
        server, _head(path, length=None if chunked else 50 * MB), 50 * MB, chunked=chunked
    )
    grown = server.rss_bytes() - before
    assert status in (401, 413), status
    assert seconds < 3.0, seconds
    assert grown < 50 * MB, grown


def test_an_authenticated_streamed_body_stops_at_the_limit(server: Served) -> None:
    """A caller with a valid key streaming 50 MB without a length gets 413 once the limit is passed."""
    before = server.rss_bytes()
    head = _head("/v1/ask", length=None, headers=f"X-API-Key: {SERVICE_KEY}\r\n")
    status, seconds = _push(server, head, 50 * MB, chunked=True)
    assert (status, seconds < 3.0) == (413, True), (status, seconds)
    assert server.rss_bytes() - before < 50 * MB


def test_the_answer_to_a_large_declared_body_is_a_problem(server: Served) -> None:
    """A declared length over the limit is refused before routing (no body sent), as a problem."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(_head("/v1/ask", length=2 * MB, headers=f"X-API-Key: {SERVICE_KEY}\r\n"))
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413 ")
    assert b"content-type: application/problem+json" in head.lower()
    assert json.loads(body)["type"] == "/problems/content-too-large"


def test_no_credentials_is_a_401_before_the_body_is_parsed(server: Served) -> None:
    """A small malformed body without credentials is a 401, not a 422: the body was never read."""
    with httpx.Client(base_url=server.url) as client:
        r = client.post("/v1/ask", content=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == "Bearer"


def test_an_oversized_request_head_is_refused(server: Served) -> None:
    """A header growing past the head limit (16 KiB) is refused while it is still being sent."""
    status, seconds = _push(server, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: ", MB, chunked=False)
    assert status in (400, 431) and seconds < 3.0, (status, seconds)
