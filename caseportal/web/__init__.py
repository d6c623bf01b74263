"""The web app's wiring: one blueprint package per audience (auth, manage, candidate, review), the staff
notifications page and the vendored editor assets, plus what every page shares (language switch, security headers,
error pages). Shared view helpers live beside this file: common, labels, briefing, downloads."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import redis.exceptions
import sqlalchemy.exc
from flask import Flask, jsonify, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from caseportal.i18n import LANGUAGES, safe_next
from caseportal.services import markdown
from caseportal.services.errors import DomainError

#: Scripts and styles only from caseportal itself (no CDN, no inline script); inline styles are allowed because
#: a few pages carry a small <style> block. Responses that serve candidate content set a stricter policy.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'")


def _fmt_dt(value: datetime | None, tz: str = "UTC") -> str:
    if value is None:
        return ""
    try:
        zone = ZoneInfo(tz)
    except Exception:  # noqa: BLE001 - an unknown zone falls back to UTC rather than failing a page
        zone = ZoneInfo("UTC")
    return value.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")


def init_app(app: Flask) -> None:
    from . import environment
    from .assets import bp as assets_bp
    from .auth import bp as auth_bp
    from .brand import bp as brand_bp
    from .candidate import bp as candidate_bp
    from .manage import bp as manage_bp
    from .notifications import bp as notifications_bp
    from .ops import bp as ops_bp
    from .partners import bp as partners_bp
    from .review import bp as review_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(manage_bp)
    app.register_blueprint(candidate_bp)
    app.register_blueprint(assets_bp)
    app.register_blueprint(brand_bp)
    app.register_blueprint(review_bp)
    app.register_blueprint(notifications_bp)
    app.register_blueprint(ops_bp)

    from caseportal.extensions import csrf

    csrf.exempt(partners_bp)  # the ATSs authenticate with the customer's key, not a browser session
    app.register_blueprint(partners_bp)

    from . import security

    security.init_app(app, app.extensions["caseportal.settings"])
    from . import page_cache

    page_cache.init_app(app)  # its stamp is read before any other hook touches the database
    from . import api

    api.init_app(app)
    app.jinja_env.filters["markdown"] = markdown.render
    app.jinja_env.filters["dt"] = _fmt_dt
    environment.init_app(app)
    from . import template_i18n

    template_i18n.init_app(app)  # after Babel: swaps its Jinja gettext callables for faster ones
    from . import error_pages, form_messages

    form_messages.init_app(app)  # after template_i18n: our validator messages, WTForms' catalogue as fallback
    error_pages.init_app(app)

    @app.context_processor
    def _globals() -> dict[str, object]:
        from flask_babel import get_locale

        return {"languages": LANGUAGES, "current_locale": str(get_locale() or "en")}

    @app.get("/")
    def index() -> Response:
        return redirect(url_for("manage.dashboard"))

    @app.post("/lang/<code>")
    def set_language(code: str) -> Response:
        """Switch language; a form post (CSRF-protected) so it works without JavaScript."""
        target = safe_next(request.form.get("next") or request.referrer, url_for("index"), host=request.host)
        resp = make_response(redirect(target))
        if code in LANGUAGES:
            resp.set_cookie("lang", code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
        return resp

    @app.after_request
    def _security_headers(resp: Response) -> Response:
        """Defence in depth for every page: no sniffing, no framing by others, scripts only from us."""
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        resp.headers.setdefault("Content-Security-Policy", CSP)
        return resp

    @app.errorhandler(DomainError)
    def _domain_error(err: DomainError) -> tuple[str, int]:
        return render_template("errors/error.html", message=err.message, code=err.status_code), err.status_code

    @app.errorhandler(sqlalchemy.exc.DBAPIError)
    @app.errorhandler(sqlalchemy.exc.TimeoutError)
    @app.errorhandler(redis.exceptions.ConnectionError)
    @app.errorhandler(redis.exceptions.TimeoutError)
    def _unavailable(err: Exception) -> tuple[str | Response, int, dict[str, str]]:
        """The database or the queue is down: a clear 503 (and a log line), never a stack trace.

        What was committed before stays; a run stored but not enqueued is put on the queue by recovery.
        """
        app.logger.error("dependency unavailable on %s: %s: %s", request.endpoint, type(err).__name__,
                         str(err).splitlines()[0][:300] if str(err) else "")
        app.extensions["caseportal.db"].session.remove()
        headers = {"Retry-After": "30"}
        if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
            return jsonify(error="unavailable", message=_("Temporarily unavailable. Please try again shortly.")), \
                503, headers
        return render_template("errors/unavailable.html"), 503, headers

    @app.errorhandler(HTTPException)
    def _http_error(err: HTTPException) -> tuple[str, int] | HTTPException | Response:
        from .error_pages import http_message

        code = err.code or 500
        if request.path.startswith("/api/"):
            from .api.problems import http_problem

            return http_problem(err)  # RFC 9457 problems everywhere under /api, also for paths no view matches
        if request.accept_mimetypes.best == "application/json":
            return err
        msg = http_message(code)  # never Werkzeug's English description
        return render_template("errors/error.html", message=msg, code=code), code
