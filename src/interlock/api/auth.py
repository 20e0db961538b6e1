"""Who is calling: a bearer JWT for a staff member, or an API key for a service.

A JWT is checked against the configured issuer's public keys (a JWKS file or URL):
signature, ``exp``, ``iss`` and ``aud``. Its ``sub`` names a staff id, and the principal
is loaded from the system of record's staff tables on every request, so a deactivated
or reassigned person loses access at once rather than when a token expires.

An API key maps to a service principal with the scope its entry declares
(:mod:`interlock.api.keys`). Only the SHA-256 of each key is configured: keys are long
random strings, so a fast hash suffices, and the settings file holds nothing that would
let its reader call the API.

Bearer tokens are only accepted with both an issuer and an audience configured: an
identity provider signs tokens for many applications with the same keys, and only
``iss`` and ``aud`` say a token was meant for this one.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any

import jwt

from interlock.api.keys import KNOWN_TASKS, ServiceKey, load_api_keys
from interlock.api.problems import Problem
from interlock.api.settings import ApiSettings
from interlock.exceptions import ConfigurationError
from interlock.policy.document import PolicyDocument, default_policy
from interlock.policy.principal import Principal
from interlock.policy.values import Decision
from interlock.task import PrincipalSource

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


def check_bearer_settings(settings: ApiSettings) -> None:
    """Refuse bearer tokens configured without an issuer and an audience to check."""
    if settings.jwks_file is None and settings.jwks_url is None:
        return
    missing = [
        name
        for name, value in (("jwt_issuer", settings.jwt_issuer), ("jwt_audience", settings.jwt_audience))
        if not value
    ]
    if missing:
        raise ConfigurationError(
            f"bearer tokens are enabled (a JWKS is configured) but {' and '.join(missing)} "
            "is not set: set both (--issuer, --audience), or tokens meant for other applications pass"
        )


def read_api_keys(settings: ApiSettings, policy: PolicyDocument | None) -> tuple[ServiceKey, ...]:
    """The configured API keys with their scopes; a missing or unknown scope stops start-up."""
    if settings.api_keys_file is None:
        return ()
    tasks = tuple(policy.tasks) if policy is not None and policy.tasks is not None else KNOWN_TASKS
    return load_api_keys(
        settings.api_keys_file,
        default_service=settings.service_principal,
        known_tasks=tasks,
        known_sensitivities=(policy or default_policy()).sensitivity_values(),
    )


class Authenticator:
    """Turns request credentials into a :class:`Principal`, or refuses with 401."""

    def __init__(
        self, settings: ApiSettings, connector: PrincipalSource, policy: PolicyDocument | None = None
    ) -> None:
        self.settings = settings
        self.connector = connector
        check_bearer_settings(settings)
        self._jwks: jwt.PyJWKSet | None = None
        self._jwks_client: jwt.PyJWKClient | None = None
        if settings.jwks_file is not None:
            self._jwks = jwt.PyJWKSet.from_dict(json.loads(settings.jwks_file.read_text(encoding="utf-8")))
        elif settings.jwks_url is not None:
            self._jwks_client = jwt.PyJWKClient(settings.jwks_url, cache_keys=True, lifespan=300)
        self._keys: tuple[ServiceKey, ...] = read_api_keys(settings, policy)

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
                return entry.principal
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
        required = ["exp", "sub", "iss", "aud"]
        try:
            verified: dict[str, Any] = jwt.decode(
                token,
                key=key,
                algorithms=list(self.settings.jwt_algorithms),
                issuer=self.settings.jwt_issuer,
                audience=self.settings.jwt_audience,
                options={"require": required, "verify_aud": True, "verify_iss": True},
                leeway=30,
            )
        except jwt.PyJWTError as exc:
            raise unauthorized(f"invalid token: {exc}") from None
        return verified

    def from_token(self, token: str) -> Principal:
        """The staff principal named by a verified token's ``sub``."""
        return self.verify(token)[0]

    def verify(self, token: str) -> tuple[Principal, datetime]:
        """The staff principal of a verified token and when the token expires."""
        claims = self.claims(token)
        sub = str(claims["sub"]).removeprefix("staff:")
        if "\x00" in sub:  # no staff id has one, and PostgreSQL cannot look it up
            raise unauthorized("the token's subject is not a staff member")
        principal = self.connector.load_principal(sub)
        if principal is None:
            raise unauthorized("the token's subject is not a staff member")
        return principal, datetime.fromtimestamp(int(claims["exp"]), UTC)
