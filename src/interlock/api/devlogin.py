"""Development login: sign in to a local server as any active staff member, in one step.

``interlock serve --dev-login`` stands in for an identity provider so that a person
trying Interlock on their own machine can open the review desk without minting tokens.
It is an identity provider of its own, not a bypass: at start-up it makes a signing key
that lives only in this process, and the server trusts that key (and only it) exactly
as it would trust a real issuer's JWKS. The desk's login page lists the active staff of
the system of record and, for the one chosen, issues a short-lived token signed with
that key; every page then checks the token and loads the principal from the staff
tables as usual. A random API key for the service principal is printed for the API.

Because whoever can reach the login page can act as anyone, the server refuses the
flag unless it listens on a loopback address only.
"""

from __future__ import annotations

import ipaddress
import json
import secrets
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import Engine, MetaData, select

from interlock.api.auth import key_digest

ISSUER = "interlock-dev-login"
AUDIENCE = "interlock"
ALGORITHM = "ES256"
TOKEN_TTL = timedelta(hours=8)


def is_loopback(host: str) -> bool:
    """True when ``host`` names only this machine (``localhost``, 127.0.0.0/8 or ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True, slots=True)
class StaffChoice:
    """One active staff member offered on the development login page."""

    staff_id: str
    name: str
    role: str


def active_staff(sor: Engine, metadata: MetaData | None) -> list[StaffChoice]:
    """The active staff of the system of record, by id (who the login page offers).

    Every reference schema keeps its people in a ``staff`` table with ``staff_id``,
    ``name``, ``role`` and ``active``; a domain without one offers nobody.
    """
    staff = metadata.tables.get("staff") if metadata is not None else None
    if staff is None:
        return []
    query = select(staff.c.staff_id, staff.c.name, staff.c.role).where(staff.c.active == 1)
    with sor.connect() as conn:
        rows = conn.execute(query.order_by(staff.c.staff_id)).all()
    return [StaffChoice(str(r.staff_id), str(r.name or ""), str(r.role or "")) for r in rows]


@dataclass
class DevLogin:
    """The process-local issuer behind ``--dev-login``: its key, its JWKS, its API key."""

    service: str = "interlock"
    kid: str = field(default_factory=lambda: secrets.token_hex(4))
    api_key: str = field(default_factory=lambda: "dev-" + secrets.token_urlsafe(24))
    key: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))

    def jwks(self) -> dict[str, Any]:
        """The public key document the server is configured to trust."""
        jwk: dict[str, Any] = json.loads(jwt.get_algorithm_by_name(ALGORITHM).to_jwk(self.key.public_key()))
        jwk.update({"kid": self.kid, "use": "sig", "alg": ALGORITHM})
        return {"keys": [jwk]}

    def token(self, staff_id: str, *, now: datetime | None = None) -> str:
        """A signed token naming ``staff_id``; the server still checks that the staff member is active."""
        issued = now or datetime.now(UTC)
        payload = {"iss": ISSUER, "aud": AUDIENCE, "sub": staff_id, "iat": issued, "exp": issued + TOKEN_TTL}
        return jwt.encode(payload, self.key, algorithm=ALGORITHM, headers={"kid": self.kid})

    def settings_overrides(
        self, directory: Path | None = None, *, tasks: tuple[str, ...] = ("claims.adjudicate",)
    ) -> dict[str, Any]:
        """The API settings that make a server trust this issuer and this API key (files written now).

        The key may finalize and pend in each of ``tasks`` (the served domain's) and,
        beside claims tasks, create claims through the claims intake.
        """
        folder = directory or Path(tempfile.mkdtemp(prefix="interlock-dev-login-"))
        jwks_file = folder / "jwks.json"
        jwks_file.write_text(json.dumps(self.jwks()), encoding="utf-8")
        keys_file = folder / "api-keys.toml"
        grants = [f'"{task}" = ["finalize", "pend"]' for task in tasks]
        if any(task.startswith("claims.") for task in tasks):
            grants.append('"claims.ingest" = ["create"]')  # the claims domain's FHIR intake
        granted = ", ".join(grants)
        # The development key acts as the service principal, with the service's whole scope.
        keys_file.write_text(
            f'[[keys]]\nsha256 = "{key_digest(self.api_key)}"\nservice = "{self.service}"\n'
            "[keys.scope]\n"
            'assignments = ["*"]\n'
            'sensitivities = ["*"]\n'
            f"tasks = {{ {granted} }}\n",
            encoding="utf-8",
        )
        return {
            "jwks_file": jwks_file,
            "jwks_url": None,
            "jwt_issuer": ISSUER,
            "jwt_audience": AUDIENCE,
            "api_keys_file": keys_file,
        }
