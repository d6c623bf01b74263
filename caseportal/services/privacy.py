"""The candidate's side of data protection: what the privacy notice says, and withdrawing with deletion.

Withdrawing ends the invitation at once, closes the meeting as "candidate withdrew", tells the people who run
the meeting (a notification, and mail when set up) without naming the candidate, and erases the data at once
or after the configured grace period (``withdrawal_grace_days``; the retention job does it then).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from caseportal.config import Settings
from caseportal.i18n import default_language
from caseportal.i18n import gettext as _
from caseportal.models import Meeting, MeetingOutcome, Notification, StaffRole, User, utcnow

from . import audit, erasure, invitations, mail, retention, visibility
from .errors import Invalid

#: The manager's meeting page (route ``manage.meeting``).
MEETING_PATH = "/meetings/{id}"


@dataclass(frozen=True)
class Notice:
    """The facts the privacy notice states; the words are in the template."""

    controller: str
    contact: str
    retention_months: int
    grace_days: int


def notice(settings: Settings) -> Notice:
    return Notice(settings.privacy_controller.strip(), settings.privacy_contact.strip(), settings.retention_months,
                  settings.withdrawal_grace_days)


def _recipients(session: Session, meeting: Meeting) -> list[User]:
    """Who runs the meeting: its creator when active, else every active manager; only those who may see the
    meeting's employer (a client's hiring manager never hears of another client's candidate)."""
    creator = session.get(User, meeting.created_by_id) if meeting.created_by_id else None
    if creator is not None and creator.active and visibility.can_see(creator, meeting):
        return [creator]
    managers = session.scalars(select(User).where(User.active.is_(True), User.role == StaffRole.MANAGER)
                               .order_by(User.id))
    return [u for u in managers if visibility.can_see(u, meeting)]


def _tell_staff(session: Session, settings: Settings, meeting: Meeting, erase_at: datetime, now: datetime) -> None:
    with default_language():
        label = _("Candidate #%(id)s", id=meeting.id)
        if erase_at <= now:
            text = _("%(who)s withdrew from the %(role)s process and asked for their data to be deleted. Their "
                     "data has been erased.", who=label, role=meeting.job_role.title)
        else:
            text = _("%(who)s withdrew from the %(role)s process and asked for their data to be deleted. It will "
                     "be erased on %(date)s.", who=label, role=meeting.job_role.title, date=erase_at.date().isoformat())
        subject = _("A candidate withdrew: %(role)s", role=meeting.job_role.title)
    link = MEETING_PATH.format(id=meeting.id)
    for user in _recipients(session, meeting):
        session.add(Notification(user_id=user.id, text=text, link=link))
        if mail.mail_configured(settings):
            mail.send_mail(settings, user.email, subject, text + "\n")
    session.flush()


def withdraw(session: Session, settings: Settings, meeting: Meeting, now: datetime | None = None) -> bool:
    """The candidate withdraws and asks for deletion; True when the data was erased at once."""
    now = now or utcnow()
    rec = retention.record_for(session, meeting)
    if rec.erased_at is not None or rec.withdrawn_at is not None:
        raise Invalid(_("You have already withdrawn; your data is being deleted."))
    invitations.revoke(meeting, now)
    rec.withdrawn_at = now
    rec.erase_after = now + timedelta(days=max(0, settings.withdrawal_grace_days))
    if not rec.closed_at:
        rec.outcome, rec.closed_at = MeetingOutcome.WITHDREW.value, now
    audit.record(session, audit.CANDIDATE, "withdraw", "meeting", meeting.id, meeting_id=meeting.id, now=now)
    _tell_staff(session, settings, meeting, rec.erase_after, now)
    if rec.erase_after <= now:
        return erasure.erase_candidate(session, meeting, audit.CANDIDATE, "withdrawal", now=now)
    return False
