"""Candidate meetings as records: create, change and delete a meeting with its cases and reviewers.

Times are entered as wall-clock times in the meeting's own zone (``timezones``); who may see a meeting is
``visibility``, where it stands is ``pipeline``, and the invitation is ``invitations``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from caseportal.casebook import Library
from caseportal.i18n import gettext as _
from caseportal.models import JobRole, Meeting, MeetingCase, StaffRole, Submission, User, utcnow

from .errors import Invalid
from .timezones import DEFAULT_TIMEZONE, to_utc, valid_timezone

REVIEWER_ROLES = (StaffRole.REVIEWER, StaffRole.MANAGER)
MIN_DURATION, MAX_DURATION = 5, 600


def eligible_reviewers(session: Session) -> list[User]:
    """Active staff who can take part in a meeting (reviewers and managers)."""
    q = select(User).where(User.active.is_(True), User.role.in_(REVIEWER_ROLES)).order_by(User.name)
    return list(session.scalars(q))


def roles(session: Session) -> list[JobRole]:
    return list(session.scalars(select(JobRole).order_by(JobRole.title, JobRole.id)))


@dataclass(frozen=True)
class MeetingInput:
    """What a manager enters for a meeting; local times are wall-clock times in ``timezone``."""

    candidate_name: str
    candidate_email: str
    job_role_id: int
    timezone: str = DEFAULT_TIMEZONE
    starts_local: datetime | None = None
    duration_minutes: int = 60
    place: str = ""
    video_link: str = ""
    reviewer_ids: Sequence[int] = field(default_factory=tuple)
    case_slugs: Sequence[str] = field(default_factory=tuple)
    deadline_local: datetime | None = None
    blind_review: bool = False


def valid_web_link(link: str) -> bool:
    parts = urlsplit(link)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and not any(c.isspace() for c in link)


def _check(session: Session, library: Library, data: MeetingInput, attached: Iterable[str] = ()) -> tuple[
        JobRole, datetime | None, datetime | None, list[User], list[str]]:
    name = data.candidate_name.strip()
    email = data.candidate_email.strip()
    if not name or len(name) > 200:
        raise Invalid(_("Please give the candidate's name (at most %(n)s characters).", n=200))
    if "@" not in email or len(email) > 254 or any(c.isspace() for c in email):
        raise Invalid(_("Please give a valid email address for the candidate."))
    role = session.get(JobRole, data.job_role_id)
    if role is None:
        raise Invalid(_("Please choose a role."))
    if not valid_timezone(data.timezone):
        raise Invalid(_("Unknown time zone: %(tz)s.", tz=data.timezone))
    if not MIN_DURATION <= data.duration_minutes <= MAX_DURATION:
        raise Invalid(_("The duration must be between %(min)s and %(max)s minutes.", min=MIN_DURATION,
                        max=MAX_DURATION))
    if data.video_link.strip() and not valid_web_link(data.video_link.strip()):
        raise Invalid(_("The video link must be a web address starting with http:// or https://."))
    starts = to_utc(data.starts_local, data.timezone) if data.starts_local else None
    deadline = to_utc(data.deadline_local, data.timezone) if data.deadline_local else None
    if starts and deadline and deadline > starts:
        raise Invalid(_("The case deadline must be before the meeting, so that reviewers can prepare."))

    wanted = list(dict.fromkeys(data.reviewer_ids))
    reviewers = [u for u in eligible_reviewers(session) if u.id in wanted]
    if len(reviewers) != len(wanted):
        raise Invalid(_("Reviewers must be active reviewers or managers."))
    reviewers.sort(key=lambda u: wanted.index(u.id))

    slugs = list(dict.fromkeys(s.strip() for s in data.case_slugs if s.strip()))
    if not slugs:
        raise Invalid(_("Please attach at least one case."))
    kept = set(attached)  # a case that left the library may stay on a meeting that already has it
    unknown = [s for s in slugs if library.get(s) is None and s not in kept]
    if unknown:
        raise Invalid(_("Unknown case: %(cases)s.", cases=", ".join(unknown)))
    return role, starts, deadline, reviewers, slugs


def _apply(meeting: Meeting, data: MeetingInput, role: JobRole, starts: datetime | None,
           deadline: datetime | None, reviewers: list[User]) -> None:
    meeting.candidate_name = data.candidate_name.strip()
    meeting.candidate_email = data.candidate_email.strip()
    meeting.job_role = role
    meeting.timezone = data.timezone
    meeting.starts_at = starts
    meeting.duration_minutes = data.duration_minutes
    meeting.place = data.place.strip()
    meeting.video_link = data.video_link.strip()
    meeting.case_deadline = deadline
    meeting.blind_review = data.blind_review
    meeting.reviewers = reviewers


def create_meeting(session: Session, library: Library, data: MeetingInput,
                   created_by: User | None = None) -> Meeting:
    """A new meeting with its cases and reviewers (no invitation yet: that is a separate step)."""
    role, starts, deadline, reviewers, slugs = _check(session, library, data)
    meeting = Meeting(candidate_name="", candidate_email="", created_by_id=created_by.id if created_by else None)
    _apply(meeting, data, role, starts, deadline, reviewers)
    meeting.cases = [MeetingCase(case_slug=s, position=i) for i, s in enumerate(slugs)]
    session.add(meeting)
    session.flush()
    return meeting


def update_meeting(session: Session, library: Library, meeting: Meeting, data: MeetingInput) -> None:
    """Change a meeting; a case the candidate has already started cannot be taken away."""
    role, starts, deadline, reviewers, slugs = _check(session, library, data, attached=meeting.case_slugs)
    started = set(session.scalars(select(Submission.case_slug).where(Submission.meeting_id == meeting.id)))
    removed_started = sorted(started - set(slugs))
    if removed_started:
        raise Invalid(_("The candidate has already started %(cases)s; that case cannot be removed.",
                        cases=", ".join(removed_started)))
    _apply(meeting, data, role, starts, deadline, reviewers)
    existing = {c.case_slug: c for c in meeting.cases}
    new_cases = []
    for i, slug in enumerate(slugs):
        mc = existing.get(slug) or MeetingCase(case_slug=slug)
        mc.position = i
        new_cases.append(mc)
    meeting.cases = new_cases
    session.flush()


def mark_met(meeting: Meeting, met: bool = True, now: datetime | None = None) -> None:
    """Record that the meeting took place (or undo a mistaken click)."""
    meeting.met_at = (now or utcnow()) if met else None


def delete_meeting(session: Session, meeting: Meeting) -> None:
    """Delete a meeting with its invitations, submissions and runs (cascades in the database)."""
    for sub in session.scalars(select(Submission).where(Submission.meeting_id == meeting.id)):
        session.delete(sub)
    session.delete(meeting)
    session.flush()
