"""Staff login and logout, and staff management for admins."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from caseportal.current import db
from caseportal.i18n import safe_next
from caseportal.models import StaffRole, User
from caseportal.permissions import admin_required
from caseportal.services import users
from caseportal.services.errors import DomainError

from .forms import LoginForm, StaffEditForm, StaffForm

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """After login, only a path on this site (never //host, a tab-hidden host or another scheme)."""
    return safe_next(target, url_for("manage.dashboard"))


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response:
    form = LoginForm()
    if form.validate_on_submit():
        user = users.authenticate(db(), form.email.data or "", form.password.data or "")
        if user is None:
            flash(_("Email or password is wrong."), "error")
        else:
            session.clear()  # a new session at login: no fixation
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
def logout() -> Response:
    logout_user()
    session.clear()
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/admin/staff", methods=["GET", "POST"])
@admin_required
def staff() -> str | Response:
    form = StaffForm()
    if form.validate_on_submit():
        try:
            users.create_user(db(), email=form.email.data or "", name=form.name.data or "",
                              role=StaffRole(form.role.data), password=form.password.data or "")
            db().commit()
            flash(_("Staff account created."), "info")
            return redirect(url_for("auth.staff"))
        except DomainError as err:
            db().rollback()
            flash(err.message, "error")
    return render_template("auth/staff.html", form=form, staff=users.list_users(db()))


@bp.route("/admin/staff/<int:user_id>", methods=["GET", "POST"])
@admin_required
def staff_edit(user_id: int) -> str | Response:
    user = db().get(User, user_id) or abort(404)
    form = StaffEditForm(obj=None if request.method == "POST" else user)
    if request.method == "GET":
        form.role.data = user.role.value
    if form.validate_on_submit():
        if user.id == current_user.id and (not form.active.data or form.role.data != StaffRole.ADMIN):
            flash(_("You cannot remove your own admin access."), "error")
        else:
            users.update_user(db(), user, role=StaffRole(form.role.data), active=form.active.data,
                              password=form.password.data or None)
            db().commit()
            flash(_("Saved."), "info")
            return redirect(url_for("auth.staff"))
    return render_template("auth/staff_edit.html", form=form, user=user)
