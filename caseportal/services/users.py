"""Staff accounts: creation (UI and CLI), authentication, listing, and which employers each one sees.

Access to employers is set here and read in services.visibility: firm-wide (a consultant: every employer) or tied
to chosen employers (a client's hiring manager or reviewer). Admins always see every employer.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from caseportal.i18n import gettext as _
from caseportal.models import Employer, EmployerStaff, StaffRole, User
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


def set_access(session: Session, user: User, *, firm_wide: bool, employer_ids: Iterable[int] = ()) -> None:
    """Make ``user`` firm-wide, or tie them to exactly ``employer_ids`` (their earlier ties are replaced).

    A tied account needs at least one employer (with none it would see nothing at all); unknown employers are
    refused. Admins are always firm-wide: they must be able to reach everything to run the place.
    """
    wanted = set(employer_ids)
    firm_wide = firm_wide or user.role == StaffRole.ADMIN
    if not firm_wide:
        if not wanted:
            raise Invalid(_("Please choose at least one employer, or let the account see every employer."))
        known = set(session.scalars(select(Employer.id).where(Employer.id.in_(wanted))))
        if known != wanted:
            raise Invalid(_("One of the chosen employers does not exist."))
    user.firm_wide = firm_wide
    session.execute(delete(EmployerStaff).where(EmployerStaff.user_id == user.id))
    if not firm_wide:
        session.add_all(EmployerStaff(user_id=user.id, employer_id=e) for e in sorted(wanted))
    session.flush()


def tied_employers(session: Session, user: User) -> list[Employer]:
    """The employers ``user`` is tied to, by name (empty for firm-wide accounts)."""
    return list(session.scalars(select(Employer).join(EmployerStaff, EmployerStaff.employer_id == Employer.id)
                                .where(EmployerStaff.user_id == user.id).order_by(Employer.name)))


def employers_by_name(session: Session, names: Iterable[str]) -> list[Employer]:
    """The employers with these names (case does not matter), for the CLI; Invalid names the unknown ones."""
    found: list[Employer] = []
    for name in names:
        employer = session.scalar(select(Employer).where(func.lower(Employer.name) == name.strip().lower()))
        if employer is None:
            raise Invalid(_("There is no employer called %(name)s.", name=name))
        found.append(employer)
    return found
