"""Roles and what we offer with them: the list (by employer, with the offer sections still empty), create and edit.

Every role belongs to an employer the user can see. A new role starts from its employer's default offer blocks:
``/roles/new?employer=ID`` (the link on each employer) shows them prefilled, to edit before saving; a role created
with all offer blocks left empty gets the chosen employer's defaults. The form previews the offer as the candidate
will read it before it is saved.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from caseportal.current import db
from caseportal.models import OFFER_SECTIONS, Employer, JobRole
from caseportal.permissions import manager_required
from caseportal.services import employers, visibility
from caseportal.web.common import user
from caseportal.web.labels import OFFER_LABELS

from ._blueprint import bp
from .forms import RoleForm


def _employer_arg(choices: list[Employer]) -> Employer | None:
    """The employer named by ``?employer=ID`` among those the user sees (anything else: none)."""
    wanted = request.args.get("employer", type=int)
    return next((e for e in choices if e.id == wanted), None)


@bp.get("/roles")
@manager_required
def roles() -> str:
    shown = employers.employers_visible(db(), user())
    chosen = _employer_arg(shown)
    rows = [(r, [OFFER_LABELS[s] for s in OFFER_SECTIONS if not (getattr(r, s) or "").strip()])
            for r in visibility.roles_for(db(), user()) if chosen is None or r.employer_id == chosen.id]
    return render_template("manage/roles.html", rows=rows, employers=shown, chosen=chosen)


def _role_form_view(role: JobRole | None) -> str | Response:
    choices = employers.employers_visible(db(), user())
    if not choices and employers.may_create(user()):
        choices = [employers.default_employer(db())]  # the first role ever: "Our company", saved with the role
    form = RoleForm(obj=role) if request.method == "GET" and role is not None else RoleForm()
    form.employer_id.choices = [(e.id, e.name) for e in choices]
    if request.method == "POST" and not request.form.get("employer_id") and len(choices) == 1:
        form.employer_id.data = choices[0].id  # one employer to choose from: a form (or script) may leave it out
    if request.method == "GET" and role is None:
        start = _employer_arg(choices) or (choices[0] if len(choices) == 1 else None)
        if start is not None:
            form.employer_id.data = start.id
            for name, text in employers.offer_defaults(start).items():
                getattr(form, name).data = text
    preview = request.method == "POST" and request.form.get("action") == "preview"
    if form.validate_on_submit() and not preview:
        employer = next(e for e in choices if e.id == form.employer_id.data)  # validated against the choices
        target = role or JobRole(title="", employer=employer)
        form.populate_obj(target)
        target.employer = employer
        target.role_family = (target.role_family or "").strip()
        if role is None:
            if not any((getattr(target, s) or "").strip() for s in OFFER_SECTIONS):
                for name, text in employers.offer_defaults(employer).items():
                    setattr(target, name, text)
            db().add(target)
        db().commit()
        flash(_("Role saved."), "info")
        return redirect(url_for("manage.role_edit", role_id=target.id))
    shown = {name: getattr(form, name).data or "" for name in OFFER_SECTIONS}
    return render_template("manage/role_form.html", form=form, role=role, preview=shown, previewing=preview,
                           no_employers=not choices)


@bp.route("/roles/new", methods=["GET", "POST"])
@manager_required
def role_new() -> str | Response:
    return _role_form_view(None)


@bp.route("/roles/<int:role_id>", methods=["GET", "POST"])
@manager_required
def role_edit(role_id: int) -> str | Response:
    return _role_form_view(visibility.role_for(db(), user(), role_id))
