"""Employers: the client companies whose roles caseportal hosts, and the one new roles fall back to."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from caseportal.models import Employer

#: The employer existing roles moved to on upgrade, and the one made when a role is created before any employer.
FALLBACK_NAME = "Our company"


def default_employer(session: Session) -> Employer:
    """The oldest employer, made (named FALLBACK_NAME) when there is none yet, so every role has one."""
    found = session.scalar(select(Employer).order_by(Employer.id).limit(1))
    if found is None:
        found = Employer(name=FALLBACK_NAME)
        session.add(found)
        session.flush()
    return found
