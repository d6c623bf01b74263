"""Roles and what we offer with them: the list (with the offer sections still empty), create and edit.

The form previews the offer as the candidate will read it before it is saved.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from caseportal.current import db
from caseportal.models import OFFER_SECTIONS, JobRole
from caseportal.permissions import manager_required
from caseportal.services import employers, meetings
from caseportal.web.common import load_or_404
from caseportal.web.labels import OFFER_LABELS

from ._blueprint import bp
from .forms import RoleForm


@bp.get("/roles")
@manager_required
def roles() -> str:
    rows = [(r, [OFFER_LABELS[s] for s in OFFER_SECTIONS if not (getattr(r, s) or "").strip()])
            for r in meetings.roles(db())]
    return render_template("manage/roles.html", rows=rows)


def _role_form_view(role: JobRole | None) -> str | Response:
    form = RoleForm(obj=role) if request.method == "GET" and role is not None else RoleForm()
    preview = request.method == "POST" and request.form.get("action") == "preview"
    if form.validate_on_submit() and not preview:
        target = role or JobRole(title="", employer=employers.default_employer(db()))
        form.populate_obj(target)
        target.role_family = (target.role_family or "").strip()
        if role is None:
            db().add(target)
        db().commit()
        flash(_("Role saved."), "info")
        return redirect(url_for("manage.role_edit", role_id=target.id))
    shown = {name: getattr(form, name).data or "" for name in OFFER_SECTIONS}
    return render_template("manage/role_form.html", form=form, role=role, preview=shown, previewing=preview)


@bp.route("/roles/new", methods=["GET", "POST"])
@manager_required
def role_new() -> str | Response:
    return _role_form_view(None)


@bp.route("/roles/<int:role_id>", methods=["GET", "POST"])
@manager_required
def role_edit(role_id: int) -> str | Response:
    return _role_form_view(load_or_404(JobRole, role_id))
