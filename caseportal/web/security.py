"""Transport rules every response shares: Secure cookies and HSTS when the request came over HTTPS, a trusted
proxy's X-Forwarded-* honoured only when the settings say how many proxies there are, and no caching of pages
(every page but static files may show personal data), plus the sign-in throttle each app holds.

``request.is_secure`` is the one source of "served over HTTPS": directly, or through ProxyFix when
``CASEPORTAL_TRUSTED_PROXIES`` is set; without that a client's X-Forwarded-Proto changes nothing.
"""

from __future__ import annotations

from flask import Flask, has_request_context, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response

from caseportal.config import Settings
from caseportal.services.login_throttle import LoginThrottle

HSTS = "max-age=31536000"
THROTTLE_KEY = "caseportal.login_throttle"


class _SecureOverHttps(SecureCookieSessionInterface):
    """Flask's signed-cookie session, marked Secure whenever this request came over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(super().get_cookie_secure(app) or (has_request_context() and request.is_secure))


def _is_static(endpoint: str | None) -> bool:
    return endpoint is not None and (endpoint == "static" or endpoint.endswith(".static")
                                     or endpoint.startswith("assets."))


def _secure_cookies(resp: Response) -> None:
    """Cookies set by views (the language choice) get Secure too; the session cookie is handled above."""
    cookies = resp.headers.getlist("Set-Cookie")
    if not cookies:
        return
    resp.headers.remove("Set-Cookie")
    for cookie in cookies:
        secure = any(part.strip().lower() == "secure" for part in cookie.split(";"))
        resp.headers.add("Set-Cookie", cookie if secure else f"{cookie}; Secure")


def login_throttle(app: Flask) -> LoginThrottle:
    throttle: LoginThrottle = app.extensions[THROTTLE_KEY]
    return throttle


def init_app(app: Flask, settings: Settings) -> None:
    if settings.trusted_proxies > 0:
        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n)  # type: ignore[method-assign]
    app.session_interface = _SecureOverHttps()
    app.extensions[THROTTLE_KEY] = LoginThrottle.from_settings(settings)

    @app.after_request
    def _transport_headers(resp: Response) -> Response:
        if request.is_secure:
            resp.headers.setdefault("Strict-Transport-Security", HSTS)
            _secure_cookies(resp)
        if not _is_static(request.endpoint) and "Cache-Control" not in resp.headers:
            resp.headers["Cache-Control"] = "no-store"
        return resp
