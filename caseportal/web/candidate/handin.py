"""Handing in: the last save of the editor's texts, the confirmation, the full run (hidden checks too, for the
reviewers) and the notice to the meeting's reviewers.

The work is saved before the confirmation is checked, so a forgotten tick box never loses an edit; a failed
notice never undoes a hand-in.
"""

from __future__ import annotations

import logging

from flask import flash
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from caseportal.current import casebook, db, settings
from caseportal.models import Run, RunKind, Submission
from caseportal.services import notify, runs, submissions
from caseportal.web.common import commit_or_error

from ._blueprint import bp
from .access import CaseContext, back, load, real_work
from .checks import enqueue
from .editor import posted_files, save_posted
from .forms import SubmitForm
from .workspace import render_case

log = logging.getLogger("caseportal.candidate")


def _hand_in(ctx: CaseContext, sub: Submission, form: SubmitForm) -> Run | None:
    """Mark the work handed in; the full run (hidden checks too) when the case has automated checks."""
    submissions.submit(db(), sub, form.notes_more_time.data or "", form.questions.data or "")
    if not ctx.case.has_automated_checks:
        return None
    return runs.request_run(db(), sub, RunKind.FULL, runs_per_hour=settings().runs_per_hour)


@bp.post("/i/<token>/case/<slug>/submit")
def submit(token: str, slug: str) -> Response | tuple[str, int]:
    ctx = load(token, slug)
    sub = real_work(ctx)  # a warm-up is never handed in
    # the hand-in button belongs to the editor form: unsaved edits are kept
    saved = commit_or_error(lambda: save_posted(ctx, sub))
    if not saved.ok:
        return render_case(ctx, error=saved.error, status=saved.status, drafts=posted_files())
    form = SubmitForm()
    if not form.validate_on_submit():
        return render_case(ctx, status=400, submit_form=form,
                           error=_("Your work is saved, but not handed in yet: please see below."))
    handed = commit_or_error(lambda: _hand_in(ctx, sub, form))
    if not handed.ok:
        return render_case(ctx, error=handed.error, status=handed.status, submit_form=form)
    if handed.value is not None:
        enqueue(handed.value)
    try:
        notify.notify_submission(db(), settings(), sub, settings().base_url, library=casebook())
        db().commit()
    except Exception:  # noqa: BLE001 - a failed notice must not undo a hand-in
        db().rollback()
        log.exception("could not notify reviewers of submission %s", sub.id)
    flash(_("Thank you! Your work is handed in. We look forward to talking about it with you."), "info")
    return back(ctx, "handed-in")
