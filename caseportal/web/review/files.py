"""The submitted files and run artifacts as bytes, and the code highlighting's stylesheet.

Candidate bytes never run on our origin: images and PDFs are shown inline with their own type, an executed
notebook (HTML) only inside a sandboxed frame under its own strict policy, everything else is a download.
The page's own layout is static/review.css; this route serves only the rules Pygments generates.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from flask import Response, request

from caseportal.permissions import any_staff_required
from caseportal.services import highlight
from caseportal.services import review as svc
from caseportal.web.downloads import send_bytes

from ._blueprint import bp
from .access import artifact_or_404, file_or_404, submission_or_404

#: For HTML artifacts (an executed notebook) shown in an <iframe sandbox="">: no script, no requests, own origin.
ARTIFACT_HTML_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; sandbox; frame-ancestors 'self'"


def _image_type(name: str) -> str:
    return svc.IMAGE_TYPES[PurePosixPath(name).suffix.lower()]


@bp.get("/pygments.css")
@any_staff_required
def pygments_css() -> Response:
    resp = Response(highlight.stylesheet(), mimetype="text/css")
    resp.headers["Cache-Control"] = "private, max-age=86400"
    return resp


@bp.get("/submissions/<int:submission_id>/files/<int:file_id>/raw")
@any_staff_required
def file_raw(submission_id: int, file_id: int) -> Response:
    """A submitted file: images and PDFs inline with their own type, everything else (SVG too) as a download."""
    sub, _meeting = submission_or_404(submission_id, submitted=True)
    f = file_or_404(sub, file_id)
    kind = svc.file_kind(f.path)
    if kind == "image":
        return send_bytes(f.content, f.path, mimetype=_image_type(f.path), inline=True)
    if kind == "pdf":
        # No CSP sandbox here: browsers refuse to start their (separately sandboxed) PDF viewer inside one.
        return send_bytes(f.content, f.path, mimetype="application/pdf", inline=True, csp=None)
    return send_bytes(f.content, f.path)


@bp.get("/runs/<int:run_id>/artifacts/<int:artifact_id>")
@any_staff_required
def artifact(run_id: int, artifact_id: int) -> Response:
    """A run artifact: images inline, HTML (an executed notebook) under a strict CSP for a sandboxed iframe
    (or as a download with ?download=1), anything else as a download."""
    art = artifact_or_404(run_id, artifact_id)
    kind = svc.file_kind(art.name)
    download = request.args.get("download") == "1"
    if kind == "image" and not download:
        return send_bytes(art.content, art.name, mimetype=_image_type(art.name), inline=True)
    if kind == "html" and not download:
        return send_bytes(art.content, art.name, mimetype="text/html", inline=True, csp=ARTIFACT_HTML_CSP)
    return send_bytes(art.content, art.name)
