"""Errors as RFC 9457 problem details (``application/problem+json``), one shape everywhere.

Every refusal that concerns a record is the same ``not-found`` problem whether the record
is missing or the caller may not see it, so probing ids reveals nothing. The handlers
here turn Interlock's error tree into problems; nothing else in the API builds an error
response by hand.
"""

from __future__ import annotations

import logging
from typing import Any, Final

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from interlock.exceptions import AccessDenied, DependencyUnavailable, InterlockError

PROBLEM_JSON: Final = "application/problem+json"
PROBLEM_BASE: Final = "/problems/"
log = logging.getLogger("interlock.api")


class Problem(Exception):
    """An HTTP problem: status, a short stable title, a detail and optional extensions."""

    def __init__(
        self,
        status: int,
        slug: str,
        title: str,
        detail: str | None = None,
        *,
        headers: dict[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail or title)
        self.status = status
        self.slug = slug
        self.title = title
        self.detail = detail
        self.headers = headers or {}
        self.extensions = extensions


def not_found() -> Problem:
    """The one answer for a record that is missing or that the caller may not see."""
    return Problem(404, "not-found", "Not found", "no such record, or you may not see it")


def problem_response(problem: Problem, request: Request) -> JSONResponse:
    """Render ``problem`` as RFC 9457 JSON."""
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + problem.slug,
        "title": problem.title,
        "status": problem.status,
        "instance": request.url.path,
    }
    if problem.detail:
        body["detail"] = problem.detail
    body.update(problem.extensions)
    return JSONResponse(body, status_code=problem.status, media_type=PROBLEM_JSON, headers=problem.headers)


def install_problem_handlers(app: FastAPI) -> None:
    """Route every error the API can raise through :func:`problem_response`."""

    async def on_problem(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, Problem)
        return problem_response(exc, request)

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        errors = [
            {
                "loc": [str(p) for p in e.get("loc", ())],
                "msg": str(e.get("msg", "")),
                "type": str(e.get("type")),
            }
            for e in exc.errors()
        ]
        if any(e["type"] == "json_invalid" for e in errors):
            # A body that is not JSON at all is malformed (400), not merely invalid (422).
            problem = Problem(
                400, "malformed-request", "Malformed request", "the request body is not valid JSON"
            )
            problem.extensions["errors"] = [{k: v for k, v in e.items() if k != "msg"} for e in errors]
            return problem_response(problem, request)
        problem = Problem(422, "invalid-request", "Invalid request", "the request does not match the schema")
        problem.extensions["errors"] = errors
        return problem_response(problem, request)

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        slug = {
            400: "malformed-request",
            404: "not-found",
            405: "method-not-allowed",
            413: "content-too-large",
        }.get(exc.status_code, "http-error")
        title = {
            400: "Malformed request",
            404: "Not found",
            405: "Method not allowed",
            413: "Content too large",
        }.get(exc.status_code, "HTTP error")
        headers = dict(exc.headers or {})
        return problem_response(
            Problem(exc.status_code, slug, title, str(exc.detail), headers=headers), request
        )

    async def on_denied(request: Request, exc: Exception) -> JSONResponse:
        return problem_response(not_found(), request)

    async def on_unavailable(request: Request, exc: Exception) -> JSONResponse:
        problem = Problem(
            503, "dependency-unavailable", "Dependency unavailable", str(exc), headers={"Retry-After": "5"}
        )
        return problem_response(problem, request)

    async def on_interlock(request: Request, exc: Exception) -> JSONResponse:
        return problem_response(
            Problem(400, "usage-error", "Request cannot be carried out", str(exc)), request
        )

    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s", request.url.path, exc_info=exc)
        return problem_response(Problem(500, "internal-error", "Internal error"), request)

    app.add_exception_handler(Problem, on_problem)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(AccessDenied, on_denied)
    app.add_exception_handler(DependencyUnavailable, on_unavailable)
    app.add_exception_handler(InterlockError, on_interlock)
    app.add_exception_handler(Exception, on_unexpected)
