"""Invitation links, the candidate's only credential: issue (signed, expiring), send, revoke, resolve.

A link is signed, not stored: the token is re-derivable from the invitation's id and nonce, so the manager can
be shown the current link again. Issuing a new link kills every earlier one. The mail's words live in
``invitation_mail``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import CursorResult, update
from sqlalchemy.orm import Session, object_session

from caseportal.config import Settings
from caseportal.i18n import gettext as _
from caseportal.models import Invitation, Meeting, utcnow

from . import calendar, events, mail
from .errors import LinkInvalid
from .invitation_mail import invitation_email

_SALT = "caseportal.invitation"


def _serializer(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt=_SALT)


def issue(session: Session, meeting: Meeting, days: int, now: datetime | None = None) -> Invitation:
    """Issue a fresh link; every earlier live link of the meeting is revoked (re-issue)."""
    now = now or utcnow()
    for old in meeting.invitations:
        if old.revoked_at is None:
            old.revoked_at = now
    inv = Invitation(meeting=meeting, nonce=secrets.token_urlsafe(24), issued_at=now,
                     expires_at=now + timedelta(days=days))
    session.add(inv)
    session.flush()
    return inv


def revoke(meeting: Meeting, now: datetime | None = None) -> int:
    """Kill every live link of the meeting; returns how many were live."""
    live = [inv for inv in meeting.invitations if inv.revoked_at is None]
    for inv in live:
        inv.revoked_at = now or utcnow()
    return len(live)


def token_for(inv: Invitation, secret_key: str) -> str:
    return _serializer(secret_key).dumps([inv.id, inv.nonce])


def invitation_url(settings: Settings, inv: Invitation) -> str:
    """The absolute link a candidate opens; re-derivable, since the token is signed, not stored."""
    return f"{settings.base_url.rstrip('/')}/i/{token_for(inv, settings.secret_key)}"


def current_link(settings: Settings, meeting: Meeting) -> str | None:
    inv = meeting.current_invitation
    return invitation_url(settings, inv) if inv is not None else None


@dataclass(frozen=True)
class InviteResult:
    invitation: Invitation
    url: str
    mail_attempted: bool
    mailed: bool


def send_invitation(session: Session, meeting: Meeting, settings: Settings,
                    now: datetime | None = None) -> InviteResult:
    """Issue a fresh link (earlier ones die) and mail it when a mail server is configured.

    Without mail, or if mailing fails, the caller shows the link to the manager to pass on.
    """
    inv = issue(session, meeting, settings.invitation_days, now=now)
    url = invitation_url(settings, inv)
    attempted = mail.mail_configured(settings)
    mailed = False
    if attempted:
        subject, body = invitation_email(session, meeting, url, inv)
        ics = calendar.ics_for_meeting(meeting, settings, for_candidate=True) if meeting.starts_at else None
        mailed = mail.send_mail(settings, meeting.candidate_email, subject, body, ics)
        inv.sent_by_mail = mailed
    session.flush()
    return InviteResult(inv, url, attempted, mailed)


def resolve(session: Session, token: str, secret_key: str, now: datetime | None = None) -> Invitation:
    """The live invitation behind a token, or LinkInvalid with a message a candidate understands."""
    try:
        inv_id, nonce = _serializer(secret_key).loads(token)
    except (BadSignature, ValueError, TypeError):
        raise LinkInvalid(_("This invitation link is not valid. Please check that you copied all of it.")) from None
    inv = session.get(Invitation, inv_id)
    if inv is None or not secrets.compare_digest(inv.nonce, str(nonce)):
        raise LinkInvalid(_("This invitation link is not valid. Please check that you copied all of it."))
    if inv.revoked_at is not None:
        raise LinkInvalid(_("This invitation link has been replaced or withdrawn. Please use the newest link "
                            "you received, or contact the person who invited you."))
    if (now or utcnow()) > inv.expires_at:
        raise LinkInvalid(_("This invitation link has expired. Please contact the person who invited you "
                            "for a new one."))
    return inv


#: How precisely the last visit to an invitation is noted (the manager's meeting page shows it).
OPENED_RESOLUTION = timedelta(minutes=1)


def mark_opened(inv: Invitation, now: datetime | None = None) -> bool:
    """Note a visit; True for the first one. A conditional UPDATE, so when two tabs open the link at once only
    one of them is the first use and the first-opened time is never overwritten. A visit within
    OPENED_RESOLUTION of the last noted one writes nothing: a write per page view queued every candidate's page
    behind the database's write lock (a third of the invitation page's throughput on SQLite)."""
    now = now or utcnow()
    last = inv.last_opened_at
    if inv.first_opened_at is not None and last is not None and timedelta(0) <= now - last < OPENED_RESOLUTION:
        return False
    inv.last_opened_at = now
    session = object_session(inv)
    if session is None:
        first = inv.first_opened_at is None
        if first:
            inv.first_opened_at = now
        return first
    stmt = (update(Invitation).where(Invitation.id == inv.id, Invitation.first_opened_at.is_(None))
            .values(first_opened_at=now).execution_options(synchronize_session=False))
    first = cast("CursorResult[Any]", session.execute(stmt)).rowcount == 1
    if first:
        events.emit(session, "invitation.opened", meeting_id=inv.meeting_id, invitation_id=inv.id)
    session.expire(inv, ["first_opened_at"])
    return first
