"""Webhooks for admins: register an endpoint (its secret shown once), see failed and recent deliveries with every
attempt's answer, replay a delivery, remove an endpoint."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import IntegerField, StringField, URLField
from wtforms.validators import DataRequired, Length

from caseportal.current import db
from caseportal.models import WebhookDelivery
from caseportal.permissions import admin_required
from caseportal.services import webhooks
from caseportal.services.events import EVENTS
from caseportal.web.common import commit_or_error, form_or_400

from ._blueprint import bp
from .forms import MultiCheckboxField

EVENT_LABELS = {
    "invitation.opened": _l("Invitation opened"), "case.started": _l("Case started"),
    "case.handed_in": _l("Handed in"), "run.finished": _l("Run finished"),
    "submission.reviewed": _l("Reviewed"), "meeting.closed": _l("Meeting closed"),
}


class EndpointForm(FlaskForm):
    url = URLField(_l("Receiver URL"), validators=[DataRequired(), Length(max=500)])
    events = MultiCheckboxField(_l("Events"), choices=[(e, EVENT_LABELS[e]) for e in EVENTS],
                                validators=[DataRequired()])
    description = StringField(_l("Description"), validators=[Length(max=200)])


class PickForm(FlaskForm):
    """A button form naming one row."""

    item_id = IntegerField(validators=[DataRequired()])


@bp.route("/settings/webhooks", methods=["GET", "POST"])
@admin_required
def webhooks_page() -> str | Response:
    form = EndpointForm()
    secret = None
    if form.validate_on_submit():
        outcome = commit_or_error(lambda: webhooks.create_endpoint(db(), form.url.data or "", form.events.data or [],
                                                                   form.description.data or ""))
        if outcome.ok and outcome.value is not None:
            secret = outcome.value.secret
            form = EndpointForm(formdata=None)
        else:
            flash(outcome.error, "error")
    shown = request.args.get("delivery", type=int)
    detail = db().get(WebhookDelivery, shown) if shown else None
    return render_template("manage/webhooks.html", form=form, secret=secret, endpoints=webhooks.endpoints(db()),
                           failed=webhooks.recent(db(), "failed"), recent=webhooks.recent(db()), detail=detail,
                           event_labels=EVENT_LABELS, pick=PickForm())


@bp.post("/settings/webhooks/replay")
@admin_required
def webhook_replay() -> Response:
    form = form_or_400(PickForm())
    outcome = commit_or_error(lambda: webhooks.replay(db(), int(form.item_id.data or 0)))
    flash(outcome.error or _("The delivery is queued again."), "error" if outcome.error else "info")
    return redirect(url_for("manage.webhooks_page"))


@bp.post("/settings/webhooks/remove")
@admin_required
def webhook_remove() -> Response:
    form = form_or_400(PickForm())
    outcome = commit_or_error(lambda: webhooks.remove_endpoint(db(), int(form.item_id.data or 0)))
    flash(outcome.error or _("The webhook was removed."), "error" if outcome.error else "info")
    return redirect(url_for("manage.webhooks_page"))
