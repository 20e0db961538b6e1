"""Request dependencies: the process's services and the calling principal, acting for the request."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from interlock.api.auth import API_KEY_HEADER, decide_audit_read, forbidden
from interlock.api.guards import PRINCIPAL_STATE
from interlock.api.problems import not_found
from interlock.api.services import Services
from interlock.connectors.pg_access import acting_as
from interlock.policy.principal import Principal

_bearer = HTTPBearer(auto_error=False, description="A JWT from the configured issuer; `sub` is a staff id.")
_api_key = APIKeyHeader(name=API_KEY_HEADER, auto_error=False, description="An API key of a service.")


# The cheap dependencies are ``async``: FastAPI runs a sync dependency in a worker
# thread, and each such hop (a thread handoff, a capacity token, a context copy) cost a
# hot endpoint more CPU than the dependency's own work.


async def services(request: Request) -> Services:
    """The services of this API process."""
    found: Services = request.app.state.services
    return found


ServicesDep = Annotated[Services, Depends(services)]


async def ids_are_text(request: Request) -> None:
    """Refuse an id with a NUL character as a missing record: no record can have one.

    PostgreSQL cannot even compare such text (it raises rather than matching nothing),
    so without this an odd id would be a server error on PostgreSQL and a 404 on SQLite.
    """
    if any("\x00" in str(value) for value in request.path_params.values()):
        raise not_found()


async def authenticated(
    request: Request,
    svc: ServicesDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    api_key: Annotated[str | None, Depends(_api_key)],
) -> Principal:
    """The authenticated caller; 401 without valid credentials.

    On ``/v1/`` the caller was already authenticated before routing, before the body was
    read (:class:`interlock.api.guards.CredentialsFirst`); that principal is used as is.

    An API key is a hash and a comparison, done here. A bearer token is verified (a
    signature) and its staff member read from the system of record in a worker thread,
    off the event loop. The staff tables are read before any principal acts; row-level
    security leaves them unfiltered (:mod:`interlock.policy.rls`), so this works on a
    bound engine too.
    """
    found: Principal | None = getattr(request.state, PRINCIPAL_STATE, None)
    if found is not None:
        return found
    if api_key or bearer is None:
        return svc.auth.from_headers(None, api_key)  # a key, or a 401 for no credentials
    return await run_in_threadpool(svc.auth.from_headers, f"Bearer {bearer.credentials}", None)


async def principal(who: Annotated[Principal, Depends(authenticated)]) -> AsyncIterator[Principal]:
    """The caller, acting for the rest of the request.

    Every system-of-record transaction of the request acts as ``who``: with
    ``sor_row_security`` that is what row-level security filters by. It is ``async``
    on purpose. An async dependency runs in the request's own task, and Starlette
    copies the task's context into the worker thread of a sync endpoint; a sync
    dependency runs in a worker thread of its own, and what it sets in its context
    never reaches the endpoint (``tests/api/test_acting_principal.py`` shows both).
    """
    with acting_as(who):
        yield who


PrincipalDep = Annotated[Principal, Depends(principal)]


def auditor(who: PrincipalDep) -> Principal:
    """The caller, if it may read the audit trail; 403 otherwise."""
    decision = decide_audit_read(who)
    if not decision.allowed:
        raise forbidden("; ".join(decision.reasons))
    return who


AuditorDep = Annotated[Principal, Depends(auditor)]
