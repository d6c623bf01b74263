"""Staff accounts for admins: the list with a form for a new account, and one account's role, access and
password, and which employers it sees (every one, or only those it is tied to: services.users.set_access). An
admin cannot take away their own admin access (someone must be able to come back in)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from caseportal.current import db
from caseportal.models import StaffRole, User
from caseportal.permissions import admin_required
from caseportal.services import employers, users
from caseportal.web.common import commit_or_error, load_or_404, user

from ._blueprint import bp
from .forms import AccessFields, StaffEditForm, StaffForm


def _with_employers(form: AccessFields) -> AccessFields:
    form.employers.choices = [(e.id, e.name) for e in employers.employers_visible(db(), user())]
    return form


def _set_access(account: User, form: AccessFields) -> None:
    users.set_access(db(), account, firm_wide=form.access.data != "tied", employer_ids=form.employers.data or ())


@bp.route("/admin/staff", methods=["GET", "POST"])
@admin_required
def staff() -> str | Response:
    form = _with_employers(StaffForm())
    if form.validate_on_submit():
        def create() -> User:
            account = users.create_user(
                db(), email=form.email.data or "", name=form.name.data or "", role=StaffRole(form.role.data),
                password=form.password.data or "")
            _set_access(account, form)
            return account

        outcome = commit_or_error(create)
        if outcome.ok:
            flash(_("Staff account created."), "info")
            return redirect(url_for("auth.staff"))
        flash(outcome.error, "error")
    accounts = users.list_users(db())
    ties = {u.id: users.tied_employers(db(), u) for u in accounts if not u.firm_wide and not u.is_admin}
    return render_template("auth/staff.html", form=form, staff=accounts, ties=ties)


@bp.route("/admin/staff/<int:user_id>", methods=["GET", "POST"])
@admin_required
def staff_edit(user_id: int) -> str | Response:
    account = load_or_404(User, user_id)
    form = _with_employers(StaffEditForm(obj=None if request.method == "POST" else account))
    if request.method == "GET":
        form.role.data = account.role.value
        form.access.data = "firm" if account.firm_wide else "tied"
        form.employers.data = [e.id for e in users.tied_employers(db(), account)]
    if form.validate_on_submit():
        if account.id == user().id and (not form.active.data or form.role.data != StaffRole.ADMIN):
            flash(_("You cannot remove your own admin access."), "error")
        else:
            def save() -> None:
                users.update_user(db(), account, role=StaffRole(form.role.data), active=form.active.data,
                                  password=form.password.data or None)
                _set_access(account, form)

            outcome = commit_or_error(save)
            if outcome.ok:
                flash(_("Saved."), "info")
                return redirect(url_for("auth.staff"))
            flash(outcome.error, "error")
    return render_template("auth/staff_edit.html", form=form, user=account)
