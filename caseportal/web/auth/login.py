"""Staff login and logout: a fresh session at each (no fixation), and back only to a page on this site."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from caseportal.current import db
from caseportal.i18n import safe_next
from caseportal.services import users
from caseportal.web.common import user
from caseportal.web.security import login_throttle

from ._blueprint import bp
from .forms import LoginForm


def _safe_next(target: str | None) -> str:
    """After login, only a path on this site (never //host, a tab-hidden host or another scheme)."""
    return safe_next(target, url_for("manage.dashboard"))


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response | tuple[str, int]:
    form = LoginForm()
    if form.validate_on_submit():
        email, address = form.email.data or "", request.remote_addr or ""
        throttle = login_throttle(current_app)
        if throttle.blocked(email, address):
            # Checked before the password: once the budget is used up, even the right password waits.
            flash(ngettext("Too many failed sign-ins. Please wait %(num)s minute and try again.",
                           "Too many failed sign-ins. Please wait %(num)s minutes and try again.",
                           throttle.window_minutes), "error")
            return render_template("auth/login.html", form=form), 429
        account = users.authenticate(db(), email, form.password.data or "")
        if account is None:
            throttle.failed(email, address)
            flash(_("Email or password is wrong."), "error")
        else:
            throttle.succeeded(email)
            session.clear()  # a new session at login: no fixation
            login_user(account)
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
def logout() -> Response:
    """Ends the session on the server too: a copy of the session cookie no longer logs anyone in."""
    if current_user.is_authenticated:
        users.end_sessions(user())
        db().commit()
    logout_user()
    session.clear()
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))
