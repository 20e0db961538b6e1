"""The OpenAPI document, with every error declared as the problem the API really sends.

FastAPI documents its own validation error (``HTTPValidationError`` as
``application/json``), which this API never sends: every error is an RFC 9457 problem
(:mod:`interlock.api.problems`). The document is rewritten once, when first served, so
that each error response of each operation is ``application/problem+json`` with the
``Problem`` schema, and so that the errors every authenticated operation can give
(401 without valid credentials, 503 when a database is down) are declared where they
can occur. Clients and contract tests then see what the server actually does. An
operation that declares an error's media types itself (a domain's FHIR routes answer
errors as ``application/fhir+json`` OperationOutcomes) keeps what it declared.
"""

from __future__ import annotations

from typing import Any, Final

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from interlock.api.problems import PROBLEM_JSON
from interlock.api.schemas import ProblemOut

PROBLEM_REF: Final = {"$ref": "#/components/schemas/Problem"}
#: Errors any operation that authenticates its caller can answer, whatever it does.
AUTHENTICATED_ERRORS: Final = {
    "401": "No or invalid credentials.",
    "503": "A database or another dependency is down; retry after `Retry-After` seconds.",
}
_UNUSED: Final = ("HTTPValidationError", "ValidationError")


def _own_media(response: dict[str, Any]) -> bool:
    """True when an operation declared an error's media types itself (a FHIR route's OperationOutcome)."""
    return any(media not in ("application/json", PROBLEM_JSON) for media in response.get("content") or {})


def problem_openapi(app: FastAPI) -> dict[str, Any]:
    """The app's OpenAPI document with problem+json error responses."""
    doc = get_openapi(
        title=app.title,
        version=app.version,
        summary=app.summary,
        description=app.description,
        routes=app.routes,
    )
    for item in doc.get("paths", {}).values():
        for operation in item.values():
            responses: dict[str, Any] = operation.setdefault("responses", {})
            if operation.get("security"):
                for code, description in AUTHENTICATED_ERRORS.items():
                    responses.setdefault(code, {"description": description})
            if "requestBody" in operation:
                responses.setdefault("400", {"description": "The body cannot be read (not UTF-8 JSON)."})
            if "422" in responses and responses["422"].get("description") == "Validation Error":
                responses["422"]["description"] = "The request does not match the schema (`errors`)."
            for code, response in responses.items():
                if code.isdigit() and int(code) >= 400 and not _own_media(response):
                    response["content"] = {PROBLEM_JSON: {"schema": PROBLEM_REF}}
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    for name in _UNUSED:
        schemas.pop(name, None)
    schemas["Problem"] = ProblemOut.model_json_schema(ref_template="#/components/schemas/{model}")
    return doc


def install_problem_openapi(app: FastAPI) -> None:
    """Serve :func:`problem_openapi` at the app's ``openapi_url``, built once."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = problem_openapi(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def operation_id(route: APIRoute) -> str:
    """A named operationId from the endpoint function: ``list_review_items`` -> ``listReviewItems``.

    FastAPI's default joins the function name, the path and the method, which reads
    badly in generated clients; the function names are unique across the API.
    """
    head, *rest = route.name.split("_")
    return head + "".join(word.capitalize() for word in rest)
