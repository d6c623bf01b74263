"""All access rules in one place: roles, the login loader, route decorators and per-object checks."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Flask, abort
from flask_login import current_user

from .extensions import login_manager
from .models import Meeting, StaffRole, Submission, User
from .services.visibility import can_see

F = TypeVar("F", bound=Callable[..., Any])


def init_login(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "strong"

    def _load(user_id: str) -> User | None:
        from .current import db

        try:
            kind, uid, version = user_id.split(":")
        except ValueError:
            return None
        if kind != "staff":
            return None
        user = db().get(User, int(uid))
        if user is None or str(user.session_version) != version or not user.active:
            return None
        return user

    login_manager.user_loader(_load)  # a call, not a decorator: flask_login is untyped and would erase the types


def staff_required(*roles: StaffRole) -> Callable[[F], F]:
    """Logged-in staff with one of the roles (admins pass every staff check)."""

    def deco(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if roles and current_user.role not in roles and current_user.role != StaffRole.ADMIN:
                abort(403)
            return view(*args, **kwargs)

        return cast(F, wrapped)  # functools.wraps keeps the signature; mypy cannot see that

    return deco


manager_required = staff_required(StaffRole.MANAGER)
admin_required = staff_required(StaffRole.ADMIN)
any_staff_required = staff_required()


def can_view_meeting(user: User, meeting: Meeting) -> bool:
    """Within the employers the user sees (services.visibility): managers and admins every meeting, a reviewer only
    the meetings they take part in."""
    return bool(user.is_authenticated and user.active) and can_see(user, meeting)


def can_review_submission(user: User, meeting: Meeting, submission: Submission) -> bool:
    return submission.meeting_id == meeting.id and can_view_meeting(user, meeting)


def can_manage(user: User) -> bool:
    return bool(user.is_authenticated and user.is_manager)
