"""Settings of the HTTP service, read from ``INTERLOCK_*`` environment variables or passed in.

Only the API reads them; every other module takes plain values. Keys and key sets are
files or URLs, never inline secrets, so a settings dump never leaks one.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field


class ApiSettings(BaseModel):
    """Where the databases are, whom to trust for tokens and keys, and the work deadlines."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    sor_url: str
    store_url: str
    #: A JWKS document (``file``) or endpoint (``url``) holding the issuer's public keys.
    jwks_file: Path | None = None
    jwks_url: str | None = None
    jwt_issuer: str | None = None
    jwt_audience: str | None = None
    jwt_algorithms: tuple[str, ...] = ("RS256", "ES256")
    #: A TOML file of ``[[keys]]`` with ``name``, ``sha256`` (hex of the key) and ``service``.
    api_keys_file: Path | None = None
    model: str = "none"
    deadline_seconds: float = Field(default=30.0, gt=0)
    queue_workers: int = Field(default=1, ge=0)
    review_sla_hours: float = Field(default=48.0, gt=0)
    #: Secure cookies need HTTPS; tests on loopback turn this off.
    cookie_secure: bool = True

    @classmethod
    def from_env(cls, **overrides: object) -> ApiSettings:
        """Settings from ``INTERLOCK_<FIELD>`` variables, with ``overrides`` winning."""
        values: dict[str, object] = {}
        for name in cls.model_fields:
            env = os.environ.get(f"INTERLOCK_{name.upper()}")
            if env is not None:
                values[name] = tuple(env.split(",")) if name == "jwt_algorithms" else env
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls.model_validate(values)
