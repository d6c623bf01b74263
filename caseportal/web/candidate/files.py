"""The candidate's own files: upload (single files or a .zip), delete, and download.

A download is always an attachment under a sandboxing policy: an uploaded .html must never run on our origin.
"""

from __future__ import annotations

from flask import flash, request
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from caseportal.current import db, settings
from caseportal.models import SubmissionFile
from caseportal.services import submissions
from caseportal.services.errors import NotFound
from caseportal.web.common import commit_or_error, form_or_400
from caseportal.web.downloads import send_bytes

from ._blueprint import bp
from .access import back, load, started
from .forms import DeleteFileForm
from .workspace import render_case


@bp.post("/i/<token>/case/<slug>/upload")
def upload(token: str, slug: str) -> Response | tuple[str, int]:
    ctx = load(token, slug)
    sub = started(ctx)
    if not ctx.case.submission.uploads:
        return render_case(ctx, error=_("This case does not take uploads; please edit the files in the page."),
                           status=400)
    sent = [(fs.filename or "", fs.read()) for fs in request.files.getlist("files") if fs and fs.filename]
    outcome = commit_or_error(lambda: submissions.add_uploads(
        db(), sub, sent, settings(), ctx.case.submission.accepted_extensions, case=ctx.case))
    if not outcome.ok:
        return render_case(ctx, error=outcome.error, status=outcome.status)
    flash(_("Uploaded: %(names)s.", names=", ".join(outcome.value or [])), "info")
    return back(ctx, "your-files")


@bp.post("/i/<token>/case/<slug>/delete")
def delete_file(token: str, slug: str) -> Response | tuple[str, int]:
    ctx = load(token, slug)
    sub = started(ctx)
    form = DeleteFileForm()
    form_or_400(form)
    path = form.path.data or ""
    outcome = commit_or_error(lambda: submissions.delete_file(db(), sub, path, case=ctx.case))
    if not outcome.ok:
        return render_case(ctx, error=outcome.error, status=outcome.status)
    flash(_("Deleted %(name)s.", name=path), "info")
    return back(ctx, "your-files")


@bp.get("/i/<token>/case/<slug>/files/<path:path>")
def download(token: str, slug: str, path: str) -> Response:
    """One of the candidate's own files, always as a download (an uploaded .html must never run here)."""
    ctx = load(token, slug)
    sub = started(ctx)
    f = db().scalar(select(SubmissionFile).where(SubmissionFile.submission_id == sub.id,
                                                 SubmissionFile.path == path))
    if f is None:
        raise NotFound(_("That file is not part of your work."))
    return send_bytes(f.content, path)
