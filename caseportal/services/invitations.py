"""Signed, expiring, revocable invitation links: the candidate's only credential."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.orm import Session

from caseportal.i18n import gettext as _
from caseportal.models import Invitation, Meeting, utcnow

from .errors import LinkInvalid

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


def revoke(meeting: Meeting, now: datetime | None = None) -> None:
    for inv in meeting.invitations:
        if inv.revoked_at is None:
            inv.revoked_at = now or utcnow()


def token_for(inv: Invitation, secret_key: str) -> str:
    return _serializer(secret_key).dumps([inv.id, inv.nonce])


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
