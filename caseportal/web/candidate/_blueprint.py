"""The candidate blueprint, and the one rule every candidate page shares: the link's token never leaves the page.

The room's own stylesheet lives with the blueprint (static/candidate.css), served at /candidate-static/.
"""

from __future__ import annotations

from flask import Blueprint, request
from werkzeug.wrappers import Response

bp = Blueprint("candidate", __name__, static_folder="static", static_url_path="/candidate-static")


@bp.after_request
def _private(resp: Response) -> Response:
    """The token is in the URL: never send it on as a Referer, never cache or index these pages."""
    if request.endpoint != "candidate.static":
        resp.headers["Referrer-Policy"] = "no-referrer"
        resp.headers["Cache-Control"] = "no-store"
        resp.headers["X-Robots-Tag"] = "noindex, nofollow"
    return resp
