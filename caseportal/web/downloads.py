"""One way to answer with a stored file (a submission file, a run artifact, a case's material).

Whatever the bytes are, nothing in them may run or load anything on our origin: no sniffing, a sandboxing CSP
unless the caller names another one, a download name without directories or control characters, never cached.
"""

from __future__ import annotations

import io
import re
from pathlib import PurePosixPath

from flask import Response, send_file

from .audit_trail import note_download

#: For files and artifacts that are downloaded or shown as images: nothing in them may run or load anything.
RAW_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox"


def safe_filename(path: str) -> str:
    """A download name without directories, quotes or control characters (header injection, odd viewers)."""
    name = re.sub(r"[\x00-\x1f\x7f\"\\]", "", PurePosixPath(path).name).strip()
    return name[:150] if name.strip(".") else "file"


def send_bytes(content: bytes, name: str, *, mimetype: str = "application/octet-stream", inline: bool = False,
               csp: str | None = RAW_CSP) -> Response:
    """``content`` as a response: a download unless ``inline``; ``csp=None`` only where a browser viewer needs it
    (PDFs: browsers refuse to start their own sandboxed viewer inside a CSP sandbox)."""
    note_download("file")  # staff downloads go to the audit log
    resp = send_file(io.BytesIO(content), mimetype=mimetype, as_attachment=not inline,
                     download_name=safe_filename(name), etag=False, max_age=0)
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Cache-Control"] = "private, no-store"
    if csp:
        resp.headers["Content-Security-Policy"] = csp
    return resp
