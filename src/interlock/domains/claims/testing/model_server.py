"""A scripted OpenAI-compatible server on the loopback interface.

Model adapters are only trustworthy if they are tested against real HTTP: timeouts,
status codes, malformed bodies and what the SDK actually puts on the wire. This
server speaks just enough of the OpenAI API (``POST /v1/chat/completions`` and
``GET /v1/models``) for that, and answers whatever a *responder* says: a callable
that receives the parsed request body and returns the answer text or a :class:`Reply`
describing a status code, a delay, a finish reason or a raw body.

It uses only the standard library, binds ``127.0.0.1`` on a free port and runs in a
background thread, so tests need no network and no extra packages::

    with ScriptedModelServer(echo_policies_responder()) as server:
        model = OpenAICompatibleModel("scripted", base_url=server.base_url)
        ...
        assert "123-45-6789" not in json.dumps(server.requests)

Every request body is recorded in :attr:`ScriptedModelServer.requests`, so tests can
assert what a model was sent.
"""

from __future__ import annotations

import hashlib
import json
import socket
import struct
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Final, Self, cast

from interlock.domains.claims.criteria import policy_criteria
from interlock.domains.claims.prompts import extract_request_payload
from interlock.domains.claims.testing.scripted import FINDING_OF_STATUS, criterion_citation

__all__ = [
    "Reply",
    "Responder",
    "ScriptedModelServer",
    "echo_policies_responder",
    "sequence_responder",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class Reply:
    """How the server answers one request.

    ``content`` becomes ``choices[0].message.content`` (``None`` sends JSON null).
    A ``status`` of 400 or more sends an OpenAI-shaped error body instead. ``delay``
    holds the answer back, to exercise deadlines. ``body`` replaces the whole HTTP body
    with these exact bytes, to exercise malformed responses. ``reset`` drops the
    connection with a TCP reset instead of answering; ``trickle_seconds`` spreads the
    answer's bytes over that many seconds, which per-read timeouts never notice.
    """

    content: str | None = None
    status: int = 200
    delay: float = 0.0
    finish_reason: str | None = "stop"
    refusal: str | None = None
    body: bytes | str | None = None
    content_type: str = "application/json"
    reset: bool = False
    trickle_seconds: float = 0.0


Responder = Callable[[dict[str, Any]], str | Reply]
"""Takes the parsed request body; returns the answer text or a :class:`Reply`."""

_API_PREFIX: Final = "/v1"
_MAX_REQUEST_BYTES: Final = 16 * 1024 * 1024


def _estimate_tokens(text: str) -> int:
    """A rough, deterministic token count so that usage is never zero for real text."""
    return max(1, len(text) // 4) if text else 0


def _prompt_text(request: dict[str, Any]) -> str:
    """All string message contents of a request, for the token estimate."""
    messages = request.get("messages")
    if not isinstance(messages, list):
        return ""
    return "".join(
        message["content"]
        for message in messages
        if isinstance(message, dict) and isinstance(message.get("content"), str)
    )


EMBEDDING_DIMENSIONS: Final = 32


def _embed_text(text: str) -> list[float]:
    """A deterministic bag-of-words vector: texts sharing words point the same way."""
    vector = [0.0] * EMBEDDING_DIMENSIONS
    for word in text.lower().split():
        digest = hashlib.sha256(word.strip(".,;:!?").encode()).digest()
        vector[digest[0] % EMBEDDING_DIMENSIONS] += 1.0
    norm = sum(v * v for v in vector) ** 0.5 or 1.0
    return [v / norm for v in vector]


def _embeddings(request: dict[str, Any], model: str) -> dict[str, Any]:
    """An OpenAI-shaped ``/v1/embeddings`` answer for a string or a list of strings."""
    raw = request.get("input")
    texts = [raw] if isinstance(raw, str) else [str(t) for t in raw or []]
    return {
        "object": "list",
        "data": [
            {"object": "embedding", "index": i, "embedding": _embed_text(t)} for i, t in enumerate(texts)
        ],
        "model": request.get("model") or model,
        "usage": {
            "prompt_tokens": sum(_estimate_tokens(t) for t in texts),
            "total_tokens": sum(_estimate_tokens(t) for t in texts),
        },
    }


def _error_body(status: int, message: str) -> bytes:
    """An error in the shape OpenAI sends, which the SDK turns into typed exceptions."""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "error"
    error = {"message": message, "type": phrase.lower().replace(" ", "_"), "code": str(status)}
    return json.dumps({"error": error}).encode()


class _Handler(BaseHTTPRequestHandler):
    """Routes the two endpoints; everything else is a 404 in OpenAI's error shape."""

    protocol_version = "HTTP/1.0"
    server_version = "InterlockScriptedModel/1"
    timeout = 30

    @property
    def _owner(self) -> ScriptedModelServer:
        return cast(_Server, self.server).owner

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: test output is for test failures."""

    def do_GET(self) -> None:
        """List the one model this server pretends to be."""
        if self.path.rstrip("/") != f"{_API_PREFIX}/models":
            self._send(404, _error_body(404, f"no route {self.path}"))
            return
        model = {"id": self._owner.model, "object": "model", "created": 0, "owned_by": "interlock"}
        self._send(200, json.dumps({"object": "list", "data": [model]}).encode())

    def do_POST(self) -> None:
        """Answer a chat completion as the responder says."""
        route = self.path.rstrip("/")
        if route not in (
            f"{_API_PREFIX}/chat/completions",
            f"{_API_PREFIX}/messages",
            f"{_API_PREFIX}/embeddings",
        ):
            self._send(404, _error_body(404, f"no route {self.path}"))
            return
        length = int(self.headers.get("Content-Length") or 0)
        if not 0 < length <= _MAX_REQUEST_BYTES:
            self._send(400, _error_body(400, "missing or oversized request body"))
            return
        try:
            request = json.loads(self.rfile.read(length))
        except ValueError:
            self._send(400, _error_body(400, "request body is not JSON"))
            return
        if not isinstance(request, dict):
            self._send(400, _error_body(400, "request body is not a JSON object"))
            return
        owner = self._owner
        owner._record(request)
        presented = self.headers.get("x-api-key") or (self.headers.get("Authorization") or "").removeprefix(
            "Bearer "
        )
        if owner.api_key is not None and presented != owner.api_key:
            self._send(401, _error_body(401, "invalid API key"))
            return
        if route.endswith("/embeddings"):
            self._send(200, json.dumps(_embeddings(request, owner.model)).encode())
            return
        try:
            result = owner.responder(request)
        except Exception as error:
            owner._record_error(error)
            self._send(500, _error_body(500, f"responder failed: {type(error).__name__}"))
            return
        reply = Reply(content=result) if isinstance(result, str) else result
        if reply.delay > 0 and owner._closing.wait(reply.delay):
            return
        if reply.reset:
            self._reset()
            return
        self._trickle = reply.trickle_seconds
        if reply.body is not None:
            body = reply.body.encode() if isinstance(reply.body, str) else reply.body
            self._send(reply.status, body, content_type=reply.content_type)
        elif reply.status >= 400:
            self._send(reply.status, _error_body(reply.status, "scripted error"))
        elif route.endswith("/messages"):
            self._send(reply.status, json.dumps(owner._message(request, reply)).encode())
        else:
            self._send(reply.status, json.dumps(owner._completion(request, reply)).encode())

    def _reset(self) -> None:
        """Abort the connection: SO_LINGER of zero makes close() send a TCP reset."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True

    def _send(self, status: int, body: bytes, *, content_type: str = "application/json") -> None:
        """Write one whole response; a client that already hung up is not an error."""
        trickle = getattr(self, "_trickle", 0.0)
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if trickle <= 0:
                self.wfile.write(body)
                return
            pause = trickle / max(len(body), 1)
            for i in range(len(body)):
                if self._owner._closing.wait(pause):
                    return
                self.wfile.write(body[i : i + 1])
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, OSError):
            pass


class _Server(ThreadingHTTPServer):
    """The HTTP server, carrying a reference back to its owner for the handlers."""

    daemon_threads = True
    block_on_close = False

    def __init__(self, owner: ScriptedModelServer) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.owner = owner

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Ignore clients that hang up mid-request (a timed-out SDK call does)."""


class ScriptedModelServer:
    """A loopback OpenAI-compatible server answering from a responder.

    Use it as a context manager, or call :meth:`start` and :meth:`stop`. With
    ``api_key`` set, requests without ``Authorization: Bearer <api_key>`` get a 401 as
    a hosted provider would send. Errors raised by the responder are answered with a
    500 and kept in :attr:`responder_errors`, so a test can tell a broken script from
    a scripted failure.
    """

    def __init__(
        self,
        responder: Responder | None = None,
        *,
        api_key: str | None = None,
        model: str = "scripted",
    ) -> None:
        self.responder: Responder = responder or echo_policies_responder()
        self.api_key = api_key
        self.model = model
        self._lock = threading.Lock()
        self._requests: list[dict[str, Any]] = []
        self._errors: list[Exception] = []
        self._closing = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._served = 0

    def start(self) -> Self:
        """Bind a free loopback port and serve from a background thread."""
        if self._server is not None:
            raise RuntimeError("the server is already running")
        self._closing.clear()
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="scripted-model-server",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; answers still held back by a delay are dropped."""
        if self._server is None:
            return
        self._closing.set()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join()
        self._server = None
        self._thread = None

    def __enter__(self) -> Self:
        """Start the server for the ``with`` block."""
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop the server when the block ends."""
        self.stop()

    @property
    def base_url(self) -> str:
        """The URL to give an OpenAI client: ``http://127.0.0.1:PORT/v1``."""
        if self._server is None:
            raise RuntimeError("the server is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}{_API_PREFIX}"

    @property
    def requests(self) -> list[dict[str, Any]]:
        """Every chat-completion request body received so far, oldest first."""
        with self._lock:
            return list(self._requests)

    @property
    def responder_errors(self) -> list[Exception]:
        """Exceptions the responder raised, oldest first."""
        with self._lock:
            return list(self._errors)

    def _record(self, request: dict[str, Any]) -> None:
        with self._lock:
            self._requests.append(request)

    def _record_error(self, error: Exception) -> None:
        with self._lock:
            self._errors.append(error)

    def _message(self, request: dict[str, Any], reply: Reply) -> dict[str, Any]:
        """An Anthropic-shaped message: the reply as the forced tool's input when it is JSON."""
        with self._lock:
            self._served += 1
            number = self._served
        text = reply.content or ""
        try:
            tool_input = json.loads(text)
        except ValueError:
            tool_input = None
        content: list[dict[str, Any]]
        if isinstance(tool_input, dict):
            tools = request.get("tools") or [{"name": "answer"}]
            content = [
                {"type": "tool_use", "id": f"toolu_{number}", "name": tools[0]["name"], "input": tool_input}
            ]
            stop = "tool_use"
        else:
            content = [{"type": "text", "text": text}] if text else []
            stop = "end_turn"
        if reply.finish_reason == "length":
            stop = "max_tokens"
        system = request.get("system")
        prompt_tokens = _estimate_tokens(_prompt_text(request) + (system if isinstance(system, str) else ""))
        return {
            "id": f"msg_scripted_{number}",
            "type": "message",
            "role": "assistant",
            "model": request.get("model") or self.model,
            "content": content,
            "stop_reason": stop,
            "stop_sequence": None,
            "usage": {"input_tokens": prompt_tokens, "output_tokens": _estimate_tokens(text)},
        }

    def _completion(self, request: dict[str, Any], reply: Reply) -> dict[str, Any]:
        """An OpenAI-shaped chat completion carrying the reply."""
        with self._lock:
            self._served += 1
            number = self._served
        prompt_tokens = _estimate_tokens(_prompt_text(request))
        completion_tokens = _estimate_tokens(reply.content or "")
        model = request.get("model")
        return {
            "id": f"chatcmpl-scripted-{number}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model if isinstance(model, str) else self.model,
            "choices": [
                {
                    "index": 0,
                    "message": {
                        "role": "assistant",
                        "content": reply.content,
                        "refusal": reply.refusal,
                    },
                    "finish_reason": reply.finish_reason,
                    "logprobs": None,
                }
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        }


def echo_policies_responder(status: str = "met", confidence: float = 0.99) -> Responder:
    """Answer every criterion of every policy in the request with the finding ``status`` stands for.

    ``met`` and ``not_met`` are stated for every numbered criterion (``unclear`` is "not
    documented"), each citing the note sentence most relevant to that criterion, or the
    first 60 characters of the first note when none is (leading blanks dropped): verbatim
    either way, so the answer passes a citation check, while whether the passage is
    evidence for its criterion is left to the gate. An unknown ``status`` is sent as the
    finding itself and ``confidence`` is not validated, so tests can script
    out-of-contract answers.
    """

    def respond(request: dict[str, Any]) -> str:
        messages = request.get("messages")
        if not isinstance(messages, list):
            raise ValueError("the request has no messages")
        payload = extract_request_payload([m for m in messages if isinstance(m, dict)])
        notes = [(str(n["item_id"]), str(n["text"])) for n in payload.get("notes") or []]
        finding = FINDING_OF_STATUS.get(status, status)
        policies = []
        for policy in payload.get("policies") or []:
            structure = policy_criteria(str(policy.get("text", "")))
            criteria = []
            for item in policy.get("criteria") or []:
                number = int(item["criterion"])
                citations: list[dict[str, str]] = []
                if finding != "not_documented":
                    cited = criterion_citation(structure, number, notes)
                    if cited is not None:
                        citations.append({"item_id": cited.item_id, "quote": cited.quote})
                criteria.append({"criterion": number, "finding": finding, "citations": citations})
            policies.append(
                {
                    "policy_id": policy["policy_id"],
                    "confidence": confidence,
                    "rationale": f"Scripted answer: {status}.",
                    "criteria": criteria,
                }
            )
        return json.dumps({"policies": policies})

    return respond


def sequence_responder(replies: Sequence[str | Reply | Responder]) -> Responder:
    """Answer the n-th request with the n-th entry; a callable entry is asked in turn.

    A request beyond the end is answered with a 500 and recorded as a responder error,
    so a test that makes more calls than it scripted fails loudly.
    """
    script = list(replies)
    lock = threading.Lock()
    position = 0

    def respond(request: dict[str, Any]) -> str | Reply:
        nonlocal position
        with lock:
            index = position
            position += 1
        if index >= len(script):
            raise RuntimeError(f"scripted replies exhausted after {len(script)} requests")
        entry = script[index]
        if isinstance(entry, str | Reply):
            return entry
        return entry(request)

    return respond
