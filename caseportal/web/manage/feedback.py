"""Two-way feedback after the meeting: the manager writes to the candidate (shared when ready) and sees what
the candidate told us about the case and the process; and the candidates' voice per employer, a printable report
for the client. Managers only, within their employers.
"""

from __future__ import annotations

from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import BooleanField, DateField, SelectField
from wtforms.validators import Optional, ValidationError

from caseportal.current import db
from caseportal.permissions import manager_required
from caseportal.services import analytics, visibility
from caseportal.services import feedback as feedback_svc
from caseportal.services import feedback_report as voice_svc
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


class VoiceForm(FlaskForm):
    """The report's filters travel in the query string (a GET form: bookmarkable, no CSRF token needed)."""

    class Meta:
        csrf = False

    employer = SelectField(_l("Employer"), choices=[], default="", validate_choice=True)
    since = DateField(_l("Meetings created from"), validators=[Optional()])
    until = DateField(_l("up to and including"), validators=[Optional()])
    names = BooleanField(_l("Show candidates' names (for our own use; leave it off for the client)"))

    def validate_until(self, field: DateField) -> None:
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError(_l("The end date must be on or after the start date."))


@bp.get("/feedback-report")
@manager_required
def feedback_report() -> tuple[str, int]:
    """The candidates' voice for one employer (or all the visitor may see); another employer's id is invalid."""
    viewer = user()
    visible = visibility.employers_for(db(), viewer)
    form = VoiceForm(formdata=request.args)
    form.employer.choices = [("", _("All employers"))] + [(str(e.id), e.name) for e in visible]
    if not form.validate():
        return render_template("manage/feedback_report.html", form=form, invalid=True), 400
    since: date | None = form.since.data
    until: date | None = form.until.data
    employer = next((e for e in visible if str(e.id) == form.employer.data), None)
    filters = analytics.Filters(since=since, until=until, employer_id=employer.id if employer else None,
                                within=visibility.employer_ids_for(viewer, db()))
    voice = voice_svc.report(db(), filters, with_names=bool(form.names.data))
    return render_template("manage/feedback_report.html", form=form, invalid=False, voice=voice,
                           employer=employer, since=since, until=until), 200
