"""Employers: the client companies whose roles caseportal hosts, and the one new roles fall back to.

Creating and editing go through here (the admin pages, the demo data and the test factory), so a name stays unique,
a brand colour always passes contrast (services/brand.py) and a logo is always a re-encoded PNG (services/logos.py).
Which employers a staff member sees is asked of ``employers_visible`` only, so scoping lives in one place.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from caseportal.i18n import gettext as _
from caseportal.models import OFFER_SECTIONS, Employer, User

from . import brand, logos, visibility
from .errors import Forbidden, Invalid, NotFound

#: The employer existing roles moved to on upgrade, and the one made when a role is created before any employer.
FALLBACK_NAME = "Our company"
#: What a form may set on an employer besides its logo.
FIELDS = ("name", "about", "brand_colour", *OFFER_SECTIONS)


def default_employer(session: Session) -> Employer:
    """The oldest employer, made (named FALLBACK_NAME) when there is none yet, so every role has one."""
    found = session.scalar(select(Employer).order_by(Employer.id).limit(1))
    if found is None:
        found = Employer(name=FALLBACK_NAME)
        session.add(found)
        session.flush()
    return found


def employers_visible(session: Session, user: User) -> list[Employer]:
    """The employers ``user`` may see, by name: the one listing every page and form uses (firm-wide staff and
    admins see all, others only the employers they are tied to; the rule itself is in services/visibility.py)."""
    return visibility.employers_for(session, user)


def employer_for(session: Session, user: User, employer_id: int) -> Employer:
    """One employer the user may see, or NotFound (an employer outside their reach is reported as missing)."""
    found = next((e for e in employers_visible(session, user) if e.id == employer_id), None)
    if found is None:
        raise NotFound(_("This employer does not exist, or you cannot see it."))
    return found


def may_create(user: User) -> bool:
    """Only firm-wide managers (a recruiting firm's consultants) and admins add employers; a client's own hiring
    manager works within their employer."""
    return user.is_admin or (user.is_manager and user.firm_wide)


def _name_taken(session: Session, name: str, but: Employer | None) -> bool:
    q = select(Employer.id).where(func.lower(Employer.name) == name.lower())
    if but is not None and but.id is not None:
        q = q.where(Employer.id != but.id)
    return session.scalar(q) is not None


def _validated(session: Session, employer: Employer | None, fields: dict[str, Any]) -> dict[str, Any]:
    """The fields cleaned (name trimmed, colour checked, logo re-encoded), or Invalid before anything is set."""
    unknown = set(fields) - set(FIELDS) - {"logo"}
    if unknown:
        raise TypeError(f"unknown employer fields: {sorted(unknown)}")
    cleaned: dict[str, Any] = {}
    if "name" in fields:
        name = " ".join(str(fields["name"] or "").split())
        if not name:
            raise Invalid(_("Please give the employer's name."))
        if _name_taken(session, name, employer):
            raise Invalid(_("There is already an employer called %(name)s.", name=name))
        cleaned["name"] = name
    if "brand_colour" in fields:
        cleaned["brand_colour"] = brand.check(str(fields["brand_colour"] or ""))
    for key in ("about", *OFFER_SECTIONS):
        if key in fields:
            cleaned[key] = str(fields[key] or "").strip()
    if fields.get("logo"):
        cleaned["logo"] = logos.clean(fields["logo"])
    return cleaned


def _set(employer: Employer, cleaned: dict[str, Any]) -> None:
    logo = cleaned.pop("logo", None)
    for key, value in cleaned.items():
        setattr(employer, key, value)
    if logo:
        employer.logo_png = logo
        employer.logo_version = (employer.logo_version or 0) + 1


def create_employer(session: Session, name: str, **fields: Any) -> Employer:
    """A new employer; ``fields`` are any of FIELDS and ``logo`` (uploaded bytes). Invalid says what to fix."""
    cleaned = _validated(session, None, {"name": name, **fields})
    employer = Employer(name="", about="", brand_colour="", logo_version=0, **{s: "" for s in OFFER_SECTIONS})
    _set(employer, cleaned)
    session.add(employer)
    _flush_unique(session, employer.name)
    return employer


def update_employer(session: Session, employer: Employer, **fields: Any) -> None:
    """Change the given fields (``logo``: new upload bytes); nothing changes when any of them is refused."""
    _set(employer, _validated(session, employer, fields))
    _flush_unique(session, employer.name)


def _flush_unique(session: Session, name: str) -> None:
    """Flush in a savepoint: two people saving the same new name at once are told by the unique constraint,
    which settles the race the check above cannot."""
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as err:
        raise Invalid(_("There is already an employer called %(name)s.", name=name)) from err


def remove_logo(employer: Employer) -> None:
    employer.logo_png = None
    employer.logo_version = (employer.logo_version or 0) + 1


def require_may_create(user: User) -> None:
    if not may_create(user):
        raise Forbidden(_("Only firm-wide staff may add employers."))


def offer_defaults(employer: Employer) -> dict[str, str]:
    """The employer's default offer blocks, which a new role of theirs starts from."""
    return {s: getattr(employer, s) or "" for s in OFFER_SECTIONS}
