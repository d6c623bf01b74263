"""An employer's brand as files a browser loads: the logo (PNG) and a generated stylesheet with the brand colour.

Its own blueprint because it belongs to no audience: a candidate (who has no login, only the invitation link),
staff and a mail client all load the same logo, and neither file is secret. Still, employers are not enumerable:
the logo's URL carries a *signed* (employer id, logo version), so only someone who was shown the logo can fetch it,
and a changed logo gets a new URL (cached for a year, immutable; the old URL stops answering). The stylesheet's URL
is the colour itself, served only when it passes the contrast check, so it needs no database and reveals nothing.
Colour goes through a stylesheet rather than inline style so the page's CSP never needs loosening for it.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, url_for
from itsdangerous import BadSignature, URLSafeSerializer

from caseportal.current import db
from caseportal.models import Employer
from caseportal.services import brand

bp = Blueprint("brand", __name__)

#: Nothing in a served logo may load, run or be framed; a PNG needs none of it.
LOGO_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
YEAR = 365 * 24 * 3600
_SALT = "caseportal.employer-logo"


def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def logo_key(employer: Employer) -> str:
    """The signed (id, version) naming this version of the employer's logo in its URL (needs an app context)."""
    return str(_signer().dumps([employer.id, employer.logo_version]))


@bp.app_template_global()
def logo_url(employer: Employer | None) -> str | None:
    """The URL of the employer's logo, or None without one."""
    if employer is None or not employer.logo_png:
        return None
    return url_for("brand.logo", sig=logo_key(employer))


@bp.app_template_global()
def brand_css_url(employer: Employer | None) -> str | None:
    """The URL of the stylesheet painting the header and primary buttons in the brand colour, or None."""
    if employer is None or not brand.is_usable(employer.brand_colour):
        return None
    return url_for("brand.stylesheet", colour=employer.brand_colour.lstrip("#"))


def _cached(resp: Response) -> Response:
    resp.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp


@bp.get("/brand/logo/<sig>.png")
def logo(sig: str) -> Response:
    try:
        employer_id, version = _signer().loads(sig)
    except (BadSignature, ValueError, TypeError):
        abort(404)
    employer = db().get(Employer, employer_id) if isinstance(employer_id, int) else None
    if employer is None or not employer.logo_png or employer.logo_version != version:
        abort(404)
    resp = Response(employer.logo_png, mimetype="image/png")
    resp.headers["Content-Security-Policy"] = LOGO_CSP
    resp.headers["Content-Disposition"] = 'inline; filename="logo.png"'
    return _cached(resp)


@bp.get("/brand/<colour>.css")
def stylesheet(colour: str) -> Response:
    """White text on the colour in the header band and on primary buttons: exactly what brand.check() verified."""
    value = f"#{colour}"
    if not brand.is_usable(value):
        abort(404)
    value = brand.check(value)
    text = brand.TEXT_ON_BRAND
    css = (f":root {{ --brand: {value}; --brand-ink: {text}; }}\n"
           f"header.top {{ background: {value}; color: {text}; }}\n"
           f"header.top a, header.top .link {{ color: {text}; }}\n"
           f"main button[type=submit]:not(.link):not(.secondary):not(.danger), main a.button:not(.secondary) "
           f"{{ background: {value}; color: {text}; }}\n")
    return _cached(Response(css, mimetype="text/css"))
