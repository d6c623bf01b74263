"""Staff accounts for admins: the list with a form for a new account, and one account's role, access and
password. An admin cannot take away their own admin access (someone must be able to come back in)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from caseportal.current import db
from caseportal.models import StaffRole, User
from caseportal.permissions import admin_required
from caseportal.services import users
from caseportal.web.common import commit_or_error, load_or_404, user

from ._blueprint import bp
from .forms import StaffEditForm, StaffForm


@bp.route("/admin/staff", methods=["GET", "POST"])
@admin_required
def staff() -> str | Response:
    form = StaffForm()
    if form.validate_on_submit():
        outcome = commit_or_error(lambda: users.create_user(
            db(), email=form.email.data or "", name=form.name.data or "", role=StaffRole(form.role.data),
            password=form.password.data or ""))
        if outcome.ok:
            flash(_("Staff account created."), "info")
            return redirect(url_for("auth.staff"))
        flash(outcome.error, "error")
    return render_template("auth/staff.html", form=form, staff=users.list_users(db()))


@bp.route("/admin/staff/<int:user_id>", methods=["GET", "POST"])
@admin_required
def staff_edit(user_id: int) -> str | Response:
    account = load_or_404(User, user_id)
    form = StaffEditForm(obj=None if request.method == "POST" else account)
    if request.method == "GET":
        form.role.data = account.role.value
    if form.validate_on_submit():
        if account.id == user().id and (not form.active.data or form.role.data != StaffRole.ADMIN):
            flash(_("You cannot remove your own admin access."), "error")
        else:
            users.update_user(db(), account, role=StaffRole(form.role.data), active=form.active.data,
                              password=form.password.data or None)
            db().commit()
            flash(_("Saved."), "info")
            return redirect(url_for("auth.staff"))
    return render_template("auth/staff_edit.html", form=form, user=account)
