"""Telling staff that something needs them: an in-app notification always, an email when mail is set up.

Blind review holds here too: a reviewer who may not know the candidate's name yet gets "Candidate #12" in the
notification and in the email. So does the employer rule: a reviewer tied to other employers than the meeting's is
never told about its candidate (services.visibility decides).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from caseportal.casebook import Library
from caseportal.config import Settings
from caseportal.i18n import default_language
from caseportal.i18n import gettext as _
from caseportal.models import Meeting, Notification, Submission, User, utcnow

from . import mail, visibility

#: The reviewer's page of a submission (the route ``review.submission``; a test keeps the two in step).
REVIEW_PATH = "/review/submissions/{id}"
#: The notifications page shows this many, newest first.
PAGE_SIZE = 100


def review_path(submission: Submission) -> str:
    return REVIEW_PATH.format(id=submission.id)


def candidate_label(meeting: Meeting) -> str:
    """How a blind review names the candidate (the same label the manage and review pages use)."""
    return _("Candidate #%(id)s", id=meeting.id)


def _submission_text(who: str, role: str, case_title: str) -> str:
    return _("%(who)s handed in their work on “%(case)s” for the %(role)s meeting. Take a look and prepare a few "
             "talking points: the meeting is a conversation, not an exam.", who=who, case=case_title, role=role)


def _mail_body(text: str, url: str) -> str:
    return "\n\n".join([_("Hello,"), text, _("Open the work:") + "\n" + url,
                        _("(You get this because you are a reviewer of the meeting.)")]) + "\n"


def notify_submission(session: Session, settings: Settings, submission: Submission, base_url: str, *,
                      library: Library | None = None) -> list[Notification]:
    """Tell every active reviewer of the meeting who may see it that the work is handed in.

    Each gets an in-app notification linking to the review page (always, also as a record), and an email with
    the absolute link when a mail server is configured; a failed email is logged, never raised. ``library``
    gives the case's title (otherwise its slug is used). Returns the notifications (flushed, not committed).
    """
    # Written for the reviewers, not for the candidate who is handing in: the site's language, not theirs.
    with default_language():
        return _notify_submission(session, settings, submission, base_url, library)


def _notify_submission(session: Session, settings: Settings, submission: Submission, base_url: str,
                       library: Library | None) -> list[Notification]:
    meeting = session.get(Meeting, submission.meeting_id)
    if meeting is None:
        return []
    spec = library.get(submission.case_slug) if library is not None else None
    case_title = spec.title if spec else submission.case_slug
    role = meeting.job_role.title if meeting.job_role else _("candidate")
    path = review_path(submission)
    url = base_url.rstrip("/") + path
    send = mail.mail_configured(settings)
    created: list[Notification] = []
    for reviewer in meeting.reviewers:
        if not reviewer.active or not visibility.can_see(reviewer, meeting):
            continue
        hidden = visibility.hides_identity(meeting, reviewer, session=session)
        who = candidate_label(meeting) if hidden else meeting.candidate_name
        text = _submission_text(who, role, case_title)
        note = Notification(user_id=reviewer.id, text=text, link=path)
        session.add(note)
        created.append(note)
        if send:
            mail.send_mail(settings, reviewer.email, _("Work handed in: %(role)s (%(who)s)", role=role, who=who),
                           _mail_body(text, url))
    session.flush()
    return created


# --------------------------------------------------------------------------- reading and marking


def for_user(session: Session, user: User, limit: int = PAGE_SIZE) -> list[Notification]:
    """The user's own notifications, newest first."""
    return list(session.scalars(select(Notification).where(Notification.user_id == user.id)
                                .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)))


def unread_count(session: Session, user: User) -> int:
    return int(session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))) or 0)


def mark_all_read(session: Session, user: User, now: datetime | None = None) -> int:
    """Mark every unread notification of the user as read; returns how many."""
    result = session.execute(update(Notification).where(Notification.user_id == user.id,
                                                        Notification.read_at.is_(None))
                             .values(read_at=now or utcnow()))
    session.flush()
    return int(getattr(result, "rowcount", 0) or 0)


def safe_link(link: str) -> str:
    """A notification's link only if it stays on this site (a path), else nothing to follow."""
    return link if link.startswith("/") and not link.startswith("//") and "\\" not in link else ""
