"""A real API server on loopback and a token issuer, for tests of any domain's API.

:class:`LiveServer` runs the app under uvicorn on ``127.0.0.1`` in a background
thread, so tests (ours and users') exercise real HTTP, real middleware and real
databases. :class:`TokenIssuer` plays an identity provider: it makes a signing key,
writes the JWKS the server trusts, and mints tokens for staff ids.
"""

from __future__ import annotations

import json
import secrets
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import uvicorn
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from fastapi import FastAPI

from interlock.api.settings import server_limits

__all__ = ["LiveServer", "TokenIssuer", "free_port"]


def free_port() -> int:
    """A TCP port on loopback that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class LiveServer:
    """The app under uvicorn on loopback, started and stopped by the caller (a context manager)."""

    def __init__(self, app: FastAPI, *, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        limits = server_limits(app.state.services.settings) if hasattr(app.state, "services") else {}
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on", **limits
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="interlock-live-server", daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the API server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)


@dataclass
class TokenIssuer:
    """An identity provider for tests: its keys, its JWKS file, and tokens for staff ids."""

    issuer: str = "https://idp.test"
    audience: str = "interlock"
    algorithm: str = "RS256"
    kid: str = field(default_factory=lambda: secrets.token_hex(4))
    key: Any = None

    def __post_init__(self) -> None:
        if self.key is None:
            self.key = (
                ec.generate_private_key(ec.SECP256R1())
                if self.algorithm.startswith("ES")
                else rsa.generate_private_key(public_exponent=65537, key_size=2048)
            )

    def jwks(self) -> dict[str, Any]:
        """The public JWKS document a server configured with this issuer trusts."""
        algo = jwt.get_algorithm_by_name(self.algorithm)
        jwk: dict[str, Any] = json.loads(algo.to_jwk(self.key.public_key()))
        jwk.update({"kid": self.kid, "use": "sig", "alg": self.algorithm})
        return {"keys": [jwk]}

    def write_jwks(self, path: Path) -> Path:
        """Write :meth:`jwks` to ``path`` and return it."""
        path.write_text(json.dumps(self.jwks()), encoding="utf-8")
        return path

    def token(self, sub: str, *, ttl: timedelta = timedelta(minutes=10), **claims: Any) -> str:
        """A signed token for staff id ``sub`` (extra claims override the defaults)."""
        now = datetime.now(UTC)
        payload: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": sub,
            "iat": now,
            "exp": now + ttl,
            **claims,
        }
        return jwt.encode(payload, self.key, algorithm=self.algorithm, headers={"kid": self.kid})
