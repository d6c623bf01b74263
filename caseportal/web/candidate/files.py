"""The candidate's own files: upload (single files or a .zip), the file tree's new/rename/delete, and download.

The tree's three are small plain forms (they work without JavaScript); their rules live in
``services.workspace_files``. After a new file or a rename the page comes back with that file open in the editor.

A download is always an attachment under a sandboxing policy: an uploaded .html must never run on our origin.
"""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import HiddenField, StringField
from wtforms.validators import DataRequired

from caseportal.current import db, settings
from caseportal.models import SubmissionFile
from caseportal.services import submissions, workspace_files
from caseportal.services.errors import NotFound
from caseportal.web.common import commit_or_error, form_or_400
from caseportal.web.downloads import send_bytes

from ._blueprint import bp
from .access import CaseContext, back, load, started
from .forms import DeleteFileForm
from .workspace import render_case


class NewFileForm(FlaskForm):
    """The tree's "New file": an empty name is the service's refusal (with an example), not a bare 400."""

    name = StringField(_l("Name of the new file"))


class RenameFileForm(FlaskForm):
    path = HiddenField(validators=[DataRequired()])
    new_name = StringField(_l("New name"))


def _opened(ctx: CaseContext, path: str) -> Response:
    """Back to the workspace with ``path`` open in the editor."""
    return redirect(url_for("candidate.case", token=ctx.token, slug=ctx.case.slug, open=path, _anchor="work"))


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
    outcome = commit_or_error(lambda: workspace_files.delete_file(db(), sub, path, case=ctx.case))
    if not outcome.ok:
        return render_case(ctx, error=outcome.error, status=outcome.status)
    flash(_("Deleted %(name)s.", name=path), "info")
    return back(ctx, "work" if request.form.get("from") == "tree" else "your-files")


@bp.post("/i/<token>/case/<slug>/new-file")
def new_file(token: str, slug: str) -> Response | tuple[str, int]:
    ctx = load(token, slug)
    sub = started(ctx)
    form = NewFileForm()
    form_or_400(form)
    outcome = commit_or_error(lambda: workspace_files.new_file(db(), sub, form.name.data or "", settings(),
                                                               case=ctx.case))
    if not outcome.ok or outcome.value is None:
        return render_case(ctx, error=outcome.error, status=outcome.status, new_file_name=form.name.data or "")
    flash(_("Created %(name)s.", name=outcome.value), "info")
    return _opened(ctx, outcome.value)


@bp.post("/i/<token>/case/<slug>/rename-file")
def rename_file(token: str, slug: str) -> Response | tuple[str, int]:
    ctx = load(token, slug)
    sub = started(ctx)
    form = RenameFileForm()
    form_or_400(form)
    old = form.path.data or ""
    outcome = commit_or_error(lambda: workspace_files.rename_file(db(), sub, old, form.new_name.data or "",
                                                                  case=ctx.case))
    if not outcome.ok or outcome.value is None:
        return render_case(ctx, error=outcome.error, status=outcome.status)
    flash(_("Renamed %(old)s to %(new)s.", old=old, new=outcome.value), "info")
    return _opened(ctx, outcome.value)


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
