"""Who is calling: a bearer API key on every request (cookies are never looked at), its scope, its rate limit.

GET needs a read or write key, every other method a write key. The key acts as the admin who made it, so the
views hand ``caller()`` to the same services and visibility rules as the staff pages.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, g, request
from werkzeug.wrappers import Response

from caseportal.current import db
from caseportal.models import ApiKey, User
from caseportal.services import api_keys
from caseportal.services.api_limits import ApiLimiter

from ._blueprint import MAX_ID, bp
from .problems import ApiProblem

LIMITER_KEY = "caseportal.api_limiter"
#: Views anyone may read: the API's own description.
PUBLIC = {"api.openapi"}
READ_METHODS = {"GET", "HEAD", "OPTIONS"}


def init_app(app: Flask) -> None:
    app.extensions[LIMITER_KEY] = ApiLimiter.from_settings(app.extensions["caseportal.settings"])


def limiter() -> ApiLimiter:
    found: ApiLimiter = current_app.extensions[LIMITER_KEY]
    return found


def current_key() -> ApiKey:
    key: ApiKey = g.api_key
    return key


def caller() -> User:
    """The staff member the key acts as (its creator)."""
    return current_key().created_by


def _bearer() -> str:
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    return secret.strip() if scheme.lower() == "bearer" else ""


@bp.url_value_preprocessor
def _ids_in_range(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """An id no database row can have is a missing object (and would overflow SQLite's INTEGER)."""
    if any(isinstance(v, int) and v > MAX_ID for v in (values or {}).values()):
        raise ApiProblem(404, "Not Found", "No object has this id.")


@bp.before_request
def _authenticate() -> None:
    if request.endpoint in PUBLIC:
        return
    unauthorized = {"WWW-Authenticate": 'Bearer realm="caseportal"'}
    secret = _bearer()
    if not secret:
        raise ApiProblem(401, "Unauthorized", "Send an API key as 'Authorization: Bearer <key>'.",
                         headers=unauthorized)
    session = db()
    key = api_keys.authenticate(session, secret)
    if session.dirty:
        session.commit()  # the key's last use (written at most once a minute; a bare commit would expire the key)
    if key is None:
        raise ApiProblem(401, "Unauthorized", "The API key is unknown or was revoked.", headers=unauthorized)
    g.api_key = key
    verdict = limiter().hit(key.id)
    g.api_rate = verdict
    if not verdict.allowed:
        raise ApiProblem(429, "Too Many Requests",
                         f"This key may make {verdict.limit} requests a minute. Try again shortly.",
                         headers={"Retry-After": str(verdict.reset_after_s)})
    if request.method not in READ_METHODS and not api_keys.allows(key, "write"):
        raise ApiProblem(403, "Forbidden", "This key may only read; changes need a key with the write scope.")


@bp.after_request
def _rate_headers(resp: Response) -> Response:
    """The budget left, so an integration can slow down before it is refused."""
    verdict = g.get("api_rate")
    if verdict is not None:
        resp.headers["RateLimit-Limit"] = str(verdict.limit)
        resp.headers["RateLimit-Remaining"] = str(verdict.remaining)
        resp.headers["RateLimit-Reset"] = str(verdict.reset_after_s)
    return resp
