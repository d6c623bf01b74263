"""Who sees which employer, which meeting, and whose name a reviewer may see: the one place for these rules.

Two rules, folded together everywhere:

* **Employers.** Firm-wide staff (``User.firm_wide``: a recruiting firm's consultants) and admins see every
  employer; everyone else sees only the employers they are tied to in ``employer_staff`` (a client's hiring
  manager or reviewer), and with them only those employers' roles, meetings, candidates and submissions.
* **Meetings.** Managers and admins see every meeting (of their employers); a reviewer only the ones they take
  part in (of their employers).

The list queries and the per-object checks below state each rule twice (SQL and Python) side by side, so they
cannot drift apart. Whatever is outside someone's reach is reported as missing, so its existence never leaks.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import ColumnElement, false, or_, select, true
from sqlalchemy.orm import InstrumentedAttribute, Session, object_session, selectinload

from caseportal.i18n import gettext as _
from caseportal.models import (
    Employer,
    EmployerStaff,
    JobRole,
    Meeting,
    StaffRole,
    Submission,
    TalkingPoint,
    User,
    utcnow,
)

from .errors import Invalid, NotFound

# --------------------------------------------------------------------------- employers


def sees_every_employer(user: User) -> bool:
    """Admins and firm-wide staff (consultants) see every employer."""
    return user.role == StaffRole.ADMIN or bool(user.firm_wide)


def employer_ids_for(user: User, session: Session | None = None) -> frozenset[int] | None:
    """The ids of the employers ``user`` is tied to, or None when they see every employer.

    None means "no limit", never "nothing": a tied user with no employers gets an empty set and sees nothing.
    The ties are read from ``session`` or the session the user belongs to (none: nothing, the safe answer).
    """
    if sees_every_employer(user):
        return None
    session = session or object_session(user)
    if session is None or user.id is None:
        return frozenset()
    return frozenset(session.scalars(select(EmployerStaff.employer_id).where(EmployerStaff.user_id == user.id)))


def employers_for(session: Session, user: User) -> list[Employer]:
    """The employers ``user`` may see, by name (services.employers.employers_visible is the pages' way in)."""
    q = select(Employer).order_by(Employer.name, Employer.id)
    ids = employer_ids_for(user, session)
    if ids is not None:
        q = q.where(Employer.id.in_(ids))
    return list(session.scalars(q))


def can_see_employer(user: User, employer_id: int | None, session: Session | None = None) -> bool:
    ids = employer_ids_for(user, session)
    return ids is None or employer_id in ids


def _in_employers(column: InstrumentedAttribute[int], ids: frozenset[int] | None) -> ColumnElement[bool]:
    """A WHERE clause limiting ``column`` (an employer id) to ``ids`` (None: no limit)."""
    if ids is None:
        return true()
    if not ids:
        return false()
    return column.in_(sorted(ids))


def meeting_clause(ids: frozenset[int] | None) -> ColumnElement[bool]:
    """A WHERE clause on Meeting limiting it to the employers ``ids`` (from :func:`employer_ids_for`)."""
    if ids is None:
        return true()
    return Meeting.job_role_id.in_(select(JobRole.id).where(_in_employers(JobRole.employer_id, ids)))


def roles_for(session: Session, user: User) -> list[JobRole]:
    """The roles of the employers ``user`` may see, ordered as the role lists read."""
    q = select(JobRole).where(_in_employers(JobRole.employer_id, employer_ids_for(user, session)))
    return list(session.scalars(q.order_by(JobRole.title, JobRole.id)))


def role_for(session: Session, user: User, role_id: int) -> JobRole:
    """One role, or NotFound when it is missing or its employer is outside the user's reach."""
    role = session.get(JobRole, role_id)
    if role is None or not can_see_employer(user, role.employer_id, session):
        raise NotFound(_("This role does not exist, or you cannot see it."))
    return role


def staff_clause(viewer: User, session: Session | None = None) -> ColumnElement[bool]:
    """A WHERE clause on User: the staff ``viewer`` may see named in lists and choices.

    Firm-wide viewers see everyone; a tied viewer sees the firm-wide staff (the consultants they work with) and
    the staff tied to one of their own employers, never another client's people.
    """
    ids = employer_ids_for(viewer, session)
    if ids is None:
        return true()
    tied = select(EmployerStaff.user_id).where(_in_employers(EmployerStaff.employer_id, ids))
    return or_(User.firm_wide.is_(True), User.role == StaffRole.ADMIN, User.id.in_(tied), User.id == viewer.id)


def staff_seen_by(session: Session, viewer: User, staff: Sequence[User]) -> list[User]:
    """``staff`` (in their order) limited to those ``viewer`` may see named (see :func:`staff_clause`)."""
    if employer_ids_for(viewer, session) is None:
        return list(staff)
    allowed = set(session.scalars(select(User.id).where(staff_clause(viewer, session),
                                                        User.id.in_([u.id for u in staff]))))
    return [u for u in staff if u.id in allowed]


def check_reviewers(session: Session, role_id: int, reviewers: Iterable[User]) -> None:
    """Invalid when a reviewer could not see the role's employer: they would never see the meeting."""
    role = session.get(JobRole, role_id)
    if role is None:
        return  # the meeting service says what is wrong with the role
    outside = [u.name for u in reviewers if not can_see_employer(u, role.employer_id, session)]
    if outside:
        raise Invalid(_("%(names)s cannot see %(employer)s's meetings. Choose other reviewers, or tie them to the "
                        "employer first.", names=", ".join(outside), employer=role.employer.name))


# --------------------------------------------------------------------------- meetings


def can_see(user: User, meeting: Meeting) -> bool:
    """The one rule for who sees a meeting: within the user's employers, managers and admins all, a reviewer only
    the ones they take part in."""
    if not can_see_employer(user, meeting.job_role.employer_id, object_session(meeting)):
        return False
    return user.is_manager or any(r.id == user.id for r in meeting.reviewers)


def meetings_for(session: Session, user: User) -> list[Meeting]:
    """The meetings a staff member may see (the rule of :func:`can_see`, as a query).

    Ordered as a day plan reads: upcoming soonest first, then unscheduled, then past ones latest first.
    """
    q = select(Meeting).options(selectinload(Meeting.invitations), selectinload(Meeting.reviewers),
                                selectinload(Meeting.cases))
    q = q.where(meeting_clause(employer_ids_for(user, session)))
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
