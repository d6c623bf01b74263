"""API keys for admins: the list (scope, who made it, last use), a form for a new key, whose secret is shown on
the answer page only, once, and a revoke button per key."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from caseportal.current import db
from caseportal.models import ApiKey
from caseportal.permissions import admin_required
from caseportal.services import api_keys as key_svc
from caseportal.web.common import commit_or_error, form_or_400, load_or_404, user

from ._blueprint import bp
from .forms import ActionForm


class ApiKeyForm(FlaskForm):
    name = StringField(_l("Name (which integration holds it)"), validators=[DataRequired(), Length(max=100)])
    scope = SelectField(_l("Access"), choices=[("read", _l("Read only")), ("write", _l("Read and write"))],
                        default="read")


def _page(form: ApiKeyForm, secret: str | None = None) -> str:
    return render_template("manage/api_keys.html", form=form, keys=key_svc.all_keys(db()), secret=secret,
                           revoke_form=ActionForm())


@bp.route("/admin/api-keys", methods=["GET", "POST"])
@admin_required
def api_keys() -> str:
    form = ApiKeyForm()
    if form.validate_on_submit():
        outcome = commit_or_error(lambda: key_svc.issue(db(), user(), form.name.data or "", form.scope.data))
        if outcome.ok and outcome.value is not None:
            # Rendered, not redirected: the secret must not travel through the session or a URL.
            return _page(ApiKeyForm(formdata=None), secret=outcome.value.secret)
        flash(outcome.error, "error")
    return _page(form)


@bp.post("/admin/api-keys/<int:key_id>/revoke")
@admin_required
def revoke_api_key(key_id: int) -> Response:
    key = load_or_404(ApiKey, key_id)
    form_or_400(ActionForm())
    if key_svc.revoke(key):
        db().commit()
        flash(_("The key was revoked; requests with it are refused from now on."), "info")
    return redirect(url_for("manage.api_keys"))
