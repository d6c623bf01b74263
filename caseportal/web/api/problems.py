"""Every error under /api as an RFC 9457 problem (application/problem+json): unknown key, scope, missing
object, invalid field, rate limit, a service's domain error, an outage or a bug. Never an HTML page."""

from __future__ import annotations

import json
from typing import Any

import redis.exceptions
import sqlalchemy.exc
from flask import Response, current_app, request
from werkzeug.exceptions import HTTPException

from caseportal.current import database
from caseportal.services.errors import DomainError

from ._blueprint import bp
from .schemas import FieldError, Problem

MIMETYPE = "application/problem+json"
_OUTAGES = (sqlalchemy.exc.DBAPIError, sqlalchemy.exc.TimeoutError, redis.exceptions.ConnectionError,
            redis.exceptions.TimeoutError)


class ApiProblem(Exception):
    """Raised anywhere in an API view (or its hooks) to answer with a problem document."""

    def __init__(self, status: int, title: str, detail: str = "", *, errors: list[FieldError] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(detail or title)
        self.problem = Problem(title=title, status=status, detail=detail, errors=errors or [])
        self.headers = headers or {}


def problem_response(problem: Problem, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps(problem.model_dump(mode="json"), ensure_ascii=False)
    return Response(body, status=problem.status, mimetype=MIMETYPE, headers=headers or {})


def field_errors(errors: list[Any], location: str) -> list[FieldError]:
    """pydantic's error list as fields a client can act on ("candidate_email: Field required")."""
    return [FieldError(field=".".join(str(p) for p in e.get("loc", ())) or location, location=location,
                       message=str(e.get("msg", "invalid"))) for e in errors]


def http_problem(err: HTTPException) -> Response:
    """A werkzeug HTTP error (404 of an unknown path, 405, 413 ...) as a problem; also used by the app's handler
    for paths under /api that match no view."""
    code = err.code or 500
    allowed = getattr(err, "valid_methods", None)
    headers = {"Allow": ", ".join(allowed)} if code == 405 and allowed else {}
    title = err.name if code != 500 else "Internal Server Error"
    return problem_response(Problem(title=title, status=code, detail=err.description or ""), headers)


@bp.errorhandler(ApiProblem)
def _api_problem(err: ApiProblem) -> Response:
    return problem_response(err.problem, err.headers)


@bp.errorhandler(DomainError)
def _domain_error(err: DomainError) -> Response:
    """A service refused (unknown case, meeting not found ...): its message, meant for a person, is the detail."""
    database().session().rollback()
    titles = {400: "Bad Request", 403: "Forbidden", 404: "Not Found", 410: "Gone", 429: "Too Many Requests"}
    return problem_response(Problem(title=titles.get(err.status_code, "Bad Request"), status=err.status_code,
                                    detail=err.message))


@bp.errorhandler(HTTPException)
def _http_error(err: HTTPException) -> Response:
    return http_problem(err)


@bp.errorhandler(Exception)
def _unexpected(err: Exception) -> Response:
    """An outage is a 503 the client may retry; anything else is our bug: logged in full, answered briefly."""
    database().session.remove()
    if isinstance(err, _OUTAGES):
        current_app.logger.error("API dependency unavailable on %s: %s", request.endpoint, type(err).__name__)
        return problem_response(Problem(title="Service Unavailable", status=503,
                                        detail="Temporarily unavailable. Please try again shortly."),
                                {"Retry-After": "30"})
    current_app.logger.exception("API error on %s", request.endpoint)
    return problem_response(Problem(title="Internal Server Error", status=500))


def before_hook(req: Any, resp: Any, error: Exception | None, instance: Any, adapter: Any) -> None:
    """SpecTree's request check failed: a 422 naming each invalid field."""
    if error is None:
        return
    raw = adapter.validation_errors(error)
    location = "query" if req.method in ("GET", "DELETE") else "body"
    errors = field_errors(raw if isinstance(raw, list) else [], location)
    detail = "; ".join(f"{e.field}: {e.message}" for e in errors)
    raise ApiProblem(422, "Unprocessable Content", detail, errors=errors)


def after_hook(req: Any, resp: Any, error: Exception | None, instance: Any, adapter: Any) -> None:
    """Our answer did not match its own schema: a bug, reported as one rather than sent half-right."""
    if error is not None:
        current_app.logger.error("API response of %s does not match its schema: %s", request.endpoint,
                                 adapter.validation_errors(error))
        raise ApiProblem(500, "Internal Server Error")


def spec_document(raw: dict[str, Any]) -> dict[str, Any]:
    """SpecTree's document with every error answer typed as application/problem+json, as it is served."""
    doc: dict[str, Any] = json.loads(json.dumps(raw))
    for item in doc.get("paths", {}).values():
        for operation in item.values():
            for code, answer in operation.get("responses", {}).items():
                content = answer.get("content", {})
                if code.isdigit() and int(code) >= 400 and "application/json" in content:
                    content[MIMETYPE] = content.pop("application/json")
    return doc
