"""An admin answering a candidate's request: export one candidate's data (the same zip the candidate gets) or
erase it at once. Both go to the audit log."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import BooleanField
from wtforms.validators import DataRequired

from caseportal.current import database, db
from caseportal.permissions import admin_required
from caseportal.services import audit, data_export, erasure, visibility
from caseportal.web.common import commit_or_error, form_or_400, user
from caseportal.web.downloads import send_bytes

from ._blueprint import bp


class ExportForm(FlaskForm):
    """A button: exporting is recorded, so it is a POST."""


class EraseForm(FlaskForm):
    confirm = BooleanField(_l("Yes, erase this candidate's personal data now"), validators=[DataRequired()])


@bp.post("/meetings/<int:meeting_id>/data/export")
@admin_required
def candidate_export(meeting_id: int) -> Response:
    meeting = visibility.meeting_for(db(), user(), meeting_id)
    form_or_400(ExportForm())
    done = commit_or_error(lambda: (data_export.export_zip(db(), meeting),
                                    audit.record(db(), user(), "export", "meeting", meeting.id, meeting_id=meeting.id,
                                                 detail="admin export"))[0])
    if done.value is None:
        flash(done.error, "error")
        return redirect(url_for(".meeting_outcome", meeting_id=meeting.id))
    return send_bytes(done.value, f"candidate-{meeting.id}-data.zip", mimetype="application/zip")


@bp.route("/meetings/<int:meeting_id>/data/erase", methods=["GET", "POST"])
@admin_required
def candidate_erase(meeting_id: int) -> str | Response | tuple[str, int]:
    meeting = visibility.meeting_for(db(), user(), meeting_id)
    form = EraseForm()
    if form.validate_on_submit():
        done = commit_or_error(lambda: erasure.erase_candidate(db(), meeting, audit.Actor.staff(user()), "request"))
        if done.ok:
            erasure.scrub_files(database())
            flash(_("The candidate's personal data is erased.") if done.value else
                  _("This candidate's data had already been erased."), "info")
            return redirect(url_for(".meeting_outcome", meeting_id=meeting.id))
        flash(done.error, "error")
    return render_template("manage/candidate_erase.html", m=meeting, form=form), 400 if form.is_submitted() else 200
