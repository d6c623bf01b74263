"""The JSON API for integrations (/api/v1): bearer API keys, pydantic models that both validate requests and
write the OpenAPI 3.1 document, and RFC 9457 problems for every error. One module per resource."""

from __future__ import annotations

from flask import Flask

from caseportal.extensions import csrf

# Importing a resource module registers its views on bp.
from . import auth, cases, invitations, meetings, openapi, problems, roles, submissions  # noqa: F401
from ._blueprint import bp, spec

spec.before = problems.before_hook
spec.after = problems.after_hook


def init_app(app: Flask) -> None:
    """Register the API: no CSRF (no cookie is accepted, so there is no ambient credential to forge)."""
    csrf.exempt(bp)
    app.register_blueprint(bp)
    auth.init_app(app)


__all__ = ["bp", "init_app"]
