"""The candidate's data: the privacy notice, "Download my data" and "Withdraw and delete my data".

The notice names the controller and contact from the settings. Downloading gives the same zip an admin would
export (``services.data_export``: never hidden checks or reviewer notes). Withdrawing needs a confirmation,
ends the link and erases at once or after the grace period (``services.privacy``).
"""

from __future__ import annotations

from flask import render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import BooleanField
from wtforms.validators import DataRequired

from caseportal.current import database, db, settings
from caseportal.models import Invitation
from caseportal.services import audit, data_export, erasure, privacy
from caseportal.services.errors import LinkInvalid
from caseportal.web.downloads import send_bytes

from ._blueprint import bp
from .access import invitation


class WithdrawForm(FlaskForm):
    confirm = BooleanField(_l("Yes, withdraw my application and delete my data"), validators=[DataRequired()])


def _page(token: str, inv: Invitation, form: WithdrawForm, status: int = 200) -> tuple[str, int]:
    return render_template("candidate/privacy.html", token=token, meeting=inv.meeting, form=form,
                           notice=privacy.notice(settings())), status


@bp.get("/i/<token>/privacy")
def privacy_notice(token: str) -> tuple[str, int]:
    return _page(token, invitation(token), WithdrawForm(formdata=None))


@bp.get("/i/<token>/privacy/my-data.zip")
def privacy_export(token: str) -> Response:
    try:
        inv = invitation(token)
    except LinkInvalid as err:
        contact = privacy.notice(settings()).contact
        more = (_("To get a copy of your data, please write to %(contact)s.", contact=contact) if contact else
                _("To get a copy of your data, please contact the person who invited you."))
        raise LinkInvalid(err.message + " " + more) from None
    meeting = inv.meeting
    content = data_export.export_zip(db(), meeting)
    audit.record(db(), audit.CANDIDATE, "export", "meeting", meeting.id, meeting_id=meeting.id,
                 detail="candidate download")
    db().commit()
    return send_bytes(content, "my-data.zip", mimetype="application/zip")


@bp.post("/i/<token>/privacy/withdraw")
def privacy_withdraw(token: str) -> tuple[str, int]:
    inv = invitation(token)
    form = WithdrawForm()
    if not form.validate_on_submit():
        return _page(token, inv, form, 400)
    meeting = inv.meeting
    erased = privacy.withdraw(db(), settings(), meeting)
    db().commit()
    if erased:
        erasure.scrub_files(database())
    return render_template("candidate/privacy_done.html", erased=erased,
                           grace_days=settings().withdrawal_grace_days), 200
