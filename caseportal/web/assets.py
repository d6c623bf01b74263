"""Third-party browser assets served from the machine's Debian packages (no CDN): CodeMirror 5 for the editor.

Its own blueprint because it belongs to no audience: the files are public, carry nothing of anyone's, and are
cached like any static file.
"""

from __future__ import annotations

import os

from flask import Blueprint, abort, send_from_directory
from werkzeug.wrappers import Response

#: Where Debian's libjs-codemirror puts CodeMirror 5; CASEPORTAL_CODEMIRROR_DIR points elsewhere.
CODEMIRROR_DEFAULT = "/usr/share/javascript/codemirror"

bp = Blueprint("assets", __name__)


def codemirror_dir() -> str:
    return os.environ.get("CASEPORTAL_CODEMIRROR_DIR", CODEMIRROR_DEFAULT)


def codemirror_available() -> bool:
    """Whether the editor can load; without CodeMirror the page keeps plain text areas."""
    return os.path.isfile(os.path.join(codemirror_dir(), "lib", "codemirror.js"))


@bp.get("/vendor/codemirror/<path:filename>")
def codemirror(filename: str) -> Response:
    """CodeMirror 5 from Debian's libjs-codemirror; without it the editor stays a plain textarea."""
    if not filename.endswith((".js", ".css")):
        abort(404)
    directory = codemirror_dir()
    if not os.path.isdir(directory):
        abort(404)
    return send_from_directory(directory, filename, max_age=24 * 3600)
