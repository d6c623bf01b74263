"""Staff accounts: creation (UI and CLI), authentication, listing."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from caseportal.i18n import gettext as _
from caseportal.models import StaffRole, User
from caseportal.models.users import check_without_account

from .errors import Invalid

MIN_PASSWORD = 10


def create_user(session: Session, *, email: str, name: str, role: StaffRole, password: str) -> User:
    email = email.strip().lower()
    if "@" not in email:
        raise Invalid(_("Please give a valid email address."))
    if len(password) < MIN_PASSWORD:
        raise Invalid(_("The password must have at least %(n)s characters.", n=MIN_PASSWORD))
    if session.scalar(select(User).where(func.lower(User.email) == email)):
        raise Invalid(_("There is already an account with that email."))
    user = User(email=email, name=name.strip() or email, role=role, password_hash="")
    user.set_password(password)
    session.add(user)
    session.flush()
    return user


def update_user(session: Session, user: User, *, role: StaffRole, active: bool, password: str | None) -> None:
    user.role = role
    user.active = active
    if password:
        if len(password) < MIN_PASSWORD:
            raise Invalid(_("The password must have at least %(n)s characters.", n=MIN_PASSWORD))
        user.set_password(password)
    elif not active:
        user.session_version += 1  # log a deactivated account out everywhere


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active account with this e-mail and password, or None. Every attempt computes exactly one password
    hash (a throw-away one for an unknown e-mail), so the time taken does not tell who has an account."""
    # Annotated: mypy picks SQLAlchemy's untyped scalar() overload for this select.
    user: User | None = session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None:
        check_without_account(password)
        return None
    if not user.check_password(password) or not user.active:
        return None
    return user


def end_sessions(user: User) -> None:
    """End every session of this account on the server (logout): a copied session cookie names the old session
    version, which the login loader then refuses. The caller commits."""
    user.session_version += 1


def list_users(session: Session, role: StaffRole | None = None) -> list[User]:
    q = select(User).order_by(User.name)
    if role is not None:
        q = q.where(User.role == role)
    return list(session.scalars(q))
