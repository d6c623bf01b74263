"""Feedback both ways after the meeting: the manager writes to the candidate (shared when ready) and sees what
the candidate told us about the case and the process. Managers only.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from caseportal.current import db
from caseportal.permissions import manager_required
from caseportal.services import feedback as feedback_svc
from caseportal.services import visibility
from caseportal.web.common import commit_or_error, user

from ._blueprint import bp
from .forms import ManagerFeedbackForm


@bp.route("/meetings/<int:meeting_id>/feedback", methods=["GET", "POST"])
@manager_required
def feedback(meeting_id: int) -> str | Response | tuple[str, int]:
    meeting = visibility.meeting_for(db(), user(), meeting_id)
    form = ManagerFeedbackForm()
    if request.method == "GET":
        form.text.data = meeting.manager_feedback
        form.shared.data = meeting.manager_feedback_shared
    error = ""
    if form.validate_on_submit():
        outcome = commit_or_error(
            lambda: feedback_svc.set_manager_feedback(meeting, form.text.data or "", bool(form.shared.data)))
        if outcome.ok:
            flash(_("Feedback saved and shown to the candidate.") if meeting.manager_feedback_shared
                  else _("Feedback saved. The candidate does not see it until you share it."), "info")
            return redirect(url_for("manage.feedback", meeting_id=meeting.id))
        error = outcome.error
    theirs = feedback_svc.for_meeting(db(), meeting)
    status = 400 if request.method == "POST" else 200
    return render_template("manage/feedback.html", m=meeting, form=form, error=error, theirs=theirs), status
