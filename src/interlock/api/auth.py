"""Who is calling: a bearer JWT for a staff member, or an API key for a service.

A JWT is checked against the configured issuer's public keys (a JWKS file or URL):
signature, ``exp``, ``iss`` and ``aud``. Its ``sub`` names a staff id, and the principal
is loaded from the system of record's staff tables on every request, so a deactivated
or reassigned person loses access at once rather than when a token expires.

An API key maps to a service principal. Only the SHA-256 of each key is configured:
keys are long random strings, so a fast hash suffices, and the settings file holds
nothing that would let its reader call the API.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jwt

from interlock.api.problems import Problem
from interlock.api.settings import ApiSettings
from interlock.domains.claims.connector import SqlClaimsConnector
from interlock.exceptions import ConfigurationError
from interlock.policy.principal import Principal, service_principal
from interlock.policy.values import Decision

API_KEY_HEADER = "X-API-Key"


def unauthorized(detail: str) -> Problem:
    """401 with the challenge a client needs to retry with credentials."""
    return Problem(401, "unauthorized", "Unauthorized", detail, headers={"WWW-Authenticate": "Bearer"})


def forbidden(detail: str) -> Problem:
    """403 for an endpoint the caller's role may not use at all (never record-specific)."""
    return Problem(403, "forbidden", "Forbidden", detail)


def key_digest(key: str) -> str:
    """The SHA-256 hex digest under which an API key is configured."""
    return hashlib.sha256(key.encode()).hexdigest()


def decide_audit_read(principal: Principal) -> Decision:
    """An active auditor may read the audit trail (CLAIMS_POLICY.md); nobody else may."""
    if not principal.active:
        return Decision(allowed=False, reasons=("principal is inactive",))
    if principal.role != "auditor":
        return Decision(allowed=False, reasons=(f"role {principal.role!r} may not read the audit trail",))
    return Decision(allowed=True, reasons=("auditor reads the audit trail",))


@dataclass(frozen=True, slots=True)
class _ServiceKey:
    digest: str
    service: str


def load_api_keys(data: Mapping[str, Any], default_service: str = "interlock") -> tuple[_ServiceKey, ...]:
    """Parse ``[[keys]]`` entries of the API key file; ``service`` defaults to the configured one."""
    keys = []
    for entry in data.get("keys", []):
        digest = str(entry.get("sha256", "")).lower()
        if len(digest) != 64:
            raise ConfigurationError("each API key entry needs the 64-hex-digit sha256 of the key")
        keys.append(_ServiceKey(digest=digest, service=str(entry.get("service", default_service))))
    return tuple(keys)


class Authenticator:
    """Turns request credentials into a :class:`Principal`, or refuses with 401."""

    def __init__(self, settings: ApiSettings, connector: SqlClaimsConnector) -> None:
        self.settings = settings
        self.connector = connector
        self._jwks: jwt.PyJWKSet | None = None
        self._jwks_client: jwt.PyJWKClient | None = None
        if settings.jwks_file is not None:
            self._jwks = jwt.PyJWKSet.from_dict(json.loads(settings.jwks_file.read_text(encoding="utf-8")))
        elif settings.jwks_url is not None:
            self._jwks_client = jwt.PyJWKClient(settings.jwks_url, cache_keys=True, lifespan=300)
        self._keys: tuple[_ServiceKey, ...] = ()
        if settings.api_keys_file is not None:
            self._keys = load_api_keys(
                tomllib.loads(settings.api_keys_file.read_text(encoding="utf-8")),
                default_service=settings.service_principal,
            )

    def from_headers(self, authorization: str | None, api_key: str | None) -> Principal:
        """The principal for an ``Authorization: Bearer`` token or an API key header."""
        if api_key:
            return self.from_api_key(api_key)
        if authorization:
            scheme, _, token = authorization.partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return self.from_token(token.strip())
        raise unauthorized("send a bearer token or an API key")

    def from_api_key(self, key: str) -> Principal:
        """The service principal an API key maps to."""
        digest = key_digest(key)
        for entry in self._keys:
            if hmac.compare_digest(entry.digest, digest):
                return service_principal(entry.service)
        raise unauthorized("unknown API key")

    def _signing_key(self, token: str) -> Any:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise unauthorized(f"malformed token: {exc}") from None
        if self._jwks_client is not None:
            try:
                return self._jwks_client.get_signing_key_from_jwt(token).key
            except jwt.PyJWTError as exc:
                raise unauthorized(f"no trusted key for this token: {exc}") from None
        if self._jwks is None:
            raise unauthorized("this server accepts no bearer tokens (no JWKS configured)")
        kid = header.get("kid")
        keys = self._jwks.keys
        chosen = [k for k in keys if k.key_id == kid] if kid else keys[:1] if len(keys) == 1 else []
        if not chosen:
            raise unauthorized("no trusted key for this token")
        return chosen[0].key

    def claims(self, token: str) -> dict[str, Any]:
        """The verified claims of ``token`` (signature, expiry, issuer, audience)."""
        key = self._signing_key(token)
        required = ["exp", "sub"] + (["iss"] if self.settings.jwt_issuer else [])
        try:
            verified: dict[str, Any] = jwt.decode(
                token,
                key=key,
                algorithms=list(self.settings.jwt_algorithms),
                issuer=self.settings.jwt_issuer,
                audience=self.settings.jwt_audience,
                options={"require": required, "verify_aud": self.settings.jwt_audience is not None},
                leeway=30,
            )
        except jwt.PyJWTError as exc:
            raise unauthorized(f"invalid token: {exc}") from None
        return verified

    def from_token(self, token: str) -> Principal:
        """The staff principal named by a verified token's ``sub``."""
        sub = str(self.claims(token)["sub"]).removeprefix("staff:")
        if "\x00" in sub:  # no staff id has one, and PostgreSQL cannot look it up
            raise unauthorized("the token's subject is not a staff member")
        principal = self.connector.load_principal(sub)
        if principal is None:
            raise unauthorized("the token's subject is not a staff member")
        return principal
