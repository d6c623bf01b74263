"""Invitation links, the candidate's only credential: issue (signed, expiring), send, revoke, resolve.

A link is signed, not stored: the token is re-derivable from the invitation's id and nonce, so the manager can
be shown the current link again. Issuing a new link kills every earlier one. The mail's words live in
``invitation_mail``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.orm import Session

from caseportal.config import Settings
from caseportal.i18n import gettext as _
from caseportal.models import Invitation, Meeting, utcnow

from . import calendar, mail
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


def mark_opened(inv: Invitation, now: datetime | None = None) -> None:
    now = now or utcnow()
    if inv.first_opened_at is None:
        inv.first_opened_at = now
    inv.last_opened_at = now
