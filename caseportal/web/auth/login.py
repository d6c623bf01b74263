"""Staff login and logout: a fresh session at each (no fixation), and back only to a page on this site."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import login_user, logout_user
from werkzeug.wrappers import Response

from caseportal.current import db
from caseportal.i18n import safe_next
from caseportal.services import users

from ._blueprint import bp
from .forms import LoginForm


def _safe_next(target: str | None) -> str:
    """After login, only a path on this site (never //host, a tab-hidden host or another scheme)."""
    return safe_next(target, url_for("manage.dashboard"))


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response:
    form = LoginForm()
    if form.validate_on_submit():
        account = users.authenticate(db(), form.email.data or "", form.password.data or "")
        if account is None:
            flash(_("Email or password is wrong."), "error")
        else:
            session.clear()  # a new session at login: no fixation
            login_user(account)
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
def logout() -> Response:
    logout_user()
    session.clear()
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))
