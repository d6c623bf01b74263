"""Feedback both ways after the meeting: the manager writes to the candidate (shared when ready) and sees what
the candidate told us about the case and the process. Managers only.
"""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, TextAreaField
from wtforms.validators import Length

from caseportal.current import db
from caseportal.models import User
from caseportal.permissions import manager_required
from caseportal.services import feedback as feedback_svc
from caseportal.services import visibility
from caseportal.services.errors import DomainError

from .routes import bp


class ManagerFeedbackForm(FlaskForm):
    text = TextAreaField(_l("Your feedback to the candidate (markdown)"),
                         validators=[Length(max=feedback_svc.MAX_FEEDBACK_CHARS)], render_kw={"rows": 12})
    shared = BooleanField(_l("Show this feedback to the candidate on their page"))


def _user() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


@bp.route("/meetings/<int:meeting_id>/feedback", methods=["GET", "POST"])
@manager_required
def feedback(meeting_id: int) -> str | Response | tuple[str, int]:
    meeting = visibility.meeting_for(db(), _user(), meeting_id)
    form = ManagerFeedbackForm()
    if request.method == "GET":
        form.text.data = meeting.manager_feedback
        form.shared.data = meeting.manager_feedback_shared
    error = ""
    if form.validate_on_submit():
        try:
            feedback_svc.set_manager_feedback(meeting, form.text.data or "", bool(form.shared.data))
            db().commit()
        except DomainError as err:
            db().rollback()
            error = err.message
        else:
            flash(_("Feedback saved and shown to the candidate.") if meeting.manager_feedback_shared
                  else _("Feedback saved. The candidate does not see it until you share it."), "info")
            return redirect(url_for("manage.feedback", meeting_id=meeting.id))
    theirs = feedback_svc.for_meeting(db(), meeting)
    status = 400 if request.method == "POST" else 200
    return render_template("manage/feedback.html", m=meeting, form=form, error=error, theirs=theirs), status
