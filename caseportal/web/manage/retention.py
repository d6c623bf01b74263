"""Erasures due soon: managers see every candidate (of their employers) whose data is erased within a week and may
keep one longer, with a reason that goes to the audit log."""

from __future__ import annotations

from datetime import UTC, datetime, time

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import DateField, StringField
from wtforms.validators import DataRequired, Length

from caseportal.current import db, settings
from caseportal.permissions import manager_required
from caseportal.services import retention, visibility
from caseportal.web.common import commit_or_error, user

from ._blueprint import bp


class PostponeForm(FlaskForm):
    until = DateField(_l("Keep until"), validators=[DataRequired()])
    reason = StringField(_l("Reason (no names: the audit log keeps it)"), validators=[DataRequired(), Length(max=200)])


def _prefix(meeting_id: int) -> str:
    """Each row's form has its own field names (and ids), so the page's labels stay unique."""
    return f"m{meeting_id}"


def _page(forms: dict[int, PostponeForm] | None = None, status: int = 200) -> tuple[str, int]:
    due = retention.upcoming(db(), settings(), employer_ids=visibility.employer_ids_for(user(), db()))
    forms = forms or {}
    shown = {d.meeting.id: forms.get(d.meeting.id) or PostponeForm(formdata=None, prefix=_prefix(d.meeting.id))
             for d in due}
    return render_template("manage/retention.html", due=due, forms=shown,
                           retention_months=settings().retention_months), status


@bp.get("/retention")
@manager_required
def retention_due() -> tuple[str, int]:
    return _page()


@bp.post("/meetings/<int:meeting_id>/retention/postpone")
@manager_required
def retention_postpone(meeting_id: int) -> Response | tuple[str, int]:
    meeting = visibility.meeting_for(db(), user(), meeting_id)
    form = PostponeForm(prefix=_prefix(meeting.id))
    if not form.validate_on_submit() or form.until.data is None:
        return _page({meeting.id: form}, 400)
    until = datetime.combine(form.until.data, time(23, 59), UTC)
    done = commit_or_error(lambda: retention.postpone(db(), meeting, until, form.reason.data or "", user()))
    if not done.ok:
        flash(done.error, "error")
        return _page({meeting.id: form}, done.status)
    flash(_("The data is kept until %(date)s.", date=until.date().isoformat()), "info")
    return redirect(url_for(".retention_due"))
