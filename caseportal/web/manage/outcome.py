"""Closing a meeting with its outcome (offer, not continuing, withdrew, did not attend): the retention clock
starts then. The page also says when the candidate's data will be erased, and gives admins the export and
erase buttons of ``candidate_data``."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import SelectField
from wtforms.validators import DataRequired

from caseportal.current import db, settings
from caseportal.permissions import manager_required
from caseportal.services import retention, visibility
from caseportal.web.common import commit_or_error, user

from ._blueprint import bp


class OutcomeForm(FlaskForm):
    outcome = SelectField(_l("Outcome"), validators=[DataRequired()])


def _form() -> OutcomeForm:
    form = OutcomeForm()
    form.outcome.choices = [("", _("Choose…"))] + [(k, _(v)) for k, v in retention.OUTCOME_LABELS.items()]
    return form


@bp.route("/meetings/<int:meeting_id>/outcome", methods=["GET", "POST"])
@manager_required
def meeting_outcome(meeting_id: int) -> str | Response | tuple[str, int]:
    meeting = visibility.meeting_for(db(), user(), meeting_id)
    form = _form()
    rec = retention.record_for(db(), meeting)
    status = 200
    if form.validate_on_submit():
        done = commit_or_error(lambda: retention.close_meeting(db(), meeting, form.outcome.data or "", user()))
        if done.ok:
            flash(_("The meeting is closed. The retention period starts today."), "info")
            return redirect(url_for(".meeting_outcome", meeting_id=meeting.id))
        flash(done.error, "error")
        status = done.status
    elif rec.outcome and not form.is_submitted():
        form.outcome.data = rec.outcome
    due = retention.due_for(db(), settings(), meeting)
    db().commit()  # the record made on first need
    return render_template("manage/outcome.html", m=meeting, form=form, rec=rec, due=due,
                           outcome_label=_(retention.OUTCOME_LABELS[rec.outcome]) if rec.outcome else "",
                           retention_months=settings().retention_months), status
