"""Who sees which meeting, and whose name a reviewer may see: the one place for these rules.

Managers and admins see every meeting, a reviewer only the ones they take part in; the list query and the
per-object check below state that rule twice (SQL and Python) side by side, so they cannot drift apart.
A meeting outside someone's reach is reported as missing, so its existence never leaks.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session, selectinload

from caseportal.i18n import gettext as _
from caseportal.models import Meeting, Submission, TalkingPoint, User, utcnow

from .errors import NotFound


def can_see(user: User, meeting: Meeting) -> bool:
    """The one rule for who sees a meeting: managers and admins all, a reviewer only the ones they take part in."""
    return user.is_manager or any(r.id == user.id for r in meeting.reviewers)


def meetings_for(session: Session, user: User) -> list[Meeting]:
    """The meetings a staff member may see: all for managers and admins, their own for reviewers.

    Ordered as a day plan reads: upcoming soonest first, then unscheduled, then past ones latest first.
    """
    q = select(Meeting).options(selectinload(Meeting.invitations), selectinload(Meeting.reviewers),
                                selectinload(Meeting.cases))
    if not user.is_manager:
        q = q.join(Meeting.reviewers).where(User.id == user.id)
    meetings = list(session.scalars(q).unique())
    now = utcnow()

    def key(m: Meeting) -> tuple[int, float]:
        if m.starts_at is None:
            return (1, -m.created_at.timestamp())
        if m.starts_at >= now or m.met_at is None and m.starts_at.date() == now.date():
            return (0, m.starts_at.timestamp())
        return (2, -m.starts_at.timestamp())

    return sorted(meetings, key=key)


def meeting_for(session: Session, user: User, meeting_id: int) -> Meeting:
    """One meeting, or NotFound when it is missing or outside the user's reach (existence never leaks)."""
    meeting = session.get(Meeting, meeting_id)
    if meeting is None or not can_see(user, meeting):
        raise NotFound(_("This meeting does not exist, or you are not part of it."))
    return meeting


def wrote_talking_points(session: Session, meeting: Meeting, user: User) -> bool:
    """Whether ``user`` authored at least one talking point on any of the meeting's submissions."""
    q = (select(TalkingPoint.id).join(Submission, Submission.id == TalkingPoint.submission_id)
         .where(Submission.meeting_id == meeting.id, TalkingPoint.author_id == user.id).limit(1))
    return session.scalar(q) is not None


def hides_identity(meeting: Meeting, user: User, *, session: Session | None = None,
                   has_written: bool | None = None) -> bool:
    """Blind review: a reviewer sees no name or email until they have written their own talking points
    (so their first read of the work is unbiased), or until the meeting has taken place. Managers always see it.

    Whether the reviewer has written points is ``has_written`` when the caller knows it (dashboards), otherwise
    it is looked up in ``session`` or, when none is given, in the session the meeting belongs to; without any
    session the name stays hidden (the safe answer).
    """
    if not meeting.blind_review or user.is_manager or meeting.met_at is not None:
        return False
    if has_written is None:
        session = session or object_session(meeting)
        has_written = session is not None and wrote_talking_points(session, meeting, user)
    return not has_written
