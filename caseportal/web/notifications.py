"""Staff notifications: each staff member sees only their own, newest first, and can mark them all read.

A page for every staff role (reviewers and managers alike), so it is its own small blueprint rather than part of
one audience's room. Also provides ``unread_notifications()`` to every template (a function, so the count is only
queried by pages that show it), for the badge in the main navigation.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from caseportal.current import db
from caseportal.models import User
from caseportal.permissions import any_staff_required
from caseportal.services import notify

from .common import form_or_400, user

bp = Blueprint("notifications", __name__)


class MarkReadForm(FlaskForm):
    """The "mark all as read" button: just the CSRF token."""


@bp.app_context_processor
def _unread() -> dict[str, object]:
    def unread_notifications() -> int:
        if not (current_user.is_authenticated and isinstance(user(), User)):
            return 0
        return notify.unread_count(db(), user())

    return {"unread_notifications": unread_notifications}


@bp.get("/notifications")
@any_staff_required
def index() -> str:
    items = [(n, notify.safe_link(n.link)) for n in notify.for_user(db(), user())]
    return render_template("notifications.html", items=items, form=MarkReadForm(),
                           unread=sum(1 for n, _link in items if n.read_at is None))


@bp.post("/notifications/read")
@any_staff_required
def mark_read() -> Response:
    form_or_400(MarkReadForm())
    count = notify.mark_all_read(db(), user())
    db().commit()
    if count:
        flash(_("All notifications are marked as read."), "info")
    return redirect(url_for("notifications.index"))
