"""The candidate's way in: issue (or re-issue) the invitation link, withdraw it, and the meeting's calendar file."""

from __future__ import annotations

from flask import Response, current_app, flash, redirect, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from caseportal.current import db, settings
from caseportal.permissions import any_staff_required, manager_required
from caseportal.services import calendar, invitations, visibility
from caseportal.web.common import form_or_400, user

from ._blueprint import bp
from .dashboard import candidate_label
from .forms import ActionForm


@bp.post("/meetings/<int:meeting_id>/invite")
@manager_required
def invite(meeting_id: int) -> BaseResponse:
    """Issue (or re-issue) the candidate's link; mail it when a mail server is configured."""
    m = visibility.meeting_for(db(), user(), meeting_id)
    form_or_400(ActionForm())
    reissue = m.current_invitation is not None
    result = invitations.send_invitation(db(), m, settings())
    db().commit()
    if result.mailed:
        flash(_("The invitation was emailed to %(email)s.", email=m.candidate_email), "info")
    else:
        current_app.logger.info("Invitation link for meeting %s (%s): %s", m.id, m.candidate_email, result.url)
        if result.mail_attempted:
            flash(_("The mail could not be sent. Please copy the link below and send it to the candidate "
                    "yourself."), "error")
        elif reissue:
            flash(_("A new link was created and the old one no longer works. Copy it below and send it to "
                    "the candidate."), "info")
        else:
            flash(_("The invitation link is ready. Copy it below and send it to the candidate."), "info")
    return redirect(url_for("manage.meeting", meeting_id=m.id, _anchor="invitation"))


@bp.post("/meetings/<int:meeting_id>/revoke")
@manager_required
def revoke(meeting_id: int) -> BaseResponse:
    m = visibility.meeting_for(db(), user(), meeting_id)
    form_or_400(ActionForm())
    if invitations.revoke(m):
        db().commit()
        flash(_("The invitation link was withdrawn and no longer works."), "info")
    else:
        flash(_("There was no working link to withdraw."), "info")
    return redirect(url_for("manage.meeting", meeting_id=m.id, _anchor="invitation"))


@bp.get("/meetings/<int:meeting_id>/meeting.ics")
@any_staff_required
def meeting_ics(meeting_id: int) -> Response:
    """The meeting for the staff's calendar; blind review hides the candidate's name here too."""
    m = visibility.meeting_for(db(), user(), meeting_id)
    label = candidate_label(m) if visibility.hides_identity(m, user()) else None
    body = calendar.ics_for_meeting(m, settings(), candidate_label=label)
    return Response(body, mimetype="text/calendar",
                    headers={"Content-Disposition": f'attachment; filename="meeting-{m.id}.ics"',
                             "Cache-Control": "no-store"})
