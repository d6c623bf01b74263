"""ATS connections for admins: connect a Greenhouse or Teamtailor customer (the key shown once), choose the role
new meetings get and the cases offered as tests, revoke a connection."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from caseportal.current import casebook, db
from caseportal.permissions import admin_required
from caseportal.services import meetings, partners
from caseportal.web.common import commit_or_error, form_or_400

from ._blueprint import bp
from .forms import MultiCheckboxField
from .webhooks import PickForm


class ConnectionForm(FlaskForm):
    ats = SelectField(_l("Applicant tracking system"),
                      choices=[("greenhouse", "Greenhouse"), ("teamtailor", "Teamtailor")])
    name = StringField(_l("Customer or account name"), validators=[Length(max=200)])
    job_role_id = SelectField(_l("Role for new meetings"), coerce=int, validators=[DataRequired()])
    cases = MultiCheckboxField(_l("Cases offered as tests"), validators=[DataRequired()])


@bp.route("/settings/partners", methods=["GET", "POST"])
@admin_required
def partners_page() -> str | Response:
    form = ConnectionForm()
    form.job_role_id.choices = [(r.id, r.title) for r in meetings.roles(db())]
    form.cases.choices = [(c.slug, c.title) for c in sorted(casebook(), key=lambda c: c.title)]
    key = None
    if form.validate_on_submit():
        outcome = commit_or_error(lambda: partners.create_connection(
            db(), casebook(), form.ats.data or "", form.name.data or "", int(form.job_role_id.data or 0),
            list(form.cases.data or [])))
        if outcome.ok and outcome.value is not None:
            key = outcome.value.key
        else:
            flash(outcome.error, "error")
    return render_template("manage/partners.html", form=form, key=key, connections=partners.connections(db()),
                           pick=PickForm(), ats_names=partners.ATS_NAMES)


@bp.post("/settings/partners/revoke")
@admin_required
def partner_revoke() -> Response:
    form = form_or_400(PickForm())
    outcome = commit_or_error(lambda: partners.revoke_connection(db(), int(form.item_id.data or 0)))
    flash(outcome.error or _("The connection was revoked; its key no longer works."),
          "error" if outcome.error else "info")
    return redirect(url_for("manage.partners_page"))
