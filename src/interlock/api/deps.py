"""Request dependencies: the process's services and the calling principal."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from interlock.api.auth import API_KEY_HEADER, decide_audit_read, forbidden
from interlock.api.problems import not_found
from interlock.api.services import Services
from interlock.policy.principal import Principal

_bearer = HTTPBearer(auto_error=False, description="A JWT from the configured issuer; `sub` is a staff id.")
_api_key = APIKeyHeader(name=API_KEY_HEADER, auto_error=False, description="An API key of a service.")


def services(request: Request) -> Services:
    """The services of this API process."""
    found: Services = request.app.state.services
    return found


ServicesDep = Annotated[Services, Depends(services)]


def ids_are_text(request: Request) -> None:
    """Refuse an id with a NUL character as a missing record: no record can have one.

    PostgreSQL cannot even compare such text (it raises rather than matching nothing),
    so without this an odd id would be a server error on PostgreSQL and a 404 on SQLite.
    """
    if any("\x00" in str(value) for value in request.path_params.values()):
        raise not_found()


def principal(
    svc: ServicesDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    api_key: Annotated[str | None, Depends(_api_key)],
) -> Principal:
    """The authenticated caller; 401 without valid credentials."""
    authorization = f"Bearer {bearer.credentials}" if bearer is not None else None
    return svc.auth.from_headers(authorization, api_key)


PrincipalDep = Annotated[Principal, Depends(principal)]


def auditor(who: PrincipalDep) -> Principal:
    """The caller, if it may read the audit trail; 403 otherwise."""
    decision = decide_audit_read(who)
    if not decision.allowed:
        raise forbidden("; ".join(decision.reasons))
    return who


AuditorDep = Annotated[Principal, Depends(auditor)]
